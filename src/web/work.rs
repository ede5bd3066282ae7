//! The worker's "My work" pages: their engagements grouped by where each stands, one engagement
//! with the moves its state allows (accept, withdraw, check in and out, confirm pay, dispute,
//! report arrears, rate), and its add-to-calendar file. The operations are
//! `services::engagements`, `services::ratings` and `services::calendar`, as for the API.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::engagement::{Action, State};
use crate::error::{Error, FieldErrors, Invalid};
use crate::routes::client_key;
use crate::routes::error::ApiError;
use crate::services::calendar;
use crate::services::engagements::{self, ActionRequest, EngagementView};
use crate::services::page::PageRequest;
use crate::services::ratings;
use crate::web::{Fields, PageCtx, PageForm, RateForm, filters, show};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/my-work", web::get().to(list))
        .route("/my-work/{id}", web::get().to(page))
        .route("/my-work/{id}/calendar.ics", web::get().to(calendar_file))
        .route("/my-work/{id}/act", web::post().to(act))
        .route("/my-work/{id}/rate", web::post().to(rate))
        .route("/my-work/{id}/arrears", web::post().to(arrears));
}

/// One group of the list: a heading and its engagements.
pub struct Group {
    pub id: &'static str,
    pub title: &'static str,
    pub items: Vec<EngagementView>,
}

#[derive(Template)]
#[template(path = "web/work.html")]
struct WorkList<'a> {
    ctx: &'a PageCtx,
    groups: Vec<Group>,
    more: Option<String>,
}

impl WorkList<'_> {
    fn total(&self) -> usize {
        self.groups.iter().map(|g| g.items.len()).sum()
    }
    fn state_text(&self, e: &EngagementView) -> &'static str {
        show::state(self.ctx, e.state)
    }
    fn first_slot(&self, e: &EngagementView) -> String {
        e.slots.first().map(|s| show::slot(self.ctx, &s.start, &s.end)).unwrap_or_default()
    }
    fn pay(&self, e: &EngagementView) -> String {
        show::pay(self.ctx, &e.shift.pay)
    }
}

/// Which group a state belongs to, in the order the page shows them.
fn group_of(s: State) -> usize {
    match s {
        State::Confirmed | State::CheckedIn => 0,
        State::Applied | State::Invited => 1,
        State::CheckedOut | State::Completed | State::Overdue | State::Disputed => 2,
        State::Paid | State::Declined | State::Withdrawn | State::Cancelled | State::NoShow => 3,
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    cursor: Option<String>,
}

async fn list(state: web::Data<AppState>, ctx: PageCtx, q: Option<web::Query<ListQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let cursor = crate::web::page_cursor(q.as_ref().and_then(|q| q.cursor.as_deref()));
    let page = engagements::list_mine(&state, user, None, None, PageRequest { limit: 100, cursor }).await?;
    let mut groups = vec![
        Group { id: "group-upcoming", title: ctx.t("即将开工", "Coming up"), items: Vec::new() },
        Group { id: "group-pending", title: ctx.t("报名和邀请", "Applications and invitations"), items: Vec::new() },
        Group { id: "group-pay", title: ctx.t("等待结算", "Waiting for pay"), items: Vec::new() },
        Group { id: "group-finished", title: ctx.t("已结束", "Finished"), items: Vec::new() },
    ];
    for e in page.items {
        groups[group_of(e.state)].items.push(e);
    }
    let more = page.next_cursor.map(|c| format!("/my-work?cursor={c}"));
    ctx.render(&WorkList { ctx: &ctx, groups, more })
}

/// A failed move, shown beside the form that made it.
#[derive(Default)]
pub struct Failure {
    /// The form: an action name, `rate` or `arrears`.
    pub form: String,
    pub message: String,
    pub fields: Fields,
}

#[derive(Template)]
#[template(path = "web/work_one.html")]
struct WorkPage<'a> {
    ctx: &'a PageCtx,
    e: EngagementView,
    failure: Failure,
    done: String,
}

impl WorkPage<'_> {
    fn state_text(&self) -> &'static str {
        show::state(self.ctx, self.e.state)
    }
    fn pay(&self) -> String {
        show::pay(self.ctx, &self.e.shift.pay)
    }
    fn slots(&self) -> Vec<String> {
        self.e.slots.iter().map(|s| show::slot(self.ctx, &s.start, &s.end)).collect()
    }
    fn settlement(&self) -> &'static str {
        show::settlement(self.ctx, self.e.shift.settlement)
    }
    fn is(&self, s: &str) -> bool {
        self.e.state.as_str() == s
    }
    fn can_check_in(&self) -> bool {
        // The next slot of a shift with several is checked in from checked-out.
        self.is("confirmed") || (self.is("checked_out") && self.e.attendance.len() < self.e.slots.len())
    }
    fn can_settle(&self) -> bool {
        matches!(self.e.state, State::Completed | State::Overdue | State::Disputed)
    }
    fn can_dispute(&self) -> bool {
        matches!(self.e.state, State::Completed | State::Overdue)
    }
    fn can_report_arrears(&self) -> bool {
        matches!(self.e.state, State::Overdue | State::Disputed) && self.e.arrears_report_id.is_none()
    }
    fn can_rate(&self) -> bool {
        self.e.state.is_after_completion()
    }
    fn stars(&self, n: &i32) -> String {
        "★".repeat(*n as usize)
    }
    fn yuan(&self, fen: &i64) -> String {
        crate::web::yuan(*fen)
    }
    fn due(&self) -> String {
        self.e.due_at.as_ref().map(show::when).unwrap_or_default()
    }
    fn hours(&self) -> String {
        self.e.hours.map(|h| format!("{h}")).unwrap_or_default()
    }
    /// Each attendance record in words, with what its flags mean for the worker.
    fn attendance(&self) -> Vec<(String, Vec<String>)> {
        let ctx = self.ctx;
        self.e
            .attendance
            .iter()
            .map(|a| {
                let mut line = format!("{} {}", ctx.t("签到", "Checked in"), show::when(&a.check_in));
                if let Some(out) = &a.check_out {
                    line.push_str(&format!(" · {} {}", ctx.t("签退", "checked out"), show::when(out)));
                }
                let notes = a
                    .flags
                    .iter()
                    .map(|f| match f.as_str() {
                        "no_location" => ctx
                            .t("签到时没有位置信息，雇主会确认你的到岗。", "Checked in without a location: the employer will confirm you were there.")
                            .to_string(),
                        "by_station" => ctx
                            .t(
                                "服务站按你的电话为你登记了签到，雇主会确认你的到岗。",
                                "A station recorded your check-in from your phone call; the employer will confirm you were there.",
                            )
                            .to_string(),
                        "far_check_in" => match a.check_in_distance_m {
                            Some(m) if ctx.en() => format!(
                                "You checked in {} from the work place; the employer will see this and confirm.",
                                show::distance(ctx, Some(m as f64 / 1000.0))
                            ),
                            Some(m) => format!("签到位置离工作地点 {}，雇主会看到并确认。", show::distance(ctx, Some(m as f64 / 1000.0))),
                            None => {
                                ctx.t("签到位置离工作地点较远，雇主会确认。", "You checked in far from the work place; the employer will confirm.").to_string()
                            }
                        },
                        "late_check_in" => ctx.t("签到晚于开工时间。", "Checked in after the start time.").to_string(),
                        "auto_checkout" => {
                            ctx.t("你没有签退，系统在时段结束时自动签退。", "You did not check out; the system did at the end of the slot.").to_string()
                        }
                        "corrected" => ctx.t("雇主修改了这条记录。", "The employer corrected this record.").to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                let mut notes: Vec<String> = notes;
                if a.confirmed {
                    notes.push(ctx.t("雇主已确认。", "Confirmed by the employer.").to_string());
                }
                (line, notes)
            })
            .collect()
    }
    /// The forms this state shows, so a failure whose form is not among them is shown at the top.
    fn shown_forms(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        match self.e.state {
            State::Invited => f.extend(["accept", "decline"]),
            State::Applied => f.push("withdraw"),
            State::Confirmed => f.push("cancel"),
            State::CheckedIn => f.push("check_out"),
            _ => {}
        }
        if self.can_check_in() {
            f.push("check_in");
        }
        if self.can_settle() {
            f.push("confirm_pay");
        }
        if self.can_dispute() {
            f.push("dispute");
        }
        if self.can_report_arrears() {
            f.push("arrears");
        }
        if self.can_rate() {
            f.push("rate");
        }
        f
    }
    /// A failure of a form this page does not show (an unknown action, a move the state no
    /// longer allows): its message, with the field messages if any.
    fn unplaced(&self) -> Option<String> {
        if self.failure.form.is_empty() && self.failure.message.is_empty() || self.shown_forms().contains(&self.failure.form.as_str()) {
            return None;
        }
        let mut m = self.failure.message.clone();
        for (_, msg) in self.failure.fields.all(self.ctx) {
            m.push('：');
            m.push_str(&msg);
        }
        Some(m)
    }
    fn failed(&self, form: &str) -> Option<&str> {
        (self.failure.form == form && !self.failure.message.is_empty()).then_some(self.failure.message.as_str())
    }
    fn field(&self, form: &str, field: &str) -> Option<String> {
        if self.failure.form == form { self.failure.fields.get(self.ctx, field) } else { None }
    }
    fn done_text(&self) -> &'static str {
        let ctx = self.ctx;
        match self.done.as_str() {
            "accept" => ctx.t("已接受邀请。", "Invitation accepted."),
            "decline" => ctx.t("已谢绝邀请。", "Invitation declined."),
            "withdraw" => ctx.t("已撤回报名。", "Application withdrawn."),
            "cancel" => ctx.t("已取消。", "Cancelled."),
            "check_in" => ctx.t("签到成功。", "You are checked in."),
            "check_out" => ctx.t("签退成功。", "You are checked out."),
            "confirm_pay" => ctx.t("已确认收到工资。", "Pay confirmed as received."),
            "dispute" => ctx.t("已提出异议，雇主会收到通知。", "Dispute sent; the employer is told."),
            "arrears" => {
                ctx.t("欠薪投诉已提交给人社部门，工作人员会跟进。", "Your wage-arrears report has reached the labour bureau; its staff will follow it up.")
            }
            "rate" => ctx.t("谢谢你的评价。", "Thank you for your rating."),
            _ => "",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    done: Option<String>,
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<PageQuery>>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let e = engagements::get(&state, user, id.into_inner()).await?;
    let done = q.and_then(|q| q.done.clone()).unwrap_or_default();
    ctx.render(&WorkPage { ctx: &ctx, e, failure: Failure::default(), done })
}

/// A move that failed with a 409 or 422 re-renders the page with its message at that form; any
/// other failure is an error page.
async fn refused(state: &AppState, ctx: &PageCtx, id: i64, form: &str, err: Error) -> Result<HttpResponse, ApiError> {
    let api = ApiError::from(err);
    if !matches!(api.status, StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY) {
        return Err(api);
    }
    let user = ctx.require_user()?;
    let e = engagements::get(state, user, id).await?;
    let failure = Failure { form: form.to_string(), message: api.msg.pick(ctx.lang).to_string(), fields: Fields(api.fields.clone()) };
    ctx.render_status(api.status, &WorkPage { ctx, e, failure, done: String::new() })
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lng: String,
    #[serde(default)]
    reason: String,
}

/// The page's action names (snake case, as the hidden inputs carry them).
fn action_of(name: &str) -> Option<Action> {
    Some(match name {
        "accept" => Action::Accept,
        "decline" => Action::Decline,
        "withdraw" => Action::Withdraw,
        "cancel" => Action::Cancel,
        "check_in" => Action::CheckIn,
        "check_out" => Action::CheckOut,
        "confirm_pay" => Action::ConfirmPaid,
        "dispute" => Action::Dispute,
        _ => return None,
    })
}

/// A coordinate from a form: empty is none; anything else must be a number.
fn coordinate(errs: &mut FieldErrors, field: &str, v: &str) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() => Some(x),
        _ => {
            errs.add(field, Invalid::new("not_a_number", "应为数字", "must be a number"));
            None
        }
    }
}

impl ActForm {
    fn parse(&self) -> Result<(Action, ActionRequest), Error> {
        let mut errs = FieldErrors::new();
        let action = action_of(self.action.trim());
        if action.is_none() {
            errs.add("action", Invalid::new("invalid_choice", "未知的操作", "unknown action"));
        }
        let lat = coordinate(&mut errs, "lat", &self.lat);
        let lng = coordinate(&mut errs, "lng", &self.lng);
        errs.into_result()?;
        let reason = Some(self.reason.trim().to_string()).filter(|r| !r.is_empty());
        Ok((action.expect("checked"), ActionRequest { lat, lng, reason, ..Default::default() }))
    }
}

async fn act(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ActForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let f = form.0;
    let name = f.action.trim().to_string();
    let result = match f.parse() {
        Ok((action, req)) => engagements::perform(&state, user, id, action, req).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&format!("/my-work/{id}?done={name}#state"))),
        Err(e) => refused(&state, &ctx, id, &name, e).await,
    }
}

async fn rate(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<RateForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let f = form.0;
    let result = match f.request() {
        Ok(body) => ratings::rate_engagement(&state, user, id, body).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&format!("/my-work/{id}?done=rate#rate"))),
        Err(e) => refused(&state, &ctx, id, "rate", e).await,
    }
}

#[derive(Deserialize)]
pub struct ArrearsForm {
    #[serde(default)]
    note: String,
}

async fn arrears(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    id: web::Path<i64>,
    form: PageForm<ArrearsForm>,
) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let note = Some(form.0.note.trim().to_string()).filter(|n| !n.is_empty());
    match engagements::report_arrears(&state, user, id, note, &client_key(&req)).await {
        Ok(_) => Ok(ctx.redirect(&format!("/my-work/{id}?done=arrears#arrears"))),
        Err(e) => refused(&state, &ctx, id, "arrears", e).await,
    }
}

async fn calendar_file(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let body = calendar::engagement_file(&state, user, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"lingong-{id}.ics\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
