use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn register_login_me_logout() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"role": "worker", "phone": "+86 139-0011-2233", "password": "a-good-passphrase", "display_name": "张伟", "email": "zw@example.com"}),
        )
        .await;
    r.assert(201);
    assert_eq!(r.body["user"]["role"], "worker");
    assert_eq!(r.body["user"]["display_name"], "张伟");
    assert!(r.body["user"]["id"].as_i64().unwrap() > 0);
    let token = r.body["token"].as_str().unwrap().to_string();
    assert!(token.len() >= 40);

    let me = app.get("/api/v1/auth/me", Some(&token)).await;
    me.assert(200);
    assert_eq!(me.body["role"], "worker");

    // The number is normalised, so the plain form signs in.
    let login = app.post("/api/v1/auth/login", None, json!({"phone": "13900112233", "password": "a-good-passphrase"})).await;
    login.assert(200);
    let second = login.body["token"].as_str().unwrap().to_string();
    assert_ne!(second, token);

    app.req(reqwest::Method::POST, "/api/v1/auth/logout", Some(&token), None).await.assert(204);
    app.get("/api/v1/auth/me", Some(&token)).await.assert_error(401, "unauthorized");
    // Other sessions stay valid.
    app.get("/api/v1/auth/me", Some(&second)).await.assert(200);
}

#[tokio::test]
async fn duplicate_phone_is_a_conflict() {
    let app = spawn_app().await;
    let body = json!({"role": "employer", "phone": "13700001111", "password": "a-good-passphrase", "display_name": "王经理"});
    app.post("/api/v1/auth/register", None, body.clone()).await.assert(201);
    app.post("/api/v1/auth/register", None, body).await.assert_error(409, "phone_taken");
}

#[tokio::test]
async fn registration_names_every_bad_field() {
    let app = spawn_app().await;
    let r =
        app.post("/api/v1/auth/register", None, json!({"role": "admin", "phone": "12345", "password": "short", "display_name": "", "email": "not-mail"})).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["role", "phone", "password", "display_name", "email"]);
    assert_eq!(r.field_code("phone").unwrap(), "invalid_phone");
    // Staff roles are never self-registered.
    let r = app
        .post("/api/v1/auth/register", None, json!({"role": "moderator", "phone": "13700002222", "password": "a-good-passphrase", "display_name": "x"}))
        .await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["role"]);
    // Missing fields are named too.
    let r = app.post("/api/v1/auth/register", None, json!({})).await;
    assert_eq!(r.fields(), ["role", "phone", "password", "display_name"]);
}

#[tokio::test]
async fn wrong_password_and_unknown_phone_look_the_same() {
    let app = spawn_app().await;
    let (_, _, phone) = app.register("worker").await;
    let a = app.post("/api/v1/auth/login", None, json!({"phone": phone, "password": "wrong-passphrase"})).await;
    a.assert_error(401, "invalid_credentials");
    let b = app.post("/api/v1/auth/login", None, json!({"phone": "13811110000", "password": "wrong-passphrase"})).await;
    b.assert_error(401, "invalid_credentials");
    assert_eq!(a.body, b.body);
}

#[tokio::test]
async fn tokens_are_checked() {
    let app = spawn_app().await;
    app.get("/api/v1/auth/me", None).await.assert_error(401, "unauthorized");
    app.get("/api/v1/auth/me", Some("made-up-token")).await.assert_error(401, "unauthorized");
    let r = app.client.get(format!("{}/api/v1/auth/me", app.addr)).header("Authorization", "Basic abc").send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let app = spawn_app().await;
    let (token, _, _) = app.register("worker").await;
    // Expire every session directly in the database, as time would.
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use lingong::db::schema::auth_tokens;
        let mut conn = db.get().unwrap();
        diesel::update(auth_tokens::table)
            .set(auth_tokens::expires_at.eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1)))
            .execute(&mut *conn)
            .unwrap();
    })
    .await
    .unwrap();
    app.get("/api/v1/auth/me", Some(&token)).await.assert_error(401, "unauthorized");
}

#[tokio::test]
async fn auth_is_rate_limited_with_retry_after() {
    let app = spawn_with(|c| {
        c.rate_limit.auth_requests = 3;
        c.rate_limit.auth_window_secs = 60;
    })
    .await;
    let body = json!({"phone": "13800001234", "password": "whatever-it-is"});
    for _ in 0..3 {
        app.post("/api/v1/auth/login", None, body.clone()).await.assert(401);
    }
    let r = app.post("/api/v1/auth/login", None, body.clone()).await;
    r.assert_error(429, "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));

    // With Redis configured, a second replica shares the same budget; without it, each process
    // counts on its own.
    let prefix = app.config.redis.key_prefix.clone();
    let db = TestDb::new();
    let cfg = test_config(&db, |c| {
        c.rate_limit.auth_requests = 3;
        c.redis.key_prefix = prefix;
    });
    let second = lingong::app::Application::build(cfg).await.unwrap();
    let addr = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let r = app.client.post(format!("{addr}/api/v1/auth/login")).json(&body).send().await.unwrap();
    let expected = if redis_url().is_some() { 429 } else { 401 };
    assert_eq!(r.status().as_u16(), expected);
}

#[tokio::test]
async fn rate_limiting_can_be_turned_off() {
    let app = spawn_with(|c| {
        c.rate_limit.enabled = false;
        c.rate_limit.auth_requests = 1;
    })
    .await;
    for _ in 0..5 {
        app.post("/api/v1/auth/login", None, json!({"phone": "13800001234", "password": "whatever-it-is"})).await.assert(401);
    }
}
