//! The edge of the HTTP API: who the client is (the one place that reads its address, for rate
//! limits and logs alike), which browser origins may call the API, that bodies are JSON, the
//! security headers of every response, and who may read `/metrics`.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpRequest, mime, web};
use futures_util::FutureExt;
use futures_util::future::{Either, LocalBoxFuture};

use crate::app::AppState;
use crate::config::ServerConfig;
use crate::error::Error;
use crate::routes::error::ApiError;

/// An IP address or a CIDR range, as `server.trusted_proxies` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Option<IpNet> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`, what a dual-stack socket reports) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The trusted proxies of the configuration (validated at start; a bad entry is skipped here).
pub fn trusted_proxies(cfg: &ServerConfig) -> Vec<IpNet> {
    cfg.trusted_proxies.iter().filter_map(|p| IpNet::parse(p)).collect()
}

/// Addresses a request passed through, nearest last: the `Forwarded` header's `for=` values (RFC
/// 7239) when present, else `X-Forwarded-For`. Unparseable entries (`unknown`, obfuscated ids) are `None`.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers.get_all(header::FORWARDED).filter_map(|v| v.to_str().ok()).collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|elem| {
                elem.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then(|| parse_forwarded_for(v.trim()))
                })
            })
            .collect();
    }
    headers.get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(|s| parse_forwarded_for(s.trim())).collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:443"`, `2001:db8::1`.
fn parse_forwarded_for(v: &str) -> Option<IpAddr> {
    let v = v.trim_matches('"');
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    v.rsplit_once(':').and_then(|(ip, _)| ip.parse::<std::net::Ipv4Addr>().ok()).map(IpAddr::V4)
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy — then the nearest
/// address in the forwarding chain that is not itself a trusted proxy.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = canonical(peer?);
    if !trusted.iter().any(|t| t.contains(peer)) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).into_iter().rev() {
        match hop.map(canonical) {
            Some(ip) => {
                client = ip;
                if !trusted.iter().any(|t| t.contains(ip)) {
                    break;
                }
            }
            // An entry we cannot read: stop at the last address we could trust.
            None => break,
        }
    }
    Some(client)
}

/// The key a client's budgets are counted under: its IPv4 address, or its IPv6 /64 (one
/// subscriber usually holds a whole /64, so counting single IPv6 addresses is no limit at all).
pub fn key_of(ip: Option<IpAddr>) -> String {
    match ip.map(canonical) {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let net = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
            format!("{net}/64")
        }
    }
}

/// The client key of a request, for rate limits and logs.
pub fn client_key(req: &HttpRequest) -> String {
    let trusted = req.app_data::<web::Data<AppState>>().map(|s| trusted_proxies(&s.config.server)).unwrap_or_default();
    key_of(client_ip(req.peer_addr().map(|a| a.ip()), req.headers(), &trusted))
}

/// Marks the separate metrics listener (`server.metrics_bind`), which serves `/metrics` only.
#[derive(Clone, Copy)]
pub struct MetricsListener;

/// Paths that take HTML form posts by design (RFC 8058 one-click unsubscribe from a mail client).
const FORM_PATHS: &[&str] = &["/api/v1/alerts/unsubscribe"];
/// Paths whose body is a CSV file (`text/csv`), not JSON.
const CSV_PATHS: &[&str] = &["/api/v1/shifts/import"];

/// `Content-Security-Policy` of HTML pages: nothing from elsewhere, no inline scripts, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn has_body(req: &ServiceRequest) -> bool {
    let h = req.headers();
    h.contains_key(header::TRANSFER_ENCODING)
        || h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok()).is_some_and(|n| n > 0)
}

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::APPLICATION && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON)))
}

/// Whether a browser on `origin` may call the API: a configured origin, or this service's own.
pub fn origin_allowed(cfg: &ServerConfig, origin: &str) -> bool {
    origin == cfg.public_url || cfg.allowed_origins.iter().any(|o| o == origin)
}

/// Whether `origin` names the host this request was sent to: the site's own pages posting their
/// forms, whatever address it is reached by. Another site's page cannot send its request with
/// our host as its origin.
fn same_host(req: &ServiceRequest, origin: &str) -> bool {
    let Some(host) = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(|o| o.eq_ignore_ascii_case(host))
}

fn bearer_is(req: &ServiceRequest, expected: &str) -> bool {
    let Some(value) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some((scheme, token)) = value.split_once(' ') else { return false };
    // Compare hashes so the time taken tells nothing about the token.
    scheme.eq_ignore_ascii_case("bearer") && crate::auth::token::hash(token.trim()) == crate::auth::token::hash(expected)
}

/// What the edge refuses before any handler runs, or `None` to go on.
fn refuse(req: &ServiceRequest) -> Option<ApiError> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let cfg = &state.config.server;
    let on_metrics_listener = req.app_data::<MetricsListener>().is_some();
    if req.path() == "/metrics" {
        if !cfg.metrics_bind.is_empty() && !on_metrics_listener {
            return Some(ApiError::route_not_found());
        }
        if !cfg.metrics_token.is_empty() && !bearer_is(req, &cfg.metrics_token) {
            return Some(Error::Unauthorized.into());
        }
    } else if on_metrics_listener {
        return Some(ApiError::route_not_found());
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let ok = origin.to_str().is_ok_and(|o| origin_allowed(cfg, o) || same_host(req, o));
        if !ok {
            return Some(ApiError::origin_not_allowed());
        }
    }
    let writes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if writes && req.path().starts_with("/api/") && has_body(req) && !is_json(req) && !FORM_PATHS.contains(&req.path()) && !CSV_PATHS.contains(&req.path()) {
        return Some(ApiError::unsupported_media_type());
    }
    None
}

/// Security headers: on every response `nosniff` and a referrer policy; on HTML pages also the
/// content security policy and `X-Frame-Options: DENY`.
pub fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // `same-origin`, not `no-referrer`: under no-referrer a browser sends `Origin: null` with the
    // site's own form posts, which the origin check must refuse; other sites still get nothing.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    let html = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
}

/// The edge middleware (`wrap_fn`): refusals first, then the security headers on whatever answers.
pub fn guard<S, B>(req: ServiceRequest, srv: &S) -> LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, actix_web::Error>>
where
    S: actix_web::dev::Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    let fut = match refuse(&req) {
        Some(err) => {
            let res = err.to_response(crate::error::Lang::Zh);
            Either::Left(futures_util::future::ready(Ok(req.into_response(res))))
        }
        None => Either::Right(srv.call(req).map(|r| r.map(|r| r.map_into_boxed_body()))),
    };
    fut.map(|res| {
        res.map(|mut res| {
            secure_headers(res.headers_mut());
            res
        })
    })
    .boxed_local()
}

/// CORS for the configured origins (and this service's own): preflights from them are answered,
/// other origins get no CORS headers (and are refused by [`guard`] before reaching here).
pub fn cors(cfg: &ServerConfig) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT, header::ACCEPT_LANGUAGE])
        .expose_headers([header::RETRY_AFTER, header::LOCATION])
        .max_age(3600);
    for o in cfg.allowed_origins.iter().chain(std::iter::once(&cfg.public_url)) {
        cors = cors.allowed_origin(o);
    }
    cors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted = vec![IpNet::parse("10.0.0.0/8").unwrap(), IpNet::parse("2001:db8:ffff::1").unwrap()];
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let h = headers(&[("x-forwarded-for", "198.51.100.7, 10.9.9.9")]);
        assert_eq!(client_ip(Some(peer), &h, &trusted), Some("198.51.100.7".parse().unwrap()));
        // A spoofed header from a peer that is not a proxy is ignored.
        assert_eq!(client_ip(Some(stranger), &h, &trusted), Some(stranger));
        assert_eq!(client_ip(Some(peer), &h, &[]), Some(peer));
        // A client prepending a fake hop does not help: the nearest untrusted hop wins.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7")]);
        assert_eq!(client_ip(Some(peer), &h, &trusted), Some("198.51.100.7".parse().unwrap()));
        for v in ["for=198.51.100.7", "for=\"198.51.100.7:4711\"", "for=\"[2001:db8::7]:443\";proto=https", "for=unknown, for=198.51.100.7"] {
            let h = headers(&[("forwarded", v)]);
            let got = client_ip(Some(peer), &h, &trusted).unwrap();
            assert!(got == "198.51.100.7".parse::<IpAddr>().unwrap() || got == "2001:db8::7".parse::<IpAddr>().unwrap(), "{v}: {got}");
        }
        assert_eq!(client_ip(Some(peer), &headers(&[]), &trusted), Some(peer));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        for low in [0u128, 1, 0xffff, u64::MAX as u128] {
            let ip = IpAddr::V6(Ipv6Addr::from(0x2001_0db8_0001_0002_u128 << 64 | low));
            assert_eq!(key_of(Some(ip)), "2001:db8:1:2::/64");
        }
        assert_ne!(key_of(Some("2001:db8:1:3::1".parse().unwrap())), "2001:db8:1:2::/64");
        assert_eq!(key_of(Some("::ffff:192.0.2.1".parse().unwrap())), "192.0.2.1");
        assert_eq!(key_of(Some("192.0.2.1".parse().unwrap())), "192.0.2.1");
    }

    #[test]
    fn cidr_ranges() {
        let n = IpNet::parse("192.168.0.0/16").unwrap();
        assert!(n.contains("192.168.40.1".parse().unwrap()));
        assert!(n.contains("::ffff:192.168.40.1".parse().unwrap()));
        assert!(!n.contains("192.169.0.1".parse().unwrap()));
        for bad in ["", "x", "10.0.0.0/33", "::/129", "10.0.0.0/-1"] {
            assert!(IpNet::parse(bad).is_none(), "{bad}");
        }
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
    }
}
