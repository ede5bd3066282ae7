use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::{PageQuery, ValidJson};
use crate::routes::{Page, created, resource};
use crate::services::availability::{self, AvailabilityRequest, AvailabilityView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/availability").route(web::post().to(create)))
        .service(resource("/availability/{id}").route(web::get().to(get_one)).route(web::patch().to(update)).route(web::delete().to(delete)))
        .service(resource("/workers/me/availability").route(web::get().to(list_mine)));
}

/// Post when and where the signed-in worker can work.
#[utoipa::path(operation_id = "availability_create", post, path = "/api/v1/availability", tag = "availability", security(("bearer" = [])), request_body = AvailabilityRequest,
    responses((status = 201, body = AvailabilityView), (status = 403, body = ErrorBody), (status = 409, description = "no worker profile yet", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<AvailabilityRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(availability::post(&state, &user, body.value).await?))
}

/// One availability record (its worker, or staff).
#[utoipa::path(operation_id = "availability_get_one", get, path = "/api/v1/availability/{id}", tag = "availability", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AvailabilityView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(availability::get(&state, &user, id.into_inner()).await?))
}

/// Change availability (its worker only); `windows` replaces all windows.
#[utoipa::path(operation_id = "availability_update", patch, path = "/api/v1/availability/{id}", tag = "availability", security(("bearer" = [])), params(("id" = i64, Path)), request_body = AvailabilityRequest,
    responses((status = 200, body = AvailabilityView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>, body: ValidJson<AvailabilityRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(availability::edit(&state, &user, id.into_inner(), body.value).await?))
}

/// Remove availability (its worker only).
#[utoipa::path(operation_id = "availability_delete", delete, path = "/api/v1/availability/{id}", tag = "availability", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    availability::remove(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in worker's availability, newest first.
#[utoipa::path(operation_id = "availability_list_mine", get, path = "/api/v1/workers/me/availability", tag = "availability", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<AvailabilityView>), (status = 403, body = ErrorBody)))]
pub async fn list_mine(state: web::Data<AppState>, user: AuthUser, pq: web::Query<PageQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(availability::list_mine(&state, &user, pq.parse()?).await?))
}
