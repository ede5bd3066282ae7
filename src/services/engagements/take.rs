//! Taking a shift: a worker applies or claims a place, an employer invites a worker.

use super::*;
use crate::domain::{ShiftId, UserId, WorkerId};
use crate::ratelimit::Budget;
use crate::search::load;

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

/// A note the other side reads: screened by the listing rules (the built-in ones), refused with
/// the rule's reason when they refuse it.
fn note(errs: &mut FieldErrors, v: Option<&str>) -> String {
    let note = errs.check("note", BoundedText::parse(v.unwrap_or(""), 0, 500)).map(BoundedText::into_string).unwrap_or_default();
    for f in crate::listing::refusals(&crate::listing::Rules::shared().screen(&[("note", &note)])) {
        errs.add(f.field, Invalid { code: "refused_by_listing_rules", msg: f.msg });
    }
    note
}

pub(super) fn shift_open_for_taking(conn: &mut DbConn, shift: &ShiftRow) -> Result<(), Error> {
    if shift.standing_now(conn)?.open_to_applications() { Ok(()) } else { Err(Error::Conflict(Conflict::ShiftNotOpen { status: Some(shift.status()) })) }
}

fn refuse_existing(conn: &mut DbConn, shift_id: ShiftId, worker_id: WorkerId) -> Result<(), Error> {
    let existing: Option<String> = engagements::table
        .filter(engagements::shift_id.eq(shift_id.get()))
        .filter(engagements::worker_id.eq(worker_id.get()))
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
            // Opened at a station's desk: the station's figures count it.
            engagements::by_station_id.eq(tx.on_behalf().and_then(|w| w["station_id"].as_i64())),
        ))
        .returning(engagements::id)
        .get_result(tx.conn())?;
    let detail = json!({"slot_ids": n.slot_ids, "waitlist_position": n.waitlist_position});
    record_event(tx, id, Event { from: None, to: n.state, action, actor, user_id: Some(user_id), late_cancel: false, detail: &detail }, now)?;
    by_id(tx, id)
}

/// Whether the worker has completed work for the employer before (an engagement done or paid).
fn has_worked_for(conn: &mut DbConn, worker_id: i64, employer_id: i64) -> Result<bool, Error> {
    let theirs = shifts::table.filter(shifts::employer_id.eq(employer_id)).select(shifts::id);
    let n: i64 = engagements::table
        .filter(engagements::worker_id.eq(worker_id))
        .filter(engagements::shift_id.eq_any(theirs))
        .filter(engagements::state.eq_any([State::Completed.as_str(), State::Paid.as_str(), State::Overdue.as_str(), State::Disputed.as_str()]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Applies to an `apply` shift or claims a place on an `instant` one.
pub fn apply(tx: &mut Tx, user_id: UserId, shift_id: ShiftId, req: &ApplyRequest, now: NaiveDateTime, max_weekly_hours: f64) -> Result<EngagementRow, Error> {
    let (user_id, shift_id) = (user_id.get(), shift_id.get());
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
    refuse_existing(tx, ShiftId(shift_id), WorkerId(worker.id))?;
    let employer_user = user_of_employer(tx, shift.employer_id)?;
    let full = shift.status() == ShiftStatus::Filled || places_held(tx, shift_id)? >= shift.headcount as i64;
    let slots: Vec<SlotRow> = upcoming.into_iter().filter(|s| slot_ids.contains(&s.id)).collect();
    let take_mode = shift.take_mode;
    match take_mode {
        TakeMode::Instant => {
            if full {
                return Err(shift_full());
            }
            refuse_clashes(tx, worker.id, &shift, &slots, None, max_weekly_hours)?;
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
/// `matched`: whether the worker is among the shift's matches (the engine's answer, taken before
/// the transaction). Otherwise only a worker who has worked for this employer may be invited.
pub fn invite(tx: &mut Tx, user_id: UserId, shift_id: ShiftId, req: &InviteRequest, now: NaiveDateTime, matched: bool) -> Result<EngagementRow, Error> {
    let (user_id, shift_id) = (user_id.get(), shift_id.get());
    let (employer, _) = employers_svc::owned(tx, UserId(user_id), ShiftId(shift_id))?;
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
    refuse_existing(tx, ShiftId(shift_id), WorkerId(worker.id))?;
    if !matched && !has_worked_for(tx, worker.id, employer.id)? {
        return Err(Error::Conflict(Conflict::InviteeNotMatched));
    }
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

/// Apply to a shift, or claim a place on an instant (即时快招) shift.
pub async fn apply_to_shift(svc: &Services, user: &AuthUser, shift_id: i64, req: ApplyRequest) -> Result<EngagementView, Error> {
    user.require(&[Role::Worker])?;
    let (user_id, max_weekly_hours) = (user.id, svc.rules.max_weekly_part_time_hours());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let row = apply(tx, UserId(user_id), ShiftId(shift_id), &req, now, max_weekly_hours)?;
            view(tx, row, Viewer::Worker, false, now)
        })
        .await
}

/// Invite a worker to a shift; they accept or decline.
pub async fn invite_worker(svc: &Services, user: &AuthUser, shift_id: i64, req: InviteRequest) -> Result<EngagementView, Error> {
    user.require(&[Role::Employer])?;
    let rl = &svc.config.rate_limit;
    let budget = Budget { name: "invitation", limit: rl.invitations, window: std::time::Duration::from_secs(rl.invitation_window_secs) };
    svc.limiter.hit(budget, &format!("user:{}", user.id)).await?;
    let user_id = user.id;
    // Whether the worker is among the shift's matches, asked of the engine before the write
    // (ownership is checked again inside it).
    let doc = svc
        .db
        .run(move |conn| {
            let (employer, _) = employers_svc::owned(conn, UserId(user_id), ShiftId(shift_id))?;
            employers_svc::refuse_if_blocked(&employer)?;
            load::shift_doc(conn, shift_id)
        })
        .await?;
    let (engine, now, worker_id) = (svc.engine.clone(), svc.clock.now(), req.worker_id);
    let matched =
        tokio::task::spawn_blocking(move || engine.workers_for_shift(&doc, now, crate::search::score::Audience::Employer).iter().any(|(_, w)| *w == worker_id))
            .await
            .map_err(|e| Error::internal(format!("matching task failed: {e}")))?;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let row = invite(tx, UserId(user_id), ShiftId(shift_id), &req, now, matched)?;
            view(tx, row, Viewer::Employer, false, now)
        })
        .await
}
