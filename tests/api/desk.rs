//! The station desk: 求职登记 for someone without a phone, the claim code that hands the account
//! over, consents, acting for a worker at the desk (each action audited and told to them), and
//! 用工登记 for a household whose postings then go through the same free-listing rules.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Value, json};

use crate::bodies::{at, shift_body};
use crate::helpers::*;

/// 建国路, 北京 朝阳区: where the test shifts are.
const STATION: (f64, f64) = STATION_POINT;

async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/auth/me", Some(token)).await.body["id"].as_i64().unwrap()
}

/// An admin, and a station in 朝阳区 with one staff member: (admin, staff token, station id).
async fn station(app: &TestApp) -> (String, String, i64) {
    let s = app.station().await;
    (s.admin, s.staff, s.id)
}

fn desk_worker() -> Value {
    json!({
        "display_name": "张桂兰",
        "skills": ["cleaning"],
        "consent": {"registration": true, "location": false},
        "availability": {"lat": STATION.0, "lng": STATION.1, "radius_km": 5, "categories": ["cleaning"], "windows": {"weekly": [{"weekday": 1, "start": "08:00", "end": "12:00"}]}}
    })
}

async fn audit(app: &TestApp, admin: &str, target_type: &str, target_id: i64) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?target_type={target_type}&target_id={target_id}"), Some(admin)).await;
    r.assert(200);
    r.body["items"].as_array().unwrap().clone()
}

fn claim_body(slip: &Value, code: &str, phone: Option<&str>) -> Value {
    json!({"account": slip["account"], "code": code, "phone": phone, "password": "my-own-passphrase"})
}

/// A code of the right shape that is not this slip's.
fn wrong_code(right: &str) -> String {
    let mut c: Vec<char> = right.chars().collect();
    c[0] = if c[0] == 'A' { 'B' } else { 'A' };
    c.into_iter().collect()
}

#[tokio::test]
async fn a_worker_without_a_phone_is_registered_at_the_desk_and_claims_the_account_later() {
    let app = spawn_app().await;
    let (admin, staff, station_id) = station(&app).await;
    let r = app.post("/api/v1/desk/workers", Some(&staff), desk_worker()).await;
    r.assert(201);
    let slip = r.body.clone();
    let code = slip["claim_code"].as_str().unwrap().to_string();
    assert!(code.replace('-', "").len() >= 8, "{code}");
    assert!(slip["account"].as_str().unwrap().starts_with("LG"), "{}", r.text);
    assert_eq!(slip["tries"], 5);
    let expires = DateTime::parse_from_rfc3339(slip["expires_at"].as_str().unwrap()).unwrap().naive_utc();
    let days = (expires - app.clock.now()).num_days();
    assert!((29..=30).contains(&days), "valid 30 days: {days}");
    let uid = slip["user_id"].as_i64().unwrap();
    let worker_id = slip["worker_id"].as_i64().unwrap();

    // The registration, its consents and its availability are on record; the staff member and
    // the station are named in the audit entry.
    let entries = audit(&app, &admin, "user", uid).await;
    let reg = entries.iter().find(|e| e["action"] == "desk.register_worker").unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(reg["after"]["by_station"]["station_id"], station_id);
    assert_eq!(reg["actor_id"], user_id(&app, &staff).await);
    let db = lingong::db::Db::connect(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let consents: Vec<(String, bool, String)> = db
        .run(move |c| {
            use diesel::prelude::*;
            use lingong::db::schema::consents::dsl as k;
            Ok(k::consents.filter(k::user_id.eq(uid)).order(k::id.asc()).select((k::kind, k::given, k::wording)).load(c)?)
        })
        .await
        .unwrap();
    assert_eq!(consents.iter().map(|c| (c.0.as_str(), c.1)).collect::<Vec<_>>(), vec![("registration", true), ("location", false)]);
    assert!(consents.iter().all(|c| !c.2.is_empty()), "what was consented to is kept with it");
    let profile = app.get(&format!("/api/v1/workers/{worker_id}"), Some(&staff)).await;
    profile.assert(200);
    assert!(profile.body["phone"].is_null(), "no phone: {}", profile.text);

    // Until claimed there is no sign-in at all.
    let r = app.post("/api/v1/claim", None, json!({"account": slip["account"], "code": code, "password": "my-own-passphrase"})).await;
    r.assert(422);
    assert_eq!(r.fields(), vec!["phone"], "an account without a phone needs one to claim: {}", r.text);

    // Wrong codes spend tries, and say how many are left.
    for left in [4, 3] {
        let r = app.post("/api/v1/claim", None, claim_body(&slip, &wrong_code(&code), Some("13700001111"))).await;
        r.assert_field(422, "code", "claim_code_wrong");
        assert!(r.text.contains(&format!("{left}")), "{}", r.text);
    }
    // Typed in lower case with spaces: still the code.
    let typed = code.to_lowercase().replace('-', " ");
    let r = app.post("/api/v1/claim", None, claim_body(&slip, &typed, Some("13700001111"))).await;
    r.assert(200);
    let token = r.body["token"].as_str().unwrap().to_string();
    assert_eq!(r.body["user"]["id"], uid);
    // Used once: never again.
    app.post("/api/v1/claim", None, claim_body(&slip, &code, Some("13700001111"))).await.assert_field(422, "code", "claim_code_invalid");
    // Theirs now: sign in with the phone and password they chose, see the registration in the inbox.
    app.post("/api/v1/auth/login", None, json!({"phone": "13700001111", "password": "my-own-passphrase"})).await.assert(200);
    let inbox = app.get("/api/v1/inbox", Some(&token)).await;
    inbox.assert(200);
    let texts: Vec<String> = inbox.body["items"].as_array().unwrap().iter().map(|i| i["body_zh"].as_str().unwrap_or("").to_string()).collect();
    assert!(texts.iter().any(|t| t.contains("求职登记") && t.contains("服务站")), "{texts:?}");
    let me = app.get("/api/v1/workers/me", Some(&token)).await;
    assert_eq!(me.body["id"], worker_id);
    assert_eq!(me.body["phone"], "13700001111");
}

#[tokio::test]
async fn five_wrong_tries_end_a_code_and_a_new_one_after_an_identity_check_resets_the_password() {
    let app = spawn_app().await;
    let (_, staff, _) = station(&app).await;
    let mut body = desk_worker();
    body["phone"] = json!("13700002222");
    let slip = app.post("/api/v1/desk/workers", Some(&staff), body).await.body.clone();
    let code = slip["claim_code"].as_str().unwrap().to_string();
    for _ in 0..4 {
        app.post("/api/v1/claim", None, claim_body(&slip, &wrong_code(&code), None)).await.assert_field(422, "code", "claim_code_wrong");
    }
    app.post("/api/v1/claim", None, claim_body(&slip, &wrong_code(&code), None)).await.assert_field(422, "code", "claim_code_invalid");
    // The fifth wrong try ended it: the right code no longer works either.
    app.post("/api/v1/claim", None, claim_body(&slip, &code, None)).await.assert_field(422, "code", "claim_code_invalid");

    // A new code needs the identity check written down; it revokes the old one.
    let uid = slip["user_id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/desk/accounts/{uid}/claim-code"), Some(&staff), json!({})).await;
    r.assert(422);
    assert_eq!(r.fields(), vec!["identity_checked"]);
    let first = app.post(&format!("/api/v1/desk/accounts/{uid}/claim-code"), Some(&staff), json!({"identity_checked": "身份证原件核验"})).await;
    first.assert(201);
    let second = app.post(&format!("/api/v1/desk/accounts/{uid}/claim-code"), Some(&staff), json!({"identity_checked": "身份证原件核验"})).await;
    second.assert(201);
    let (old, new) = (first.body["claim_code"].as_str().unwrap(), second.body["claim_code"].as_str().unwrap());
    // The revoked code is just a wrong one now: it spends a try of the new code.
    app.post("/api/v1/claim", None, claim_body(&slip, old, None)).await.assert_field(422, "code", "claim_code_wrong");
    let r = app.post("/api/v1/claim", None, claim_body(&slip, new, None)).await;
    r.assert(200);
    let session = r.body["token"].as_str().unwrap().to_string();

    // Later, a forgotten password: a new code after checking identity sets a new one and signs
    // out every session (a lost phone stays signed out).
    let reset = app.post(&format!("/api/v1/desk/accounts/{uid}/claim-code"), Some(&staff), json!({"identity_checked": "身份证原件核验"})).await;
    reset.assert(201);
    let mut again = claim_body(&slip, reset.body["claim_code"].as_str().unwrap(), None);
    again["password"] = json!("a-brand-new-passphrase");
    app.post("/api/v1/claim", None, again).await.assert(200);
    app.get("/api/v1/auth/me", Some(&session)).await.assert(401);
    app.post("/api/v1/auth/login", None, json!({"phone": "13700002222", "password": "a-brand-new-passphrase"})).await.assert(200);
    app.post("/api/v1/auth/login", None, json!({"phone": "13700002222", "password": "my-own-passphrase"})).await.assert(401);
}

#[tokio::test]
async fn a_code_expires_after_thirty_days() {
    let app = spawn_app().await;
    let (_, staff, _) = station(&app).await;
    let slip = app.post("/api/v1/desk/workers", Some(&staff), desk_worker()).await.body.clone();
    let code = slip["claim_code"].as_str().unwrap().to_string();
    app.clock.advance(chrono::Duration::days(30) + chrono::Duration::minutes(1));
    app.post("/api/v1/claim", None, claim_body(&slip, &code, Some("13700003333"))).await.assert_field(422, "code", "claim_code_invalid");
}

#[tokio::test]
async fn consent_is_asked_separately_for_each_sensitive_part_and_a_refusal_leaves_nothing() {
    let app = spawn_app().await;
    let (admin, staff, _) = station(&app).await;
    let id_number = "11010519491231002X";
    // (what the body holds, the consents given, the consent fields that must be refused)
    let cases: Vec<(Value, Value, Vec<&str>)> = vec![
        (json!({}), json!({}), vec!["consent.registration"]),
        (json!({}), json!({"registration": false}), vec!["consent.registration"]),
        (json!({"key_groups": ["low_income_family"]}), json!({"registration": true}), vec!["consent.key_groups"]),
        (json!({"key_groups": ["low_income_family"]}), json!({"registration": true, "key_groups": false}), vec!["consent.key_groups"]),
        (json!({"id_number": id_number}), json!({"registration": true}), vec!["consent.id_number"]),
        (
            json!({"id_number": id_number, "key_groups": ["low_income_family"]}),
            json!({}),
            vec!["consent.registration", "consent.key_groups", "consent.id_number"],
        ),
    ];
    for (extra, consent, refused) in cases {
        let mut body = desk_worker();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body["consent"] = consent.clone();
        body["phone"] = json!(format!("137{:08}", unique() % 100_000_000));
        let r = app.post("/api/v1/desk/workers", Some(&staff), body.clone()).await;
        r.assert(422);
        let fields = r.fields();
        for f in &refused {
            assert!(fields.contains(&f.to_string()), "{extra} {consent}: {fields:?}");
        }
        // Nothing was kept: the phone is free for a proper registration.
        body["consent"] = json!({"registration": true, "key_groups": true, "id_number": true});
        if extra.get("id_number").is_some() {
            body["id_number"] = json!(null);
        }
        app.post("/api/v1/desk/workers", Some(&staff), body).await.assert(201);
    }
    // With every consent the sensitive parts are stored, and shown to staff only as the profile
    // shows them (masked ID number); the read is audited like any staff read.
    let mut body = desk_worker();
    body["id_number"] = json!(id_number);
    body["key_groups"] = json!(["low_income_family"]);
    body["consent"] = json!({"registration": true, "key_groups": true, "id_number": true});
    let r = app.post("/api/v1/desk/workers", Some(&staff), body.clone()).await;
    r.assert(201);
    let worker_id = r.body["worker_id"].as_i64().unwrap();
    let p = app.get(&format!("/api/v1/workers/{worker_id}"), Some(&staff)).await;
    assert_eq!(p.body["id_number_masked"], "110105********002X", "{}", p.text);
    let _ = admin;

    // The same 身份证号 again is resolved at the desk: refused, and the account it is on is found.
    let r = app.post("/api/v1/desk/workers", Some(&staff), body).await;
    r.assert_error(409, "id_number_taken");
    let found = app.post("/api/v1/desk/lookup", Some(&staff), json!({"id_number": id_number})).await;
    found.assert(200);
    assert_eq!(found.body["id"], worker_id);
    app.post("/api/v1/desk/lookup", Some(&staff), json!({"id_number": "110105194912310021"})).await.assert(422);
}

#[tokio::test]
async fn only_a_station_s_staff_act_at_its_desk_and_only_within_its_area() {
    let app = spawn_app().await;
    let (_, staff, _) = station(&app).await;
    let (worker, _) = app.worker().await;
    let (employer, _) = app.employer(true).await;
    for token in [app.staff("moderator").await, app.staff("admin").await, worker, employer] {
        app.post("/api/v1/desk/workers", Some(&token), desk_worker()).await.assert(403);
    }
    app.post("/api/v1/desk/workers", None, desk_worker()).await.assert(401);
    // Station staff not yet at a station.
    let loose = app.staff("station_staff").await;
    app.post("/api/v1/desk/workers", Some(&loose), desk_worker()).await.assert_error(409, "not_at_station");
    // Homes outside the station's counties and radius: 上海, and 北京 海淀 beyond 5 km.
    for (lat, lng) in [(31.2304, 121.4737), (39.9593, 116.2981)] {
        let mut body = desk_worker();
        body["lat"] = json!(lat);
        body["lng"] = json!(lng);
        app.post("/api/v1/desk/workers", Some(&staff), body).await.assert(403);
    }
    // A worker registered elsewhere (海淀) cannot be acted for from this desk.
    let (other, _) = app.worker().await;
    let far = app.put("/api/v1/workers/me", Some(&other), json!({"display_name": "远方", "skills": ["cleaning"], "lat": 39.9593, "lng": 116.2981})).await;
    far.assert(200);
    let far_id = far.body["id"].as_i64().unwrap();
    let (emp, _) = app.employer(true).await;
    let shift = app.post("/api/v1/shifts", Some(&emp), shift_body()).await.body["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/desk/workers/{far_id}/applications"), Some(&staff), json!({"shift_id": shift})).await.assert(403);
    app.post(&format!("/api/v1/desk/workers/{far_id}/availability"), Some(&staff), crate::bodies::availability_body()).await.assert(403);
    let far_user = app.get("/api/v1/auth/me", Some(&other)).await.body["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/desk/accounts/{far_user}/claim-code"), Some(&staff), json!({"identity_checked": "身份证原件核验"})).await.assert(403);
}

fn instant(s: &str) -> NaiveDateTime {
    DateTime::parse_from_rfc3339(s).unwrap().naive_utc()
}

#[tokio::test]
async fn the_desk_applies_and_records_a_phoned_in_check_in_and_the_worker_sees_who_did_it() {
    let app = spawn_app().await;
    let (admin, staff, station_id) = station(&app).await;
    let slip = app.post("/api/v1/desk/workers", Some(&staff), desk_worker()).await.body.clone();
    let worker_id = slip["worker_id"].as_i64().unwrap();
    let (emp, _) = app.employer(true).await;
    let mut s = shift_body();
    s["take_mode"] = json!("instant");
    let shift = app.post("/api/v1/shifts", Some(&emp), s).await;
    shift.assert(201);
    let shift = shift.body["id"].as_i64().unwrap();

    let r = app.post(&format!("/api/v1/desk/workers/{worker_id}/applications"), Some(&staff), json!({"shift_id": shift})).await;
    r.assert(201);
    assert_eq!(r.body["state"], "confirmed", "an instant shift is claimed: {}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    let by = &r.body["events"][0]["detail"]["by_station"];
    assert_eq!(by["station_id"], station_id, "the engagement's history names the station: {}", r.text);
    assert_eq!(by["staff_id"], user_id(&app, &staff).await);
    let entries = audit(&app, &admin, "engagement", id).await;
    assert!(entries.iter().any(|e| e["action"] == "desk.apply" && e["after"]["worker_id"] == worker_id), "{entries:?}");

    // On the day the worker phones the station; the check-in has no location and says so.
    let by = instant(&at(2, 8)) - app.clock.now();
    app.clock.advance(by);
    let r = app.post(&format!("/api/v1/desk/engagements/{id}/check-in"), Some(&staff), json!({})).await;
    r.assert(200);
    assert_eq!(r.body["state"], "checked_in");
    let flags: Vec<&str> = r.body["attendance"][0]["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(flags, vec!["by_station"], "{}", r.text);
    assert!(r.body["attendance"][0]["check_in_lat"].is_null());
    // The employer sees the flag to confirm it.
    let e = app.get(&format!("/api/v1/engagements/{id}"), Some(&emp)).await;
    assert!(e.text.contains("by_station"), "{}", e.text);
    assert!(audit(&app, &admin, "engagement", id).await.iter().any(|e| e["action"] == "desk.check_in"));

    // Once the worker claims the account, the inbox tells each thing done for them.
    let code = slip["claim_code"].as_str().unwrap();
    let token = app.post("/api/v1/claim", None, claim_body(&slip, code, Some("13700004444"))).await.body["token"].as_str().unwrap().to_string();
    let inbox = app.get("/api/v1/inbox", Some(&token)).await;
    let bodies: Vec<String> = inbox.body["items"].as_array().unwrap().iter().map(|i| i["body_zh"].as_str().unwrap_or("").to_string()).collect();
    for words in ["求职登记", "报名", "签到"] {
        assert!(bodies.iter().any(|b| b.contains(words) && b.contains("服务站")), "{words}: {bodies:?}");
    }
}

#[tokio::test]
async fn a_household_registered_at_the_desk_is_verified_and_its_postings_follow_the_free_listing_rules() {
    let app = spawn_app().await;
    let (admin, staff, _) = station(&app).await;
    let household = json!({
        "name": "刘女士家",
        "kind": "household",
        "contact_name": "刘女士",
        "contact_phone": "13912340000",
        "address": "北京市朝阳区建国路99号",
        "lat": 39.9090,
        "lng": 116.4610,
        "description": "家里老人需要照看"
    });
    let r = app.post("/api/v1/desk/employers", Some(&staff), json!({"employer": household, "consent": {"registration": true}})).await;
    r.assert(422);
    assert_eq!(r.fields(), vec!["checked_in_person"], "the in-person check must be written down: {}", r.text);
    let r = app
        .post("/api/v1/desk/employers", Some(&staff), json!({"employer": household, "checked_in_person": "身份证原件核验", "consent": {"registration": true}}))
        .await;
    r.assert(201);
    let slip = r.body.clone();
    let employer_id = r.body["employer_id"].as_i64().unwrap();
    let profile = app.get(&format!("/api/v1/employers/{employer_id}"), None).await;
    assert_eq!(profile.body["verified"], true, "{}", profile.text);
    assert!(audit(&app, &admin, "employer", employer_id).await.iter().any(|e| e["action"] == "desk.register_employer"));

    // A clean posting publishes at once; a fee demand is refused as on the employer's own form.
    let mut s = shift_body();
    s["title"] = json!("照看老人（半天）");
    s["category"] = json!("housekeeping");
    s["description"] = json!("陪伴家中老人，做简单午饭，不需要护理资格。");
    let r = app.post(&format!("/api/v1/desk/employers/{employer_id}/shifts"), Some(&staff), s.clone()).await;
    r.assert(201);
    assert_eq!(r.body["status"], "published", "{}", r.text);
    let shift_id = r.body["id"].as_i64().unwrap();
    assert!(audit(&app, &admin, "shift", shift_id).await.iter().any(|e| e["action"] == "desk.post_shift"));
    for fee in ["入职前需交押金200元", "先交服装费50元", "报名费30元"] {
        let mut bad = s.clone();
        bad["description"] = json!(format!("陪伴家中老人。{fee}"));
        let r = app.post(&format!("/api/v1/desk/employers/{employer_id}/shifts"), Some(&staff), bad).await;
        assert_eq!(r.status.as_u16(), 422, "{fee}: {}", r.text);
    }
    // The household takes the account over with its slip and sees its own profile and shift.
    let r = app.post("/api/v1/claim", None, claim_body(&slip, slip["claim_code"].as_str().unwrap(), Some("13912340000"))).await;
    r.assert(200);
    assert_eq!(r.body["user"]["role"], "employer");
    let token = r.body["token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/employers/me", Some(&token)).await;
    assert_eq!(me.body["id"], employer_id, "{}", me.text);
    let mine = app.get("/api/v1/employers/me/shifts", Some(&token)).await;
    assert_eq!(mine.body["items"][0]["id"], shift_id, "{}", mine.text);
}

#[tokio::test]
async fn a_stations_weekly_figures_count_its_registrations_placements_and_payments() {
    let app = spawn_app().await;
    let (admin, staff, station_id) = station(&app).await;
    let (emp, _) = app.employer(true).await;
    let mut s = shift_body();
    s["take_mode"] = json!("instant");
    s["headcount"] = json!(5);
    let shift = app.post("/api/v1/shifts", Some(&emp), s).await.body["id"].as_i64().unwrap();
    let mut s = shift_body();
    s["take_mode"] = json!("apply");
    let applied_shift = app.post("/api/v1/shifts", Some(&emp), s).await.body["id"].as_i64().unwrap();
    // Three registered; two claimed an instant place (placed), one applied and waits (opened only).
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(app.post("/api/v1/desk/workers", Some(&staff), desk_worker()).await.body["worker_id"].as_i64().unwrap());
    }
    for w in &workers[..2] {
        app.post(&format!("/api/v1/desk/workers/{w}/applications"), Some(&staff), json!({"shift_id": shift})).await.assert(201);
    }
    app.post(&format!("/api/v1/desk/workers/{}/applications", workers[2]), Some(&staff), json!({"shift_id": applied_shift})).await.assert(201);
    // A worker who applied by themselves is not the station's.
    let (own, _) = app.worker().await;
    app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&own), json!({})).await.assert(201);

    let r = app.get(&format!("/api/v1/stations/{station_id}/figures?weeks=4"), Some(&staff)).await;
    r.assert(200);
    let weeks = r.body["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 4);
    assert_eq!(
        (&weeks[0]["registered"], &weeks[0]["opened"], &weeks[0]["placed"], &weeks[0]["paid"]),
        (&json!(3), &json!(3), &json!(2), &json!(0)),
        "{}",
        r.text
    );
    assert!(weeks[1..].iter().all(|w| w["registered"] == 0 && w["opened"] == 0));
    // A moderator for 北京 reads them; another station's staff and one for 上海 do not.
    app.get(&format!("/api/v1/stations/{station_id}/figures"), Some(&admin)).await.assert(200);
    let (_, other_staff, _) = station(&app).await;
    app.get(&format!("/api/v1/stations/{station_id}/figures"), Some(&other_staff)).await.assert(403);
    let shanghai = app.staff("moderator").await;
    let sid = user_id(&app, &shanghai).await;
    app.put(&format!("/api/v1/staff/{sid}/scope"), Some(&admin), json!({"adcodes": ["31"]})).await.assert(204);
    app.get(&format!("/api/v1/stations/{station_id}/figures"), Some(&shanghai)).await.assert(403);
    for bad in ["0", "53", "x"] {
        let r = app.get(&format!("/api/v1/stations/{station_id}/figures?weeks={bad}"), Some(&staff)).await;
        r.assert(422);
        assert_eq!(r.fields(), vec!["weeks"], "{bad}: {}", r.text);
    }
}

#[tokio::test]
async fn each_morning_a_stations_staff_get_the_new_shifts_nearby_once() {
    let app = spawn_app().await;
    let (_, staff, station_id) = station(&app).await;
    let (emp, _) = app.employer(true).await;
    let near = app.post("/api/v1/shifts", Some(&emp), shift_body()).await;
    near.assert(201);
    let mut far = shift_body();
    far["title"] = json!("写字楼保洁（海淀）");
    far["address"] = json!("北京市海淀区中关村大街1号");
    (far["lat"], far["lng"]) = (json!(39.9593), json!(116.2981));
    app.post("/api/v1/shifts", Some(&emp), far).await.assert(201);

    // The job's own database handle with a clock of its own, moved to the morning.
    let db = lingong::db::Db::connect(&app.db.url, 2, std::time::Duration::from_secs(5)).unwrap();
    let url = app.config.server.public_url.clone();
    let local_now = db.clock().now() + chrono::Duration::hours(8);
    let nine = local_now.date().and_hms_opt(9, 0, 0).unwrap();
    let target = if local_now < nine { nine } else { nine + chrono::Duration::days(1) } - chrono::Duration::hours(8);
    let early = target - chrono::Duration::hours(2);
    db.clock().advance(early - db.clock().now());
    assert_eq!(lingong::jobs::station_digest::run(&db, &url, db.clock().now()).await.unwrap(), 0, "nothing before 08:00");
    db.clock().advance(target - db.clock().now());
    assert_eq!(lingong::jobs::station_digest::run(&db, &url, db.clock().now()).await.unwrap(), 1);
    assert_eq!(lingong::jobs::station_digest::run(&db, &url, db.clock().now()).await.unwrap(), 0, "once a day");

    let inbox = app.get("/api/v1/inbox", Some(&staff)).await;
    let items: Vec<&Value> = inbox.body["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "station_digest").collect();
    assert_eq!(items.len(), 1, "{}", inbox.text);
    let body = items[0]["body_zh"].as_str().unwrap();
    assert!(body.contains("家庭保洁员") && !body.contains("海淀"), "only the shift within the station's radius: {body}");
    assert_eq!(items[0]["link"], format!("/api/v1/stations/{station_id}"));
}

#[tokio::test]
async fn a_stations_staff_find_availability_across_the_county_line_within_its_radius() {
    let app = spawn_app().await;
    let (_, staff, _) = station(&app).await;
    // 东城区, 3.4 km west of the station (朝阳区): in the radius, not in the station's county.
    // 海淀区, 14 km away: neither.
    let mut ids = Vec::new();
    for (lat, lng) in [(39.91, 116.42), (39.9593, 116.2981)] {
        let (token, _) = app.worker().await;
        let mut body = crate::bodies::availability_body();
        (body["lat"], body["lng"]) = (json!(lat), json!(lng));
        let r = app.post("/api/v1/availability", Some(&token), body).await;
        r.assert(201);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    app.get(&format!("/api/v1/availability/{}", ids[0]), Some(&staff)).await.assert(200);
    app.get(&format!("/api/v1/availability/{}", ids[1]), Some(&staff)).await.assert(403);
    eventually(std::time::Duration::from_secs(10), || async {
        let r = app.get("/api/v1/availability/search?lat=39.93&lng=116.38&radius_km=30", Some(&staff)).await;
        r.body["items"].as_array().is_some_and(|a| a.iter().any(|i| i["availability"]["id"] == ids[0]))
    })
    .await;
    let r = app.get("/api/v1/availability/search?lat=39.93&lng=116.38&radius_km=30", Some(&staff)).await;
    let shown: Vec<i64> = r.body["items"].as_array().unwrap().iter().map(|i| i["availability"]["id"].as_i64().unwrap()).collect();
    assert!(shown.contains(&ids[0]) && !shown.contains(&ids[1]), "{shown:?}");
}
