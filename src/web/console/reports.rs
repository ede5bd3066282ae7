//! Open reports grouped by employer (`/console/reports`), each with its facts: the reported
//! shift, and for a wage-arrears report the engagement it was filed from
//! (`/console/engagements/{id}`: timeline, attendance and pay, read through the audited staff
//! path). Reports are resolved or dismissed here, and a reported shift taken down.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::ShiftStatus;
use crate::domain::engagement::State;
use crate::routes::error::ApiError;
use crate::services::engagements::{self, AttendanceView, EngagementView};
use crate::services::moderation::{self, ReasonView, ReportFacts, ReportGroup, ResolveRequest};
use crate::web::console::{history_line, reason_text, report_kind, status_word};
use crate::web::{Fields, PageCtx, PageForm, form_errors, show, yuan};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/reports", web::get().to(page))
        .route("/console/reports/{id}/resolve", web::post().to(resolve))
        .route("/console/engagements/{id}", web::get().to(engagement));
}

#[derive(Template)]
#[template(path = "web/console_reports.html")]
struct ReportsPage<'a> {
    ctx: &'a PageCtx,
    groups: Vec<ReportGroup>,
    reasons: Vec<ReasonView>,
    notice: Option<String>,
    errors: Fields,
    /// The shift whose take-down failed, or the report whose resolution did.
    error_shift: Option<i64>,
    error_report: Option<i64>,
}

impl ReportsPage<'_> {
    fn history(&self, g: &ReportGroup) -> Vec<String> {
        history_line(self.ctx, &g.employer)
    }
    fn kind(&self, f: &ReportFacts) -> &'static str {
        report_kind(self.ctx, &f.report.kind)
    }
    fn when(&self, f: &ReportFacts) -> String {
        show::when(&f.report.created_at)
    }
    fn shift_status(&self, f: &ReportFacts) -> &'static str {
        f.shift_status.map(|s| status_word(self.ctx, s)).unwrap_or("")
    }
    fn may_take_down(&self, f: &ReportFacts) -> bool {
        matches!(f.shift_status, Some(ShiftStatus::Published | ShiftStatus::Filled | ShiftStatus::PendingReview))
    }
    fn reason(&self, r: &ReasonView) -> &'static str {
        reason_text(self.ctx, r)
    }
    fn shift_error(&self, f: &ReportFacts, field: &str) -> Option<String> {
        (self.error_shift == Some(f.report.target_id) && f.report.target_type == "shift").then(|| self.errors.get(self.ctx, field)).flatten()
    }
    fn report_error(&self, f: &ReportFacts, field: &str) -> Option<String> {
        (self.error_report == Some(f.report.id)).then(|| self.errors.get(self.ctx, field)).flatten()
    }
}

#[derive(Deserialize, Default)]
pub struct ReportsQuery {
    resolved: Option<i64>,
    decided: Option<i64>,
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<ReportsQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    let notice = match (q.resolved, q.decided) {
        (Some(id), _) => {
            Some(if ctx.en() { format!("Report #{id} closed; the reporter is told.") } else { format!("举报 #{id} 已处理，已通知举报人。") })
        }
        (_, Some(id)) => Some(if ctx.en() { format!("Shift #{id} taken down.") } else { format!("岗位 #{id} 已下架。") }),
        _ => None,
    };
    render_with(&state, &ctx, notice, Fields::default(), None, None).await
}

/// The page again with a failed take-down's errors at its shift.
pub async fn render(state: &AppState, ctx: &PageCtx, errors: Fields, error_shift: Option<i64>) -> Result<HttpResponse, ApiError> {
    render_with(state, ctx, None, errors, error_shift, None).await
}

async fn render_with(
    state: &AppState,
    ctx: &PageCtx,
    notice: Option<String>,
    errors: Fields,
    error_shift: Option<i64>,
    error_report: Option<i64>,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let groups = moderation::reports_by_employer(state, user).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &ReportsPage { ctx, groups, reasons: moderation::reasons(), notice, errors, error_shift, error_report })
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    resolution: String,
    /// `true` from the "unfounded" button.
    #[serde(default)]
    dismissed: String,
}

async fn resolve(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ResolveForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let f = form.0;
    let body = ResolveRequest { resolution: f.resolution, dismissed: f.dismissed == "true" };
    match moderation::resolve_report(&state, user, id, body).await {
        Ok(_) => Ok(ctx.redirect(&format!("/console/reports?resolved={id}"))),
        Err(e) => {
            let errors = form_errors(e)?;
            render_with(&state, &ctx, None, errors, None, Some(id)).await
        }
    }
}

#[derive(Template)]
#[template(path = "web/console_engagement.html")]
struct EngagementPage<'a> {
    ctx: &'a PageCtx,
    e: EngagementView,
}

/// An engagement's state in neutral words, for staff reading both sides.
pub fn state_word(ctx: &PageCtx, s: State) -> &'static str {
    match s {
        State::Applied => ctx.t("已报名", "Applied"),
        State::Invited => ctx.t("已邀请", "Invited"),
        State::Confirmed => ctx.t("已确认", "Confirmed"),
        State::Declined => ctx.t("未录用", "Declined"),
        State::Withdrawn => ctx.t("已撤回", "Withdrawn"),
        State::Cancelled => ctx.t("已取消", "Cancelled"),
        State::CheckedIn => ctx.t("已签到", "Checked in"),
        State::CheckedOut => ctx.t("已签退", "Checked out"),
        State::NoShow => ctx.t("未到岗", "No-show"),
        State::Completed => ctx.t("已完工，待付款", "Completed, pay due"),
        State::Paid => ctx.t("已付款", "Paid"),
        State::Disputed => ctx.t("对工资有异议", "Pay disputed"),
        State::Overdue => ctx.t("逾期未付", "Pay overdue"),
    }
}

impl EngagementPage<'_> {
    fn state(&self) -> &'static str {
        state_word(self.ctx, self.e.state)
    }
    fn to_state(&self, s: &State) -> &'static str {
        state_word(self.ctx, *s)
    }
    fn actor(&self, role: &str) -> &'static str {
        match role {
            "worker" => self.ctx.t("求职者", "worker"),
            "employer" => self.ctx.t("用人单位", "employer"),
            _ => self.ctx.t("系统", "system"),
        }
    }
    fn detail(&self, v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::Object(m) if m.is_empty() => String::new(),
            serde_json::Value::Null => String::new(),
            v => v.to_string(),
        }
    }
    fn when(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        show::when(t)
    }
    fn out_time(&self, a: &AttendanceView) -> String {
        a.check_out.as_ref().map(show::when).unwrap_or_else(|| self.ctx.t("未签退", "not checked out").to_string())
    }
    fn distance(&self, m: &Option<i64>) -> String {
        m.map(|m| format!("{m} m")).unwrap_or_else(|| "—".to_string())
    }
    fn slots(&self) -> Vec<String> {
        self.e.slots.iter().map(|s| show::slot(self.ctx, &s.start, &s.end)).collect()
    }
    fn pay(&self) -> String {
        show::pay(self.ctx, &self.e.shift.pay)
    }
    fn amount(&self, f: &Option<i64>) -> String {
        f.map(yuan).unwrap_or_else(|| "—".to_string())
    }
    fn hours(&self) -> String {
        self.e.hours.map(|h| format!("{h:.2}")).unwrap_or_else(|| "—".to_string())
    }
    fn settlement(&self) -> &'static str {
        show::settlement(self.ctx, self.e.shift.settlement)
    }
}

async fn engagement(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let e = engagements::get_for_staff(&state, user, id.into_inner()).await?;
    ctx.render(&EngagementPage { ctx: &ctx, e })
}
