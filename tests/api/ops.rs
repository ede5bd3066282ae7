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

    // The engine's own cost: each search counts once, with the CPU time it took.
    let engine = |text: &str, name: &str| -> f64 {
        text.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).unwrap_or_else(|| panic!("{name} in {text}")).parse().unwrap()
    };
    let before = engine(&m.text, "lingong_search_engine_queries_total");
    for q in ["", "?q=保洁", "?lat=39.9&lng=116.4&radius_km=5"] {
        app.get(&format!("/api/v1/shifts/search{q}"), None).await.assert(200);
    }
    let after = app.get("/metrics", None).await.text;
    assert_eq!(engine(&after, "lingong_search_engine_queries_total") - before, 3.0, "{after}");
    assert!(engine(&after, "lingong_search_engine_cpu_seconds_total") > 0.0, "{after}");
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

#[tokio::test]
async fn metrics_labels_are_a_fixed_set_whatever_clients_send() {
    let app = spawn_app().await;
    let methods = ["GET", "POST", "PROPFIND", "BREW", "FOO", "SEARCH"];
    for (i, m) in methods.iter().enumerate() {
        for path in [format!("/no/such/path/{i}"), format!("/api/v1/nowhere-{i}?x={i}"), format!("/{}", "a".repeat(50 + i))] {
            let method = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
            app.client.request(method, format!("{}{}", app.addr, path)).send().await.unwrap();
        }
    }
    app.client.request(reqwest::Method::from_bytes(b"PROPFIND").unwrap(), format!("{}/api/v1/categories", app.addr)).send().await.unwrap();
    let m = app.get("/metrics", None).await;
    m.assert(200);
    for line in m.text.lines().filter(|l| l.starts_with("lingong_http_requests_total{")) {
        let route = line.split("route=\"").nth(1).unwrap().split('"').next().unwrap();
        let method = line.split("method=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(route == "other" || route.starts_with('/') && !route.contains("no/such") && !route.contains("nowhere") && !route.contains("aaaa"), "{line}");
        assert!(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"].contains(&method), "{line}");
    }
    assert!(m.text.contains("route=\"other\""), "{}", m.text);
    assert!(m.text.contains("method=\"OTHER\",route=\"/api/v1/categories\""), "{}", m.text);
    assert!(!m.text.contains("PROPFIND") && !m.text.contains("BREW"));
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = spawn_with(|c| c.server.metrics_token = "s3cret-metrics-token".into()).await;
    app.get("/metrics", None).await.assert_error(401, "unauthorized");
    for wrong in ["", "s3cret", "s3cret-metrics-token-", "S3CRET-METRICS-TOKEN"] {
        app.get("/metrics", Some(wrong)).await.assert(401);
    }
    let r = app.get("/metrics", Some("s3cret-metrics-token")).await;
    r.assert(200);
    assert!(r.text.contains("lingong_http_requests_total"));
    app.get("/healthz", None).await.assert(200);
}

#[tokio::test]
async fn metrics_can_live_on_their_own_address() {
    let db = TestDb::new();
    let config = test_config(&db, |c| c.server.metrics_bind = "127.0.0.1:0".into());
    let app = lingong::app::Application::build(config).await.expect("app starts");
    let (main, metrics) = (app.port(), app.metrics_port().expect("a metrics listener"));
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let get = |port: u16, path: &'static str| {
        let client = client.clone();
        async move { client.get(format!("http://127.0.0.1:{port}{path}")).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(main, "/healthz").await, 200);
    assert_eq!(get(main, "/metrics").await, 404, "not on the public address");
    assert_eq!(get(metrics, "/metrics").await, 200);
    assert_eq!(get(metrics, "/healthz").await, 404, "the metrics address serves metrics only");
    assert_eq!(get(metrics, "/api/v1/categories").await, 404);
}
