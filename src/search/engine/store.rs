//! The records the engine holds: dense shift records with interned codes, availability, and the
//! R-trees over their points.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use geo::{Distance, Haversine, Point};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

use crate::domain::pay::{self, Pay};
use crate::domain::{GeoPoint, PayUnit, WeeklyWindow};
use crate::search::timefit::Interval;

pub(super) type Entry = GeomWithData<[f64; 2], i64>;
/// Shift entries carry their slot in the dense array, not their database id: no hash lookup per
/// candidate on the hot path.
pub(super) type SlotEntry = GeomWithData<[f64; 2], u32>;

/// Wider nodes than rstar's default (6): a radius search returns thousands of points, and every
/// node is a separate allocation to chase, so fewer, fuller nodes read memory in longer runs.
pub(super) struct WideNodes;

impl rstar::RTreeParams for WideNodes {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 24;
    const REINSERTION_COUNT: usize = 6;
    type DefaultInsertionStrategy = rstar::RStarInsertionStrategy;
}

/// Database id → slot. Ids come from a sequence, so a plain array is the fast map; ids far
/// beyond the array's reach (not seen in practice) go to a hash map.
#[derive(Default)]
pub(super) struct IdMap {
    pub(super) dense: Vec<u32>,
    pub(super) sparse: HashMap<i64, u32>,
    pub(super) len: usize,
}

impl IdMap {
    const NONE: u32 = u32::MAX;
    const DENSE_LIMIT: i64 = 1 << 26;

    pub(super) fn get(&self, id: i64) -> Option<u32> {
        if (0..Self::DENSE_LIMIT).contains(&id) { self.dense.get(id as usize).copied().filter(|s| *s != Self::NONE) } else { self.sparse.get(&id).copied() }
    }

    pub(super) fn insert(&mut self, id: i64, slot: u32) {
        let old = if (0..Self::DENSE_LIMIT).contains(&id) {
            let i = id as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, Self::NONE);
            }
            std::mem::replace(&mut self.dense[i], slot)
        } else {
            self.sparse.insert(id, slot).unwrap_or(Self::NONE)
        };
        if old == Self::NONE {
            self.len += 1;
        }
    }

    pub(super) fn remove(&mut self, id: i64) -> Option<u32> {
        let old = if (0..Self::DENSE_LIMIT).contains(&id) {
            self.dense.get_mut(id as usize).map(|s| std::mem::replace(s, Self::NONE)).filter(|s| *s != Self::NONE)
        } else {
            self.sparse.remove(&id)
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }
}

/// What the engine knows of a published shift.
#[derive(Debug, Clone)]
pub struct ShiftDoc {
    pub id: i64,
    pub employer_id: i64,
    pub category: String,
    pub adcode: Option<String>,
    pub point: GeoPoint,
    pub pay_fen: i64,
    pub pay_unit: PayUnit,
    /// For a piece rate: the minutes one piece takes, as the employer estimates it.
    pub minutes_per_piece: Option<i32>,
    pub settlement: String,
    pub employment_type: String,
    pub slots: Vec<Interval>,
    pub valid_through: NaiveDateTime,
    pub published_at: NaiveDateTime,
}

impl ShiftDoc {
    /// Still worth showing: inside its validity and with a slot not yet over.
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.valid_through > now && self.slots.iter().any(|s| s.end > now)
    }

    /// Whether the pay meets a worker's minimum: compared as-is in the same unit, else per hour.
    pub fn pays_at_least(&self, min_fen: i64, min_unit: PayUnit) -> Option<bool> {
        pays_at_least(self.pay_fen, self.pay_unit, self.minutes_per_piece, &self.slots, min_fen, min_unit)
    }
}

pub(super) fn spans(slots: &[Interval]) -> impl Iterator<Item = (NaiveDateTime, NaiveDateTime)> + '_ {
    slots.iter().map(|s| (s.start, s.end))
}

/// Whether `pay_fen` per `unit` meets a minimum: compared as-is in the same unit, else per hour,
/// both figures taken over this shift's own hours (`domain::pay`, the one notion of pay per hour).
pub(super) fn pays_at_least(pay_fen: i64, unit: PayUnit, minutes_per_piece: Option<i32>, slots: &[Interval], min_fen: i64, min_unit: PayUnit) -> Option<bool> {
    if min_unit == unit {
        return Some(pay_fen >= min_fen);
    }
    // A worker's minimum carries no piece estimate: a minimum per piece compares only with pieces.
    let min_hourly = pay::hourly_fen(Pay { amount_fen: min_fen, unit: min_unit }, None, spans(slots))?;
    pay::hourly_fen(Pay { amount_fen: pay_fen, unit }, minutes_per_piece, spans(slots)).map(|h| h + 1e-9 >= min_hourly)
}

/// What the engine knows of one active availability record and its worker.
#[derive(Debug, Clone)]
pub struct AvailDoc {
    pub id: i64,
    pub worker_id: i64,
    pub point: GeoPoint,
    pub radius_km: f64,
    pub categories: Vec<String>,
    pub min_pay: Option<(i64, PayUnit)>,
    pub dated: Vec<Interval>,
    pub weekly: Vec<WeeklyWindow>,
    pub priority_group: bool,
    /// The record's district, which staff scopes are checked against.
    pub adcode: Option<String>,
    /// From the worker's last 90 days of engagements; `None` before they have any.
    pub reliability: Option<f64>,
    pub updated_at: NaiveDateTime,
}

pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    Haversine.distance(Point::new(a.lng, a.lat), Point::new(b.lng, b.lat)) / 1000.0
}

/// Distances from one centre, equal to `distance_km`'s to within a micrometre, without a call
/// to the trigonometric library per point.
///
/// A search measures thousands of points from the same centre, and the haversine's sine, cosine
/// and arcsine were a fifth of a pure radius search's time. Within a few hundred kilometres their
/// arguments are small enough that short series are exact to double precision (the first term
/// left out is below 1e-13 of the result); farther points take the formula itself. Near the
/// radius the formula decides too, so a point is inside exactly when `distance_km` says so.
#[derive(Debug, Clone, Copy)]
pub struct Around {
    c: GeoPoint,
    cos0: f64,
    sin0: f64,
}

impl Around {
    /// Largest difference in latitude or longitude (radians, about 300 km) the series are used for.
    const SERIES_MAX: f64 = 0.05;
    /// Distances this close to the radius (km) are measured with the formula.
    const EDGE_KM: f64 = 1e-6;

    pub fn new(c: GeoPoint) -> Around {
        let (sin0, cos0) = c.lat.to_radians().sin_cos();
        Around { c, cos0, sin0 }
    }

    /// The distance in km, as the haversine formula gives it.
    pub fn km(&self, p: GeoPoint) -> f64 {
        let dlat = (p.lat - self.c.lat).to_radians();
        let dlng = (p.lng - self.c.lng).to_radians();
        if dlat.abs() > Self::SERIES_MAX || dlng.abs() > Self::SERIES_MAX {
            return distance_km(self.c, p);
        }
        // Multiplications by reciprocals, not divisions: a division takes several times as long,
        // and the last bit it would change is far below the series' precision.
        let sin = |x: f64| {
            let x2 = x * x;
            x * (1.0 - x2 * (1.0 / 6.0) * (1.0 - x2 * (1.0 / 20.0) * (1.0 - x2 * (1.0 / 42.0))))
        };
        let cos = |x: f64| {
            let x2 = x * x;
            1.0 - x2 * 0.5 * (1.0 - x2 * (1.0 / 12.0) * (1.0 - x2 * (1.0 / 30.0) * (1.0 - x2 * (1.0 / 56.0))))
        };
        // cos(lat) of the point from the centre's by the angle-sum rule.
        let cos_lat = self.cos0 * cos(dlat) - self.sin0 * sin(dlat);
        let (h_lat, h_lng) = (sin(dlat * 0.5), sin(dlng * 0.5));
        let a = h_lat * h_lat + self.cos0 * cos_lat * h_lng * h_lng;
        let y = a.sqrt();
        let y2 = y * y;
        // asin y = y + y³/6 + 3y⁵/40 + 5y⁷/112 + 35y⁹/1152 …
        let asin = y * (1.0 + y2 * (1.0 / 6.0 + y2 * (3.0 / 40.0 + y2 * (5.0 / 112.0 + y2 * (35.0 / 1152.0)))));
        asin * (2.0 * Haversine.radius() / 1000.0)
    }

    /// The distance when `p` is within `radius_km`.
    pub fn within(&self, p: GeoPoint, radius_km: f64) -> Option<f64> {
        let mut d = self.km(p);
        if (d - radius_km).abs() < Self::EDGE_KM {
            d = distance_km(self.c, p);
        }
        (d <= radius_km).then_some(d)
    }
}

/// An envelope in degrees that contains every point within `radius_km` of `c`.
pub fn envelope(c: GeoPoint, radius_km: f64) -> AABB<[f64; 2]> {
    let dlat = radius_km / 110.574;
    let dlng = radius_km / (111.320 * c.lat.to_radians().cos().max(0.01));
    AABB::from_corners([c.lng - dlng, c.lat - dlat], [c.lng + dlng, c.lat + dlat])
}

/// Availability records: few enough (one or two per worker) for a map and a tree of ids.
pub(super) struct Side<D> {
    pub(super) docs: HashMap<i64, D>,
    pub(super) tree: RTree<Entry>,
    pub(super) max_radius_km: f64,
}

impl<D> Default for Side<D> {
    fn default() -> Self {
        Side { docs: HashMap::new(), tree: RTree::new(), max_radius_km: 0.0 }
    }
}

impl<D> Side<D> {
    pub(super) fn remove(&mut self, id: i64, point: GeoPoint) {
        self.tree.remove(&GeomWithData::new([point.lng, point.lat], id));
    }
}

/// Small numbers for the few distinct strings of a field (categories, districts, settlement
/// terms), so documents stay compact and facets count into arrays.
#[derive(Default)]
pub(super) struct Interner {
    pub(super) names: Vec<String>,
    pub(super) index: HashMap<String, u32>,
}

impl Interner {
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    pub(super) fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    pub(super) fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// A published shift as the engine holds it: compact, in a dense array.
pub(super) struct Stored {
    pub(super) id: i64,
    pub(super) employer_id: i64,
    pub(super) point: GeoPoint,
    pub(super) category: u32,
    /// Interned adcode; the empty string when the shift has none.
    pub(super) adcode: u32,
    pub(super) settlement: u32,
    pub(super) employment_type: u32,
    pub(super) pay_unit: PayUnit,
    pub(super) pay_fen: i64,
    pub(super) minutes_per_piece: Option<i32>,
    /// Pay per hour (`domain::pay::hourly_fen`), for sorting by pay; `None` for piece rates
    /// without an estimate of their minutes per piece.
    pub(super) hourly_fen: Option<f32>,
    pub(super) slots: Box<[Interval]>,
    pub(super) valid_through: NaiveDateTime,
    pub(super) published_at: NaiveDateTime,
    /// `published_at` in minutes since the epoch: ages without calendar arithmetic per candidate.
    pub(super) published_min: i64,
    /// When the last slot ends: live while this and `valid_through` are ahead.
    pub(super) last_end: NaiveDateTime,
}

impl Stored {
    pub(super) fn is_live(&self, now: NaiveDateTime) -> bool {
        self.valid_through > now && self.last_end > now
    }

    pub(super) fn next_start(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.slots.iter().filter(|s| s.end > now).map(|s| s.start).min()
    }
}

#[derive(Default)]
pub(super) struct Shifts {
    pub(super) docs: Vec<Option<Stored>>,
    pub(super) free: Vec<u32>,
    pub(super) by_id: IdMap,
    pub(super) tree: RTree<SlotEntry, WideNodes>,
    pub(super) category: Interner,
    pub(super) adcode: Interner,
    pub(super) settlement: Interner,
    pub(super) employment_type: Interner,
}

impl Shifts {
    pub(super) fn get(&self, slot: u32) -> &Stored {
        self.docs[slot as usize].as_ref().expect("a live slot")
    }

    pub(super) fn store(&mut self, d: ShiftDoc) -> Stored {
        Stored {
            id: d.id,
            employer_id: d.employer_id,
            point: d.point,
            category: self.category.intern(&d.category),
            adcode: self.adcode.intern(d.adcode.as_deref().unwrap_or("")),
            settlement: self.settlement.intern(&d.settlement),
            employment_type: self.employment_type.intern(&d.employment_type),
            pay_unit: d.pay_unit,
            pay_fen: d.pay_fen,
            minutes_per_piece: d.minutes_per_piece,
            hourly_fen: pay::hourly_fen(Pay { amount_fen: d.pay_fen, unit: d.pay_unit }, d.minutes_per_piece, spans(&d.slots)).map(|h| h as f32),
            last_end: d.slots.iter().map(|s| s.end).max().unwrap_or(d.valid_through),
            slots: d.slots.into_boxed_slice(),
            valid_through: d.valid_through,
            published_min: d.published_at.and_utc().timestamp().div_euclid(60),
            published_at: d.published_at,
        }
    }

    /// Renumbers the records in the order of a Z-curve over their points, so the R-tree's
    /// neighbours are neighbours in memory too: a search near a point then reads a few stretches
    /// of the array instead of one cache line per candidate from all over it.
    pub(super) fn order_spatially(&mut self) {
        let mut live: Vec<Stored> = std::mem::take(&mut self.docs).into_iter().flatten().collect();
        live.sort_by_key(|d| crate::search::cells::z_key(d.point));
        self.by_id = IdMap::default();
        for (i, d) in live.iter().enumerate() {
            self.by_id.insert(d.id, i as u32);
        }
        self.docs = live.into_iter().map(Some).collect();
        self.free.clear();
    }

    pub(super) fn doc(&self, s: &Stored) -> ShiftDoc {
        let adcode = self.adcode.name(s.adcode);
        ShiftDoc {
            id: s.id,
            employer_id: s.employer_id,
            category: self.category.name(s.category).to_string(),
            adcode: (!adcode.is_empty()).then(|| adcode.to_string()),
            point: s.point,
            pay_fen: s.pay_fen,
            pay_unit: s.pay_unit,
            minutes_per_piece: s.minutes_per_piece,
            settlement: self.settlement.name(s.settlement).to_string(),
            employment_type: self.employment_type.name(s.employment_type).to_string(),
            slots: s.slots.to_vec(),
            valid_through: s.valid_through,
            published_at: s.published_at,
        }
    }

    /// Slots within `radius_km` of `c`, with distances (exact haversine after the envelope).
    pub(super) fn near(&self, c: GeoPoint, radius_km: f64) -> impl Iterator<Item = (u32, f64)> + '_ {
        let around = Around::new(c);
        self.tree.locate_in_envelope(&envelope(c, radius_km)).filter_map(move |e| {
            let [lng, lat] = *e.geom();
            around.within(GeoPoint { lat, lng }, radius_km).map(|d| (e.data, d))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Centres across China's latitudes, points in every direction out to beyond the series'
    /// reach: the fast distance is the formula's, and inside/outside is decided as the formula does,
    /// including points placed on the circle itself.
    #[test]
    fn around_measures_as_the_haversine_formula_does() {
        let centres = [(18.25, 109.5), (22.54, 114.06), (31.23, 121.47), (39.9, 116.4), (45.75, 126.65), (53.3, 122.3), (0.0, 0.0)];
        for (lat, lng) in centres {
            let c = GeoPoint { lat, lng };
            let around = Around::new(c);
            for i in 0..720 {
                let bearing = (i as f64 * 0.5).to_radians();
                for km in [0.0, 0.001, 0.3, 2.5, 7.0, 10.0, 49.9, 120.0, 290.0, 400.0, 1500.0] {
                    let p = GeoPoint { lat: lat + km / 110.574 * bearing.sin(), lng: lng + km / (111.32 * lat.to_radians().cos()) * bearing.cos() };
                    let (fast, exact) = (around.km(p), distance_km(c, p));
                    assert!((fast - exact).abs() <= 1e-9 * exact.max(1.0), "{c:?} → {p:?}: {fast} vs {exact}");
                    // Radii just around the point's own distance: the same answer as the formula.
                    for r in [exact, exact - 1e-12, exact + 1e-12, exact * (1.0 - 1e-9), exact * (1.0 + 1e-9), 10.0] {
                        assert_eq!(around.within(p, r).is_some(), exact <= r, "{c:?} → {p:?} within {r}");
                    }
                }
            }
        }
    }
}
