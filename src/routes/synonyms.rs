use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::ValidJson;
use crate::routes::{created, resource};
use crate::services::synonyms::{self, SynonymGroup};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/synonyms").route(web::get().to(list)).route(web::post().to(create)))
        .service(resource("/synonyms/{id}").route(web::delete().to(delete)));
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct SynonymList {
    pub items: Vec<SynonymGroup>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SynonymRequest {
    /// 2–10 words that mean the same work, separated by spaces, commas or 、, e.g. `跑单 送餐`.
    #[schema(value_type = String, required = true)]
    pub words: Option<String>,
}

/// The synonym groups search expands queries with (built-in and added by staff).
#[utoipa::path(operation_id = "synonyms_list", get, path = "/api/v1/synonyms", tag = "categories", responses((status = 200, body = SynonymList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(SynonymList { items: synonyms::list_all(&state).await? }))
}

/// Add a synonym group (moderator or admin); every replica's search uses it within moments.
#[utoipa::path(operation_id = "synonyms_create", post, path = "/api/v1/synonyms", tag = "categories", security(("bearer" = [])), request_body = SynonymRequest,
    responses((status = 201, body = SynonymGroup), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<SynonymRequest>) -> Result<HttpResponse, ApiError> {
    Ok(created(synonyms::add(&state, &user, body.value.words.as_deref()).await?))
}

/// Remove a synonym group staff added (moderator or admin).
#[utoipa::path(operation_id = "synonyms_delete", delete, path = "/api/v1/synonyms/{id}", tag = "categories", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(state: web::Data<AppState>, user: AuthUser, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    synonyms::remove(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
