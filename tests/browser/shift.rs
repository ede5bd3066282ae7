//! A shift's page as a visitor and as a worker: what, when, where, who, the no-fees notice, and
//! taking it (报名 or 抢单), signing in on the way when needed; reporting it.

use crate::browser::Browser;
use crate::fixtures::{a_shift, worker_phone};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_visitor_signs_in_on_the_way_and_takes_the_shift() {
    let app = spawn_app().await;
    let shift = a_shift(&app, "instant").await;
    let phone = worker_phone(&app).await;
    let b = Browser::start(&app).await;
    b.goto(&format!("/shifts/{shift}")).await;
    b.check_page("shift-visitor").await;
    assert!(b.text("#shift-title").await.contains("保洁"));
    assert!(b.text("#free-notice").await.contains("不收任何费用"));

    b.click("#signin-to-take").await;
    b.fill("#phone", &phone).await;
    b.fill("#password", "a-good-passphrase").await;
    b.click("#submit").await;
    assert_eq!(b.path().await, format!("/shifts/{shift}"), "back at the shift after signing in");
    b.check_page("shift-worker").await;
    assert!(b.text("#take-submit").await.contains("抢单"));
    b.click("#take-submit").await;
    for _ in 0..50 {
        if b.path().await.starts_with("/my-work/") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(b.path().await.starts_with("/my-work/"), "taken: on to the engagement, at {}", b.path().await);
}

#[tokio::test]
async fn a_visitor_reports_a_shift_with_the_error_at_its_field_first() {
    let app = spawn_app().await;
    let shift = a_shift(&app, "apply").await;
    let b = Browser::start(&app).await;
    b.goto(&format!("/shifts/{shift}")).await;
    b.click("#report-open").await;
    b.fill("#description", "短").await;
    b.click("#report-submit").await;
    b.check_here("report-error").await;
    assert!(b.exists("#error-summary").await, "the too-short description is refused at its field");
    b.fill("#description", "面试时要求先交押金三百元").await;
    b.click("#report-submit").await;
    b.wait_text("#report-done", "举报已收到").await;
    b.check_page("reported").await;
}
