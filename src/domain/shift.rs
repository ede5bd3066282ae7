//! A posting whose every field passed its rule: what the listing rules judge and storage keeps.

use chrono::NaiveDateTime;

use crate::domain::{EmploymentType, GeoPoint, Pay, Settlement, TakeMode, TimeSlot};

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

