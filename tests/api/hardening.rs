//! Abuse resistance at the edge: weighted reports and confirmed reporter addresses, JSON-only
//! bodies and allowed origins, security headers, the password policy and back-off, sessions
//! ended everywhere, and the client address behind trusted proxies.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn outbox(app: &TestApp) -> Vec<(String, Option<String>, String, Value)> {
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    let rows: Vec<(String, Option<String>, String, String)> = db
        .run(|conn| {
            use diesel::prelude::*;
            use lingong::db::schema::outbox;
            Ok(outbox::table.order(outbox::id.asc()).select((outbox::kind, outbox::recipient, outbox::status, outbox::payload)).load(conn)?)
        })
        .await
        .unwrap();
    rows.into_iter().map(|(k, r, s, p)| (k, r, s, serde_json::from_str(&p).unwrap())).collect()
}

/// The confirmation link mailed for a report's address, as a path on the app.
pub async fn confirmation_link(app: &TestApp, report_id: i64) -> String {
    let rows = outbox(app).await;
    let (_, _, _, payload) = rows.iter().find(|r| r.0 == "report_email_confirmation" && r.3["report_id"] == report_id).expect("a confirmation mail is queued");
    let url = payload["confirm_url"].as_str().unwrap();
    url.strip_prefix(&app.config.server.public_url).unwrap().to_string()
}

async fn hidden(app: &TestApp, moderator: &str, shift: i64) -> bool {
    let q = app.get("/api/v1/moderation/queue?limit=100", Some(moderator)).await;
    q.body["items"].as_array().unwrap().iter().any(|i| i["shift"]["id"] == shift && i["hidden_by_reports"] == true)
}

async fn report(app: &TestApp, token: Option<&str>, shift: i64, email: Option<&str>) -> Resp {
    let mut body = json!({"target_type": "shift", "target_id": shift, "kind": "fake_job", "description": "到了现场发现没有这份工作"});
    if let Some(e) = email {
        body["email"] = json!(e);
    }
    let r = app.post("/api/v1/reports", token, body).await;
    r.assert(201);
    r
}

async fn post_shift(app: &TestApp, employer: &str, take_mode: &str) -> i64 {
    let mut b = shift_body();
    b["take_mode"] = json!(take_mode);
    b["valid_through"] = json!(at(5, 0));
    let r = app.post("/api/v1/shifts", Some(employer), b).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn fresh_accounts_cannot_hide_a_shift_but_people_who_worked_can() {
    let app = spawn_with(|c| {
        c.moderation.report_hide_threshold = 3;
        c.moderation.report_requests = 1000;
    })
    .await;
    let moderator = app.staff("moderator").await;
    let (employer, _) = app.employer(true).await;

    // Three workers with a completed shift each: claimed, checked in, completed by the employer.
    let work = post_shift(&app, &employer, "instant").await;
    let mut trusted = Vec::new();
    let mut engagements = Vec::new();
    for _ in 0..3 {
        let (w, _) = app.worker().await;
        let r = app.post(&format!("/api/v1/shifts/{work}/applications"), Some(&w), json!({})).await;
        r.assert(201);
        engagements.push(r.body["id"].as_i64().unwrap());
        trusted.push(w);
    }
    let start = chrono::DateTime::parse_from_rfc3339(&at(2, 8)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now() + chrono::Duration::minutes(5));
    for (w, id) in trusted.iter().zip(&engagements) {
        app.post(&format!("/api/v1/engagements/{id}/check-in"), Some(w), json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
        let r = app.post(&format!("/api/v1/engagements/{id}/complete"), Some(&employer), json!({})).await;
        r.assert(200);
        assert_eq!(r.body["state"], "completed");
    }

    // Many new accounts, and one anonymous address reporting again and again: 7 × 0.25 + 0.5 < 3.
    let target = post_shift(&app, &employer, "apply").await;
    let mut fresh = Vec::new();
    for i in 0..7 {
        let (t, _, _) = app.register(if i % 2 == 0 { "worker" } else { "employer" }).await;
        report(&app, Some(&t), target, None).await;
        fresh.push(t);
    }
    for _ in 0..6 {
        report(&app, None, target, None).await;
    }
    for t in &fresh {
        report(&app, Some(t), target, None).await;
    }
    assert!(!hidden(&app, &moderator, target).await, "7 new accounts and one address cannot hide a shift");

    // People who have worked through the service: each counts 1, and once however often they report.
    let target = post_shift(&app, &employer, "apply").await;
    for w in &trusted[..2] {
        for _ in 0..3 {
            report(&app, Some(w), target, None).await;
        }
    }
    assert!(!hidden(&app, &moderator, target).await, "two reporters are below the threshold however often they report");
    report(&app, Some(&trusted[2]), target, None).await;
    assert!(hidden(&app, &moderator, target).await, "three trusted reporters hide the shift");
}

#[tokio::test]
async fn an_anonymous_reporter_is_told_the_outcome_only_at_a_confirmed_address() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "apply").await;

    let unconfirmed = report(&app, None, shift, Some("stranger@example.com")).await.body["id"].as_i64().unwrap();
    let confirmed = report(&app, None, shift, Some("citizen@example.com")).await.body["id"].as_i64().unwrap();
    let rows = outbox(&app).await;
    assert!(rows.iter().all(|r| r.0 != "report_received"), "no receipt before the address is confirmed: {rows:?}");
    for id in [unconfirmed, confirmed] {
        assert!(confirmation_link(&app, id).await.contains("token="));
    }
    // A wrong or missing token confirms nothing.
    let link = confirmation_link(&app, confirmed).await;
    for bad in [
        format!("/api/v1/reports/{confirmed}/confirm-email?token=nope"),
        format!("/api/v1/reports/{confirmed}/confirm-email"),
        link.replace(&format!("/reports/{confirmed}/"), &format!("/reports/{unconfirmed}/")),
    ] {
        app.get(&bad, None).await.assert_error(404, "not_found");
    }
    let page = app.get(&link, None).await;
    page.assert(200);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    app.get(&link, None).await.assert(200);

    for id in [unconfirmed, confirmed] {
        app.post(&format!("/api/v1/moderation/reports/{id}/resolve"), Some(&moderator), json!({"resolution": "已核实并处理"})).await.assert(200);
    }
    let rows = outbox(&app).await;
    let resolved = |id: i64| rows.iter().find(|r| r.0 == "report_resolved" && r.3["report_id"] == id).cloned().unwrap();
    assert_eq!(resolved(unconfirmed).1, None, "the unconfirmed address is not mailed");
    assert_eq!(resolved(unconfirmed).2, "skipped_no_email");
    assert_eq!(resolved(confirmed).1.as_deref(), Some("citizen@example.com"));
    assert!(rows.iter().any(|r| r.0 == "report_received" && r.1.as_deref() == Some("citizen@example.com")));
    assert!(!rows.iter().any(|r| r.1.as_deref() == Some("stranger@example.com") && r.0 != "report_email_confirmation"));
}

/// A raw request with the given headers and body.
async fn raw(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> reqwest::Response {
    let mut r = app.client.request(method, format!("{}{}", app.addr, path));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    if let Some(b) = body {
        r = r.body(b.to_string());
    }
    r.send().await.unwrap()
}

async fn error_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn bodies_must_be_json_and_browsers_must_come_from_allowed_origins() {
    let app = spawn_with(|c| c.server.allowed_origins = vec!["https://portal.example.org".into()]).await;
    let login = r#"{"phone": "13900000000", "password": "x-y-z-w-v-u"}"#;
    let paths =
        [(Method::POST, "/api/v1/auth/login"), (Method::POST, "/api/v1/reports"), (Method::PUT, "/api/v1/workers/me"), (Method::PATCH, "/api/v1/shifts/1")];
    let bad_types =
        ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", "application/xml", "application/jsonp", ""];
    for (method, path) in &paths {
        for ct in bad_types {
            let headers: Vec<(&str, &str)> = if ct.is_empty() { vec![] } else { vec![("content-type", ct)] };
            let (status, code) = error_code(raw(&app, method.clone(), path, &headers, Some(login)).await).await;
            assert_eq!((status, code.as_str()), (415, "unsupported_media_type"), "{method} {path} with {ct:?}");
        }
        for ct in ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"] {
            let (status, code) = error_code(raw(&app, method.clone(), path, &[("content-type", ct)], Some(login)).await).await;
            assert_ne!(status, 415, "{method} {path} with {ct:?}: {code}");
        }
    }
    // No body, no type needed.
    let (token, _, _) = app.register("worker").await;
    app.req(Method::POST, "/api/v1/auth/logout", Some(&token), None).await.assert(204);

    // Cross-site form posts are refused before anything happens; so is any other foreign origin.
    let foreign = ["https://evil.example", "http://portal.example.org", "https://portal.example.org.evil.example", "null", "https://portal.example.org:8443"];
    for origin in foreign {
        for ct in ["application/x-www-form-urlencoded", "application/json"] {
            let res = raw(&app, Method::POST, "/api/v1/auth/login", &[("origin", origin), ("content-type", ct)], Some(login)).await;
            assert!(res.headers().get("access-control-allow-origin").is_none(), "{origin}");
            assert_eq!(error_code(res).await, (403, "origin_not_allowed".to_string()), "{origin} {ct}");
        }
        let res = raw(&app, Method::GET, "/api/v1/categories", &[("origin", origin)], None).await;
        assert_eq!(res.status().as_u16(), 403, "{origin}");
        // A preflight from a foreign origin gets no CORS headers.
        let res = raw(&app, Method::OPTIONS, "/api/v1/reports", &[("origin", origin), ("access-control-request-method", "POST")], None).await;
        assert!(res.headers().get("access-control-allow-origin").is_none(), "{origin}");
    }
    // The allowed origin, and the service's own: answered, with CORS headers.
    for origin in ["https://portal.example.org", app.config.server.public_url.as_str()] {
        let res = raw(
            &app,
            Method::OPTIONS,
            "/api/v1/reports",
            &[("origin", origin), ("access-control-request-method", "POST"), ("access-control-request-headers", "content-type, authorization")],
            None,
        )
        .await;
        assert!(res.status().is_success(), "{origin}: {}", res.status());
        assert_eq!(res.headers()["access-control-allow-origin"], origin);
        let res = raw(&app, Method::GET, "/api/v1/categories", &[("origin", origin)], None).await;
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["access-control-allow-origin"], origin);
    }
    // No Origin at all (apps, scripts, mail clients): allowed.
    app.get("/api/v1/categories", None).await.assert(200);
}

#[tokio::test]
async fn every_response_has_nosniff_and_html_pages_a_policy() {
    let app = spawn_app().await;
    for path in ["/docs/", "/api/v1/alerts/unsubscribe?token=nope"] {
        let r = app.get(path, None).await;
        assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(r.headers["x-frame-options"], "DENY");
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert!(r.headers.contains_key("referrer-policy"));
    }
    for path in ["/api/v1/categories", "/healthz", "/api/v1/nowhere", "/metrics"] {
        let r = app.get(path, None).await;
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{path}");
        assert!(r.headers.contains_key("referrer-policy"), "{path}");
    }
}

fn case_variants(p: &str) -> Vec<String> {
    let alt: String = p.chars().enumerate().map(|(i, c)| if i % 2 == 1 { c.to_ascii_uppercase() } else { c }).collect();
    vec![p.to_string(), p.to_uppercase(), alt]
}

#[tokio::test]
async fn weak_passwords_are_refused_naming_the_rule() {
    let app = spawn_app().await;
    let list = include_str!("../../config/common_passwords.txt");
    let mut cases: Vec<(String, &str)> = Vec::new();
    for p in list.lines().step_by(250) {
        for v in case_variants(p) {
            cases.push((v, "common_password"));
        }
    }
    for c in ['a', '8', '好', '-'] {
        for n in [8, 9, 20] {
            cases.push((std::iter::repeat_n(c, n).collect(), "repeated_character"));
        }
    }
    for n in 0..8 {
        cases.push(("xq7!zk3p".chars().take(n).collect(), "too_short"));
    }
    for (i, (password, code)) in cases.iter().enumerate() {
        let phone = format!("135{:08}", unique() % 100_000_000);
        let r = app.post("/api/v1/auth/register", None, json!({"role": "worker", "phone": phone, "password": password, "display_name": "测试"})).await;
        r.assert_error(422, "validation_failed");
        let got = r.field_code("password");
        // "aaaaaaaa" is on the common list too; either rule may name it.
        assert!(got.as_deref() == Some(code) || (code == &"repeated_character" && got.as_deref() == Some("common_password")), "{i}: {password:?} -> {got:?}");
    }
}

#[tokio::test]
async fn changing_the_password_or_signing_out_everywhere_ends_every_session() {
    let app = spawn_app().await;
    let (first, _, phone) = app.register("worker").await;
    let login = |pw: &'static str| {
        let phone = phone.clone();
        let app = &app;
        async move { app.post("/api/v1/auth/login", None, json!({"phone": phone, "password": pw})).await }
    };
    let second = login("a-good-passphrase").await.body["token"].as_str().unwrap().to_string();
    for t in [&first, &second] {
        app.get("/api/v1/auth/me", Some(t)).await.assert(200);
    }
    // Wrong current password, weak or unchanged new one: refused, nothing changes.
    let r = app.post("/api/v1/auth/password", Some(&first), json!({"current_password": "not-it-at-all", "new_password": "brand-new-passphrase"})).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.field_code("current_password").as_deref(), Some("wrong_password"));
    for (new, code) in [("password123", "common_password"), ("a-good-passphrase", "unchanged"), ("short", "too_short")] {
        let r = app.post("/api/v1/auth/password", Some(&first), json!({"current_password": "a-good-passphrase", "new_password": new})).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.field_code("new_password").as_deref(), Some(code), "{new}");
    }
    app.post("/api/v1/auth/password", None, json!({"current_password": "a-good-passphrase", "new_password": "brand-new-passphrase"})).await.assert(401);
    app.get("/api/v1/auth/me", Some(&second)).await.assert(200);

    app.post("/api/v1/auth/password", Some(&first), json!({"current_password": "a-good-passphrase", "new_password": "brand-new-passphrase"})).await.assert(204);
    for t in [&first, &second] {
        app.get("/api/v1/auth/me", Some(t)).await.assert_error(401, "unauthorized");
    }
    login("a-good-passphrase").await.assert_error(401, "invalid_credentials");
    let third = login("brand-new-passphrase").await.body["token"].as_str().unwrap().to_string();
    let fourth = login("brand-new-passphrase").await.body["token"].as_str().unwrap().to_string();
    let (other, _, _) = app.register("employer").await;

    app.req(Method::POST, "/api/v1/auth/logout-everywhere", Some(&third), None).await.assert(204);
    for t in [&third, &fourth] {
        app.get("/api/v1/auth/me", Some(t)).await.assert_error(401, "unauthorized");
    }
    app.get("/api/v1/auth/me", Some(&other)).await.assert(200);
    app.req(Method::POST, "/api/v1/auth/logout-everywhere", None, None).await.assert(401);
}

#[tokio::test]
async fn an_account_is_backed_off_after_failed_logins_from_any_address() {
    let app = spawn_with(|c| {
        c.rate_limit.login_account_attempts = 4;
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let (_, _, phone) = app.register("worker").await;
    let (_, _, bystander) = app.register("worker").await;
    // Every guess from another address (behind the trusted proxy): the account budget still runs out.
    for i in 0..4 {
        let ip = format!("198.51.100.{}", i + 1);
        let r = raw(
            &app,
            Method::POST,
            "/api/v1/auth/login",
            &[("content-type", "application/json"), ("x-forwarded-for", &ip)],
            Some(&json!({"phone": phone, "password": format!("guess-number-{i}")}).to_string()),
        )
        .await;
        assert_eq!(r.status().as_u16(), 401);
    }
    let r = app.post("/api/v1/auth/login", None, json!({"phone": phone, "password": "a-good-passphrase"})).await;
    r.assert_error(429, "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
    // Other accounts are not affected.
    app.post("/api/v1/auth/login", None, json!({"phone": bystander, "password": "a-good-passphrase"})).await.assert(200);
}

#[tokio::test]
async fn the_client_address_is_read_from_trusted_proxies_only_and_ipv6_by_its_64() {
    async fn budget_left(app: &TestApp, xff: &str) -> u16 {
        let body = json!({"phone": "13000000000", "password": "nobody-has-this"}).to_string();
        raw(app, Method::POST, "/api/v1/auth/login", &[("content-type", "application/json"), ("x-forwarded-for", xff)], Some(&body)).await.status().as_u16()
    }
    // Behind a trusted proxy: each forwarded client has its own budget of 2; an IPv6 /64 is one client.
    let app = spawn_with(|c| {
        c.rate_limit.auth_requests = 2;
        c.rate_limit.login_account_attempts = 10_000;
        c.server.trusted_proxies = vec!["127.0.0.0/8".into()];
    })
    .await;
    // Each group is one client: its first two requests pass (401: wrong password), the rest are refused.
    for group in [vec!["203.0.113.5"], vec!["2001:db8:1:2::1", "2001:db8:1:2::ffff", "2001:db8:1:2:abcd::9", "2001:db8:1:2:ffff:ffff:ffff:ffff"]] {
        for i in 0..6 {
            let addr = group[i % group.len()];
            let want = if i < 2 { 401 } else { 429 };
            assert_eq!(budget_left(&app, addr).await, want, "request {i} from {addr}");
        }
    }
    assert_eq!(budget_left(&app, "2001:db8:1:3::1").await, 401, "the next /64 is someone else");
    assert_eq!(budget_left(&app, "198.51.100.77").await, 401);

    // Without trusted proxies the header is the client's word and counts for nothing.
    let app = spawn_with(|c| {
        c.rate_limit.auth_requests = 2;
        c.rate_limit.login_account_attempts = 10_000;
    })
    .await;
    assert_eq!(budget_left(&app, "203.0.113.1").await, 401);
    assert_eq!(budget_left(&app, "203.0.113.2").await, 401);
    assert_eq!(budget_left(&app, "203.0.113.3").await, 429, "a spoofed X-Forwarded-For does not buy a new budget");
}
