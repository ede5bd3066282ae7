//! Grid cells as index terms, so a text search near a point only walks postings of its own area
//! (and, for a short time window, of its own days) instead of scoring every match in the country
//! and throwing most away.
//!
//! Each shift carries: its fine cell (0.05°, about 5 km), its coarse cell (0.5°, about 50 km),
//! and its fine cell combined with each local (Asia/Shanghai) day one of its slots touches. A
//! query asks for any of the cells that cover its circle or box; the exact distance, box and
//! window checks happen afterwards on the few documents that remain, so cells only ever narrow
//! the candidates, never decide a match.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::domain::GeoPoint;
use crate::search::engine::distance_km;
use crate::search::timefit::Interval;

const FINE_DEG: f64 = 0.05;
const COARSE_DEG: f64 = 0.5;
/// More cells than this and the union costs more than it saves; try the next level.
const MAX_CELLS: usize = 80;
/// Day cells are used for windows of at most this many local days.
const MAX_DAYS: i64 = 14;
/// A slot touching more local days than this gets a day-independent marker instead.
const MAX_SLOT_DAYS: i64 = 3;

/// China has kept UTC+8 all year since 1991.
const LOCAL_OFFSET_HOURS: i64 = 8;

fn index(deg: f64, v: f64) -> i64 {
    (v / deg).floor() as i64
}

fn fine(x: i64, y: i64) -> String {
    format!("f{x}_{y}")
}

fn coarse(x: i64, y: i64) -> String {
    format!("C{x}_{y}")
}

fn fine_day(x: i64, y: i64, day: &str) -> String {
    format!("d{x}_{y}_{day}")
}

fn local_day(t: NaiveDateTime) -> NaiveDate {
    (t + Duration::hours(LOCAL_OFFSET_HOURS)).date()
}

fn day_key(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// The local days an interval touches (its end is exclusive).
fn days_of(start: NaiveDateTime, end: NaiveDateTime) -> impl Iterator<Item = NaiveDate> {
    let first = local_day(start);
    let last = local_day((end - Duration::seconds(1)).max(start));
    first.iter_days().take_while(move |d| *d <= last)
}

/// The cell terms of a shift at `p` with `slots`.
pub fn doc_cells(p: GeoPoint, slots: &[Interval]) -> Vec<String> {
    let (x, y) = (index(FINE_DEG, p.lng), index(FINE_DEG, p.lat));
    let mut out = vec![fine(x, y), coarse(index(COARSE_DEG, p.lng), index(COARSE_DEG, p.lat))];
    for s in slots {
        if (local_day(s.end) - local_day(s.start)).num_days() >= MAX_SLOT_DAYS {
            out.push(fine_day(x, y, "any"));
            continue;
        }
        for d in days_of(s.start, s.end) {
            out.push(fine_day(x, y, &day_key(d)));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Cells of size `deg` overlapping the box, skipping those no point of which is within
/// `circle` (centre, km) when given; `None` when there would be too many.
fn cover(deg: f64, min: [f64; 2], max: [f64; 2], circle: Option<(GeoPoint, f64)>) -> Option<Vec<(i64, i64)>> {
    let (x0, x1) = (index(deg, min[0]), index(deg, max[0]));
    let (y0, y1) = (index(deg, min[1]), index(deg, max[1]));
    if (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS as i64 * 2 {
        return None;
    }
    let mut out = Vec::new();
    for x in x0..=x1 {
        for y in y0..=y1 {
            if let Some((c, r)) = circle {
                // The cell's point nearest the centre.
                let lng = c.lng.clamp(x as f64 * deg, (x + 1) as f64 * deg);
                let lat = c.lat.clamp(y as f64 * deg, (y + 1) as f64 * deg);
                if distance_km(c, GeoPoint { lat, lng }) > r {
                    continue;
                }
            }
            out.push((x, y));
        }
    }
    (out.len() <= MAX_CELLS).then_some(out)
}

/// The cell terms any shift within the area (and, when given, touching the window) carries at
/// least one of; `None` when the area is too large for cells to help.
pub fn query_cells(min: [f64; 2], max: [f64; 2], circle: Option<(GeoPoint, f64)>, window: Option<(NaiveDateTime, NaiveDateTime)>) -> Option<Vec<String>> {
    if let Some(cells) = cover(FINE_DEG, min, max, circle) {
        let days: Option<Vec<String>> = window.and_then(|(from, to)| {
            let days: Vec<String> = days_of(from, to.max(from + Duration::seconds(1))).take(MAX_DAYS as usize + 1).map(day_key).collect();
            (days.len() as i64 <= MAX_DAYS).then_some(days)
        });
        return Some(match days {
            Some(days) if cells.len() * (days.len() + 1) <= 4 * MAX_CELLS * 4 => cells
                .iter()
                .flat_map(|&(x, y)| days.iter().map(move |d| fine_day(x, y, d)).chain(std::iter::once(fine_day(x, y, "any"))))
                .collect(),
            _ => cells.into_iter().map(|(x, y)| fine(x, y)).collect(),
        });
    }
    cover(COARSE_DEG, min, max, circle).map(|cells| cells.into_iter().map(|(x, y)| coarse(x, y)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    /// Brute force: does any query cell appear among the document's cells?
    fn found(doc: &[String], q: &Option<Vec<String>>) -> bool {
        match q {
            None => true,
            Some(q) => q.iter().any(|c| doc.contains(c)),
        }
    }

    #[test]
    fn every_point_in_the_circle_is_covered() {
        let c = GeoPoint { lat: 31.2304, lng: 121.4737 };
        let r = 8.0;
        let slots = [Interval { start: t("2026-11-23 01:00"), end: t("2026-11-23 09:00") }];
        let env = crate::search::engine::envelope(c, r);
        let q = query_cells(env.lower(), env.upper(), Some((c, r)), None);
        assert!(q.is_some());
        for i in 0..400 {
            let a = (i as f64) * 0.7;
            let k = (i % 20) as f64 / 20.0 * r;
            let p = GeoPoint { lat: c.lat + k / 110.574 * a.sin(), lng: c.lng + k / (111.32 * c.lat.to_radians().cos()) * a.cos() };
            if distance_km(c, p) <= r {
                assert!(found(&doc_cells(p, &slots), &q), "{p:?}");
            }
        }
    }

    #[test]
    fn day_cells_follow_local_days_and_overnight_slots() {
        let p = GeoPoint { lat: 39.9, lng: 116.4 };
        // 22:00–06:00 local on the 23rd/24th is 14:00–22:00 UTC on the 23rd.
        let night = [Interval { start: t("2026-11-23 14:00"), end: t("2026-11-23 22:00") }];
        let cells = doc_cells(p, &night);
        let env = crate::search::engine::envelope(p, 3.0);
        let window = |a: &str, b: &str| query_cells(env.lower(), env.upper(), Some((p, 3.0)), Some((t(a), t(b))));
        // The morning of the 24th (local) touches the slot's second day.
        assert!(found(&cells, &window("2026-11-23 20:00", "2026-11-24 02:00")));
        // The 25th local does not.
        assert!(!found(&cells, &window("2026-11-24 16:00", "2026-11-25 16:00")));
        // Long windows fall back to place-only cells.
        assert!(found(&cells, &window("2026-11-01 00:00", "2026-12-30 00:00")));
    }

    #[test]
    fn huge_areas_use_coarse_cells_or_none() {
        let c = GeoPoint { lat: 31.0, lng: 121.0 };
        let env = crate::search::engine::envelope(c, 60.0);
        let q = query_cells(env.lower(), env.upper(), Some((c, 60.0)), None).unwrap();
        assert!(q.iter().all(|c| c.starts_with('C')));
        assert!(query_cells([70.0, 15.0], [135.0, 55.0], None, None).is_none());
    }
}
