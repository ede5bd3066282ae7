//! Operations: liveness, readiness, metrics.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::Error;
use crate::routes::resource;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(healthz)))
        .service(resource("/readyz").route(web::get().to(readyz)))
        .service(resource("/metrics").route(web::get().to(metrics)));
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
    /// `ready`; `degraded` when the service can serve but an optional dependency (Redis) is down
    /// (still 200: rate limits and wake-ups fall back to this process); `not_ready` (503) when
    /// the database cannot be reached.
    pub status: &'static str,
    pub checks: Checks,
    /// `ok` or the error.
    pub database: String,
    /// `ok`, `not_configured`, or the error.
    pub redis: String,
}

/// One word per dependency.
#[derive(Serialize, ToSchema)]
pub struct Checks {
    /// `ok` or `down`.
    pub database: &'static str,
    /// `ok`, `down`, or `not_configured`.
    pub redis: &'static str,
}

/// Whether this replica can serve: 200 `ready` or `degraded` (Redis down), 503 `not_ready` with
/// `Retry-After` when the database cannot be reached. Each check waits a short deadline
/// (`database.health_timeout_ms`, `redis.timeout_ms`), so a dead dependency never holds it.
#[utoipa::path(operation_id = "ops_readyz", get, path = "/readyz", tag = "ops", responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let timeout = std::time::Duration::from_millis(state.config.database.health_timeout_ms);
    let database = match tokio::task::spawn_blocking(move || db.ping(timeout)).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(e) => format!("error: {e}"),
    };
    let redis = match &state.redis {
        None => "not_configured".to_string(),
        Some(conn) => {
            let mut conn = conn.clone();
            let deadline = std::time::Duration::from_millis(state.config.redis.timeout_ms.max(1)) * 5;
            let ping = tokio::time::timeout(deadline, redis::cmd("PING").query_async::<String>(&mut conn)).await;
            match ping {
                Ok(Ok(_)) => "ok".to_string(),
                Ok(Err(e)) => format!("error: {e}"),
                Err(_) => "error: timed out".to_string(),
            }
        }
    };
    let checks = Checks {
        database: if database == "ok" { "ok" } else { "down" },
        redis: match redis.as_str() {
            "ok" => "ok",
            "not_configured" => "not_configured",
            _ => "down",
        },
    };
    let status = match (checks.database, checks.redis) {
        ("ok", "down") => "degraded",
        ("ok", _) => "ready",
        _ => "not_ready",
    };
    let body = Readiness { status, checks, database, redis };
    if status == "not_ready" {
        HttpResponse::ServiceUnavailable().insert_header((actix_web::http::header::RETRY_AFTER, Error::Unavailable.retry_after_secs().unwrap_or(1))).json(body)
    } else {
        HttpResponse::Ok().json(body)
    }
}

/// Prometheus text exposition.
#[utoipa::path(operation_id = "ops_metrics", get, path = "/metrics", tag = "ops", responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (queries, cpu) = state.engine.query_cpu();
    let engine = format!(
        "# HELP lingong_search_engine_queries_total Shift queries the search engine answered\n# TYPE lingong_search_engine_queries_total counter\nlingong_search_engine_queries_total {queries}\n\
         # HELP lingong_search_engine_cpu_seconds_total Thread CPU time spent inside shift queries\n# TYPE lingong_search_engine_cpu_seconds_total counter\nlingong_search_engine_cpu_seconds_total {cpu}\n"
    );
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render() + &engine)
}
