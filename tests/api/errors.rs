use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let r = app.client.post(format!("{}/api/v1/auth/register", app.addr)).header("content-type", "application/json").body("{\"role\": ").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
    let r = app.client.post(format!("{}/api/v1/auth/login", app.addr)).header("content-type", "application/json").body("[1,2]").send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let mut body = shift_body();
    body["description"] = json!("保".repeat(30_000)); // ~90 KiB of UTF-8
    let r = app.post("/api/v1/shifts", Some(&token), body).await;
    r.assert_error(413, "payload_too_large");
    assert_eq!(app.get("/api/v1/employers/me/shifts", Some(&token)).await.body["items"], json!([]));
}

#[tokio::test]
async fn messages_are_chinese_by_default_english_on_request() {
    let app = spawn_app().await;
    let zh = app.post("/api/v1/auth/register", None, json!({"role": "worker", "phone": "1", "password": "a-good-passphrase", "display_name": "x"})).await;
    assert_eq!(zh.body["error"]["message"], "请求内容有误，请检查标出的字段");
    assert_eq!(zh.body["error"]["fields"][0]["message"], "手机号格式不正确（应为 11 位，以 13–19 开头）");
    let en = app
        .client
        .post(format!("{}/api/v1/auth/register", app.addr))
        .header("Accept-Language", "en-US,en;q=0.9")
        .json(&json!({"role": "worker", "phone": "1", "password": "a-good-passphrase", "display_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), 422);
    let body: serde_json::Value = en.json().await.unwrap();
    assert_eq!(body["error"]["message"], "the request has invalid fields");
    assert_eq!(body["error"]["fields"][0]["field"], "phone");
    assert_eq!(body["error"]["fields"][0]["message"], "not a mainland mobile number (11 digits starting 13–19)");
    // Every error goes through the same path, 401 included.
    let r = app.client.get(format!("{}/api/v1/auth/me", app.addr)).header("Accept-Language", "en").send().await.unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().starts_with("sign in first"));
}

#[tokio::test]
async fn unknown_routes_and_methods_use_the_error_shape() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here", None).await.assert_error(404, "route_not_found");
    // Outside /api an unknown path is a page: a 404 page, in HTML.
    let r = app.get("/elsewhere", None).await;
    r.assert(404);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"), "{:?}", r.headers);
    app.delete("/api/v1/categories", None).await.assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn database_down_is_503() {
    // A replica whose database cannot be reached (nothing listens on port 1) still starts, reports
    // not ready, and answers 503 rather than hanging or crashing.
    let app = spawn_with(|c| {
        c.database.url = "postgres://postgres@127.0.0.1:1/none".into();
        c.database.migrate_on_start = false;
        c.database.connect_timeout_secs = 1;
    })
    .await;
    app.get("/api/v1/categories", None).await.assert_error(503, "database_unavailable");
    let r = app.get("/readyz", None).await;
    r.assert(503);
    assert_eq!(r.body["status"], "not_ready");
    app.get("/healthz", None).await.assert(200);
}

#[tokio::test]
async fn failed_transactions_leave_nothing_behind() {
    use diesel::prelude::*;
    use lingong::db::schema::users;
    let app = spawn_app().await;
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let count = db
        .tx(|tx| {
            let u = lingong::services::accounts::NewUser::parse(
                Some("worker"),
                Some("13512345678"),
                Some("a-good-passphrase"),
                Some("半截"),
                None,
                &[lingong::domain::Role::Worker],
            )?;
            lingong::services::accounts::create_user(tx, &u, "hash", None)?;
            // A later step fails: the user written above must not survive.
            Err::<(), _>(lingong::error::Error::Conflict(lingong::error::Conflict::Duplicate))
        })
        .await;
    assert!(count.is_err());
    let n: i64 = db.run(|c| Ok(users::table.filter(users::phone.eq("13512345678")).count().get_result(c)?)).await.unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_panic_inside_a_write_leaves_the_one_pooled_connection_usable() {
    use diesel::prelude::*;
    use lingong::db::schema::users;
    let app = spawn_app().await;
    // One connection only: if the panicking transaction's connection went back to the pool still
    // inside its transaction, every later request would fail or see its half-written row.
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let new_user = |phone: &str| {
        lingong::services::accounts::NewUser::parse(
            Some("worker"),
            Some(phone),
            Some("a-good-passphrase"),
            Some("半截"),
            None,
            &[lingong::domain::Role::Worker],
        )
        .unwrap()
    };
    let u = new_user("13512340001");
    let r = db
        .tx(move |tx| {
            lingong::services::accounts::create_user(tx, &u, "hash", None)?;
            panic!("a bug in the middle of a write");
            #[allow(unreachable_code)]
            Ok(())
        })
        .await;
    assert!(matches!(r, Err(lingong::error::Error::Internal(_))), "{r:?}");
    let u = new_user("13512340002");
    db.tx(move |tx| lingong::services::accounts::create_user(tx, &u, "hash", None)).await.expect("the next write works");
    let phones: Vec<Option<String>> = db.run(|c| Ok(users::table.select(users::phone).order(users::phone.asc()).load(c)?)).await.unwrap();
    assert!(!phones.contains(&Some("13512340001".to_string())), "the panicked write left a row: {phones:?}");
    assert!(phones.contains(&Some("13512340002".to_string())));
}

/// Sends `raw` bytes on one connection and reads every response until the server closes it.
async fn raw_exchange(addr: &str, raw: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = addr.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(host).await.unwrap();
    conn.write_all(raw).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), conn.read_to_end(&mut out)).await.expect("the server answers and closes").unwrap();
    String::from_utf8(out).unwrap()
}

/// Splits a byte stream of HTTP/1.1 responses into (status, JSON body) pairs.
fn responses(stream: &str) -> Vec<(u16, serde_json::Value)> {
    let mut out = Vec::new();
    let mut rest = stream;
    while let Some(head_end) = rest.find("\r\n\r\n") {
        let head = &rest[..head_end];
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        let len: usize =
            head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())).expect("a content-length");
        let body = &rest[head_end + 4..head_end + 4 + len];
        out.push((status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null)));
        rest = &rest[head_end + 4 + len..];
    }
    out
}

/// A request line with raw, unencoded Chinese (pasted into curl, or from an old client) is read as
/// its percent-encoded form: it gets what the encoded request gets, results or the JSON error shape,
/// never actix's bare 400. Varied over where the Chinese sits and what came before it on the same
/// keep-alive connection (including a body with Chinese, which passes unchanged).
#[tokio::test]
async fn raw_chinese_in_the_request_line_is_read_as_encoded() {
    let app = spawn_app().await;
    let (token, _) = app.employer(true).await;
    let posted = app.post("/api/v1/shifts", Some(&token), shift_body()).await;
    assert_eq!(posted.status, 201, "{}", posted.body);
    let title = shift_body()["title"].as_str().unwrap().to_string();
    let word: String = title.chars().take(2).collect();
    let encoded: String = word.bytes().map(|b| format!("%{b:02X}")).collect();
    eventually(std::time::Duration::from_secs(5), || async {
        app.get(&format!("/api/v1/shifts/search?q={encoded}"), None).await.body["total"].as_u64().unwrap_or(0) >= 1
    })
    .await;
    for q in [word.clone(), format!("{word}&sort=relevance"), format!("{word}保洁&limit=5")] {
        let raw = format!("GET /api/v1/shifts/search?q={q} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let got = responses(&raw_exchange(&app.addr, raw.as_bytes()).await);
        assert_eq!(got.len(), 1, "{raw}");
        assert_eq!(got[0].0, 200, "{raw}: {}", got[0].1);
        assert!(got[0].1["total"].as_u64().unwrap() >= 1, "{raw} finds the shift: {}", got[0].1);
    }
    // A bad value next to raw Chinese names its field in the JSON error shape.
    let raw = "GET /api/v1/shifts/search?q=保洁&lat=999&lng=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let got = responses(&raw_exchange(&app.addr, raw.as_bytes()).await);
    assert_eq!(got[0].0, 422);
    assert_eq!(got[0].1["error"]["fields"][0]["field"], "lat");
    // Raw Chinese in the path itself: an API route that does not exist, in the JSON shape (pages
    // outside /api answer their HTML 404 page, as for any unknown page).
    for path in ["/api/v1/岗位", "/api/v1/shifts/search/保洁", "/api/v1/搜索?q=日结"] {
        let raw = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let got = responses(&raw_exchange(&app.addr, raw.as_bytes()).await);
        assert_eq!(got[0].0, 404, "{path}");
        assert_eq!(got[0].1["error"]["code"], "route_not_found", "{path}");
    }
    // Keep-alive: a POST with a Chinese body, then raw Chinese GETs on the same connection.
    let body = serde_json::json!({"phone": "13800000000", "password": "不是这个口令的口令"}).to_string();
    let raw = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}\
         GET /api/v1/shifts/search?q={word} HTTP/1.1\r\nHost: x\r\n\r\n\
         GET /api/v1/岗位 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let got = responses(&raw_exchange(&app.addr, raw.as_bytes()).await);
    assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![401, 200, 404], "{got:?}");
    assert!(got[1].1["total"].as_u64().unwrap() >= 1);
}
