//! Search URLs for wrk in the HTTP run, one per line.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use chrono::NaiveDateTime;

use crate::progress::log;
use crate::queries::{Kind, queries};
use crate::world::World;

/// Percent-encodes all but RFC 3986 unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Writes `n` search URLs (path and query string) to `path`, alternating text and pure geo
/// queries of the same seeded mix as the in-process run.
pub fn write_urls(path: &Path, n: usize, seed: u64) -> anyhow::Result<()> {
    let w = World::new()?;
    let text = queries(&w, seed, n.div_ceil(2), Kind::Text);
    let geo = queries(&w, seed, n / 2, Kind::Geo);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let local = |t: NaiveDateTime| lingong::domain::time::to_display(t).to_rfc3339();
    for i in 0..text.len().max(geo.len()) {
        for q in [text.get(i), geo.get(i)].into_iter().flatten() {
            let mut url = String::from("/api/v1/shifts/search?");
            if let Some(words) = q.words {
                let _ = write!(url, "q={}&", encode(words));
            }
            let _ = write!(url, "lat={}&lng={}&radius_km={}", q.lat, q.lng, q.radius_km);
            if let (Some(from), Some(to)) = (q.from, q.to) {
                let _ = write!(url, "&from={}&to={}", encode(&local(from)), encode(&local(to)));
            }
            url.push_str("&limit=20");
            writeln!(out, "{url}")?;
        }
    }
    out.flush()?;
    log(format!("wrote {} URLs to {}", text.len() + geo.len(), path.display()));
    Ok(())
}
