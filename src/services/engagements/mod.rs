//! Engagements: a worker's part in a shift, from application, instant claim or invitation through
//! check-in and check-out to completion and pay. Every state change goes through
//! `domain::engagement::transition` and writes an `engagement_events` row in the caller's
//! transaction. Places are counted under a lock on the shift row (PostgreSQL `FOR UPDATE`; SQLite's
//! `BEGIN IMMEDIATE` already serialises writers), so concurrent claims never overfill a shift.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::config::EngagementsConfig;
use crate::db::changes::Entity;
pub use crate::db::models::{AttendanceRow, EngagementRow};
use crate::db::models::{ShiftRow, SlotRow};
use crate::db::schema::{employers, engagement_events, engagements, shift_slots, shifts, users, workers};
use crate::db::{DbConn, Tx};
use crate::domain::engagement::{self as machine, Action, Actor, Illegal, State, Worked};
use crate::domain::notification::{self as notify, CancelledBy, Notification, ShiftClosed};
use crate::domain::time::{parse_instant, to_display};
use crate::domain::{BoundedText, GeoPoint, Pay, Role, Settlement, ShiftStatus, TakeMode};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::employers::{self as employers_svc, EmployerRow};
use crate::services::reputation::{self, ProfileStats, WorkerRef};
use crate::services::views::PayBody;
use crate::services::views::SlotView;
use crate::services::workers::{self as workers_svc, WorkerRow};
use crate::services::{Services, json_list, outbox, to_json};

mod actions;
mod arrears;
mod attendance;
mod schedule;
mod take;
mod terms;
mod views;

pub use actions::*;
pub use arrears::*;
pub use attendance::*;
pub use schedule::*;
pub use take::*;
pub use terms::*;
pub use views::*;

impl EngagementRow {
    fn slot_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.slot_ids).unwrap_or_default()
    }
}

fn illegal(i: Illegal) -> Error {
    let action = i.action.as_str();
    match i.state {
        Some(state) => Error::IllegalTransition { state: Some(state.to_string()), action: action.to_string() },
        None => Error::IllegalTransition { state: None, action: action.to_string() },
    }
}

fn shift_full() -> Error {
    Error::Conflict(Conflict::ShiftFull)
}

fn not_found() -> Error {
    Error::NotFound(Thing::Engagement)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<EngagementRow, Error> {
    engagements::table.find(id).first(conn).optional()?.ok_or_else(not_found)
}

/// Locks the shift row until the transaction ends, so place counts read after it stay true.
fn lock_shift(conn: &mut DbConn, shift_id: i64) -> Result<ShiftRow, Error> {
    // The change-log lock before the row: filling or reopening the shift records a change, and
    // other writers (expiry, moderation) hold that lock while they update shift rows.
    if let DbConn::Pg(pg) = conn {
        shifts::table.find(shift_id).select(shifts::id).for_update().first::<i64>(pg).optional()?;
    }
    ShiftRow::find(conn, shift_id)
}

const HOLDING: &[&str] = &["confirmed", "checked_in", "checked_out", "no_show", "completed", "paid", "disputed", "overdue"];

pub fn places_held(conn: &mut DbConn, shift_id: i64) -> Result<i64, Error> {
    Ok(engagements::table.filter(engagements::shift_id.eq(shift_id)).filter(engagements::state.eq_any(HOLDING)).count().get_result(conn)?)
}

/// Marks a published shift `filled` when its places are taken, and a filled one `published`
/// again when one frees up; either way search hears of it. Returns whether it reopened.
fn refresh_fill(tx: &mut Tx, shift_id: i64, now: NaiveDateTime) -> Result<bool, Error> {
    let shift = ShiftRow::find(tx, shift_id)?;
    let held = places_held(tx, shift_id)?;
    let (from, to) = match shift.status() {
        ShiftStatus::Published if held >= shift.headcount as i64 => (ShiftStatus::Published, ShiftStatus::Filled),
        ShiftStatus::Filled if held < shift.headcount as i64 => (ShiftStatus::Filled, ShiftStatus::Published),
        _ => return Ok(false),
    };
    diesel::update(shifts::table.find(shift_id).filter(shifts::status.eq(from.as_str())))
        .set((shifts::status.eq(to.as_str()), shifts::updated_at.eq(now)))
        .execute(tx.conn())?;
    tx.record(Entity::Shift, shift_id)?;
    Ok(to == ShiftStatus::Published)
}

struct Event<'a> {
    from: Option<State>,
    to: State,
    action: Action,
    actor: Actor,
    user_id: Option<i64>,
    late_cancel: bool,
    detail: &'a Value,
}

fn record_event(tx: &mut Tx, engagement_id: i64, e: Event, now: NaiveDateTime) -> Result<(), Error> {
    // Done at a station's desk for the person: the event says by whom (`by_station`).
    let detail = match (tx.on_behalf().cloned(), e.detail) {
        (Some(who), Value::Object(fields)) => {
            let mut fields = fields.clone();
            fields.insert("by_station".into(), who);
            Value::Object(fields)
        }
        (_, d) => d.clone(),
    };
    diesel::insert_into(engagement_events::table)
        .values((
            engagement_events::engagement_id.eq(engagement_id),
            engagement_events::from_state.eq(e.from.map(State::as_str)),
            engagement_events::to_state.eq(e.to.as_str()),
            engagement_events::action.eq(e.action.as_str()),
            engagement_events::actor_user_id.eq(e.user_id),
            engagement_events::actor_role.eq(e.actor.as_str()),
            engagement_events::late_cancel.eq(e.late_cancel),
            engagement_events::detail.eq(detail.to_string()),
            engagement_events::at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Moves one engagement through the machine and records the event. The update is conditional on
/// the state read, so a concurrent change (another replica's timer, a double click) is refused
/// rather than applied twice.
#[allow(clippy::too_many_arguments)]
pub(crate) fn step(
    tx: &mut Tx,
    row: &EngagementRow,
    action: Action,
    actor: Actor,
    user_id: Option<i64>,
    late_cancel: bool,
    detail: &Value,
    now: NaiveDateTime,
) -> Result<State, Error> {
    let from = row.state();
    let to = machine::transition(from, action, actor).map_err(illegal)?;
    // Moves may record search changes (fill, reopen, reliability): the change-log lock comes
    // before any row lock, in every writer, so no two can wait on each other in a cycle.
    let n = diesel::update(engagements::table.find(row.id).filter(engagements::state.eq(from.as_str())))
        .set((engagements::state.eq(to.as_str()), engagements::updated_at.eq(now)))
        .execute(tx.conn())?;
    if n == 0 {
        let current = by_id(tx, row.id)?.state();
        return Err(illegal(Illegal { state: Some(current), action, actor }));
    }
    record_event(tx, row.id, Event { from: Some(from), to, action, actor, user_id, late_cancel, detail }, now)?;
    if late_cancel || matches!(to, State::NoShow | State::Completed) {
        // The worker's reliability moved: matching ranks them with it (search change log).
        tx.record(Entity::Worker, row.worker_id)?;
    }
    Ok(to)
}

pub(crate) fn add_flags(existing: &str, new: &[&str]) -> String {
    let mut flags: Vec<String> = json_list(existing);
    for f in new {
        if !flags.iter().any(|x| x == f) {
            flags.push(f.to_string());
        }
    }
    to_json(&flags)
}

fn slots_of(conn: &mut DbConn, shift_id: i64) -> Result<Vec<SlotRow>, Error> {
    Ok(shift_slots::table.filter(shift_slots::shift_id.eq(shift_id)).order(shift_slots::start_at.asc()).load(conn)?)
}

pub(crate) fn chosen_slots(conn: &mut DbConn, row: &EngagementRow) -> Result<Vec<SlotRow>, Error> {
    let ids = row.slot_ids();
    Ok(slots_of(conn, row.shift_id)?.into_iter().filter(|s| ids.contains(&s.id)).collect())
}

pub(crate) fn user_of_worker(conn: &mut DbConn, worker_id: i64) -> Result<i64, Error> {
    Ok(workers::table.find(worker_id).select(workers::user_id).first(conn)?)
}

pub(crate) fn user_of_employer(conn: &mut DbConn, employer_id: i64) -> Result<i64, Error> {
    Ok(employers::table.find(employer_id).select(employers::user_id).first(conn)?)
}

fn starts(slots: &[SlotRow]) -> String {
    slots.first().map(|s| to_display(s.start_at).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

/// Who the signed-in user is to this engagement; anyone else is told it does not exist.
pub fn actor_for(conn: &mut DbConn, row: &EngagementRow, user_id: i64, role: Role) -> Result<Actor, Error> {
    match role {
        Role::Worker if user_of_worker(conn, row.worker_id)? == user_id => Ok(Actor::Worker),
        Role::Employer => {
            let employer_id: i64 = shifts::table.find(row.shift_id).select(shifts::employer_id).first(conn)?;
            if user_of_employer(conn, employer_id)? == user_id { Ok(Actor::Employer) } else { Err(not_found()) }
        }
        _ => Err(not_found()),
    }
}

pub struct Ctx<'a> {
    pub cfg: &'a EngagementsConfig,
    pub now: NaiveDateTime,
    /// The weekly part-time limit from the listing rules (one figure for postings and people).
    pub max_weekly_hours: f64,
}
