//! `Idempotency-Key` on every creating POST: a retry answers the first result, another body with
//! the same key is 422, a retry while the first runs is 409, keys are per account (or client
//! address), a client that hangs up still gets its one result on retry, and keys go after 24 h.

use std::io::{Read, Write};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

impl TestApp {
    async fn post_key(&self, path: &str, token: Option<&str>, key: &str, body: &Value) -> Resp {
        self.send(self.client.request(Method::POST, format!("{}{}", self.addr, path)).header("Idempotency-Key", key).json(body), token).await
    }
}

fn key() -> String {
    format!("key-{}-{}", unique(), std::process::id())
}

async fn my_shift_count(app: &TestApp, token: &str) -> usize {
    let r = app.get("/api/v1/employers/me/shifts?limit=100", Some(token)).await;
    r.assert(200);
    r.body["items"].as_array().map(Vec::len).unwrap_or_else(|| panic!("no items: {}", r.text))
}

#[tokio::test]
async fn every_creating_post_answers_a_retry_with_its_first_result() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (worker, worker_id) = app.worker().await;
    let shift = app.post("/api/v1/shifts", Some(&employer), shift_body()).await;
    shift.assert(201);
    let shift_id = shift.body["id"].as_i64().unwrap();
    let (worker2, _) = app.worker().await;
    // Invitations reach only workers who match the shift.
    make_available(&app, &worker, worker_id, shift_id, &employer).await;
    let cases: Vec<(String, Option<&str>, Value, Value)> = vec![
        ("/api/v1/shifts".into(), Some(&employer), shift_body(), {
            let mut b = shift_body();
            b["headcount"] = json!(4);
            b
        }),
        ("/api/v1/availability".into(), Some(&worker), availability_body(), {
            let mut b = availability_body();
            b["radius_km"] = json!(6);
            b
        }),
        (
            "/api/v1/reports".into(),
            None,
            json!({"target_type": "shift", "target_id": shift_id, "kind": "illegal_fee", "description": "面试时要求先交三百元服装押金"}),
            json!({"target_type": "shift", "target_id": shift_id, "kind": "fake_job", "description": "到了现场发现没有这份工作"}),
        ),
        (format!("/api/v1/shifts/{shift_id}/applications"), Some(&worker2), json!({}), json!({"note": "另一个请求"})),
        (format!("/api/v1/shifts/{shift_id}/invitations"), Some(&employer), json!({"worker_id": worker_id}), json!({"worker_id": worker_id + 1000})),
    ];
    for (path, token, body, other) in cases {
        let k = key();
        let first = app.post_key(&path, token, &k, &body).await;
        first.assert(201);
        assert!(first.headers.get("idempotent-replayed").is_none());
        for _ in 0..3 {
            let again = app.post_key(&path, token, &k, &body).await;
            assert_eq!(again.status, first.status, "{path}: {}", again.text);
            assert_eq!(again.text, first.text, "{path}: the retry answers the first body");
            assert_eq!(again.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"), "{path}");
        }
        let r = app.post_key(&path, token, &k, &other).await;
        r.assert_error(422, "validation_failed");
        assert_eq!(r.field_code("Idempotency-Key").as_deref(), Some("idempotency_key_reused"), "{path}: {}", r.text);
        // Without the header nothing changes: a second identical request is a second request.
        if path == "/api/v1/shifts" {
            app.post(&path, token, body.clone()).await.assert(201);
        }
    }
    // One shift from the setup, one keyed (retried three times), one without a key.
    assert_eq!(my_shift_count(&app, &employer).await, 3);
}

#[tokio::test]
async fn keys_belong_to_one_account_and_failures_worth_retrying_are_not_kept() {
    let app = spawn_app().await;
    let (a, _) = app.employer(true).await;
    let (b, _) = app.employer(true).await;
    let k = key();
    let ra = app.post_key("/api/v1/shifts", Some(&a), &k, &shift_body()).await;
    ra.assert(201);
    let rb = app.post_key("/api/v1/shifts", Some(&b), &k, &shift_body()).await;
    rb.assert(201);
    assert_ne!(ra.body["id"], rb.body["id"], "the same key from another account is another request");
    assert!(rb.headers.get("idempotent-replayed").is_none());
    // The same key with another body from another account is not a reuse either.
    let mut other = shift_body();
    other["headcount"] = json!(7);
    let (c, _) = app.employer(true).await;
    app.post_key("/api/v1/shifts", Some(&c), &k, &other).await.assert(201);

    // A refusal is a result like any other and is replayed (same status, same body).
    let mut bad = shift_body();
    bad["headcount"] = json!(0);
    let k2 = key();
    let first = app.post_key("/api/v1/shifts", Some(&a), &k2, &bad).await;
    first.assert_error(422, "validation_failed");
    let again = app.post_key("/api/v1/shifts", Some(&a), &k2, &bad).await;
    assert_eq!((again.status, again.text.clone()), (first.status, first.text.clone()));

    // An unknown token claims nothing: 401 each time, and the key is still free afterwards.
    let k3 = key();
    for _ in 0..2 {
        app.post_key("/api/v1/shifts", Some("not-a-token"), &k3, &shift_body()).await.assert_error(401, "unauthorized");
    }
    app.post_key("/api/v1/shifts", Some(&a), &k3, &shift_body()).await.assert(201);
}

#[tokio::test]
async fn malformed_keys_are_refused_by_name() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let mut bad: Vec<String> = vec!["k".repeat(256), "with space".into(), "\u{7f}del".into()];
    for c in ['\t', '"', 'é'] {
        // Only some of these survive as a header value at all; those that do must be refused.
        bad.push(format!("a{c}b"));
    }
    for k in bad {
        let Ok(value) = reqwest::header::HeaderValue::from_str(&k) else { continue };
        let value_ok = value.to_str().is_ok_and(|v| v.bytes().all(|b| b.is_ascii_graphic()) && v.len() <= 255);
        if value_ok {
            continue;
        }
        let r = app
            .client
            .post(format!("{}/api/v1/shifts", app.addr))
            .bearer_auth(&employer)
            .header("Idempotency-Key", value)
            .json(&shift_body())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "key {k:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "Idempotency-Key", "{body}");
        assert_eq!(body["error"]["fields"][0]["code"], "invalid_idempotency_key", "{body}");
    }
    assert_eq!(my_shift_count(&app, &employer).await, 0, "nothing was created");
    // English like every other error.
    let r = app
        .client
        .post(format!("{}/api/v1/shifts", app.addr))
        .bearer_auth(&employer)
        .header("Idempotency-Key", "a b")
        .header("Accept-Language", "en")
        .json(&shift_body())
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["fields"][0]["message"].as_str().unwrap().contains("visible ASCII"), "{body}");
}

#[tokio::test]
async fn a_retry_while_the_first_runs_is_409_and_a_client_that_hung_up_gets_its_one_result() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let me = app.get("/api/v1/auth/me", Some(&employer)).await;
    let user_id = me.body["id"].as_i64().or_else(|| me.body["user"]["id"].as_i64()).unwrap_or_else(|| panic!("{}", me.text));
    // The first request "still running" on some replica: its claim is in the database, no result.
    let body = shift_body();
    let k = key();
    let bytes = serde_json::to_vec(&body).unwrap();
    let fp = lingong::services::idempotency::fingerprint("POST", "/api/v1/shifts", &bytes);
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let (scope, claimed_key) = (format!("user:{user_id}"), k.clone());
    let begun = db.tx(move |tx| lingong::services::idempotency::begin(tx, &scope, &claimed_key, &fp)).await.unwrap();
    assert_eq!(begun, lingong::services::idempotency::Begin::Proceed);
    for _ in 0..2 {
        app.post_key("/api/v1/shifts", Some(&employer), &k, &body).await.assert_error(409, "idempotency_in_progress");
    }
    let mut other = body.clone();
    other["headcount"] = json!(9);
    app.post_key("/api/v1/shifts", Some(&employer), &k, &other).await.assert_error(422, "validation_failed");
    assert_eq!(my_shift_count(&app, &employer).await, 0);

    // A client writes its request and hangs up before the answer. Its retry (409 while the first
    // still runs) gets the one shift the first created; or, when the server has not started on
    // the first yet, the retry creates it and the first, when it runs, answers with that one.
    let k = key();
    let addr = app.addr.trim_start_matches("http://").to_string();
    let raw = format!(
        "POST /api/v1/shifts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {employer}\r\nIdempotency-Key: {k}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        bytes.len()
    );
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    s.write_all(&bytes).unwrap();
    s.shutdown(std::net::Shutdown::Both).unwrap();
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
    drop(s);
    let mut retry = None;
    for _ in 0..200 {
        let r = app.post_key("/api/v1/shifts", Some(&employer), &k, &body).await;
        if r.status != 409 {
            retry = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let retry = retry.expect("the first request finished");
    retry.assert(201);
    assert_eq!(my_shift_count(&app, &employer).await, 1, "one shift, however the first attempt ended");

    // After 24 hours a key is forgotten (the purge job's work): the same key creates anew. A key
    // of its own, so the hung-up request above (which may still be queued) cannot take it again.
    let k = key();
    let first = app.post_key("/api/v1/shifts", Some(&employer), &k, &body).await;
    first.assert(201);
    let later = app.clock.now() + chrono::Duration::hours(25);
    let mut conn = db.get().unwrap();
    let purged = lingong::services::idempotency::purge(&mut conn, later).unwrap();
    assert!(purged >= 3, "every key of this test is older than 24 h by then ({purged})");
    drop(conn);
    let fresh = app.post_key("/api/v1/shifts", Some(&employer), &k, &body).await;
    fresh.assert(201);
    assert_ne!(fresh.body["id"], first.body["id"]);
    assert_ne!(fresh.body["id"], retry.body["id"]);
}
