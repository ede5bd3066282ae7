//! Open data and interchange over HTTP: the sitemap and robots.txt, CSV export and import of
//! shifts, and the JSON-LD of a shift (`Accept: application/ld+json` on `GET /shifts/{id}`, whose
//! negotiation lives here).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::mime;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{Error, Msg, Thing};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::Query;
use crate::routes::resource;
use crate::services::opendata::import::{self, ImportReport, Mode};
use crate::services::opendata::{export, jsonld, sitemap};
use crate::services::search::SearchParams;

/// Under `/api/v1`; registered before `shifts`, whose `/shifts/{id}` would take these paths.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/shifts/export.csv").route(web::get().to(export_csv))).service(resource("/shifts/import").route(web::post().to(import_csv)));
}

/// At the root: what crawlers read.
pub fn configure_root(cfg: &mut web::ServiceConfig) {
    cfg.route("/robots.txt", web::get().to(robots)).route("/sitemap.xml", web::get().to(sitemap_index)).route("/sitemaps/{file}", web::get().to(sitemap_file));
}

/// A schema.org [JobPosting](https://schema.org/JobPosting) in JSON-LD: the properties Google's
/// job search requires and recommends, for published shifts only. A household employer's place
/// is its district (no street, the district's point). Pay per piece has no `baseSalary`; pay per
/// shift is given per hour.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // documents the shape; the value is built as JSON
pub struct JobPostingLd {
    #[serde(rename = "@context")]
    #[schema(example = "https://schema.org")]
    context: String,
    #[serde(rename = "@type")]
    #[schema(example = "JobPosting")]
    kind: String,
    #[schema(value_type = Object)]
    identifier: serde_json::Value,
    url: String,
    title: String,
    description: String,
    #[schema(format = DateTime)]
    date_posted: String,
    #[schema(format = DateTime)]
    valid_through: String,
    /// `PART_TIME` (非全日制用工) or `TEMPORARY` (零工, temporary and seasonal work).
    employment_type: String,
    #[schema(value_type = Object)]
    hiring_organization: serde_json::Value,
    #[schema(value_type = Object)]
    job_location: serde_json::Value,
    #[schema(value_type = Option<Object>)]
    base_salary: Option<serde_json::Value>,
    direct_apply: bool,
}

/// What the client's `Accept` asks of a shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wanted {
    Json,
    /// JSON-LD first; `json_too` when plain JSON is acceptable as well.
    JsonLd {
        json_too: bool,
    },
}

/// Reads `Accept` for JSON-LD against JSON: JSON-LD when `application/ld+json` is named with a
/// quality at least that of JSON (`application/json`, `application/*` or `*/*`). Anything else,
/// no `Accept` included, is plain JSON (never a 406).
pub fn wanted(accept: Option<&str>) -> Wanted {
    let Some(accept) = accept else { return Wanted::Json };
    let (mut ld, mut json) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        match media.as_str() {
            jsonld::MEDIA_TYPE => ld = ld.max(q),
            "application/json" | "application/*" | "*/*" => json = json.max(q),
            _ => {}
        }
    }
    if ld > 0.0 && ld >= json { Wanted::JsonLd { json_too: json > 0.0 } } else { Wanted::Json }
}

pub fn wanted_by(req: &HttpRequest) -> Wanted {
    wanted(req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()))
}

/// The JSON-LD response of a published shift.
pub fn jsonld_response(v: &serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type(jsonld::MEDIA_TYPE).insert_header((header::VARY, "Accept")).body(serde_json::to_string(v).expect("JSON values serialize"))
}

/// 406: only JSON-LD was acceptable, and the shift (readable by the caller) is not published.
pub fn not_acceptable() -> ApiError {
    ApiError {
        status: StatusCode::NOT_ACCEPTABLE,
        code: "not_acceptable",
        msg: Msg::new("只有已发布的岗位有 JSON-LD；请接受 application/json", "only published shifts have JSON-LD; accept application/json"),
        fields: Vec::new(),
        retry_after_secs: None,
        allow: None,
    }
}

async fn robots(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(sitemap::robots(&state.config.server.public_url))
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("application/xml; charset=utf-8").insert_header((header::CACHE_CONTROL, "public, max-age=600")).body(body)
}

async fn sitemap_index(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(xml(sitemap::index(&state).await?))
}

/// `shifts-<n>.xml`, n a positive number written plainly.
fn file_number(file: &str) -> Option<usize> {
    let n = file.strip_prefix("shifts-")?.strip_suffix(".xml")?;
    if n.is_empty() || n.len() > 9 || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

async fn sitemap_file(state: web::Data<AppState>, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let n = file_number(&file).ok_or(Error::NotFound(Thing::Resource))?;
    Ok(xml(sitemap::page(&state, n).await?))
}

/// CSV of the published shifts a search with these parameters finds (staff, within their area;
/// `limit` and `cursor` are ignored: every match up to the configured maximum). UTF-8 with a
/// byte-order mark; a cell that would start a spreadsheet formula starts with `'`.
#[utoipa::path(operation_id = "shifts_export_csv", get, path = "/api/v1/shifts/export.csv", tag = "shifts", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, content_type = "text/csv", body = String, description = "columns: id, url, status, employer_id, employer_name, title, category, category_name, headcount, pay_yuan, pay_unit, minutes_per_piece, pay_per_hour_yuan, settlement, employment_type, take_mode, address, adcode, lat, lng, slots, valid_through, published_at, description, requirements"),
        (status = 403, body = ErrorBody)))]
pub async fn export_csv(state: web::Data<AppState>, user: AuthUser, q: Query<SearchParams>) -> Result<HttpResponse, ApiError> {
    let body = export::shifts_csv(&state, &user, q.into_inner()).await?;
    Ok(csv_download(body))
}

/// The export as a download named `shifts.csv`.
pub fn csv_download(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"shifts.csv\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// `all_or_nothing` (default): nothing is imported unless every row is valid (then 422 with
    /// each row's errors as `rows[<row>].<column>`); `valid_rows`: the valid rows are imported
    /// and every row is reported.
    #[param(pattern = "^(all_or_nothing|valid_rows)?$")]
    pub mode: Option<String>,
}

/// Import shifts from CSV (station staff, moderators, admins): `Content-Type: text/csv`, UTF-8
/// (a byte-order mark is fine) or GB18030. One row per posting, for the employer it names
/// (`employer_id` or `employer_credit_code`), which the staff member must be allowed to post for
/// (station staff: an employer in the station's area, as at the desk; moderators and admins: in
/// their district scope). Columns: `employer_id`, `employer_credit_code`, `title`,
/// `description`, `requirements`, `category`, `headcount`, `pay_yuan` (元, at most two decimals),
/// `pay_unit`, `settlement`, `employment_type`, `take_mode`, `address`, `lat`, `lng`, `adcode`,
/// `slots` (`start/end;start/end`, RFC 3339), `valid_through`, `probation_days`, `minutes_per_piece`; each checked by
/// the same rules as `POST /shifts` (docs/import.md). Rows are numbered as in a spreadsheet (the
/// header is row 1). Each import counts against its own rate budget.
#[utoipa::path(operation_id = "shifts_import", post, path = "/api/v1/shifts/import", tag = "shifts", security(("bearer" = [])), params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "the CSV file, UTF-8 or GB18030"),
    responses((status = 200, body = ImportReport, description = "every row's outcome"),
        (status = 403, body = ErrorBody),
        (status = 413, description = "larger than `open_data.import_max_bytes` (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "not `text/csv` (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "an unreadable file, an unknown column, too many rows (`validation_failed`, field `file` or `columns.<name>`), or in `all_or_nothing` mode a failed row (fields `rows[<row>].<column>`)", body = ErrorBody),
        (status = 429, description = "too many imports; retry after `Retry-After` seconds (`rate_limited`)", body = ErrorBody)))]
pub async fn import_csv(
    state: web::Data<AppState>,
    user: AuthUser,
    q: Query<ImportQuery>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mode = match q.mode.as_deref() {
        None | Some("") => Mode::AllOrNothing,
        Some(m) => Mode::parse(m).map_err(|e| Error::field("mode", e))?,
    };
    if !is_csv(&req) {
        return Err(ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            msg: Msg::new("请求体须为 CSV（Content-Type: text/csv）", "the request body must be CSV (Content-Type: text/csv)"),
            fields: Vec::new(),
            retry_after_secs: None,
            allow: None,
        });
    }
    let limit = state.config.open_data.import_max_bytes;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Error::BadRequest(crate::error::BadRequest::UnreadableBody(e.to_string())))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::PayloadTooLarge { limit }.into());
        }
        body.extend_from_slice(&chunk);
    }
    let report: ImportReport = import::import_shifts(&state, &user, body, mode, None).await?;
    if let Some(e) = report.refusal() {
        return Err(e.into());
    }
    Ok(HttpResponse::Ok().json(report))
}

/// `text/csv` (any parameters, e.g. `charset=gb18030`).
pub fn is_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::TEXT && m.subtype() == mime::CSV)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_json_ld_only_when_asked_first() {
        for (accept, w) in [
            (None, Wanted::Json),
            (Some("application/json"), Wanted::Json),
            (Some("*/*"), Wanted::Json),
            (Some("text/html"), Wanted::Json),
            (Some("application/ld+json"), Wanted::JsonLd { json_too: false }),
            (Some("application/ld+json, application/json;q=0.5"), Wanted::JsonLd { json_too: true }),
            (Some("application/json, application/ld+json;q=0.9"), Wanted::Json),
            (Some("application/ld+json;q=0"), Wanted::Json),
            (Some("Application/LD+JSON; profile=\"https://schema.org\""), Wanted::JsonLd { json_too: false }),
            (Some("application/ld+json, */*"), Wanted::JsonLd { json_too: true }),
            (Some("garbage;;;,"), Wanted::Json),
        ] {
            assert_eq!(wanted(accept), w, "{accept:?}");
        }
    }

    #[test]
    fn sitemap_files_are_named_strictly() {
        assert_eq!(file_number("shifts-1.xml"), Some(1));
        assert_eq!(file_number("shifts-12.xml"), Some(12));
        for bad in ["shifts-0.xml", "shifts-01.xml", "shifts-.xml", "shifts-1.xml.gz", "shifts-+1.xml", "other-1.xml", "shifts-1x.xml", "shifts-9999999999.xml"]
        {
            assert_eq!(file_number(bad), None, "{bad}");
        }
    }
}
