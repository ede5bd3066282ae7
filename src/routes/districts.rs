use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{Error, Invalid};
use crate::routes::error::{ApiError, ErrorBody};
use crate::routes::extract::Query;
use crate::routes::resource;
use crate::services::districts::{District, Districts};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/districts").route(web::get().to(search)));
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DistrictQuery {
    /// Name (南山, 南山区, 深圳市南山区) or adcode prefix (4403).
    pub q: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DistrictList {
    pub items: Vec<District>,
}

/// Look up districts: name to adcode and point (data: Vonng/adcode, CC BY 4.0).
#[utoipa::path(operation_id = "districts_search", get, path = "/api/v1/districts", tag = "districts", params(DistrictQuery),
    responses((status = 200, body = DistrictList), (status = 422, body = ErrorBody)))]
pub async fn search(q: Query<DistrictQuery>) -> Result<HttpResponse, ApiError> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::from(Error::field("limit", Invalid::new("out_of_range", "limit 应在 1 到 100 之间", "limit must be 1 to 100"))));
    }
    let items = Districts::get().search(q.q.as_deref().unwrap_or(""), limit).into_iter().cloned().collect();
    Ok(HttpResponse::Ok().json(DistrictList { items }))
}
