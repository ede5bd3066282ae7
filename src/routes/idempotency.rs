//! The `Idempotency-Key` header on creating POSTs (see `services::idempotency`): a middleware that
//! claims the key before the handler runs, keeps the handler's answer, and answers retries with
//! it. The handler and the recording of its answer run in a task of their own, so a client that
//! hangs up mid-request does not cancel them: the answer is kept for its retry.

use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use futures_util::future::{LocalBoxFuture, Ready, ready};

use crate::app::AppState;
use crate::error::{BadRequest, Error};
use crate::routes::error::ApiError;
use crate::services::idempotency;

/// The operations that take the header: every POST that creates something.
pub const OPERATIONS: &[&str] = &["shifts_create", "availability_create", "reports_create", "engagements_apply", "engagements_invite"];

/// Their paths, as the router names them.
const PATTERNS: &[&str] = &["/api/v1/shifts", "/api/v1/availability", "/api/v1/reports", "/api/v1/shifts/{id}/applications", "/api/v1/shifts/{id}/invitations"];

/// Set on a response that repeats an earlier one.
pub const REPLAYED: &str = "idempotent-replayed";

/// The middleware (`App::wrap(Idempotency)`), inside the language middleware so replayed and
/// refused answers are rendered in the client's language like any other.
pub struct Idempotency;

impl<S, B> Transform<S, ServiceRequest> for Idempotency
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = IdempotencyService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(IdempotencyService { service: Rc::new(service) }))
    }
}

pub struct IdempotencyService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for IdempotencyService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let applies = req.method() == Method::POST
            && req.headers().contains_key(idempotency::HEADER)
            && req.match_pattern().is_some_and(|p| PATTERNS.contains(&p.as_str()));
        if !applies {
            return Box::pin(async move { Ok(service.call(req).await?.map_into_boxed_body()) });
        }
        Box::pin(async move {
            // Its own task: dropping this future (the client hung up) must not stop the handler
            // after it committed, nor the recording of its answer.
            actix_web::rt::spawn(with_key(req, service)).await.map_err(|e| actix_web::error::ErrorInternalServerError(format!("request task failed: {e}")))?
        })
    }
}

fn refuse(req: ServiceRequest, e: Error) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    Ok(req.error_response(ApiError::from(e)))
}

async fn with_key<S, B>(mut req: ServiceRequest, service: Rc<S>) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(service.call(req).await?.map_into_boxed_body());
    };
    let key = match idempotency::parse_key(req.headers().get(idempotency::HEADER).map(HeaderValue::as_bytes).unwrap_or_default()) {
        Ok(k) => k,
        Err(e) => return refuse(req, e),
    };
    let limit = state.config.server.body_limit_bytes;
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) if b.len() <= limit => b,
        Ok(_) => return refuse(req, Error::PayloadTooLarge { limit }),
        Err(e) if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => return refuse(req, Error::PayloadTooLarge { limit }),
        Err(e) => return refuse(req, Error::BadRequest(BadRequest::UnreadableBody(e.to_string()))),
    };
    req.set_payload(actix_web::dev::Payload::from(body.clone()));
    let path = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| req.path().to_string());
    let fingerprint = idempotency::fingerprint(req.method().as_str(), &path, &body);
    let token = bearer(&req);
    let address = crate::routes::client_key(req.request());
    let claimed = idempotency::claim(&state, token, address, key, fingerprint).await;
    let (scope, key) = match claimed {
        Err(e) => return refuse(req, e),
        Ok(None) => return Ok(service.call(req).await?.map_into_boxed_body()),
        Ok(Some((_, _, idempotency::Begin::Replay { status, content_type, body }))) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut res = HttpResponse::build(status);
            res.insert_header((HeaderName::from_static(REPLAYED), HeaderValue::from_static("true")));
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                res.insert_header((CONTENT_TYPE, ct));
            }
            return Ok(req.into_response(res.body(body)));
        }
        Ok(Some((scope, key, idempotency::Begin::Proceed))) => (scope, key),
    };
    let res = match service.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let _ = idempotency::give_back(&state, scope, key).await;
            return Err(e);
        }
    };
    let (http_req, http_res) = res.into_parts();
    let (http_res, body) = http_res.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(e) => {
            let _ = idempotency::give_back(&state, scope, key).await;
            let e: Box<dyn std::error::Error> = e.into();
            return Err(actix_web::error::ErrorInternalServerError(e.to_string()));
        }
    };
    let status = http_res.status();
    // A failure worth retrying (the database was down, a rate limit) is not kept: the retry runs.
    let keep = !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS);
    let content_type = http_res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let text = String::from_utf8_lossy(&body).into_owned();
    let recorded = idempotency::record(&state, scope, key, keep, status.as_u16(), content_type, text).await;
    if let Err(e) = recorded {
        // The answer still goes out; a retry waits (409) until the claim counts as abandoned.
        tracing::warn!(error = %e, "could not record the answer of an idempotent request");
    }
    Ok(ServiceResponse::new(http_req, http_res.set_body(body).map_into_boxed_body()))
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string()).filter(|t| !t.is_empty())
}

/// Documents the header, and the 409 of a retry while the first request runs, on [`OPERATIONS`].
pub struct OpenApiHeader;

impl utoipa::Modify for OpenApiHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.post.as_mut() else { continue };
            if !op.operation_id.as_deref().is_some_and(|id| OPERATIONS.contains(&id)) {
                continue;
            }
            let header = ParameterBuilder::new()
                .name(idempotency::HEADER)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: 1–255 visible ASCII characters (a UUID), unique per request, scoped to the account (signed out: to the \
                     client address) and kept 24 hours. A retry with the same key and body answers the first result (same status and body, \
                     header `Idempotent-Replayed: true`); the same key with another body is 422 `idempotency_key_reused`; a retry while the \
                     first is still running is 409 `idempotency_in_progress`.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255))))
                .build();
            op.parameters.get_or_insert_with(Vec::new).push(header);
            let conflict = ResponseBuilder::new()
                .description("a request with the same `Idempotency-Key` is still running (`idempotency_in_progress`), or another conflict")
                .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
                .build();
            match op.responses.responses.get_mut("409") {
                // The operation documents its own conflicts: name this one beside them.
                Some(utoipa::openapi::RefOr::T(r)) => {
                    r.description.push_str("; or `idempotency_in_progress`: a request with the same `Idempotency-Key` is still running")
                }
                Some(_) => {}
                None => {
                    op.responses.responses.insert("409".to_string(), conflict.into());
                }
            }
        }
    }
}
