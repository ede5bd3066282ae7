//! What the two sides do with an engagement once it exists: accept, decline, withdraw, cancel,
//! confirm pay, dispute; and what a closed shift or a freed place sets off.

use super::*;
use crate::domain::{EngagementId, UserId};

/// The optional body of `POST /api/v1/engagements/{id}/{action}`; which fields count depends on
/// the action.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// check-in, check-out: where the worker is (optional: a check-in without it is flagged `no_location`).
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

/// A person's action on an engagement, with everything it implies, in the caller's transaction.
pub fn act(
    tx: &mut Tx,
    ctx: &Ctx,
    user_id: UserId,
    role: Role,
    id: EngagementId,
    action: Action,
    req: &ActionRequest,
) -> Result<(EngagementRow, Actor), Error> {
    let (user_id, id) = (user_id.get(), id.get());
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
            // Nobody takes up a place on a shift the public may no longer take (its employer
            // blocked, reports hiding it, closed): the same rule as applying.
            if actor == Actor::Employer {
                employers_svc::refuse_if_blocked(&employers_svc::by_id(tx, shift.employer_id)?)?;
            }
            shift_open_for_taking(tx, &shift)?;
            if places_held(tx, shift.id)? >= shift.headcount as i64 {
                return Err(shift_full());
            }
            let wanted = chosen_slots(tx, &row)?;
            refuse_clashes(tx, row.worker_id, &shift, &wanted, Some(row.id), ctx.max_weekly_hours)?;
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

/// Staff blocked an employer: on each of its shifts, what is open ends as if the shift had
/// closed — by the system, with no late-cancellation mark on anyone. Work already begun runs its
/// course.
pub fn end_for_blocked_employer(tx: &mut Tx, employer_id: i64, now: NaiveDateTime) -> Result<usize, Error> {
    let ids: Vec<i64> = shifts::table.filter(shifts::employer_id.eq(employer_id)).select(shifts::id).order(shifts::id.asc()).load(tx.conn())?;
    let mut ended = 0;
    for id in ids {
        let shift = lock_shift(tx, id)?;
        ended += end_for_closed_shift(tx, &shift, ShiftClosed::EmployerBlocked, now)?;
        refresh_fill(tx, id, now)?;
    }
    Ok(ended)
}

/// Offers a free place on an `apply` shift to the first on its waiting list (a system invitation
/// the worker accepts or declines). Returns the engagement offered the place, if any.
fn offer_next(tx: &mut Tx, shift: &ShiftRow, freed_by: i64, now: NaiveDateTime) -> Result<Option<i64>, Error> {
    if shift.take_mode != TakeMode::Apply || places_held(tx, shift.id)? >= shift.headcount as i64 {
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

/// Move an engagement by `action`; a move its state does not allow is an illegal transition.
pub async fn perform(svc: &Services, user: &AuthUser, id: i64, action: Action, req: ActionRequest) -> Result<EngagementView, Error> {
    let (user_id, role, cfg, max_weekly_hours) = (user.id, user.role, svc.config.engagements.clone(), svc.rules.max_weekly_part_time_hours());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let ctx = Ctx { cfg: &cfg, now, max_weekly_hours };
            let (row, actor) = act(tx, &ctx, UserId(user_id), role, EngagementId(id), action, &req)?;
            view(tx, row, viewer_of(actor), false, now)
        })
        .await
}
