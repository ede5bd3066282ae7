//! From match to paid shift, through the API: applications and instant claims, the waiting list,
//! invitations, check-in and check-out, the timers (with the app's clock moved, not slept),
//! completion and pay, arrears reports, privacy of contact details, ratings and the calendar feed.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Value, json};

use crate::helpers::*;

async fn post_shift(app: &TestApp, token: &str, take_mode: &str, headcount: i64, slots: Value) -> i64 {
    let mut b = shift_body();
    b["take_mode"] = json!(take_mode);
    b["headcount"] = json!(headcount);
    b["slots"] = slots;
    b["valid_through"] = json!(at(5, 0));
    let r = app.post("/api/v1/shifts", Some(token), b).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published", "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn one_slot(day: i64) -> Value {
    json!([{"start": at(day, 8), "end": at(day, 12)}])
}

fn instant(s: &str) -> NaiveDateTime {
    DateTime::parse_from_rfc3339(s).unwrap().naive_utc()
}

/// Moves the app's clock to `rfc3339` (forward only).
fn move_to(app: &TestApp, rfc3339: &str) {
    let by = instant(rfc3339) - app.clock.now();
    assert!(by >= chrono::Duration::zero(), "the clock only moves forward");
    app.clock.advance(by);
}

async fn apply(app: &TestApp, shift: i64, token: &str) -> Resp {
    app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(token), json!({})).await
}

async fn act(app: &TestApp, id: i64, action: &str, token: &str, body: Value) -> Resp {
    app.post(&format!("/api/v1/engagements/{id}/{action}"), Some(token), body).await
}

async fn shift_status(app: &TestApp, shift: i64) -> String {
    app.get(&format!("/api/v1/shifts/{shift}"), None).await.body["status"].as_str().unwrap().to_string()
}

/// Runs the engagement timers once at the app's current time, as the background job would.
async fn run_timers(app: &TestApp) -> lingong::jobs::engagement_timers::TimerRun {
    let db = lingong::db::Db::connect(&app.db.url, 1, Duration::from_secs(5)).unwrap();
    let (cfg, now) = (app.config.engagements.clone(), app.clock.now());
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        lingong::jobs::engagement_timers::run_timers(&db, &mut conn, &cfg, now).unwrap()
    })
    .await
    .unwrap()
}

fn has_mail(mails: &[(String, Value)], kind: &str, engagement: i64) -> bool {
    mails.iter().any(|(k, p)| k == kind && p["engagement_id"] == engagement)
}

#[tokio::test]
async fn an_applied_shift_goes_from_application_to_paid_and_rated() {
    let app = spawn_app().await;
    let (employer, employer_id) = app.employer(true).await;
    let (worker, worker_id) = app.worker().await;
    let shift = post_shift(&app, &employer, "apply", 2, one_slot(2)).await;

    let r = apply(&app, shift, &worker).await;
    r.assert(201);
    assert_eq!(r.body["state"], "applied");
    assert!(r.body["employer"]["contact_phone"].is_null(), "the employer's contact waits for confirmation");
    let id = r.body["id"].as_i64().unwrap();
    apply(&app, shift, &worker).await.assert_error(409, "already_engaged");

    // The employer sees the applicant's name and phone, and the worker's record.
    let list = app.get(&format!("/api/v1/employers/me/engagements?state=applied&shift_id={shift}"), Some(&employer)).await;
    list.assert(200);
    let item = &list.body["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["worker"]["id"], worker_id);
    assert_eq!(item["worker"]["name"], "李秀英");
    assert!(item["worker"]["phone"].as_str().is_some_and(|p| p.starts_with("139")));
    assert_eq!(item["worker"]["stats"]["window_days"], 90);

    // A worker cannot accept their own application: 409 naming the state.
    let r = act(&app, id, "accept", &worker, json!({})).await;
    r.assert_error(409, "illegal_transition");
    assert!(r.body["error"]["message"].as_str().unwrap().contains("applied"));

    let r = act(&app, id, "accept", &employer, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "confirmed");
    let mine = app.get("/api/v1/workers/me/engagements?state=confirmed", Some(&worker)).await;
    assert_eq!(mine.body["items"][0]["employer"]["contact_phone"], "13812345678", "confirmed: the worker sees the contact");
    assert_eq!(mine.body["items"][0]["employer"]["id"], employer_id);

    // Checked in 20 minutes late, 4.5 km away: flagged, not refused.
    let slot_start = at(2, 8);
    move_to(&app, &slot_start);
    app.clock.advance(chrono::Duration::minutes(20));
    let r = act(&app, id, "check-in", &worker, json!({"lat": 39.95, "lng": 116.46})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "checked_in");
    let att = &r.body["attendance"][0];
    assert!(att["check_in_distance_m"].as_i64().unwrap() > 4000);
    let flags: Vec<&str> = att["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(flags.contains(&"far_check_in") && flags.contains(&"late_check_in"), "{flags:?}");
    act(&app, id, "check-in", &worker, json!({"lat": 39.95, "lng": 116.46})).await.assert_error(409, "illegal_transition");
    act(&app, id, "complete", &worker, json!({})).await.assert_error(409, "illegal_transition");

    app.clock.advance(chrono::Duration::minutes(210));
    let r = act(&app, id, "check-out", &worker, json!({"lat": 39.9087, "lng": 116.4605})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "checked_out");
    assert_eq!(r.body["attendance"][0]["check_out_distance_m"], 0);

    // The employer confirms the record, then completes: 08:20–11:50 is 3.5 h at 35 元/h = 122.50 元.
    let slot_id = r.body["slots"][0]["id"].as_i64().unwrap();
    let r = app.put(&format!("/api/v1/engagements/{id}/attendance/{slot_id}"), Some(&employer), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["attendance"][0]["confirmed"], true);
    let r = act(&app, id, "complete", &employer, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "completed");
    assert_eq!(r.body["hours"], 3.5);
    assert_eq!(r.body["computed_amount_fen"], 12250);
    assert_eq!(r.body["amount_fen"], 12250);
    // 日结: due by the end of that day.
    assert!(r.body["due_at"].as_str().unwrap().ends_with("T00:00:00+08:00"), "{}", r.body["due_at"]);
    let seen = app.get(&format!("/api/v1/engagements/{id}"), Some(&worker)).await;
    assert_eq!(seen.body["amount_fen"], 12250, "the amount is shown to both sides");

    let r = act(&app, id, "confirm-paid", &worker, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "paid");
    act(&app, id, "dispute", &worker, json!({"reason": "少了"})).await.assert_error(409, "illegal_transition");

    // Every transition is on record, with who and when.
    let full = app.get(&format!("/api/v1/engagements/{id}"), Some(&employer)).await;
    let trail: Vec<(String, String)> = full.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["to_state"].as_str().unwrap().to_string(), e["actor_role"].as_str().unwrap().to_string()))
        .collect();
    let expected =
        [("applied", "worker"), ("confirmed", "employer"), ("checked_in", "worker"), ("checked_out", "worker"), ("completed", "employer"), ("paid", "worker")];
    assert_eq!(trail, expected.map(|(a, b)| (a.to_string(), b.to_string())));

    // Both sides rate once; a change is allowed for a while, then locked.
    app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&worker), json!({"score": 5, "comment": "结算及时"})).await.assert(201);
    let r = app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&employer), json!({"score": 4})).await;
    r.assert(201);
    app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&employer), json!({"score": 5, "comment": "认真负责"})).await.assert(200);
    app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&employer), json!({"score": 9})).await.assert_error(422, "validation_failed");
    app.clock.advance(chrono::Duration::hours(49));
    app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&employer), json!({"score": 1})).await.assert_error(409, "rating_locked");

    let me = app.get("/api/v1/workers/me", Some(&worker)).await;
    assert_eq!(me.body["stats"]["rating_avg"], 5.0);
    assert_eq!(me.body["stats"]["completed"], 1);
    assert_eq!(me.body["stats"]["no_show_rate"], 0.0);
    let profile = app.get(&format!("/api/v1/employers/{employer_id}"), None).await;
    assert_eq!(profile.body["stats"]["rating_count"], 1);
    assert!(profile.body["stats"]["no_show_rate"].is_null());

    let mails = mail_kinds(&app).await;
    for kind in ["application_received", "application_accepted", "pay_due"] {
        assert!(has_mail(&mails, kind, id), "{kind} mail queued: {mails:?}");
    }
}

#[tokio::test]
async fn instant_claims_fill_the_shift_and_a_cancellation_reopens_it() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "instant", 2, one_slot(3)).await;
    let (w1, _) = app.worker().await;
    let (w2, _) = app.worker().await;
    let (w3, _) = app.worker().await;

    let r = apply(&app, shift, &w1).await;
    r.assert(201);
    assert_eq!(r.body["state"], "confirmed");
    assert_eq!(r.body["origin"], "claim");
    let first = r.body["id"].as_i64().unwrap();
    apply(&app, shift, &w2).await.assert(201);
    assert_eq!(shift_status(&app, shift).await, "filled");
    apply(&app, shift, &w3).await.assert_error(409, "shift_full");

    // Cancelling days ahead is not late; the place is free again and w3 takes it.
    let r = act(&app, first, "cancel", &w1, json!({"reason": "家里有事"})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "cancelled");
    assert!(r.body["late_cancel_by"].is_null());
    assert_eq!(shift_status(&app, shift).await, "published");
    apply(&app, shift, &w3).await.assert(201);
    assert_eq!(shift_status(&app, shift).await, "filled");

    // A filled shift leaves search (through the change log).
    let start = std::time::Instant::now();
    loop {
        let r = app.get("/api/v1/shifts/search?limit=100", None).await;
        if !r.body["items"].as_array().unwrap().iter().any(|i| i["shift"]["id"] == shift) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "a filled shift stays in search");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let mails = mail_kinds(&app).await;
    assert!(has_mail(&mails, "claim_confirmed", first));
    assert!(has_mail(&mails, "place_reoffered", first), "the employer is told the place is open again");
}

#[tokio::test]
async fn a_freed_place_goes_to_the_waiting_list_and_late_cancellations_count() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "apply", 1, one_slot(2)).await;
    let (w1, _) = app.worker().await;
    let (w2, _) = app.worker().await;
    let (w3, _) = app.worker().await;
    let e1 = apply(&app, shift, &w1).await.body["id"].as_i64().unwrap();
    act(&app, e1, "accept", &employer, json!({})).await.assert(200);
    assert_eq!(shift_status(&app, shift).await, "filled");

    let r = apply(&app, shift, &w2).await;
    r.assert(201);
    assert_eq!(r.body["waitlist_position"], 1);
    let e2 = r.body["id"].as_i64().unwrap();
    let e3 = apply(&app, shift, &w3).await.body["id"].as_i64().unwrap();
    act(&app, e3, "accept", &employer, json!({})).await.assert_error(409, "shift_full");

    // Two hours before the start, w1 cancels: late, on record, and w2 is offered the place.
    let start = instant(&at(2, 8));
    app.clock.advance(start - app.clock.now() - chrono::Duration::hours(2));
    let r = act(&app, e1, "cancel", &w1, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["late_cancel_by"], "worker");
    let offered = app.get(&format!("/api/v1/engagements/{e2}"), Some(&w2)).await;
    assert_eq!(offered.body["state"], "invited");
    assert!(offered.body["waitlist_position"].is_null());
    let events = offered.body["events"].as_array().unwrap();
    assert_eq!(events.last().unwrap()["actor_role"], "system");
    let r = act(&app, e2, "accept", &w2, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "confirmed");
    assert_eq!(shift_status(&app, shift).await, "filled");

    // The employer cancels w2 (late, on their side); w3, next in line, turns the offer down and
    // it passes to w4.
    let (w4, _) = app.worker().await;
    let r = apply(&app, shift, &w4).await;
    assert_eq!(r.body["waitlist_position"], 3);
    let e4 = r.body["id"].as_i64().unwrap();
    let r = act(&app, e2, "cancel", &employer, json!({"reason": "岗位调整"})).await;
    assert_eq!(r.body["late_cancel_by"], "employer");
    assert_eq!(app.get(&format!("/api/v1/engagements/{e3}"), Some(&w3)).await.body["state"], "invited");
    act(&app, e3, "decline", &w3, json!({})).await.assert(200);
    assert_eq!(app.get(&format!("/api/v1/engagements/{e4}"), Some(&w4)).await.body["state"], "invited");
    act(&app, e4, "accept", &w4, json!({})).await.assert(200);
    assert_eq!(shift_status(&app, shift).await, "filled");

    let mails = mail_kinds(&app).await;
    assert!(has_mail(&mails, "waitlist_offer", e2));
    assert!(has_mail(&mails, "place_reoffered", e1), "the employer is told: {mails:?}");
    assert!(has_mail(&mails, "engagement_cancelled", e2), "the worker the employer cancelled is told");
    assert!(has_mail(&mails, "waitlist_offer", e4));
    let history = app.get(&format!("/api/v1/engagements/{e1}"), Some(&w1)).await;
    let late = history.body["events"].as_array().unwrap().iter().filter(|e| e["late_cancel"] == true).count();
    assert_eq!(late, 1);
    let me = app.get("/api/v1/workers/me", Some(&w1)).await;
    assert_eq!(me.body["stats"]["late_cancel_rate"], 1.0);
}

/// 100 workers claim 3 places at once: exactly 3 get them, 97 are told the shift is full. With
/// `replicas = 2` the claims are split over two app instances on the same database.
async fn claim_race(replicas: usize) {
    let app = spawn_app().await;
    let mut addrs = vec![app.addr.clone()];
    if replicas > 1 {
        let cfg = test_config(&app.db, |c| c.redis.key_prefix = app.config.redis.key_prefix.clone());
        let b = lingong::app::Application::build(cfg).await.unwrap();
        addrs.push(format!("http://127.0.0.1:{}", b.port()));
        tokio::spawn(b.run_until_stopped());
    }
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "instant", 3, one_slot(2)).await;
    // The accounts are made ten at a time (what is raced is the claims, not sign-up, whose
    // password hashing would otherwise queue 100 requests past the server's timeouts on 2 cores).
    let mut workers = Vec::new();
    for _ in 0..10 {
        workers.extend(futures_util::future::join_all((0..10).map(|_| app.worker())).await);
    }
    let claims = workers.iter().enumerate().map(|(i, (token, _))| {
        let url = format!("{}/api/v1/shifts/{shift}/applications", addrs[i % addrs.len()]);
        let (client, token) = (app.client.clone(), token.clone());
        async move {
            let r = client.post(url).bearer_auth(token).json(&json!({})).send().await.unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, body)
        }
    });
    let results = futures_util::future::join_all(claims).await;
    let won = results.iter().filter(|(s, b)| *s == 201 && b["state"] == "confirmed").count();
    let full = results.iter().filter(|(s, b)| *s == 409 && b["error"]["code"] == "shift_full").count();
    let other: Vec<_> = results.iter().filter(|(s, _)| *s != 201 && *s != 409).collect();
    assert!(other.is_empty(), "unexpected answers: {other:?}");
    assert_eq!((won, full), (3, 97));
    let list = app.get(&format!("/api/v1/employers/me/engagements?shift_id={shift}&limit=100"), Some(&employer)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(shift_status(&app, shift).await, "filled");
}

#[tokio::test]
async fn a_hundred_simultaneous_claims_for_three_places() {
    claim_race(1).await;
}

#[tokio::test]
async fn simultaneous_claims_across_two_app_instances() {
    claim_race(2).await;
}

#[tokio::test]
async fn timers_close_forgotten_checkouts_record_no_shows_and_overdue_pay() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "instant", 3, one_slot(2)).await;
    let (w1, _) = app.worker().await;
    let (w2, _) = app.worker().await;
    let e1 = apply(&app, shift, &w1).await.body["id"].as_i64().unwrap();
    let e2 = apply(&app, shift, &w2).await.body["id"].as_i64().unwrap();
    assert_eq!(run_timers(&app).await, Default::default(), "nothing is due before the start");

    move_to(&app, &at(2, 8));
    app.clock.advance(chrono::Duration::minutes(5));
    act(&app, e1, "check-in", &w1, json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    app.clock.advance(chrono::Duration::minutes(26));
    let run = run_timers(&app).await;
    assert_eq!((run.no_shows, run.auto_checkouts), (1, 0));
    assert_eq!(app.get(&format!("/api/v1/engagements/{e2}"), Some(&w2)).await.body["state"], "no_show");
    assert_eq!(run_timers(&app).await.no_shows, 0, "recorded once");

    // w1 forgets to check out: closed at the slot's end (not later) once the grace period is over.
    move_to(&app, &at(2, 12));
    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(run_timers(&app).await.auto_checkouts, 0);
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(run_timers(&app).await.auto_checkouts, 1);
    let r = app.get(&format!("/api/v1/engagements/{e1}"), Some(&employer)).await;
    assert_eq!(r.body["state"], "checked_out");
    assert_eq!(r.body["attendance"][0]["check_out"], at(2, 12));
    assert!(r.body["flags"].as_array().unwrap().contains(&json!("auto_checkout")));

    // Completed with the recorded hours (08:05–12:00), then unpaid past the daily due date + grace.
    let r = act(&app, e1, "complete", &employer, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["computed_amount_fen"], (3500 * 235 + 30) / 60);
    app.post(&format!("/api/v1/engagements/{e1}/arrears-report"), Some(&w1), json!({})).await.assert_error(409, "not_overdue");
    move_to(&app, &at(3, 23));
    assert_eq!(run_timers(&app).await.overdue, 0, "24 hours of grace after the due date");
    move_to(&app, &at(4, 0));
    assert_eq!(run_timers(&app).await.overdue, 1);
    assert_eq!(app.get(&format!("/api/v1/engagements/{e1}"), Some(&w1)).await.body["state"], "overdue");

    // One step to a wage-arrears report with the facts filled in; it reaches moderation.
    let r = app.post(&format!("/api/v1/engagements/{e1}/arrears-report"), Some(&w1), json!({"note": "多次催要未果"})).await;
    r.assert(201);
    assert_eq!(r.body["kind"], "wage_arrears");
    assert_eq!(r.body["target_id"], shift);
    let text = r.body["description"].as_str().unwrap();
    assert!(text.contains(&format!("用工编号 {e1}")) && text.contains("多次催要未果"), "{text}");
    app.post(&format!("/api/v1/engagements/{e1}/arrears-report"), Some(&w1), json!({})).await.assert_error(409, "already_reported");
    let moderator = app.staff("moderator").await;
    let q = app.get("/api/v1/moderation/queue", Some(&moderator)).await;
    assert!(q.text.contains("wage_arrears"), "{}", q.text);

    let mails = mail_kinds(&app).await;
    assert!(has_mail(&mails, "no_show_recorded", e2));
    assert!(has_mail(&mails, "pay_overdue", e1));
    let me = app.get("/api/v1/workers/me", Some(&w2)).await;
    assert_eq!(me.body["stats"]["no_show_rate"], 1.0);
}

#[tokio::test]
async fn moves_out_of_turn_are_refused_with_the_current_state() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (other_employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "apply", 2, one_slot(2)).await;
    let (worker, _) = app.worker().await;
    let (stranger, _) = app.worker().await;
    let id = apply(&app, shift, &worker).await.body["id"].as_i64().unwrap();

    for (action, token) in [
        ("check-in", &worker),
        ("complete", &employer),
        ("confirm-paid", &worker),
        ("dispute", &worker),
        ("cancel", &worker),
        ("withdraw", &employer),
        ("check-out", &worker),
    ] {
        let r = act(&app, id, action, token, json!({"lat": 39.9, "lng": 116.4})).await;
        r.assert_error(409, "illegal_transition");
        assert!(r.body["error"]["message"].as_str().unwrap().contains("applied"), "{action}: {}", r.text);
    }
    let r = app.req(reqwest::Method::POST, &format!("/api/v1/engagements/{id}/accept"), Some(&worker), None).await;
    r.assert_error(409, "illegal_transition");
    act(&app, id, "no-show", &employer, json!({})).await.assert_error(404, "route_not_found");
    act(&app, id, "accept", &stranger, json!({})).await.assert_error(404, "not_found");
    act(&app, id, "accept", &other_employer, json!({})).await.assert_error(404, "not_found");
    act(&app, id, "accept", &employer, json!({"bogus": 1})).await.assert_error(422, "validation_failed");

    act(&app, id, "withdraw", &worker, json!({})).await.assert(200);
    let r = act(&app, id, "accept", &employer, json!({})).await;
    r.assert_error(409, "illegal_transition");
    assert!(r.body["error"]["message"].as_str().unwrap().contains("withdrawn"));
    let en =
        app.client.post(format!("{}/api/v1/engagements/{id}/accept", app.addr)).bearer_auth(&employer).header("Accept-Language", "en").send().await.unwrap();
    let body: Value = en.json().await.unwrap();
    assert_eq!(body["error"]["message"], "the engagement is withdrawn; accept is not possible now");
    app.get("/api/v1/workers/me/engagements?state=nonsense", Some(&worker)).await.assert_error(422, "validation_failed");
}

#[tokio::test]
async fn contact_details_wait_for_the_rules_and_key_groups_never_reach_employers() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "apply", 2, one_slot(2)).await;
    let (worker, worker_id) = app.worker().await;
    app.put("/api/v1/workers/me", Some(&worker), json!({"display_name": "张桂兰", "skills": ["cleaning"], "key_groups": ["laid_off", "age_40_50"]}))
        .await
        .assert(200);
    make_available(&app, &worker, worker_id, shift, &employer).await;

    // Invited, not yet answered: the employer knows the worker only by id.
    let r = app.post(&format!("/api/v1/shifts/{shift}/invitations"), Some(&employer), json!({"worker_id": worker_id})).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["state"], "invited");
    assert!(r.body["worker"]["name"].is_null() && r.body["worker"]["phone"].is_null(), "{}", r.text);
    app.post(&format!("/api/v1/shifts/{shift}/invitations"), Some(&employer), json!({"worker_id": worker_id})).await.assert_error(409, "already_engaged");
    let seen = app.get(&format!("/api/v1/engagements/{id}"), Some(&worker)).await;
    assert!(seen.body["employer"]["contact_phone"].is_null(), "not confirmed yet");
    assert!(has_mail(&mail_kinds(&app).await, "invitation", id));

    let r = act(&app, id, "accept", &worker, json!({})).await;
    r.assert(200);
    assert_eq!(r.body["employer"]["contact_name"], "王经理");
    let e = app.get(&format!("/api/v1/engagements/{id}"), Some(&employer)).await;
    assert_eq!(e.body["worker"]["name"], "张桂兰");
    assert!(e.body["worker"]["phone"].is_string());
    for text in [&e.text, &app.get("/api/v1/employers/me/engagements", Some(&employer)).await.text] {
        assert!(!text.contains("key_groups") && !text.contains("laid_off") && !text.contains("age_40_50"), "{text}");
    }
    // The worker's own profile still has them.
    assert!(app.get("/api/v1/workers/me", Some(&worker)).await.text.contains("laid_off"));

    // A declined invitation never shows the worker's details.
    let (w2, w2_id) = app.worker().await;
    make_available(&app, &w2, w2_id, shift, &employer).await;
    let id2 = app.post(&format!("/api/v1/shifts/{shift}/invitations"), Some(&employer), json!({"worker_id": w2_id})).await.body["id"].as_i64().unwrap();
    act(&app, id2, "decline", &w2, json!({})).await.assert(200);
    let e2 = app.get(&format!("/api/v1/engagements/{id2}"), Some(&employer)).await;
    assert_eq!(e2.body["state"], "declined");
    assert!(e2.body["worker"]["phone"].is_null());
}

#[tokio::test]
async fn the_calendar_feed_is_private_revocable_rfc5545() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "instant", 2, json!([{"start": at(2, 8), "end": at(2, 12)}, {"start": at(3, 8), "end": at(3, 12)}])).await;
    let (worker, _) = app.worker().await;
    let id = apply(&app, shift, &worker).await.body["id"].as_i64().unwrap();

    let r = app.post("/api/v1/workers/me/calendar-token", Some(&worker), json!({})).await;
    r.assert(201);
    let path = r.body["path"].as_str().unwrap().to_string();
    let res = app.client.get(format!("{}{}", app.addr, path)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = res.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
    assert!(ics.contains(&format!("UID:engagement-{id}-slot-")));
    assert!(ics.contains("DTSTART:") && ics.contains("Z\r\n") && ics.contains("DTSTAMP:"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75), "folded at 75 octets");

    // Rotating kills the old URL; deleting kills the feed.
    let r2 = app.post("/api/v1/workers/me/calendar-token", Some(&worker), json!({})).await;
    let path2 = r2.body["path"].as_str().unwrap().to_string();
    app.get(&path, None).await.assert_error(404, "not_found");
    app.get(&path2, None).await.assert(200);
    app.delete("/api/v1/workers/me/calendar-token", Some(&worker)).await.assert(204);
    app.get(&path2, None).await.assert_error(404, "not_found");
    app.delete("/api/v1/workers/me/calendar-token", Some(&worker)).await.assert_error(404, "not_found");
    app.post("/api/v1/workers/me/calendar-token", Some(&employer), json!({})).await.assert_error(403, "forbidden");
}

#[tokio::test]
async fn moderators_hide_abusive_ratings_on_the_record() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "instant", 1, one_slot(2)).await;
    let (worker, _) = app.worker().await;
    let id = apply(&app, shift, &worker).await.body["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&worker), json!({"score": 1})).await.assert_error(409, "not_completed");
    move_to(&app, &at(2, 8));
    act(&app, id, "check-in", &worker, json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    app.clock.advance(chrono::Duration::hours(4));
    act(&app, id, "check-out", &worker, json!({})).await.assert(200);
    act(&app, id, "complete", &employer, json!({"hours": 4, "amount_fen": 15000})).await.assert(200);
    let r = app.post(&format!("/api/v1/engagements/{id}/rating"), Some(&employer), json!({"score": 1, "comment": "骂人的话"})).await;
    r.assert(201);
    let rating = r.body["id"].as_i64().unwrap();
    let moderator = app.staff("moderator").await;
    app.post(&format!("/api/v1/moderation/ratings/{rating}/hide"), Some(&employer), json!({"reason": "辱骂"})).await.assert_error(403, "forbidden");
    let r = app.post(&format!("/api/v1/moderation/ratings/{rating}/hide"), Some(&moderator), json!({"reason": "含辱骂内容"})).await;
    r.assert(200);
    assert_eq!(r.body["hidden"], true);
    assert!(r.body["comment"].is_null());
    let admin = app.staff("admin").await;
    let audit = app.get(&format!("/api/v1/audit?target_type=rating&target_id={rating}"), Some(&admin)).await;
    assert!(audit.text.contains("rating.hide"), "{}", audit.text);
    let me = app.get("/api/v1/workers/me", Some(&worker)).await;
    assert_eq!(me.body["stats"]["rating_count"], 0, "a hidden rating leaves the average");
}

#[tokio::test]
async fn reliability_from_past_shifts_ranks_workers_for_the_next_one() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let first = post_shift(&app, &employer, "instant", 2, one_slot(2)).await;
    let (steady, _) = app.worker().await;
    let (flaky, _) = app.worker().await;
    let kept = apply(&app, first, &steady).await.body["id"].as_i64().unwrap();
    apply(&app, first, &flaky).await.assert(201);
    // The steady worker comes and is paid; the other never turns up.
    move_to(&app, &at(2, 8));
    act(&app, kept, "check-in", &steady, json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(run_timers(&app).await.no_shows, 1);
    move_to(&app, &at(2, 12));
    act(&app, kept, "check-out", &steady, json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    act(&app, kept, "complete", &employer, json!({})).await.assert(200);

    for t in [&steady, &flaky] {
        let mut a = availability_body();
        a["windows"] = json!({"dated": [{"start": at(3, 0), "end": at(4, 0)}]});
        app.post("/api/v1/availability", Some(t), a).await.assert(201);
    }
    let next = post_shift(&app, &employer, "apply", 1, one_slot(3)).await;
    let path = format!("/api/v1/shifts/{next}/matches");
    eventually(Duration::from_secs(5), || async {
        let r = app.get(&path, Some(&employer)).await;
        r.body["total"] == 2 && r.body["items"].as_array().unwrap().iter().all(|i| i["reasons"]["reliability"].is_number())
    })
    .await;
    let r = app.get(&path, Some(&employer)).await;
    let items = r.body["items"].as_array().unwrap();
    let (a, b) = (items[0]["reasons"]["reliability"].as_f64().unwrap(), items[1]["reasons"]["reliability"].as_f64().unwrap());
    assert!(a > b, "the worker who came ranks first: {}", r.text);
    assert!(items[0]["score"].as_f64().unwrap() > items[1]["score"].as_f64().unwrap(), "{}", r.text);
    let mine = app.get("/api/v1/workers/me", Some(&steady)).await;
    assert_eq!(mine.body["id"], items[0]["worker_id"], "{}", r.text);
}

#[tokio::test]
async fn closing_or_taking_down_a_shift_ends_its_open_engagements_and_tells_the_workers() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer, "apply", 1, one_slot(2)).await;
    let (w1, _) = app.worker().await;
    let (w2, _) = app.worker().await;
    let confirmed = apply(&app, shift, &w1).await.body["id"].as_i64().unwrap();
    act(&app, confirmed, "accept", &employer, json!({})).await.assert(200);
    let waiting = apply(&app, shift, &w2).await.body["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/shifts/{shift}/close"), Some(&employer), json!({})).await.assert(200);
    assert_eq!(app.get(&format!("/api/v1/engagements/{confirmed}"), Some(&w1)).await.body["state"], "cancelled");
    assert_eq!(app.get(&format!("/api/v1/engagements/{waiting}"), Some(&w2)).await.body["state"], "declined");
    let mails = mail_kinds(&app).await;
    for e in [confirmed, waiting] {
        assert!(
            mails.iter().any(|(k, p)| k == "engagement_cancelled" && p["engagement_id"] == e && p["by"] == "shift_closed" && p["why"] == "closed"),
            "{mails:?}"
        );
    }
    // Nothing is left to act on: the closed shift's engagements refuse further moves.
    act(&app, confirmed, "check-in", &w1, json!({"lat": 39.9087, "lng": 116.4605})).await.assert_error(409, "illegal_transition");

    // A moderator's take-down does the same for an instant shift's claims.
    let other = post_shift(&app, &employer, "instant", 2, one_slot(3)).await;
    let claimed = apply(&app, other, &w1).await.body["id"].as_i64().unwrap();
    let moderator = app.staff("moderator").await;
    app.post(&format!("/api/v1/moderation/shifts/{other}/take-down"), Some(&moderator), json!({"reason": "虚假招聘，核实后下架"})).await.assert(200);
    assert_eq!(app.get(&format!("/api/v1/engagements/{claimed}"), Some(&w1)).await.body["state"], "cancelled");
    let mails = mail_kinds(&app).await;
    assert!(mails.iter().any(|(k, p)| k == "engagement_cancelled" && p["engagement_id"] == claimed && p["why"] == "taken_down"), "{mails:?}");
}
