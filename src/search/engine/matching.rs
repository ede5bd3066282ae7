//! Matching: shifts for a worker's availability, and workers for a shift.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::search::score::{Audience, Signals, coarse_point, score};
use crate::search::timefit::{self, Fit};

use super::*;

impl Engine {
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
                    pay_ok: a.min_pay.and_then(|(f, u)| pays_at_least(doc.pay_fen, doc.pay_unit, doc.minutes_per_piece, &doc.slots, f, u)),
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
    /// For an employer (`Audience::Employer`) the ranking uses no private signal and only the
    /// distance to the worker's coarse point, so neither a key group nor the worker's exact point
    /// can be read back from what it shows.
    pub fn workers_for_shift(&self, shift: &ShiftDoc, now: NaiveDateTime, audience: Audience) -> Vec<(Hit, i64)> {
        let side = self.avail.read().expect("lock");
        let mut best: HashMap<i64, (Hit, i64)> = HashMap::new();
        for (id, d) in Self::near(&side, shift.point, side.max_radius_km) {
            let Some(a) = side.docs.get(&id) else { continue };
            // The employer's view measures from the worker's coarse point, filter included, so
            // moving a shift across a worker's radius does not trace the exact point either.
            let d = match audience {
                Audience::Staff => d,
                Audience::Employer => distance_km(shift.point, coarse_point(a.point)),
            };
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
            let signals = match audience {
                Audience::Staff => signals,
                Audience::Employer => signals.for_employer(Some(d)),
            };
            let (s, reasons) = score(&signals, &self.weights);
            let shown = signals.distance_km.map(|d| (d * 100.0).round() / 100.0);
            let hit = Hit { id, distance_km: shown, score: s, reasons };
            if best.get(&a.worker_id).is_none_or(|b| b.0.score < s) {
                best.insert(a.worker_id, (hit, a.worker_id));
            }
        }
        let mut hits: Vec<(Hit, i64)> = best.into_values().collect();
        hits.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(b.0.id.cmp(&a.0.id)));
        hits
    }
}
