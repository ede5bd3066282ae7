//! Match alerts: subscribing, the instant and daily jobs (driven with a chosen time), each shift
//! mailed at most once per subscription even with jobs racing, and the no-login unsubscribe link.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use lingong::db::Db;
use lingong::db::schema::{alert_deliveries, outbox};
use lingong::jobs::match_alerts::{self as job, Outcome, Settings};
use serde_json::{Value, json};

use crate::helpers::*;

/// An app whose background alert job is off, so each test runs the jobs itself at chosen times.
async fn app() -> TestApp {
    spawn_with(|c| c.alerts.enabled = false).await
}

fn db(app: &TestApp) -> Db {
    Db::connect(&app.db.url, 2, Duration::from_secs(5)).unwrap()
}

fn now() -> NaiveDateTime {
    lingong::domain::time::now_utc()
}

/// A worker with an email address (alerts go by mail) and a profile. Returns (token, email).
async fn worker(app: &TestApp) -> (String, String) {
    let phone = format!("137{:08}", unique() % 100_000_000);
    let email = format!("worker{}@example.com", unique());
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"role": "worker", "phone": phone, "password": "a-good-passphrase", "display_name": "李秀英", "email": email}),
        )
        .await;
    r.assert(201);
    let token = r.body["token"].as_str().unwrap().to_string();
    app.put("/api/v1/workers/me", Some(&token), json!({"display_name": "李秀英", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "radius_km": 5}))
        .await
        .assert(200);
    (token, email)
}

fn saved_search(frequency: &str) -> Value {
    json!({
        "source": "search",
        "q": "保洁",
        "lat": 39.92,
        "lng": 116.46,
        "radius_km": 5,
        "categories": ["cleaning"],
        "min_pay": {"amount_fen": 4000, "unit": "hour"},
        "frequency": frequency,
    })
}

async fn subscribe(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/workers/me/alerts", Some(token), body).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

/// Publishes a shift (verified employer) paying `pay_fen` per hour; returns its id.
async fn publish(app: &TestApp, title: &str, employer: &str, pay_fen: i64) -> i64 {
    let mut body = shift_body();
    body["title"] = json!(title);
    body["pay"] = json!({"amount_fen": pay_fen, "unit": "hour"});
    let r = app.post("/api/v1/shifts", Some(employer), body).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published", "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

async fn run_match(db: &Db, s: &Settings, at: NaiveDateTime) -> Outcome {
    let s = s.clone();
    db.run(move |c| job::match_new_shifts(c, &s, at)).await.unwrap()
}

async fn run_digests(db: &Db, s: &Settings, at: NaiveDateTime) -> usize {
    let s = s.clone();
    db.run(move |c| job::send_digests(c, &s, at)).await.unwrap()
}

/// Alert mails in the outbox: (kind, recipient, payload).
async fn alert_mails(db: &Db) -> Vec<(String, Option<String>, Value)> {
    let rows: Vec<(String, Option<String>, String)> = db
        .run(|c| {
            Ok(outbox::table.filter(outbox::kind.like("alert_%")).order(outbox::id.asc()).select((outbox::kind, outbox::recipient, outbox::payload)).load(c)?)
        })
        .await
        .unwrap();
    rows.into_iter().map(|(k, r, p)| (k, r, serde_json::from_str(&p).unwrap())).collect()
}

/// The mail an outbox row becomes, as the sender reads it.
fn render(kind: &str, payload: &Value, to: &str) -> lingong::mail::Outgoing {
    let n = lingong::domain::notification::Notification::from_stored(kind, &payload.to_string()).unwrap();
    lingong::mail::templates::render_mail(&n, to, 1, "lingong.localhost").unwrap()
}

/// The next time the local (Beijing) clock shows `hour:30`, at least a minute from now.
fn next_local(hour: u32) -> NaiveDateTime {
    let local = (Utc::now() + chrono::Duration::hours(8)).naive_utc();
    let mut t = local.date().and_hms_opt(hour, 30, 0).unwrap();
    while t <= local + chrono::Duration::minutes(1) {
        t += chrono::Duration::days(1);
    }
    t - chrono::Duration::hours(8)
}

#[tokio::test]
async fn instant_alert_is_sent_once_and_never_again() {
    let app = app().await;
    let (db, s) = (db(&app), Settings::from_config(&app.config));
    let (employer, _) = app.employer(true).await;
    let (token, email) = worker(&app).await;
    subscribe(&app, &token, saved_search("instant")).await;
    let hit = publish(&app, "家庭保洁员（日结）", &employer, 4500).await;
    // Pays less than the alert's minimum.
    publish(&app, "家庭保洁员（日结）", &employer, 3500).await;

    let first = run_match(&db, &s, now()).await;
    assert_eq!((first.recorded, first.mailed), (1, 1), "{first:?}");
    // Again, and a minute later (inside the look-back): nothing new.
    assert_eq!(run_match(&db, &s, now()).await.mailed, 0);
    assert_eq!(run_match(&db, &s, now() + chrono::Duration::minutes(1)).await.mailed, 0);

    let mails = alert_mails(&db).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (kind, to, payload) = &mails[0];
    assert_eq!(kind, "alert_match");
    assert_eq!(to.as_deref(), Some(email.as_str()));
    assert_eq!(payload["shift"]["shift_id"], hit);
    // What the worker reads: the shift's title, pay, place and time, and the unsubscribe link.
    let m = render(kind, payload, &email);
    for part in ["家庭保洁员（日结）", "45.00 元/小时", "北京市朝阳区建国路88号", &at(2, 8)[..10], "08:00–12:00", "/api/v1/alerts/unsubscribe?token="]
    {
        assert!(m.body.contains(part), "{part} missing from {}", m.body);
    }
    let url = m.unsubscribe_url.expect("List-Unsubscribe");
    assert!(url.starts_with(&format!("{}/api/v1/alerts/unsubscribe?token=", app.config.server.public_url)), "{url}");
    // The shift link opens the shift's page, not its JSON.
    let page = format!("{}/shifts/{hit}", app.config.server.public_url);
    assert!(m.body.contains(&page) && !m.body.contains(&format!("/api/v1/shifts/{hit}")), "{page} missing from {}", m.body);
}

#[tokio::test]
async fn a_shift_that_does_not_match_is_not_sent() {
    let app = app().await;
    let (db, s) = (db(&app), Settings::from_config(&app.config));
    let (employer, _) = app.employer(true).await;
    let (token, _) = worker(&app).await;
    subscribe(&app, &token, json!({"source": "search", "q": "搬运", "lat": 39.92, "lng": 116.46, "radius_km": 5})).await;
    subscribe(&app, &token, json!({"source": "search", "lat": 39.92, "lng": 116.46, "radius_km": 1})).await;
    subscribe(&app, &token, json!({"source": "search", "lat": 39.92, "lng": 116.46, "radius_km": 5, "categories": ["housekeeping"]})).await;
    publish(&app, "家庭保洁员（日结）", &employer, 4500).await;
    let out = run_match(&db, &s, now()).await;
    assert_eq!(out.shifts, 1);
    assert_eq!((out.recorded, out.mailed), (0, 0), "wrong words, too far, other category: {out:?}");
    assert!(alert_mails(&db).await.is_empty());
}

#[tokio::test]
async fn an_alert_following_availability_uses_its_windows() {
    let app = app().await;
    let (db, s) = (db(&app), Settings::from_config(&app.config));
    let (employer, _) = app.employer(true).await;
    let (token, _) = worker(&app).await;
    let mut avail = availability_body();
    avail["windows"] = json!({"dated": [{"start": at(3, 8), "end": at(3, 18)}]});
    let avail_id = app.post("/api/v1/availability", Some(&token), avail).await.body["id"].as_i64().unwrap();
    subscribe(&app, &token, json!({"source": "availability", "availability_id": avail_id})).await;
    // Day 2: outside the window. Day 3, 09:00–12:00: inside it.
    publish(&app, "家庭保洁员（日结）", &employer, 3500).await;
    let mut body = shift_body();
    body["slots"] = json!([{"start": at(3, 9), "end": at(3, 12)}]);
    let fits = app.post("/api/v1/shifts", Some(&employer), body).await.body["id"].as_i64().unwrap();
    let out = run_match(&db, &s, now()).await;
    assert_eq!(out.mailed, 1, "{out:?}");
    assert_eq!(alert_mails(&db).await[0].2["shift"]["shift_id"], fits);
    // Switching the availability off silences its alert.
    app.patch(&format!("/api/v1/availability/{avail_id}"), Some(&token), json!({"active": false})).await.assert(200);
    let mut body = shift_body();
    body["slots"] = json!([{"start": at(3, 13), "end": at(3, 16)}]);
    app.post("/api/v1/shifts", Some(&employer), body).await.assert(201);
    assert_eq!(run_match(&db, &s, now()).await.mailed, 0);
}

#[tokio::test]
async fn daily_digest_gathers_the_days_shifts_into_one_mail() {
    let app = app().await;
    let (db, s) = (db(&app), Settings::from_config(&app.config));
    let (employer, _) = app.employer(true).await;
    let (token, email) = worker(&app).await;
    subscribe(&app, &token, saved_search("daily")).await;
    let a = publish(&app, "家庭保洁员（日结）", &employer, 4500).await;
    let b = publish(&app, "保洁员 写字楼", &employer, 5000).await;
    let out = run_match(&db, &s, now()).await;
    assert_eq!((out.recorded, out.mailed), (2, 0), "daily alerts wait for the digest: {out:?}");

    let digest_at = next_local(app.config.alerts.digest_hour);
    assert_eq!(run_digests(&db, &s, digest_at - chrono::Duration::hours(1)).await, 0, "not before the hour");
    assert_eq!(run_digests(&db, &s, digest_at).await, 1);
    assert_eq!(run_digests(&db, &s, digest_at + chrono::Duration::minutes(5)).await, 0, "once a day");
    let mails = alert_mails(&db).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (kind, to, payload) = &mails[0];
    assert_eq!(kind, "alert_digest");
    assert_eq!(to.as_deref(), Some(email.as_str()));
    let ids: Vec<i64> = payload["shifts"].as_array().unwrap().iter().map(|s| s["shift_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [a, b]);
    let m = render(kind, payload, &email);
    assert!(m.subject.contains("2 个新岗位"), "{}", m.subject);
    assert!(m.body.contains("50.00 元/小时") && m.body.contains("45.00 元/小时"), "{}", m.body);
    // The next day has nothing new: no mail.
    assert_eq!(run_digests(&db, &s, digest_at + chrono::Duration::days(1)).await, 0);
    assert_eq!(alert_mails(&db).await.len(), 1);
}

#[tokio::test]
async fn unsubscribe_link_works_without_login_and_stops_alerts() {
    let app = app().await;
    let (db, s) = (db(&app), Settings::from_config(&app.config));
    let (employer, _) = app.employer(true).await;
    let (token, _) = worker(&app).await;
    let id = subscribe(&app, &token, saved_search("instant")).await;
    publish(&app, "家庭保洁员（日结）", &employer, 4500).await;
    run_match(&db, &s, now()).await;
    let url = alert_mails(&db).await[0].2["unsubscribe_url"].as_str().unwrap().to_string();
    let path = url.strip_prefix(&app.config.server.public_url).unwrap().to_string();

    // Opening the link shows a page and changes nothing: mail scanners open links too.
    let page = app.get(&path, None).await;
    page.assert(200);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text.contains("退订") && page.text.contains("Unsubscribe") && page.text.contains("method=\"post\""), "{}", page.text);
    assert_eq!(app.get("/api/v1/workers/me/alerts", Some(&token)).await.body["items"][0]["active"], true);

    // RFC 8058 one-click: a form POST to the same address, no sign-in.
    let r = app
        .client
        .post(format!("{}{}", app.addr, path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("已退订"));
    let list = app.get("/api/v1/workers/me/alerts", Some(&token)).await;
    assert_eq!(list.body["items"][0]["id"], id);
    assert_eq!(list.body["items"][0]["active"], false);
    // Again: still fine. The page now says so.
    app.req(reqwest::Method::POST, &path, None, None).await.assert(200);
    assert!(app.get(&path, None).await.text.contains("已退订"));

    publish(&app, "家庭保洁员（日结）", &employer, 4600).await;
    assert_eq!(run_match(&db, &s, now()).await.mailed, 0);
    assert_eq!(alert_mails(&db).await.len(), 1, "no alert after unsubscribing");

    let bad = app.get("/api/v1/alerts/unsubscribe?token=not-a-token", None).await;
    bad.assert(404);
    assert!(bad.text.contains("链接无效"));
    app.get("/api/v1/alerts/unsubscribe", None).await.assert(404);
    app.req(reqwest::Method::POST, "/api/v1/alerts/unsubscribe?token=nope", None, None).await.assert(404);
}

#[tokio::test]
async fn racing_job_runs_send_each_shift_once() {
    let app = app().await;
    let s = Settings::from_config(&app.config);
    let (employer, _) = app.employer(true).await;
    let mut emails = Vec::new();
    for _ in 0..3 {
        let (token, email) = worker(&app).await;
        subscribe(&app, &token, saved_search("instant")).await;
        emails.push(email);
    }
    let (daily, _) = worker(&app).await;
    subscribe(&app, &daily, saved_search("daily")).await;
    for title in ["家庭保洁员（日结）", "保洁员 写字楼", "保洁 小区"] {
        publish(&app, title, &employer, 4500).await;
    }
    // Four "replicas", each with its own pool, run the matching job at the same moment.
    let at = now();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (replica, s) = (db(&app), s.clone());
        tasks.push(tokio::spawn(async move { run_match(&replica, &s, at).await }));
    }
    let mut total = Outcome::default();
    for t in tasks {
        let o = t.await.unwrap();
        total.recorded += o.recorded;
        total.mailed += o.mailed;
    }
    assert_eq!((total.recorded, total.mailed), (12, 9), "{total:?}");
    let db = db(&app);
    let mails = alert_mails(&db).await;
    assert_eq!(mails.len(), 9);
    let mut pairs: Vec<(String, i64)> = mails.iter().map(|(_, to, p)| (to.clone().unwrap(), p["shift"]["shift_id"].as_i64().unwrap())).collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), 9, "no worker got the same shift twice");
    let rows: i64 = db.run(|c| Ok(alert_deliveries::table.count().get_result(c)?)).await.unwrap();
    assert_eq!(rows, 12);

    // The daily digests race too: one mail.
    let digest_at = next_local(app.config.alerts.digest_hour);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (replica, s) = (lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap(), s.clone());
        tasks.push(tokio::spawn(async move { run_digests(&replica, &s, digest_at).await }));
    }
    let mut digests = 0;
    for t in tasks {
        digests += t.await.unwrap();
    }
    assert_eq!(digests, 1);
    let digest = alert_mails(&db).await.into_iter().filter(|m| m.0 == "alert_digest").collect::<Vec<_>>();
    assert_eq!(digest.len(), 1);
    assert_eq!(digest[0].2["shifts"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_background_job_mails_alerts() {
    let app = spawn_with(|c| {
        c.alerts.poll_interval_secs = 1;
        c.mail.poll_interval_ms = 50;
    })
    .await;
    let db = db(&app);
    let (employer, _) = app.employer(true).await;
    let (token, email) = worker(&app).await;
    subscribe(&app, &token, saved_search("instant")).await;
    publish(&app, "家庭保洁员（日结）", &employer, 4500).await;
    let started = std::time::Instant::now();
    loop {
        let rows: Vec<(String, Option<String>, String)> = db
            .run(|c| Ok(outbox::table.filter(outbox::kind.eq("alert_match")).select((outbox::kind, outbox::recipient, outbox::status)).load(c)?))
            .await
            .unwrap();
        if rows.iter().any(|r| r.1.as_deref() == Some(email.as_str()) && r.2 == "sent") {
            assert_eq!(rows.len(), 1);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no alert mail sent: {rows:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn subscriptions_are_validated_listed_and_deleted() {
    let app = app().await;
    let (token, _) = worker(&app).await;
    let (other, _) = worker(&app).await;
    let theirs = app.post("/api/v1/availability", Some(&other), availability_body()).await.body["id"].as_i64().unwrap();

    let r = app.post("/api/v1/workers/me/alerts", Some(&token), json!({})).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["source"]);

    let r = app
        .post("/api/v1/workers/me/alerts", Some(&token), json!({"source": "search", "q": "，。", "lat": 95, "radius_km": 0, "categories": ["astronaut"], "min_pay": {"amount_fen": 0, "unit": "hour"}, "frequency": "weekly"}))
        .await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["frequency", "q", "lat", "lng", "radius_km", "categories[0]", "min_pay.amount_fen"]);
    assert_eq!(r.field_code("frequency").unwrap(), "invalid_choice");
    assert_eq!(r.field_code("q").unwrap(), "no_words");

    let r = app
        .post(
            "/api/v1/workers/me/alerts",
            Some(&token),
            json!({"source": "availability", "availability_id": theirs, "lat": 39.9, "min_pay": {"amount_fen": 3000, "unit": "hour"}}),
        )
        .await;
    assert_eq!(r.fields(), ["availability_id", "lat", "min_pay"]);
    assert_eq!(r.field_code("availability_id").unwrap(), "unknown_availability");
    assert_eq!(r.field_code("lat").unwrap(), "not_allowed");
    // English on request, like every error.
    let en = app
        .client
        .post(format!("{}/api/v1/workers/me/alerts", app.addr))
        .bearer_auth(&token)
        .header("Accept-Language", "en")
        .json(&json!({"source": "availability"}))
        .send()
        .await
        .unwrap();
    let en: Value = en.json().await.unwrap();
    assert_eq!(en["error"]["fields"][0]["message"], "this field is required");
    // A wrongly typed or unknown field names itself.
    let r = app.post("/api/v1/workers/me/alerts", Some(&token), json!({"source": "search", "radius": 5})).await;
    r.assert_error(422, "validation_failed");
    assert_eq!(r.fields(), ["radius"]);

    let first = subscribe(&app, &token, saved_search("instant")).await;
    let second = subscribe(&app, &token, json!({"source": "search", "lat": 39.92, "lng": 116.46, "radius_km": 3, "frequency": "daily"})).await;
    let list = app.get("/api/v1/workers/me/alerts?limit=1", Some(&token)).await;
    list.assert(200);
    assert_eq!(list.body["items"][0]["id"], second);
    assert_eq!(list.body["items"][0]["frequency"], "daily");
    assert!(list.body["items"][0].get("unsubscribe_token").is_none());
    let next = list.body["next_cursor"].as_str().unwrap();
    let list = app.get(&format!("/api/v1/workers/me/alerts?limit=1&cursor={next}"), Some(&token)).await;
    assert_eq!(list.body["items"][0]["id"], first);
    assert_eq!(list.body["items"][0]["q"], "保洁");
    assert_eq!(list.body["items"][0]["min_pay"], json!({"amount_fen": 4000, "unit": "hour"}));

    app.delete(&format!("/api/v1/workers/me/alerts/{first}"), Some(&other)).await.assert_error(403, "forbidden");
    app.delete(&format!("/api/v1/workers/me/alerts/{first}"), Some(&token)).await.assert(204);
    app.delete(&format!("/api/v1/workers/me/alerts/{first}"), Some(&token)).await.assert_error(404, "not_found");
    assert_eq!(app.get("/api/v1/workers/me/alerts", Some(&token)).await.body["items"].as_array().unwrap().len(), 1);

    // Workers only, with a profile; signed in.
    let (employer, _) = app.employer(false).await;
    app.post("/api/v1/workers/me/alerts", Some(&employer), saved_search("instant")).await.assert_error(403, "forbidden");
    let (bare, _, _) = app.register("worker").await;
    app.post("/api/v1/workers/me/alerts", Some(&bare), saved_search("instant")).await.assert_error(409, "worker_profile_required");
    app.get("/api/v1/workers/me/alerts", None).await.assert_error(401, "unauthorized");

    let doc = app.get("/api/v1/openapi.json", None).await;
    for (path, method) in [
        ("/api/v1/workers/me/alerts", "post"),
        ("/api/v1/workers/me/alerts", "get"),
        ("/api/v1/workers/me/alerts/{id}", "delete"),
        ("/api/v1/alerts/unsubscribe", "get"),
        ("/api/v1/alerts/unsubscribe", "post"),
    ] {
        assert!(doc.body["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
}

#[tokio::test]
async fn a_worker_keeps_a_bounded_number_of_alerts() {
    let app = spawn_with(|c| {
        c.alerts.enabled = false;
        c.alerts.max_per_worker = 2;
    })
    .await;
    let (token, _) = worker(&app).await;
    subscribe(&app, &token, saved_search("instant")).await;
    subscribe(&app, &token, saved_search("daily")).await;
    app.post("/api/v1/workers/me/alerts", Some(&token), saved_search("daily")).await.assert_error(409, "too_many_alerts");
}
