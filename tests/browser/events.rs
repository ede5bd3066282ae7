//! A recruitment event (专场招聘) as its people meet it: an employer on a phone joins the event and
//! adds a shift to it, a worker registers, the moderator's console shows the check-in QR code,
//! and on the day the worker opens the code's link and is checked in once. Page checks (axe,
//! phone layout, JS off) at every step.

use chrono::DateTime;
use serde_json::json;

use crate::bodies::{at, shift_body};
use crate::browser::Browser;
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_employer_joins_a_worker_registers_and_checks_in_by_the_qr_link() {
    let app = spawn_app().await;
    let moderator = app.staff("moderator").await;
    let body = json!({
        "title": "朝阳区高校毕业生专场招聘会",
        "description": "家政、保洁、养老护理等岗位，现场面试。",
        "kind": "on_site",
        "starts_at": at(2, 9),
        "ends_at": at(2, 12),
        "address": "北京市朝阳区建国路100号",
        "lat": 39.9100,
        "lng": 116.4600,
        "adcode": "110105",
        "organiser": "朝阳区人力资源和社会保障局",
        "target_groups": ["graduate"],
        "categories": ["cleaning"]
    });
    let r = app.post("/api/v1/events", Some(&moderator), body).await;
    r.assert(201);
    let event = r.body["id"].as_i64().unwrap();
    let (employer, _) = app.employer(true).await;
    let mut s = shift_body();
    s["slots"] = json!([{"start": at(3, 8), "end": at(3, 12)}]);
    s["valid_through"] = json!(at(3, 0));
    let r = app.post("/api/v1/shifts", Some(&employer), s).await;
    r.assert(201);
    let shift = r.body["id"].as_i64().unwrap();

    // The employer, on a phone: from the list of events to joining and adding the shift.
    let b = Browser::start(&app).await;
    b.sign_in_with_token(&employer).await;
    b.goto("/events").await;
    b.check_page("events-list").await;
    b.click(&format!("#events a[href='/events/{event}']")).await;
    assert_eq!(b.text("#event-title").await, "朝阳区高校毕业生专场招聘会");
    b.check_page("event-employer").await;
    b.click("#join-form button").await;
    b.select("#shift_id", &shift.to_string()).await;
    b.click("#attach-form button").await;
    assert!(b.exists(&format!("#event-shifts #shift-{shift}")).await, "the shift is listed at the event");
    assert!(b.exists(&format!("#detach-form-{shift}")).await);
    b.check_page("event-attached").await;

    // A worker, on a phone: registers, and the shift is there to look at.
    let (worker, _) = app.worker().await;
    let w = Browser::start(&app).await;
    w.sign_in_with_token(&worker).await;
    w.goto(&format!("/events/{event}")).await;
    w.click("#interest-form button").await;
    assert!(w.exists("#withdraw-form").await, "registered: the worker may withdraw");
    w.check_page("event-registered").await;

    // The moderator's console: the QR code and the link it holds.
    let m = Browser::start(&app).await;
    m.sign_in_with_token(&moderator).await;
    m.goto(&format!("/console/events/{event}")).await;
    assert!(m.exists("#event-qr svg").await, "the check-in QR code is drawn");
    let link = m.text("#check-in-url").await;
    let path = &link[link.find("/events/").expect("a check-in link")..];
    m.check_page("event-console").await;

    // On the day, the worker opens the link: checked in once, the second visit says so.
    let start = DateTime::parse_from_rfc3339(&at(2, 9)).unwrap().naive_utc();
    app.clock.advance(start - app.clock.now());
    w.goto(path).await;
    assert!(w.text("#check-in-first").await.contains("签到成功"), "checked in");
    w.check_here("checked-in").await;
    w.goto(path).await;
    assert!(w.text("#check-in-first").await.contains("已签到过"), "a second scan is the same check-in");
    let counts = app.get(&format!("/api/v1/events/{event}/counts"), None).await;
    counts.assert(200);
    assert_eq!(counts.body["visitors"], 1, "{}", counts.text);
    assert_eq!(counts.body["employers"], 1, "{}", counts.text);
}
