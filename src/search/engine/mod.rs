//! The in-process matching engine: published shifts and active availability held in memory with
//! an R-tree of their points and a tantivy text index each, kept in step with the database by the
//! change-log follower (`sync`).
//!
//! `store` holds the records and their spatial index, `query` answers searches, `matching` pairs
//! shifts with availability; this file keeps the engine's state and its write path.

mod matching;
mod query;
mod store;

pub use query::{Facets, Hit, Results, ShiftQuery, Sort};
use store::*;
pub use store::{AvailDoc, ShiftDoc, distance_km, envelope};

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::domain::GeoPoint;
use crate::search::cards::{Card, EmployerCard};
use crate::search::cells;
use crate::search::score::Weights;
use crate::search::synonyms::Synonyms;
use crate::search::text::TextIndex;

/// A change staged until the next commit.
enum Op {
    Clear,
    PutShift(ShiftDoc),
    RemoveShift(i64),
    PutAvailability(AvailDoc),
    RemoveAvailability(i64),
    PutCard(Arc<Card>),
    PutEmployerCard(Arc<EmployerCard>),
}

/// The result cards of the searchable shifts and their employers (`search::cards`).
#[derive(Default)]
struct Cards {
    shifts: HashMap<i64, Arc<Card>>,
    employers: HashMap<i64, Arc<EmployerCard>>,
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
    cards: RwLock<Cards>,
    /// The last change-log id applied.
    position: AtomicI64,
    pub weights: Weights,
    /// The synonym table queries are expanded with (built-in groups and the stored ones).
    synonyms: RwLock<std::sync::Arc<Synonyms>>,
    /// CPU time spent inside shift queries, for the benchmark's split of a request's cost between
    /// the engine and everything around it (HTTP, JSON, compression, the cards).
    query_cpu: QueryCpu,
}

/// Shift queries answered and the thread CPU time they took, summed.
#[derive(Default)]
struct QueryCpu {
    queries: std::sync::atomic::AtomicU64,
    nanos: std::sync::atomic::AtomicU64,
}

/// CPU time of the calling thread: what a query costs, without the time other threads held the
/// core (wall time would count those under load).
fn thread_cpu_nanos() -> u64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec to write into; CLOCK_THREAD_CPUTIME_ID is always present on
    // Linux, and a failure leaves zeros, which only makes one query count as free.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// One candidate kept for the page: where it is and what its score was made of; reasons are
/// built for the page only.
#[derive(Clone, Copy)]
struct Scored {
    slot: u32,
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
            cards: RwLock::new(Cards::default()),
            position: AtomicI64::new(0),
            weights,
            synonyms: RwLock::new(std::sync::Arc::new(Synonyms::new([]))),
            query_cpu: QueryCpu::default(),
        })
    }

    /// Shift queries answered so far and the CPU seconds they took (exposed on `/metrics`).
    pub fn query_cpu(&self) -> (u64, f64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.query_cpu.queries.load(Relaxed), self.query_cpu.nanos.load(Relaxed) as f64 / 1e9)
    }

    /// Replaces the stored synonym groups (each space-separated) the built-in ones are joined with.
    pub fn set_synonyms<'a>(&self, groups: impl IntoIterator<Item = &'a str>) {
        *self.synonyms.write().expect("lock") = std::sync::Arc::new(Synonyms::new(groups));
    }

    pub fn synonyms(&self) -> std::sync::Arc<Synonyms> {
        self.synonyms.read().expect("lock").clone()
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
            self.shift_text.add(doc.id, &text, &cells::doc_cells(doc.point), cells::z_key(doc.point), replace)?;
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
            self.avail_text.add(doc.id, &text, &[], 0, true)?;
            pending.ops.push(Op::PutAvailability(doc));
        }
        Ok(())
    }

    pub fn remove_availability(&self, id: i64) {
        self.avail_text.delete(id);
        self.pending.lock().expect("lock").ops.push(Op::RemoveAvailability(id));
    }

    /// Adds or replaces result cards (of shifts put or about to be put) and their employers'
    /// parts; visible at `commit`, together with the records. A removed shift's card goes with it.
    pub fn put_cards(&self, cards: Vec<Card>, employers: Vec<EmployerCard>) {
        let mut pending = self.pending.lock().expect("lock");
        pending.ops.extend(employers.into_iter().map(|e| Op::PutEmployerCard(Arc::new(e))));
        pending.ops.extend(cards.into_iter().map(|c| Op::PutCard(Arc::new(c))));
    }

    /// The cards of the given shifts, in order, each with its employer's part; `None` for a shift
    /// without one (not searchable, or indexed without cards).
    pub fn cards(&self, ids: &[i64]) -> Vec<Option<(Arc<Card>, Arc<EmployerCard>)>> {
        let cards = self.cards.read().expect("lock");
        ids.iter().map(|id| cards.shifts.get(id).and_then(|c| Some((c.clone(), cards.employers.get(&c.employer_id)?.clone())))).collect()
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
        let mut cards = self.cards.write().expect("lock");
        self.shift_text.reload()?;
        self.avail_text.reload()?;
        // Slots whose tree entry is still to be inserted (new, or moved).
        let mut untreed: HashSet<u32> = HashSet::new();
        for op in ops {
            match op {
                Op::Clear => {
                    *shifts = Shifts::default();
                    *avail = Side::default();
                    *cards = Cards::default();
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
                    cards.shifts.remove(&id);
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
                Op::PutCard(card) => {
                    cards.shifts.insert(card.id, card);
                }
                Op::PutEmployerCard(employer) => {
                    cards.employers.insert(employer.id, employer);
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

    /// The district of an availability record the engine holds.
    pub fn availability_adcode(&self, id: i64) -> Option<String> {
        self.avail.read().expect("lock").docs.get(&id).and_then(|d| d.adcode.clone())
    }

    /// Where a window of availability is (its district and point), for staff scopes: a
    /// station's area reaches by distance as well as by county.
    pub fn availability_place(&self, id: i64) -> Option<(Option<String>, GeoPoint)> {
        self.avail.read().expect("lock").docs.get(&id).map(|d| (d.adcode.clone(), d.point))
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
        let around = Around::new(c);
        side.tree
            .locate_in_envelope(&envelope(c, radius_km))
            .filter_map(|e| {
                let [lng, lat] = *e.geom();
                around.within(GeoPoint { lat, lng }, radius_km).map(|d| (e.data, d))
            })
            .collect()
    }
}
