use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Installs the global tracing subscriber (once; later calls are ignored).
pub fn init(cfg: &LogConfig) {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(&cfg.level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    let _ = match cfg.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

// ---------------------------------------------------------------------------------------------
// The request log: one line per request, after its response.
// ---------------------------------------------------------------------------------------------

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use futures_util::FutureExt;
use tracing::Instrument;

/// Longest request target or user agent written to the log, in characters.
pub const MAX_LOGGED_CHARS: usize = 256;

/// Query parameters whose values are secrets (bearer-like tokens in links), besides any name
/// ending in `token`.
const SECRET_PARAMS: &[&str] = &["key", "api_key", "apikey", "secret", "password", "passwd", "signature", "sig", "code", "auth"];

/// Path prefixes whose next segment is a secret (the calendar feed's file name is its token).
const SECRET_PATH_PREFIXES: &[&str] = &["/api/v1/calendar/"];

fn secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with("token") || SECRET_PARAMS.contains(&n.as_str())
}

/// `s` cut to `max` characters (with `…` when cut), never inside a character.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A request target fit for the log: secret query values and calendar feed tokens replaced by `***`.
pub fn redact_target(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out = String::with_capacity(target.len());
    match SECRET_PATH_PREFIXES.iter().find(|p| path.starts_with(*p) && path.len() > p.len()) {
        Some(prefix) => {
            out.push_str(prefix);
            out.push_str("***");
        }
        None => out.push_str(path),
    }
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if secret_param(&percent_decode(k)) => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

/// Enough percent-decoding to see through `%74oken=` (ASCII only).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How loud a finished request is: server faults are errors, a refused request (4xx) is the
/// client's business and only information.
pub fn level_for(status: u16) -> tracing::Level {
    if status >= 500 { tracing::Level::ERROR } else { tracing::Level::INFO }
}

/// The request-log middleware (`wrap_fn`): a span around the request (so its handler's events
/// carry the method and target), then one event with status, client, user agent and latency.
pub fn request_log<S, B>(req: ServiceRequest, srv: &S) -> impl std::future::Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: actix_web::dev::Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let method = req.method().to_string();
    let target = truncate(&redact_target(&req.uri().to_string()), MAX_LOGGED_CHARS);
    let client = crate::routes::guard::client_key(req.request());
    let agent = truncate(req.headers().get(actix_web::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("-"), MAX_LOGGED_CHARS);
    let span = tracing::info_span!("request", %method, %target);
    let started = std::time::Instant::now();
    srv.call(req).instrument(span.clone()).map(move |res| {
        let _enter = span.enter();
        let ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
        let (status, code) = match &res {
            Ok(r) => (r.status().as_u16(), r.response().extensions().get::<crate::routes::error::ApiError>().map(|e| e.code)),
            Err(e) => (e.as_response_error().status_code().as_u16(), None),
        };
        let code = code.unwrap_or("");
        match level_for(status) {
            tracing::Level::ERROR => tracing::error!(status, code, %client, user_agent = %agent, ms, "request failed"),
            _ => tracing::info!(status, code, %client, user_agent = %agent, ms, "request"),
        }
        res
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_and_feed_tokens_are_redacted() {
        for name in ["token", "access_token", "follow_token", "refresh_token", "calendar_token", "TOKEN", "%74oken", "api_key", "password", "signature"] {
            for value in ["abc", "a%20b", "", "x=y"] {
                for (before, after) in [("", ""), ("page=2&", ""), ("", "&limit=5"), ("q=%E4%BF%9D%E6%B4%81&", "&x")] {
                    let target = format!("/api/v1/reports/3?{before}{name}={value}{after}");
                    let r = redact_target(&target);
                    assert!(r.contains(&format!("{name}=***")), "{target} -> {r}");
                    if !value.is_empty() {
                        assert!(!r.contains(&format!("{name}={value}")), "{target} -> {r}");
                    }
                    assert!(r.starts_with("/api/v1/reports/3?"), "{r}");
                }
            }
        }
        assert_eq!(redact_target("/api/v1/shifts?page=2&limit=5"), "/api/v1/shifts?page=2&limit=5");
        assert_eq!(redact_target("/api/v1/calendar/Zm9vYmFy.ics"), "/api/v1/calendar/***");
        assert_eq!(redact_target("/api/v1/calendar/Zm9vYmFy.ics?token=x"), "/api/v1/calendar/***?token=***");
        assert_eq!(redact_target("/api/v1/shifts"), "/api/v1/shifts");
    }

    #[test]
    fn long_values_are_truncated_on_character_boundaries() {
        for n in [0, 1, 255, 256, 257, 10_000] {
            for c in ['a', '岗', '😀'] {
                let s: String = std::iter::repeat_n(c, n).collect();
                let t = truncate(&s, MAX_LOGGED_CHARS);
                assert!(t.chars().count() <= MAX_LOGGED_CHARS + 1, "{n}");
                assert_eq!(t == s, n <= MAX_LOGGED_CHARS, "{n}");
            }
        }
    }

    #[test]
    fn client_errors_are_information_server_errors_are_errors() {
        for s in 100..600u16 {
            let want = if s >= 500 { tracing::Level::ERROR } else { tracing::Level::INFO };
            assert_eq!(level_for(s), want, "{s}");
        }
    }
}
