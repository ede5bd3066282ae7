//! The worker's pages over HTTP forms, without a browser: the whole journey from registering to
//! being paid and rating the employer (the employer's side through the JSON API), and every form's
//! refusals, each a 422 page with the message at its field and nothing half-saved.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Value, json};

use crate::bodies::*;
use crate::helpers::*;
use crate::pages::{PageClient, PageResp};

async fn worker_client(app: &TestApp) -> (PageClient, String) {
    let mut c = PageClient::new(app);
    let phone = format!("136{:08}", unique() % 100_000_000);
    let r = c.submit("/register", "/register", &[("role", "worker"), ("phone", &phone), ("password", "a-good-passphrase"), ("display_name", "张桂兰")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let token = c.cookies.get("lg_session").expect("signed in").clone();
    (c, token)
}

fn move_to(app: &TestApp, rfc3339: &str) {
    let t: NaiveDateTime = DateTime::parse_from_rfc3339(rfc3339).unwrap().naive_utc();
    let by = t - app.clock.now();
    assert!(by >= chrono::Duration::zero(), "the clock only moves forward");
    app.clock.advance(by);
}

async fn instant_shift(app: &TestApp, employer: &str) -> i64 {
    let mut b = shift_body();
    b["take_mode"] = json!("instant");
    b["valid_through"] = json!(at(5, 0));
    let r = app.post("/api/v1/shifts", Some(employer), b).await;
    r.assert(201);
    r.body["id"].as_i64().unwrap()
}

/// The text of the form block (`<div class="field">` or `<fieldset class="field">`) holding the
/// element with `id`.
fn block<'a>(text: &'a str, id: &str) -> &'a str {
    let at = text.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no element {id} in {text}"));
    let start = ["class=\"field\"", "class=\"field has-error\""].iter().filter_map(|p| text[..at + 1].rfind(p)).max().expect("inside a field");
    let end = ["</div>", "</fieldset>"].iter().filter_map(|p| text[at..].find(p)).min().map(|e| at + e).unwrap_or(text.len());
    &text[start..end]
}

/// A 422 page whose message stands at the field `id`.
fn refused_at(r: &PageResp, id: &str, case: &str) {
    assert_eq!(r.status, 422, "{case}: {}", r.text);
    let b = block(&r.text, id);
    assert!(b.contains("has-error") && b.contains("field-error"), "{case}: no message at {id}: {b}");
}

fn profile_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = vec![
        ("display_name", "张桂兰"),
        ("skills", "cleaning"),
        ("skills", "housekeeping"),
        ("lat", "39.92"),
        ("lng", "116.46"),
        ("district", ""),
        ("radius_km", "5"),
        ("pay_amount", "25"),
        ("pay_unit", "hour"),
        ("id_number", ""),
        ("key_groups", "laid_off"),
    ];
    for (k, v) in changes {
        f.retain(|(fk, _)| fk != k);
        f.push((k, v));
    }
    f
}

#[tokio::test]
async fn a_worker_goes_from_registering_to_paid_and_rated_on_the_pages() {
    let app = spawn_app().await;
    let (mut c, token) = worker_client(&app).await;

    // Profile first; saving it goes on to availability, which there is none of yet.
    let page = c.get("/me/profile").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"profile-new\"") && page.text.contains("id=\"private-note\""));
    let r = c.submit("/me/profile", "/me/profile", &profile_form(&[])).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, "/me/availability?first=1".to_string()), "{}", r.text);
    let me = app.get("/api/v1/workers/me", Some(&token)).await;
    me.assert(200);
    assert_eq!(me.body["skills"], json!(["cleaning", "housekeeping"]));
    assert_eq!(me.body["expected_pay"], json!({"amount_fen": 2500, "unit": "hour"}));
    assert_eq!(me.body["key_groups"], json!(["laid_off"]));

    // Availability from the grid plus one dated window; the profile's point is used.
    let day = &at(3, 8)[..10];
    let form = [
        ("grid", "6-morning"),
        ("grid", "7-evening"),
        ("date", day),
        ("from", "08:00"),
        ("to", "18:00"),
        ("date", ""),
        ("from", ""),
        ("to", ""),
        ("district", ""),
        ("radius_km", "10"),
        ("categories", "cleaning"),
        ("min_pay", "25.5"),
    ];
    let r = c.submit("/me/availability", "/me/availability", &form).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, "/me/availability?saved=1".to_string()), "{}", r.text);
    let list = app.get("/api/v1/workers/me/availability", Some(&token)).await;
    list.assert(200);
    let a = &list.body["items"][0];
    assert_eq!(a["radius_km"], 10.0);
    assert_eq!(a["min_pay"], json!({"amount_fen": 2550, "unit": "hour"}));
    assert_eq!(a["windows"]["weekly"], json!([{"weekday": 6, "start": "08:00", "end": "12:00"}, {"weekday": 7, "start": "18:00", "end": "22:00"}]));
    assert_eq!(a["windows"]["dated"].as_array().unwrap().len(), 1);
    let page = c.get("/me/availability").await;
    let aid = a["id"].as_i64().unwrap();
    assert!(page.text.contains(&format!("id=\"availability-{aid}\"")));
    // Saving the profile again now stays on the profile.
    let r = c.submit("/me/profile", "/me/profile", &profile_form(&[])).await;
    assert_eq!(r.location(), "/me/profile?saved=1");

    // An employer posts an instant shift through the API; the worker takes it on its page.
    let (employer, _) = app.employer(true).await;
    let shift = instant_shift(&app, &employer).await;
    let r = c.submit(&format!("/shifts/{shift}"), &format!("/shifts/{shift}/take"), &[("note", "")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let work = r.location();
    let id: i64 = work.strip_prefix("/my-work/").unwrap().parse().unwrap();

    let list = c.get("/my-work").await;
    assert_eq!(list.status, 200);
    let upcoming = &list.text[list.text.find("id=\"group-upcoming\"").expect("an upcoming group")..];
    assert!(upcoming.contains(&format!("id=\"work-{id}\"")), "{}", list.text);

    let p = c.get(&work).await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains("data-state=\"confirmed\""));
    assert!(p.text.contains("href=\"tel:13812345678\""), "the confirmed worker can call the employer: {}", p.text);
    assert!(p.text.contains("id=\"form-check_in\" data-geo") && p.text.contains("data-geo-status"));
    let ics = c.get(&format!("/my-work/{id}/calendar.ics")).await;
    assert_eq!(ics.status, 200);
    assert!(ics.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert_eq!(ics.text.matches("BEGIN:VEVENT").count(), 1, "{}", ics.text);
    assert!(ics.text.contains("SUMMARY:家庭保洁员（日结）"));

    // A move the state does not allow: 409, the page again with the message.
    let r = c.submit(&work, &format!("/my-work/{id}/act"), &[("action", "confirm_pay")]).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("id=\"act-error\""), "{}", r.text);
    // Too early to check in: 409 at the check-in form.
    let r = c.submit(&work, &format!("/my-work/{id}/act"), &[("action", "check_in"), ("lat", ""), ("lng", "")]).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("id=\"check_in-error\""), "{}", r.text);
    // A location that is not a number: 422, nothing recorded.
    move_to(&app, &at(2, 8));
    let r = c.submit(&work, &format!("/my-work/{id}/act"), &[("action", "check_in"), ("lat", "abc"), ("lng", "116.46")]).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"check_in-lat-error\""), "{}", r.text);
    let seen = app.get(&format!("/api/v1/engagements/{id}"), Some(&employer)).await;
    assert_eq!(seen.body["state"], "confirmed");

    // Checked in without a location (no permission, no script): it counts, flagged for the employer.
    let r = c.submit(&work, &format!("/my-work/{id}/act"), &[("action", "check_in"), ("lat", ""), ("lng", "")]).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, format!("/my-work/{id}?done=check_in#state")), "{}", r.text);
    let p = c.get(&r.location()).await;
    assert!(p.text.contains("id=\"work-done\"") && p.text.contains("data-state=\"checked_in\""));
    assert!(p.text.contains("没有位置信息"), "the page says the check-in has no location: {}", p.text);
    let seen = app.get(&format!("/api/v1/engagements/{id}"), Some(&employer)).await;
    assert_eq!(seen.body["attendance"][0]["flags"], json!(["no_location"]), "{}", seen.text);

    app.clock.advance(chrono::Duration::hours(3));
    let r = c.submit(&work, &format!("/my-work/{id}/act"), &[("action", "check_out"), ("lat", "39.9087"), ("lng", "116.4605")]).await;
    assert_eq!(r.status, 303, "{}", r.text);

    // The employer confirms the attendance and completes through the API.
    let slot = seen.body["slots"][0]["id"].as_i64().unwrap();
    app.put(&format!("/api/v1/engagements/{id}/attendance/{slot}"), Some(&employer), json!({})).await.assert(200);
    let done = app.post(&format!("/api/v1/engagements/{id}/complete"), Some(&employer), json!({})).await;
    done.assert(200);
    let amount = done.body["amount_fen"].as_i64().unwrap();

    let p = c.get(&work).await;
    assert!(p.text.contains("id=\"work-pay-due\"") && p.text.contains("id=\"pay-due-at\""));
    let due = &p.text[p.text.find("id=\"pay-amount\"").unwrap()..];
    assert!(due.contains(&format!("{} 元", amount / 100)), "{}", p.text);
    assert!(p.text.contains("id=\"pay-computed\""));

    // Rating refused without stars, then given; confirming pay.
    let r = c.submit(&work, &format!("/my-work/{id}/rate"), &[("comment", "很好")]).await;
    refused_at(&r, "score", "no stars");
    let r = c.submit(&work, &format!("/my-work/{id}/rate"), &[("score", "9"), ("comment", "")]).await;
    assert_eq!(r.status, 422);
    assert!(block(&r.text, "score").contains("field-error"));
    let r = c.submit(&work, &format!("/my-work/{id}/act"), &[("action", "confirm_pay")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = c.submit(&work, &format!("/my-work/{id}/rate"), &[("score", "5"), ("comment", "准时结算，谢谢")]).await;
    assert_eq!((r.status.as_u16(), r.location()), (303, format!("/my-work/{id}?done=rate#rate")), "{}", r.text);
    let seen = app.get(&format!("/api/v1/engagements/{id}"), Some(&token)).await;
    assert_eq!(seen.body["state"], "paid");
    let list = c.get("/my-work").await;
    let finished = &list.text[list.text.find("id=\"group-finished\"").expect("a finished group")..];
    assert!(finished.contains(&format!("id=\"work-{id}\"")));

    // The inbox page lists the steps: the place confirmed, then pay due; each opens this page.
    let inbox = c.get("/inbox").await;
    assert_eq!(inbox.status, 200);
    for kind in ["claim_confirmed", "pay_due"] {
        assert!(inbox.text.contains(&format!("data-kind=\"{kind}\"")), "{kind} missing: {}", inbox.text);
    }
}

#[tokio::test]
async fn each_bad_profile_field_gives_a_422_at_that_field_and_saves_nothing() {
    let app = spawn_app().await;
    let (mut c, token) = worker_client(&app).await;
    let cases: &[(&str, &str, &str)] = &[
        ("display_name", "", "display_name"),
        ("display_name", &"名".repeat(41), "display_name"),
        ("skills", "no_such_work", "skills"),
        ("lat", "north", "district"),
        ("lat", "95", "district"),
        ("district", "不存在的地方乙丙", "district"),
        ("radius_km", "far", "radius_km"),
        ("radius_km", "999", "radius_km"),
        ("pay_amount", "二十五", "expected_pay"),
        ("pay_amount", "25.555", "expected_pay"),
        ("pay_amount", "0", "expected_pay"),
        ("pay_unit", "week", "expected_pay"),
        ("id_number", "123456", "id_number"),
        ("key_groups", "vip", "key_groups"),
    ];
    for (field, value, at_id) in cases {
        let form = profile_form(&[(field, value)]);
        let r = c.submit("/me/profile", "/me/profile", &form).await;
        refused_at(&r, at_id, &format!("{field}={value}"));
        assert!(r.text.contains("id=\"error-summary\""), "{field}={value}: no summary");
        app.get("/api/v1/workers/me", Some(&token)).await.assert(404);
    }
    // Several at once: each at its own field.
    let r = c.submit("/me/profile", "/me/profile", &profile_form(&[("display_name", ""), ("radius_km", "x"), ("pay_amount", "x")])).await;
    for id in ["display_name", "radius_km", "expected_pay"] {
        refused_at(&r, id, "together");
    }
    // What was typed comes back.
    assert!(r.text.contains("value=\"x\""));
}

#[tokio::test]
async fn each_bad_availability_field_gives_a_422_at_that_field_and_saves_nothing() {
    let app = spawn_app().await;
    let (mut c, token) = worker_client(&app).await;
    // Without a profile the availability page sends the worker to make one.
    let r = c.get("/me/availability").await;
    assert_eq!((r.status.as_u16(), r.location()), (303, "/me/profile".to_string()));
    let profile = profile_form(&[]);
    assert_eq!(c.submit("/me/profile", "/me/profile", &profile).await.status, 303);
    let good: Vec<(&str, &str)> = vec![("grid", "1-morning"), ("district", ""), ("radius_km", "5"), ("min_pay", "")];
    let later = at(3, 0);
    let cases: Vec<(Vec<(&str, &str)>, &str, &str)> = vec![
        (vec![("grid", "")], "windows", "no window"),
        (vec![("grid", "8-morning")], "windows", "no such weekday"),
        (vec![("grid", "1-night")], "windows", "no such part of the day"),
        (vec![("date", "2020-01-01"), ("from", "08:00"), ("to", "12:00")], "windows", "a past date"),
        (vec![("date", "明天"), ("from", "08:00"), ("to", "12:00")], "windows", "not a date"),
        (vec![("date", &later[..10]), ("from", "8点"), ("to", "12:00")], "windows", "not a time"),
        (vec![("radius_km", "abc")], "radius_km", "radius not a number"),
        (vec![("radius_km", "500")], "radius_km", "radius too far"),
        (vec![("categories", "nope")], "categories", "unknown category"),
        (vec![("min_pay", "lots")], "min_pay", "pay not an amount"),
        (vec![("district", "不存在的地方乙丙")], "district", "unknown district"),
    ];
    for (changes, at_id, case) in cases {
        let mut form = good.clone();
        for (k, v) in &changes {
            if *k == "grid" || *k == "district" || *k == "radius_km" || *k == "min_pay" {
                form.retain(|(fk, _)| fk != k);
            }
            form.push((k, v));
        }
        let r = c.submit("/me/availability", "/me/availability", &form).await;
        refused_at(&r, at_id, case);
        let list = app.get("/api/v1/workers/me/availability", Some(&token)).await;
        assert_eq!(list.body["items"], json!([]), "{case}: nothing saved");
    }
}

#[tokio::test]
async fn saving_a_search_as_an_alert_from_the_home_page() {
    let app = spawn_app().await;
    let (mut c, token) = worker_client(&app).await;
    assert_eq!(c.submit("/me/profile", "/me/profile", &profile_form(&[])).await.status, 303);

    // Refusals: no place, a query of punctuation only, an unknown category; nothing is saved.
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("q", "保洁"), ("lat", ""), ("lng", ""), ("district", ""), ("radius_km", "10"), ("category", "")], "district"),
        (&[("q", "!!!"), ("lat", "39.9"), ("lng", "116.4"), ("district", ""), ("radius_km", "10"), ("category", "")], "q"),
        (&[("q", ""), ("lat", "39.9"), ("lng", "116.4"), ("district", ""), ("radius_km", "10"), ("category", "nope")], "category"),
        (&[("q", ""), ("lat", "39.9"), ("lng", "116.4"), ("district", ""), ("radius_km", "far"), ("category", "")], "radius_km"),
        (&[("q", ""), ("lat", ""), ("lng", ""), ("district", "不存在的地方乙丙"), ("radius_km", "10"), ("category", "")], "district"),
    ];
    for (form, at_id) in cases {
        let r = c.submit("/", "/me/alerts", form).await;
        refused_at(&r, at_id, &format!("{form:?}"));
    }
    let list = app.get("/api/v1/workers/me/alerts", Some(&token)).await;
    assert_eq!(list.body["items"], json!([]));

    // The home page's form, located by a district name.
    let r = c
        .submit(
            "/?q=保洁&district=东城",
            "/me/alerts",
            &[("q", "保洁"), ("lat", ""), ("lng", ""), ("district", "东城"), ("radius_km", "5"), ("category", "cleaning")],
        )
        .await;
    assert_eq!((r.status.as_u16(), r.location()), (303, "/me/alerts?saved=1".to_string()), "{}", r.text);
    let list = app.get("/api/v1/workers/me/alerts", Some(&token)).await;
    let a: &Value = &list.body["items"][0];
    assert_eq!((a["q"].as_str(), a["radius_km"].as_f64(), a["categories"].clone()), (Some("保洁"), Some(5.0), json!(["cleaning"])));
    assert!(a["lat"].as_f64().is_some_and(|l| (l - 39.93).abs() < 0.2), "{a}");
    let page = c.get("/me/alerts").await;
    let aid = a["id"].as_i64().unwrap();
    assert!(page.text.contains(&format!("id=\"alert-{aid}\"")) && page.text.contains("保洁"));
    let csrf = page.csrf();
    let r = c.post(&format!("/me/alerts/{aid}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303);
    let list = app.get("/api/v1/workers/me/alerts", Some(&token)).await;
    assert_eq!(list.body["items"], json!([]));
}
