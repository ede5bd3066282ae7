//! One engagement from the employer's side (`GET /employer/engagements/{id}`, where the inbox
//! links), with the moves its state allows, attendance to confirm or correct, completion with the
//! pay, and the rating of the worker. Every move posts to `/act` with a hidden `action`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::engagement::{Action, Actor, transition};
use crate::domain::{EngagementId, SlotId};
use crate::error::{Error, FieldError, Msg};
use crate::routes::error::ApiError;
use crate::services::engagements::{self, ActionRequest, AttendanceCorrection, AttendanceView, EngagementView};
use crate::services::ratings;
use crate::web::employer::shifts::{employer_state, worker_record};
use crate::web::{Fields, PageCtx, PageForm, RateForm, form_errors, not_an_amount, parse_yuan, show, yuan};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/employer/engagements/{id}", web::get().to(page))
        .route("/employer/engagements/{id}/act", web::post().to(act))
        .route("/employer/engagements/{id}/rate", web::post().to(rate));
}

#[derive(Template)]
#[template(path = "web/employer_engagement.html")]
struct EngagementPage<'a> {
    ctx: &'a PageCtx,
    e: EngagementView,
    errors: Fields,
    rated: bool,
}

impl EngagementPage<'_> {
    fn state_text(&self) -> &'static str {
        employer_state(self.ctx, self.e.state)
    }
    fn record(&self) -> String {
        worker_record(self.ctx, &self.e)
    }
    fn pay(&self) -> String {
        show::pay(self.ctx, &self.e.shift.pay)
    }
    fn slots(&self) -> Vec<String> {
        self.e.slots.iter().map(|s| show::slot(self.ctx, &s.start, &s.end)).collect()
    }
    /// Whether the employer may make this move now (the engagement machine's table decides).
    fn may(&self, action: &str) -> bool {
        Action::from_path(action).is_some_and(|a| transition(self.e.state, a, Actor::Employer).is_ok())
    }
    fn can_rate(&self) -> bool {
        self.e.state.is_after_completion()
    }
    fn attendance_slot(&self, a: &AttendanceView) -> String {
        self.e.slots.iter().find(|s| s.id == a.slot_id).map(|s| show::slot(self.ctx, &s.start, &s.end)).unwrap_or_default()
    }
    fn when(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        show::when(t)
    }
    fn local_input(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        t.format("%Y-%m-%dT%H:%M").to_string()
    }
    fn out_time(&self, a: &AttendanceView) -> String {
        a.check_out.as_ref().map(show::when).unwrap_or_else(|| self.ctx.t("未签退", "not checked out").to_string())
    }
    fn out_input(&self, a: &AttendanceView) -> String {
        a.check_out.as_ref().map(|t| self.local_input(t)).unwrap_or_default()
    }
    fn flag_words(&self, a: &AttendanceView) -> String {
        a.flags
            .iter()
            .map(|f| match f.as_str() {
                "no_location" => self.ctx.t("签到时没有位置", "no location at check-in"),
                "by_station" => self.ctx.t("服务站按电话登记签到（无位置）", "check-in recorded by a station from a phone call (no location)"),
                "far_check_in" => self.ctx.t("签到地点离岗位较远", "checked in far from the site"),
                "late_check_in" => self.ctx.t("迟到", "late"),
                "auto_checkout" => self.ctx.t("系统自动签退", "checked out automatically"),
                "corrected" => self.ctx.t("已更正", "corrected"),
                _ => "",
            })
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("，")
    }
    fn amount(&self) -> String {
        self.e.amount_fen.map(yuan).unwrap_or_default()
    }
    fn computed(&self) -> String {
        self.e.computed_amount_fen.map(yuan).unwrap_or_default()
    }
    fn hours(&self) -> String {
        self.e.hours.map(|h| format!("{h:.2}")).unwrap_or_default()
    }
}

async fn page(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, q: Option<web::Query<RatedQuery>>) -> Result<HttpResponse, ApiError> {
    render(&state, &ctx, id.into_inner(), Fields::default(), q.is_some_and(|q| q.rated.is_some())).await
}

#[derive(Deserialize, Default)]
pub struct RatedQuery {
    rated: Option<String>,
}

async fn render(state: &AppState, ctx: &PageCtx, id: i64, errors: Fields, rated: bool) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    // This is the employer's page of an engagement; its worker has /my-work/{id}.
    if !ctx.is_employer() {
        return Err(Error::forbidden().into());
    }
    let e = engagements::get(state, user, id).await?;
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    ctx.render_status(status, &EngagementPage { ctx, e, errors, rated })
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    amount_yuan: String,
    #[serde(default)]
    slot_id: String,
    #[serde(default)]
    check_in: String,
    #[serde(default)]
    check_out: String,
}

fn bad(field: &str, zh: &str, en: &str) -> Error {
    Error::Validation(vec![FieldError { field: field.into(), code: "invalid".into(), msg: Msg::new(zh, en) }])
}

/// `2026-12-04T08:20` from a datetime-local input, in Beijing time.
fn local_time(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| if s.len() == 16 { format!("{s}:00+08:00") } else { format!("{s}+08:00") })
}

async fn act(state: web::Data<AppState>, ctx: PageCtx, id: web::Path<i64>, form: PageForm<ActForm>) -> Result<HttpResponse, ApiError> {
    let user = ctx.require_user()?;
    let id = id.into_inner();
    let f = form.0;
    let result = match f.action.as_str() {
        "confirm_attendance" | "correct_attendance" => match f.slot_id.trim().parse::<i64>() {
            Err(_) => Err(bad("slot_id", "请选择时段", "choose the slot")),
            Ok(slot_id) => {
                let body = if f.action == "correct_attendance" {
                    AttendanceCorrection { check_in: local_time(&f.check_in), check_out: local_time(&f.check_out) }
                } else {
                    AttendanceCorrection { check_in: None, check_out: None }
                };
                engagements::confirm_attendance(&state, user, EngagementId(id), SlotId(slot_id), body).await
            }
        },
        other => {
            let Some(action) = Action::from_path(&other.replace('_', "-")) else {
                return Err(bad("action", "不认识的操作", "unknown action").into());
            };
            let hours = match f.hours.trim() {
                "" => Ok(None),
                h => h.parse::<f64>().map(Some).map_err(|_| bad("hours", "工时请填写数字，如 3.5", "hours must be a number, e.g. 3.5")),
            };
            let amount = match f.amount_yuan.trim() {
                "" => Ok(None),
                a => parse_yuan(a).map(Some).ok_or_else(|| Error::field("amount_fen", not_an_amount())),
            };
            match (hours, amount) {
                (Ok(hours), Ok(amount_fen)) => {
                    let reason = Some(f.reason.trim().to_string()).filter(|r| !r.is_empty());
                    let req = ActionRequest { lat: None, lng: None, slot_id: None, hours, amount_fen, reason };
                    engagements::perform(&state, user, id, action, req).await
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
    };
    match result {
        Ok(_) => Ok(ctx.redirect(&format!("/employer/engagements/{id}"))),
        Err(e) => {
            let errors = form_errors(e)?;
            render(&state, &ctx, id, errors, false).await
        }
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
        Ok(()) => Ok(ctx.redirect(&format!("/employer/engagements/{id}?rated=1"))),
        Err(e) => {
            let errors = form_errors(e)?;
            render(&state, &ctx, id, errors, false).await
        }
    }
}
