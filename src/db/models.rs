//! Rows as the database holds them, one struct per table, shared by the operations that read
//! them. Closed sets (a shift's status, an engagement's state) are read into their enums: a stored
//! value outside the set is corrupt data and fails the read instead of passing for another value.
//! Operations' own views of these rows (what a client is shown) live with the operations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{employers, engagements, shift_slots, shifts, workers};
use crate::domain::engagement::State;
use crate::domain::shift::Standing;
use crate::domain::{EmploymentType, PayUnit, Settlement, ShiftStatus, TakeMode};
use crate::error::{Error, Thing};

#[derive(Debug, Clone, Queryable)]
pub struct ShiftRow {
    pub id: i64,
    pub employer_id: i64,
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub category_code: String,
    pub headcount: i32,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: Option<String>,
    pub pay_amount_fen: i64,
    #[diesel(deserialize_as = String)]
    pub pay_unit: PayUnit,
    #[diesel(deserialize_as = String)]
    pub settlement: Settlement,
    #[diesel(deserialize_as = String)]
    pub employment_type: EmploymentType,
    #[diesel(deserialize_as = String)]
    pub take_mode: TakeMode,
    pub valid_through: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub status: ShiftStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub probation_days: i32,
    pub findings: String,
    pub risk: i32,
    pub rejection_code: Option<String>,
    pub rejection_reason: Option<String>,
    pub hidden_by_reports: bool,
    pub minutes_per_piece: Option<i32>,
}

#[derive(Debug, Clone, Queryable)]
pub struct SlotRow {
    pub id: i64,
    pub shift_id: i64,
    pub start_at: NaiveDateTime,
    pub end_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct EmployerRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub kind: String,
    pub credit_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: Option<String>,
    pub description: String,
    pub verified: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub blocked: bool,
    pub blocked_reason: Option<String>,
    pub blocked_at: Option<NaiveDateTime>,
    /// How a station checked a household or small business in person (which verified it).
    pub checked_in_person: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct WorkerRow {
    pub id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub skills: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub radius_km: f64,
    pub expected_pay_fen: Option<i64>,
    pub expected_pay_unit: Option<String>,
    pub id_number_masked: Option<String>,
    pub id_number_hash: Option<String>,
    pub key_groups: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The district of the home point (county adcode), for staff scopes.
    pub adcode: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct AvailabilityRow {
    pub id: i64,
    pub worker_id: i64,
    pub lat: f64,
    pub lng: f64,
    pub radius_km: f64,
    pub adcode: Option<String>,
    pub categories: String,
    pub min_pay_fen: Option<i64>,
    pub min_pay_unit: Option<String>,
    pub note: String,
    pub dated_windows: String,
    pub weekly_windows: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct EngagementRow {
    pub id: i64,
    pub shift_id: i64,
    pub worker_id: i64,
    #[diesel(deserialize_as = String)]
    pub state: State,
    pub origin: String,
    pub slot_ids: String,
    pub note: String,
    pub waitlist_position: Option<i32>,
    pub contact_shared: bool,
    pub minutes_worked: Option<i32>,
    pub amount_fen: Option<i64>,
    pub computed_amount_fen: Option<i64>,
    pub due_at: Option<NaiveDateTime>,
    pub flags: String,
    pub late_cancel_by: Option<String>,
    pub arrears_report_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub paid_at: Option<NaiveDateTime>,
    /// The station whose desk opened this engagement for the worker, if one did.
    pub by_station_id: Option<i64>,
}

#[derive(Debug, Clone, Queryable)]
pub struct AttendanceRow {
    pub id: i64,
    pub engagement_id: i64,
    pub slot_id: i64,
    pub check_in_at: NaiveDateTime,
    pub check_in_lat: Option<f64>,
    pub check_in_lng: Option<f64>,
    pub check_in_distance_m: Option<i64>,
    pub check_out_at: Option<NaiveDateTime>,
    pub check_out_lat: Option<f64>,
    pub check_out_lng: Option<f64>,
    pub check_out_distance_m: Option<i64>,
    pub flags: String,
    pub confirmed_by: Option<i64>,
    pub corrected_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

impl ShiftRow {
    pub fn status(&self) -> ShiftStatus {
        self.status
    }

    /// Where the shift stands with the public, given whether its employer is blocked.
    pub fn standing(&self, employer_blocked: bool) -> Standing {
        Standing { status: self.status, hidden_by_reports: self.hidden_by_reports, employer_blocked }
    }

    /// Where the shift stands with the public, reading its employer's block.
    pub fn standing_now(&self, conn: &mut DbConn) -> Result<Standing, Error> {
        let blocked: bool = employers::table.find(self.employer_id).select(employers::blocked).first(conn)?;
        Ok(self.standing(blocked))
    }

    /// The SQL form of [`Standing::searchable`], for lists too long to judge row by row (an
    /// event's shifts, the sitemaps): published, not hidden by reports, employer not blocked.
    /// `tests/api/events.rs` checks it against the rule for each way a shift leaves search.
    pub fn searchable_query() -> shifts::BoxedQuery<'static, super::MultiBackend> {
        shifts::table
            .filter(shifts::status.eq(ShiftStatus::Published.as_str()))
            .filter(shifts::hidden_by_reports.eq(false))
            .filter(shifts::employer_id.eq_any(employers::table.filter(employers::blocked.eq(false)).select(employers::id)))
            .into_boxed()
    }

    /// The shift with this id.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<ShiftRow, Error> {
        shifts::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Shift))
    }
}

impl SlotRow {
    /// A shift's slots, earliest first.
    pub fn of_shift(conn: &mut DbConn, shift_id: i64) -> Result<Vec<SlotRow>, Error> {
        Ok(shift_slots::table.filter(shift_slots::shift_id.eq(shift_id)).order(shift_slots::start_at.asc()).load(conn)?)
    }
}

impl EmployerRow {
    pub fn find(conn: &mut DbConn, id: i64) -> Result<EmployerRow, Error> {
        employers::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Employer))
    }

    /// The employer profile of an account, if it made one.
    pub fn of_user(conn: &mut DbConn, user_id: i64) -> Result<Option<EmployerRow>, Error> {
        Ok(employers::table.filter(employers::user_id.eq(user_id)).first(conn).optional()?)
    }
}

impl WorkerRow {
    pub fn find(conn: &mut DbConn, id: i64) -> Result<WorkerRow, Error> {
        workers::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Worker))
    }

    /// The worker profile of an account, if it made one.
    pub fn of_user(conn: &mut DbConn, user_id: i64) -> Result<Option<WorkerRow>, Error> {
        Ok(workers::table.filter(workers::user_id.eq(user_id)).first(conn).optional()?)
    }
}

impl EngagementRow {
    pub fn state(&self) -> State {
        self.state
    }

    pub fn find(conn: &mut DbConn, id: i64) -> Result<EngagementRow, Error> {
        engagements::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Engagement))
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct StationRow {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    /// The station's own county (12-digit adcode).
    pub adcode: String,
    /// JSON list of the county-code prefixes it serves.
    pub counties: String,
    pub radius_km: f64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}
