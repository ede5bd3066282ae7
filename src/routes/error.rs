//! The one place that turns an operation's [`Error`] into HTTP: its status code, its
//! `Retry-After`, and the JSON error shape
//! `{"error": {"code", "message", "fields": [{"field", "code", "message"}]}}`
//! in the client's language (the language middleware re-renders English from the copy kept in the
//! response's extensions).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{BadRequest, Error, FieldError, Lang, Msg};

/// An error as the HTTP layer answers it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub msg: Msg,
    pub fields: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    /// The `Allow` header of a 405.
    pub allow: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.msg.en)
    }
}

/// The status code of each kind of failure.
fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Validation(_) | Error::PostingIsFree(_) | Error::PostingRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::Unauthorized | Error::InvalidCredentials => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) | Error::IllegalTransition { .. } => StatusCode::CONFLICT,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match &e {
            Error::Internal(cause) => tracing::error!(%cause, "internal error"),
            Error::Unavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
        let fields = match &e {
            Error::Validation(f) | Error::PostingIsFree(f) | Error::PostingRefused(f) => f.clone(),
            _ => Vec::new(),
        };
        ApiError { status: status_of(&e), code: e.code(), msg: e.msg(), fields, retry_after_secs: e.retry_after_secs(), allow: None }
    }
}

impl ApiError {
    /// Errors that exist only at the HTTP edge (no route, wrong method): they have no operation.
    fn edge(status: StatusCode, code: &'static str, zh: &str, en: &str) -> ApiError {
        ApiError { status, code, msg: Msg::new(zh, en), fields: Vec::new(), retry_after_secs: None, allow: None }
    }

    pub fn route_not_found() -> ApiError {
        ApiError::edge(StatusCode::NOT_FOUND, "route_not_found", "没有这个接口地址", "no such endpoint")
    }

    /// A method the path does not have; `allow` lists the ones it has (the `Allow` header).
    pub fn method_not_allowed(allow: &str) -> ApiError {
        let mut e = ApiError::edge(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "此地址不支持该请求方法", "this method is not allowed on this path");
        e.allow = Some(allow.to_string());
        e
    }

    /// A request body that is not `application/json` on the JSON API.
    pub fn unsupported_media_type() -> ApiError {
        ApiError::edge(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体须为 JSON（Content-Type: application/json）",
            "the request body must be JSON (Content-Type: application/json)",
        )
    }

    /// A browser request from a site that is not an allowed origin (e.g. a cross-site form post).
    pub fn origin_not_allowed() -> ApiError {
        ApiError::edge(StatusCode::FORBIDDEN, "origin_not_allowed", "不接受来自该网站的请求", "requests from this origin are not allowed")
    }

    /// A query string that does not parse into the operation's parameters.
    pub fn invalid_query(detail: &str) -> ApiError {
        ApiError::edge(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", &format!("查询参数有误：{detail}"), &format!("invalid query parameters: {detail}"))
    }

    pub fn malformed_json(detail: &str) -> ApiError {
        Error::BadRequest(BadRequest::MalformedJson(detail.to_string())).into()
    }

    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        Error::internal(detail).into()
    }

    pub fn body(&self, lang: Lang) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.msg.pick(lang).to_string(),
                fields: self
                    .fields
                    .iter()
                    .map(|f| FieldErrorBody { field: f.field.clone(), code: f.code.clone(), message: f.msg.pick(lang).to_string() })
                    .collect(),
            },
        }
    }

    pub fn to_response(&self, lang: Lang) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        if let Some(v) = self.allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
            res.insert_header((header::ALLOW, v));
        }
        let mut res = res.json(self.body(lang));
        // The language middleware re-renders from this copy when the client asked for English.
        res.extensions_mut().insert(self.clone());
        res
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response(Lang::Zh)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    /// Human-readable message, Chinese by default, English with `Accept-Language: en`.
    pub message: String,
    /// Every invalid field of the request (validation errors only).
    pub fields: Vec<FieldErrorBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    /// Path of the field, e.g. `pay.amount_fen` or `slots[1].end`.
    pub field: String,
    pub code: String,
    pub message: String,
}
