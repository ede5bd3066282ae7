//! The HTTP layer: one module per resource. Handlers parse, call the service layer, and map the
//! result; business rules live in `services` and `domain`.

pub mod alerts;
pub mod auth;
pub mod availability;
pub mod categories;
pub mod districts;
pub mod docs;
pub mod employers;
pub mod engagements;
pub mod error;
pub mod extract;
pub mod moderation;
pub mod ops;
pub mod reports;
pub mod search;
pub mod session;
pub mod shifts;
pub mod workers;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::routes::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    docs::configure(cfg);
    cfg.service(
        web::scope("/api/v1")
            .configure(auth::configure)
            .configure(search::configure)
            .configure(employers::configure)
            .configure(workers::configure)
            .configure(shifts::configure)
            .configure(engagements::configure)
            .configure(availability::configure)
            .configure(categories::configure)
            .configure(districts::configure)
            .configure(moderation::configure)
            .configure(reports::configure)
            .configure(alerts::configure)
            .default_service(web::to(not_found)),
    );
}

/// A resource path with its methods; any other method gets a 405 in the service's error shape.
pub(crate) fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed())
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    tracing::debug!(path = req.path(), "no route");
    Err(ApiError::route_not_found())
}

/// The client address used for per-client budgets (the TCP peer; put a trusted proxy's own limits in front).
pub(crate) fn client_key(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

pub(crate) fn created<T: serde::Serialize>(body: T) -> HttpResponse {
    HttpResponse::Created().json(body)
}

pub use crate::services::page::Page;
