//! Grid cells as index terms, so a text search near a point only walks postings of its own area
//! instead of scoring every match in the country and throwing most away.
//!
//! Each shift carries its fine cell (0.05°, about 5 km) and its coarse cell (0.5°, about 50 km).
//! A query asks for any of the cells that cover its circle or box; the exact distance and box
//! checks happen afterwards on the few documents that remain, so cells only ever narrow the
//! candidates, never decide a match. (Cells per local day were tried as well: the extra terms
//! cost more to look up than the postings they saved.)

use crate::domain::GeoPoint;
use crate::search::engine::distance_km;

const FINE_DEG: f64 = 0.05;
const COARSE_DEG: f64 = 0.5;
/// More cells than this and the union costs more than it saves; try the next level.
const MAX_CELLS: usize = 80;

fn index(deg: f64, v: f64) -> i64 {
    (v / deg).floor() as i64
}

fn fine(x: i64, y: i64) -> String {
    format!("f{x}_{y}")
}

fn coarse(x: i64, y: i64) -> String {
    format!("C{x}_{y}")
}

/// A point's place on a Z-curve (16 bits of longitude and latitude, interleaved): points near
/// each other are mostly near each other on the curve. The engine keeps its records in this
/// order, and the text index its documents, so a search near a point reads a few runs of each.
pub fn z_key(p: GeoPoint) -> u32 {
    let x = (((p.lng + 180.0) / 360.0) * 65535.0) as u32;
    let y = (((p.lat + 90.0) / 180.0) * 65535.0) as u32;
    let spread = |mut v: u32| {
        v = (v | (v << 8)) & 0x00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333;
        (v | (v << 1)) & 0x5555_5555
    };
    spread(x) | (spread(y) << 1)
}

/// The cell terms of a shift at `p`.
pub fn doc_cells(p: GeoPoint) -> Vec<String> {
    vec![fine(index(FINE_DEG, p.lng), index(FINE_DEG, p.lat)), coarse(index(COARSE_DEG, p.lng), index(COARSE_DEG, p.lat))]
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

/// The cell terms any shift within the area carries at least one of; `None` when the area is
/// too large for cells to help.
pub fn query_cells(min: [f64; 2], max: [f64; 2], circle: Option<(GeoPoint, f64)>) -> Option<Vec<String>> {
    if let Some(cells) = cover(FINE_DEG, min, max, circle) {
        return Some(cells.into_iter().map(|(x, y)| fine(x, y)).collect());
    }
    cover(COARSE_DEG, min, max, circle).map(|cells| cells.into_iter().map(|(x, y)| coarse(x, y)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: does any query cell appear among the document's cells?
    fn found(doc: &[String], q: &Option<Vec<String>>) -> bool {
        match q {
            None => true,
            Some(q) => q.iter().any(|c| doc.contains(c)),
        }
    }

    #[test]
    fn every_point_in_the_circle_is_covered() {
        for (c, r) in
            [(GeoPoint { lat: 31.2304, lng: 121.4737 }, 8.0), (GeoPoint { lat: 45.75, lng: 126.65 }, 40.0), (GeoPoint { lat: 22.54, lng: 114.06 }, 0.5)]
        {
            let env = crate::search::engine::envelope(c, r);
            let q = query_cells(env.lower(), env.upper(), Some((c, r)));
            assert!(q.is_some());
            for i in 0..400 {
                let a = (i as f64) * 0.7;
                let k = (i % 20) as f64 / 19.0 * r;
                let p = GeoPoint { lat: c.lat + k / 110.574 * a.sin(), lng: c.lng + k / (111.32 * c.lat.to_radians().cos()) * a.cos() };
                if distance_km(c, p) <= r {
                    assert!(found(&doc_cells(p), &q), "{p:?} within {r} km of {c:?}");
                }
            }
        }
    }

    #[test]
    fn far_points_are_not_covered() {
        let c = GeoPoint { lat: 39.9, lng: 116.4 };
        let env = crate::search::engine::envelope(c, 3.0);
        let q = query_cells(env.lower(), env.upper(), Some((c, 3.0)));
        assert!(!found(&doc_cells(GeoPoint { lat: 31.23, lng: 121.47 }), &q));
    }

    #[test]
    fn huge_areas_use_coarse_cells_or_none() {
        let c = GeoPoint { lat: 31.0, lng: 121.0 };
        let env = crate::search::engine::envelope(c, 60.0);
        let q = query_cells(env.lower(), env.upper(), Some((c, 60.0))).unwrap();
        assert!(q.iter().all(|c| c.starts_with('C')));
        assert!(query_cells([70.0, 15.0], [135.0, 55.0], None).is_none());
    }
}
