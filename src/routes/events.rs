//! Recruitment events (专场招聘) over HTTP; the operations are in `services::events`.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::domain::{EventId, ShiftId};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{Query, ValidJson};
use crate::routes::{created, resource};
use crate::services::events::{self, CheckInRequest, CheckInView, DeskCheckInRequest, EventCounts, EventDetail, EventListParams, EventRequest, EventView};
use crate::services::page::Page;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/events").route(web::get().to(list)).route(web::post().to(create)))
        .service(resource("/events/{id}").route(web::get().to(get_one)).route(web::put().to(update)))
        .service(resource("/events/{id}/cancel").route(web::post().to(cancel)))
        .service(resource("/events/{id}/join").route(web::post().to(join)))
        .service(resource("/events/{id}/shifts/{shift_id}").route(web::put().to(attach_shift)).route(web::delete().to(detach_shift)))
        .service(resource("/events/{id}/interest").route(web::put().to(register_interest)).route(web::delete().to(withdraw_interest)))
        .service(resource("/events/{id}/check-in").route(web::post().to(check_in)))
        .service(resource("/events/{id}/desk-check-ins").route(web::post().to(desk_check_in)))
        .service(resource("/events/{id}/counts").route(web::get().to(counts)));
}

/// Recruitment events, soonest first; drafts too for staff in whose area they are.
#[utoipa::path(operation_id = "events_list", get, path = "/api/v1/events", tag = "events", params(EventListParams),
    responses((status = 200, body = Page<EventView>), (status = 422, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, user: Option<AuthUser>, p: Query<EventListParams>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::list(&state, user.as_ref(), p.into_inner()).await?))
}

/// Create a recruitment event (staff, in their own area).
#[utoipa::path(operation_id = "events_create", post, path = "/api/v1/events", tag = "events", security(("bearer" = [])), request_body = EventRequest,
    responses((status = 201, body = EventDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<EventRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(events::create(&state, &user, body.value).await?))
}

/// One recruitment event, with what the signed-in viewer did there; staff in its area get the
/// check-in link its QR code carries.
#[utoipa::path(operation_id = "events_get_one", get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: Option<AuthUser>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::get(&state, user.as_ref(), id.into_inner()).await?))
}

/// Change a recruitment event (staff in whose area it is); the whole event each time.
#[utoipa::path(operation_id = "events_update", put, path = "/api/v1/events/{id}", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)), request_body = EventRequest,
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the event is cancelled or over (`event_not_open`, `event_ended`)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<EventRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::update(&state, &user, id.into_inner(), body.value).await?))
}

/// Cancel a recruitment event (staff in whose area it is).
#[utoipa::path(operation_id = "events_cancel", post, path = "/api/v1/events/{id}/cancel", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "already cancelled, or over (`event_not_open`, `event_ended`)", body = ErrorBody)))]
pub async fn cancel(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::cancel(&state, &user, id.into_inner()).await?))
}

/// The signed-in employer joins a published event that is not over (again: no change).
#[utoipa::path(operation_id = "events_join", post, path = "/api/v1/events/{id}/join", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "no employer profile, or the event is not open (`employer_profile_required`, `event_not_open`, `event_ended`)", body = ErrorBody)))]
pub async fn join(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::join(&state, &user, id.into_inner()).await?))
}

/// Attach one of the employer's own published shifts to an event they joined.
#[utoipa::path(operation_id = "events_attach_shift", put, path = "/api/v1/events/{id}/shifts/{shift_id}", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path), ("shift_id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, description = "no such event, or no such shift of yours", body = ErrorBody),
        (status = 409, description = "not joined, the event is not open, or the shift is not published (`event_not_joined`, `event_not_open`, `event_ended`, `shift_not_open`, `employer_profile_required`)", body = ErrorBody)))]
pub async fn attach_shift(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, i64)>) -> Result<HttpResponse, ApiError> {
    let (id, shift_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(events::attach_shift(&state, &user, EventId(id), ShiftId(shift_id)).await?))
}

/// Take one of the employer's shifts off the event.
#[utoipa::path(operation_id = "events_detach_shift", delete, path = "/api/v1/events/{id}/shifts/{shift_id}", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path), ("shift_id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, description = "no such event, or no such shift of yours on it", body = ErrorBody),
        (status = 409, description = "no employer profile (`employer_profile_required`)", body = ErrorBody)))]
pub async fn detach_shift(state: web::Data<AppState>, user: AuthUser, path: web::Path<(i64, i64)>) -> Result<HttpResponse, ApiError> {
    let (id, shift_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(events::detach_shift(&state, &user, EventId(id), ShiftId(shift_id)).await?))
}

/// The signed-in worker registers interest in a published event that is not over, to be reminded.
#[utoipa::path(operation_id = "events_register_interest", put, path = "/api/v1/events/{id}/interest", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "no worker profile, or the event is not open (`worker_profile_required`, `event_not_open`, `event_ended`)", body = ErrorBody)))]
pub async fn register_interest(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::register_interest(&state, &user, id.into_inner()).await?))
}

/// The signed-in worker withdraws their interest.
#[utoipa::path(operation_id = "events_withdraw_interest", delete, path = "/api/v1/events/{id}/interest", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403, body = ErrorBody), (status = 404, description = "no such event, or no interest registered", body = ErrorBody),
        (status = 409, description = "no worker profile (`worker_profile_required`)", body = ErrorBody)))]
pub async fn withdraw_interest(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::withdraw_interest(&state, &user, id.into_inner()).await?))
}

/// The signed-in worker checks in with the token of the venue's QR code, from an hour before the
/// event until it ends. A repeat answers the first check-in (`first: false`).
#[utoipa::path(operation_id = "events_check_in", post, path = "/api/v1/events/{id}/check-in", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CheckInRequest,
    responses((status = 200, body = CheckInView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "outside the check-in time, or the event is not open (`not_event_time`, `event_not_open`, `worker_profile_required`)", body = ErrorBody),
        (status = 422, description = "a missing or wrong token (`invalid_token`)", body = ErrorBody)))]
pub async fn check_in(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<CheckInRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::check_in(&state, &user, id.into_inner(), body.value).await?))
}

/// Staff check a worker in at the desk, for events in their area.
#[utoipa::path(operation_id = "events_desk_check_in", post, path = "/api/v1/events/{id}/desk-check-ins", tag = "events", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DeskCheckInRequest,
    responses((status = 200, body = CheckInView), (status = 403, body = ErrorBody), (status = 404, description = "no such event or worker", body = ErrorBody),
        (status = 409, description = "outside the check-in time, or the event is not open (`not_event_time`, `event_not_open`)", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn desk_check_in(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<DeskCheckInRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::desk_check_in(&state, &user, id.into_inner(), body.value).await?))
}

/// What the event came to: employers, places, visitors, applications, hires. Counts only; the
/// key-group breakdown for staff in whose area the event is.
#[utoipa::path(operation_id = "events_counts", get, path = "/api/v1/events/{id}/counts", tag = "events", params(("id" = i64, Path)),
    responses((status = 200, body = EventCounts), (status = 404, body = ErrorBody)))]
pub async fn counts(state: web::Data<AppState>, user: Option<AuthUser>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(events::counts(&state, user.as_ref(), id.into_inner()).await?))
}
