//! Pages as they are first shown (GET), visitor and signed in: each screenshot and checked with
//! JS on and off. The journeys (account.rs, shift.rs) go on to post their forms.

use crate::browser::Browser;
use crate::fixtures::a_shift;
use crate::helpers::spawn_app;

#[tokio::test]
async fn visitor_pages_render_on_a_phone() {
    let app = spawn_app().await;
    let shift = a_shift(&app, "instant").await;
    let b = Browser::start(&app).await;
    for (path, step) in [("/register", "register"), ("/register?role=employer", "register-employer"), ("/signin?next=/inbox", "signin")] {
        b.goto(path).await;
        b.check_page(step).await;
    }
    b.goto(&format!("/shifts/{shift}")).await;
    b.check_page("shift").await;
    assert!(b.text("#shift-title").await.contains("保洁"));
    assert!(b.text("#free-notice").await.contains("不收任何费用"));
    assert!(b.attr("#signin-to-take", "href").await.is_some_and(|h| h.ends_with(&format!("/signin?next=/shifts/{shift}"))));
    // The report form opens without JS too (<details>).
    b.click("#report-open").await;
    b.check_here("shift-report-open").await;
    b.goto("/no-such-page").await;
    let text = b.page_text().await;
    assert!(text.contains("零工市场"), "a page, not JSON, for a missing page: {text}");
}

#[tokio::test]
async fn signed_in_worker_pages_render_on_a_phone() {
    let app = spawn_app().await;
    let shift = a_shift(&app, "apply").await;
    let (token, _) = app.worker().await;
    let b = Browser::start(&app).await;
    b.sign_in_with_token(&token).await;
    b.goto("/inbox").await;
    b.check_page("inbox").await;
    assert!(b.exists("#signout").await && b.exists("#nav-work").await, "signed in as a worker");
    b.goto(&format!("/shifts/{shift}")).await;
    b.check_page("shift-worker").await;
    assert!(b.text("#take-submit").await.contains("报名"));
    b.goto("/account/password").await;
    b.check_page("password").await;
}

/// The pages a worker and an employer use, in the large-text mode (适老化) and then in English:
/// each passes every check (the large-text rule among them: body text at least 20 px, nothing
/// wider than the phone's screen) with JS on and off.
#[tokio::test]
async fn the_other_pages_in_large_text_and_in_english() {
    let app = spawn_app().await;
    let shift = a_shift(&app, "apply").await;
    let (token, _) = app.worker().await;
    let b = Browser::start(&app).await;
    b.sign_in_with_token(&token).await;
    let shift_page = format!("/shifts/{shift}");
    let worker_pages = ["/", "/me/profile", "/me/availability", "/me/alerts", "/my-work", "/inbox", shift_page.as_str()];
    b.goto("/display/large?back=/").await;
    assert!(b.exists("html.large").await, "the large-text switch turns the mode on");
    for path in worker_pages {
        b.goto(path).await;
        b.check_page(&format!("large{}", path.replace('/', "-"))).await;
    }
    b.goto("/lang/en?back=/").await;
    assert_eq!(b.attr("html", "lang").await.as_deref(), Some("en"));
    for path in worker_pages {
        b.goto(path).await;
        b.check_page(&format!("large-en{}", path.replace('/', "-"))).await;
    }
    let (employer, _) = app.employer(true).await;
    b.sign_in_with_token(&employer).await;
    for path in ["/employer", "/employer/post", "/employer/profile"] {
        b.goto(path).await;
        b.check_page(&format!("large-en{}", path.replace('/', "-"))).await;
    }
}
