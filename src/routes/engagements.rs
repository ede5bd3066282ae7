//! Taking shifts and working them: applications and instant claims, invitations, the engagement
//! actions, attendance corrections, completion and pay, arrears reports, ratings and the calendar feed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::Role;
use crate::domain::engagement::Action;
use crate::domain::{EngagementId, SlotId};
use crate::error::{BadRequest, Error};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{JsonBody, PageQuery, Query, ValidJson};
use crate::routes::{Page, client_key, created, resource};
use crate::services::calendar;
use crate::services::engagements::{self as svc, ActionRequest, ApplyRequest, AttendanceCorrection, EngagementView, InviteRequest};
use crate::services::ratings::{self, HideRequest, RatingRequest, RatingView};
use crate::services::reports::ReportReceipt;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/shifts/{id}/applications").route(web::post().to(apply)))
        .service(resource("/shifts/{id}/invitations").route(web::post().to(invite)))
        .service(resource("/engagements/{id}").route(web::get().to(get_one)))
        .service(resource("/engagements/{id}/arrears-report").route(web::post().to(arrears_report)))
        .service(resource("/engagements/{id}/rating").route(web::post().to(rate)))
        .service(resource("/engagements/{id}/attendance/{slot_id}").route(web::put().to(correct_attendance)))
        .service(resource("/engagements/{id}/{action}").route(web::post().to(act)))
        .service(resource("/workers/me/engagements").route(web::get().to(list_for_worker)))
        .service(resource("/employers/me/engagements").route(web::get().to(list_for_employer)))
        .service(resource("/workers/me/calendar-token").route(web::post().to(rotate_calendar)).route(web::delete().to(revoke_calendar)))
        .service(resource("/calendar/{file}").route(web::get().to(calendar_feed)))
        .service(resource("/moderation/ratings/{id}/hide").route(web::post().to(hide_rating)));
}

/// A body that may be left out entirely (it then means `{}`).
fn optional_body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let raw: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::malformed_json(&e.to_string()))?;
    if !raw.is_object() {
        return Err(ApiError::from(Error::BadRequest(BadRequest::NotAnObject)));
    }
    JsonBody(raw).parse()
}

/// Apply to a shift, or claim a place on an instant (即时快招) shift. Returns the engagement:
/// `applied` (on the waiting list when the shift is already filled) or `confirmed`.
#[utoipa::path(operation_id = "engagements_apply", post, path = "/api/v1/shifts/{id}/applications", tag = "engagements", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = ApplyRequest, description = "optional"),
    responses((status = 201, body = EngagementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "`shift_full` (instant shift), `already_engaged`, `shift_not_open`, `worker_profile_required`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    Ok(created(svc::apply_to_shift(&state, &user, id.into_inner(), optional_body(&body)?).await?))
}

/// Invite a worker (e.g. one found by matching) to a shift; they accept or decline.
#[utoipa::path(operation_id = "engagements_invite", post, path = "/api/v1/shifts/{id}/invitations", tag = "engagements", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = InviteRequest,
    responses((status = 201, body = EngagementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "`shift_full`, `already_engaged`, `shift_not_open`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn invite(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<InviteRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(svc::invite_worker(&state, &user, id.into_inner(), body.value).await?))
}

/// One engagement with its history, for its worker or the shift's employer; and for a moderator
/// or admin, the engagement a wage-arrears report was filed from (the facts behind the
/// complaint: both parties, the timeline, attendance and pay), only where the shift lies in the
/// staff member's districts. Each staff read is audited as `worker.read_private`. An engagement
/// no report names is 404 to staff, as to anyone not party to it.
#[utoipa::path(operation_id = "engagements_get_one", get, path = "/api/v1/engagements/{id}", tag = "engagements", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, body = EngagementView),
        (status = 403, description = "a moderator or admin outside the shift's districts, or another staff role (community station staff)", body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(svc::get(&state, &user, id.into_inner()).await?))
}

/// Move an engagement: `accept`, `decline`, `withdraw`, `cancel`, `check-in` (with `lat`, `lng`),
/// `check-out`, `complete` (with `hours` and `amount_fen`, both defaulting to the recorded time and
/// the computed pay), `confirm-paid`, `dispute`. A move the state does not allow is 409
/// `illegal_transition`, naming the current state.
#[utoipa::path(operation_id = "engagements_act", post, path = "/api/v1/engagements/{id}/{action}", tag = "engagements", security(("bearer" = [])),
    params(("id" = i64, Path), ("action" = String, Path, description = "accept, decline, withdraw, cancel, check-in, check-out, complete, confirm-paid, dispute")),
    request_body(content = ActionRequest, description = "optional; fields depend on the action"),
    responses((status = 200, body = EngagementView), (status = 404, body = ErrorBody),
              (status = 409, description = "`illegal_transition`, `shift_full`, `not_check_in_time`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, String)>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action = Action::from_path(&action).ok_or_else(ApiError::route_not_found)?;
    Ok(HttpResponse::Ok().json(svc::perform(&state, &user, id, action, optional_body(&body)?).await?))
}

/// The employer confirms a slot's check-in/check-out record (empty body) or corrects its times.
#[utoipa::path(operation_id = "engagements_correct_attendance", put, path = "/api/v1/engagements/{id}/attendance/{slot_id}", tag = "engagements", security(("bearer" = [])),
    params(("id" = i64, Path), ("slot_id" = i64, Path)), request_body(content = AttendanceCorrection, description = "optional"),
    responses((status = 200, body = EngagementView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_attendance(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, i64)>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let (id, slot_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(svc::confirm_attendance(&state, &user, EngagementId(id), SlotId(slot_id), optional_body(&body)?).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrearsRequest {
    /// Anything to add to the pre-filled facts.
    pub note: Option<String>,
}

/// File a `wage_arrears` report for overdue (or disputed) pay in one step, pre-filled with the
/// engagement's facts; it joins the moderation queue.
#[utoipa::path(operation_id = "engagements_arrears_report", post, path = "/api/v1/engagements/{id}/arrears-report", tag = "engagements", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = ArrearsRequest, description = "optional"),
    responses((status = 201, body = ReportReceipt), (status = 404, body = ErrorBody), (status = 409, description = "`not_overdue`, `already_reported`", body = ErrorBody)))]
pub async fn arrears_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: ArrearsRequest = optional_body(&body)?;
    Ok(created(svc::report_arrears(&state, &user, id.into_inner(), body.note, &client_key(&req)).await?))
}

/// Rate the other side after completion (1–5, optional comment). Once per side; the same call
/// changes it within the edit window.
#[utoipa::path(operation_id = "engagements_rate", post, path = "/api/v1/engagements/{id}/rating", tag = "engagements", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RatingRequest,
    responses((status = 201, body = RatingView), (status = 200, description = "changed within the edit window", body = RatingView), (status = 404, body = ErrorBody),
              (status = 409, description = "`not_completed`, `rating_locked`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<RatingRequest>) -> Result<HttpResponse, ApiError> {
    let (view, is_new) = ratings::rate_engagement(&state, &user, id.into_inner(), body.value).await?;
    Ok(if is_new { created(view) } else { HttpResponse::Ok().json(view) })
}

/// Hide an abusive rating (moderator or admin; audited).
#[utoipa::path(operation_id = "moderation_hide_rating", post, path = "/api/v1/moderation/ratings/{id}/hide", tag = "moderation", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HideRequest,
    responses((status = 200, body = RatingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn hide_rating(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<HideRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ratings::hide_rating(&state, &user, id.into_inner(), body.value.reason).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EngagementQuery {
    /// Only engagements in this state (empty: all).
    #[param(pattern = "^(applied|invited|confirmed|declined|withdrawn|cancelled|checked_in|checked_out|no_show|completed|paid|disputed|overdue)?$")]
    pub state: Option<String>,
    /// Only this shift's (employers).
    pub shift_id: Option<i64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

impl EngagementQuery {
    fn page(&self) -> PageQuery {
        PageQuery { limit: self.limit, cursor: self.cursor.clone() }
    }
}

/// The signed-in worker's engagements, newest first.
#[utoipa::path(operation_id = "engagements_list_for_worker", get, path = "/api/v1/workers/me/engagements", tag = "engagements", security(("bearer" = [])), params(EngagementQuery),
    responses((status = 200, body = Page<EngagementView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_for_worker(state: web::Data<AppState>, user: AuthUser, q: Query<EngagementQuery>) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Worker])?;
    Ok(HttpResponse::Ok().json(svc::list_mine(&state, &user, q.state.as_deref(), None, q.page().parse()?).await?))
}

/// The engagements on the signed-in employer's shifts, newest first.
#[utoipa::path(operation_id = "engagements_list_for_employer", get, path = "/api/v1/employers/me/engagements", tag = "engagements", security(("bearer" = [])), params(EngagementQuery),
    responses((status = 200, body = Page<EngagementView>), (status = 409, description = "no employer profile yet", body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_for_employer(state: web::Data<AppState>, user: AuthUser, q: Query<EngagementQuery>) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Employer])?;
    Ok(HttpResponse::Ok().json(svc::list_mine(&state, &user, q.state.as_deref(), q.shift_id, q.page().parse()?).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarToken {
    /// Shown once. Anyone with the URL sees the feed: rotate or delete it to cut access.
    pub token: String,
    /// Path of the feed (`text/calendar`), to subscribe to from a phone's calendar.
    pub path: String,
}

/// Create (or rotate) the private calendar feed of the signed-in worker's confirmed shifts.
#[utoipa::path(operation_id = "calendar_rotate", post, path = "/api/v1/workers/me/calendar-token", tag = "engagements", security(("bearer" = [])),
    responses((status = 201, body = CalendarToken), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rotate_calendar(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let token = calendar::rotate_mine(&state, &user).await?;
    Ok(created(CalendarToken { path: format!("/api/v1/calendar/{token}.ics"), token }))
}

/// Revoke the calendar feed.
#[utoipa::path(operation_id = "calendar_revoke", delete, path = "/api/v1/workers/me/calendar-token", tag = "engagements", security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 404, description = "there was none", body = ErrorBody)))]
pub async fn revoke_calendar(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    calendar::revoke_mine(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A worker's confirmed shifts as iCalendar (RFC 5545), at a private URL that needs no sign-in.
#[utoipa::path(operation_id = "calendar_feed", get, path = "/api/v1/calendar/{file}", tag = "engagements", params(("file" = String, Path, description = "`{token}.ics`")),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = ErrorBody)))]
pub async fn calendar_feed(state: web::Data<AppState>, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let body = calendar::feed_file(&state, &file.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").insert_header((header::CACHE_CONTROL, "private, no-cache")).body(body))
}
