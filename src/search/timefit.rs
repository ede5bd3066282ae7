//! Does a shift slot fit a worker's windows? A slot fits fully when one window contains it, partly
//! when windows cover some of it, not at all otherwise. Weekly windows are expanded into concrete
//! dates in Asia/Shanghai local time (UTC+8, no daylight saving), overnight windows included.

use chrono::{Datelike, Duration, NaiveDateTime};

use crate::domain::WeeklyWindow;

/// A concrete interval in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fit {
    Full,
    /// The share of the slot covered, in (0, 1).
    Partial(f64),
    None,
}

impl Fit {
    pub fn label(self) -> &'static str {
        match self {
            Fit::Full => "full",
            Fit::Partial(_) => "partial",
            Fit::None => "none",
        }
    }

    /// 1 for a full fit, the covered share (halved) for a partial one, 0 for none.
    pub fn value(self) -> f64 {
        match self {
            Fit::Full => 1.0,
            Fit::Partial(share) => 0.5 * share,
            Fit::None => 0.0,
        }
    }

    fn better(self, other: Fit) -> Fit {
        if other.value() > self.value() { other } else { self }
    }
}

const LOCAL_OFFSET_HOURS: i64 = 8;

/// The concrete UTC intervals of weekly windows that could touch `slot`.
pub fn expand_weekly(weekly: &[WeeklyWindow], slot: Interval) -> Vec<Interval> {
    let offset = Duration::hours(LOCAL_OFFSET_HOURS);
    let first_day = (slot.start + offset).date() - Duration::days(1);
    let last_day = (slot.end + offset).date();
    let mut out = Vec::new();
    let mut day = first_day;
    while day <= last_day {
        let weekday = day.weekday().number_from_monday() as u8;
        for w in weekly.iter().filter(|w| w.weekday == weekday) {
            let start = day.and_time(w.start);
            let end = if w.end > w.start { day.and_time(w.end) } else { (day + Duration::days(1)).and_time(w.end) };
            out.push(Interval { start: start - offset, end: end - offset });
        }
        day += Duration::days(1);
    }
    out
}

/// How well one slot fits the dated and weekly windows.
pub fn slot_fit(slot: Interval, dated: &[Interval], weekly: &[WeeklyWindow]) -> Fit {
    // A search's window alone (the case run for every candidate of a search) needs no list.
    if let ([w], []) = (dated, weekly) {
        return one_window_fit(slot, *w);
    }
    slot_fit_merged(slot, dated, weekly)
}

fn one_window_fit(slot: Interval, w: Interval) -> Fit {
    if !(w.end > slot.start && w.start < slot.end) {
        return Fit::None;
    }
    if w.start <= slot.start && w.end >= slot.end {
        return Fit::Full;
    }
    let covered = (w.end.min(slot.end) - w.start.max(slot.start)).num_seconds();
    if covered > 0 { Fit::Partial(covered as f64 / (slot.end - slot.start).num_seconds() as f64) } else { Fit::None }
}

fn slot_fit_merged(slot: Interval, dated: &[Interval], weekly: &[WeeklyWindow]) -> Fit {
    let mut windows: Vec<Interval> = dated.iter().copied().filter(|w| w.end > slot.start && w.start < slot.end).collect();
    windows.extend(expand_weekly(weekly, slot).into_iter().filter(|w| w.end > slot.start && w.start < slot.end));
    if windows.is_empty() {
        return Fit::None;
    }
    // Adjacent or overlapping windows (Friday evening + Saturday morning) cover a slot together.
    windows.sort_by_key(|w| w.start);
    let mut merged: Vec<Interval> = Vec::new();
    for w in windows {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    if merged.iter().any(|w| w.start <= slot.start && w.end >= slot.end) {
        return Fit::Full;
    }
    let total = (slot.end - slot.start).num_seconds() as f64;
    let covered: i64 = merged.iter().map(|w| (w.end.min(slot.end) - w.start.max(slot.start)).num_seconds().max(0)).sum();
    if covered > 0 { Fit::Partial(covered as f64 / total) } else { Fit::None }
}

/// The best fit of any of a shift's slots that are not over yet.
pub fn shift_fit(slots: &[Interval], dated: &[Interval], weekly: &[WeeklyWindow], now: NaiveDateTime) -> Fit {
    slots.iter().filter(|s| s.end > now).fold(Fit::None, |best, s| best.better(slot_fit(*s, dated, weekly)))
}

/// Whether any slot overlaps the requested `[from, to)` range (either end open).
pub fn overlaps_range(slots: &[Interval], from: Option<NaiveDateTime>, to: Option<NaiveDateTime>) -> bool {
    slots.iter().any(|s| from.is_none_or(|f| s.end > f) && to.is_none_or(|t| s.start < t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    fn iv(a: &str, b: &str) -> Interval {
        Interval { start: parse_instant(a).unwrap(), end: parse_instant(b).unwrap() }
    }

    fn weekly(day: u8, a: &str, b: &str) -> WeeklyWindow {
        WeeklyWindow::new(day, WeeklyWindow::clock(a).unwrap(), WeeklyWindow::clock(b).unwrap()).unwrap()
    }

    /// One window alone takes the short way; it must agree with the general one everywhere.
    #[test]
    fn one_window_fits_as_the_general_rule_says() {
        let base = parse_instant("2026-12-01T00:00:00+08:00").unwrap();
        let at = |m: i64| base + Duration::minutes(m * 30);
        for (a, b) in (0..12).flat_map(|a| (a + 1..13).map(move |b| (a, b))) {
            for (c, d) in (0..12).flat_map(|c| (c + 1..13).map(move |d| (c, d))) {
                let (slot, w) = (Interval { start: at(a), end: at(b) }, Interval { start: at(c), end: at(d) });
                assert_eq!(slot_fit(slot, &[w], &[]), slot_fit_merged(slot, &[w], &[]), "{slot:?} in {w:?}");
            }
        }
    }

    // 2026-11-28 is a Saturday.
    #[test]
    fn weekly_windows_apply_on_their_weekday_in_local_time() {
        let sat = [weekly(6, "08:00", "18:00")];
        assert_eq!(slot_fit(iv("2026-11-28T09:00:00+08:00", "2026-11-28T13:00:00+08:00"), &[], &sat), Fit::Full);
        // Same hours on Sunday: no fit.
        assert_eq!(slot_fit(iv("2026-11-29T09:00:00+08:00", "2026-11-29T13:00:00+08:00"), &[], &sat), Fit::None);
        // 07:00–09:00 Saturday: half covered.
        assert_eq!(slot_fit(iv("2026-11-28T07:00:00+08:00", "2026-11-28T09:00:00+08:00"), &[], &sat), Fit::Partial(0.5));
        // Saturday 01:00 local is still Friday in UTC; the weekday is the local one.
        let early = [weekly(6, "00:00", "06:00")];
        assert_eq!(slot_fit(iv("2026-11-28T01:00:00+08:00", "2026-11-28T05:00:00+08:00"), &[], &early), Fit::Full);
    }

    #[test]
    fn overnight_windows_cross_midnight_and_weeks() {
        // Sunday 22:00 to Monday 06:00.
        let night = [weekly(7, "22:00", "06:00")];
        assert_eq!(slot_fit(iv("2026-11-29T23:00:00+08:00", "2026-11-30T05:00:00+08:00"), &[], &night), Fit::Full);
        assert_eq!(slot_fit(iv("2026-11-30T02:00:00+08:00", "2026-11-30T08:00:00+08:00"), &[], &night), Fit::Partial(4.0 / 6.0));
    }

    #[test]
    fn adjacent_windows_join_up() {
        let w = [weekly(5, "18:00", "24:00"), weekly(6, "00:00", "04:00")];
        assert_eq!(slot_fit(iv("2026-11-27T22:00:00+08:00", "2026-11-28T02:00:00+08:00"), &[], &w), Fit::Full);
    }

    #[test]
    fn dated_windows_and_past_slots() {
        let dated = [iv("2026-12-01T08:00:00+08:00", "2026-12-01T20:00:00+08:00")];
        let slots = [iv("2026-11-20T09:00:00+08:00", "2026-11-20T12:00:00+08:00"), iv("2026-12-01T09:00:00+08:00", "2026-12-01T12:00:00+08:00")];
        let now = parse_instant("2026-11-25T00:00:00+08:00").unwrap();
        assert_eq!(shift_fit(&slots, &dated, &[], now), Fit::Full);
        assert_eq!(shift_fit(&slots[..1], &dated, &[], now), Fit::None);
        assert!(overlaps_range(&slots, Some(now), None));
        assert!(!overlaps_range(&slots, Some(parse_instant("2026-12-02T00:00:00+08:00").unwrap()), None));
    }
}
