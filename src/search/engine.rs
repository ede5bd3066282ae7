//! The in-process matching engine: published shifts and active availability held in memory with
//! an R-tree of their points and a tantivy text index each, kept in step with the database by the
//! change-log follower (`sync`).

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::NaiveDateTime;
use geo::{Distance, Haversine, Point};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{GeoPoint, PayUnit, WeeklyWindow};
use crate::search::analyze::{DocTokens, analyze_query};
use crate::search::score::{Reasons, Signals, Weights, score};
use crate::search::text::TextIndex;
use crate::search::timefit::{self, Fit, Interval};

type Entry = GeomWithData<[f64; 2], i64>;

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

    /// Pay per hour in fen, where the unit allows (piece rates have no hourly equivalent).
    pub fn hourly_fen(&self) -> Option<f64> {
        let hours = self.slots.iter().map(|s| (s.end - s.start).num_seconds() as f64 / 3600.0).fold(0.0, f64::max);
        match self.pay_unit {
            PayUnit::Hour => Some(self.pay_fen as f64),
            PayUnit::Day | PayUnit::Shift if hours > 0.0 => Some(self.pay_fen as f64 / hours),
            _ => None,
        }
    }

    /// Whether the pay meets a worker's minimum: compared as-is in the same unit, else per hour.
    pub fn pays_at_least(&self, min_fen: i64, min_unit: PayUnit) -> Option<bool> {
        if min_unit == self.pay_unit {
            return Some(self.pay_fen >= min_fen);
        }
        let hours = self.slots.iter().map(|s| (s.end - s.start).num_seconds() as f64 / 3600.0).fold(0.0, f64::max);
        let min_hourly = match min_unit {
            PayUnit::Hour => min_fen as f64,
            PayUnit::Day | PayUnit::Shift if hours > 0.0 => min_fen as f64 / hours,
            _ => return None,
        };
        self.hourly_fen().map(|h| h + 1e-9 >= min_hourly)
    }
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
    pub updated_at: NaiveDateTime,
}

pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    Haversine.distance(Point::new(a.lng, a.lat), Point::new(b.lng, b.lat)) / 1000.0
}

/// An envelope in degrees that contains every point within `radius_km` of `c`.
fn envelope(c: GeoPoint, radius_km: f64) -> AABB<[f64; 2]> {
    let dlat = radius_km / 110.574;
    let dlng = radius_km / (111.320 * c.lat.to_radians().cos().max(0.01));
    AABB::from_corners([c.lng - dlng, c.lat - dlat], [c.lng + dlng, c.lat + dlat])
}

struct Side<D> {
    docs: HashMap<i64, D>,
    tree: RTree<Entry>,
    max_radius_km: f64,
}

impl<D> Default for Side<D> {
    fn default() -> Self {
        Side { docs: HashMap::new(), tree: RTree::new(), max_radius_km: 0.0 }
    }
}

impl<D> Side<D> {
    fn remove(&mut self, id: i64, point: GeoPoint) {
        self.tree.remove(&GeomWithData::new([point.lng, point.lat], id));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    Relevance,
    Distance,
    Pay,
    Start,
}

/// A search over shifts. Every filter is optional.
#[derive(Debug, Clone)]
pub struct ShiftQuery {
    pub q: Option<String>,
    pub near: Option<(GeoPoint, f64)>,
    pub bbox: Option<[f64; 4]>,
    pub category: Option<String>,
    pub adcode: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub min_pay_fen: Option<i64>,
    pub pay_unit: Option<PayUnit>,
    pub settlement: Option<String>,
    pub employment_type: Option<String>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    pub now: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub distance_km: Option<f64>,
    pub score: f64,
    pub reasons: Reasons,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Facets {
    pub category: BTreeMap<String, usize>,
    pub adcode: BTreeMap<String, usize>,
    pub settlement: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

/// A change staged until the next commit.
enum Op {
    Clear,
    PutShift(ShiftDoc),
    RemoveShift(i64),
    PutAvailability(AvailDoc),
    RemoveAvailability(i64),
}

pub struct Engine {
    pending: std::sync::Mutex<Vec<Op>>,
    shifts: RwLock<Side<ShiftDoc>>,
    shift_text: TextIndex,
    avail: RwLock<Side<AvailDoc>>,
    avail_text: TextIndex,
    /// The last change-log id applied.
    position: AtomicI64,
    pub weights: Weights,
}

impl Engine {
    pub fn new(weights: Weights) -> anyhow::Result<Engine> {
        Ok(Engine {
            pending: std::sync::Mutex::new(Vec::new()),
            shifts: RwLock::new(Side::default()),
            shift_text: TextIndex::in_ram(200_000_000)?,
            avail: RwLock::new(Side::default()),
            avail_text: TextIndex::in_ram(50_000_000)?,
            position: AtomicI64::new(0),
            weights,
        })
    }

    pub fn position(&self) -> i64 {
        self.position.load(Ordering::Acquire)
    }

    pub fn set_position(&self, id: i64) {
        self.position.fetch_max(id, Ordering::AcqRel);
    }

    pub fn shift_count(&self) -> usize {
        self.shifts.read().expect("lock").docs.len()
    }

    pub fn availability_count(&self) -> usize {
        self.avail.read().expect("lock").docs.len()
    }

    /// Adds or replaces shifts. Like every change, it becomes visible at `commit`: text first,
    /// then the in-memory records, so a reader never sees a record whose words are not indexed.
    pub fn put_shifts(&self, docs: Vec<(ShiftDoc, DocTokens)>) -> anyhow::Result<()> {
        let mut pending = self.pending.lock().expect("lock");
        for (doc, tokens) in docs {
            self.shift_text.upsert(doc.id, &tokens)?;
            pending.push(Op::PutShift(doc));
        }
        Ok(())
    }

    pub fn remove_shift(&self, id: i64) {
        self.shift_text.delete(id);
        self.pending.lock().expect("lock").push(Op::RemoveShift(id));
    }

    pub fn put_availability(&self, docs: Vec<(AvailDoc, DocTokens)>) -> anyhow::Result<()> {
        let mut pending = self.pending.lock().expect("lock");
        for (doc, tokens) in docs {
            self.avail_text.upsert(doc.id, &tokens)?;
            pending.push(Op::PutAvailability(doc));
        }
        Ok(())
    }

    pub fn remove_availability(&self, id: i64) {
        self.avail_text.delete(id);
        self.pending.lock().expect("lock").push(Op::RemoveAvailability(id));
    }

    /// Forgets everything (before a full rebuild).
    pub fn clear(&self) -> anyhow::Result<()> {
        self.shift_text.clear()?;
        self.avail_text.clear()?;
        let mut pending = self.pending.lock().expect("lock");
        pending.clear();
        pending.push(Op::Clear);
        Ok(())
    }

    pub fn commit(&self) -> anyhow::Result<()> {
        let ops = std::mem::take(&mut *self.pending.lock().expect("lock"));
        self.shift_text.commit()?;
        self.avail_text.commit()?;
        let mut shifts = self.shifts.write().expect("lock");
        let mut avail = self.avail.write().expect("lock");
        let mut new_entries = Vec::new();
        for op in ops {
            match op {
                Op::Clear => {
                    *shifts = Side::default();
                    *avail = Side::default();
                    new_entries.clear();
                }
                Op::PutShift(doc) => {
                    if let Some(old) = shifts.docs.get(&doc.id).map(|d| d.point) {
                        shifts.remove(doc.id, old);
                    }
                    new_entries.push(GeomWithData::new([doc.point.lng, doc.point.lat], doc.id));
                    shifts.docs.insert(doc.id, doc);
                }
                Op::RemoveShift(id) => {
                    if let Some(old) = shifts.docs.remove(&id) {
                        shifts.remove(id, old.point);
                    }
                    new_entries.retain(|e: &Entry| e.data != id);
                }
                Op::PutAvailability(doc) => {
                    if let Some(old) = avail.docs.get(&doc.id).map(|d| d.point) {
                        avail.remove(doc.id, old);
                    }
                    avail.tree.insert(GeomWithData::new([doc.point.lng, doc.point.lat], doc.id));
                    avail.max_radius_km = avail.max_radius_km.max(doc.radius_km);
                    avail.docs.insert(doc.id, doc);
                }
                Op::RemoveAvailability(id) => {
                    if let Some(old) = avail.docs.remove(&id) {
                        avail.remove(id, old.point);
                    }
                }
            }
        }
        if shifts.tree.size() == 0 && new_entries.len() > 1000 {
            // Bulk loading builds a better tree, and faster, than one insert at a time.
            shifts.tree = RTree::bulk_load(new_entries);
        } else {
            for e in new_entries {
                shifts.tree.insert(e);
            }
        }
        Ok(())
    }

    pub fn availability_ids_of_worker(&self, worker_id: i64) -> Vec<i64> {
        self.avail.read().expect("lock").docs.values().filter(|d| d.worker_id == worker_id).map(|d| d.id).collect()
    }

    pub fn shift_ids_of_employer(&self, employer_id: i64) -> Vec<i64> {
        self.shifts.read().expect("lock").docs.values().filter(|d| d.employer_id == employer_id).map(|d| d.id).collect()
    }

    pub fn shift(&self, id: i64) -> Option<ShiftDoc> {
        self.shifts.read().expect("lock").docs.get(&id).cloned()
    }

    /// Ids near a point (exact haversine check after the envelope), with distances.
    fn near<D>(side: &Side<D>, c: GeoPoint, radius_km: f64) -> Vec<(i64, f64)> {
        side.tree
            .locate_in_envelope(&envelope(c, radius_km))
            .filter_map(|e| {
                let [lng, lat] = *e.geom();
                let d = distance_km(c, GeoPoint { lat, lng });
                (d <= radius_km).then_some((e.data, d))
            })
            .collect()
    }

    /// Searches published, live shifts: filter, score, sort, count facets, page.
    pub fn search_shifts(&self, q: &ShiftQuery) -> anyhow::Result<Results> {
        let groups = q.q.as_deref().map(analyze_query).unwrap_or_default();
        let text = if groups.is_empty() { None } else { Some(self.shift_text.search(&groups)?) };
        let side = self.shifts.read().expect("lock");
        let candidates: Vec<(i64, Option<f64>)> = match (q.near, q.bbox) {
            (Some((c, r)), _) => Self::near(&side, c, r).into_iter().map(|(id, d)| (id, Some(d))).collect(),
            (None, Some([min_lng, min_lat, max_lng, max_lat])) => side
                .tree
                .locate_in_envelope(&AABB::from_corners([min_lng, min_lat], [max_lng, max_lat]))
                .map(|e| (e.data, None))
                .collect(),
            (None, None) => match &text {
                Some(t) => t.keys().map(|id| (*id, None)).collect(),
                None => side.docs.keys().map(|id| (*id, None)).collect(),
            },
        };
        let mut scored = Vec::new();
        // Counted by borrowed key; owned strings only for the few distinct values at the end.
        let mut category_counts: HashMap<&str, usize> = HashMap::new();
        let mut adcode_counts: HashMap<&str, usize> = HashMap::new();
        let mut settlement_counts: HashMap<&str, usize> = HashMap::new();
        for (id, dist) in candidates {
            let Some(doc) = side.docs.get(&id) else { continue };
            let text_score = match &text {
                Some(t) => match t.get(&id) {
                    Some(s) => Some(*s),
                    None => continue,
                },
                None => None,
            };
            if !doc.is_live(q.now)
                || q.category.as_ref().is_some_and(|c| *c != doc.category)
                || q.adcode.as_ref().is_some_and(|a| !doc.adcode.as_deref().unwrap_or("").starts_with(a.as_str()))
                || q.settlement.as_ref().is_some_and(|s| *s != doc.settlement)
                || q.employment_type.as_ref().is_some_and(|s| *s != doc.employment_type)
                || q.pay_unit.is_some_and(|u| u != doc.pay_unit)
                || !timefit::overlaps_range(&doc.slots, q.from.or(Some(q.now)), q.to)
            {
                continue;
            }
            let pay_ok = match q.min_pay_fen {
                Some(min) => match doc.pays_at_least(min, q.pay_unit.unwrap_or(PayUnit::Hour)) {
                    Some(true) => Some(true),
                    _ => continue,
                },
                None => None,
            };
            let time_fit = match (q.from, q.to) {
                (Some(from), Some(to)) => Some(timefit::shift_fit(&doc.slots, &[Interval { start: from, end: to }], &[], q.now)),
                _ => None,
            };
            let signals = Signals {
                text: text_score,
                distance_km: dist,
                radius_km: q.near.map(|(_, r)| r),
                time_fit,
                pay_ok,
                age_hours: Some((q.now - doc.published_at).num_minutes() as f64 / 60.0),
                ..Default::default()
            };
            let (s, reasons) = score(&signals, &self.weights);
            *category_counts.entry(doc.category.as_str()).or_default() += 1;
            *adcode_counts.entry(doc.adcode.as_deref().unwrap_or("")).or_default() += 1;
            *settlement_counts.entry(doc.settlement.as_str()).or_default() += 1;
            let next_start = doc.slots.iter().filter(|s| s.end > q.now).map(|s| s.start).min();
            scored.push((Hit { id, distance_km: dist.map(|d| (d * 100.0).round() / 100.0), score: s, reasons }, doc.pay_fen, next_start));
        }
        type Row = (Hit, i64, Option<NaiveDateTime>);
        let by_score = |a: &Row, b: &Row| b.0.score.total_cmp(&a.0.score).then(b.0.id.cmp(&a.0.id));
        let order = |a: &Row, b: &Row| match q.sort {
            Sort::Relevance => by_score(a, b),
            Sort::Distance => a.0.distance_km.unwrap_or(f64::MAX).total_cmp(&b.0.distance_km.unwrap_or(f64::MAX)).then_with(|| by_score(a, b)),
            Sort::Pay => b.1.cmp(&a.1).then_with(|| by_score(a, b)),
            Sort::Start => a.2.cmp(&b.2).then_with(|| by_score(a, b)),
        };
        let total = scored.len();
        // Only the requested page needs ordering: select it, then sort just that prefix.
        let wanted = (q.offset + q.limit).min(total);
        if wanted > 0 && wanted < total {
            scored.select_nth_unstable_by(wanted - 1, order);
            scored.truncate(wanted);
        }
        scored.sort_by(order);
        let hits = scored.into_iter().skip(q.offset).take(q.limit).map(|(h, _, _)| h).collect();
        let owned = |m: HashMap<&str, usize>| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let facets = Facets { category: owned(category_counts), adcode: owned(adcode_counts), settlement: owned(settlement_counts) };
        Ok(Results { total, hits, facets })
    }

    /// Shifts for one worker: within each availability's radius, fitting its windows, in its
    /// categories; pay against its minimum is a signal. Best score per shift over the records.
    pub fn shifts_for_worker(&self, avails: &[AvailDoc], now: NaiveDateTime) -> Vec<Hit> {
        let side = self.shifts.read().expect("lock");
        let mut best: HashMap<i64, Hit> = HashMap::new();
        for a in avails {
            for (id, d) in Self::near(&side, a.point, a.radius_km) {
                let Some(doc) = side.docs.get(&id) else { continue };
                if !doc.is_live(now) || (!a.categories.is_empty() && !a.categories.contains(&doc.category)) {
                    continue;
                }
                let fit = timefit::shift_fit(&doc.slots, &a.dated, &a.weekly, now);
                if fit == Fit::None {
                    continue;
                }
                let signals = Signals {
                    distance_km: Some(d),
                    radius_km: Some(a.radius_km),
                    time_fit: Some(fit),
                    pay_ok: a.min_pay.and_then(|(f, u)| doc.pays_at_least(f, u)),
                    category_match: (!a.categories.is_empty()).then_some(true),
                    age_hours: Some((now - doc.published_at).num_minutes() as f64 / 60.0),
                    ..Default::default()
                };
                let (s, reasons) = score(&signals, &self.weights);
                let hit = Hit { id, distance_km: Some((d * 100.0).round() / 100.0), score: s, reasons };
                if best.get(&id).is_none_or(|b| b.score < s) {
                    best.insert(id, hit);
                }
            }
        }
        let mut hits: Vec<Hit> = best.into_values().collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
        hits
    }

    /// Workers (as availability records, best per worker) for a shift: the shift's point inside
    /// the worker's radius, a time fit, the category wanted; key groups get the configured boost.
    pub fn workers_for_shift(&self, shift: &ShiftDoc, now: NaiveDateTime) -> Vec<(Hit, i64)> {
        let side = self.avail.read().expect("lock");
        let mut best: HashMap<i64, (Hit, i64)> = HashMap::new();
        for (id, d) in Self::near(&side, shift.point, side.max_radius_km) {
            let Some(a) = side.docs.get(&id) else { continue };
            if d > a.radius_km || (!a.categories.is_empty() && !a.categories.contains(&shift.category)) {
                continue;
            }
            let fit = timefit::shift_fit(&shift.slots, &a.dated, &a.weekly, now);
            if fit == Fit::None {
                continue;
            }
            let signals = Signals {
                distance_km: Some(d),
                radius_km: Some(a.radius_km),
                time_fit: Some(fit),
                pay_ok: a.min_pay.and_then(|(f, u)| shift.pays_at_least(f, u)),
                category_match: (!a.categories.is_empty()).then_some(true),
                priority_group: Some(a.priority_group),
                ..Default::default()
            };
            let (s, reasons) = score(&signals, &self.weights);
            let hit = Hit { id, distance_km: Some((d * 100.0).round() / 100.0), score: s, reasons };
            if best.get(&a.worker_id).is_none_or(|b| b.0.score < s) {
                best.insert(a.worker_id, (hit, a.worker_id));
            }
        }
        let mut hits: Vec<(Hit, i64)> = best.into_values().collect();
        hits.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(b.0.id.cmp(&a.0.id)));
        hits
    }

    /// Staff search over availability: text, place, and a time range the worker can cover.
    pub fn search_availability(
        &self,
        q: Option<&str>,
        near: Option<(GeoPoint, f64)>,
        range: Option<Interval>,
        category: Option<&str>,
    ) -> anyhow::Result<Vec<(Hit, i64)>> {
        let groups = q.map(analyze_query).unwrap_or_default();
        let text = if groups.is_empty() { None } else { Some(self.avail_text.search(&groups)?) };
        let side = self.avail.read().expect("lock");
        let candidates: Vec<(i64, Option<f64>)> = match near {
            Some((c, r)) => Self::near(&side, c, r).into_iter().map(|(id, d)| (id, Some(d))).collect(),
            None => side.docs.keys().map(|id| (*id, None)).collect(),
        };
        let mut out = Vec::new();
        for (id, dist) in candidates {
            let Some(a) = side.docs.get(&id) else { continue };
            let text_score = match &text {
                Some(t) => match t.get(&id) {
                    Some(s) => Some(*s),
                    None => continue,
                },
                None => None,
            };
            if category.is_some_and(|c| !a.categories.is_empty() && !a.categories.iter().any(|x| x == c)) {
                continue;
            }
            let fit = range.map(|r| timefit::slot_fit(r, &a.dated, &a.weekly));
            if fit == Some(Fit::None) {
                continue;
            }
            let signals = Signals { text: text_score, distance_km: dist, radius_km: near.map(|(_, r)| r), time_fit: fit, priority_group: Some(a.priority_group), ..Default::default() };
            let (s, reasons) = score(&signals, &self.weights);
            out.push((Hit { id, distance_km: dist.map(|d| (d * 100.0).round() / 100.0), score: s, reasons }, a.worker_id));
        }
        out.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(b.0.id.cmp(&a.0.id)));
        Ok(out)
    }
}
