//! A posting whose every field passed its rule: what the listing rules judge and storage keeps.

use chrono::NaiveDateTime;

use crate::domain::{EmploymentType, GeoPoint, Pay, Settlement, ShiftStatus, TakeMode, TimeSlot};

/// A shift that passed every field rule.
#[derive(Debug, Clone)]
pub struct ValidShift {
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub category: String,
    pub headcount: i32,
    pub address: String,
    pub point: GeoPoint,
    pub adcode: Option<String>,
    pub slots: Vec<TimeSlot>,
    pub pay: Pay,
    pub settlement: Settlement,
    pub employment_type: EmploymentType,
    pub take_mode: TakeMode,
    pub valid_through: NaiveDateTime,
    pub probation_days: i32,
    /// For a piece rate: the employer's estimate of the minutes one piece takes.
    pub minutes_per_piece: Option<i32>,
}

/// Where a shift stands with the public: its status, whether reports hid it pending review, and
/// whether staff blocked its employer. The one place that decides who may see, find and take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: ShiftStatus,
    pub hidden_by_reports: bool,
    pub employer_blocked: bool,
}

impl Standing {
    fn cleared(&self) -> bool {
        !self.hidden_by_reports && !self.employer_blocked
    }

    /// Anyone may open the shift's page (its owner and staff always may).
    pub fn publicly_readable(&self) -> bool {
        self.cleared() && matches!(self.status, ShiftStatus::Published | ShiftStatus::Filled | ShiftStatus::Closed | ShiftStatus::Expired)
    }

    /// The shift appears in search, matches and alerts (the engine also checks its times).
    pub fn searchable(&self) -> bool {
        self.cleared() && self.status == ShiftStatus::Published
    }

    /// Workers may apply, claim or be invited (a filled shift takes a waiting list).
    pub fn open_to_applications(&self) -> bool {
        self.cleared() && matches!(self.status, ShiftStatus::Published | ShiftStatus::Filled)
    }
}

/// How far a shift's point may move under confirmed workers: they agreed to come to a place.
pub const MAX_CONFIRMED_MOVE_KM: f64 = 0.5;

/// What a confirmed worker agreed to: the pay, its settlement, the place and their slots.
#[derive(Debug, Clone)]
pub struct Terms<'a> {
    pub pay: Pay,
    pub settlement: Settlement,
    pub point: GeoPoint,
    pub headcount: i32,
    pub slots: &'a [TimeSlot],
}

/// What an edit does to the terms of workers already confirmed on the shift.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermsChange {
    /// Fields the edit would worsen or change under a confirmed worker: the edit is refused.
    pub locked: Vec<&'static str>,
    pub pay_raised: bool,
    pub slots_added: usize,
}

impl TermsChange {
    /// Whether confirmed workers should be told (something improved, nothing locked).
    pub fn improves(&self) -> bool {
        self.locked.is_empty() && (self.pay_raised || self.slots_added > 0)
    }
}

/// Compares an edit with the terms `held` places were confirmed on (`held_slots`: every slot some
/// confirmed worker holds; `held_places`: how many places are held). Raising pay and adding
/// slots are allowed; lowering pay, another pay unit, another settlement, a move of more than
/// [`MAX_CONFIRMED_MOVE_KM`], a held slot changed or removed, or fewer places than are held, are not.
pub fn compare_terms(old: &Terms, new: &Terms, held_slots: &[TimeSlot], held_places: i64) -> TermsChange {
    let mut c = TermsChange::default();
    if new.pay.unit != old.pay.unit || new.pay.amount_fen < old.pay.amount_fen {
        c.locked.push("pay");
    } else if new.pay.amount_fen > old.pay.amount_fen {
        c.pay_raised = true;
    }
    if new.settlement != old.settlement {
        c.locked.push("settlement");
    }
    if old.point.haversine_km(&new.point) > MAX_CONFIRMED_MOVE_KM {
        c.locked.push("location");
    }
    if held_slots.iter().any(|h| !new.slots.contains(h)) {
        c.locked.push("slots");
    }
    if (new.headcount as i64) < held_places {
        c.locked.push("headcount");
    }
    c.slots_added = new.slots.iter().filter(|s| !old.slots.contains(s)).count();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_exposure_is_a_subset_of_the_one_before() {
        for &status in ShiftStatus::ALL {
            for hidden_by_reports in [false, true] {
                for employer_blocked in [false, true] {
                    let s = Standing { status, hidden_by_reports, employer_blocked };
                    assert!(!s.searchable() || s.open_to_applications(), "{s:?}");
                    assert!(!s.open_to_applications() || s.publicly_readable(), "{s:?}");
                    if hidden_by_reports || employer_blocked {
                        assert!(!s.publicly_readable(), "hidden or blocked shifts are not public: {s:?}");
                    }
                }
            }
        }
        let live = Standing { status: ShiftStatus::Published, hidden_by_reports: false, employer_blocked: false };
        assert!(live.searchable());
        assert!(!Standing { status: ShiftStatus::PendingReview, ..live }.publicly_readable());
    }

    fn slot(h: u32, len: i64) -> TimeSlot {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap().and_hms_opt(h, 0, 0).unwrap();
        TimeSlot { start, end: start + chrono::Duration::hours(len) }
    }

    #[test]
    fn terms_under_confirmed_workers_only_improve() {
        use crate::domain::PayUnit;
        let slots = [slot(1, 4), slot(6, 4)];
        let base = Terms {
            pay: Pay { amount_fen: 3000, unit: PayUnit::Hour },
            settlement: Settlement::Daily,
            point: GeoPoint { lat: 39.9, lng: 116.4 },
            headcount: 3,
            slots: &slots,
        };
        let held = [slots[0]];
        assert_eq!(compare_terms(&base, &base, &held, 2), TermsChange::default());
        // Every way of lowering or changing a term is locked, alone and named.
        let lower = Terms { pay: Pay { amount_fen: 2999, ..base.pay }, ..base.clone() };
        let unit = Terms { pay: Pay { unit: PayUnit::Day, amount_fen: 30000 }, ..base.clone() };
        let settle = Terms { settlement: Settlement::Weekly, ..base.clone() };
        let moved = Terms { point: GeoPoint { lat: 39.9046, lng: 116.4 }, ..base.clone() };
        let few = Terms { headcount: 1, ..base.clone() };
        let changed_slot = [slot(1, 3), slot(6, 4)];
        let reslot = Terms { slots: &changed_slot, ..base.clone() };
        let removed = [slots[1]];
        let unslot = Terms { slots: &removed, ..base.clone() };
        for (t, field) in
            [(&lower, "pay"), (&unit, "pay"), (&settle, "settlement"), (&moved, "location"), (&few, "headcount"), (&reslot, "slots"), (&unslot, "slots")]
        {
            let c = compare_terms(&base, t, &held, 2);
            assert_eq!(c.locked, vec![field], "{t:?}");
            assert!(!c.improves());
        }
        // Small moves, raises, added slots and changes to slots nobody holds are allowed.
        let nudged = Terms { point: GeoPoint { lat: 39.9030, lng: 116.4 }, ..base.clone() };
        assert!(compare_terms(&base, &nudged, &held, 2).locked.is_empty());
        let raised = Terms { pay: Pay { amount_fen: 3500, ..base.pay }, ..base.clone() };
        assert!(compare_terms(&base, &raised, &held, 2).improves());
        let more = [slots[0], slots[1], slot(12, 4)];
        let added = Terms { slots: &more, ..base.clone() };
        assert_eq!(compare_terms(&base, &added, &held, 2).slots_added, 1);
        let unheld_gone = [slots[0]];
        assert!(compare_terms(&base, &Terms { slots: &unheld_gone, ..base.clone() }, &held, 2).locked.is_empty());
    }
}
