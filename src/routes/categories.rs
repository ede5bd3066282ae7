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
    /// Its code in 中华人民共和国职业分类大典（2022年版）, e.g. `4-02-07-10`; empty: none.
    #[schema(pattern = r"^(?:[1-8]-(?:0[1-9]|[1-9][0-9])-(?:0[1-9]|[1-9][0-9])-(?:0[1-9]|[1-9][0-9]))?$")]
    pub ccdo_code: Option<String>,
    /// For a 新职业: the date it takes effect, `YYYY-MM-DD`; empty: none.
    #[schema(
        pattern = r"^(?:(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29))?$"
    )]
    pub effective_from: Option<String>,
}

/// The occupation taxonomy (职业分类).
#[utoipa::path(operation_id = "categories_list", get, path = "/api/v1/categories", tag = "categories", responses((status = 200, body = CategoryList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(CategoryList { items: categories::list_all(&state).await? }))
}

/// Add an occupation (moderator or admin), e.g. a newly published 新职业, with its 职业分类大典
/// code and the date it takes effect when known.
#[utoipa::path(operation_id = "categories_create", post, path = "/api/v1/categories", tag = "categories", security(("bearer" = [])), request_body = CategoryRequest,
    responses((status = 201, body = Category), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(state: web::Data<AppState>, user: AuthUser, body: ValidJson<CategoryRequest>) -> Result<HttpResponse, ApiError> {
    let b = body.value;
    let c = NewCategory::parse_occupation(
        b.code.as_deref(),
        b.name_zh.as_deref(),
        b.name_en.as_deref(),
        b.group_zh.as_deref(),
        b.keywords.as_deref(),
        b.ccdo_code.as_deref(),
        b.effective_from.as_deref(),
    )?;
    Ok(created(categories::add(&state, &user, c).await?))
}
