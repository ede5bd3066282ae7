//! Search answers from memory: with its PostgreSQL stopped, a running service keeps answering the
//! public's searches — the same shifts, a household's home as coarse as before — and its shift
//! pages, while signed-in writes answer 503 with `Retry-After` at once; once the database is back,
//! writes land and reach search again.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::bodies::{employer_body, shift_body};
use crate::deps::{Postgres, free_port};
use crate::{App, FAST, eventually, fast};

/// A moderator account made the way an admin makes one (there is no sign-up for staff), signed in.
async fn moderator(app: &App, db_url: &str) -> String {
    let phone = crate::phone(900);
    crate::staff_account::create(db_url, "moderator", &phone).await;
    let r = app.post("/api/v1/auth/login", None, json!({"phone": phone, "password": crate::staff_account::PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["token"].as_str().unwrap().to_string()
}

/// A verified employer of `kind` with one published shift; returns its token.
async fn employer_with_shift(app: &App, n: u64, moderator: &str, kind: &str) -> String {
    let r = app.register("employer", n).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.body["token"].as_str().unwrap().to_string();
    let mut body = employer_body();
    if kind == "household" {
        body["name"] = json!("张女士");
        body["kind"] = json!("household");
        body.as_object_mut().unwrap().remove("credit_code");
    }
    let p = app.call(reqwest::Method::PUT, "/api/v1/employers/me", Some(&token), Some(body)).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let id = p.body["id"].as_i64().unwrap();
    let v = app.post(&format!("/api/v1/employers/{id}/verify"), Some(moderator), json!({})).await;
    assert_eq!(v.status, 200, "{}", v.body);
    let s = app.post("/api/v1/shifts", Some(&token), shift_body()).await;
    assert_eq!((s.status, s.body["status"].as_str()), (201, Some("published")), "{}", s.body);
    token
}

/// A search answer without what moves with the wall clock: a shift's freshness decays by the
/// second, and with it the fourth decimal of its score. What was found, in what order, its text
/// and the facets must be the same.
fn without_freshness(mut body: Value) -> Value {
    for item in body["items"].as_array_mut().into_iter().flatten() {
        if let Some(item) = item.as_object_mut() {
            item.remove("score");
        }
        if let Some(reasons) = item["reasons"].as_object_mut() {
            reasons.remove("fresh_hours");
        }
    }
    body
}

const QUERIES: &[&str] = &[
    "/api/v1/shifts/search",
    "/api/v1/shifts/search?lat=39.92&lng=116.46",
    "/api/v1/shifts/search?q=%E4%BF%9D%E6%B4%81&lat=39.92&lng=116.46&sort=distance",
    "/api/v1/shifts/search?settlement=daily&limit=1",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_answers_from_memory_while_postgres_is_stopped() {
    let pg = Postgres::start(free_port());
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url();
    let app_url = url.clone();
    let app = App::start(|c| {
        c.database.url = app_url;
        c.search.index_dir = dir.path().display().to_string();
    })
    .await;
    let staff = moderator(&app, &url).await;
    let company = employer_with_shift(&app, 200, &staff, "enterprise").await;
    employer_with_shift(&app, 201, &staff, "household").await;
    let w = app.register("worker", 202).await;
    let worker = w.body["token"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(10), "both shifts searchable", async || app.get(QUERIES[0], None).await.body["total"] == 2).await;
    let mut before: Vec<Value> = Vec::new();
    for q in QUERIES {
        let r = app.get(q, None).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        before.push(without_freshness(r.body));
    }
    let homes: Vec<&Value> = before[1]["items"].as_array().unwrap().iter().filter(|i| i["shift"]["employer"]["name"] == "张女士").collect();
    assert_eq!(homes.len(), 1, "the household's shift is found: {}", before[1]);
    assert!(!homes[0]["shift"]["address"].as_str().unwrap().contains("88号"), "coarse: {}", homes[0]);
    // Both signed in just now (their tokens are in the cache, which must not let writes hang).
    assert_eq!(app.get("/api/v1/auth/me", Some(&worker)).await.status, 200);
    assert_eq!(app.get("/api/v1/auth/me", Some(&company)).await.status, 200);

    pg.stop();
    // Longer than the token cache's 5 s, so writes are refused both with a cached token and
    // with one the database would have to confirm.
    let stopped = Instant::now();
    let mut round = 0;
    while stopped.elapsed() < Duration::from_secs(7) {
        for (q, was) in QUERIES.iter().zip(&before) {
            let r = app.get(q, None).await;
            fast(&r, &format!("search {q} (round {round}) with the database down"), 200);
            assert_eq!(&without_freshness(r.body.clone()), was, "{q} (round {round}): the same answer as before the database stopped");
            for item in r.body["items"].as_array().unwrap().iter().filter(|i| i["shift"]["employer"]["name"] == "张女士") {
                let address = item["shift"]["address"].as_str().unwrap();
                assert!(!address.contains("88号") && address.contains("朝阳区"), "{q}: the home is still coarse: {item}");
            }
        }
        // The public shift page, too: the posting as search shows it (without the employer's record).
        for item in before[0]["items"].as_array().unwrap() {
            let started = Instant::now();
            let page = app.http.get(format!("{}/shifts/{}", app.addr, item["shift"]["id"])).send().await.unwrap();
            let status = page.status().as_u16();
            let text = page.text().await.unwrap();
            assert_eq!(status, 200, "the page of shift {} (round {round}) with the database down: {text}", item["shift"]["id"]);
            assert!(started.elapsed() < FAST, "the shift page took {:?}", started.elapsed());
            assert!(text.contains(item["shift"]["title"].as_str().unwrap()), "{text}");
            assert_eq!(text.contains("88号"), item["shift"]["employer"]["name"] != "张女士", "only the enterprise's address is shown exactly");
        }
        let post = app.post("/api/v1/shifts", Some(&company), shift_body()).await;
        fast(&post, &format!("shift post (round {round}) with the database down"), 503);
        assert_eq!(post.body["error"]["code"], "database_unavailable", "{}", post.body);
        assert!(post.retry_after.is_some(), "503 without Retry-After");
        let mut a = crate::bodies::availability_body();
        a["note"] = json!("停库期间");
        let avail = app.post("/api/v1/availability", Some(&worker), a).await;
        fast(&avail, &format!("availability post (round {round}) with the database down"), 503);
        assert!(avail.retry_after.is_some(), "503 without Retry-After");
        round += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(round >= 5, "only {round} rounds while the database was down");

    pg.start_again();
    eventually(Duration::from_secs(20), "writes land again", async || app.post("/api/v1/shifts", Some(&company), shift_body()).await.status == 201).await;
    eventually(Duration::from_secs(10), "the new shift reaches search", async || app.get(QUERIES[0], None).await.body["total"] == 3).await;
    let r = app.get(QUERIES[1], None).await;
    assert_eq!(r.status, 200);
    assert!(r.took < FAST * 5, "search after the restart took {:?}", r.took);
}
