//! Latency statistics and time conversions, the same for every engine measured.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Nearest-rank percentile of already sorted values.
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Count, p50, p90, p99, mean and max of latencies in milliseconds, as the report reads them.
pub fn stats(lat_ms: &[f64]) -> Value {
    let mut v = lat_ms.to_vec();
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    json!({"n": v.len(), "p50": pct(&v, 50.0), "p90": pct(&v, 90.0), "p99": pct(&v, 99.0), "mean": mean, "max": v.last().copied().unwrap_or(f64::NAN)})
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Milliseconds since `t`, the unit every latency is recorded in.
pub fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
