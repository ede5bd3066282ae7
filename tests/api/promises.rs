//! Promises that hold against a hostile user (issue: moderation is final, a blocked employer is
//! closed, a confirmed worker's terms do not change under them, a worker's calendar and the
//! weekly part-time limit, invitations only to matching workers, a place is its point's district,
//! attendance corrections stay near their slot). Each through the API, on both backends.

use chrono::{Datelike, Duration as Days, NaiveDate};
use serde_json::{Value, json};

use crate::helpers::*;

async fn post(app: &TestApp, token: &str, body: Value) -> i64 {
    let r = app.post("/api/v1/shifts", Some(token), body).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn confirmed(app: &TestApp, shift: i64) -> (String, i64) {
    let (worker, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({})).await;
    r.assert(201);
    assert_eq!(r.body["state"], "confirmed", "{}", r.text);
    (worker, r.body["id"].as_i64().unwrap())
}

fn instant(changes: Value) -> Value {
    with(with(shift_body(), json!({"take_mode": "instant", "valid_through": at(5, 0)})), changes)
}

#[tokio::test]
async fn an_edit_never_brings_a_refused_or_taken_down_shift_back_without_a_moderator() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let moderator = app.staff("moderator").await;
    // Every field an owner can change, each on its own: none of them republishes.
    let edits = [
        json!({"title": "家庭保洁员（日结）新"}),
        json!({"description": "负责住户家庭日常保洁，厨房和卫生间清洁，工具由公司提供，另含阳台。"}),
        json!({"requirements": "身体健康"}),
        json!({"headcount": 2}),
        json!({"address": "北京市朝阳区建国路99号"}),
        json!({"pay": {"amount_fen": 3600, "unit": "hour"}}),
        json!({"settlement": "weekly"}),
        json!({"slots": [{"start": at(3, 8), "end": at(3, 12)}]}),
        json!({"valid_through": at(3, 0)}),
        json!({"take_mode": "instant"}),
    ];
    for (i, edit) in edits.iter().enumerate() {
        // Rejected: an unverified employer's posting waits for review and is refused; then the
        // employer is verified, so review of the edit alone would publish it.
        let (unverified, unverified_id) = app.employer(false).await;
        let id = post(&app, &unverified, shift_body()).await;
        app.post(&format!("/api/v1/moderation/shifts/{id}/reject"), Some(&moderator), json!({"reason_code": "incomplete", "reason": "信息不全"}))
            .await
            .assert(200);
        app.post(&format!("/api/v1/employers/{unverified_id}/verify"), Some(&moderator), json!({})).await.assert(200);
        // Taken down: a verified employer's published posting.
        let down = post(&app, &employer, shift_body()).await;
        app.post(&format!("/api/v1/moderation/shifts/{down}/take-down"), Some(&moderator), json!({"reason_code": "illegal_fee"})).await.assert(200);
        for (shift, owner, how) in [(id, &unverified, "rejected"), (down, &employer, "taken down")] {
            let r = app.patch(&format!("/api/v1/shifts/{shift}"), Some(owner), edit.clone()).await;
            r.assert(200);
            assert_eq!(r.body["status"], "pending_review", "edit {i} of a {how} shift: {}", r.text);
            app.get(&format!("/api/v1/shifts/{shift}"), None).await.assert(404);
        }
    }
}

#[tokio::test]
async fn a_blocked_employer_is_closed_to_everyone_but_staff_and_its_owner() {
    let app = spawn_app().await;
    let (employer, employer_id) = app.employer(true).await;
    let moderator = app.staff("moderator").await;
    let id = post(&app, &employer, instant(json!({"headcount": 3}))).await;
    let later = post(&app, &employer, with(shift_body(), json!({"valid_through": at(5, 0)}))).await;
    let (w1, e1) = confirmed(&app, id).await;
    let (w2, _) = app.worker().await;
    let applied = app.post(&format!("/api/v1/shifts/{later}/applications"), Some(&w2), json!({})).await.body["id"].as_i64().unwrap();

    app.post(&format!("/api/v1/employers/{employer_id}/block"), Some(&moderator), json!({"reason": "收取押金"})).await.assert(200);

    // Readable by its owner and staff only.
    for shift in [id, later] {
        app.get(&format!("/api/v1/shifts/{shift}"), None).await.assert_error(404, "not_found");
        app.get(&format!("/api/v1/shifts/{shift}"), Some(&w1)).await.assert(404);
        app.get(&format!("/api/v1/shifts/{shift}"), Some(&employer)).await.assert(200);
        app.get(&format!("/api/v1/shifts/{shift}"), Some(&moderator)).await.assert(200);
    }
    // Nobody can take it up, and its owner cannot change it.
    let (w3, w3_id) = app.worker().await;
    app.post(&format!("/api/v1/shifts/{id}/applications"), Some(&w3), json!({})).await.assert_error(409, "shift_not_open");
    app.post(&format!("/api/v1/shifts/{id}/invitations"), Some(&employer), json!({"worker_id": w3_id})).await.assert_error(403, "employer_blocked");
    app.patch(&format!("/api/v1/shifts/{id}"), Some(&employer), json!({"headcount": 4})).await.assert_error(403, "employer_blocked");
    app.post(&format!("/api/v1/shifts/{id}/close"), Some(&employer), json!({})).await.assert_error(403, "employer_blocked");
    app.post("/api/v1/shifts/check", Some(&employer), shift_body()).await.assert_error(403, "employer_blocked");
    app.post("/api/v1/shifts", Some(&employer), shift_body()).await.assert_error(403, "employer_blocked");
    // The confirmed worker's place was cancelled by the system, with no mark on anyone, and told.
    let e = app.get(&format!("/api/v1/engagements/{e1}"), Some(&w1)).await;
    assert_eq!(e.body["state"], "cancelled", "{}", e.text);
    assert!(e.body["late_cancel_by"].is_null(), "{}", e.text);
    assert!(!e.body["flags"].as_array().unwrap().contains(&json!("late_cancel")));
    let a = app.get(&format!("/api/v1/engagements/{applied}"), Some(&w2)).await;
    assert_eq!(a.body["state"], "declined", "{}", a.text);
    // The ended application cannot be accepted any more.
    app.post(&format!("/api/v1/engagements/{applied}/accept"), Some(&employer), json!({})).await.assert_error(409, "illegal_transition");
    let mails = mail_kinds(&app).await;
    assert!(mails.iter().any(|(k, p)| k == "engagement_cancelled" && p["engagement_id"] == e1 && p["why"] == "employer_blocked"), "{mails:?}");
    assert!(app.get("/api/v1/workers/me", Some(&w1)).await.body["stats"]["late_cancel_rate"].as_f64().unwrap_or(0.0) == 0.0);
}

#[tokio::test]
async fn a_confirmed_worker_s_terms_only_ever_improve() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let slots = json!([{"start": at(2, 8), "end": at(2, 12)}, {"start": at(3, 8), "end": at(3, 12)}]);
    let id = post(&app, &employer, instant(json!({"slots": slots, "headcount": 3}))).await;
    let path = format!("/api/v1/shifts/{id}");
    // Before anyone is confirmed, anything may change.
    app.patch(&path, Some(&employer), json!({"pay": {"amount_fen": 3400, "unit": "hour"}})).await.assert(200);
    let (worker, engagement) = confirmed(&app, id).await;
    let held: Vec<i64> = app.get(&format!("/api/v1/engagements/{engagement}"), Some(&worker)).await.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(held.len(), 2);

    let locked = [
        (json!({"pay": {"amount_fen": 3399, "unit": "hour"}}), "pay"),
        (json!({"pay": {"amount_fen": 30000, "unit": "day"}}), "pay"),
        (json!({"settlement": "weekly"}), "settlement"),
        (json!({"lat": 39.9187, "lng": 116.4605}), "location"),
        (json!({"slots": [{"start": at(2, 8), "end": at(2, 12)}]}), "slots"),
        (json!({"slots": [{"start": at(2, 9), "end": at(2, 12)}, {"start": at(3, 8), "end": at(3, 12)}]}), "slots"),
        (json!({"headcount": 0}), "headcount"),
    ];
    for (edit, field) in locked {
        let r = app.patch(&path, Some(&employer), edit.clone()).await;
        if field == "headcount" {
            r.assert(422); // below one is invalid anyway
            continue;
        }
        r.assert_error(409, "terms_locked");
        assert!(r.text.contains(field) || r.body["error"]["message"]["en"].as_str().unwrap().contains(field), "{edit}: {}", r.text);
    }
    // Nothing of the refused edits landed.
    let now = app.get(&path, Some(&employer)).await;
    assert_eq!(now.body["pay"]["amount_fen"], 3400);
    assert_eq!(now.body["slots"].as_array().unwrap().len(), 2);

    // A small nudge of the point, a raise and a new slot are allowed; the worker keeps their
    // slots (same ids) and is told.
    app.patch(&path, Some(&employer), json!({"lat": 39.9090, "lng": 116.4607})).await.assert(200);
    let slots3 = json!([{"start": at(2, 8), "end": at(2, 12)}, {"start": at(3, 8), "end": at(3, 12)}, {"start": at(4, 8), "end": at(4, 12)}]);
    let r = app.patch(&path, Some(&employer), json!({"pay": {"amount_fen": 4000, "unit": "hour"}, "slots": slots3})).await;
    r.assert(200);
    assert_eq!(r.body["slots"].as_array().unwrap().len(), 3);
    let e = app.get(&format!("/api/v1/engagements/{engagement}"), Some(&worker)).await;
    let kept: Vec<i64> = e.body["slots"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(kept, held, "{}", e.text);
    assert_eq!(e.body["shift"]["pay"]["amount_fen"], 4000);
    let mails = mail_kinds(&app).await;
    assert!(
        mails.iter().any(|(k, p)| k == "terms_improved" && p["engagement_id"] == engagement && p["pay_raised"] == true && p["slots_added"] == 1),
        "{mails:?}"
    );
}

#[tokio::test]
async fn removing_the_only_slot_an_application_wanted_ends_it() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let slots = json!([{"start": at(2, 8), "end": at(2, 12)}, {"start": at(3, 8), "end": at(3, 12)}]);
    let id = post(&app, &employer, with(shift_body(), json!({"slots": slots, "valid_through": at(5, 0)}))).await;
    let shift = app.get(&format!("/api/v1/shifts/{id}"), None).await;
    let first = shift.body["slots"][0]["id"].as_i64().unwrap();
    let (worker, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{id}/applications"), Some(&worker), json!({"slot_ids": [first]})).await;
    r.assert(201);
    let engagement = r.body["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/shifts/{id}"), Some(&employer), json!({"slots": [{"start": at(3, 8), "end": at(3, 12)}]})).await.assert(200);
    let e = app.get(&format!("/api/v1/engagements/{engagement}"), Some(&worker)).await;
    assert_eq!(e.body["state"], "declined", "{}", e.text);
    assert!(mail_kinds(&app).await.iter().any(|(k, p)| k == "engagement_cancelled" && p["engagement_id"] == engagement && p["why"] == "slots_removed"));
}

#[tokio::test]
async fn a_worker_cannot_hold_two_places_at_once() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (other, _) = app.employer(true).await;
    let a = post(&app, &employer, instant(json!({"slots": [{"start": at(2, 8), "end": at(2, 12)}]}))).await;
    // Every way of overlapping 08–12: inside, around, across either end; and two that only touch.
    let cases = [(9, 11, true), (7, 13, true), (7, 9, true), (11, 13, true), (8, 12, true), (12, 14, false), (6, 8, false)];
    let (worker, _) = app.worker().await;
    app.post(&format!("/api/v1/shifts/{a}/applications"), Some(&worker), json!({})).await.assert(201);
    for (from, to, clash) in cases {
        let b = post(&app, &other, instant(json!({"slots": [{"start": at(2, from), "end": at(2, to)}]}))).await;
        let r = app.post(&format!("/api/v1/shifts/{b}/applications"), Some(&worker), json!({})).await;
        if clash {
            r.assert_error(409, "schedule_overlap");
        } else {
            r.assert(201);
            // Release it again so the next case starts from the one place.
            let id = r.body["id"].as_i64().unwrap();
            app.post(&format!("/api/v1/engagements/{id}/cancel"), Some(&worker), json!({})).await.assert(200);
        }
    }
    // An application waits without a place; accepting it is where the clash is refused.
    let c = post(&app, &other, with(shift_body(), json!({"slots": [{"start": at(2, 10), "end": at(2, 14)}], "valid_through": at(5, 0)}))).await;
    let r = app.post(&format!("/api/v1/shifts/{c}/applications"), Some(&worker), json!({})).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/engagements/{id}/accept"), Some(&other), json!({})).await.assert_error(409, "schedule_overlap");
}

/// The Monday of the week after next, local.
fn monday_after_next() -> NaiveDate {
    let today = (chrono::Utc::now() + Days::hours(8)).date_naive();
    today - Days::days(today.weekday().num_days_from_monday() as i64) + Days::days(14)
}

fn local(day: NaiveDate, hour: u32) -> String {
    format!("{}T{hour:02}:00:00+08:00", day.format("%Y-%m-%d"))
}

#[tokio::test]
async fn part_time_work_for_one_employer_stays_within_24_hours_a_week() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let (other, _) = app.employer(true).await;
    let monday = monday_after_next();
    let days = |from: i64, n: i64| -> Value {
        json!((from..from + n).map(|d| json!({"start": local(monday + Days::days(d), 9), "end": local(monday + Days::days(d), 13)})).collect::<Vec<_>>())
    };
    let part_time = |slots: Value| {
        instant(json!({"employment_type": "part_time", "settlement": "daily", "slots": slots, "valid_through": local(monday + Days::days(9), 0)}))
    };
    // Monday to Thursday, 16 hours; then Friday to Sunday, 12 more: 28 > 24.
    let first = post(&app, &employer, part_time(days(0, 4))).await;
    let second = post(&app, &employer, part_time(days(4, 3))).await;
    let (worker, _) = app.worker().await;
    app.post(&format!("/api/v1/shifts/{first}/applications"), Some(&worker), json!({})).await.assert(201);
    let r = app.post(&format!("/api/v1/shifts/{second}/applications"), Some(&worker), json!({})).await;
    r.assert_error(409, "weekly_hours_exceeded");
    assert!(r.text.contains(&monday.to_string()), "{}", r.text);
    // Two of those days (8 hours, 24 in all) fit, as does the same week for another employer, and
    // the next week for this one.
    let fits = post(&app, &employer, part_time(days(4, 2))).await;
    app.post(&format!("/api/v1/shifts/{fits}/applications"), Some(&worker), json!({})).await.assert(201);
    let elsewhere = post(&app, &other, part_time(days(6, 1))).await;
    app.post(&format!("/api/v1/shifts/{elsewhere}/applications"), Some(&worker), json!({})).await.assert(201);
    let next_week = post(&app, &employer, part_time(days(7, 2))).await;
    app.post(&format!("/api/v1/shifts/{next_week}/applications"), Some(&worker), json!({})).await.assert(201);
}

#[tokio::test]
async fn invitations_go_only_to_matching_workers_and_are_limited() {
    let app = spawn_with(|c| c.rate_limit.invitations = 3).await;
    let (employer, _) = app.employer(true).await;
    let id = post(&app, &employer, with(shift_body(), json!({"headcount": 10, "valid_through": at(5, 0)}))).await;
    let invite = |worker: i64| {
        let app = &app;
        let employer = employer.clone();
        async move { app.post(&format!("/api/v1/shifts/{id}/invitations"), Some(&employer), json!({"worker_id": worker})).await }
    };
    // A worker who never said they could come is not reachable by invitation.
    let (_, stranger) = app.worker().await;
    invite(stranger).await.assert_error(409, "invitee_not_matched");
    // Workers whose availability matches the shift can be.
    let mut matching = Vec::new();
    for _ in 0..3 {
        let (token, worker) = app.worker().await;
        make_available(&app, &token, worker, id, &employer).await;
        matching.push(worker);
    }
    invite(matching[0]).await.assert(201);
    invite(matching[1]).await.assert(201);
    // The refused one counted too: the fourth is over the limit.
    invite(matching[2]).await.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn a_place_is_its_point_s_district_and_inside_the_service_area() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    // A Beijing point with a district code from elsewhere: every province's capital district.
    for adcode in ["650102", "440305", "310101", "510104", "230102", "540102", "460105", "120101"] {
        let r = app.post("/api/v1/shifts", Some(&employer), with(shift_body(), json!({"adcode": adcode, "pay": {"amount_fen": 1, "unit": "hour"}}))).await;
        assert_eq!(r.field_code("adcode").as_deref(), Some("adcode_mismatch"), "{adcode}: {}", r.text);
        let r = app.post("/api/v1/shifts/check", Some(&employer), with(shift_body(), json!({"adcode": adcode}))).await;
        assert!(r.text.contains("adcode_mismatch"), "{}", r.text);
    }
    // Without a code the district is the point's; the city and province codes are accepted.
    for adcode in [json!(null), json!("110105"), json!("110100"), json!("110000")] {
        let r = app.post("/api/v1/shifts", Some(&employer), with(shift_body(), json!({"adcode": adcode}))).await;
        r.assert(201);
        assert_eq!(r.body["adcode"], "110105000000", "{adcode}");
    }
    // Points outside the service area: abroad, Hong Kong, the open sea.
    for (lat, lng) in [(35.68, 139.69), (22.2819, 114.158), (10.0, 130.0), (51.5, -0.12)] {
        let r = app.post("/api/v1/shifts", Some(&employer), with(shift_body(), json!({"lat": lat, "lng": lng}))).await;
        assert_eq!(r.field_code("adcode").as_deref(), Some("outside_service_area"), "{lat},{lng}: {}", r.text);
        let r = app.post("/api/v1/availability", Some(&app.worker().await.0), with(availability_body(), json!({"lat": lat, "lng": lng}))).await;
        assert_eq!(r.field_code("adcode").as_deref(), Some("outside_service_area"), "{}", r.text);
    }
    // A deployment for one province refuses the rest.
    let guangdong = spawn_with(|c| c.listing.service_area = lingong::domain::geo::ServiceArea(vec!["44".into()])).await;
    let (token, _, _) = guangdong.register("employer").await;
    let r = guangdong.put("/api/v1/employers/me", Some(&token), employer_body()).await;
    assert_eq!(r.field_code("adcode").as_deref(), Some("outside_service_area"), "{}", r.text);
    let mut shenzhen = employer_body();
    shenzhen["lat"] = json!(22.5405);
    shenzhen["lng"] = json!(114.0555);
    guangdong.put("/api/v1/employers/me", Some(&token), shenzhen).await.assert(200);
}

#[tokio::test]
async fn attendance_corrections_stay_near_their_slot() {
    let app = spawn_app().await;
    let (employer, _) = app.employer(true).await;
    let id = post(&app, &employer, instant(json!({}))).await;
    let (worker, engagement) = confirmed(&app, id).await;
    let start = chrono::DateTime::parse_from_rfc3339(&at(2, 8)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now() + Days::minutes(2));
    app.post(&format!("/api/v1/engagements/{engagement}/check-in"), Some(&worker), json!({"lat": 39.9087, "lng": 116.4605})).await.assert(200);
    let slot = app.get(&format!("/api/v1/engagements/{engagement}"), Some(&worker)).await.body["slots"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/engagements/{engagement}/attendance/{slot}");
    for bad in ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59+08:00", &at(2, 1), &at(2, 19), &at(1, 8), &at(3, 8)] {
        let r = app.put(&path, Some(&employer), json!({"check_in": bad})).await;
        r.assert(422);
        assert_eq!(r.field_code("check_in").as_deref(), Some("out_of_range"), "{bad}: {}", r.text);
        let r = app.put(&path, Some(&employer), json!({"check_out": bad})).await;
        assert!(r.status == 422, "{bad}: {}", r.text);
    }
    let r = app.put(&path, Some(&employer), json!({"check_in": at(2, 7), "check_out": at(2, 13)})).await;
    r.assert(200);
    for t in [&r.body["attendance"][0]["check_in"], &r.body["attendance"][0]["check_out"]] {
        chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap()).unwrap();
    }
}
