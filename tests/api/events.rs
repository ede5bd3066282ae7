//! Recruitment events (专场招聘) through the API and the pages: one event played from creation to
//! its counts (an employer joins with a shift, a worker registers, the reminder goes once, the
//! QR check-in and its replay, an application and its confirmation), and the hostile variants:
//! forged event ids, other employers' and unpublished shifts, staff outside their district,
//! forged and altered check-in tokens, check-in outside the window, unknown target groups and
//! occupations and every bad field, each answered at its field in both languages, leaving no row.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::pages::PageClient;

fn instant(s: &str) -> NaiveDateTime {
    DateTime::parse_from_rfc3339(s).unwrap().naive_utc()
}

/// Moves the app's clock to `rfc3339` (forward only).
fn move_to(app: &TestApp, rfc3339: &str) {
    let by = instant(rfc3339) - app.clock.now();
    assert!(by >= chrono::Duration::zero(), "the clock only moves forward");
    app.clock.advance(by);
}

/// A valid event on day 2, 09:00–12:00 at 建国路 in 朝阳区, on site and online.
pub fn event_body() -> Value {
    json!({
        "title": "朝阳区高校毕业生专场招聘会",
        "description": "家政、保洁、养老护理等岗位，现场面试。",
        "kind": "both",
        "starts_at": at(2, 9),
        "ends_at": at(2, 12),
        "address": "北京市朝阳区建国路100号",
        "lat": 39.9100,
        "lng": 116.4600,
        "adcode": "110105",
        "online_url": "https://meeting.example.cn/j/20261205",
        "organiser": "朝阳区人力资源和社会保障局",
        "target_groups": ["graduate", "veteran"],
        "categories": ["cleaning"]
    })
}

async fn create_event(app: &TestApp, staff: &str, body: Value) -> Value {
    let r = app.post("/api/v1/events", Some(staff), body).await;
    r.assert(201);
    r.body.clone()
}

/// A published shift of the employer on day 3 (after the event, so it is open during it).
async fn post_shift(app: &TestApp, employer: &str) -> i64 {
    let mut b = shift_body();
    b["slots"] = json!([{"start": at(3, 8), "end": at(3, 12)}]);
    b["valid_through"] = json!(at(3, 0));
    let r = app.post("/api/v1/shifts", Some(employer), b).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

async fn event_rows(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    db.run(|conn| {
        use diesel::prelude::*;
        use lingong::db::schema::*;
        Ok((
            events::table.count().get_result(conn)?,
            event_employers::table.count().get_result(conn)?,
            event_shifts::table.count().get_result(conn)?,
            event_interests::table.count().get_result(conn)?,
            event_checkins::table.count().get_result(conn)?,
        ))
    })
    .await
    .unwrap()
}

async fn run_reminders(app: &TestApp) -> usize {
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    lingong::jobs::event_reminders::run(&db, &app.config.server.public_url, app.clock.now()).await.unwrap().0
}

fn token_of(detail: &Value) -> String {
    let url = detail["check_in_url"].as_str().unwrap_or_else(|| panic!("no check-in url: {detail}"));
    url.split("token=").nth(1).unwrap().to_string()
}

async fn search_ids(app: &TestApp, query: &str) -> Vec<i64> {
    let r = app.get(&format!("/api/v1/shifts/search?{query}"), None).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn an_event_from_creation_to_its_counts() {
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let event = create_event(&app, &staff, event_body()).await;
    let id = event["id"].as_i64().unwrap();
    assert_eq!(event["status"], "published");
    assert_eq!(event["target_groups"], json!(["graduate", "veteran"]));
    assert!(event["check_in_url"].as_str().unwrap().contains(&format!("/events/{id}/check-in?token=")), "{event}");

    // The public sees the event, without its check-in link.
    let public = app.get(&format!("/api/v1/events/{id}"), None).await;
    public.assert(200);
    assert!(public.body["check_in_url"].is_null(), "{}", public.text);
    let listed = app.get("/api/v1/events?group=graduate", None).await;
    assert!(listed.body["items"].as_array().unwrap().iter().any(|e| e["id"] == id), "{}", listed.text);
    assert!(app.get("/api/v1/events?group=laid_off", None).await.body["items"].as_array().unwrap().is_empty());

    // An employer joins and attaches one of two shifts; only that one is the event's in search.
    let (employer, employer_id) = app.employer(true).await;
    let shift = post_shift(&app, &employer).await;
    let other = post_shift(&app, &employer).await;
    app.put(&format!("/api/v1/events/{id}/shifts/{shift}"), Some(&employer), json!({})).await.assert_error(409, "event_not_joined");
    let joined = app.post(&format!("/api/v1/events/{id}/join"), Some(&employer), json!({})).await;
    joined.assert(200);
    assert_eq!(joined.body["joined"], true);
    app.post(&format!("/api/v1/events/{id}/join"), Some(&employer), json!({})).await.assert(200);
    let attached = app.put(&format!("/api/v1/events/{id}/shifts/{shift}"), Some(&employer), json!({})).await;
    attached.assert(200);
    assert_eq!(attached.body["my_shift_ids"], json!([shift]));
    assert_eq!(attached.body["shift_ids"], json!([shift]));
    assert_eq!(attached.body["employers"][0]["id"], employer_id);
    app.put(&format!("/api/v1/events/{id}/shifts/{shift}"), Some(&employer), json!({})).await.assert(200);
    eventually(std::time::Duration::from_secs(5), || async { search_ids(&app, "limit=100").await.contains(&other) }).await;
    assert_eq!(search_ids(&app, &format!("event={id}")).await, vec![shift]);
    assert_eq!(search_ids(&app, &format!("event={id}&q=保洁")).await, vec![shift]);
    assert_eq!(search_ids(&app, &format!("event={id}&lat=39.9087&lng=116.4605&radius_km=3&sort=distance")).await, vec![shift]);
    assert!(search_ids(&app, &format!("event={id}&lat=31.23&lng=121.47&radius_km=3")).await.is_empty(), "the place filters still apply");
    let both = search_ids(&app, "").await;
    assert!(both.contains(&shift) && both.contains(&other), "the search without event is unchanged");

    // A worker (a recent graduate) registers interest; the reminder goes once, a day before.
    let (worker, worker_id) = app.worker().await;
    app.put(
        "/api/v1/workers/me",
        Some(&worker),
        json!({"display_name": "李秀英", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "radius_km": 5, "key_groups": ["graduate"]}),
    )
    .await
    .assert(200);
    let r = app.put(&format!("/api/v1/events/{id}/interest"), Some(&worker), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["interested"], true);
    app.put(&format!("/api/v1/events/{id}/interest"), Some(&worker), json!({})).await.assert(200);
    assert_eq!(run_reminders(&app).await, 0, "two days ahead: not yet");
    let starts = event["starts_at"].as_str().unwrap().to_string();
    move_to(&app, &(DateTime::parse_from_rfc3339(&starts).unwrap() - chrono::Duration::hours(23)).to_rfc3339());
    assert_eq!(run_reminders(&app).await, 1);
    assert_eq!(run_reminders(&app).await, 0, "once per worker per event");
    let inbox = app.get("/api/v1/inbox", Some(&worker)).await;
    let reminders: Vec<&Value> = inbox.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "event_reminder").collect();
    assert_eq!(reminders.len(), 1, "{}", inbox.text);
    assert_eq!(reminders[0]["link"], format!("/api/v1/events/{id}"));
    let mails: Vec<(String, Value)> = mail_kinds(&app).await.into_iter().filter(|(k, _)| k == "event_reminder").collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1["event_id"], id);

    // Check-in by the QR code's token: not before the window, then once, and a replay is the same.
    let token = token_of(&app.get(&format!("/api/v1/events/{id}"), Some(&staff)).await.body);
    let check_in = |t: String| {
        let app = &app;
        let worker = worker.clone();
        async move { app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), json!({"token": t})).await }
    };
    check_in(token.clone()).await.assert_error(409, "not_event_time");
    move_to(&app, &starts);
    let first = check_in(token.clone()).await;
    first.assert(200);
    assert_eq!(first.body["first"], true);
    assert_eq!(first.body["worker_id"], worker_id);
    for _ in 0..3 {
        let again = check_in(token.clone()).await;
        again.assert(200);
        assert_eq!(again.body["first"], false);
        assert_eq!(again.body["checked_in_at"], first.body["checked_in_at"]);
    }
    let me = app.get(&format!("/api/v1/events/{id}"), Some(&worker)).await;
    assert_eq!(me.body["checked_in_at"], first.body["checked_in_at"]);

    // An application and its confirmation on the event's shift.
    let e = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({})).await;
    e.assert(201);
    let eid = e.body["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/engagements/{eid}/accept"), Some(&employer), json!({})).await.assert(200);

    // The counts: the same numbers for everyone; the key groups for staff only.
    let counts = app.get(&format!("/api/v1/events/{id}/counts"), None).await;
    counts.assert(200);
    for (k, v) in [("employers", 1), ("shifts", 1), ("places", 3), ("interested", 1), ("visitors", 1), ("applications", 1), ("hires", 1)] {
        assert_eq!(counts.body[k], v, "{k}: {}", counts.text);
    }
    assert!(counts.body["by_group"].is_null(), "{}", counts.text);
    for token in [&worker, &employer] {
        assert!(app.get(&format!("/api/v1/events/{id}/counts"), Some(token)).await.body["by_group"].is_null());
    }
    let staff_counts = app.get(&format!("/api/v1/events/{id}/counts"), Some(&staff)).await;
    let groups = staff_counts.body["by_group"].as_array().unwrap();
    let graduate = groups.iter().find(|g| g["group"] == "graduate").unwrap();
    assert_eq!((graduate["interested"].as_i64(), graduate["visitors"].as_i64(), graduate["hires"].as_i64()), (Some(1), Some(1), Some(1)));
    let veteran = groups.iter().find(|g| g["group"] == "veteran").unwrap();
    assert_eq!(veteran["visitors"], 0);
    assert!(!staff_counts.text.contains("李秀英"), "counts only, never names");

    // The statistics count the event in its district's figures, and only there.
    let period = format!("from={}&to={}", &at(0, 0)[..10], &at(5, 0)[..10]);
    let extra = |body: &Value| -> std::collections::HashMap<String, i64> {
        body["extra"].as_array().unwrap().iter().map(|x| (x["key"].as_str().unwrap().to_string(), x["value"].as_i64().unwrap())).collect()
    };
    let figures = app.get(&format!("/api/v1/stats?{period}"), Some(&staff)).await;
    figures.assert(200);
    let x = extra(&figures.body);
    assert_eq!((x["events_held"], x["event_employers"], x["event_places"], x["event_visitors"]), (1, 1, 3, 1), "{}", figures.text);
    let elsewhere = app.get(&format!("/api/v1/stats?{period}&district=440305"), Some(&staff)).await;
    assert_eq!(extra(&elsewhere.body)["events_held"], 0, "{}", elsewhere.text);

    // Afterwards the event is over: no more joining or registering.
    move_to(&app, event["ends_at"].as_str().unwrap());
    app.put(&format!("/api/v1/events/{id}/interest"), Some(&worker), json!({})).await.assert_error(409, "event_ended");
    let (late, _) = app.employer(true).await;
    app.post(&format!("/api/v1/events/{id}/join"), Some(&late), json!({})).await.assert_error(409, "event_ended");
    check_in(token.clone()).await.assert(200);
    let (w2, _) = app.worker().await;
    app.post(&format!("/api/v1/events/{id}/check-in"), Some(&w2), json!({"token": token})).await.assert_error(409, "not_event_time");
    assert_eq!(event_rows(&app).await, (1, 1, 1, 1, 1));
}

#[tokio::test]
async fn forged_ids_other_employers_shifts_and_unpublished_shifts_are_refused() {
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let id = create_event(&app, &staff, event_body()).await["id"].as_i64().unwrap();
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer).await;
    let (worker, _) = app.worker().await;
    for forged in ["0", "-1", "999999", "9223372036854775807", "abc", "1.5", "1e3", "%20", "１"] {
        for (method, path, token) in [
            ("GET", format!("/api/v1/events/{forged}"), None),
            ("GET", format!("/api/v1/events/{forged}/counts"), None),
            ("POST", format!("/api/v1/events/{forged}/join"), Some(&employer)),
            ("PUT", format!("/api/v1/events/{forged}/shifts/{shift}"), Some(&employer)),
            ("PUT", format!("/api/v1/events/{forged}/interest"), Some(&worker)),
            ("POST", format!("/api/v1/events/{forged}/cancel"), Some(&staff)),
        ] {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let r = app.req(m, &path, token.map(|t| t.as_str()), Some(json!({}))).await;
            assert_eq!(r.status.as_u16(), 404, "{method} {path}: {}", r.text);
        }
        let r = app.get(&format!("/api/v1/shifts/search?event={forged}"), None).await;
        assert_eq!(r.status.as_u16(), 422, "event={forged}: {}", r.text);
        assert_eq!(r.fields(), ["event"]);
    }
    // A draft is not there for the public, employers or workers.
    let mut draft = event_body();
    draft["status"] = json!("draft");
    let draft = create_event(&app, &staff, draft).await["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/events/{draft}"), None).await.assert(404);
    app.post(&format!("/api/v1/events/{draft}/join"), Some(&employer), json!({})).await.assert(404);
    app.put(&format!("/api/v1/events/{draft}/interest"), Some(&worker), json!({})).await.assert(404);
    app.get(&format!("/api/v1/events/{draft}"), Some(&staff)).await.assert(200);
    assert_eq!(app.get(&format!("/api/v1/shifts/search?event={draft}"), None).await.fields(), ["event"]);

    app.post(&format!("/api/v1/events/{id}/join"), Some(&employer), json!({})).await.assert(200);
    // Another employer's shifts, missing shifts: not theirs to attach.
    let (rival, _) = app.employer(true).await;
    app.post(&format!("/api/v1/events/{id}/join"), Some(&rival), json!({})).await.assert(200);
    let rivals = post_shift(&app, &rival).await;
    for s in [rivals, rivals + 1000, 0] {
        app.put(&format!("/api/v1/events/{id}/shifts/{s}"), Some(&employer), json!({})).await.assert(404);
    }
    app.delete(&format!("/api/v1/events/{id}/shifts/{rivals}"), Some(&employer)).await.assert(404);
    // Joining never skips review: a shift waiting for review, or closed, is not attached.
    let (unverified, _) = app.employer(false).await;
    app.post(&format!("/api/v1/events/{id}/join"), Some(&unverified), json!({})).await.assert(200);
    let r = app.post("/api/v1/shifts", Some(&unverified), shift_body()).await;
    assert_eq!(r.body["status"], "pending_review", "{}", r.text);
    let pending = r.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/events/{id}/shifts/{pending}"), Some(&unverified), json!({})).await.assert_error(409, "shift_not_open");
    app.post(&format!("/api/v1/shifts/{shift}/close"), Some(&employer), json!({})).await.assert(200);
    app.put(&format!("/api/v1/events/{id}/shifts/{shift}"), Some(&employer), json!({})).await.assert_error(409, "shift_not_open");
    // Roles: workers and the public cannot join or attach; employers cannot register or create.
    app.post(&format!("/api/v1/events/{id}/join"), Some(&worker), json!({})).await.assert(403);
    app.put(&format!("/api/v1/events/{id}/interest"), Some(&employer), json!({})).await.assert(403);
    app.post("/api/v1/events", Some(&employer), event_body()).await.assert(403);
    app.post("/api/v1/events", Some(&worker), event_body()).await.assert(403);
    app.post("/api/v1/events", None, event_body()).await.assert(401);
    // Cancelled: closed to everyone.
    app.post(&format!("/api/v1/events/{id}/cancel"), Some(&staff), json!({})).await.assert(200);
    app.put(&format!("/api/v1/events/{id}/interest"), Some(&worker), json!({})).await.assert_error(409, "event_not_open");
    app.post(&format!("/api/v1/events/{id}/cancel"), Some(&staff), json!({})).await.assert_error(409, "event_not_open");
    assert_eq!(event_rows(&app).await.2, 0, "nothing was attached");
}

#[tokio::test]
async fn staff_act_on_events_in_their_own_district_only() {
    let app = spawn_app().await;
    let admin = app.staff("admin").await;
    let shenzhen = app.staff("moderator").await;
    let me = app.get("/api/v1/auth/me", Some(&shenzhen)).await.body["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/staff/{me}/scope"), Some(&admin), json!({"adcodes": ["4403"]})).await.assert(204);
    let station = app.station().await;

    // 朝阳 (the station's county) and 海淀 far from the station (a Beijing moderator's, not the station's).
    let chaoyang = event_body();
    let mut haidian = event_body();
    haidian["adcode"] = json!("110108");
    haidian["lat"] = json!(40.0300);
    haidian["lng"] = json!(116.2700);
    haidian["address"] = json!("北京市海淀区上地十街1号");
    for body in [&chaoyang, &haidian] {
        let r = app.post("/api/v1/events", Some(&shenzhen), body.clone()).await;
        assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    }
    let r = app.post("/api/v1/events", Some(&station.staff), haidian.clone()).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert_eq!(event_rows(&app).await.0, 0);

    let mine = create_event(&app, &station.staff, chaoyang.clone()).await;
    let mine_id = mine["id"].as_i64().unwrap();
    assert!(mine["check_in_url"].is_string());
    let theirs = create_event(&app, &admin, haidian.clone()).await["id"].as_i64().unwrap();
    let (worker, worker_id) = app.worker().await;
    app.put(&format!("/api/v1/events/{theirs}/interest"), Some(&worker), json!({})).await.assert(200);
    move_to(&app, chaoyang["starts_at"].as_str().unwrap());
    for (token, id) in [(&station.staff, theirs), (&shenzhen, theirs), (&shenzhen, mine_id)] {
        let mut changed = event_body();
        changed["title"] = json!("改过的招聘会标题");
        for r in [
            app.put(&format!("/api/v1/events/{id}"), Some(token), changed.clone()).await,
            app.post(&format!("/api/v1/events/{id}/cancel"), Some(token), json!({})).await,
            app.post(&format!("/api/v1/events/{id}/desk-check-ins"), Some(token), json!({"worker_id": worker_id})).await,
        ] {
            assert_eq!(r.status.as_u16(), 403, "{id}: {}", r.text);
        }
        // Outside their area staff get neither the check-in link nor the key groups.
        let d = app.get(&format!("/api/v1/events/{id}"), Some(token)).await;
        assert!(d.body["check_in_url"].is_null(), "{}", d.text);
        assert!(app.get(&format!("/api/v1/events/{id}/counts"), Some(token)).await.body["by_group"].is_null());
    }
    // A station moving its event into another county is refused too.
    let r = app.put(&format!("/api/v1/events/{mine_id}"), Some(&station.staff), haidian.clone()).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    // At their own event's desk the station checks the worker in, once.
    let r = app.post(&format!("/api/v1/events/{mine_id}/desk-check-ins"), Some(&station.staff), json!({"worker_id": worker_id})).await;
    r.assert(200);
    assert_eq!(r.body["first"], true);
    let r = app.post(&format!("/api/v1/events/{mine_id}/desk-check-ins"), Some(&station.staff), json!({"worker_id": worker_id})).await;
    assert_eq!(r.body["first"], false);
    for bad in [json!({}), json!({"worker_id": null})] {
        app.post(&format!("/api/v1/events/{mine_id}/desk-check-ins"), Some(&station.staff), bad).await.assert_field(422, "worker_id", "required");
    }
    app.post(&format!("/api/v1/events/{mine_id}/desk-check-ins"), Some(&station.staff), json!({"worker_id": worker_id + 999})).await.assert(404);
    app.post(&format!("/api/v1/events/{mine_id}/desk-check-ins"), Some(&worker), json!({"worker_id": worker_id})).await.assert(403);
    let counts = app.get(&format!("/api/v1/events/{mine_id}/counts"), None).await;
    assert_eq!(counts.body["visitors"], 1);
    assert_eq!(event_rows(&app).await.4, 1);
}

#[tokio::test]
async fn forged_and_altered_tokens_and_the_window_are_refused() {
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let event = create_event(&app, &staff, event_body()).await;
    let id = event["id"].as_i64().unwrap();
    let token = token_of(&event);
    let other = create_event(&app, &staff, event_body()).await;
    let other_token = token_of(&other);
    let (worker, _) = app.worker().await;
    // One hour before the start the door opens; a minute earlier it is shut.
    let starts = DateTime::parse_from_rfc3339(event["starts_at"].as_str().unwrap()).unwrap();
    move_to(&app, &(starts - chrono::Duration::minutes(61)).to_rfc3339());
    app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), json!({"token": token})).await.assert_error(409, "not_event_time");
    move_to(&app, &(starts - chrono::Duration::minutes(59)).to_rfc3339());

    let mut forged: Vec<String> = Vec::new();
    for i in (0..token.len()).step_by(7) {
        let mut b = token.clone().into_bytes();
        b[i] = if b[i] == b'a' { b'b' } else { b'a' };
        forged.push(String::from_utf8(b).unwrap());
    }
    forged.extend([
        token[..63].to_string(),
        format!("{token}0"),
        token.to_uppercase(),
        other_token.clone(),
        "0".repeat(64),
        format!(" {}", &token[1..]),
        "../../etc/passwd".into(),
        "' OR 1=1 --".into(),
    ]);
    for f in &forged {
        let r = app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), json!({"token": f})).await;
        r.assert_field(422, "token", "invalid_token");
    }
    for (body, code) in [(json!({}), "required"), (json!({"token": ""}), "required"), (json!({"token": "   "}), "required")] {
        app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), body).await.assert_field(422, "token", code);
    }
    let r = app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), json!({"token": token, "lat": 39.9})).await;
    assert_eq!(r.status.as_u16(), 422, "no location is taken: {}", r.text);
    let en = app
        .send(app.client.post(format!("{}/api/v1/events/{id}/check-in", app.addr)).header("Accept-Language", "en").json(&json!({"token": "x"})), Some(&worker))
        .await;
    assert!(en.body["error"]["fields"][0]["message"].as_str().unwrap().contains("check-in code"), "{}", en.text);
    let zh = app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), json!({"token": "x"})).await;
    assert!(zh.body["error"]["fields"][0]["message"].as_str().unwrap().contains("签到码"), "{}", zh.text);
    assert_eq!(event_rows(&app).await.4, 0, "no forged check-in counted");
    // The right token works, also at another event's token's expense: each event has its own.
    app.post(&format!("/api/v1/events/{id}/check-in"), Some(&worker), json!({"token": token})).await.assert(200);
    let staff_signed = app.staff("admin").await;
    app.post(&format!("/api/v1/events/{id}/check-in"), Some(&staff_signed), json!({"token": token})).await.assert(403);
    app.post(&format!("/api/v1/events/{id}/check-in"), None, json!({"token": token})).await.assert(401);
    assert_eq!(event_rows(&app).await.4, 1);
}

#[tokio::test]
async fn bad_fields_are_named_in_both_languages_and_leave_no_row() {
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let long = "长".repeat(61);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("title", json!(""), "required"),
        ("title", json!("招聘"), "too_short"),
        ("title", json!(long), "too_long"),
        ("title", json!("招聘会\u{0007}标题"), "invalid_characters"),
        ("kind", json!("hybrid"), "invalid_choice"),
        ("kind", json!(""), "required"),
        ("status", json!("cancelled"), "invalid_choice"),
        ("status", json!("live"), "invalid_choice"),
        ("starts_at", json!("tomorrow"), "invalid_datetime"),
        ("starts_at", json!("2020-01-01T09:00:00+08:00"), "in_the_past"),
        ("ends_at", json!(at(2, 8)), "before_start"),
        ("ends_at", json!(at(10, 8)), "out_of_range"),
        ("ends_at", json!(null), "required"),
        ("adcode", json!("999999"), "unknown_adcode"),
        ("adcode", json!("110000"), "not_a_county"),
        ("adcode", json!("110108"), "outside_county"),
        ("address", json!(""), "required"),
        ("lat", json!(95.0), "out_of_range"),
        ("online_url", json!("javascript:alert(1)"), "invalid_url"),
        ("online_url", json!("https://a b"), "invalid_url"),
        ("online_url", json!(""), "required"),
        ("organiser", json!("局"), "too_short"),
        ("target_groups[0]", json!(["students"]), "invalid_choice"),
        ("target_groups[1]", json!(["graduate", "Graduate"]), "invalid_choice"),
        ("target_groups[0]", json!(["高校毕业生"]), "invalid_choice"),
        ("categories[0]", json!(["no_such_job"]), "unknown_category"),
        ("categories[1]", json!(["cleaning", "保洁"]), "invalid_code"),
        ("categories", json!((0..21).map(|i| format!("c{i}")).collect::<Vec<_>>()), "too_many"),
    ];
    for (field, value, code) in &cases {
        let mut body = event_body();
        let key = field.split('[').next().unwrap();
        body[key] = value.clone();
        let r = app.post("/api/v1/events", Some(&staff), body.clone()).await;
        assert_eq!(r.status.as_u16(), 422, "{field}={value}: {}", r.text);
        assert!(r.fields().contains(&field.to_string()), "{field}={value}: {}", r.text);
        let got = r.body["error"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == *field).unwrap()["code"].clone();
        if *code != "outside_county" {
            assert_eq!(got, *code, "{field}={value}: {}", r.text);
        }
        let zh = r.body["error"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == *field).unwrap()["message"].as_str().unwrap().to_string();
        assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{field}: {zh}");
        let en = app.send(app.client.post(format!("{}/api/v1/events", app.addr)).header("Accept-Language", "en").json(&body), Some(&staff)).await;
        let en_msg = en.body["error"]["fields"].as_array().unwrap().iter().find(|f| f["field"] == *field).unwrap()["message"].as_str().unwrap().to_string();
        assert!(en_msg != zh && en_msg.chars().filter(char::is_ascii_alphabetic).count() > 5, "{field}: {en_msg}");
    }
    // An online event has no venue; an on-site one no link.
    let mut online = event_body();
    online["kind"] = json!("online");
    app.post("/api/v1/events", Some(&staff), online.clone()).await.assert_field(422, "address", "not_for_online");
    for k in ["address", "lat", "lng"] {
        online.as_object_mut().unwrap().remove(k);
    }
    app.post("/api/v1/events", Some(&staff), online).await.assert(201);
    let mut on_site = event_body();
    on_site["kind"] = json!("on_site");
    app.post("/api/v1/events", Some(&staff), on_site).await.assert_field(422, "online_url", "not_for_on_site");
    // Unknown fields are refused, not ignored.
    let mut extra = event_body();
    extra["fee_fen"] = json!(100);
    app.post("/api/v1/events", Some(&staff), extra).await.assert(422);
    // Every field wrong at once: all named in one answer.
    let r = app.post("/api/v1/events", Some(&staff), json!({"kind": "x", "target_groups": ["x"], "categories": ["X"]})).await;
    for f in ["title", "kind", "starts_at", "ends_at", "adcode", "organiser", "target_groups[0]", "categories[0]"] {
        assert!(r.fields().contains(&f.to_string()), "{f}: {}", r.text);
    }
    assert_eq!(event_rows(&app).await.0, 1, "only the one good online event was stored");
    // An update with bad fields changes nothing.
    let id = create_event(&app, &staff, event_body()).await["id"].as_i64().unwrap();
    let mut bad = event_body();
    bad["title"] = json!("改");
    bad["categories"] = json!(["no_such_job"]);
    app.put(&format!("/api/v1/events/{id}"), Some(&staff), bad).await.assert(422);
    assert_eq!(app.get(&format!("/api/v1/events/{id}"), None).await.body["title"], "朝阳区高校毕业生专场招聘会");
    for (k, v) in [("when", "soon"), ("group", "students"), ("limit", "0"), ("adcode", "x1"), ("cursor", "x"), ("cursor", "0")] {
        assert_eq!(app.get(&format!("/api/v1/events?{k}={v}"), None).await.fields(), [k], "{k}={v}");
    }
}

/// A page client signed in with an API token (a page session is the same token).
fn signed_in(app: &TestApp, token: &str) -> PageClient {
    let mut c = PageClient::new(app);
    c.cookies.insert("lg_session".into(), token.to_string());
    c
}

#[tokio::test]
async fn the_event_pages_work_without_javascript() {
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let mut console = signed_in(&app, &staff);
    let page = console.get("/console/events").await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert!(page.text.contains("id=\"event-form\""), "{}", page.text);
    // A bad form answers at its fields, nothing stored.
    let r = console.submit("/console/events", "/console/events", &[("title", "招聘"), ("kind", "on_site")]).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert!(r.text.contains("error-summary") && r.text.contains("title-error"), "{}", r.text);
    assert_eq!(event_rows(&app).await.0, 0);
    let b = event_body();
    let (starts, ends) = (b["starts_at"].as_str().unwrap().to_string(), b["ends_at"].as_str().unwrap().to_string());
    let local = |s: &str| s[..16].to_string();
    let r = console
        .submit(
            "/console/events",
            "/console/events",
            &[
                ("title", "朝阳区退役军人专场招聘会"),
                ("kind", "on_site"),
                ("starts_at", &local(&starts)),
                ("ends_at", &local(&ends)),
                ("address", "北京市朝阳区建国路100号"),
                ("lat", "39.91"),
                ("lng", "116.46"),
                ("adcode", "110105"),
                ("organiser", "朝阳区人力资源和社会保障局"),
                ("target_groups", "veteran"),
                ("categories", "cleaning"),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let at = r.location();
    assert!(at.starts_with("/console/events/"), "{at}");
    let manage = console.get(&at).await;
    assert_eq!(manage.status.as_u16(), 200);
    assert!(manage.text.contains("<svg class=\"qr\""), "the QR code is inline SVG");
    let id: i64 = at.trim_start_matches("/console/events/").parse().unwrap();

    // The public list and page; the home page links the list.
    let mut anyone = PageClient::new(&app);
    assert!(anyone.get("/").await.text.contains("href=\"/events\""));
    let list = anyone.get("/events").await;
    assert!(list.text.contains(&format!("href=\"/events/{id}\"")), "{}", list.text);
    let one = anyone.get(&format!("/events/{id}")).await;
    assert_eq!(one.status.as_u16(), 200);
    assert!(one.text.contains("朝阳区退役军人专场招聘会") && !one.text.contains("<svg class=\"qr\""), "no QR code for the public");

    // An employer joins and attaches a shift on the employer page.
    let (employer, _) = app.employer(true).await;
    let shift = post_shift(&app, &employer).await;
    let mut emp = signed_in(&app, &employer);
    let r = emp.submit(&format!("/events/{id}"), &format!("/events/{id}/join"), &[]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let r = emp.submit(&format!("/events/{id}"), &format!("/events/{id}/attach"), &[("shift_id", &shift.to_string())]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(event_rows(&app).await.2, 1);

    // A worker registers interest, then checks in by opening the QR code's link.
    let (worker, _) = app.worker().await;
    let mut w = signed_in(&app, &worker);
    let r = w.submit(&format!("/events/{id}"), &format!("/events/{id}/interest"), &[]).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(event_rows(&app).await.3, 1);
    let token = token_of(&app.get(&format!("/api/v1/events/{id}"), Some(&staff)).await.body);
    let early = w.get(&format!("/events/{id}/check-in?token={token}")).await;
    assert_eq!(early.status.as_u16(), 409, "{}", early.text);
    move_to(&app, &starts);
    let bad = w.get(&format!("/events/{id}/check-in?token={}", "0".repeat(64))).await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.text);
    for _ in 0..2 {
        let ok = w.get(&format!("/events/{id}/check-in?token={token}")).await;
        assert_eq!(ok.status.as_u16(), 200, "{}", ok.text);
        assert!(ok.text.contains("id=\"checked-in\""), "{}", ok.text);
    }
    assert_eq!(event_rows(&app).await.4, 1);
    // Signed out, the link asks to sign in first.
    let r = PageClient::new(&app).get(&format!("/events/{id}/check-in?token={token}")).await;
    assert!(r.location().starts_with("/signin?next="), "{}", r.location());
    // The counts on the page after.
    let after = anyone.get(&format!("/events/{id}")).await;
    assert!(after.text.contains("id=\"event-counts\""), "{}", after.text);
}

/// Repeats that arrive together (a double tap, two phones scanning on one account, a retried
/// request) make one row and one audit entry each, and every one of them is answered 200.
#[tokio::test]
async fn concurrent_repeats_of_join_interest_and_check_in_make_one_row_each() {
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let id = create_event(&app, &staff, event_body()).await["id"].as_i64().unwrap();
    let (employer, _) = app.employer(true).await;
    let (worker, _) = app.worker().await;
    app.put("/api/v1/workers/me", Some(&worker), json!({"display_name": "王建国", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "radius_km": 5}))
        .await
        .assert(200);
    let join = format!("/api/v1/events/{id}/join");
    let interest = format!("/api/v1/events/{id}/interest");
    for r in futures_util::future::join_all((0..8).map(|_| app.post(&join, Some(&employer), json!({})))).await {
        r.assert(200);
    }
    for r in futures_util::future::join_all((0..8).map(|_| app.put(&interest, Some(&worker), json!({})))).await {
        r.assert(200);
    }
    // Attaching repeated at once: one row and one audit entry, every answer the same.
    let shift = post_shift(&app, &employer).await;
    let attach = format!("/api/v1/events/{id}/shifts/{shift}");
    for r in futures_util::future::join_all((0..8).map(|_| app.put(&attach, Some(&employer), json!({})))).await {
        r.assert(200);
        assert_eq!(r.body["my_shift_ids"], json!([shift]), "{}", r.text);
    }
    let event = app.get(&format!("/api/v1/events/{id}"), Some(&staff)).await.body;
    move_to(&app, event["starts_at"].as_str().unwrap());
    let token = token_of(&event);
    let check_in = format!("/api/v1/events/{id}/check-in");
    let answers = futures_util::future::join_all((0..8).map(|_| app.post(&check_in, Some(&worker), json!({"token": token})))).await;
    for r in &answers {
        r.assert(200);
    }
    assert_eq!(answers.iter().filter(|r| r.body["first"] == true).count(), 1, "one of them is the check-in");
    let at: std::collections::HashSet<String> = answers.iter().map(|r| r.body["checked_in_at"].to_string()).collect();
    assert_eq!(at.len(), 1, "all answer the same time");
    assert_eq!(event_rows(&app).await, (1, 1, 1, 1, 1));
    let admin = app.staff("admin").await;
    let audit = app.get(&format!("/api/v1/audit?target_type=event&target_id={id}"), Some(&admin)).await;
    let mut actions: Vec<&str> = audit.body["items"].as_array().unwrap().iter().map(|i| i["action"].as_str().unwrap()).collect();
    actions.sort();
    assert_eq!(actions, ["event.attach_shift", "event.check_in", "event.create", "event.interest", "event.join"], "{}", audit.text);
}

/// An event shows an attached shift exactly when search would (`Standing::searchable`), and so
/// does the sitemap: the SQL both use is checked against the rule for every status, with and
/// without a report hide, with the employer blocked and not.
#[tokio::test]
async fn an_attached_shift_is_shown_exactly_while_search_would_show_it() {
    use lingong::domain::ShiftStatus;
    use lingong::domain::shift::Standing;
    let app = spawn_app().await;
    let staff = app.staff("moderator").await;
    let id = create_event(&app, &staff, event_body()).await["id"].as_i64().unwrap();
    let (employer, employer_id) = app.employer(true).await;
    let shift = post_shift(&app, &employer).await;
    app.post(&format!("/api/v1/events/{id}/join"), Some(&employer), json!({})).await.assert(200);
    app.put(&format!("/api/v1/events/{id}/shifts/{shift}"), Some(&employer), json!({})).await.assert(200);
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    for &status in ShiftStatus::ALL {
        for hidden_by_reports in [false, true] {
            for employer_blocked in [false, true] {
                // The states are set in the database directly: several (a report hide together
                // with a block, say) take many steps to reach through the API, and the rule is
                // about the state, not the way there.
                db.run(move |conn| {
                    use diesel::prelude::*;
                    use lingong::db::schema::{employers, shifts};
                    diesel::update(shifts::table.find(shift))
                        .set((shifts::status.eq(status.as_str()), shifts::hidden_by_reports.eq(hidden_by_reports)))
                        .execute(conn)?;
                    diesel::update(employers::table.find(employer_id)).set(employers::blocked.eq(employer_blocked)).execute(conn)?;
                    Ok(())
                })
                .await
                .unwrap();
                let expected = Standing { status, hidden_by_reports, employer_blocked }.searchable();
                let case = format!("{status:?} hidden={hidden_by_reports} blocked={employer_blocked}");
                let shown = app.get(&format!("/api/v1/events/{id}"), None).await;
                shown.assert(200);
                assert_eq!(shown.body["shift_ids"] == json!([shift]), expected, "{case}: {}", shown.text);
                let sitemap = app.get("/sitemaps/shifts-1.xml", None).await;
                assert_eq!(sitemap.text.contains(&format!("/shifts/{shift}<")), expected, "{case}: {}", sitemap.text);
            }
        }
    }
}

#[tokio::test]
async fn the_event_list_pages_through_what_each_viewer_may_see_soonest_first() {
    let app = spawn_app().await;
    let station = app.station().await;
    // Six published events on days 2..7, and a draft between each pair; the far ones are for
    // migrant workers only.
    let (mut published, mut drafts) = (Vec::new(), Vec::new());
    for d in 0..6 {
        let mut body = event_body();
        body["starts_at"] = json!(at(2 + d, 9));
        body["ends_at"] = json!(at(2 + d, 12));
        if d % 2 == 1 {
            body["target_groups"] = json!(["migrant_worker"]);
        }
        published.push((create_event(&app, &station.staff, body.clone()).await["id"].as_i64().unwrap(), d % 2 == 1));
        body["status"] = json!("draft");
        body["starts_at"] = json!(at(2 + d, 14));
        body["ends_at"] = json!(at(2 + d, 15));
        drafts.push(create_event(&app, &station.staff, body).await["id"].as_i64().unwrap());
    }
    let public: Vec<i64> = published.iter().map(|p| p.0).collect();
    let migrant: Vec<i64> = published.iter().filter(|p| p.1).map(|p| p.0).collect();
    let mut staff_sees = Vec::new();
    for (p, d) in published.iter().zip(&drafts) {
        staff_sees.extend([p.0, *d]);
    }
    let (worker, _) = app.worker().await;
    for limit in [1, 2, 5, 100] {
        assert_eq!(app.walk("/api/v1/events?when=upcoming", None, limit).await, public, "anonymous, limit {limit}");
        assert_eq!(app.walk("/api/v1/events?when=upcoming", Some(&worker), limit).await, public, "worker, limit {limit}");
        assert_eq!(app.walk("/api/v1/events?group=migrant_worker", None, limit).await, migrant, "group, limit {limit}");
        assert_eq!(app.walk("/api/v1/events?when=upcoming", Some(&station.staff), limit).await, staff_sees, "staff, limit {limit}");
    }
}
