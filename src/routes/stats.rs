//! 统计监测 (staff figures) and the public 求人倍率 table, as JSON or CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::Query;
use crate::routes::resource;
use crate::services::stats::{self, Format, PublicQuery, PublicRatio, StaffStats, StatsQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/stats").route(web::get().to(staff))).service(resource("/stats/public").route(web::get().to(public)));
}

/// A CSV download (UTF-8 with BOM) named after what it holds.
pub fn csv_response(body: Vec<u8>, name: &str) -> HttpResponse {
    let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// Staff figures for a period within the caller's district scope: postings, places, fills,
/// time to fill, pay per hour, no-shows and late cancellations, wage-arrears reports and their
/// outcomes, 求人倍率, and placements of key-group workers (suppressed under 5), grouped by
/// occupation, district (county, city or province), week, month or employment type. Every read
/// is audited. Definitions: docs/stats.md.
#[utoipa::path(operation_id = "stats_staff", get, path = "/api/v1/stats", tag = "stats", security(("bearer" = [])), params(StatsQuery),
    responses((status = 200, description = "the figures (`format=csv`: the same table as CSV, UTF-8 with BOM)", content((StaffStats = "application/json"), (String = "text/csv"))),
        (status = 403, description = "not staff, or `district` outside the caller's scope", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn staff(state: web::Data<AppState>, user: AuthUser, q: Query<StatsQuery>) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(q.format.as_deref())?;
    let s: StaffStats = stats::staff_stats(&state, &user, &q.0).await?;
    match format {
        Format::Json => Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(s)),
        Format::Csv => Ok(csv_response(stats::staff_csv(&s)?, &format!("stats-{}-{}-{}.csv", s.from, s.to, s.group_by.as_str()))),
    }
}

/// 求人倍率 by occupation for a quarter and a district, for anyone: 需求人数 (open places), 求职人数
/// (active seekers) and their ratio, counts under 5 suppressed (and the cells that would let
/// them be worked out). Definitions: docs/stats.md.
#[utoipa::path(operation_id = "stats_public", get, path = "/api/v1/stats/public", tag = "stats", params(PublicQuery),
    responses((status = 200, description = "the table (`format=csv`: as CSV, UTF-8 with BOM)", content((PublicRatio = "application/json"), (String = "text/csv"))), (status = 422, body = ErrorBody)))]
pub async fn public(state: web::Data<AppState>, q: Query<PublicQuery>) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(q.format.as_deref())?;
    let t = stats::public_ratio(&state, &q.0).await?;
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(t)),
        Format::Csv => {
            let place = t.district.as_ref().map(|d| d.adcode.clone()).unwrap_or_else(|| "all".into());
            Ok(csv_response(stats::public_csv(&t)?, &format!("qiuren-beilv-{}-{place}.csv", t.period)))
        }
    }
}
