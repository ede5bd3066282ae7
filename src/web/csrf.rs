//! The form token (CSRF): a random `lg_csrf` cookie, and in each form its HMAC under the server key.
//! Another site can make the browser send the cookie but can read neither it nor the page, so it
//! cannot produce the token; the token does not change with signing in, so a form opened before
//! signing in still posts.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use crate::error::Msg;
use crate::routes::error::ApiError;

pub const COOKIE: &str = "lg_csrf";

pub fn cookie_value(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn new_cookie_value() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

pub fn form_token(key: &str, cookie: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"lingong-csrf:");
    mac.update(cookie.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// Constant-time comparison of the posted token with the expected one; both must be present.
pub fn matches(given: Option<&str>, expected: Option<&str>) -> bool {
    match (given, expected) {
        (Some(g), Some(e)) if g.len() == e.len() => g.bytes().zip(e.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0,
        _ => false,
    }
}

pub fn refused() -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        code: "csrf_failed",
        msg: Msg::new(
            "表单已过期或来源不明，请返回上一页刷新后重新提交",
            "the form has expired or did not come from this site; go back, reload the page and send it again",
        ),
        fields: Vec::new(),
        retry_after_secs: None,
        allow: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_depends_on_key_and_cookie_and_must_match_exactly() {
        let c = new_cookie_value();
        let t = form_token("key-one-long", &c);
        assert!(matches(Some(&t), Some(&form_token("key-one-long", &c))));
        assert!(!matches(Some(&t), Some(&form_token("key-two-long", &c))));
        assert!(!matches(Some(&t), Some(&form_token("key-one-long", &new_cookie_value()))));
        assert!(!matches(None, Some(&t)));
        assert!(!matches(Some(&t), None));
        assert!(!matches(Some(""), Some(&t)));
        for i in 0..t.len() {
            let mut bad = t.clone().into_bytes();
            bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
            assert!(!matches(Some(std::str::from_utf8(&bad).unwrap()), Some(&t)), "position {i}");
        }
    }
}
