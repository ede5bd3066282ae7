//! Operations: liveness, readiness, metrics.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::routes::resource;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/").route(web::get().to(index)))
        .service(resource("/healthz").route(web::get().to(healthz)))
        .service(resource("/readyz").route(web::get().to(readyz)))
        .service(resource("/metrics").route(web::get().to(metrics)));
}

async fn index() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "name": "lingong 零工市场",
        "docs": "/docs/",
        "openapi": "/api/v1/openapi.json",
        "health": "/healthz",
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(operation_id = "ops_healthz", get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// `ok` or the error.
    pub database: String,
    /// `ok`, `not_configured`, or the error.
    pub redis: String,
}

/// The database and (when configured) Redis are reachable.
#[utoipa::path(operation_id = "ops_readyz", get, path = "/readyz", tag = "ops", responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let database = match tokio::task::spawn_blocking(move || db.get().map(|mut c| c.batch_execute("SELECT 1"))).await {
        Ok(Ok(Ok(()))) => "ok".to_string(),
        Ok(Ok(Err(e))) => format!("error: {e}"),
        Ok(Err(e)) => format!("error: {e}"),
        Err(e) => format!("error: {e}"),
    };
    let redis = match &state.redis {
        None => "not_configured".to_string(),
        Some(conn) => {
            let mut conn = conn.clone();
            let ping = tokio::time::timeout(std::time::Duration::from_secs(2), redis::cmd("PING").query_async::<String>(&mut conn)).await;
            match ping {
                Ok(Ok(_)) => "ok".to_string(),
                Ok(Err(e)) => format!("error: {e}"),
                Err(_) => "error: timed out".to_string(),
            }
        }
    };
    let ready = database == "ok" && (redis == "ok" || redis == "not_configured");
    let body = Readiness { status: if ready { "ready" } else { "not_ready" }, database, redis };
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// Prometheus text exposition.
#[utoipa::path(operation_id = "ops_metrics", get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
