//! Request extractors with the service's error shape: malformed JSON is 400, a body of the wrong
//! shape is 422 naming the field, an oversized body is 413.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use crate::error::{BadRequest, Error, FieldErrors, Invalid, Thing};
use crate::routes::error::ApiError;

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
                    ApiError::from(Error::PayloadTooLarge { limit })
                } else {
                    ApiError::from(Error::BadRequest(BadRequest::UnreadableBody(e.to_string())))
                }
            })?;
            if bytes.len() > limit {
                return Err(ApiError::from(Error::PayloadTooLarge { limit }));
            }
            let raw: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::malformed_json(&e.to_string()))?;
            if !raw.is_object() {
                return Err(Error::BadRequest(BadRequest::NotAnObject).into());
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
    errs.into_result().unwrap_err().into()
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| ApiError::invalid_query(&e.to_string()).into())
}

pub fn path_config() -> web::PathConfig {
    // `/shifts/abc` names no shift that could exist.
    web::PathConfig::default().error_handler(|_, _| ApiError::from(Error::NotFound(Thing::Resource)).into())
}

pub use crate::services::page::PageQuery;
