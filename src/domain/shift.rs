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
}
