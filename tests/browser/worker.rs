//! The worker's journey on the phone, every page checked (axe, console, layout, JS off): register,
//! profile with the phone's location, availability, find a 保洁 shift near where the phone is,
//! claim it, check in and out on the day with the location sent, pay due, confirm, rate; the
//! inbox has each step. And check-in with location refused: it still goes, flagged.

use chrono::DateTime;
use serde_json::json;

use crate::bodies::{at, shift_body};
use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app, unique};

/// An instant-claim 保洁 shift on day 2, 08:00–12:00 at 建国路88号; (employer token, shift id).
async fn cleaning_shift(app: &TestApp) -> (String, i64) {
    let (employer, _) = app.employer(true).await;
    let mut s = shift_body();
    s["take_mode"] = json!("instant");
    s["valid_through"] = json!(at(5, 0));
    s["slots"] = json!([{"start": at(2, 8), "end": at(2, 12)}]);
    let r = app.post("/api/v1/shifts", Some(&employer), s).await;
    r.assert(201);
    (employer, r.body["id"].as_i64().unwrap())
}

/// Moves the app's clock forward to `rfc3339`.
fn move_to(app: &TestApp, rfc3339: &str) {
    let by = DateTime::parse_from_rfc3339(rfc3339).unwrap().naive_utc() - app.clock.now();
    assert!(by >= chrono::Duration::zero());
    app.clock.advance(by);
}

async fn state(b: &Browser) -> String {
    match b.find_all("#work-state").await.first() {
        Some(e) => e.attr("data-state").await.ok().flatten().unwrap_or_default(),
        None => String::new(),
    }
}

/// Waits for the engagement to show `want`: check-in and check-out forms wait for the phone's
/// location (or its refusal) before they are sent.
async fn wait_state(b: &Browser, want: &str) {
    let started = std::time::Instant::now();
    while state(b).await != want {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "never {want}: {}", b.page_text().await);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_worker_registers_finds_claims_works_and_is_paid() {
    let app = spawn_app().await;
    let (employer, shift) = cleaning_shift(&app).await;
    let b = Browser::start(&app).await;
    // The phone is at the shift's street.
    b.set_location(39.9087, 116.4605).await;

    b.goto("/register").await;
    b.fill("#phone", &format!("137{:08}", unique() % 100_000_000)).await;
    b.fill("#display_name", "李秀英").await;
    b.fill("#password", "a-good-passphrase").await;
    b.click("#submit").await;
    assert_eq!(b.path().await, "/me/profile");
    b.check_page("profile-new").await;

    b.check("#skill-cleaning", true).await;
    b.click("#use-location").await;
    b.wait_text("#main", "有空").await;
    assert!(b.path().await.starts_with("/me/availability"), "a first profile goes on to availability: {}", b.path().await);
    b.check_page("availability-first").await;

    b.check("#grid-6-morning", true).await;
    b.check("#grid-7-morning", true).await;
    b.check("#cat-cleaning", true).await;
    b.click("#availability-submit").await;
    assert!(b.exists("#availability-saved").await, "saved: {}", b.page_text().await);
    b.check_here("availability-saved").await;

    // Home near where the phone is: the 保洁 shift is listed.
    b.goto("/?q=保洁").await;
    b.click("#use-location").await;
    b.wait_text("#result-summary", "共").await;
    assert!(b.path().await.contains("lat=39.9087"), "{}", b.path().await);
    b.check_page("home-near").await;
    b.click(&format!("#shift-{shift}")).await;
    b.check_page("shift").await;
    b.click("#take-submit").await;
    let work = b.path().await;
    let work = work.split('?').next().unwrap().to_string();
    assert!(work.starts_with("/my-work/"), "{work}");
    assert_eq!(state(&b).await, "confirmed", "an instant claim is confirmed at once");
    b.check_page("claimed").await;
    assert!(b.exists("#contact-phone").await, "confirmed: the employer's number is shown");

    // The day comes: check in at 08:00 on the spot, out at 12:00.
    move_to(&app, &at(2, 8));
    b.goto(&work).await;
    b.click("#check_in-submit").await;
    wait_state(&b, "checked_in").await;
    b.check_page("checked-in").await;
    app.clock.advance(chrono::Duration::hours(4));
    b.goto(&work).await;
    b.click("#check_out-submit").await;
    wait_state(&b, "checked_out").await;
    b.check_page("checked-out").await;

    // The employer completes (their pages are tested in employer.rs): 4 h at 35 元/h.
    let id: i64 = work.trim_start_matches("/my-work/").parse().unwrap();
    let e = app.get(&format!("/api/v1/engagements/{id}"), Some(&employer)).await;
    let slot = e.body["slots"][0]["id"].as_i64().unwrap();
    let att = &e.body["attendance"][0];
    assert_eq!(att["check_in_distance_m"], 0, "the phone's location went with the check-in: {att}");
    app.put(&format!("/api/v1/engagements/{id}/attendance/{slot}"), Some(&employer), json!({})).await.assert(200);
    app.post(&format!("/api/v1/engagements/{id}/complete"), Some(&employer), json!({})).await.assert(200);

    b.goto(&work).await;
    // About 4 h at 35 元/h (the clock runs on while the pages load).
    assert!(b.text("#pay-amount").await.contains("元"), "pay due: {}", b.text("#work-pay-due").await);
    assert!(b.exists("#pay-due-at").await);
    b.check_page("pay-due").await;
    b.click("#confirm_pay-submit").await;
    assert_eq!(state(&b).await, "paid");
    b.check_page("paid").await;
    b.click("#score-5").await;
    b.fill("#comment", "结算及时，很守信").await;
    b.click("#rate-submit").await;
    assert!(b.path().await.contains("done=rate"), "{}", b.path().await);
    b.check_page("rated").await;

    b.goto("/inbox").await;
    b.check_page("inbox").await;
    let kinds = b.js("return [...document.querySelectorAll('#inbox-items [data-kind]')].map(e => e.dataset.kind)", vec![]).await;
    println!("inbox: {kinds}");
    let kinds: Vec<String> = kinds.as_array().unwrap().iter().map(|k| k.as_str().unwrap().to_string()).collect();
    assert!(kinds.len() >= 2, "the inbox has the steps: {kinds:?}");
}

#[tokio::test]
async fn location_refused_check_in_still_goes_flagged_no_location() {
    let app = spawn_app().await;
    let (employer, shift) = cleaning_shift(&app).await;
    let (token, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&token), json!({})).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    move_to(&app, &at(2, 8));

    let b = Browser::start(&app).await;
    b.deny_location().await;
    b.sign_in_with_token(&token).await;
    b.goto(&format!("/my-work/{id}")).await;
    b.check_page("before-check-in").await;
    b.click("#check_in-submit").await;
    // The page says it goes without location, then sends the form.
    wait_state(&b, "checked_in").await;
    b.check_page("checked-in-no-location").await;
    let e = app.get(&format!("/api/v1/engagements/{id}"), Some(&employer)).await;
    let flags = &e.body["attendance"][0]["flags"];
    assert!(flags.as_array().unwrap().iter().any(|f| f == "no_location"), "flagged for the employer: {flags}");
}
