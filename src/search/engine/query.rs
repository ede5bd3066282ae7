//! Searches: shifts by text, place, time, pay and kind, and staff search over availability.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use rstar::AABB;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{GeoPoint, PayUnit};
use crate::search::analyze::{Alternative, QueryGroup, analyze_query_with};
use crate::search::cells;
use crate::search::score::{Reasons, Signals, score, score_value};
use crate::search::timefit::{self, Fit, Interval};
use crate::search::understand::Understood;

use super::*;

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
    /// Local weekdays (bit 0 = Monday … bit 6 = Sunday): only shifts with a slot still to come
    /// that starts on one of them (the 周末 chip is Saturday and Sunday).
    pub days: Option<u8>,
    /// Only these shift ids, sorted (a recruitment event's shifts); `None` = any.
    pub ids: Option<Vec<i64>>,
    /// Attributes read from the words (`search::understand`): boosts, not filters. `q` holds the
    /// words left over.
    pub understood: Understood,
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

impl Engine {
    /// Searches published, live shifts: filter, score, sort, count facets, page.
    ///
    /// With words, tantivy finds the matches, restricted to the cells of the query's area so it
    /// only walks nearby postings; without, the R-tree gives the candidates. Either
    /// way every candidate is then checked exactly, scored without allocating, and counted into
    /// the facets; reasons are built only for the page returned.
    pub fn search_shifts(&self, q: &ShiftQuery) -> anyhow::Result<Results> {
        use std::sync::atomic::Ordering::Relaxed;
        let started = super::thread_cpu_nanos();
        let out = self.search_shifts_timed(q);
        self.query_cpu.nanos.fetch_add(super::thread_cpu_nanos().saturating_sub(started), Relaxed);
        self.query_cpu.queries.fetch_add(1, Relaxed);
        out
    }

    fn search_shifts_timed(&self, q: &ShiftQuery) -> anyhow::Result<Results> {
        let syn = self.synonyms();
        let groups = q.q.as_deref().map(|s| analyze_query_with(s, &syn)).unwrap_or_default();
        let u = &q.understood;
        // Words matched as an extra only: job nouns that were also attributes (小时工), and perks
        // (no field holds them, so the text is asked; each perk apart, to count which one a shift has).
        let extra_groups: Vec<QueryGroup> = u.extra_words.iter().flat_map(|w| analyze_query_with(w, &syn)).collect();
        let perk_groups: Vec<QueryGroup> = u
            .perks
            .iter()
            .map(|p| QueryGroup {
                source: format!("{p:?}"),
                alternatives: p.words().iter().map(|w| Alternative { terms: vec![w.to_string()], boost: 1.0, fallback: false }).collect(),
            })
            .collect();
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
        let cells = area.and_then(|(min, max, circle)| cells::query_cells(min, max, circle));
        let extra: HashMap<i64, f32> =
            if extra_groups.is_empty() { HashMap::new() } else { self.shift_text.search_any(&extra_groups, cells.as_deref())?.into_iter().collect() };
        let mut perk_sets: Vec<std::collections::HashSet<i64>> = Vec::new();
        for g in &perk_groups {
            perk_sets.push(self.shift_text.search_any(std::slice::from_ref(g), cells.as_deref())?.into_iter().map(|(id, _)| id).collect());
        }
        let text_hits = if groups.is_empty() { None } else { Some(self.shift_text.search(&groups, cells.as_deref())?) };
        // The share of the understood attributes a shift has; interned values are looked up once.
        let understood_n = u.count();
        let (u_settlement, u_kind) = (u.settlement.map(|s| shifts.settlement.get(s)), u.employment_type.map(|k| shifts.employment_type.get(k)));
        let u_days = u.day_mask();
        let understood_share = |d: &Stored| -> Option<f64> {
            if understood_n == 0 {
                return None;
            }
            let ahead = || d.slots.iter().filter(|s| s.end > q.now);
            let checks = [
                u_settlement.map(|w| w == Some(d.settlement)),
                u_kind.map(|w| w == Some(d.employment_type)),
                u.pay_unit.map(|unit| unit == d.pay_unit),
                u_days.map(|mask| starts_on_days(&d.slots, mask, q.now)),
                u.date.map(|date| ahead().any(|s| crate::domain::time::local_date(s.start) == date)),
                u.time_of_day.map(|t| ahead().any(|s| t.fits(s.start, s.end))),
                u.min_pay.map(|m| pays_at_least(d.pay_fen, d.pay_unit, d.minutes_per_piece, &d.slots, m.amount_fen, m.unit) == Some(true)),
                u.place.as_ref().map(|p| shifts.adcode.name(d.adcode).starts_with(p.adcode.as_str())),
            ];
            let met = checks.iter().filter(|c| **c == Some(true)).count() + perk_sets.iter().filter(|s| s.contains(&d.id)).count();
            Some(met as f64 / understood_n as f64)
        };

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
            understood: understood_share(d),
            ..Default::default()
        };
        let pay_ok = |d: &Stored| -> Option<Option<bool>> {
            match q.min_pay_fen {
                Some(min) => match pays_at_least(d.pay_fen, d.pay_unit, d.minutes_per_piece, &d.slots, min, q.pay_unit.unwrap_or(PayUnit::Hour)) {
                    Some(true) => Some(Some(true)),
                    _ => None,
                },
                None => Some(None),
            }
        };
        let mut category_counts = vec![0usize; shifts.category.names.len()];
        let mut adcode_counts = vec![0usize; shifts.adcode.names.len()];
        let mut settlement_counts = vec![0usize; shifts.settlement.names.len()];
        // Only the requested page needs ordering: the best `offset + limit` are kept as they come.
        let mut best = Best::new(q.offset + q.limit);
        let mut total = 0usize;
        let mut consider = |slot: u32, dist: Option<f64>, text: Option<f32>| {
            let d = shifts.get(slot);
            if !d.is_live(q.now)
                || !wanted(want_category, d.category)
                || !wanted(want_settlement, d.settlement)
                || !wanted(want_employment, d.employment_type)
                || q.adcode.as_ref().is_some_and(|a| !shifts.adcode.name(d.adcode).starts_with(a.as_str()))
                || q.pay_unit.is_some_and(|u| u != d.pay_unit)
                || (has_window && !timefit::overlaps_range(&d.slots, from, q.to))
                || q.days.is_some_and(|mask| !starts_on_days(&d.slots, mask, q.now))
            {
                return;
            }
            let Some(pay) = pay_ok(d) else { return };
            let score = score_value(&signals(d, dist, text, pay), &self.weights);
            category_counts[d.category as usize] += 1;
            adcode_counts[d.adcode as usize] += 1;
            settlement_counts[d.settlement as usize] += 1;
            total += 1;
            let first = match q.sort {
                Sort::Relevance => 0.0,
                Sort::Distance => dist.unwrap_or(f64::MAX),
                // Per hour across units, highest first; shifts without a per-hour figure (piece
                // rates) come last.
                Sort::Pay => -(d.hourly_fen.unwrap_or(f32::NEG_INFINITY) as f64),
                Sort::Start => d.next_start(q.now).map_or(f64::NEG_INFINITY, |t| t.and_utc().timestamp_micros() as f64),
            };
            best.offer(Rank { first, score, id: d.id }, Scored { slot, distance_km: dist, text });
        };

        // The candidates: the text index's matches, a given set of ids, or the area's points.
        let near = q.near.map(|(c, r)| (Around::new(c), r));
        let place = |p: GeoPoint| -> Option<Option<f64>> {
            let dist = match near {
                Some((around, r)) => Some(around.within(p, r)?),
                None => None,
            };
            in_bbox(p).then_some(dist)
        };
        if let Some(text_hits) = text_hits {
            for (id, text) in text_hits {
                if q.ids.as_ref().is_some_and(|ids| ids.binary_search(&id).is_err()) {
                    continue;
                }
                let Some(slot) = shifts.by_id.get(id) else { continue };
                if let Some(dist) = place(shifts.get(slot).point) {
                    consider(slot, dist, Some(text + extra.get(&id).copied().unwrap_or(0.0)));
                }
            }
        } else if let Some(ids) = &q.ids {
            // A given set of ids (a few dozen at most) is looked up directly, not found by walking
            // the area: the place filters are then checked on each.
            for id in ids {
                let Some(slot) = shifts.by_id.get(*id) else { continue };
                if let Some(dist) = place(shifts.get(slot).point) {
                    consider(slot, dist, extra.get(id).copied());
                }
            }
        } else {
            let extra_of = |slot: u32| if extra.is_empty() { None } else { extra.get(&shifts.get(slot).id).copied() };
            match (q.near, q.bbox) {
                (Some((c, r)), _) => {
                    for (slot, d) in shifts.near(c, r) {
                        if q.bbox.is_none() || in_bbox(shifts.get(slot).point) {
                            consider(slot, Some(d), extra_of(slot));
                        }
                    }
                }
                (None, Some([min_lng, min_lat, max_lng, max_lat])) => {
                    for e in shifts.tree.locate_in_envelope(&AABB::from_corners([min_lng, min_lat], [max_lng, max_lat])) {
                        consider(e.data, None, extra_of(e.data));
                    }
                }
                (None, None) => {
                    for slot in (0..shifts.docs.len() as u32).filter(|slot| shifts.docs[*slot as usize].is_some()) {
                        consider(slot, None, extra_of(slot));
                    }
                }
            }
        }
        let hits = best
            .into_sorted()
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

    /// Staff search over availability: text, place, and a time range the worker can cover.
    pub fn search_availability(
        &self,
        q: Option<&str>,
        near: Option<(GeoPoint, f64)>,
        range: Option<Interval>,
        category: Option<&str>,
    ) -> anyhow::Result<Vec<(Hit, i64)>> {
        let syn = self.synonyms();
        let groups = q.map(|q| analyze_query_with(q, &syn)).unwrap_or_default();
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

/// Whether a slot not over yet starts on a local weekday in `mask` (bit 0 = Monday).
fn starts_on_days(slots: &[Interval], mask: u8, now: NaiveDateTime) -> bool {
    use chrono::Datelike;
    slots.iter().any(|s| s.end > now && mask & (1 << crate::domain::time::local_date(s.start).weekday().num_days_from_monday()) != 0)
}

/// Where a candidate stands in the requested order, less being better: the sort's own key, then
/// the score (higher first), then the id (newer first), so equal keys keep one order every time.
#[derive(Clone, Copy)]
struct Rank {
    first: f64,
    score: f64,
    id: i64,
}

struct Ranked(Rank, Scored);

impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        let (a, b) = (&self.0, &o.0);
        a.first.total_cmp(&b.first).then(b.score.total_cmp(&a.score)).then(b.id.cmp(&a.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o).is_eq()
    }
}

impl Eq for Ranked {}

/// The best `k` candidates of a stream, kept in a heap whose top is the worst of them: most of a
/// large area's candidates are turned away by one comparison, and nothing else is stored.
struct Best {
    k: usize,
    heap: std::collections::BinaryHeap<Ranked>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best { k, heap: std::collections::BinaryHeap::with_capacity(k.min(1024)) }
    }

    fn offer(&mut self, rank: Rank, c: Scored) {
        let r = Ranked(rank, c);
        if self.heap.len() < self.k {
            self.heap.push(r);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && r < *worst
        {
            *worst = r;
        }
    }

    /// The kept candidates, best first.
    fn into_sorted(self) -> Vec<Scored> {
        self.heap.into_sorted_vec().into_iter().map(|Ranked(_, c)| c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Best` keeps exactly what sorting everything and taking the first `k` would, ties included
    /// (many equal keys and scores, as rounded scores and sort keys give).
    #[test]
    fn best_keeps_the_first_k_of_a_full_sort() {
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        for round in 0..300 {
            let n = next(400) as usize;
            let k = [0, 1, 2, 20, 21, 100, 1000][round % 7];
            let items: Vec<(Rank, Scored)> = (0..n)
                .map(|i| {
                    let rank = Rank { first: next(4) as f64, score: next(6) as f64 / 4.0, id: next(60) as i64 };
                    (rank, Scored { slot: i as u32, distance_km: None, text: None })
                })
                .collect();
            let mut best = Best::new(k);
            for (r, c) in &items {
                best.offer(*r, *c);
            }
            let mut all: Vec<Ranked> = items.iter().map(|(r, c)| Ranked(*r, *c)).collect();
            all.sort();
            let want: Vec<Rank> = all.iter().take(k).map(|r| r.0).collect();
            let got: Vec<Scored> = best.into_sorted();
            assert_eq!(got.len(), want.len());
            // Equal ranks are interchangeable, so the kept ranks are compared, not the slots.
            let rank_of = |slot: u32| items[slot as usize].0;
            for (g, w) in got.iter().zip(&want) {
                let g = rank_of(g.slot);
                assert_eq!((g.first, g.score, g.id), (w.first, w.score, w.id), "round {round}");
            }
        }
    }
}
