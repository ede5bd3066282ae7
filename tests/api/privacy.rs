//! Private data stays private: employers cannot read a key-group flag out of match scores or
//! orderings, cannot locate a worker from the distances they are shown, do not see a household's
//! home unless they are taken on there, and registering a known ID number tells no one whose it is.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lingong::db::Db;
use lingong::db::schema::outbox;
use serde_json::{Value, json};

use crate::helpers::*;

/// A worker with a profile (key groups as given) and one availability record at `lat`, `lng` that
/// fits the test shifts. Returns (token, worker id, availability id).
async fn worker_at(app: &TestApp, name: &str, lat: f64, lng: f64, key_groups: Value) -> (String, i64, i64) {
    let (t, _, _) = app.register("worker").await;
    let r =
        app.put("/api/v1/workers/me", Some(&t), json!({"display_name": name, "skills": ["cleaning"], "lat": lat, "lng": lng, "key_groups": key_groups})).await;
    r.assert(200);
    let mut a = availability_body();
    a["lat"] = json!(lat);
    a["lng"] = json!(lng);
    a["windows"] = json!({"dated": [{"start": at(1, 0), "end": at(4, 0)}]});
    let av = app.post("/api/v1/availability", Some(&t), a).await;
    av.assert(201);
    (t, r.body["id"].as_i64().unwrap(), av.body["id"].as_i64().unwrap())
}

fn shift_at(lat: f64, lng: f64) -> Value {
    let mut b = shift_body();
    b["lat"] = json!(lat);
    b["lng"] = json!(lng);
    b
}

async fn post_shift(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/shifts", Some(token), body).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

/// The matches as (availability id, score, distance) in the order shown.
async fn matches(app: &TestApp, shift: i64, token: &str) -> Vec<(i64, f64, f64, Value)> {
    let r = app.get(&format!("/api/v1/shifts/{shift}/matches"), Some(token)).await;
    r.assert(200);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["availability_id"].as_i64().unwrap(), i["score"].as_f64().unwrap(), i["distance_km"].as_f64().unwrap(), i["reasons"].clone()))
        .collect()
}

async fn wait_for_matches(app: &TestApp, shift: i64, token: &str, n: usize) {
    eventually(Duration::from_secs(5), || async { matches(app, shift, token).await.len() == n }).await;
}

#[tokio::test]
async fn employers_see_equal_scores_for_identical_workers_whatever_their_key_groups() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let staff = app.staff("station_staff").await;
    let shift = post_shift(&app, &employer, shift_at(39.9100, 116.4600)).await;
    let (a_token, _, a) = worker_at(&app, "王秀英", 39.92, 116.46, json!(["laid_off"])).await;
    let (b_token, _, b) = worker_at(&app, "李秀英", 39.92, 116.46, json!([])).await;
    wait_for_matches(&app, shift, &employer, 2).await;

    // Each of the two, in turn, is the key-group worker; the employer's view never changes.
    let mut employer_views = Vec::new();
    for (flagged, flagged_token, plain_token) in [(a, &a_token, &b_token), (b, &b_token, &a_token)] {
        app.put(
            "/api/v1/workers/me",
            Some(flagged_token),
            json!({"display_name": "某某", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "key_groups": ["laid_off"]}),
        )
        .await
        .assert(200);
        app.put(
            "/api/v1/workers/me",
            Some(plain_token),
            json!({"display_name": "某某", "skills": ["cleaning"], "lat": 39.92, "lng": 116.46, "key_groups": []}),
        )
        .await
        .assert(200);
        // Staff see the priority policy: the key-group worker first, by exactly the boost.
        let boost = app.config.search.priority_group_boost;
        // The index takes both profile changes asynchronously: wait until it has both, not just
        // the first (a stale second row still carries its old key group).
        eventually(Duration::from_secs(5), || async {
            let s = matches(&app, shift, &staff).await;
            s.len() == 2 && s[0].0 == flagged && s[0].3["priority_group"] == true && s[1].3["priority_group"] != true
        })
        .await;
        let s = matches(&app, shift, &staff).await;
        assert!((s[0].1 - s[1].1 - boost).abs() < 1e-3, "staff see the boost: {s:?}");
        assert_eq!(s[0].3["priority_group"], true);
        let e = matches(&app, shift, &employer).await;
        assert_eq!(e[0].1, e[1].1, "identical workers score the same for the employer: {e:?}");
        assert!(e.iter().all(|m| m.3.get("priority_group").is_none()), "{e:?}");
        employer_views.push(e);
    }
    assert_eq!(employer_views[0], employer_views[1], "the employer's scores and order do not follow the key group");
}

#[tokio::test]
async fn key_group_workers_get_the_alert_for_a_new_shift_first() {
    let app = spawn_with(|c| c.alerts.enabled = false).await;
    let db = Db::connect(&app.db.url, 2, Duration::from_secs(5)).unwrap();
    let settings = lingong::jobs::match_alerts::Settings::from_config(&app.config);
    let (employer, _) = app.employer(true).await;
    // Workers subscribe in turn; every third is in a key group, so subscription order alone would
    // put others first.
    let mut expected_first = Vec::new();
    let mut expected_rest = Vec::new();
    for i in 0..6 {
        let email = format!("w{}@example.com", unique());
        let phone = format!("137{:08}", unique() % 100_000_000);
        let r = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({"role": "worker", "phone": phone, "password": "a-good-passphrase", "display_name": "工人", "email": email}),
            )
            .await;
        r.assert(201);
        let t = r.body["token"].as_str().unwrap().to_string();
        let groups = if i % 3 == 2 { json!(["veteran"]) } else { json!([]) };
        app.put("/api/v1/workers/me", Some(&t), json!({"display_name": "工人", "lat": 39.92, "lng": 116.46, "key_groups": groups})).await.assert(200);
        let sub = json!({"source": "search", "lat": 39.92, "lng": 116.46, "radius_km": 5, "categories": ["cleaning"]});
        app.post("/api/v1/workers/me/alerts", Some(&t), sub).await.assert(201);
        if i % 3 == 2 { expected_first.push(email) } else { expected_rest.push(email) }
    }
    post_shift(&app, &employer, shift_body()).await;
    let now: NaiveDateTime = lingong::domain::time::now_utc();
    let s = settings.clone();
    let out = db.run(move |c| lingong::jobs::match_alerts::match_new_shifts(c, &s, now)).await.unwrap();
    assert_eq!(out.mailed, 6, "{out:?}");
    // The outbox sends oldest first: its order is the order the alerts go out.
    let order: Vec<Option<String>> =
        db.run(|c| Ok(outbox::table.filter(outbox::kind.eq("alert_match")).order(outbox::id.asc()).select(outbox::recipient).load(c)?)).await.unwrap();
    let order: Vec<String> = order.into_iter().flatten().collect();
    let want: Vec<String> = expected_first.into_iter().chain(expected_rest).collect();
    assert_eq!(order, want, "key-group workers' alerts are queued first, then the rest in subscription order");
}

/// Great-circle distance in km, as an employer trying to trilaterate would compute it.
fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

#[tokio::test]
async fn an_employer_cannot_trilaterate_a_worker_from_the_distances_shown() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // Two workers 1.3 km apart, otherwise identical.
    let (p, q) = ((39.9249, 116.4649), (39.9151, 116.4551));
    assert!(haversine(p, q) > 1.2);
    let (_, _, a) = worker_at(&app, "王秀英", p.0, p.1, json!([])).await;
    let (_, _, b) = worker_at(&app, "李秀英", q.0, q.1, json!([])).await;
    let shift = post_shift(&app, &employer, shift_at(39.9000, 116.4400)).await;
    wait_for_matches(&app, shift, &employer, 2).await;

    // Vantage points: the shift's first point, one move (allowed), then further shifts on a ring.
    let mut readings: Vec<((f64, f64), f64, f64)> = Vec::new();
    let mut read = |m: Vec<(i64, f64, f64, Value)>, at: (f64, f64)| {
        let da = m.iter().find(|x| x.0 == a).unwrap();
        let db = m.iter().find(|x| x.0 == b).unwrap();
        assert_eq!((da.1, da.2), (db.1, db.2), "two workers 1.3 km apart look the same from {at:?}: {m:?}");
        readings.push((at, da.2, db.2));
    };
    read(matches(&app, shift, &employer).await, (39.9000, 116.4400));
    app.patch(&format!("/api/v1/shifts/{shift}"), Some(&employer), json!({"lat": 39.9300, "lng": 116.4800})).await.assert(200);
    read(matches(&app, shift, &employer).await, (39.9300, 116.4800));
    // The second move within the day is refused: moving a shift is not a way to measure.
    let r = app.patch(&format!("/api/v1/shifts/{shift}"), Some(&employer), json!({"lat": 39.9350, "lng": 116.4500})).await;
    r.assert_error(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    // Resending the same point, or editing something else, is not a move.
    app.patch(&format!("/api/v1/shifts/{shift}"), Some(&employer), json!({"lat": 39.9300, "headcount": 4})).await.assert(200);
    for k in 0..8 {
        let angle = k as f64 * std::f64::consts::TAU / 8.0;
        let at = (39.92 + 0.025 * angle.sin(), 116.46 + 0.03 * angle.cos());
        let s = post_shift(&app, &employer, shift_at(at.0, at.1)).await;
        read(matches(&app, s, &employer).await, at);
    }
    for (_, da, _) in &readings {
        assert!(*da >= 1.0 && (da * 2.0).fract() == 0.0, "distances are whole half kilometres, at least 1: {readings:?}");
    }
    // Trilaterate: every point on a 25 m grid around the workers that fits every reading. The
    // true points of both workers fit (or neither does): the readings cannot tell them apart, so
    // no estimate is closer to one than the 1.3 km between them allows.
    let fits = |x: (f64, f64)| readings.iter().all(|(v, d, _)| ((haversine(*v, x) / 0.5).ceil() * 0.5).max(1.0) == *d);
    let mut region = Vec::new();
    for i in -120..=120 {
        for j in -120..=120 {
            let x = (39.92 + i as f64 * 0.000225, 116.46 + j as f64 * 0.000293);
            if fits(x) {
                region.push(x);
            }
        }
    }
    assert!(!region.is_empty(), "some point fits what the employer saw");
    let nearest = |w: (f64, f64)| region.iter().map(|x| haversine(*x, w)).fold(f64::INFINITY, f64::min);
    let (to_p, to_q) = (nearest(p), nearest(q));
    eprintln!("trilateration region: {} points; nearest to p {to_p:.3} km, to q {to_q:.3} km", region.len());
    assert!(to_p >= 0.25 && to_q >= 0.25, "what the readings lead to is no closer than the rounding to either worker: {to_p} {to_q}");
}

fn is_exact(v: &Value) -> bool {
    v["address"] == HOUSEHOLD_HOME && v["lat"] == 39.9087 && v["lng"] == 116.4605
}

#[tokio::test]
async fn a_households_home_is_shown_only_to_those_taken_on() {
    let app = spawn_app().await;
    let (owner, employer) = app.household().await;
    let mut b = shift_body();
    b["address"] = json!(HOUSEHOLD_HOME);
    b["take_mode"] = json!("instant");
    let shift = post_shift(&app, &owner, b).await;
    let mut b = shift_body();
    b["address"] = json!(HOUSEHOLD_HOME);
    let apply_shift = post_shift(&app, &owner, b).await;
    let path = format!("/api/v1/shifts/{shift}");
    let (confirmed, _) = app.worker().await;
    let (applicant, _) = app.worker().await;
    let (stranger, _) = app.worker().await;
    let (other_employer, _) = app.employer(true).await;
    let staff = app.staff("station_staff").await;
    // The confirmed worker claims the instant shift; the applicant only applies to the other.
    let c = app.post(&format!("{path}/applications"), Some(&confirmed), json!({})).await;
    c.assert(201);
    assert_eq!(c.body["state"], "confirmed");
    assert!(is_exact(&c.body["shift"]), "taken on: the exact place {}", c.body["shift"]);
    let a = app.post(&format!("/api/v1/shifts/{apply_shift}/applications"), Some(&applicant), json!({})).await;
    a.assert(201);
    assert_eq!(a.body["state"], "applied");
    assert!(is_coarse_home(&a.body["shift"]), "an applicant sees the district: {}", a.body["shift"]);

    for (who, token, exact) in [
        ("anonymous", None, false),
        ("a stranger", Some(&stranger), false),
        ("another employer", Some(&other_employer), false),
        ("the confirmed worker", Some(&confirmed), true),
        ("the owner", Some(&owner), true),
        ("staff", Some(&staff), true),
    ] {
        let r = app.get(&path, token.map(|t| t.as_str())).await;
        r.assert(200);
        assert_eq!(r.body["adcode"].as_str().map(|a| &a[..6]), Some("110105"), "{who}: the district is always shown");
        if exact {
            assert!(is_exact(&r.body), "{who} sees the home: {}", r.text);
        } else {
            assert!(is_coarse_home(&r.body), "{who} sees the district only: {}", r.text);
        }
    }
    let r = app.get(&format!("/api/v1/shifts/{apply_shift}"), Some(&applicant)).await;
    assert!(is_coarse_home(&r.body), "the applicant is not taken on yet: {}", r.text);

    // Search results: the district, and a coarse distance.
    eventually(Duration::from_secs(5), || async { app.get("/api/v1/shifts/search?lat=39.92&lng=116.46", None).await.body["total"] == 2 }).await;
    let r = app.get("/api/v1/shifts/search?lat=39.92&lng=116.46", None).await;
    for item in r.body["items"].as_array().unwrap() {
        assert!(is_coarse_home(&item["shift"]), "{item}");
        let d = item["distance_km"].as_f64().unwrap();
        assert!(d >= 1.0 && (d * 2.0).fract() == 0.0, "{item}");
    }
    assert!(!r.text.contains("88号"), "{}", r.text);
    // The employer's public profile too; its owner and staff see the address.
    assert!(is_coarse_home(&app.get(&format!("/api/v1/employers/{employer}"), None).await.body));
    assert!(is_exact(&app.get(&format!("/api/v1/employers/{employer}"), Some(&staff)).await.body));
    assert!(is_exact(&app.get("/api/v1/employers/me", Some(&owner)).await.body));
    // An enterprise's workplace is public as before.
    let (ent, _) = app.employer(true).await;
    let s = post_shift(&app, &ent, shift_body()).await;
    let r = app.get(&format!("/api/v1/shifts/{s}"), None).await;
    assert_eq!(r.body["address"], "北京市朝阳区建国路88号");
    assert_eq!(r.body["lat"], 39.9087);

    // Nor can the search itself narrow a home down: tiny boxes and radii around the exact point,
    // and words of the street address, find the enterprise's shift at that point but no household's.
    let ids = |r: &Resp| r.body["items"].as_array().unwrap().iter().map(|i| i["shift"]["id"].as_i64().unwrap()).collect::<Vec<_>>();
    eventually(Duration::from_secs(5), || async { app.get("/api/v1/shifts/search?lat=39.92&lng=116.46", None).await.body["total"] == 3 }).await;
    for half in [0.0002, 0.0005, 0.001] {
        let bbox = format!("{},{},{},{}", 116.4605 - half, 39.9087 - half, 116.4605 + half, 39.9087 + half);
        assert_eq!(ids(&app.get(&format!("/api/v1/shifts/search?bbox={bbox}"), None).await), [s], "bbox ±{half}");
    }
    for radius in [0.02, 0.05, 0.1] {
        assert_eq!(ids(&app.get(&format!("/api/v1/shifts/search?lat=39.9087&lng=116.4605&radius_km={radius}"), None).await), [s], "radius {radius}");
    }
    let word = "%E5%BB%BA%E5%9B%BD%E8%B7%AF"; // 建国路
    assert_eq!(ids(&app.get(&format!("/api/v1/shifts/search?q={word}"), None).await), [s]);
}

#[tokio::test]
async fn alert_mails_do_not_carry_a_households_address() {
    let app = spawn_with(|c| c.alerts.enabled = false).await;
    let db = Db::connect(&app.db.url, 2, Duration::from_secs(5)).unwrap();
    let settings = lingong::jobs::match_alerts::Settings::from_config(&app.config);
    let (owner, _) = app.household().await;
    let email = format!("w{}@example.com", unique());
    let phone = format!("137{:08}", unique() % 100_000_000);
    let r = app
        .post("/api/v1/auth/register", None, json!({"role": "worker", "phone": phone, "password": "a-good-passphrase", "display_name": "工人", "email": email}))
        .await;
    let t = r.body["token"].as_str().unwrap().to_string();
    app.put("/api/v1/workers/me", Some(&t), json!({"display_name": "工人", "lat": 39.92, "lng": 116.46})).await.assert(200);
    let sub = json!({"source": "search", "lat": 39.92, "lng": 116.46, "radius_km": 5, "categories": ["cleaning"]});
    app.post("/api/v1/workers/me/alerts", Some(&t), sub).await.assert(201);
    let mut b = shift_body();
    b["address"] = json!(HOUSEHOLD_HOME);
    post_shift(&app, &owner, b).await;
    let now: NaiveDateTime = lingong::domain::time::now_utc();
    let out = db.run(move |c| lingong::jobs::match_alerts::match_new_shifts(c, &settings, now)).await.unwrap();
    assert_eq!(out.mailed, 1, "{out:?}");
    let payloads: Vec<String> = db.run(|c| Ok(outbox::table.filter(outbox::kind.eq("alert_match")).select(outbox::payload).load(c)?)).await.unwrap();
    assert!(!payloads[0].contains("88号") && payloads[0].contains("朝阳区"), "{}", payloads[0]);
}

/// A valid 身份证号 (GB 11643-1999 check digit) for a sequence number.
fn id_number(seq: u32) -> String {
    let body = format!("11010519800101{:03}", seq % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(weights).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

#[tokio::test]
async fn a_taken_id_number_gets_one_neutral_answer_whoever_holds_it() {
    let app = spawn_app().await;
    // Holders with different names and numbers; a prober tries each number.
    let mut numbers = Vec::new();
    for (i, name) in ["赵军", "钱芳", "孙伟", "李娜", "周强"].iter().enumerate() {
        let (t, _, _) = app.register("worker").await;
        let n = id_number(100 + i as u32 * 7);
        app.put("/api/v1/workers/me", Some(&t), json!({"display_name": name, "id_number": n})).await.assert(200);
        numbers.push(n);
    }
    let (prober, _, _) = app.register("worker").await;
    let mut answers = Vec::new();
    for n in &numbers {
        for lang in ["zh-CN", "en"] {
            let r = app
                .client
                .put(format!("{}/api/v1/workers/me", app.addr))
                .bearer_auth(&prober)
                .header("accept-language", lang)
                .json(&json!({"display_name": "王某", "id_number": n}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            answers.push((lang, status, text));
        }
    }
    for (lang, status, text) in &answers {
        assert_eq!(*status, 409, "{text}");
        let same_lang = answers.iter().filter(|a| a.0 == *lang);
        assert!(same_lang.clone().all(|a| a.1 == *status && a.2 == *text), "one body whichever account holds the number: {answers:?}");
        for holder in ["赵军", "钱芳", "孙伟", "李娜", "周强"] {
            assert!(!text.contains(holder), "{text}");
        }
        assert!(!text.contains("1101"), "no part of the number comes back: {text}");
        assert!(text.contains("社区就业服务站"), "the person is sent to a community station: {text}");
    }
    // A fresh number still registers, and the prober's profile is unchanged by the refusals.
    app.put("/api/v1/workers/me", Some(&prober), json!({"display_name": "王某", "id_number": id_number(999)})).await.assert(200);
}
