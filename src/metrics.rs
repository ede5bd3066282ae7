//! Prometheus metrics: request counts and latency histograms by route pattern.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

/// The route label of a request no route matched.
pub const OTHER_ROUTE: &str = "other";

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The method label: one of the standard methods, or `OTHER`.
pub fn method_label(method: &str) -> &'static str {
    METHODS.iter().find(|m| **m == method).copied().unwrap_or("OTHER")
}

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests =
            IntCounterVec::new(Opts::new("lingong_http_requests_total", "HTTP requests by route, method and status"), &["route", "method", "status"])
                .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("lingong_http_request_duration_seconds", "HTTP request latency by route and method")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["route", "method"],
        )
        .expect("valid metric");
        registry.register(Box::new(requests.clone())).expect("register once");
        registry.register(Box::new(latency.clone())).expect("register once");
        Metrics { registry, requests, latency }
    }

    /// Counts one request. Labels come from a fixed set, so no client can grow the series without
    /// bound: the matched route pattern (`other` when no route matched) and a standard method
    /// (`OTHER` for any other).
    pub fn observe(&self, route: Option<&str>, method: &str, status: u16, seconds: f64) {
        let (route, method) = (route.unwrap_or(OTHER_ROUTE), method_label(method));
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route, method]).observe(seconds);
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf).expect("text encoding");
        String::from_utf8(buf).expect("prometheus text is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_a_fixed_set() {
        let m = Metrics::new();
        for (i, method) in ["GET", "get", "FOO", "PROPFIND", "BREW", "G\u{e9}T", "CONNECT", "TRACE"].iter().enumerate() {
            m.observe(None, method, 404, 0.001 * i as f64);
        }
        let text = m.render();
        for line in text.lines().filter(|l| l.starts_with("lingong_http_requests_total{")) {
            assert!(line.contains("route=\"other\""), "{line}");
            assert!(line.contains("method=\"GET\"") || line.contains("method=\"OTHER\""), "{line}");
        }
        assert!(!text.contains("PROPFIND") && !text.contains("get\""), "{text}");
    }
}
