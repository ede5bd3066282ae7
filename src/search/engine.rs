//! The in-process matching engine: published shifts and active availability held in memory with
//! an R-tree of their points and a tantivy text index each, kept in step with the database by the
//! change-log follower (`sync`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::NaiveDateTime;
use geo::{Distance, Haversine, Point};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::pay::{self, Pay};
use crate::domain::{GeoPoint, PayUnit, WeeklyWindow};
use crate::search::analyze::analyze_query;
use crate::search::cells;
use crate::search::score::{Reasons, Signals, Weights, score, score_value};
use crate::search::text::TextIndex;
use crate::search::timefit::{self, Fit, Interval};

type Entry = GeomWithData<[f64; 2], i64>;
/// Shift entries carry their slot in the dense array, not their database id: no hash lookup per
/// candidate on the hot path.
type SlotEntry = GeomWithData<[f64; 2], u32>;

/// Wider nodes than rstar's default (6): a radius search returns thousands of points, and every
/// node is a separate allocation to chase, so fewer, fuller nodes read memory in longer runs.
struct WideNodes;

impl rstar::RTreeParams for WideNodes {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 24;
    const REINSERTION_COUNT: usize = 6;
    type DefaultInsertionStrategy = rstar::RStarInsertionStrategy;
}

/// Database id → slot. Ids come from a sequence, so a plain array is the fast map; ids far
/// beyond the array's reach (not seen in practice) go to a hash map.
#[derive(Default)]
struct IdMap {
    dense: Vec<u32>,
    sparse: HashMap<i64, u32>,
    len: usize,
}

impl IdMap {
    const NONE: u32 = u32::MAX;
    const DENSE_LIMIT: i64 = 1 << 26;

    fn get(&self, id: i64) -> Option<u32> {
        if (0..Self::DENSE_LIMIT).contains(&id) { self.dense.get(id as usize).copied().filter(|s| *s != Self::NONE) } else { self.sparse.get(&id).copied() }
    }

    fn insert(&mut self, id: i64, slot: u32) {
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

    fn remove(&mut self, id: i64) -> Option<u32> {
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
        pays_at_least(self.pay_fen, self.pay_unit, &self.slots, min_fen, min_unit)
    }
}

fn spans(slots: &[Interval]) -> impl Iterator<Item = (NaiveDateTime, NaiveDateTime)> + '_ {
    slots.iter().map(|s| (s.start, s.end))
}

/// Whether `pay_fen` per `unit` meets a minimum: compared as-is in the same unit, else per hour,
/// both figures taken over this shift's own hours (`domain::pay`, the one notion of pay per hour).
fn pays_at_least(pay_fen: i64, unit: PayUnit, slots: &[Interval], min_fen: i64, min_unit: PayUnit) -> Option<bool> {
    if min_unit == unit {
        return Some(pay_fen >= min_fen);
    }
    let min_hourly = pay::hourly_fen(Pay { amount_fen: min_fen, unit: min_unit }, spans(slots))?;
    pay::hourly_fen(Pay { amount_fen: pay_fen, unit }, spans(slots)).map(|h| h + 1e-9 >= min_hourly)
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
    /// From the worker's last 90 days of engagements; `None` before they have any.
    pub reliability: Option<f64>,
    pub updated_at: NaiveDateTime,
}

pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    Haversine.distance(Point::new(a.lng, a.lat), Point::new(b.lng, b.lat)) / 1000.0
}

/// An envelope in degrees that contains every point within `radius_km` of `c`.
pub fn envelope(c: GeoPoint, radius_km: f64) -> AABB<[f64; 2]> {
    let dlat = radius_km / 110.574;
    let dlng = radius_km / (111.320 * c.lat.to_radians().cos().max(0.01));
    AABB::from_corners([c.lng - dlng, c.lat - dlat], [c.lng + dlng, c.lat + dlat])
}

/// Availability records: few enough (one or two per worker) for a map and a tree of ids.
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

/// Small numbers for the few distinct strings of a field (categories, districts, settlement
/// terms), so documents stay compact and facets count into arrays.
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// A published shift as the engine holds it: compact, in a dense array.
struct Stored {
    id: i64,
    employer_id: i64,
    point: GeoPoint,
    category: u32,
    /// Interned adcode; the empty string when the shift has none.
    adcode: u32,
    settlement: u32,
    employment_type: u32,
    pay_unit: PayUnit,
    pay_fen: i64,
    /// Pay per hour (`domain::pay::hourly_fen`), for sorting by pay; `None` for piece rates.
    hourly_fen: Option<f32>,
    slots: Box<[Interval]>,
    valid_through: NaiveDateTime,
    published_at: NaiveDateTime,
    /// `published_at` in minutes since the epoch: ages without calendar arithmetic per candidate.
    published_min: i64,
    /// When the last slot ends: live while this and `valid_through` are ahead.
    last_end: NaiveDateTime,
}

impl Stored {
    fn is_live(&self, now: NaiveDateTime) -> bool {
        self.valid_through > now && self.last_end > now
    }

    fn next_start(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.slots.iter().filter(|s| s.end > now).map(|s| s.start).min()
    }
}

#[derive(Default)]
struct Shifts {
    docs: Vec<Option<Stored>>,
    free: Vec<u32>,
    by_id: IdMap,
    tree: RTree<SlotEntry, WideNodes>,
    category: Interner,
    adcode: Interner,
    settlement: Interner,
    employment_type: Interner,
}

impl Shifts {
    fn get(&self, slot: u32) -> &Stored {
        self.docs[slot as usize].as_ref().expect("a live slot")
    }

    fn store(&mut self, d: ShiftDoc) -> Stored {
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
            hourly_fen: pay::hourly_fen(Pay { amount_fen: d.pay_fen, unit: d.pay_unit }, spans(&d.slots)).map(|h| h as f32),
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
    fn order_spatially(&mut self) {
        let key = |p: GeoPoint| {
            let x = (((p.lng + 180.0) / 360.0) * 65535.0) as u32;
            let y = (((p.lat + 90.0) / 180.0) * 65535.0) as u32;
            let spread = |mut v: u32| {
                v = (v | (v << 8)) & 0x00FF_00FF;
                v = (v | (v << 4)) & 0x0F0F_0F0F;
                v = (v | (v << 2)) & 0x3333_3333;
                (v | (v << 1)) & 0x5555_5555
            };
            spread(x) | (spread(y) << 1)
        };
        let mut live: Vec<Stored> = std::mem::take(&mut self.docs).into_iter().flatten().collect();
        live.sort_by_key(|d| key(d.point));
        self.by_id = IdMap::default();
        for (i, d) in live.iter().enumerate() {
            self.by_id.insert(d.id, i as u32);
        }
        self.docs = live.into_iter().map(Some).collect();
        self.free.clear();
    }

    fn doc(&self, s: &Stored) -> ShiftDoc {
        let adcode = self.adcode.name(s.adcode);
        ShiftDoc {
            id: s.id,
            employer_id: s.employer_id,
            category: self.category.name(s.category).to_string(),
            adcode: (!adcode.is_empty()).then(|| adcode.to_string()),
            point: s.point,
            pay_fen: s.pay_fen,
            pay_unit: s.pay_unit,
            settlement: self.settlement.name(s.settlement).to_string(),
            employment_type: self.employment_type.name(s.employment_type).to_string(),
            slots: s.slots.to_vec(),
            valid_through: s.valid_through,
            published_at: s.published_at,
        }
    }

    /// Slots within `radius_km` of `c`, with distances (exact haversine after the envelope).
    fn near(&self, c: GeoPoint, radius_km: f64) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.tree.locate_in_envelope(&envelope(c, radius_km)).filter_map(move |e| {
            let [lng, lat] = *e.geom();
            let d = distance_km(c, GeoPoint { lat, lng });
            (d <= radius_km).then_some((e.data, d))
        })
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

#[derive(Default)]
struct Pending {
    ops: Vec<Op>,
    /// Set by `clear` (and at start): the shift text index holds nothing from before, so adding
    /// a document needs no delete first unless the same id came twice since.
    fresh: bool,
    added: HashSet<i64>,
}

pub struct Engine {
    pending: std::sync::Mutex<Pending>,
    shifts: RwLock<Shifts>,
    shift_text: TextIndex,
    avail: RwLock<Side<AvailDoc>>,
    avail_text: TextIndex,
    /// The last change-log id applied.
    position: AtomicI64,
    pub weights: Weights,
}

/// One candidate while ranking: where it is and what it scored; reasons are built for the page only.
#[derive(Clone, Copy)]
struct Scored {
    slot: u32,
    score: f64,
    distance_km: Option<f64>,
    text: Option<f32>,
}

impl Engine {
    /// An engine whose shift text index lives in a temporary directory under `index_dir` (the
    /// system's temporary directory when `None`).
    pub fn new(weights: Weights, index_dir: Option<&std::path::Path>) -> anyhow::Result<Engine> {
        Ok(Engine {
            pending: std::sync::Mutex::new(Pending { fresh: true, ..Default::default() }),
            shifts: RwLock::new(Shifts::default()),
            shift_text: TextIndex::on_disk(index_dir, 400_000_000)?,
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
        self.shifts.read().expect("lock").by_id.len
    }

    pub fn shift_segments(&self) -> usize {
        self.shift_text.num_segments()
    }

    pub fn availability_count(&self) -> usize {
        self.avail.read().expect("lock").docs.len()
    }

    /// Adds or replaces shifts; `text` is each one's searchable text (`analyze::doc_text`). Like
    /// every change, it becomes visible at `commit`.
    pub fn put_shifts(&self, docs: Vec<(ShiftDoc, String)>) -> anyhow::Result<()> {
        let mut pending = self.pending.lock().expect("lock");
        for (doc, text) in docs {
            let replace = !pending.fresh || !pending.added.insert(doc.id);
            self.shift_text.add(doc.id, &text, &cells::doc_cells(doc.point), replace)?;
            pending.ops.push(Op::PutShift(doc));
        }
        Ok(())
    }

    pub fn remove_shift(&self, id: i64) {
        self.shift_text.delete(id);
        let mut pending = self.pending.lock().expect("lock");
        pending.added.remove(&id);
        pending.ops.push(Op::RemoveShift(id));
    }

    pub fn put_availability(&self, docs: Vec<(AvailDoc, String)>) -> anyhow::Result<()> {
        let mut pending = self.pending.lock().expect("lock");
        for (doc, text) in docs {
            self.avail_text.add(doc.id, &text, &[], true)?;
            pending.ops.push(Op::PutAvailability(doc));
        }
        Ok(())
    }

    pub fn remove_availability(&self, id: i64) {
        self.avail_text.delete(id);
        self.pending.lock().expect("lock").ops.push(Op::RemoveAvailability(id));
    }

    /// Forgets everything (before a full rebuild).
    pub fn clear(&self) -> anyhow::Result<()> {
        let mut pending = self.pending.lock().expect("lock");
        self.shift_text.clear()?;
        self.avail_text.clear()?;
        *pending = Pending { ops: vec![Op::Clear], fresh: true, added: HashSet::new() };
        Ok(())
    }

    /// Makes staged changes visible. The text indexes commit first (the slow part, while
    /// searches go on); then, under the write locks, readers switch to the new text and the new
    /// records together, so a search never sees one without the other.
    pub fn commit(&self) -> anyhow::Result<()> {
        let ops = {
            let mut pending = self.pending.lock().expect("lock");
            self.shift_text.commit()?;
            self.avail_text.commit()?;
            pending.fresh = false;
            pending.added.clear();
            std::mem::take(&mut pending.ops)
        };
        let mut shifts = self.shifts.write().expect("lock");
        let mut avail = self.avail.write().expect("lock");
        self.shift_text.reload()?;
        self.avail_text.reload()?;
        // Slots whose tree entry is still to be inserted (new, or moved).
        let mut untreed: HashSet<u32> = HashSet::new();
        for op in ops {
            match op {
                Op::Clear => {
                    *shifts = Shifts::default();
                    *avail = Side::default();
                    untreed.clear();
                }
                Op::PutShift(doc) => {
                    let stored = shifts.store(doc);
                    match shifts.by_id.get(stored.id) {
                        Some(slot) => {
                            let old = shifts.get(slot).point;
                            if old != stored.point && !untreed.contains(&slot) {
                                shifts.tree.remove(&GeomWithData::new([old.lng, old.lat], slot));
                                untreed.insert(slot);
                            }
                            shifts.docs[slot as usize] = Some(stored);
                        }
                        None => {
                            let id = stored.id;
                            let slot = match shifts.free.pop() {
                                Some(slot) => {
                                    shifts.docs[slot as usize] = Some(stored);
                                    slot
                                }
                                None => {
                                    shifts.docs.push(Some(stored));
                                    (shifts.docs.len() - 1) as u32
                                }
                            };
                            shifts.by_id.insert(id, slot);
                            untreed.insert(slot);
                        }
                    }
                }
                Op::RemoveShift(id) => {
                    if let Some(slot) = shifts.by_id.remove(id) {
                        let old = shifts.get(slot).point;
                        if !untreed.remove(&slot) {
                            shifts.tree.remove(&GeomWithData::new([old.lng, old.lat], slot));
                        }
                        shifts.docs[slot as usize] = None;
                        shifts.free.push(slot);
                    }
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
        if shifts.tree.size() == 0 && untreed.len() > 1000 {
            // A (re)build: bulk loading makes a better tree, much faster, than one insert at a time.
            shifts.order_spatially();
            let entries: Vec<SlotEntry> =
                shifts.docs.iter().enumerate().filter_map(|(i, d)| d.as_ref().map(|d| GeomWithData::new([d.point.lng, d.point.lat], i as u32))).collect();
            shifts.tree = RTree::bulk_load_with_params(entries);
        } else {
            for slot in untreed {
                let p = shifts.get(slot).point;
                shifts.tree.insert(GeomWithData::new([p.lng, p.lat], slot));
            }
        }
        Ok(())
    }

    pub fn availability_ids_of_worker(&self, worker_id: i64) -> Vec<i64> {
        self.avail.read().expect("lock").docs.values().filter(|d| d.worker_id == worker_id).map(|d| d.id).collect()
    }

    pub fn shift_ids_of_employer(&self, employer_id: i64) -> Vec<i64> {
        self.shifts.read().expect("lock").docs.iter().flatten().filter(|d| d.employer_id == employer_id).map(|d| d.id).collect()
    }

    pub fn shift(&self, id: i64) -> Option<ShiftDoc> {
        let shifts = self.shifts.read().expect("lock");
        shifts.by_id.get(id).map(|slot| shifts.doc(shifts.get(slot)))
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
    ///
    /// With words, tantivy finds the matches, restricted to the cells of the query's area so it
    /// only walks nearby postings; without, the R-tree gives the candidates. Either
    /// way every candidate is then checked exactly, scored without allocating, and counted into
    /// the facets; reasons are built only for the page returned.
    pub fn search_shifts(&self, q: &ShiftQuery) -> anyhow::Result<Results> {
        let groups = q.q.as_deref().map(analyze_query).unwrap_or_default();
        // The read lock first: the text searcher and the records then belong to the same commit.
        let shifts = self.shifts.read().expect("lock");
        let area: Option<([f64; 2], [f64; 2], Option<(GeoPoint, f64)>)> = match (q.near, q.bbox) {
            (Some((c, r)), _) => {
                let e = envelope(c, r);
                Some((e.lower(), e.upper(), Some((c, r))))
            }
            (None, Some([min_lng, min_lat, max_lng, max_lat])) => Some(([min_lng, min_lat], [max_lng, max_lat], None)),
            (None, None) => None,
        };
        let in_bbox = |p: GeoPoint| q.bbox.is_none_or(|[a, b, c, d]| p.lng >= a && p.lng <= c && p.lat >= b && p.lat <= d);
        let mut candidates: Vec<(u32, Option<f64>, Option<f32>)> = Vec::new();
        if !groups.is_empty() {
            let cells = area.and_then(|(min, max, circle)| cells::query_cells(min, max, circle));
            for (id, text) in self.shift_text.search(&groups, cells.as_deref())? {
                let Some(slot) = shifts.by_id.get(id) else { continue };
                let p = shifts.get(slot).point;
                let dist = match q.near {
                    Some((c, r)) => match distance_km(c, p) {
                        d if d <= r => Some(d),
                        _ => continue,
                    },
                    None => None,
                };
                if in_bbox(p) {
                    candidates.push((slot, dist, Some(text)));
                }
            }
        } else {
            match (q.near, q.bbox) {
                (Some((c, r)), _) => {
                    candidates.extend(shifts.near(c, r).filter(|(slot, _)| in_bbox(shifts.get(*slot).point)).map(|(slot, d)| (slot, Some(d), None)))
                }
                (None, Some([min_lng, min_lat, max_lng, max_lat])) => {
                    candidates.extend(shifts.tree.locate_in_envelope(&AABB::from_corners([min_lng, min_lat], [max_lng, max_lat])).map(|e| (e.data, None, None)))
                }
                (None, None) => candidates.extend(shifts.docs.iter().enumerate().filter(|(_, d)| d.is_some()).map(|(slot, _)| (slot as u32, None, None))),
            }
        }

        // Filters on interned fields compare numbers; a value never seen matches nothing.
        let want = |i: &Interner, v: &Option<String>| -> Option<Option<u32>> { v.as_ref().map(|v| i.get(v)) };
        let (want_category, want_settlement, want_employment) =
            (want(&shifts.category, &q.category), want(&shifts.settlement, &q.settlement), want(&shifts.employment_type, &q.employment_type));
        let wanted = |w: Option<Option<u32>>, v: u32| w.is_none_or(|w| w == Some(v));
        let from = q.from.or(Some(q.now));
        // Without a window, "a slot not over yet" is what `is_live` already checked.
        let has_window = q.from.is_some() || q.to.is_some();
        let radius = q.near.map(|(_, r)| r);
        let now_min = q.now.and_utc().timestamp().div_euclid(60);
        let signals = |d: &Stored, dist: Option<f64>, text: Option<f32>, pay_ok: Option<bool>| Signals {
            text,
            distance_km: dist,
            radius_km: radius,
            time_fit: match (q.from, q.to) {
                (Some(from), Some(to)) => Some(timefit::shift_fit(&d.slots, &[Interval { start: from, end: to }], &[], q.now)),
                _ => None,
            },
            pay_ok,
            age_hours: Some((now_min - d.published_min) as f64 / 60.0),
            ..Default::default()
        };
        let pay_ok = |d: &Stored| -> Option<Option<bool>> {
            match q.min_pay_fen {
                Some(min) => match pays_at_least(d.pay_fen, d.pay_unit, &d.slots, min, q.pay_unit.unwrap_or(PayUnit::Hour)) {
                    Some(true) => Some(Some(true)),
                    _ => None,
                },
                None => Some(None),
            }
        };
        let mut category_counts = vec![0usize; shifts.category.names.len()];
        let mut adcode_counts = vec![0usize; shifts.adcode.names.len()];
        let mut settlement_counts = vec![0usize; shifts.settlement.names.len()];
        let mut scored: Vec<Scored> = Vec::with_capacity(candidates.len());
        for (slot, dist, text) in candidates {
            let d = shifts.get(slot);
            if !d.is_live(q.now)
                || !wanted(want_category, d.category)
                || !wanted(want_settlement, d.settlement)
                || !wanted(want_employment, d.employment_type)
                || q.adcode.as_ref().is_some_and(|a| !shifts.adcode.name(d.adcode).starts_with(a.as_str()))
                || q.pay_unit.is_some_and(|u| u != d.pay_unit)
                || (has_window && !timefit::overlaps_range(&d.slots, from, q.to))
            {
                continue;
            }
            let Some(pay) = pay_ok(d) else { continue };
            let s = score_value(&signals(d, dist, text, pay), &self.weights);
            category_counts[d.category as usize] += 1;
            adcode_counts[d.adcode as usize] += 1;
            settlement_counts[d.settlement as usize] += 1;
            scored.push(Scored { slot, score: s, distance_km: dist, text });
        }
        let by_score = |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then(shifts.get(b.slot).id.cmp(&shifts.get(a.slot).id));
        let order = |a: &Scored, b: &Scored| match q.sort {
            Sort::Relevance => by_score(a, b),
            Sort::Distance => a.distance_km.unwrap_or(f64::MAX).total_cmp(&b.distance_km.unwrap_or(f64::MAX)).then_with(|| by_score(a, b)),
            // Per hour across units; shifts without a per-hour figure (piece rates) come last.
            Sort::Pay => {
                let hourly = |s: &Scored| shifts.get(s.slot).hourly_fen.unwrap_or(f32::NEG_INFINITY);
                hourly(b).total_cmp(&hourly(a)).then_with(|| by_score(a, b))
            }
            Sort::Start => shifts.get(a.slot).next_start(q.now).cmp(&shifts.get(b.slot).next_start(q.now)).then_with(|| by_score(a, b)),
        };
        let total = scored.len();
        // Only the requested page needs ordering: select it, then sort just that prefix.
        let wanted_len = (q.offset + q.limit).min(total);
        if wanted_len > 0 && wanted_len < total {
            scored.select_nth_unstable_by(wanted_len - 1, order);
            scored.truncate(wanted_len);
        }
        scored.sort_by(order);
        let hits = scored
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|c| {
                let d = shifts.get(c.slot);
                let pay = pay_ok(d).flatten();
                let (s, reasons) = score(&signals(d, c.distance_km, c.text, pay), &self.weights);
                Hit { id: d.id, distance_km: c.distance_km.map(|d| (d * 100.0).round() / 100.0), score: s, reasons }
            })
            .collect();
        let counts = |i: &Interner, counts: Vec<usize>| -> BTreeMap<String, usize> {
            counts.into_iter().enumerate().filter(|(_, n)| *n > 0).map(|(k, n)| (i.name(k as u32).to_string(), n)).collect()
        };
        let facets = Facets {
            category: counts(&shifts.category, category_counts),
            adcode: counts(&shifts.adcode, adcode_counts),
            settlement: counts(&shifts.settlement, settlement_counts),
        };
        Ok(Results { total, hits, facets })
    }

    /// Shifts for one worker: within each availability's radius, fitting its windows, in its
    /// categories; pay against its minimum is a signal. Best score per shift over the records.
    pub fn shifts_for_worker(&self, avails: &[AvailDoc], now: NaiveDateTime) -> Vec<Hit> {
        let shifts = self.shifts.read().expect("lock");
        let mut best: HashMap<i64, Hit> = HashMap::new();
        for a in avails {
            let wanted: Vec<u32> = a.categories.iter().filter_map(|c| shifts.category.get(c)).collect();
            for (slot, d) in shifts.near(a.point, a.radius_km) {
                let doc = shifts.get(slot);
                if !doc.is_live(now) || (!a.categories.is_empty() && !wanted.contains(&doc.category)) {
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
                    pay_ok: a.min_pay.and_then(|(f, u)| pays_at_least(doc.pay_fen, doc.pay_unit, &doc.slots, f, u)),
                    category_match: (!a.categories.is_empty()).then_some(true),
                    age_hours: Some((now - doc.published_at).num_minutes() as f64 / 60.0),
                    ..Default::default()
                };
                let (s, reasons) = score(&signals, &self.weights);
                let hit = Hit { id: doc.id, distance_km: Some((d * 100.0).round() / 100.0), score: s, reasons };
                if best.get(&doc.id).is_none_or(|b| b.score < s) {
                    best.insert(doc.id, hit);
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
                reliability: a.reliability,
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
        let side = self.avail.read().expect("lock");
        let text: Option<HashMap<i64, f32>> = if groups.is_empty() { None } else { Some(self.avail_text.search(&groups, None)?.into_iter().collect()) };
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
            let signals = Signals {
                text: text_score,
                distance_km: dist,
                radius_km: near.map(|(_, r)| r),
                time_fit: fit,
                priority_group: Some(a.priority_group),
                ..Default::default()
            };
            let (s, reasons) = score(&signals, &self.weights);
            out.push((Hit { id, distance_km: dist.map(|d| (d * 100.0).round() / 100.0), score: s, reasons }, a.worker_id));
        }
        out.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(b.0.id.cmp(&a.0.id)));
        Ok(out)
    }
}
