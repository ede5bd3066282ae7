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
    /// Name (南山, 南山区, 深圳市南山区, 望京, 望京街道), pinyin (nanshan, wangjing) or adcode
    /// prefix (4403, 110105026).
    pub q: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct DistrictList {
    pub items: Vec<District>,
}

/// Look up districts: name to adcode and point, from province down to township (街道 / 乡镇).
///
/// The best fits come first (name, name without its ending, pinyin or full name; then names that
/// begin so; then the rest), and within each counties, then cities and provinces, townships
/// (`level` `township`) last. A township has no point of its own: `lat` / `lng` are its county's
/// (its city's where the county is newer than the point data), and its adcode is its 9-digit
/// code followed by `000`. Shifts are placed at county level, so a township adcode given for a
/// shift stands for its county. Data: Vonng/adcode (CC BY 4.0) and 国家统计局
/// 2023年统计用区划代码 via modood/Administrative-divisions-of-China (WTFPL).
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
