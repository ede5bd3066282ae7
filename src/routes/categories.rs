use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::ValidJson;
use crate::routes::{created, resource};
use crate::services::categories::{self, Category, NewCategory};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/categories").route(web::get().to(list)).route(web::post().to(create)));
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<Category>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRequest {
    /// 2–40 lowercase letters, digits or underscores, starting with a letter, e.g. `pet_care`.
    #[schema(value_type = String, required = true, pattern = r"^[a-z][a-z0-9_]{1,39}$")]
    pub code: Option<String>,
    /// 1–30 characters (leading and trailing whitespace not counted), no control characters.
    #[schema(value_type = String, required = true, pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,28}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?[\s\x85]*$")]
    pub name_zh: Option<String>,
    /// 1–60 characters, as `name_zh`.
    #[schema(value_type = String, required = true, pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,58}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?[\s\x85]*$")]
    pub name_en: Option<String>,
    /// 1–30 characters, as `name_zh` (default `其他`).
    #[schema(
        pattern = r"^[\s\x85]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,28}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?[\s\x85]*$"
    )]
    pub group_zh: Option<String>,
    /// Up to 200 characters: words people search this occupation by.
    #[schema(
        pattern = r"^[\s\x85]*(?:[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,198}[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?)?[\s\x85]*$"
    )]
    pub keywords: Option<String>,
}

/// The occupation taxonomy (职业分类).
#[utoipa::path(operation_id = "categories_list", get, path = "/api/v1/categories", tag = "categories", responses((status = 200, body = CategoryList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(CategoryList { items: categories::list_all(&state).await? }))
}

/// Add an occupation (moderator or admin), e.g. a newly published 新职业.
#[utoipa::path(operation_id = "categories_create", post, path = "/api/v1/categories", tag = "categories", security(("bearer" = [])), request_body = CategoryRequest,
    responses((status = 201, body = Category), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<CategoryRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.value;
    let c = NewCategory::parse(b.code.as_deref(), b.name_zh.as_deref(), b.name_en.as_deref(), b.group_zh.as_deref(), b.keywords.as_deref())?;
    Ok(created(categories::add(&state, &user, c).await?))
}
