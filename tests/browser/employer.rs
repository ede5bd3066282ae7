//! The employer's journey on the phone: register, profile, post a shift whose description asks
//! for a deposit (the live finding shows as they type, the post is refused at the field), fix it,
//! publish; accept an applicant; confirm the attendance, complete, rate.

use chrono::DateTime;
use serde_json::json;

use crate::bodies::at;
use crate::browser::Browser;
use crate::helpers::{TestApp, spawn_app, unique};

fn move_to(app: &TestApp, rfc3339: &str) {
    let by = DateTime::parse_from_rfc3339(rfc3339).unwrap().naive_utc() - app.clock.now();
    assert!(by >= chrono::Duration::zero());
    app.clock.advance(by);
}

/// `YYYY-MM-DD` of `at(days, 0)`.
fn day(days: i64) -> String {
    at(days, 0)[..10].to_string()
}

#[tokio::test]
async fn an_employer_posts_fixes_a_fee_demand_accepts_and_completes() {
    let app = spawn_app().await;
    let b = Browser::start(&app).await;
    b.goto("/register?role=employer").await;
    b.fill("#phone", &format!("135{:08}", unique() % 100_000_000)).await;
    b.fill("#display_name", "王经理").await;
    b.fill("#password", "a-good-passphrase").await;
    b.click("#submit").await;
    assert_eq!(b.path().await, "/employer/profile");
    b.check_page("profile-new").await;

    b.fill("#name", "北京城市综合服务有限公司").await;
    b.click("#kind-enterprise").await;
    b.fill("#credit_code", "91350100M000100Y43").await;
    b.fill("#contact_name", "王经理").await;
    b.fill("#contact_phone", "13812345678").await;
    b.fill("#address", "北京市朝阳区建国路88号").await;
    b.js("document.getElementById('lat').value = '39.9087'; document.getElementById('lng').value = '116.4605';", vec![]).await;
    b.fill("#description", "社区家政与保洁服务").await;
    b.click("#profile-submit").await;
    assert!(b.exists("#verification").await, "{}", b.page_text().await);
    b.check_page("profile-saved").await;

    // A moderator verifies the employer (the bureau's side, through the API).
    let token = b.session_token().await;
    let me = app.get("/api/v1/employers/me", Some(&token)).await;
    me.assert(200);
    let moderator = app.staff("moderator").await;
    app.post(&format!("/api/v1/employers/{}/verify", me.body["id"]), Some(&moderator), json!({})).await.assert(200);

    b.goto("/employer/shifts/new").await;
    b.check_page("post-new").await;
    b.fill("#title", "家庭保洁员（日结）").await;
    b.select("#category", "cleaning").await;
    b.fill("#description", "负责住户家庭日常保洁，工具由公司提供。入职需交押金200元").await;
    b.fill("#requirements", "身体健康，做事细心").await;
    b.fill("#headcount", "2").await;
    b.fill("#address", "北京市朝阳区建国路88号").await;
    b.js("document.getElementById('lat').value = '39.9087'; document.getElementById('lng').value = '116.4605';", vec![]).await;
    b.js(
        "const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); };
         set('slot-0-date', arguments[0]); set('slot-0-start', '08:00'); set('slot-0-end', '12:00'); set('valid_through', arguments[1]);",
        vec![json!(day(2)), json!(day(2))],
    )
    .await;
    b.fill("#pay_yuan", "35").await;
    b.select("#pay_unit", "hour").await;
    // The live check, as typed: the deposit is named with the phrase quoted.
    let live = b.wait_text("#live-findings", "押金").await;
    println!("live finding: {live}");
    b.check_here("live-finding").await;
    b.click("#post-submit").await;
    let at_field = b.text("#description-error").await;
    assert!(at_field.contains("押金"), "the finding at the description: {at_field}");
    b.check_here("post-refused").await;

    b.fill("#description", "负责住户家庭日常保洁，工具由公司提供。").await;
    b.click("#post-submit").await;
    let path = b.path().await;
    assert!(path.starts_with("/employer/shifts/"), "posted: {path} {}", b.page_text().await);
    assert_eq!(b.attr("#shift-status", "data-status").await.as_deref(), Some("published"));
    b.check_page("posted").await;
    let shift: i64 = path.trim_start_matches("/employer/shifts/").split(['?', '#']).next().unwrap().parse().unwrap();

    // A worker applies (their pages are tested in worker.rs).
    let (worker, _) = app.worker().await;
    let r = app.post(&format!("/api/v1/shifts/{shift}/applications"), Some(&worker), json!({"note": "做过三年家政"})).await;
    r.assert(201);
    let id = r.body["id"].as_i64().unwrap();
    b.goto(&format!("/employer/shifts/{shift}")).await;
    b.check_page("applicant").await;
    b.click(&format!("#applicant-{id} a")).await;
    b.check_page("engagement-applied").await;
    b.click("#act-accept").await;
    assert_eq!(b.attr("#engagement-state", "data-state").await.as_deref(), Some("confirmed"));
    b.check_page("accepted").await;

    // The day: the worker checks in and out on the spot.
    move_to(&app, &at(2, 8));
    let here = json!({"lat": 39.9087, "lng": 116.4605});
    app.post(&format!("/api/v1/engagements/{id}/check-in"), Some(&worker), here.clone()).await.assert(200);
    app.clock.advance(chrono::Duration::hours(4));
    app.post(&format!("/api/v1/engagements/{id}/check-out"), Some(&worker), here).await.assert(200);

    b.goto(&format!("/employer/engagements/{id}")).await;
    b.check_page("checked-out").await;
    b.click("#attendance [id^=confirm-]").await;
    b.check_page("attendance-confirmed").await;
    b.click("#act-complete").await;
    assert_eq!(b.attr("#engagement-state", "data-state").await.as_deref(), Some("completed"));
    assert!(b.text("#amount-computed").await.contains("140"), "4 h at 35 元: {}", b.page_text().await);
    b.check_page("completed").await;
    b.select("#score", "5").await;
    b.fill("#comment", "认真负责").await;
    b.click("#rate-submit").await;
    assert!(b.exists("#rated-notice").await, "{}", b.page_text().await);
    b.check_page("rated").await;
}
