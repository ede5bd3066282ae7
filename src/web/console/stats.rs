//! 统计监测 for staff (`/console/stats`): the figures of `GET /api/v1/stats` for a period within
//! the staff member's districts, grouped as asked, with a chart drawn on the server, the tables
//! it is drawn from, key-group placements (counts only, suppressed under 5) and a CSV download
//! (`?format=csv`). The figures are `services::stats::staff_stats`, which audits each read.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::KeyGroup;
use crate::routes::error::ApiError;
use crate::routes::stats::csv_response;
use crate::services::stats::{self, StaffRow, StaffStats, StatsQuery};
use crate::web::charts::{self, Bar};
use crate::web::{Fields, PageCtx, form_errors, show, urlencode, yuan};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/stats", web::get().to(page));
}

/// The filter form as typed; blank fields are left out.
#[derive(Deserialize, Default, Clone)]
pub struct ConsoleQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    group_by: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    format: String,
}

impl ConsoleQuery {
    fn query(&self) -> StatsQuery {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        StatsQuery {
            period: some(&self.period),
            from: some(&self.from),
            to: some(&self.to),
            group_by: some(&self.group_by),
            level: some(&self.level),
            district: some(&self.district),
            format: some(&self.format),
        }
    }

    fn csv_link(&self) -> String {
        let pairs = [
            ("period", &self.period),
            ("from", &self.from),
            ("to", &self.to),
            ("group_by", &self.group_by),
            ("level", &self.level),
            ("district", &self.district),
        ];
        let mut q: Vec<String> = pairs.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| format!("{k}={}", urlencode(v.trim()))).collect();
        q.push("format=csv".into());
        format!("/console/stats?{}", q.join("&"))
    }
}

#[derive(Template)]
#[template(path = "web/console_stats.html")]
struct ConsoleStatsPage<'a> {
    ctx: &'a PageCtx,
    q: ConsoleQuery,
    s: Option<StaffStats>,
    chart: String,
    errors: Fields,
}

/// A share as a percentage, `—` without a base.
fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".to_string())
}

impl ConsoleStatsPage<'_> {
    fn label<'r>(&self, r: &'r StaffRow) -> &'r str {
        if self.ctx.en() { &r.label_en } else { &r.label }
    }
    fn fill_rate(&self, r: &StaffRow) -> String {
        pct(r.fill_rate)
    }
    fn no_show_rate(&self, r: &StaffRow) -> String {
        pct(r.no_show_rate)
    }
    fn late_rate(&self, r: &StaffRow) -> String {
        pct(r.late_cancel_rate)
    }
    fn hours(&self, r: &StaffRow) -> String {
        r.median_hours_to_fill.map(|h| format!("{h:.1}")).unwrap_or_else(|| "—".into())
    }
    fn pay(&self, r: &StaffRow) -> String {
        r.median_hourly_pay_fen.map(yuan).unwrap_or_else(|| "—".into())
    }
    fn seekers(&self, r: &StaffRow) -> String {
        r.seekers.map(|s| s.to_string()).unwrap_or_else(|| "—".into())
    }
    fn ratio(&self, r: &StaffRow) -> String {
        r.ratio.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
    }
    fn as_of(&self) -> String {
        self.s.as_ref().map(|s| show::when(&s.as_of)).unwrap_or_default()
    }
    fn csv_link(&self) -> String {
        self.q.csv_link()
    }
    fn group_name(&self, code: &str) -> String {
        match KeyGroup::parse(code) {
            Ok(g) => crate::web::me::key_group_text(self.ctx, g).to_string(),
            Err(_) => self.ctx.t("任一重点群体", "Any key group").to_string(),
        }
    }
    fn key_groups(&self) -> Vec<String> {
        self.s.as_ref().map(|s| s.total.key_group_placements.iter().map(|c| c.group.clone()).collect()).unwrap_or_default()
    }
    fn place(&self) -> String {
        match self.s.as_ref().and_then(|s| s.district.as_ref()) {
            Some(d) => format!("{}（{}）", d.name, d.adcode),
            None => self.ctx.t("本人辖区全部", "All of your districts").to_string(),
        }
    }
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<ConsoleQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let query = q.query();
    let format = stats::Format::parse(query.format.as_deref())?;
    match stats::staff_stats(&state, user, &query).await {
        Ok(s) => {
            if format == stats::Format::Csv {
                return Ok(csv_response(stats::staff_csv(&s)?, &format!("stats-{}-{}-{}.csv", s.from, s.to, s.group_by.as_str())));
            }
            let bars: Vec<Bar> = s
                .rows
                .iter()
                .map(|r| Bar { label: if ctx.en() { r.label_en.clone() } else { r.label.clone() }, value: r.places as f64, shown: r.places.to_string() })
                .collect();
            let title = if ctx.en() { format!("Places offered, {} to {}", s.from, s.to) } else { format!("{} 至 {} 招聘人数", s.from, s.to) };
            let chart = if bars.is_empty() { String::new() } else { charts::bars("places-chart", &title, &bars) };
            ctx.render(&ConsoleStatsPage { ctx: &ctx, q, s: Some(s), chart, errors: Fields::default() })
        }
        Err(e) => {
            let errors = form_errors(e)?;
            ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &ConsoleStatsPage { ctx: &ctx, q, s: None, chart: String::new(), errors })
        }
    }
}
