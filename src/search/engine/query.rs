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
        let mut candidates: Vec<(u32, Option<f64>, Option<f32>)> = Vec::new();
        let cells = area.and_then(|(min, max, circle)| cells::query_cells(min, max, circle));
        let extra: HashMap<i64, f32> =
            if extra_groups.is_empty() { HashMap::new() } else { self.shift_text.search_any(&extra_groups, cells.as_deref())?.into_iter().collect() };
        let mut perk_sets: Vec<std::collections::HashSet<i64>> = Vec::new();
        for g in &perk_groups {
            perk_sets.push(self.shift_text.search_any(std::slice::from_ref(g), cells.as_deref())?.into_iter().map(|(id, _)| id).collect());
        }
        if !groups.is_empty() {
            for (id, text) in self.shift_text.search(&groups, cells.as_deref())? {
                if q.ids.as_ref().is_some_and(|ids| ids.binary_search(&id).is_err()) {
                    continue;
                }
                let text = text + extra.get(&id).copied().unwrap_or(0.0);
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
        } else if let Some(ids) = &q.ids {
            // A given set of ids (a few dozen at most) is looked up directly, not found by walking
            // the area: the place filters are then checked on each.
            for id in ids {
                let Some(slot) = shifts.by_id.get(*id) else { continue };
                let p = shifts.get(slot).point;
                let dist = match q.near {
                    Some((c, r)) => match distance_km(c, p) {
                        d if d <= r => Some(d),
                        _ => continue,
                    },
                    None => None,
                };
                if in_bbox(p) {
                    candidates.push((slot, dist, extra.get(id).copied()));
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
            if !extra.is_empty() {
                for c in &mut candidates {
                    c.2 = extra.get(&shifts.get(c.0).id).copied();
                }
            }
        }
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
                || q.days.is_some_and(|mask| !starts_on_days(&d.slots, mask, q.now))
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
