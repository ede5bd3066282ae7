//! Request extractors with the service's error shape: malformed JSON is 400, a body of the wrong
//! shape is 422 naming the field, an oversized body is 413.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldErrors, Invalid};

/// A JSON object body, read with the service's limits and errors but not yet typed, for rules that
/// look at which keys were sent before the typed parse refuses unknown ones (listing charges).
pub struct JsonBody(pub serde_json::Value);

impl JsonBody {
    /// Types the body, naming the field of any type error.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_path_to_error::deserialize(&self.0).map_err(|e| shape_error(&e))
    }
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<crate::app::AppState>>().map(|s| s.config.server.body_limit_bytes).unwrap_or(65536);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large(limit)
                } else {
                    ApiError::bad_request("unreadable_body", "无法读取请求体", format!("cannot read the request body: {e}"))
                }
            })?;
            if bytes.len() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            let raw: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::malformed_json(&e.to_string()))?;
            if !raw.is_object() {
                return Err(ApiError::bad_request("malformed_json", "请求体应为 JSON 对象", "the request body must be a JSON object"));
            }
            Ok(JsonBody(raw))
        })
    }
}

/// A typed JSON body: malformed JSON is 400, a body of the wrong shape is 422 naming the field.
pub struct ValidJson<T> {
    pub value: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = JsonBody::from_request(req, payload);
        Box::pin(async move { Ok(ValidJson { value: body.await?.parse()? }) })
    }
}

/// Turns serde's complaint into a field error: which field, and why.
fn shape_error(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    // The path already ends at an unknown field's own name; for a missing field it stops at the parent.
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let detail = e.inner().to_string();
    let join = |name: &str| if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
    let quoted = |prefix: &str| detail.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_string);
    let mut errs = FieldErrors::new();
    if quoted("unknown field `").is_some() {
        errs.add(path, Invalid::new("unknown_field", "不认识的字段", format!("unknown field; {detail}")));
    } else if let Some(name) = quoted("missing field `") {
        errs.add(join(&name), Invalid::required());
    } else {
        errs.add(path, Invalid::new("invalid_type", format!("类型或取值不正确：{detail}"), format!("wrong type or value: {detail}")));
    }
    errs.into_result().unwrap_err()
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
            format!("查询参数有误：{e}"),
            format!("invalid query parameters: {e}"),
        )
        .into()
    })
}

pub fn path_config() -> web::PathConfig {
    // `/shifts/abc` names no shift that could exist.
    web::PathConfig::default().error_handler(|_, _| ApiError::not_found("资源", "resource").into())
}

pub const DEFAULT_PAGE: i64 = 20;
pub const MAX_PAGE: i64 = 100;

/// `?limit=&cursor=`: keyset pagination by id, newest first. The cursor is the last id seen.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Items per page, 1–100 (default 20).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn parse(&self) -> Result<(i64, Option<i64>), ApiError> {
        let mut errs = FieldErrors::new();
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            errs.add("limit", Invalid::new("out_of_range", "limit 应在 1 到 100 之间", "limit must be 1 to 100"));
        }
        let cursor = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match c.parse::<i64>() {
                Ok(v) if v > 0 => Some(v),
                _ => {
                    errs.add("cursor", Invalid::new("invalid_cursor", "分页游标无效", "invalid cursor"));
                    None
                }
            },
        };
        errs.into_result()?;
        Ok((limit, cursor))
    }
}

/// Splits one extra fetched row off a page to decide whether another page exists.
pub fn page<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| id(r).to_string())
    } else {
        None
    };
    (rows, next)
}
