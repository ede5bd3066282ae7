//! The public 求人倍率 page (`/stats`, linked from every page's footer): openings per job seeker
//! by occupation for a quarter and a district, as public employment services publish it — a
//! chart drawn on the server, the table it is drawn from, a CSV download (`?format=csv`), the
//! time the figures were computed, and the exact definitions. The figures are
//! `services::stats::public_ratio`, the same as `GET /api/v1/stats/public`.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Duration};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::time::local_date;
use crate::routes::error::ApiError;
use crate::routes::stats::csv_response;
use crate::services::districts::{Districts, Resolved};
use crate::services::stats::{self, PublicQuery, PublicRatio, PublicRow};
use crate::web::charts::{self, Bar};
use crate::web::{Fields, PageCtx, form_errors, show, urlencode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stats", web::get().to(page));
}

/// The page's query, read leniently (a shared link may carry parameters of its own).
#[derive(Deserialize, Default, Clone)]
pub struct PageQuery {
    #[serde(default)]
    period: String,
    /// A district code, or a name (`朝阳`, `深圳`) resolved to one.
    #[serde(default)]
    district: String,
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "web/stats.html")]
struct StatsPage<'a> {
    ctx: &'a PageCtx,
    q: PageQuery,
    quarters: Vec<String>,
    table: Option<PublicRatio>,
    chart: String,
    errors: Fields,
}

impl StatsPage<'_> {
    fn label<'r>(&self, r: &'r PublicRow) -> &'r str {
        if self.ctx.en() { &r.label_en } else { &r.label }
    }
    fn as_of(&self) -> String {
        self.table.as_ref().map(|t| show::when(&t.as_of)).unwrap_or_default()
    }
    fn place(&self) -> String {
        match self.table.as_ref().and_then(|t| t.district.as_ref()) {
            Some(d) => format!("{}（{}）", d.name, d.adcode),
            None => self.ctx.t("全部地区", "All districts").to_string(),
        }
    }
    fn csv_link(&self) -> String {
        let t = self.table.as_ref();
        let period = t.map(|t| t.period.clone()).unwrap_or_default();
        let district = t.and_then(|t| t.district.as_ref()).map(|d| d.adcode.clone()).unwrap_or_default();
        format!("/stats?period={}&district={}&format=csv", urlencode(&period), urlencode(&district))
    }
}

/// The last eight quarters, newest first.
fn recent_quarters(state: &AppState) -> Vec<String> {
    let today = local_date(state.clock.now());
    let mut d = today.with_day(1).unwrap_or(today);
    let mut out = Vec::new();
    while out.len() < 8 {
        let q = stats::params::quarter_of(d);
        if !out.contains(&q) {
            out.push(q);
        }
        d = d.with_day(1).unwrap_or(d) - Duration::days(1);
    }
    out
}

/// A typed place name as a code; names that fit several places or none are left as typed, for
/// the service to refuse by the one district rule.
fn district_code(typed: &str) -> String {
    let t = typed.trim();
    if t.is_empty() || t.bytes().all(|b| b.is_ascii_digit()) {
        return t.to_string();
    }
    match Districts::get().resolve(t) {
        Resolved::One(d) => d.adcode[..6].to_string(),
        _ => t.to_string(),
    }
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<PageQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let query = PublicQuery { period: some(&q.period), district: some(&district_code(&q.district)), format: some(&q.format) };
    let format = stats::Format::parse(query.format.as_deref())?;
    let quarters = recent_quarters(&state);
    match stats::public_ratio(&state, &query).await {
        Ok(t) => {
            if format == stats::Format::Csv {
                let place = t.district.as_ref().map(|d| d.adcode.clone()).unwrap_or_else(|| "all".into());
                return Ok(csv_response(stats::public_csv(&t)?, &format!("qiuren-beilv-{}-{place}.csv", t.period)));
            }
            let bars: Vec<Bar> = t
                .rows
                .iter()
                .chain([&t.total])
                .filter_map(|r| r.ratio.map(|v| Bar { label: if ctx.en() { r.label_en.clone() } else { r.label.clone() }, value: v, shown: format!("{v:.2}") }))
                .collect();
            let title = if ctx.en() { format!("Openings per job seeker by occupation, {}", t.period) } else { format!("{} 各职业求人倍率", t.period) };
            let chart = if bars.is_empty() { String::new() } else { charts::bars("ratio-chart", &title, &bars) };
            ctx.render(&StatsPage { ctx: &ctx, q, quarters, table: Some(t), chart, errors: Fields::default() })
        }
        Err(e) => {
            let errors = form_errors(e)?;
            ctx.render_status(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &StatsPage { ctx: &ctx, q, quarters, table: None, chart: String::new(), errors },
            )
        }
    }
}
