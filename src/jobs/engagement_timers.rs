//! The engagement timers: forgotten check-outs are closed at the slot's end, missing check-ins
//! become no-shows, and unpaid work past its due date becomes overdue. Replicas may run them at
//! the same time: each item is moved in its own transaction, conditional on the state it read, and
//! a replica that lost the race sees an illegal transition and skips the item.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::config::EngagementsConfig;
use crate::db::models::{EngagementRow, ShiftRow};
use crate::db::schema::{attendance, engagements, shift_slots};
use crate::db::{Db, DbConn};
use crate::domain::engagement::{self as machine, Action, Actor, State};
use crate::domain::notification::{NoShowRecorded, Notification, PayOverdue};
use crate::domain::time::to_display;
use crate::error::Error;
use crate::jobs::{Job, Ran, blocking};
use crate::services::engagements::{add_flags, by_id, chosen_slots, computed, step, user_of_employer, user_of_worker, worked};
use crate::services::outbox;

/// What one run of the timers did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TimerRun {
    pub auto_checkouts: usize,
    pub no_shows: usize,
    pub overdue: usize,
}

/// The timers, each item in its own write transaction: forgotten check-outs are closed at the
/// slot's end, missing check-ins become no-shows, and unpaid work past its due date becomes
/// overdue. Replicas may run this at the same time: each move is conditional on the state read.
pub fn run_timers(db: &Db, conn: &mut DbConn, cfg: &EngagementsConfig, now: NaiveDateTime) -> Result<TimerRun, Error> {
    let mut run = TimerRun::default();
    let grace = Duration::minutes(cfg.checkout_grace_minutes);
    let forgotten: Vec<(i64, i64, NaiveDateTime)> = attendance::table
        .inner_join(shift_slots::table.on(shift_slots::id.eq(attendance::slot_id)))
        .filter(attendance::check_out_at.is_null())
        .filter(shift_slots::end_at.le(now - grace))
        .select((attendance::id, attendance::engagement_id, shift_slots::end_at))
        .load(conn)?;
    for (att_id, eid, slot_end) in forgotten {
        let done = db.write_on(conn, |tx| {
            let row = by_id(tx, eid)?;
            if row.state() != State::CheckedIn {
                return Ok(false);
            }
            step(tx, &row, Action::AutoCheckout, Actor::System, None, false, &json!({"attendance_id": att_id, "closed_at": to_display(slot_end)}), now)?;
            let flags: String = attendance::table.find(att_id).select(attendance::flags).first(tx.conn())?;
            // The record ends at the slot's end, never later: the employer confirms or corrects it.
            diesel::update(attendance::table.find(att_id).filter(attendance::check_out_at.is_null()))
                .set((attendance::check_out_at.eq(slot_end), attendance::flags.eq(add_flags(&flags, &["auto_checkout"])), attendance::updated_at.eq(now)))
                .execute(tx.conn())?;
            diesel::update(engagements::table.find(eid)).set(engagements::flags.eq(add_flags(&row.flags, &["auto_checkout"]))).execute(tx.conn())?;
            Ok(true)
        });
        if skip_conflict(done)? {
            run.auto_checkouts += 1;
        }
    }

    let cutoff = now - Duration::minutes(cfg.no_show_minutes);
    let started = shift_slots::table.filter(shift_slots::shift_id.eq(engagements::shift_id)).filter(shift_slots::start_at.le(cutoff));
    let candidates: Vec<EngagementRow> =
        engagements::table.filter(engagements::state.eq(State::Confirmed.as_str())).filter(diesel::dsl::exists(started)).load(conn)?;
    for cand in candidates {
        let done = db.write_on(conn, |tx| {
            let row = by_id(tx, cand.id)?;
            let first = chosen_slots(tx, &row)?.first().map(|s| s.start_at);
            if row.state() != State::Confirmed || first.is_none_or(|s| s > cutoff) {
                return Ok(false);
            }
            step(tx, &row, Action::NoShow, Actor::System, None, false, &json!({"slot_start": first.map(to_display)}), now)?;
            let shift = ShiftRow::find(tx, row.shift_id)?;
            let note = Notification::NoShowRecorded(NoShowRecorded { engagement_id: row.id, title: shift.title });
            let worker_user = user_of_worker(tx, row.worker_id)?;
            let employer_user = user_of_employer(tx, shift.employer_id)?;
            outbox::enqueue_to_user(tx, worker_user, &note)?;
            outbox::enqueue_to_user(tx, employer_user, &note)?;
            Ok(true)
        });
        if skip_conflict(done)? {
            run.no_shows += 1;
        }
    }

    let late = now - Duration::hours(cfg.overdue_grace_hours);
    let unpaid: Vec<EngagementRow> = engagements::table
        .filter(engagements::state.eq(State::Completed.as_str()).and(engagements::due_at.le(late)).or(engagements::state.eq(State::CheckedOut.as_str())))
        .load(conn)?;
    for cand in unpaid {
        let done = db.write_on(conn, |tx| {
            let row = by_id(tx, cand.id)?;
            let shift = ShiftRow::find(tx, row.shift_id)?;
            let settlement = shift.settlement;
            match row.state() {
                State::Completed if row.due_at.is_some_and(|d| d <= late) => {
                    step(tx, &row, Action::MarkOverdue, Actor::System, None, false, &json!({"due_at": row.due_at.map(to_display)}), now)?;
                }
                State::CheckedOut => {
                    // Checked out of every chosen slot and never marked complete: the pay terms and
                    // the record decide what is owed, and when.
                    let last_slot_end = chosen_slots(tx, &row)?.iter().map(|s| s.end_at).max();
                    if last_slot_end.is_none_or(|e| e > now) {
                        return Ok(false);
                    }
                    let worked = worked(tx, &row, now)?;
                    let work_end = worked.iter().map(|w| w.end).max().or(last_slot_end).unwrap_or(now);
                    let due = machine::due_at(settlement, work_end);
                    if due > late {
                        return Ok(false);
                    }
                    let minutes: i64 = worked.iter().map(|w| (w.end - w.start).num_minutes()).sum();
                    let amount = computed(&shift, &worked, minutes);
                    step(tx, &row, Action::MarkOverdue, Actor::System, None, false, &json!({"due_at": to_display(due), "never_completed": true}), now)?;
                    diesel::update(engagements::table.find(row.id))
                        .set((
                            engagements::minutes_worked.eq(minutes as i32),
                            engagements::computed_amount_fen.eq(amount),
                            engagements::amount_fen.eq(amount),
                            engagements::due_at.eq(due),
                            engagements::completed_at.eq(work_end),
                        ))
                        .execute(tx.conn())?;
                }
                _ => return Ok(false),
            }
            let row = by_id(tx, row.id)?;
            let due = row.due_at.map(|d| to_display(d).format("%Y-%m-%d %H:%M").to_string());
            let note = Notification::PayOverdue(PayOverdue { engagement_id: row.id, title: shift.title.clone(), due });
            let worker_user = user_of_worker(tx, row.worker_id)?;
            let employer_user = user_of_employer(tx, shift.employer_id)?;
            outbox::enqueue_to_user(tx, worker_user, &note)?;
            outbox::enqueue_to_user(tx, employer_user, &note)?;
            Ok(true)
        });
        if skip_conflict(done)? {
            run.overdue += 1;
        }
    }
    Ok(run)
}

/// Another replica got there first: not an error for a timer.
fn skip_conflict(r: Result<bool, Error>) -> Result<bool, Error> {
    match r {
        Err(Error::IllegalTransition { .. }) => Ok(false),
        other => other,
    }
}

pub struct EngagementTimers {
    pub db: Db,
    pub cfg: EngagementsConfig,
}

impl Job for EngagementTimers {
    fn name(&self) -> &'static str {
        "engagement_timers"
    }

    fn every(&self) -> StdDuration {
        StdDuration::from_secs(self.cfg.timer_interval_secs)
    }

    async fn run_once(&self, now: NaiveDateTime) -> Result<Ran, Error> {
        let (db, cfg) = (self.db.clone(), self.cfg.clone());
        let run = blocking(move || {
            let mut conn = db.get()?;
            run_timers(&db, &mut conn, &cfg, now)
        })
        .await?;
        Ok(Ran { summary: (run != TimerRun::default()).then(|| format!("{run:?}")), more: false })
    }
}
