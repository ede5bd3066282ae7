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
use crate::db::schema::{attendance, employers, engagement_events, engagements, shift_slots, shifts, users, workers};
use crate::db::{DbConn, Tx};
use crate::domain::engagement::{self as machine, Action, Actor, Illegal, State, Worked};
use crate::domain::notification::{self as notify, CancelledBy, Notification, ShiftClosed};
use crate::domain::time::{parse_instant, to_display};
use crate::domain::{BoundedText, GeoPoint, Pay, PayUnit, Role, Settlement, ShiftStatus, TakeMode};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::employers::{self as employers_svc, EmployerRow};
use crate::services::reputation::{self, ProfileStats, WorkerRef};
use crate::services::views::PayBody;
use crate::services::views::SlotView;
use crate::services::workers::{self as workers_svc, WorkerRow};
use crate::services::{Services, json_list, outbox, to_json};

impl EngagementRow {
    fn slot_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.slot_ids).unwrap_or_default()
    }
}

/// The body of `POST /api/v1/shifts/{id}/applications`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// A note to the employer (at most 500 characters).
    pub note: Option<String>,
    /// Which of the shift's slots (ids); all slots still to come when absent.
    pub slot_ids: Option<Vec<i64>>,
}

/// The body of `POST /api/v1/shifts/{id}/invitations`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub worker_id: i64,
    pub note: Option<String>,
}

/// The optional body of `POST /api/v1/engagements/{id}/{action}`; which fields count depends on
/// the action.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// check-in (required), check-out (optional): where the worker is.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// check-in / check-out: which slot (default: the one under way or next).
    pub slot_id: Option<i64>,
    /// complete: hours worked (default: the recorded check-in/check-out time).
    pub hours: Option<f64>,
    /// complete: amount due in fen (default: computed from the pay terms and the hours).
    pub amount_fen: Option<i64>,
    /// cancel, decline, dispute: why.
    pub reason: Option<String>,
}

/// The body of `PUT /api/v1/engagements/{id}/attendance/{slot_id}`: the employer confirms the
/// record as it is (empty body) or corrects the times.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceCorrection {
    pub check_in: Option<String>,
    pub check_out: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftBrief {
    pub id: i64,
    pub title: String,
    pub status: ShiftStatus,
    pub take_mode: TakeMode,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub pay: PayBody,
    pub settlement: Settlement,
}

/// The worker as an engagement shows them. Name and phone reach the employer only once the worker
/// has applied, claimed or accepted an invitation; key-group flags never do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerBrief {
    pub id: i64,
    pub name: Option<String>,
    pub phone: Option<String>,
    /// Record over the last 90 days (shown to the employer).
    pub stats: Option<ProfileStats>,
}

/// The employer as an engagement shows them. The contact reaches the worker once confirmed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerBrief {
    pub id: i64,
    pub name: String,
    pub verified: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceView {
    pub slot_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub check_in: DateTime<FixedOffset>,
    /// Metres from the shift's point at check-in.
    pub check_in_distance_m: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub check_out: Option<DateTime<FixedOffset>>,
    pub check_out_distance_m: Option<i64>,
    /// `far_check_in`, `late_check_in`, `auto_checkout`, `corrected`.
    pub flags: Vec<String>,
    pub confirmed: bool,
    pub corrected: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub from_state: Option<State>,
    pub to_state: State,
    pub action: String,
    /// `worker`, `employer` or `system`.
    pub actor_role: String,
    pub late_cancel: bool,
    #[schema(value_type = Object)]
    pub detail: Value,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngagementView {
    pub id: i64,
    pub state: State,
    /// `apply`, `claim` or `invite`.
    pub origin: String,
    pub shift: ShiftBrief,
    pub slots: Vec<SlotView>,
    pub note: String,
    /// Place on the waiting list (applied after the shift filled).
    pub waitlist_position: Option<i32>,
    pub worker: WorkerBrief,
    pub employer: EmployerBrief,
    /// Hours recorded at completion, shown to both sides.
    pub hours: Option<f64>,
    /// The amount due (fen) as the employer recorded it.
    pub amount_fen: Option<i64>,
    /// The amount the pay terms give for the recorded hours (fen), beside it for comparison.
    pub computed_amount_fen: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<DateTime<FixedOffset>>,
    pub flags: Vec<String>,
    /// `worker` or `employer` when that side cancelled late.
    pub late_cancel_by: Option<String>,
    pub arrears_report_id: Option<i64>,
    pub attendance: Vec<AttendanceView>,
    /// The history, on the single-engagement view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<FixedOffset>,
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

fn record_event(conn: &mut DbConn, engagement_id: i64, e: Event, now: NaiveDateTime) -> Result<(), Error> {
    diesel::insert_into(engagement_events::table)
        .values((
            engagement_events::engagement_id.eq(engagement_id),
            engagement_events::from_state.eq(e.from.map(State::as_str)),
            engagement_events::to_state.eq(e.to.as_str()),
            engagement_events::action.eq(e.action.as_str()),
            engagement_events::actor_user_id.eq(e.user_id),
            engagement_events::actor_role.eq(e.actor.as_str()),
            engagement_events::late_cancel.eq(e.late_cancel),
            engagement_events::detail.eq(e.detail.to_string()),
            engagement_events::at.eq(now),
        ))
        .execute(conn)?;
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

/// A note the other side reads: screened by the listing rules (the built-in ones), refused with
/// the rule's reason when they refuse it.
fn note(errs: &mut FieldErrors, v: Option<&str>) -> String {
    let note = errs.check("note", BoundedText::parse(v.unwrap_or(""), 0, 500)).map(BoundedText::into_string).unwrap_or_default();
    for f in crate::listing::refusals(&crate::listing::Rules::shared().screen(&[("note", &note)])) {
        errs.add(f.field, Invalid { code: "refused_by_listing_rules", msg: f.msg });
    }
    note
}

fn shift_open_for_taking(conn: &mut DbConn, shift: &ShiftRow) -> Result<(), Error> {
    if shift.standing_now(conn)?.open_to_applications() { Ok(()) } else { Err(Error::Conflict(Conflict::ShiftNotOpen { status: Some(shift.status()) })) }
}

fn refuse_existing(conn: &mut DbConn, shift_id: i64, worker_id: i64) -> Result<(), Error> {
    let existing: Option<String> = engagements::table
        .filter(engagements::shift_id.eq(shift_id))
        .filter(engagements::worker_id.eq(worker_id))
        .select(engagements::state)
        .first(conn)
        .optional()?;
    match existing {
        Some(state) => Err(Error::Conflict(Conflict::AlreadyEngaged { state })),
        None => Ok(()),
    }
}

struct NewEngagement<'a> {
    shift_id: i64,
    worker_id: i64,
    state: State,
    origin: &'a str,
    slot_ids: &'a [i64],
    note: &'a str,
    waitlist_position: Option<i32>,
    contact_shared: bool,
}

fn insert(tx: &mut Tx, n: NewEngagement, action: Action, actor: Actor, user_id: i64, now: NaiveDateTime) -> Result<EngagementRow, Error> {
    let id: i64 = diesel::insert_into(engagements::table)
        .values((
            engagements::shift_id.eq(n.shift_id),
            engagements::worker_id.eq(n.worker_id),
            engagements::state.eq(n.state.as_str()),
            engagements::origin.eq(n.origin),
            engagements::slot_ids.eq(to_json(&n.slot_ids)),
            engagements::note.eq(n.note),
            engagements::waitlist_position.eq(n.waitlist_position),
            engagements::contact_shared.eq(n.contact_shared),
            engagements::created_at.eq(now),
            engagements::updated_at.eq(now),
            engagements::confirmed_at.eq((n.state == State::Confirmed).then_some(now)),
        ))
        .returning(engagements::id)
        .get_result(tx.conn())?;
    let detail = json!({"slot_ids": n.slot_ids, "waitlist_position": n.waitlist_position});
    record_event(tx, id, Event { from: None, to: n.state, action, actor, user_id: Some(user_id), late_cancel: false, detail: &detail }, now)?;
    by_id(tx, id)
}

/// Applies to an `apply` shift or claims a place on an `instant` one.
pub fn apply(tx: &mut Tx, user_id: i64, shift_id: i64, req: &ApplyRequest, now: NaiveDateTime) -> Result<EngagementRow, Error> {
    let worker = workers_svc::by_user(tx, user_id)?.ok_or(Error::Conflict(Conflict::WorkerProfileRequired))?;
    let shift = lock_shift(tx, shift_id)?;
    shift_open_for_taking(tx, &shift)?;
    let mut errs = FieldErrors::new();
    let note = note(&mut errs, req.note.as_deref());
    let upcoming: Vec<SlotRow> = slots_of(tx, shift_id)?.into_iter().filter(|s| s.end_at > now).collect();
    let slot_ids: Vec<i64> = match &req.slot_ids {
        None => upcoming.iter().map(|s| s.id).collect(),
        Some(ids) if ids.is_empty() => {
            errs.add("slot_ids", Invalid::new("required", "至少选择一个时段", "choose at least one slot"));
            Vec::new()
        }
        Some(ids) => {
            for (i, id) in ids.iter().enumerate() {
                if !upcoming.iter().any(|s| s.id == *id) {
                    errs.add(
                        format!("slot_ids[{i}]"),
                        Invalid::new("unknown_slot", "该岗位没有这个尚未结束的时段", "no such slot still to come on this shift"),
                    );
                }
            }
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            ids
        }
    };
    errs.into_result()?;
    if slot_ids.is_empty() {
        return Err(Error::Conflict(Conflict::ShiftNotOpen { status: None }));
    }
    refuse_existing(tx, shift_id, worker.id)?;
    let employer_user = user_of_employer(tx, shift.employer_id)?;
    let full = shift.status() == ShiftStatus::Filled || places_held(tx, shift_id)? >= shift.headcount as i64;
    let slots: Vec<SlotRow> = upcoming.into_iter().filter(|s| slot_ids.contains(&s.id)).collect();
    let take_mode = TakeMode::parse(&shift.take_mode).unwrap_or(TakeMode::Apply);
    match take_mode {
        TakeMode::Instant => {
            if full {
                return Err(shift_full());
            }
            let state = machine::open(Action::Claim, Actor::System).map_err(illegal)?;
            let row = insert(
                tx,
                NewEngagement {
                    shift_id,
                    worker_id: worker.id,
                    state,
                    origin: "claim",
                    slot_ids: &slot_ids,
                    note: &note,
                    waitlist_position: None,
                    contact_shared: true,
                },
                Action::Claim,
                Actor::System,
                user_id,
                now,
            )?;
            refresh_fill(tx, shift_id, now)?;
            let note = Notification::ClaimConfirmed(notify::ClaimConfirmed { engagement_id: row.id, title: shift.title.clone(), starts: starts(&slots) });
            outbox::enqueue_to_user(tx, user_id, &note)?;
            Ok(row)
        }
        TakeMode::Apply => {
            let state = machine::open(Action::Apply, Actor::Worker).map_err(illegal)?;
            let waitlist_position = if full {
                let last: Option<i32> =
                    engagements::table.filter(engagements::shift_id.eq(shift_id)).select(diesel::dsl::max(engagements::waitlist_position)).first(tx.conn())?;
                Some(last.unwrap_or(0) + 1)
            } else {
                None
            };
            let row = insert(
                tx,
                NewEngagement {
                    shift_id,
                    worker_id: worker.id,
                    state,
                    origin: "apply",
                    slot_ids: &slot_ids,
                    note: &note,
                    waitlist_position,
                    contact_shared: true,
                },
                Action::Apply,
                Actor::Worker,
                user_id,
                now,
            )?;
            let note = Notification::ApplicationReceived(notify::ApplicationReceived {
                engagement_id: row.id,
                title: shift.title.clone(),
                worker_name: worker.display_name.clone(),
                waitlist_position,
            });
            outbox::enqueue_to_user(tx, employer_user, &note)?;
            Ok(row)
        }
    }
}

/// The employer invites a worker (found through matching) to a shift; the worker accepts or declines.
pub fn invite(tx: &mut Tx, user_id: i64, shift_id: i64, req: &InviteRequest, now: NaiveDateTime) -> Result<EngagementRow, Error> {
    let (employer, _) = employers_svc::owned(tx, user_id, shift_id)?;
    employers_svc::refuse_if_blocked(&employer)?;
    let shift = lock_shift(tx, shift_id)?;
    shift_open_for_taking(tx, &shift)?;
    if shift.status() == ShiftStatus::Filled || places_held(tx, shift_id)? >= shift.headcount as i64 {
        return Err(shift_full());
    }
    let mut errs = FieldErrors::new();
    let note = note(&mut errs, req.note.as_deref());
    errs.into_result()?;
    let worker = workers_svc::by_id(tx, req.worker_id).map_err(|_| Error::field("worker_id", Invalid::new("not_found", "没有这个求职者", "no such worker")))?;
    refuse_existing(tx, shift_id, worker.id)?;
    let slots: Vec<SlotRow> = slots_of(tx, shift_id)?.into_iter().filter(|s| s.end_at > now).collect();
    if slots.is_empty() {
        return Err(Error::Conflict(Conflict::ShiftNotOpen { status: None }));
    }
    let slot_ids: Vec<i64> = slots.iter().map(|s| s.id).collect();
    let state = machine::open(Action::Invite, Actor::Employer).map_err(illegal)?;
    let row = insert(
        tx,
        NewEngagement {
            shift_id,
            worker_id: worker.id,
            state,
            origin: "invite",
            slot_ids: &slot_ids,
            note: &note,
            waitlist_position: None,
            contact_shared: false,
        },
        Action::Invite,
        Actor::Employer,
        user_id,
        now,
    )?;
    let note = Notification::Invitation(notify::Invitation {
        engagement_id: row.id,
        title: shift.title.clone(),
        employer_name: employer.name.clone(),
        starts: starts(&slots),
    });
    outbox::enqueue_to_user(tx, worker.user_id, &note)?;
    Ok(row)
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
}

/// A person's action on an engagement, with everything it implies, in the caller's transaction.
pub fn act(tx: &mut Tx, ctx: &Ctx, user_id: i64, role: Role, id: i64, action: Action, req: &ActionRequest) -> Result<(EngagementRow, Actor), Error> {
    let now = ctx.now;
    let first = by_id(tx, id)?;
    let actor = actor_for(tx, &first, user_id, role)?;
    // Lock the shift before reading the engagement again: place counts and state are then stable.
    let shift = lock_shift(tx, first.shift_id)?;
    let row = by_id(tx, id)?;
    let from = row.state();
    // Refuse an illegal move before looking at anything else, so the 409 names the state.
    machine::transition(from, action, actor).map_err(illegal)?;
    let employer_user = user_of_employer(tx, shift.employer_id)?;
    let worker_user = user_of_worker(tx, row.worker_id)?;
    let reason = req.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(|r| r.chars().take(500).collect::<String>());
    match action {
        Action::Accept => {
            if places_held(tx, shift.id)? >= shift.headcount as i64 {
                return Err(shift_full());
            }
            step(tx, &row, action, actor, Some(user_id), false, &json!({}), now)?;
            diesel::update(engagements::table.find(id))
                .set((engagements::confirmed_at.eq(now), engagements::contact_shared.eq(true), engagements::waitlist_position.eq(None::<i32>)))
                .execute(tx.conn())?;
            refresh_fill(tx, shift.id, now)?;
            let slots = chosen_slots(tx, &row)?;
            match actor {
                Actor::Employer => {
                    let employer = employers_svc::by_id(tx, shift.employer_id)?;
                    let note = Notification::ApplicationAccepted(notify::ApplicationAccepted {
                        engagement_id: id,
                        title: shift.title.clone(),
                        employer_name: employer.name,
                        starts: starts(&slots),
                    });
                    outbox::enqueue_to_user(tx, worker_user, &note)?;
                }
                _ => {
                    let note = Notification::InvitationAnswered(notify::InvitationAnswered {
                        engagement_id: id,
                        title: shift.title.clone(),
                        answer: notify::Answer::Accept,
                    });
                    outbox::enqueue_to_user(tx, employer_user, &note)?;
                }
            }
        }
        Action::Decline => {
            step(tx, &row, action, actor, Some(user_id), false, &json!({"reason": reason}), now)?;
            diesel::update(engagements::table.find(id)).set(engagements::waitlist_position.eq(None::<i32>)).execute(tx.conn())?;
            match actor {
                Actor::Employer => {
                    let note = Notification::ApplicationDeclined(notify::ApplicationDeclined { engagement_id: id, title: shift.title.clone() });
                    outbox::enqueue_to_user(tx, worker_user, &note)?;
                }
                _ => {
                    let note = Notification::InvitationAnswered(notify::InvitationAnswered {
                        engagement_id: id,
                        title: shift.title.clone(),
                        answer: notify::Answer::Decline,
                    });
                    outbox::enqueue_to_user(tx, employer_user, &note)?;
                    // A waiting-list offer turned down goes to the next in line.
                    offer_next(tx, &shift, id, now)?;
                }
            }
        }
        Action::Withdraw => {
            step(tx, &row, action, actor, Some(user_id), false, &json!({"reason": reason}), now)?;
            diesel::update(engagements::table.find(id)).set(engagements::waitlist_position.eq(None::<i32>)).execute(tx.conn())?;
        }
        Action::Cancel => cancel(tx, ctx, &shift, &row, actor, user_id, reason, employer_user, worker_user)?,
        Action::CheckIn => check_in(tx, ctx, &shift, &row, actor, user_id, req)?,
        Action::CheckOut => check_out(tx, &shift, &row, actor, user_id, req, now)?,
        Action::Complete => complete(tx, &shift, &row, actor, user_id, req, now, worker_user)?,
        Action::ConfirmPaid => {
            step(tx, &row, action, actor, Some(user_id), false, &json!({}), now)?;
            diesel::update(engagements::table.find(id)).set(engagements::paid_at.eq(now)).execute(tx.conn())?;
        }
        Action::Dispute => {
            step(tx, &row, action, actor, Some(user_id), false, &json!({"reason": reason}), now)?;
        }
        _ => return Err(illegal(Illegal { state: Some(from), action, actor })),
    }
    Ok((by_id(tx, id)?, actor))
}

#[allow(clippy::too_many_arguments)]
fn cancel(
    tx: &mut Tx,
    ctx: &Ctx,
    shift: &ShiftRow,
    row: &EngagementRow,
    actor: Actor,
    user_id: i64,
    reason: Option<String>,
    employer_user: i64,
    worker_user: i64,
) -> Result<(), Error> {
    let now = ctx.now;
    let was_confirmed = row.state() == State::Confirmed;
    let first_start = chosen_slots(tx, row)?.first().map(|s| s.start_at);
    let late = was_confirmed && first_start.is_some_and(|s| s - now < Duration::hours(ctx.cfg.late_cancel_hours));
    step(tx, row, Action::Cancel, actor, Some(user_id), late, &json!({"reason": reason, "late": late}), now)?;
    if late {
        diesel::update(engagements::table.find(row.id))
            .set((engagements::late_cancel_by.eq(actor.as_str()), engagements::flags.eq(add_flags(&row.flags, &["late_cancel"]))))
            .execute(tx.conn())?;
    }
    let place_freed = was_confirmed && {
        refresh_fill(tx, shift.id, now)?;
        places_held(tx, shift.id)? < shift.headcount as i64
    };
    let offered = if place_freed { offer_next(tx, shift, row.id, now)? } else { None };
    if place_freed && actor == Actor::Worker {
        // One mail to the employer: who cancelled, that the place is open again, and who was offered it.
        let note =
            Notification::PlaceReoffered(notify::PlaceReoffered { engagement_id: row.id, title: shift.title.clone(), late, offered_engagement_id: offered });
        outbox::enqueue_to_user(tx, employer_user, &note)?;
    } else {
        let other = if actor == Actor::Worker { employer_user } else { worker_user };
        // Only the two parties cancel through `act`; `actor_for` never yields the system.
        let by = if actor == Actor::Worker { CancelledBy::Worker { late } } else { CancelledBy::Employer { late } };
        let note = Notification::EngagementCancelled(notify::EngagementCancelled { engagement_id: row.id, title: shift.title.clone(), by });
        outbox::enqueue_to_user(tx, other, &note)?;
    }
    Ok(())
}

/// Ends what is still open on a shift that has just closed (by its employer, or taken down by a
/// moderator): applications are declined, invitations and confirmed places cancelled, and each
/// worker is told. Work already begun keeps its course (check-out, completion, pay).
pub fn end_for_closed_shift(tx: &mut Tx, shift: &ShiftRow, why: ShiftClosed, now: NaiveDateTime) -> Result<usize, Error> {
    let open: Vec<EngagementRow> = engagements::table
        .filter(engagements::shift_id.eq(shift.id))
        .filter(engagements::state.eq_any([State::Applied.as_str(), State::Invited.as_str(), State::Confirmed.as_str()]))
        .order(engagements::id.asc())
        .load(tx.conn())?;
    for row in &open {
        let action = if row.state() == State::Applied { Action::Decline } else { Action::Cancel };
        step(tx, row, action, Actor::System, None, false, &json!({"reason": why.as_str()}), now)?;
        let worker_user = user_of_worker(tx, row.worker_id)?;
        let by = CancelledBy::ShiftClosed { why };
        let note = Notification::EngagementCancelled(notify::EngagementCancelled { engagement_id: row.id, title: shift.title.clone(), by });
        outbox::enqueue_to_user(tx, worker_user, &note)?;
    }
    Ok(open.len())
}

/// Offers a free place on an `apply` shift to the first on its waiting list (a system invitation
/// the worker accepts or declines). Returns the engagement offered the place, if any.
fn offer_next(tx: &mut Tx, shift: &ShiftRow, freed_by: i64, now: NaiveDateTime) -> Result<Option<i64>, Error> {
    if shift.take_mode != TakeMode::Apply.as_str() || places_held(tx, shift.id)? >= shift.headcount as i64 {
        return Ok(None);
    }
    let next: Option<EngagementRow> = engagements::table
        .filter(engagements::shift_id.eq(shift.id))
        .filter(engagements::state.eq(State::Applied.as_str()))
        .filter(engagements::waitlist_position.is_not_null())
        .order(engagements::waitlist_position.asc())
        .first(tx.conn())
        .optional()?;
    let Some(next) = next else { return Ok(None) };
    step(tx, &next, Action::Invite, Actor::System, None, false, &json!({"waitlist_position": next.waitlist_position, "freed_by": freed_by}), now)?;
    diesel::update(engagements::table.find(next.id)).set(engagements::waitlist_position.eq(None::<i32>)).execute(tx.conn())?;
    let next_user = user_of_worker(tx, next.worker_id)?;
    outbox::enqueue_to_user(tx, next_user, &Notification::WaitlistOffer(notify::WaitlistOffer { engagement_id: next.id, title: shift.title.clone() }))?;
    Ok(Some(next.id))
}

fn point_of(errs: &mut FieldErrors, lat: Option<f64>, lng: Option<f64>, required: bool) -> Option<GeoPoint> {
    match (lat, lng) {
        (None, None) if !required => None,
        (lat, lng) => GeoPoint::check(errs, "", lat, lng),
    }
}

fn distance_m(shift: &ShiftRow, p: Option<GeoPoint>) -> Option<i64> {
    let site = GeoPoint { lat: shift.lat, lng: shift.lng };
    p.map(|p| (site.haversine_km(&p) * 1000.0).round() as i64)
}

fn check_in(tx: &mut Tx, ctx: &Ctx, shift: &ShiftRow, row: &EngagementRow, actor: Actor, user_id: i64, req: &ActionRequest) -> Result<(), Error> {
    let now = ctx.now;
    let mut errs = FieldErrors::new();
    let point = point_of(&mut errs, req.lat, req.lng, true);
    errs.into_result()?;
    let done: Vec<i64> = attendance::table.filter(attendance::engagement_id.eq(row.id)).select(attendance::slot_id).load(tx.conn())?;
    let early = Duration::minutes(ctx.cfg.early_check_in_minutes);
    let slots = chosen_slots(tx, row)?;
    let slot = match req.slot_id {
        Some(sid) => {
            let s = slots
                .iter()
                .find(|s| s.id == sid)
                .ok_or_else(|| Error::field("slot_id", Invalid::new("unknown_slot", "不是所选的时段", "not one of the chosen slots")))?;
            if done.contains(&s.id) {
                return Err(Error::Conflict(Conflict::AlreadyCheckedIn));
            }
            s
        }
        None => {
            slots.iter().find(|s| !done.contains(&s.id) && s.end_at > now).ok_or(Error::Conflict(Conflict::NotCheckInTime { opens_minutes_before: None }))?
        }
    };
    if now < slot.start_at - early || now >= slot.end_at {
        return Err(Error::Conflict(Conflict::NotCheckInTime { opens_minutes_before: Some(ctx.cfg.early_check_in_minutes) }));
    }
    let distance = distance_m(shift, point);
    let mut flags = Vec::new();
    if distance.is_some_and(|d| d as f64 > ctx.cfg.far_check_in_km * 1000.0) {
        flags.push("far_check_in");
    }
    if now > slot.start_at + Duration::minutes(ctx.cfg.late_check_in_minutes) {
        flags.push("late_check_in");
    }
    step(tx, row, Action::CheckIn, actor, Some(user_id), false, &json!({"slot_id": slot.id, "distance_m": distance, "flags": flags}), now)?;
    diesel::insert_into(attendance::table)
        .values((
            attendance::engagement_id.eq(row.id),
            attendance::slot_id.eq(slot.id),
            attendance::check_in_at.eq(now),
            attendance::check_in_lat.eq(point.map(|p| p.lat)),
            attendance::check_in_lng.eq(point.map(|p| p.lng)),
            attendance::check_in_distance_m.eq(distance),
            attendance::flags.eq(to_json(&flags)),
            attendance::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    if !flags.is_empty() {
        diesel::update(engagements::table.find(row.id)).set(engagements::flags.eq(add_flags(&row.flags, &flags))).execute(tx.conn())?;
    }
    Ok(())
}

fn open_attendance(conn: &mut DbConn, engagement_id: i64) -> Result<Option<AttendanceRow>, Error> {
    Ok(attendance::table.filter(attendance::engagement_id.eq(engagement_id)).filter(attendance::check_out_at.is_null()).first(conn).optional()?)
}

fn check_out(tx: &mut Tx, shift: &ShiftRow, row: &EngagementRow, actor: Actor, user_id: i64, req: &ActionRequest, now: NaiveDateTime) -> Result<(), Error> {
    let mut errs = FieldErrors::new();
    let point = point_of(&mut errs, req.lat, req.lng, false);
    errs.into_result()?;
    let open = open_attendance(tx, row.id)?.ok_or(Error::Conflict(Conflict::NotCheckedIn))?;
    let distance = distance_m(shift, point);
    step(tx, row, Action::CheckOut, actor, Some(user_id), false, &json!({"slot_id": open.slot_id, "distance_m": distance}), now)?;
    diesel::update(attendance::table.find(open.id))
        .set((
            attendance::check_out_at.eq(now),
            attendance::check_out_lat.eq(point.map(|p| p.lat)),
            attendance::check_out_lng.eq(point.map(|p| p.lng)),
            attendance::check_out_distance_m.eq(distance),
            attendance::updated_at.eq(now),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// Worked periods from the attendance record, each clipped to its slot; an open check-in counts
/// up to `now` or the slot's end, whichever is first.
pub(crate) fn worked(conn: &mut DbConn, row: &EngagementRow, now: NaiveDateTime) -> Result<Vec<Worked>, Error> {
    let slots: HashMap<i64, SlotRow> = slots_of(conn, row.shift_id)?.into_iter().map(|s| (s.id, s)).collect();
    let att: Vec<AttendanceRow> = attendance::table.filter(attendance::engagement_id.eq(row.id)).load(conn)?;
    Ok(att
        .iter()
        .filter_map(|a| {
            let s = slots.get(&a.slot_id)?;
            let out = a.check_out_at.unwrap_or(now.min(s.end_at));
            let m = machine::minutes_in_slot(a.check_in_at, out, s.start_at, s.end_at);
            let start = a.check_in_at.max(s.start_at);
            Some(Worked { start, end: start + Duration::minutes(m) })
        })
        .collect())
}

pub(crate) fn pay_of(shift: &ShiftRow) -> Pay {
    Pay { amount_fen: shift.pay_amount_fen, unit: PayUnit::parse(&shift.pay_unit).unwrap_or(PayUnit::Hour) }
}

pub(crate) fn computed(shift: &ShiftRow, worked: &[Worked], minutes: i64) -> Option<i64> {
    let slots = worked.iter().filter(|w| w.end > w.start).count() as i64;
    machine::compute_pay(pay_of(shift), minutes, machine::local_days(worked), slots)
}

#[allow(clippy::too_many_arguments)]
fn complete(
    tx: &mut Tx,
    shift: &ShiftRow,
    row: &EngagementRow,
    actor: Actor,
    user_id: i64,
    req: &ActionRequest,
    now: NaiveDateTime,
    worker_user: i64,
) -> Result<(), Error> {
    let worked = worked(tx, row, now)?;
    let recorded: i64 = worked.iter().map(|w| (w.end - w.start).num_minutes()).sum();
    let chosen = row.slot_ids().len().max(1) as f64;
    let mut errs = FieldErrors::new();
    let minutes = match req.hours {
        None => Some(recorded),
        Some(h) if h.is_finite() && h >= 0.0 && h <= 24.0 * chosen => Some((h * 60.0).round() as i64),
        Some(_) => {
            errs.add("hours", Invalid::new("out_of_range", "工时应在 0 到所选时段总长之间", "hours must be between 0 and 24 per chosen slot"));
            None
        }
    };
    let computed_amount = minutes.and_then(|m| computed(shift, &worked, m));
    let amount = match (req.amount_fen, computed_amount) {
        (Some(a), _) if (0..=crate::domain::pay::MAX_AMOUNT_FEN).contains(&a) => Some(a),
        (Some(_), _) => {
            errs.add("amount_fen", Invalid::new("out_of_range", "金额应在 0 到 100000 元之间（单位：分）", "amount_fen must be 0 to 10 000 000"));
            None
        }
        (None, Some(c)) => Some(c),
        (None, None) => {
            errs.add(
                "amount_fen",
                Invalid::new("required", "计件工资无法按工时计算，请填写应付金额", "piece-rate pay cannot be computed from hours; give amount_fen"),
            );
            None
        }
    };
    errs.into_result()?;
    let (minutes, amount) = (minutes.expect("checked"), amount.expect("checked"));
    // A check-in still open is closed now (or at its slot's end, if that came first).
    if let Some(open) = open_attendance(tx, row.id)? {
        let end: Option<NaiveDateTime> = shift_slots::table.find(open.slot_id).select(shift_slots::end_at).first(tx.conn()).optional()?;
        let out = end.map_or(now, |e| e.min(now)).max(open.check_in_at);
        diesel::update(attendance::table.find(open.id))
            .set((attendance::check_out_at.eq(out), attendance::flags.eq(add_flags(&open.flags, &["closed_at_completion"])), attendance::updated_at.eq(now)))
            .execute(tx.conn())?;
    }
    let work_end = worked.iter().map(|w| w.end).max().unwrap_or(now).min(now);
    let settlement = Settlement::parse(&shift.settlement).unwrap_or(Settlement::Daily);
    let due = machine::due_at(settlement, work_end);
    step(
        tx,
        row,
        Action::Complete,
        actor,
        Some(user_id),
        false,
        &json!({"minutes": minutes, "amount_fen": amount, "computed_amount_fen": computed_amount}),
        now,
    )?;
    diesel::update(engagements::table.find(row.id))
        .set((
            engagements::minutes_worked.eq(minutes as i32),
            engagements::amount_fen.eq(amount),
            engagements::computed_amount_fen.eq(computed_amount),
            engagements::due_at.eq(due),
            engagements::completed_at.eq(now),
        ))
        .execute(tx.conn())?;
    let note = Notification::PayDue(notify::PayDue {
        engagement_id: row.id,
        title: shift.title.clone(),
        hours: format!("{:.2}", minutes as f64 / 60.0),
        amount_fen: amount,
        computed_amount_fen: computed_amount,
        due: to_display(due).format("%Y-%m-%d %H:%M").to_string(),
    });
    outbox::enqueue_to_user(tx, worker_user, &note)?;
    Ok(())
}

/// The employer confirms a slot's attendance record as it stands, or corrects its times.
pub fn correct_attendance(
    conn: &mut DbConn,
    user_id: i64,
    id: i64,
    slot_id: i64,
    req: &AttendanceCorrection,
    now: NaiveDateTime,
) -> Result<EngagementRow, Error> {
    let row = by_id(conn, id)?;
    if actor_for(conn, &row, user_id, Role::Employer)? != Actor::Employer {
        return Err(not_found());
    }
    let att: AttendanceRow = attendance::table
        .filter(attendance::engagement_id.eq(id))
        .filter(attendance::slot_id.eq(slot_id))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound(Thing::Attendance))?;
    let mut errs = FieldErrors::new();
    let check_in = req.check_in.as_deref().and_then(|s| errs.check("check_in", parse_instant(s)));
    let check_out = req.check_out.as_deref().and_then(|s| errs.check("check_out", parse_instant(s)));
    errs.into_result()?;
    let new_in = check_in.unwrap_or(att.check_in_at);
    let new_out = check_out.or(att.check_out_at);
    if new_out.is_some_and(|o| o < new_in) {
        return Err(Error::field("check_out", Invalid::new("end_before_start", "签退时间必须晚于签到时间", "check_out must be after check_in")));
    }
    let corrected = check_in.is_some() || check_out.is_some();
    let flags = if corrected { add_flags(&att.flags, &["corrected"]) } else { att.flags.clone() };
    diesel::update(attendance::table.find(att.id))
        .set((
            attendance::check_in_at.eq(new_in),
            attendance::check_out_at.eq(new_out),
            attendance::confirmed_by.eq(Some(user_id)),
            attendance::corrected_by.eq(if corrected { Some(user_id) } else { att.corrected_by }),
            attendance::flags.eq(flags),
            attendance::updated_at.eq(now),
        ))
        .execute(conn)?;
    by_id(conn, id)
}

/// Who is looking at an engagement, which decides what of the other side they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Worker,
    Employer,
}

pub fn view(conn: &mut DbConn, row: EngagementRow, viewer: Viewer, with_events: bool, now: NaiveDateTime) -> Result<EngagementView, Error> {
    Ok(views(conn, vec![row], viewer, with_events, now)?.remove(0))
}

pub fn views(conn: &mut DbConn, rows: Vec<EngagementRow>, viewer: Viewer, with_events: bool, now: NaiveDateTime) -> Result<Vec<EngagementView>, Error> {
    let mut out = Vec::with_capacity(rows.len());
    let mut shift_cache: HashMap<i64, (ShiftRow, Vec<SlotRow>, EmployerRow)> = HashMap::new();
    let mut stats_cache: HashMap<i64, ProfileStats> = HashMap::new();
    for row in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = shift_cache.entry(row.shift_id) {
            let shift = ShiftRow::find(conn, row.shift_id)?;
            let slots = slots_of(conn, row.shift_id)?;
            let employer = employers_svc::by_id(conn, shift.employer_id)?;
            e.insert((shift, slots, employer));
        }
        let (shift, slots, employer) = shift_cache.get(&row.shift_id).expect("cached");
        let worker: WorkerRow = workers_svc::by_id(conn, row.worker_id)?;
        let state = row.state();
        let show_worker = viewer == Viewer::Worker || row.contact_shared;
        let phone: Option<String> = if show_worker { Some(users::table.find(worker.user_id).select(users::phone).first(conn)?) } else { None };
        let stats = if viewer == Viewer::Employer {
            let s = match stats_cache.get(&worker.id) {
                Some(s) => *s,
                None => {
                    let s = reputation::worker_stats(conn, WorkerRef { id: worker.id, user_id: worker.user_id }, now)?;
                    stats_cache.insert(worker.id, s);
                    s
                }
            };
            Some(s)
        } else {
            None
        };
        let show_employer = viewer == Viewer::Employer || state.is_taken_on();
        let chosen = row.slot_ids();
        let att: Vec<AttendanceRow> = attendance::table.filter(attendance::engagement_id.eq(row.id)).order(attendance::check_in_at.asc()).load(conn)?;
        let events = if with_events {
            let evs: Vec<(Option<String>, String, String, String, bool, String, NaiveDateTime)> = engagement_events::table
                .filter(engagement_events::engagement_id.eq(row.id))
                .order(engagement_events::id.asc())
                .select((
                    engagement_events::from_state,
                    engagement_events::to_state,
                    engagement_events::action,
                    engagement_events::actor_role,
                    engagement_events::late_cancel,
                    engagement_events::detail,
                    engagement_events::at,
                ))
                .load(conn)?;
            Some(
                evs.into_iter()
                    .map(|(f, t, action, actor_role, late_cancel, detail, at)| EventView {
                        from_state: f.as_deref().and_then(State::parse),
                        to_state: State::parse(&t).unwrap_or(State::Cancelled),
                        action,
                        actor_role,
                        late_cancel,
                        detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                        at: to_display(at),
                    })
                    .collect(),
            )
        } else {
            None
        };
        out.push(EngagementView {
            id: row.id,
            state,
            origin: row.origin.clone(),
            shift: ShiftBrief {
                id: shift.id,
                title: shift.title.clone(),
                status: shift.status(),
                take_mode: TakeMode::parse(&shift.take_mode).unwrap_or(TakeMode::Apply),
                address: shift.address.clone(),
                lat: shift.lat,
                lng: shift.lng,
                pay: PayBody { amount_fen: shift.pay_amount_fen, unit: PayUnit::parse(&shift.pay_unit).unwrap_or(PayUnit::Hour) },
                settlement: Settlement::parse(&shift.settlement).unwrap_or(Settlement::Daily),
            },
            slots: slots
                .iter()
                .filter(|s| chosen.contains(&s.id))
                .map(|s| SlotView { id: s.id, start: to_display(s.start_at), end: to_display(s.end_at) })
                .collect(),
            note: row.note.clone(),
            waitlist_position: row.waitlist_position,
            worker: WorkerBrief { id: worker.id, name: show_worker.then(|| worker.display_name.clone()), phone, stats },
            employer: EmployerBrief {
                id: employer.id,
                name: employer.name.clone(),
                verified: employer.verified,
                contact_name: show_employer.then(|| employer.contact_name.clone()),
                contact_phone: show_employer.then(|| employer.contact_phone.clone()),
            },
            hours: row.minutes_worked.map(|m| (m as f64 / 60.0 * 100.0).round() / 100.0),
            amount_fen: row.amount_fen,
            computed_amount_fen: row.computed_amount_fen,
            due_at: row.due_at.map(to_display),
            flags: json_list(&row.flags),
            late_cancel_by: row.late_cancel_by.clone(),
            arrears_report_id: row.arrears_report_id,
            attendance: att
                .into_iter()
                .map(|a| AttendanceView {
                    slot_id: a.slot_id,
                    check_in: to_display(a.check_in_at),
                    check_in_distance_m: a.check_in_distance_m,
                    check_out: a.check_out_at.map(to_display),
                    check_out_distance_m: a.check_out_distance_m,
                    flags: json_list(&a.flags),
                    confirmed: a.confirmed_by.is_some(),
                    corrected: a.corrected_by.is_some(),
                })
                .collect(),
            events,
            created_at: to_display(row.created_at),
            updated_at: to_display(row.updated_at),
        });
    }
    Ok(out)
}

pub fn parse_state(s: Option<&str>) -> Result<Option<State>, Error> {
    match s {
        None | Some("") => Ok(None),
        Some(s) => State::parse(s).map(Some).ok_or_else(|| {
            let all: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
            Error::field(
                "state",
                Invalid::new("invalid_choice", format!("状态应为以下之一：{}", all.join(", ")), format!("must be one of: {}", all.join(", "))),
            )
        }),
    }
}

/// The signed-in worker's engagements, newest first, keyset-paginated by id.
pub fn list_for_worker(conn: &mut DbConn, user_id: i64, state: Option<State>, limit: i64, cursor: Option<i64>) -> Result<Vec<EngagementRow>, Error> {
    let Some(worker) = workers_svc::by_user(conn, user_id)? else { return Ok(Vec::new()) };
    let mut q = engagements::table.filter(engagements::worker_id.eq(worker.id)).into_boxed();
    if let Some(s) = state {
        q = q.filter(engagements::state.eq(s.as_str()));
    }
    if let Some(c) = cursor {
        q = q.filter(engagements::id.lt(c));
    }
    Ok(q.order(engagements::id.desc()).limit(limit + 1).load(conn)?)
}

/// The engagements on the signed-in employer's shifts, newest first.
pub fn list_for_employer(
    conn: &mut DbConn,
    user_id: i64,
    state: Option<State>,
    shift_id: Option<i64>,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<EngagementRow>, Error> {
    let employer = employers_svc::require_employer(conn, user_id)?;
    let mine = shifts::table.filter(shifts::employer_id.eq(employer.id)).select(shifts::id);
    let mut q = engagements::table.filter(engagements::shift_id.eq_any(mine)).into_boxed();
    if let Some(s) = state {
        q = q.filter(engagements::state.eq(s.as_str()));
    }
    if let Some(sid) = shift_id {
        q = q.filter(engagements::shift_id.eq(sid));
    }
    if let Some(c) = cursor {
        q = q.filter(engagements::id.lt(c));
    }
    Ok(q.order(engagements::id.desc()).limit(limit + 1).load(conn)?)
}

/// Files a `wage_arrears` report about an overdue engagement in one step, written from its facts.
pub fn file_arrears_report(
    tx: &mut Tx,
    user_id: i64,
    id: i64,
    extra: Option<&str>,
    reporter_key: String,
    hide_threshold: i64,
) -> Result<crate::services::reports::ReportReceipt, Error> {
    let row = by_id(tx, id)?;
    if actor_for(tx, &row, user_id, Role::Worker)? != Actor::Worker {
        return Err(not_found());
    }
    if !matches!(row.state(), State::Overdue | State::Disputed) {
        return Err(Error::Conflict(Conflict::NotOverdue { state: row.state().to_string() }));
    }
    if row.arrears_report_id.is_some() {
        return Err(Error::Conflict(Conflict::AlreadyReported));
    }
    let shift = ShiftRow::find(tx, row.shift_id)?;
    let employer = employers_svc::by_id(tx, shift.employer_id)?;
    let hours = row.minutes_worked.map(|m| format!("{:.2}", m as f64 / 60.0)).unwrap_or_else(|| "—".into());
    let amount = row.amount_fen.map(|f| format!("{}.{:02}", f / 100, f % 100)).unwrap_or_else(|| "—".into());
    let due = row.due_at.map(|d| to_display(d).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into());
    let slots = chosen_slots(tx, &row)?;
    let period = match (slots.first(), slots.last()) {
        (Some(a), Some(b)) => format!("{} 至 {}", to_display(a.start_at).format("%Y-%m-%d %H:%M"), to_display(b.end_at).format("%Y-%m-%d %H:%M")),
        _ => "—".into(),
    };
    let mut description = format!(
        "欠薪投诉（用工编号 {}）：用人单位「{}」的岗位「{}」（编号 {}），工作时间 {}，工时 {} 小时，应付 {} 元，结算方式 {}，应付日期 {}，逾期未付。",
        row.id, employer.name, shift.title, shift.id, period, hours, amount, shift.settlement, due
    );
    if let Some(extra) = extra.map(str::trim).filter(|e| !e.is_empty()) {
        description.push_str("\n补充说明：");
        description.push_str(&extra.chars().take(1000).collect::<String>());
    }
    let request = crate::services::reports::ReportRequest {
        target_type: Some("shift".into()),
        target_id: Some(shift.id),
        kind: Some("wage_arrears".into()),
        description: Some(description),
        email: None,
    };
    let valid = crate::services::reports::validate(&request)?;
    let receipt = crate::services::reports::create(tx, valid, Some(user_id), reporter_key, hide_threshold)?;
    diesel::update(engagements::table.find(id)).set(engagements::arrears_report_id.eq(receipt.report.id)).execute(tx.conn())?;
    Ok(receipt)
}

/// The employer's engagement view or the worker's, depending on who acted.
pub fn viewer_of(actor: Actor) -> Viewer {
    if actor == Actor::Employer { Viewer::Employer } else { Viewer::Worker }
}

// ---------------------------------------------------------------------------------------------
// Operations: what workers and employers do with engagements, each the whole job.
// ---------------------------------------------------------------------------------------------

/// Apply to a shift, or claim a place on an instant (即时快招) shift.
pub async fn apply_to_shift(svc: &Services, user: &AuthUser, shift_id: i64, req: ApplyRequest) -> Result<EngagementView, Error> {
    user.require(&[Role::Worker])?;
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let row = apply(tx, user_id, shift_id, &req, now)?;
            view(tx, row, Viewer::Worker, false, now)
        })
        .await
}

/// Invite a worker to a shift; they accept or decline.
pub async fn invite_worker(svc: &Services, user: &AuthUser, shift_id: i64, req: InviteRequest) -> Result<EngagementView, Error> {
    user.require(&[Role::Employer])?;
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let row = invite(tx, user_id, shift_id, &req, now)?;
            view(tx, row, Viewer::Employer, false, now)
        })
        .await
}

/// One engagement with its history, for its worker or the shift's employer.
pub async fn get(svc: &Services, user: &AuthUser, id: i64) -> Result<EngagementView, Error> {
    let (user_id, role, now) = (user.id, user.role, svc.clock.now());
    svc.db
        .run(move |conn| {
            let row = by_id(conn, id)?;
            let actor = actor_for(conn, &row, user_id, role)?;
            view(conn, row, viewer_of(actor), true, now)
        })
        .await
}

/// Move an engagement by `action`; a move its state does not allow is an illegal transition.
pub async fn perform(svc: &Services, user: &AuthUser, id: i64, action: Action, req: ActionRequest) -> Result<EngagementView, Error> {
    let (user_id, role, cfg) = (user.id, user.role, svc.config.engagements.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let ctx = Ctx { cfg: &cfg, now };
            let (row, actor) = act(tx, &ctx, user_id, role, id, action, &req)?;
            view(tx, row, viewer_of(actor), false, now)
        })
        .await
}

/// The employer confirms a slot's attendance record or corrects its times.
pub async fn confirm_attendance(svc: &Services, user: &AuthUser, id: i64, slot_id: i64, req: AttendanceCorrection) -> Result<EngagementView, Error> {
    user.require(&[Role::Employer])?;
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let row = correct_attendance(tx, user_id, id, slot_id, &req, now)?;
            view(tx, row, Viewer::Employer, false, now)
        })
        .await
}

/// File a wage-arrears report for overdue or disputed pay in one step. `client` is the caller's
/// address, which keys anonymous report budgets.
pub async fn report_arrears(
    svc: &Services,
    user: &AuthUser,
    id: i64,
    note: Option<String>,
    client: &str,
) -> Result<crate::services::reports::ReportReceipt, Error> {
    user.require(&[Role::Worker])?;
    let key = crate::services::reports::reporter_key(&svc.config.auth.pii_hash_key, Some(user.id), client);
    let (user_id, threshold) = (user.id, svc.config.moderation.report_hide_threshold);
    svc.db.tx(move |tx| file_arrears_report(tx, user_id, id, note.as_deref(), key, threshold)).await
}

/// The signed-in worker's engagements (`for_role` Worker) or the engagements on the signed-in
/// employer's shifts (Employer), newest first.
pub async fn list_mine(
    svc: &Services,
    user: &AuthUser,
    state: Option<&str>,
    shift_id: Option<i64>,
    page: crate::services::page::PageRequest,
) -> Result<crate::services::page::Page<EngagementView>, Error> {
    user.require(&[Role::Worker, Role::Employer])?;
    let filter = parse_state(state)?;
    let (user_id, role, now) = (user.id, user.role, svc.clock.now());
    svc.db
        .run(move |conn| {
            let (rows, viewer) = if role == Role::Worker {
                (list_for_worker(conn, user_id, filter, page.limit, page.cursor)?, Viewer::Worker)
            } else {
                (list_for_employer(conn, user_id, filter, shift_id, page.limit, page.cursor)?, Viewer::Employer)
            };
            let (rows, next_cursor) = page.split(rows, |r| r.id);
            Ok(crate::services::page::Page { items: views(conn, rows, viewer, false, now)?, next_cursor })
        })
        .await
}
