//! The HTTP layer: one module per resource. Handlers parse, call the service layer, and map the
//! result; business rules live in `services` and `domain`.

pub mod alerts;
pub mod auth;
pub mod availability;
pub mod categories;
pub mod desk;
pub mod districts;
pub mod docs;
pub mod employers;
pub mod engagements;
pub mod error;
pub mod events;
pub mod extract;
pub mod guard;
pub mod idempotency;
pub mod inbox;
pub mod listen;
pub mod moderation;
pub mod opendata;
pub mod ops;
pub mod reports;
pub mod search;
pub mod session;
pub mod sharing;
pub mod shifts;
pub mod stations;
pub mod stats;
pub mod synonyms;
pub mod workers;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::routes::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    docs::configure(cfg);
    opendata::configure_root(cfg);
    cfg.service(
        web::scope("/api/v1")
            .configure(auth::configure)
            .configure(search::configure)
            .configure(employers::configure)
            .configure(workers::configure)
            .configure(opendata::configure)
            .configure(shifts::configure)
            .configure(engagements::configure)
            .configure(availability::configure)
            .configure(categories::configure)
            .configure(synonyms::configure)
            .configure(districts::configure)
            .configure(moderation::configure)
            .configure(reports::configure)
            .configure(alerts::configure)
            .configure(inbox::configure)
            .configure(stations::configure)
            .configure(desk::configure)
            .configure(events::configure)
            .configure(sharing::configure)
            .configure(stats::configure)
            .default_service(web::to(not_found)),
    );
}

/// A resource path with its methods; any other method gets a 405 in the service's error shape,
/// with an `Allow` header listing the methods its routes were registered with.
pub(crate) fn resource(path: &str) -> Resource {
    Resource { inner: web::resource(path), methods: Vec::new() }
}

/// [`actix_web::Resource`] that remembers which methods its routes accept.
pub(crate) struct Resource {
    inner: actix_web::Resource,
    methods: Vec<actix_web::http::Method>,
}

impl Resource {
    pub(crate) fn route(mut self, route: actix_web::Route) -> Resource {
        for m in route_methods(&route) {
            if !self.methods.contains(&m) {
                self.methods.push(m);
            }
        }
        self.inner = self.inner.route(route);
        self
    }
}

/// The methods a route's guards accept, found by asking the route about each standard method.
fn route_methods(route: &actix_web::Route) -> Vec<actix_web::http::Method> {
    use actix_web::dev::ServiceFactory;
    use actix_web::http::Method;
    use futures_util::FutureExt;
    let Some(Ok(service)) = route.new_service(()).now_or_never() else { return Vec::new() };
    [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE]
        .into_iter()
        .filter(|m| service.check(&mut actix_web::test::TestRequest::default().method(m.clone()).to_srv_request()))
        .collect()
}

impl actix_web::dev::HttpServiceFactory for Resource {
    fn register(self, config: &mut actix_web::dev::AppService) {
        let allow = self.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ");
        let inner = self.inner.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(&allow)) }
        }));
        actix_web::dev::HttpServiceFactory::register(inner, config)
    }
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    tracing::debug!(path = req.path(), "no route");
    Err(ApiError::route_not_found())
}

/// The client key used for per-client budgets (see [`guard::client_key`]: trusted proxies, IPv6 /64).
pub(crate) fn client_key(req: &HttpRequest) -> String {
    guard::client_key(req)
}

pub(crate) fn created<T: serde::Serialize>(body: T) -> HttpResponse {
    HttpResponse::Created().json(body)
}

pub use crate::services::page::Page;
