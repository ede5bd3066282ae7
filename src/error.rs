//! One error shape for every failure:
//! `{"error": {"code", "message", "fields": [{"field", "code", "message"}]}}`.
//! Every message exists in Chinese and English; the language middleware picks one per request.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// A message in both languages the service speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub zh: String,
    pub en: String,
}

impl Msg {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg { zh: zh.into(), en: en.into() }
    }

    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Chinese unless the client's first preference is English.
    pub fn from_accept_language(value: Option<&str>) -> Lang {
        let Some(value) = value else { return Lang::Zh };
        let first = value.split(',').next().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if first == "en" || first.starts_with("en-") { Lang::En } else { Lang::Zh }
    }
}

/// Why one field was refused. Domain constructors return these; `FieldErrors` attaches the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub msg: Msg,
}

impl Invalid {
    pub fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
        Invalid { code, msg: Msg::new(zh, en) }
    }

    pub fn required() -> Invalid {
        Invalid::new("required", "此项必填", "this field is required")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub msg: Msg,
}

/// Collects every bad field of a request so one 422 names them all.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors(Vec::new())
    }

    pub fn add(&mut self, field: impl Into<String>, invalid: Invalid) {
        self.0.push(FieldError { field: field.into(), code: invalid.code.to_string(), msg: invalid.msg });
    }

    /// Keeps the value if valid, records the problem under `field` otherwise.
    pub fn check<T>(&mut self, field: impl Into<String>, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0)) }
    }
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub msg: Msg,
    pub fields: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.msg.en)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError { status, code, msg: Msg::new(zh, en), fields: Vec::new(), retry_after_secs: None }
    }

    pub fn validation(fields: Vec<FieldError>) -> ApiError {
        ApiError {
            fields,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "请求内容有误，请检查标出的字段", "the request has invalid fields")
        }
    }

    pub fn field(field: &str, invalid: Invalid) -> ApiError {
        let mut errs = FieldErrors::new();
        errs.add(field, invalid);
        ApiError::validation(errs.0)
    }

    pub fn bad_request(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, zh, en)
    }

    pub fn malformed_json(detail: &str) -> ApiError {
        ApiError::bad_request("malformed_json", format!("请求体不是有效的 JSON：{detail}"), format!("the request body is not valid JSON: {detail}"))
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录（缺少或无效的令牌）",
            "sign in first: the bearer token is missing, invalid or expired",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "无权执行此操作", "you are not allowed to do this")
    }

    pub fn not_found(what_zh: &str, what_en: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what_zh}不存在"), format!("{what_en} not found"))
    }

    pub fn conflict(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, zh, en)
    }

    pub fn too_many(retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("请求过于频繁，请 {} 秒后再试", retry_after_secs.max(1)),
                format!("too many requests; try again in {} s", retry_after_secs.max(1)),
            )
        }
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("请求体超过 {} 字节上限", limit),
            format!("the request body exceeds the {limit}-byte limit"),
        )
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unavailable", "数据库暂时不可用，请稍后再试", "the database is unavailable; try again shortly")
    }

    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(%detail, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误", "internal server error")
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

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found("记录", "record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(detail = info.message(), "unique violation");
                ApiError::conflict("conflict", "记录已存在", "the record already exists")
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => ApiError::unavailable(),
            other => ApiError::internal(other),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_chinese_unless_english_first() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Zh);
    }
}
