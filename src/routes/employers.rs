use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::ValidJson;
use crate::routes::resource;
use crate::services::employers::{self, EmployerRequest, EmployerView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/employers/me").route(web::get().to(get_me)).route(web::put().to(put_me)))
        .service(resource("/employers/{id}").route(web::get().to(get_one)))
        .service(resource("/employers/{id}/verify").route(web::post().to(verify)));
}

/// Create or replace the signed-in employer's profile.
#[utoipa::path(operation_id = "employers_put_me", put, path = "/api/v1/employers/me", tag = "employers", security(("bearer" = [])), request_body = EmployerRequest,
    responses((status = 200, body = EmployerView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_me(state: web::Data<AppState>, user: AuthUser, body: ValidJson<EmployerRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(employers::put_mine(&state, &user, body.value).await?))
}

/// The signed-in employer's profile.
#[utoipa::path(operation_id = "employers_get_me", get, path = "/api/v1/employers/me", tag = "employers", security(("bearer" = [])),
    responses((status = 200, body = EmployerView), (status = 404, description = "no profile yet", body = ErrorBody)))]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(employers::get_mine(&state, &user).await?))
}

/// An employer's public profile with its 90-day record. Contact details are shown to the owner and staff only.
#[utoipa::path(operation_id = "employers_get_one", get, path = "/api/v1/employers/{id}", tag = "employers", params(("id" = i64, Path)),
    responses((status = 200, body = EmployerView), (status = 404, body = ErrorBody)))]
pub async fn get_one(state: web::Data<AppState>, user: Option<AuthUser>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(employers::get(&state, user.as_ref(), id.into_inner()).await?))
}

/// Mark an employer as real-name verified (moderator or admin).
#[utoipa::path(operation_id = "employers_verify", post, path = "/api/v1/employers/{id}/verify", tag = "employers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = EmployerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn verify(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(crate::services::moderation::verify_employer(&state, &user, id.into_inner()).await?))
}
