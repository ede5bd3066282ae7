//! Prometheus metrics: request counts and latency histograms by route pattern.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

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

    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
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
