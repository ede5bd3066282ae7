//! What an edit of a shift means for the people already on it: the places and slots confirmed
//! workers hold (the terms an edit may not worsen), applications left without a slot, and the news
//! of better terms.

use std::collections::HashSet;

use super::*;
use crate::domain::shift::TermsChange;

/// States in which a worker holds a place they were confirmed for and the work is still to come
/// or under way: their terms are locked.
const CONFIRMED: &[&str] = &["confirmed", "checked_in", "checked_out"];

/// The places on a shift: how many confirmed workers hold one now, and every slot on which a
/// place is or was held (confirmed, at work, done, paid, disputed), whose rows attendance and pay
/// refer to.
pub struct Held {
    pub places: i64,
    pub slot_ids: HashSet<i64>,
}

pub fn held(conn: &mut DbConn, shift_id: i64) -> Result<Held, Error> {
    let rows: Vec<EngagementRow> = engagements::table.filter(engagements::shift_id.eq(shift_id)).filter(engagements::state.eq_any(HOLDING)).load(conn)?;
    let places = rows.iter().filter(|r| CONFIRMED.contains(&r.state().as_str())).count() as i64;
    Ok(Held { places, slot_ids: rows.iter().flat_map(|r| r.slot_ids()).collect() })
}

/// The employer removed slots: applications and invitations lose them, and one left with none
/// ends (the system declines or cancels it, and the worker is told). Held slots never get here:
/// the terms lock refuses their removal first.
pub fn slots_removed(tx: &mut Tx, shift: &ShiftRow, removed: &HashSet<i64>, now: NaiveDateTime) -> Result<(), Error> {
    if removed.is_empty() {
        return Ok(());
    }
    let open: Vec<EngagementRow> = engagements::table
        .filter(engagements::shift_id.eq(shift.id))
        .filter(engagements::state.eq_any([State::Applied.as_str(), State::Invited.as_str()]))
        .order(engagements::id.asc())
        .load(tx.conn())?;
    for row in open {
        let ids = row.slot_ids();
        if !ids.iter().any(|i| removed.contains(i)) {
            continue;
        }
        let left: Vec<i64> = ids.into_iter().filter(|i| !removed.contains(i)).collect();
        if left.is_empty() {
            let action = if row.state() == State::Applied { Action::Decline } else { Action::Cancel };
            let why = ShiftClosed::SlotsRemoved;
            step(tx, &row, action, Actor::System, None, false, &json!({"reason": why.as_str()}), now)?;
            diesel::update(engagements::table.find(row.id)).set(engagements::waitlist_position.eq(None::<i32>)).execute(tx.conn())?;
            let worker_user = user_of_worker(tx, row.worker_id)?;
            let note = Notification::EngagementCancelled(notify::EngagementCancelled {
                engagement_id: row.id,
                title: shift.title.clone(),
                by: CancelledBy::ShiftClosed { why },
            });
            outbox::enqueue_to_user(tx, worker_user, &note)?;
        } else {
            diesel::update(engagements::table.find(row.id))
                .set((engagements::slot_ids.eq(to_json(&left)), engagements::updated_at.eq(now)))
                .execute(tx.conn())?;
        }
    }
    Ok(())
}

/// Tells every confirmed worker that the terms improved.
pub fn tell_terms_improved(tx: &mut Tx, shift: &ShiftRow, change: &TermsChange) -> Result<(), Error> {
    if !change.improves() {
        return Ok(());
    }
    let rows: Vec<EngagementRow> =
        engagements::table.filter(engagements::shift_id.eq(shift.id)).filter(engagements::state.eq_any(CONFIRMED)).load(tx.conn())?;
    for row in rows {
        let worker_user = user_of_worker(tx, row.worker_id)?;
        let note = Notification::TermsImproved(notify::TermsImproved {
            engagement_id: row.id,
            title: shift.title.clone(),
            pay_raised: change.pay_raised,
            slots_added: change.slots_added,
        });
        outbox::enqueue_to_user(tx, worker_user, &note)?;
    }
    Ok(())
}
