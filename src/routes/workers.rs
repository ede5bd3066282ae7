use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::ValidJson;
use crate::routes::resource;
use crate::services::workers::{self, WorkerRequest, WorkerView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/workers/me").route(web::get().to(get_me)).route(web::put().to(put_me)))
        .service(resource("/workers/{id}").route(web::get().to(get_one)));
}

/// Create or replace the signed-in worker's profile.
#[utoipa::path(operation_id = "workers_put_me", put, path = "/api/v1/workers/me", tag = "workers", security(("bearer" = [])), request_body = WorkerRequest,
    responses((status = 200, body = WorkerView), (status = 403, body = ErrorBody), (status = 409, description = "ID number used by another account", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_me(state: web::Data<AppState>, user: AuthUser, body: ValidJson<WorkerRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(workers::put_mine(&state, &user, body.value).await?))
}

/// The signed-in worker's profile, private fields included.
#[utoipa::path(operation_id = "workers_get_me", get, path = "/api/v1/workers/me", tag = "workers", security(("bearer" = [])),
    responses((status = 200, body = WorkerView), (status = 404, description = "no profile yet", body = ErrorBody)))]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(workers::get_mine(&state, &user).await?))
}

/// A worker's profile, for staff (community station staff, moderators, admins) only.
#[utoipa::path(operation_id = "workers_get_one", get, path = "/api/v1/workers/{id}", tag = "workers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = WorkerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(workers::get_for_staff(&state, &user, id.into_inner()).await?))
}
