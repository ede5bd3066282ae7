use crate::helpers::*;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    r.assert(200);
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/readyz", None).await;
    r.assert(200);
    assert_eq!(r.body["database"], "ok");
    let expected_redis = if redis_url().is_some() { "ok" } else { "not_configured" };
    assert_eq!(r.body["redis"], expected_redis);
    assert_eq!(r.body["status"], "ready");
    assert_eq!(r.body["checks"], serde_json::json!({"database": "ok", "redis": expected_redis}));

    app.get("/api/v1/categories", None).await.assert(200);
    app.get("/api/v1/shifts/12345", None).await.assert(404);
    let m = app.get("/metrics", None).await;
    m.assert(200);
    assert!(m.text.contains("lingong_http_requests_total{method=\"GET\",route=\"/api/v1/categories\",status=\"200\"} 1"), "{}", m.text);
    assert!(m.text.contains("route=\"/api/v1/shifts/{id}\",status=\"404\""), "{}", m.text);
    assert!(m.text.contains("lingong_http_request_duration_seconds_bucket"), "{}", m.text);
}

#[tokio::test]
async fn openapi_document_covers_every_route() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/openapi.json", None).await;
    r.assert(200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = r.body["paths"].as_object().unwrap();
    let expect = [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/employers/me", "put"),
        ("/api/v1/employers/me", "get"),
        ("/api/v1/employers/{id}", "get"),
        ("/api/v1/employers/{id}/verify", "post"),
        ("/api/v1/workers/me", "put"),
        ("/api/v1/workers/me", "get"),
        ("/api/v1/shifts", "post"),
        ("/api/v1/shifts/{id}", "get"),
        ("/api/v1/shifts/{id}", "patch"),
        ("/api/v1/shifts/{id}/close", "post"),
        ("/api/v1/employers/me/shifts", "get"),
        ("/api/v1/availability", "post"),
        ("/api/v1/availability/{id}", "get"),
        ("/api/v1/availability/{id}", "patch"),
        ("/api/v1/availability/{id}", "delete"),
        ("/api/v1/workers/me/availability", "get"),
        ("/api/v1/categories", "get"),
        ("/api/v1/categories", "post"),
        ("/api/v1/districts", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ];
    for (path, method) in expect {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from the OpenAPI document");
    }
    let schemas = r.body["components"]["schemas"].as_object().unwrap();
    for s in ["ShiftRequest", "ShiftView", "ErrorBody", "AvailabilityRequest", "Session"] {
        assert!(schemas.contains_key(s), "schema {s} missing");
    }
    assert_eq!(r.body["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn docs_page_is_served_without_a_cdn() {
    let app = spawn_app().await;
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirect.get(format!("{}/docs", app.addr)).send().await.unwrap();
    assert_eq!(r.status(), 308);
    let page = app.get("/docs/", None).await;
    page.assert(200);
    assert!(page.text.contains("swagger-ui"));
    assert!(!page.text.contains("https://"), "the page loads nothing from elsewhere");
    let js = app.get("/docs/swagger-ui-bundle.js", None).await;
    js.assert(200);
    assert!(js.text.len() > 100_000);
    let init = app.get("/docs/swagger-initializer.js", None).await;
    assert!(init.text.contains("/api/v1/openapi.json"));
}

/// Readiness means "can serve": a Redis that cannot be reached (a port nobody listens on) or that
/// never answers (a listener that stays silent) leaves the replica in the load balancer,
/// `degraded`, quickly; a database that cannot be reached takes it out with 503 and
/// `Retry-After`, just as quickly.
#[tokio::test]
async fn readiness_is_degraded_without_redis_and_503_without_the_database() {
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    for port in [dead_port, silent_port] {
        let app = spawn_with(|c| c.redis.url = format!("redis://127.0.0.1:{port}")).await;
        for _ in 0..3 {
            let started = std::time::Instant::now();
            let r = app.get("/readyz", None).await;
            let took = started.elapsed();
            r.assert(200);
            assert_eq!(r.body["status"], "degraded", "{}", r.text);
            assert_eq!(r.body["checks"], serde_json::json!({"database": "ok", "redis": "down"}), "{}", r.text);
            assert!(took < std::time::Duration::from_secs(2), "readyz took {took:?} with Redis gone (port {port})");
        }
        // And the service works: rate-limited operations answer promptly, counted in-process.
        let started = std::time::Instant::now();
        app.register("worker").await;
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "registration took {:?} with Redis gone", started.elapsed());
    }
    drop(silent);

    let app = spawn_with(|c| {
        c.database.url = format!("postgres://postgres@127.0.0.1:{dead_port}/none");
        c.database.migrate_on_start = false;
    })
    .await;
    for i in 0..5 {
        let started = std::time::Instant::now();
        let r = app.get("/readyz", None).await;
        let took = started.elapsed();
        r.assert(503);
        assert_eq!(r.body["status"], "not_ready");
        assert_eq!(r.body["checks"]["database"], "down");
        assert!(r.headers.get("retry-after").is_some(), "503 carries Retry-After");
        assert!(took < std::time::Duration::from_secs(1), "readyz {i} took {took:?} with the database down");
        let started = std::time::Instant::now();
        let r = app.get("/api/v1/categories", None).await;
        let took = started.elapsed();
        r.assert_error(503, "database_unavailable");
        assert!(r.headers.get("retry-after").is_some(), "503 carries Retry-After");
        assert!(took < std::time::Duration::from_secs(1), "request {i} took {took:?} with the database down");
    }
}
