//! The station desk (`/api/v1/desk/…`, station staff) and claiming a desk-registered account
//! (`/api/v1/claim`, anyone holding the slip). Each handler calls one `services::desk` function.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{Query, ValidJson};
use crate::routes::{client_key, created, resource};
use crate::services::accounts::Session;
use crate::services::availability::{AvailabilityRequest, AvailabilityView};
use crate::services::desk::{
    self, CheckInForRequest, ClaimRequest, CodeRequest, DeskApplyRequest, DeskEmployerRequest, DeskSlip, DeskWorkerRequest, LookupRequest, StationFigures,
};
use crate::services::engagements::EngagementView;
use crate::services::shifts::{ShiftRequest, ShiftView};
use crate::services::workers::WorkerView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/desk/workers").route(web::post().to(register_worker)))
        .service(resource("/desk/employers").route(web::post().to(register_employer)))
        .service(resource("/desk/lookup").route(web::post().to(lookup)))
        .service(resource("/desk/accounts/{user_id}/claim-code").route(web::post().to(new_claim_code)))
        .service(resource("/desk/workers/{id}/applications").route(web::post().to(apply_for)))
        .service(resource("/desk/workers/{id}/availability").route(web::post().to(availability_for)))
        .service(resource("/desk/engagements/{id}/check-in").route(web::post().to(check_in_for)))
        .service(resource("/desk/employers/{id}/shifts").route(web::post().to(post_for)))
        .service(resource("/stations/{id}/figures").route(web::get().to(figures)))
        .service(resource("/claim").route(web::post().to(claim)));
}

/// 求职登记: register a worker at the desk (phone optional), with consents; returns the slip to
/// print, with the one-time claim code (shown only here).
#[utoipa::path(operation_id = "desk_register_worker", post, path = "/api/v1/desk/workers", tag = "desk", security(("bearer" = [])), request_body = DeskWorkerRequest,
    responses((status = 201, body = DeskSlip), (status = 403, description = "not station staff, or the home is outside the station's area", body = ErrorBody),
        (status = 409, description = "`phone_taken`, `id_number_taken` (look the account up with `POST /desk/lookup`), `not_at_station`", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_worker(state: web::Data<AppState>, user: AuthUser, body: ValidJson<DeskWorkerRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(desk::register_worker(&state, &user, body.value).await?))
}

/// 用工登记: register a household or individual business after an in-person check, which counts
/// as verification (unless its profile needs a moderator's review).
#[utoipa::path(operation_id = "desk_register_employer", post, path = "/api/v1/desk/employers", tag = "desk", security(("bearer" = [])), request_body = DeskEmployerRequest,
    responses((status = 201, body = DeskSlip), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_employer(state: web::Data<AppState>, user: AuthUser, body: ValidJson<DeskEmployerRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(desk::register_employer(&state, &user, body.value).await?))
}

/// Find the worker in the station's area who has this 身份证号 (to resolve a number already on
/// another account, in person). The read is audited.
#[utoipa::path(operation_id = "desk_lookup", post, path = "/api/v1/desk/lookup", tag = "desk", security(("bearer" = [])), request_body = LookupRequest,
    responses((status = 200, body = WorkerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lookup(state: web::Data<AppState>, user: AuthUser, body: ValidJson<LookupRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(desk::lookup(&state, &user, body.value).await?))
}

/// A new claim code for an account in the station's area, after checking the person's identity:
/// a lost slip, or a password reset. Older codes stop working.
#[utoipa::path(operation_id = "desk_new_claim_code", post, path = "/api/v1/desk/accounts/{user_id}/claim-code", tag = "desk", security(("bearer" = [])),
    params(("user_id" = i64, Path)), request_body = CodeRequest,
    responses((status = 201, body = DeskSlip), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn new_claim_code(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<CodeRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(desk::new_claim_code(&state, &user, id.into_inner(), body.value).await?))
}

/// Apply or claim for a worker at the desk; the engagement's history says the station did it.
#[utoipa::path(operation_id = "desk_apply_for", post, path = "/api/v1/desk/workers/{id}/applications", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path, description = "worker id")), request_body = DeskApplyRequest,
    responses((status = 201, body = EngagementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply_for(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<DeskApplyRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(desk::apply_for(&state, &user, id.into_inner(), body.value).await?))
}

/// Add a window of availability for a worker at the desk.
#[utoipa::path(operation_id = "desk_availability_for", post, path = "/api/v1/desk/workers/{id}/availability", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path, description = "worker id")), request_body = AvailabilityRequest,
    responses((status = 201, body = AvailabilityView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn availability_for(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<AvailabilityRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(created(desk::availability_for(&state, &user, id.into_inner(), body.value).await?))
}

/// Record a check-in the worker phoned in: flagged `by_station`, no location.
#[utoipa::path(operation_id = "desk_check_in_for", post, path = "/api/v1/desk/engagements/{id}/check-in", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CheckInForRequest,
    responses((status = 200, body = EngagementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in_for(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<CheckInForRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(desk::check_in_for(&state, &user, id.into_inner(), body.value).await?))
}

/// Post a shift for an employer in the station's area, through the same free-listing rules.
#[utoipa::path(operation_id = "desk_post_for", post, path = "/api/v1/desk/employers/{id}/shifts", tag = "desk", security(("bearer" = [])),
    params(("id" = i64, Path, description = "employer id")), request_body = ShiftRequest,
    responses((status = 201, body = ShiftView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_for(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<ShiftRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(desk::post_for(&state, &user, id.into_inner(), body.value).await?))
}

/// Take over an account registered at a station desk (or set a new password with a new code):
/// the slip's account number and claim code, then a phone and password. A wrong code spends one
/// of its five tries.
#[utoipa::path(operation_id = "desk_claim", post, path = "/api/v1/claim", tag = "desk", request_body = ClaimRequest,
    responses((status = 200, body = Session), (status = 409, description = "`phone_taken`", body = ErrorBody),
        (status = 422, description = "`claim_code_wrong` (with the tries left), `claim_code_invalid`", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn claim(state: web::Data<AppState>, req: HttpRequest, body: ValidJson<ClaimRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(desk::claim(&state, &client_key(&req), body.value).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// How many weeks back, 1–52 (default 8).
    #[param(minimum = 1, maximum = 52)]
    pub weeks: Option<i64>,
}

/// A station's figures per week: people registered at its desk, engagements its desk opened for
/// them, how many of those were placed (reached confirmed) and paid. For the station's own staff,
/// and moderators and admins whose districts cover it.
#[utoipa::path(operation_id = "stations_figures", get, path = "/api/v1/stations/{id}/figures", tag = "stations", security(("bearer" = [])),
    params(("id" = i64, Path), FiguresQuery),
    responses((status = 200, body = StationFigures), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`not_at_station`: a station staff member no admin has put at a station yet"), (status = 422, body = ErrorBody)))]
pub async fn figures(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, q: Query<FiguresQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(desk::station_figures(&state, &user, id.into_inner(), q.0.weeks).await?))
}
