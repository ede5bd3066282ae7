//! Search and matching over HTTP; the operations are in `services::search`.

use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::Query;
use crate::routes::resource;
use crate::services::search::{
    self, AvailabilitySearchParams, AvailabilitySearchResults, PageParams, SearchParams, ShiftMatches, ShiftSearchResults, WorkerMatches,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Registered before `/shifts/{id}` so "search" is not read as an id.
    cfg.service(resource("/shifts/search").route(web::get().to(search_shifts)))
        .service(resource("/shifts/{id}/matches").route(web::get().to(shift_matches)))
        .service(resource("/workers/me/matches").route(web::get().to(my_matches)))
        .service(resource("/availability/search").route(web::get().to(search_availability)));
}

/// Search published shifts: text, place, time, pay and kind, ranked with reasons. Public.
#[utoipa::path(get, operation_id = "search_shifts", path = "/api/v1/shifts/search", tag = "search", params(SearchParams),
    responses((status = 200, body = ShiftSearchResults), (status = 422, body = ErrorBody)))]
pub async fn search_shifts(state: web::Data<AppState>, p: Query<SearchParams>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(search::search_shifts(&state, p.into_inner()).await?))
}

/// Shifts for the signed-in worker, from their active availability: within each record's radius,
/// fitting its windows, in its categories.
#[utoipa::path(get, operation_id = "search_my_matches", path = "/api/v1/workers/me/matches", tag = "search", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = ShiftMatches), (status = 403, body = ErrorBody), (status = 409, description = "no worker profile yet", body = ErrorBody)))]
pub async fn my_matches(state: web::Data<AppState>, user: AuthUser, p: Query<PageParams>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(search::my_matches(&state, &user, p.into_inner()).await?))
}

/// Workers who can come to a shift (its owner and staff only).
#[utoipa::path(get, operation_id = "search_shift_matches", path = "/api/v1/shifts/{id}/matches", tag = "search", security(("bearer" = [])), params(("id" = i64, Path), PageParams),
    responses((status = 200, body = WorkerMatches), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn shift_matches(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, p: Query<PageParams>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(search::shift_matches(&state, &user, id.into_inner(), p.into_inner()).await?))
}

/// Staff and community-station search over workers' availability, by text, place and time.
#[utoipa::path(get, operation_id = "search_availability", path = "/api/v1/availability/search", tag = "search", security(("bearer" = [])), params(AvailabilitySearchParams),
    responses((status = 200, body = AvailabilitySearchResults), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search_availability(state: web::Data<AppState>, user: AuthUser, p: Query<AvailabilitySearchParams>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(search::search_availability(&state, &user, p.into_inner()).await?))
}
