//! The one scoring function for both directions of matching, with the reasons behind each score.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::GeoPoint;
use crate::search::timefit::Fit;

/// Weights of the signals; configurable as `[search]` keys.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize)]
pub struct Weights {
    pub text: f64,
    pub distance: f64,
    pub time: f64,
    pub pay: f64,
    pub category: f64,
    pub freshness: f64,
    /// Added when ranking workers for a shift and the worker belongs to a key group (domain §8).
    pub priority_group_boost: f64,
    /// Times a worker's reliability (0–1: shifts kept against no-shows and late cancellations,
    /// and ratings received) when ranking workers for a shift.
    pub reliability: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { text: 1.0, distance: 1.0, time: 1.0, pay: 0.5, category: 0.5, freshness: 0.2, priority_group_boost: 0.3, reliability: 0.5 }
    }
}

/// What is known about one candidate; `None` means the signal does not apply to this query.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals {
    /// BM25 relevance from the text index.
    pub text: Option<f32>,
    pub distance_km: Option<f64>,
    /// The radius the distance is judged against (the query's or the worker's).
    pub radius_km: Option<f64>,
    pub time_fit: Option<Fit>,
    pub pay_ok: Option<bool>,
    pub category_match: Option<bool>,
    pub age_hours: Option<f64>,
    pub priority_group: Option<bool>,
    /// In [0, 1]; see `domain::engagement::reliability`.
    pub reliability: Option<f64>,
    /// The share (0–1) of the attributes understood in the query (`search::understand`: 日结,
    /// 周末, 包吃 …) that the shift has.
    pub understood: Option<f64>,
}

/// What a shift having every attribute understood in the query adds: more than any two of text,
/// distance and freshness can together, so 日结 ranks daily-settled shifts first, yet only a boost: the
/// others still follow.
pub const UNDERSTOOD_WEIGHT: f64 = 2.2;

/// Why a result scored what it did. Absent signals are omitted.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Reasons {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_fit: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_match: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fresh_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_group: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reliability: Option<f64>,
    /// The share of the query's understood attributes (see `understood` in the response) this
    /// shift has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub understood: Option<f64>,
}

/// Who a ranking is shown to. Employers see scores and orderings computed without private signals
/// (key groups, domain-facts §8) and from a coarse worker location; staff and the worker see the
/// full ranking, priority boost included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Staff recommendations: every signal, the exact distance.
    Staff,
    /// The shift's employer: no private signal, coarse distances only.
    Employer,
}

/// The grid (degrees) a worker's point is snapped to before any distance an employer sees is
/// measured: about 1.1 km north–south. However many points an employer measures from, the
/// distances only ever lead back to the cell's centre.
pub const COARSE_GRID_DEG: f64 = 0.01;
/// Distances shown to employers are rounded up to this step (km)…
pub const COARSE_STEP_KM: f64 = 0.5;
/// …and never shown below this (km): "< 1 km" reads as 1.
pub const COARSE_MIN_KM: f64 = 1.0;

/// The centre of the grid cell holding `p`.
pub fn coarse_point(p: GeoPoint) -> GeoPoint {
    let snap = |v: f64| (v / COARSE_GRID_DEG).round() * COARSE_GRID_DEG;
    GeoPoint { lat: snap(p.lat), lng: snap(p.lng) }
}

/// A distance as an employer may see it: rounded up to the next half kilometre, at least 1 km.
pub fn coarse_km(d: f64) -> f64 {
    ((d / COARSE_STEP_KM).ceil() * COARSE_STEP_KM).max(COARSE_MIN_KM)
}

impl Signals {
    /// The signals an employer's view is computed from: no key-group flag, a coarse distance
    /// (`public_distance_km` measured to the worker's coarse point).
    pub fn for_employer(self, public_distance_km: Option<f64>) -> Signals {
        Signals { priority_group: None, distance_km: public_distance_km.map(coarse_km), ..self }
    }
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Combines the signals into one score in a fixed range: text relevance saturates (BM25 / (BM25 + 2)),
/// distance decays exponentially on the scale of the radius, a full time fit counts fully and a
/// partial one by its share, pay and category count when they hold, and newer postings get a
/// small edge that halves about every five days.
pub fn score(s: &Signals, w: &Weights) -> (f64, Reasons) {
    (score_value(s, w), reasons(s))
}

/// The score alone, for ranking many candidates before explaining the few returned.
pub fn score_value(s: &Signals, w: &Weights) -> f64 {
    let mut total = 0.0;
    if let Some(t) = s.text {
        let t = t as f64;
        total += w.text * t / (t + 2.0);
    }
    if let Some(d) = s.distance_km {
        let scale = s.radius_km.map(|r| (r / 2.0).max(1.0)).unwrap_or(5.0);
        total += w.distance * (-d / scale).exp();
    }
    if let Some(fit) = s.time_fit {
        total += w.time * fit.value();
    }
    if s.pay_ok == Some(true) {
        total += w.pay;
    }
    if s.category_match == Some(true) {
        total += w.category;
    }
    if let Some(age) = s.age_hours {
        total += w.freshness * (-age.max(0.0) / 168.0).exp();
    }
    if s.priority_group == Some(true) {
        total += w.priority_group_boost;
    }
    if let Some(r) = s.reliability {
        total += w.reliability * r.clamp(0.0, 1.0);
    }
    if let Some(u) = s.understood {
        total += UNDERSTOOD_WEIGHT * u.clamp(0.0, 1.0);
    }
    round(total, 4)
}

/// The signals as shown to users: absent ones omitted, figures rounded.
pub fn reasons(s: &Signals) -> Reasons {
    Reasons {
        distance_km: s.distance_km.map(|d| round(d, 2)),
        time_fit: s.time_fit.map(Fit::label),
        pay_ok: s.pay_ok,
        text: s.text.map(|t| round(t as f64, 2)),
        category_match: s.category_match,
        fresh_hours: s.age_hours.map(|a| round(a, 1)),
        priority_group: s.priority_group,
        reliability: s.reliability.map(|r| round(r, 2)),
        understood: s.understood.map(|u| round(u, 2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Signals {
        Signals {
            distance_km: Some(2.0),
            radius_km: Some(10.0),
            time_fit: Some(Fit::Full),
            pay_ok: Some(true),
            category_match: Some(true),
            age_hours: Some(1.0),
            ..Default::default()
        }
    }

    #[test]
    fn nearer_better_fitting_better_paid_ranks_higher() {
        let w = Weights::default();
        let (a, _) = score(&base(), &w);
        let (far, _) = score(&Signals { distance_km: Some(9.0), ..base() }, &w);
        let (partial, _) = score(&Signals { time_fit: Some(Fit::Partial(0.5)), ..base() }, &w);
        let (underpaid, _) = score(&Signals { pay_ok: Some(false), ..base() }, &w);
        let (old, _) = score(&Signals { age_hours: Some(24.0 * 30.0), ..base() }, &w);
        assert!(a > far && a > partial && a > underpaid && a > old);
        assert!(partial > score(&Signals { time_fit: Some(Fit::Partial(0.1)), ..base() }, &w).0);
    }

    #[test]
    fn priority_groups_get_the_configured_boost() {
        let w = Weights::default();
        let (plain, _) = score(&Signals { priority_group: Some(false), ..base() }, &w);
        let (prio, r) = score(&Signals { priority_group: Some(true), ..base() }, &w);
        assert!((prio - plain - 0.3).abs() < 1e-3);
        assert_eq!(r.priority_group, Some(true));
        let none = Weights { priority_group_boost: 0.0, ..w };
        assert_eq!(score(&Signals { priority_group: Some(true), ..base() }, &none).0, plain);
    }

    #[test]
    fn reasons_explain_the_score() {
        let (_, r) = score(&Signals { text: Some(3.21), ..base() }, &Weights::default());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["distance_km"], 2.0);
        assert_eq!(v["time_fit"], "full");
        assert_eq!(v["pay_ok"], true);
        assert_eq!(v["text"], 3.21);
        assert!(v.get("priority_group").is_none());
    }

    #[test]
    fn reliable_workers_rank_higher_and_say_why() {
        let w = Weights::default();
        let (steady, r) = score(&Signals { reliability: Some(0.95), ..base() }, &w);
        let (flaky, _) = score(&Signals { reliability: Some(0.40), ..base() }, &w);
        assert!((steady - flaky - 0.5 * 0.55).abs() < 1e-3);
        assert_eq!(serde_json::to_value(&r).unwrap()["reliability"], 0.95);
    }

    #[test]
    fn employers_never_see_the_key_group_boost_or_a_fine_distance() {
        let w = Weights::default();
        let plain = Signals { priority_group: Some(false), ..base() };
        let prio = Signals { priority_group: Some(true), ..base() };
        let (a, ra) = score(&plain.for_employer(Some(2.0)), &w);
        let (b, rb) = score(&prio.for_employer(Some(2.0)), &w);
        assert_eq!(a, b, "identical workers score the same for the employer whatever their key groups");
        assert!(ra.priority_group.is_none() && rb.priority_group.is_none());
        assert!(score(&prio, &w).0 > score(&plain, &w).0, "staff still see the boost");
        // Every distance, generated on a fine grid, comes out as a multiple of the step, at least the minimum.
        for i in 0..2000 {
            let d = i as f64 * 0.0137;
            let c = coarse_km(d);
            assert!(c >= COARSE_MIN_KM && c >= d && c - d <= COARSE_STEP_KM.max(COARSE_MIN_KM), "{d} -> {c}");
            assert_eq!((c / COARSE_STEP_KM).fract(), 0.0, "{d} -> {c}");
        }
        // Points in one cell share one coarse point.
        let p = coarse_point(GeoPoint { lat: 39.9249, lng: 116.4649 });
        let q = coarse_point(GeoPoint { lat: 39.9151, lng: 116.4551 });
        assert!((p.lat - q.lat).abs() < 1e-9 && (p.lng - q.lng).abs() < 1e-9);
    }

    #[test]
    fn understood_attributes_outweigh_any_two_other_signals() {
        let w = Weights::default();
        let worst = Signals { text: Some(0.1), distance_km: Some(9.9), time_fit: Some(Fit::Partial(0.1)), age_hours: Some(5000.0), ..base() };
        let best = Signals { text: Some(50.0), distance_km: Some(0.0), time_fit: Some(Fit::Full), age_hours: Some(0.0), ..base() };
        // Each pair of signals at its best, the rest equal, against every understood attribute.
        let pairs: [fn(&mut Signals, &Signals); 4] = [
            |s, b| (s.text, s.distance_km) = (b.text, b.distance_km),
            |s, b| (s.text, s.age_hours) = (b.text, b.age_hours),
            |s, b| (s.distance_km, s.age_hours) = (b.distance_km, b.age_hours),
            |s, b| s.time_fit = b.time_fit,
        ];
        for (i, better) in pairs.iter().enumerate() {
            let has = Signals { understood: Some(1.0), ..worst };
            let mut lacks = Signals { understood: Some(0.0), ..worst };
            better(&mut lacks, &best);
            assert!(score(&has, &w).0 > score(&lacks, &w).0, "pair {i}");
            // A boost, not a filter: the shift without it still scores.
            assert!(score(&lacks, &w).0 > 0.0);
        }
        // More of the understood attributes rank higher, all else equal.
        for (more, fewer) in [(1.0, 2.0 / 3.0), (2.0 / 3.0, 1.0 / 3.0), (0.5, 0.0)] {
            assert!(score(&Signals { understood: Some(more), ..base() }, &w).0 > score(&Signals { understood: Some(fewer), ..base() }, &w).0);
        }
        let (_, r) = score(&Signals { understood: Some(2.0 / 3.0), ..base() }, &w);
        assert_eq!(serde_json::to_value(&r).unwrap()["understood"], 0.67);
    }

    #[test]
    fn text_relevance_orders_when_all_else_is_equal() {
        let w = Weights::default();
        let strong = score(&Signals { text: Some(8.0), ..base() }, &w).0;
        let weak = score(&Signals { text: Some(1.0), ..base() }, &w).0;
        assert!(strong > weak);
    }
}
