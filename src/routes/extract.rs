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
        let mut value = self.0.clone();
        integral_floats_as_integers(&mut value);
        serde_path_to_error::deserialize(&value).map_err(|e| shape_error(&e))
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

/// JSON does not tell `3` from `3.0` (JSON Schema's `integer` accepts both): a whole number
/// written with a fraction is read as the integer it is.
fn integral_floats_as_integers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15) {
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
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

/// The query string typed as `T`: a parameter the operation does not have is 422 `unknown_field`,
/// one whose value does not parse is 422 `invalid_type`, each naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> Query<T> {
    pub fn from_query(query: &str) -> Result<Query<T>, ApiError> {
        let pairs = query.split('&').filter(|p| !p.is_empty()).map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), Part(percent_decode(v)))
        });
        let de = serde::de::value::MapDeserializer::<_, serde::de::value::Error>::new(pairs);
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let path = e.path().to_string();
            let detail = e.inner().to_string();
            let mut errs = FieldErrors::new();
            if let Some(name) = detail.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
                errs.add(name, Invalid::new("unknown_field", "不认识的参数", format!("unknown parameter; {detail}")));
            } else if let Some(name) = detail.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
                errs.add(name, Invalid::required());
            } else {
                let field = if path == "." { String::new() } else { path };
                errs.add(field, Invalid::new("invalid_type", format!("类型或取值不正确：{detail}"), format!("wrong type or value: {detail}")));
            }
            errs.into_result().unwrap_err().into()
        })
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Query::from_query(req.query_string()))
    }
}

/// `application/x-www-form-urlencoded` decoding of one key or value (`+` is a space).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| h * 16 + l),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One query value: parsed into whatever type the parameter has, like `serde_urlencoded` does.
struct Part(String);

impl<'de> serde::de::IntoDeserializer<'de, serde::de::value::Error> for Part {
    type Deserializer = Part;
    fn into_deserializer(self) -> Part {
        self
    }
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident,)*) => {
        $(fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            match self.0.parse() {
                Ok(v) => visitor.$visit(v),
                Err(e) => Err(serde::de::Error::custom(format_args!("{e}: {:?}", self.0))),
            }
        })*
    };
}

/// An integer parameter takes an integral decimal too (`1.0`), as JSON Schema's `integer` does.
macro_rules! parse_integer {
    ($($method:ident => $visit:ident,)*) => {
        $(fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            let integral = match self.0.split_once('.') {
                Some((whole, zeros)) if !whole.is_empty() && !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
                _ => self.0.as_str(),
            };
            match integral.parse() {
                Ok(v) => visitor.$visit(v),
                Err(e) => Err(serde::de::Error::custom(format_args!("{e}: {:?}", self.0))),
            }
        })*
    };
}

impl<'de> serde::Deserializer<'de> for Part {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_string(self.0)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], visitor: V) -> Result<V::Value, Self::Error> {
        use serde::de::IntoDeserializer;
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    parse_integer! {
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
    }

    parse_value! {
        deserialize_bool => visit_bool,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| ApiError::invalid_query(&e.to_string()).into())
}

pub fn path_config() -> web::PathConfig {
    // `/shifts/abc` names no shift that could exist.
    web::PathConfig::default().error_handler(|_, _| ApiError::from(Error::NotFound(Thing::Resource)).into())
}

pub use crate::services::page::PageQuery;
