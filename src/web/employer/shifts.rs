//! My shifts (`GET /employer`) and one shift (`GET /employer/shifts/{id}`) with its applicants,
//! workers to invite and the close button.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::ShiftStatus;
use crate::domain::engagement::State;
use crate::listing::{Finding, Severity};
use crate::routes::error::ApiError;
use crate::services::categories::{self, Category};
use crate::services::engagements::{self, EngagementView, InviteRequest};
use crate::services::page::PageRequest;
use crate::services::search::{self, MatchedWorker, PageParams};
use crate::services::shifts::{self, OwnShift};
use crate::web::employer::{field_label, status_word};
use crate::web::{Fields, PageCtx, PageForm, form_errors, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/employer", web::get().to(list))
        // Before `/employer/shifts/{id}`, which would take "new" for an id.
        .service(web::resource("/employer/shifts/new").route(web::get().to(super::post::form)).route(web::post().to(super::post::submit)))
        .route("/employer/shifts/check", web::post().to(super::post::check))
        .route("/employer/shifts/{id}", web::get().to(shift_page))
        .route("/employer/shifts/{id}/invite", web::post().to(invite))
        .route("/employer/shifts/{id}/close", web::post().to(close));
}

/// What the owner's pages say about a shift: its status, counts and why it waits or was refused.
pub struct ShiftLine<'a> {
    ctx: &'a PageCtx,
    pub s: &'a OwnShift,
}

impl ShiftLine<'_> {
    pub fn status(&self) -> &'static str {
        status_word(self.ctx, self.s.shift.status)
    }
    pub fn status_code(&self) -> &'static str {
        self.s.shift.status.as_str()
    }
    pub fn counts(&self) -> String {
        let v = &self.s;
        if self.ctx.en() {
            format!("{} applied · {} confirmed · {} needed", v.applicants, v.confirmed, v.shift.headcount)
        } else {
            format!("报名 {} 人 · 已确认 {} 人 · 招 {} 人", v.applicants, v.confirmed, v.shift.headcount)
        }
    }
    pub fn first_slot(&self) -> String {
        self.s.shift.slots.first().map(|t| show::slot(self.ctx, &t.start, &t.end)).unwrap_or_default()
    }
    pub fn pay(&self) -> String {
        show::pay(self.ctx, &self.s.shift.pay)
    }
    /// Why it waits for review or was refused: the moderator's reason and the screening findings.
    pub fn explains(&self) -> bool {
        matches!(self.s.shift.status, ShiftStatus::PendingReview | ShiftStatus::Rejected | ShiftStatus::TakenDown)
    }
    pub fn reason(&self) -> Option<&str> {
        self.s.shift.rejection_reason.as_deref().filter(|r| !r.is_empty())
    }
    pub fn findings(&self) -> Vec<(String, String, String)> {
        finding_lines(self.ctx, &self.s.findings)
    }
    /// Waiting for review with nothing found: the employer is not verified yet.
    pub fn unverified(&self) -> bool {
        self.s.shift.status == ShiftStatus::PendingReview && !self.s.shift.employer.verified
    }
}

/// (where, why, the words concerned) for each finding.
pub fn finding_lines(ctx: &PageCtx, findings: &[Finding]) -> Vec<(String, String, String)> {
    findings
        .iter()
        .map(|f| {
            let sev = match f.severity {
                Severity::Refuse => ctx.t("不能发布", "Not allowed"),
                Severity::Review => ctx.t("需人工审核", "Needs review"),
            };
            let place = format!("{}（{sev}）", field_label(ctx, f.field.as_deref().unwrap_or("posting")));
            (place, f.message.pick(ctx.lang).to_string(), f.matched.clone().unwrap_or_default())
        })
        .collect()
}

#[derive(Template)]
#[template(path = "web/employer_shifts.html")]
struct ShiftsPage<'a> {
    ctx: &'a PageCtx,
    lines: Vec<ShiftLine<'a>>,
    more: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    cursor: Option<String>,
}

async fn list(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<ListQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let cursor = q.and_then(|q| q.cursor.clone()).and_then(|c| c.parse::<i64>().ok()).filter(|c| *c > 0);
    let page = match shifts::list_mine(&state, user, None, PageRequest { limit: 30, cursor }).await {
        Ok(p) => p,
        // No profile yet: the profile page comes first.
        Err(crate::error::Error::Conflict(crate::error::Conflict::EmployerProfileRequired)) => return Ok(ctx.redirect("/employer/profile")),
        Err(e) => return Err(e.into()),
    };
    let more = page.next_cursor.map(|c| format!("/employer?cursor={c}"));
    let items = page.items;
    let lines = items.iter().map(|s| ShiftLine { ctx: &ctx, s }).collect();
    ctx.render(&ShiftsPage { ctx: &ctx, lines, more })
}

#[derive(Template)]
#[template(path = "web/employer_shift.html")]
struct ShiftPage<'a> {
    ctx: &'a PageCtx,
    line: ShiftLine<'a>,
    applicants: Vec<EngagementView>,
    matches: Vec<MatchedWorker>,
    /// For the names of the matched workers' skills (category codes).
    categories: Vec<Category>,
    posted: bool,
    invited: bool,
    errors: Fields,
}

impl ShiftPage<'_> {
    fn slots(&self) -> Vec<String> {
        self.line.s.shift.slots.iter().map(|t| show::slot(self.ctx, &t.start, &t.end)).collect()
    }
    fn state_text(&self, e: &EngagementView) -> &'static str {
        employer_state(self.ctx, e.state)
    }
    fn reliability(&self, e: &EngagementView) -> String {
        worker_record(self.ctx, e)
    }
    fn distance(&self, m: &MatchedWorker) -> String {
        show::distance(self.ctx, m.distance_km)
    }
    fn skills(&self, m: &MatchedWorker) -> String {
        let name = |code: &String| match self.categories.iter().find(|c| &c.code == code) {
            Some(c) if self.ctx.en() => c.name_en.clone(),
            Some(c) => c.name_zh.clone(),
            None => code.clone(),
        };
        m.skills.iter().map(name).collect::<Vec<_>>().join(self.ctx.t("、", ", "))
    }
    fn open(&self) -> bool {
        matches!(self.line.s.shift.status, ShiftStatus::Published | ShiftStatus::PendingReview | ShiftStatus::Filled)
    }
    fn invitable(&self) -> bool {
        self.line.s.shift.status == ShiftStatus::Published
    }
}

/// An engagement's state in the employer's words.
pub fn employer_state(ctx: &PageCtx, s: State) -> &'static str {
    match s {
        State::Applied => ctx.t("已报名，等你回复", "Applied: waiting for your answer"),
        State::Invited => ctx.t("已邀请，等对方回复", "Invited: waiting for the worker"),
        State::Confirmed => ctx.t("已确认", "Confirmed"),
        State::Declined => ctx.t("未录用", "Declined"),
        State::Withdrawn => ctx.t("对方已撤回", "Withdrawn by the worker"),
        State::Cancelled => ctx.t("已取消", "Cancelled"),
        State::CheckedIn => ctx.t("已签到，工作中", "Checked in, working"),
        State::CheckedOut => ctx.t("已签退，等你结算", "Checked out: settle the pay"),
        State::NoShow => ctx.t("未到岗", "No-show"),
        State::Completed => ctx.t("已完工，待付款", "Completed: pay due"),
        State::Paid => ctx.t("对方已确认收款", "Paid"),
        State::Disputed => ctx.t("对方对工资有异议", "Pay disputed"),
        State::Overdue => ctx.t("工资逾期未付", "Pay overdue"),
    }
}

/// The worker's record over 90 days: reliability and ratings.
pub fn worker_record(ctx: &PageCtx, e: &EngagementView) -> String {
    let Some(s) = &e.worker.stats else { return String::new() };
    let rating = match s.rating_avg {
        Some(avg) if ctx.en() => format!("{avg:.1} / 5 from {} ratings", s.rating_count),
        Some(avg) => format!("{avg:.1} 分（{} 人评价）", s.rating_count),
        None => ctx.t("暂无评价", "No ratings yet").to_string(),
    };
    if ctx.en() {
        format!("Reliability {:.0}% · {rating} · {} jobs done in {} days", s.reliability * 100.0, s.completed, s.window_days)
    } else {
        format!("守约 {:.0}% · {rating} · 近 {} 天完工 {} 次", s.reliability * 100.0, s.window_days, s.completed)
    }
}

#[derive(Deserialize, Default)]
pub struct ShiftQuery {
    posted: Option<String>,
    invited: Option<String>,
}

async fn shift_page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<ShiftQuery>>) -> Result<HttpResponse, ApiError> {
    let q = q.map(|q| q.into_inner()).unwrap_or_default();
    render_shift(&state, &ctx, id.into_inner(), q.posted.is_some(), q.invited.is_some(), Fields::default()).await
}

async fn render_shift(state: &AppState, ctx: &PageCtx, id: i64, posted: bool, invited: bool, errors: Fields) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let own = shifts::get_mine(state, user, id).await?;
    let applicants = engagements::list_mine(state, user, None, Some(id), PageRequest { limit: 100, cursor: None }).await?.items;
    let matches = if own.shift.status == ShiftStatus::Published {
        search::shift_matches(state, user, id, PageParams { limit: Some(10), cursor: None }).await?.items
    } else {
        Vec::new()
    };
    let categories = if matches.is_empty() { Vec::new() } else { categories::list_all(state).await? };
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ShiftPage { ctx, line: ShiftLine { ctx, s: &own }, applicants, matches, categories, posted, invited, errors };
    ctx.render_status(status, &page)
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    worker_id: String,
    #[serde(default)]
    note: String,
}

async fn invite(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<InviteForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let Ok(worker_id) = form.0.worker_id.trim().parse::<i64>() else {
        return Err(crate::error::Error::field("worker_id", crate::error::Invalid::required()).into());
    };
    let note = Some(form.0.note.trim().to_string()).filter(|n| !n.is_empty());
    match engagements::invite_worker(&state, user, id, InviteRequest { worker_id, note }).await {
        Ok(_) => Ok(ctx.redirect(&format!("/employer/shifts/{id}?invited=1#applicants"))),
        Err(e) => {
            let errors = form_errors(e)?;
            render_shift(&state, &ctx, id, false, false, errors).await
        }
    }
}

async fn close(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, _f: PageForm<serde::de::IgnoredAny>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let v = shifts::close_shift(&state, user, id.into_inner()).await?;
    Ok(ctx.redirect(&format!("/employer/shifts/{}", v.id)))
}
