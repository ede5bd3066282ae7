//! Which new shifts an alert subscription wants. Plain functions over the search engine's shift
//! documents, so the rules are the matching engine's own and testable without a database.

use std::collections::HashSet;

use chrono::NaiveDateTime;

use crate::domain::{GeoPoint, PayUnit, WeeklyWindow};
use crate::search::analyze::{Alternative, LOW, QueryGroup, doc_terms};
use crate::search::engine::{ShiftDoc, distance_km};
use crate::search::timefit::{Fit, Interval, shift_fit};

/// What a subscription asks for once resolved: a saved search's own fields, or those of the
/// availability record it follows (read at match time, so edits to the record apply).
#[derive(Debug, Clone)]
pub struct Criteria {
    /// The analysed query; empty means any text.
    pub query: Vec<QueryGroup>,
    pub near: Option<(GeoPoint, f64)>,
    /// Category codes; empty means any.
    pub categories: Vec<String>,
    pub min_pay: Option<(i64, PayUnit)>,
    /// Availability windows (dated, weekly); `None` for a saved search, which has no times.
    pub windows: Option<(Vec<Interval>, Vec<WeeklyWindow>)>,
    /// Shifts published before the subscription existed are not news to it.
    pub since: NaiveDateTime,
}

/// The words of one shift, in the form queries are checked against. Built once per shift and
/// reused for every subscription.
///
/// This is the only place that depends on the shape of the text analysis output.
pub struct ShiftText {
    terms: HashSet<String>,
}

impl ShiftText {
    /// From a shift's searchable text (`analyze::doc_text`), analysed as the index analyses it.
    pub fn of(text: &str) -> ShiftText {
        let mut terms = Vec::new();
        doc_terms(text, &mut terms);
        ShiftText { terms: terms.into_iter().collect() }
    }

    fn has(&self, alt: &Alternative) -> bool {
        // A word of an employer-name or address line is indexed with the low-weight prefix only
        // (`analyze::LOW`); the search still finds it there, and so does an alert.
        alt.terms.iter().all(|t| self.terms.contains(t) || self.terms.contains(&format!("{LOW}{t}")))
    }

    /// Every group must be present; a group is present when any of its alternatives is — the
    /// same reading the search index gives a query, so an alert and a search agree.
    pub fn contains_all(&self, groups: &[QueryGroup]) -> bool {
        groups.iter().all(|g| g.alternatives.iter().any(|a| self.has(a)))
    }
}

/// Slots that have not started: a shift already under way is no use to someone told about it now.
fn upcoming_slots(shift: &ShiftDoc, now: NaiveDateTime) -> Vec<Interval> {
    shift.slots.iter().copied().filter(|s| s.start > now).collect()
}

/// Whether a newly published shift is one the subscription should be told about.
pub fn matches(c: &Criteria, shift: &ShiftDoc, text: &ShiftText, now: NaiveDateTime) -> bool {
    if shift.valid_through <= now || shift.published_at < c.since {
        return false;
    }
    let slots = upcoming_slots(shift, now);
    if slots.is_empty() {
        return false;
    }
    if c.near.is_some_and(|(p, r)| distance_km(p, shift.point) > r) {
        return false;
    }
    if !c.categories.is_empty() && !c.categories.contains(&shift.category) {
        return false;
    }
    // Pay that cannot be compared (piece rates against an hourly minimum) is not announced as
    // meeting the minimum.
    if c.min_pay.is_some_and(|(fen, unit)| shift.pays_at_least(fen, unit) != Some(true)) {
        return false;
    }
    if let Some((dated, weekly)) = &c.windows
        && shift_fit(&slots, dated, weekly, now) == Fit::None
    {
        return false;
    }
    text.contains_all(&c.query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;
    use crate::search::analyze::{analyze_query, doc_text};

    fn t(s: &str) -> NaiveDateTime {
        parse_instant(s).unwrap()
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval { start: t(a), end: t(b) }
    }

    // Now: Tuesday 2026-11-24 10:00 in Beijing; the shift is Saturday morning.
    fn now() -> NaiveDateTime {
        t("2026-11-24T10:00:00+08:00")
    }

    fn shift() -> (ShiftDoc, ShiftText) {
        let doc = ShiftDoc {
            id: 1,
            employer_id: 1,
            category: "cleaning".into(),
            adcode: None,
            point: GeoPoint { lat: 39.9087, lng: 116.4605 },
            pay_fen: 3500,
            pay_unit: PayUnit::Hour,
            minutes_per_piece: None,
            settlement: "daily".into(),
            employment_type: "gig".into(),
            slots: vec![iv("2026-11-28T08:00:00+08:00", "2026-11-28T12:00:00+08:00")],
            valid_through: t("2026-11-28T00:00:00+08:00"),
            published_at: t("2026-11-24T09:30:00+08:00"),
        };
        let text = ShiftText::of(&doc_text(&["家庭保洁员（日结）", "负责住户家庭日常保洁", "北京市朝阳区建国路88号"]));
        (doc, text)
    }

    fn search() -> Criteria {
        Criteria {
            query: Vec::new(),
            near: Some((GeoPoint { lat: 39.92, lng: 116.46 }, 5.0)),
            categories: Vec::new(),
            min_pay: None,
            windows: None,
            since: t("2026-11-24T09:00:00+08:00"),
        }
    }

    #[test]
    fn place_and_radius() {
        let (s, text) = shift();
        assert!(matches(&search(), &s, &text, now()));
        // About 1.3 km away: outside a 1 km radius.
        let c = Criteria { near: Some((GeoPoint { lat: 39.92, lng: 116.46 }, 1.0)), ..search() };
        assert!(!matches(&c, &s, &text, now()));
        let c = Criteria { near: None, ..search() };
        assert!(matches(&c, &s, &text, now()));
    }

    #[test]
    fn categories_and_pay() {
        let (s, text) = shift();
        assert!(matches(&Criteria { categories: vec!["housekeeping".into(), "cleaning".into()], ..search() }, &s, &text, now()));
        assert!(!matches(&Criteria { categories: vec!["moving".into()], ..search() }, &s, &text, now()));
        assert!(matches(&Criteria { min_pay: Some((3500, PayUnit::Hour)), ..search() }, &s, &text, now()));
        assert!(!matches(&Criteria { min_pay: Some((3600, PayUnit::Hour)), ..search() }, &s, &text, now()));
        // 4 hours at 35 元 is 140 元 for the day: compared per hour.
        assert!(matches(&Criteria { min_pay: Some((14000, PayUnit::Day)), ..search() }, &s, &text, now()));
        assert!(!matches(&Criteria { min_pay: Some((20000, PayUnit::Day)), ..search() }, &s, &text, now()));
        // A piece rate has no hourly equivalent: not announced as meeting the minimum.
        assert!(!matches(&Criteria { min_pay: Some((100, PayUnit::Piece)), ..search() }, &s, &text, now()));
    }

    #[test]
    fn every_query_word_must_be_in_the_text() {
        let (s, text) = shift();
        assert!(matches(&Criteria { query: analyze_query("保洁"), ..search() }, &s, &text, now()));
        assert!(matches(&Criteria { query: analyze_query("保洁 日结"), ..search() }, &s, &text, now()));
        assert!(matches(&Criteria { query: analyze_query("baojie"), ..search() }, &s, &text, now()));
        assert!(!matches(&Criteria { query: analyze_query("保洁 搬运"), ..search() }, &s, &text, now()));
        assert!(!matches(&Criteria { query: analyze_query("搬运"), ..search() }, &s, &text, now()));
    }

    #[test]
    fn only_shifts_new_to_the_subscription_and_still_ahead() {
        let (s, text) = shift();
        let c = Criteria { since: t("2026-11-24T09:45:00+08:00"), ..search() };
        assert!(!matches(&c, &s, &text, now()), "published before the subscription");
        assert!(!matches(&search(), &s, &text, t("2026-11-28T09:00:00+08:00")), "already started");
        let closed = ShiftDoc { valid_through: t("2026-11-24T09:59:00+08:00"), ..s.clone() };
        assert!(!matches(&search(), &closed, &text, now()), "no longer open");
    }

    #[test]
    fn availability_windows() {
        let (s, text) = shift();
        let saturday = WeeklyWindow::new(6, WeeklyWindow::clock("08:00").unwrap(), WeeklyWindow::clock("18:00").unwrap()).unwrap();
        let sunday = WeeklyWindow::new(7, WeeklyWindow::clock("08:00").unwrap(), WeeklyWindow::clock("18:00").unwrap()).unwrap();
        assert!(matches(&Criteria { windows: Some((Vec::new(), vec![saturday])), ..search() }, &s, &text, now()));
        assert!(!matches(&Criteria { windows: Some((Vec::new(), vec![sunday])), ..search() }, &s, &text, now()));
        let dated = vec![iv("2026-11-28T10:00:00+08:00", "2026-11-28T20:00:00+08:00")];
        assert!(matches(&Criteria { windows: Some((dated, Vec::new())), ..search() }, &s, &text, now()), "a partial fit is still worth telling");
        assert!(!matches(&Criteria { windows: Some((Vec::new(), Vec::new())), ..search() }, &s, &text, now()));
    }
}
