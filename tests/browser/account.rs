//! Registering and signing in on the phone: errors at their field in Chinese, then signed in.

use crate::browser::Browser;
use crate::helpers::{spawn_app, unique};

fn a_phone() -> String {
    format!("137{:08}", unique() % 100_000_000)
}

#[tokio::test]
async fn register_shows_errors_at_their_fields_then_signs_in() {
    let app = spawn_app().await;
    let b = Browser::start(&app).await;
    b.goto("/register").await;
    b.check_page("register").await;

    // A phone number too short and a password too short: each said at its field.
    b.fill("#phone", "1381234").await;
    b.fill("#display_name", "李秀英").await;
    b.fill("#password", "short").await;
    b.click("#submit").await;
    b.check_here("register-errors").await;
    assert!(b.exists("#error-summary").await);
    let phone_error = b.text("#phone-error").await;
    let password_error = b.text("#password-error").await;
    assert!(!phone_error.is_empty() && !password_error.is_empty());
    assert!(phone_error.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "the message is Chinese: {phone_error}");
    assert_eq!(b.attr("#phone", "aria-invalid").await.as_deref(), Some("true"));
    assert_eq!(b.attr("#phone", "value").await.as_deref(), Some("1381234"), "what was typed is kept");

    let phone = a_phone();
    b.fill("#phone", &phone).await;
    b.fill("#password", "a-good-passphrase").await;
    b.click("#submit").await;
    assert_eq!(b.path().await, "/me/profile", "a new worker goes on to their profile");
    assert!(b.exists("#signout").await, "signed in");
}

#[tokio::test]
async fn wrong_password_then_signed_in_back_where_asked() {
    let app = spawn_app().await;
    let (_, _, phone) = app.register("worker").await;
    let b = Browser::start(&app).await;
    b.goto("/signin?next=/inbox").await;
    b.check_page("signin").await;
    b.fill("#phone", &phone).await;
    b.fill("#password", "not-the-passphrase").await;
    b.click("#submit").await;
    b.check_here("signin-failed").await;
    assert!(b.text("#signin-error").await.contains("密码"));
    b.fill("#password", "a-good-passphrase").await;
    b.click("#submit").await;
    assert_eq!(b.path().await, "/inbox");
    b.check_page("inbox").await;
    b.click("#signout").await;
    assert!(b.exists("#nav-signin").await, "signed out");
}
