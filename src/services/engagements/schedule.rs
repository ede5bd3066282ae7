//! A worker's own calendar as the law and common sense limit it: no two confirmed places at the
//! same time, and part-time work for one employer at most the weekly limit (劳动合同法 Art. 68,
//! Monday–Sunday in Asia/Shanghai). Checked whenever a place becomes confirmed: an instant claim,
//! an accepted application, an accepted invitation or waiting-list offer.

use super::*;
use crate::domain::EmploymentType;
use crate::domain::time::{TimeSlot, minutes_by_week};

/// States in which a place is held for work still to come or under way.
const CONFIRMED: &[&str] = &["confirmed", "checked_in", "checked_out"];
/// States whose hours count towards the week: held places, and work done.
const COUNTED: &[&str] = &["confirmed", "checked_in", "checked_out", "completed", "paid", "disputed", "overdue"];

fn times(slots: &[SlotRow]) -> Vec<TimeSlot> {
    slots.iter().map(|s| TimeSlot { start: s.start_at, end: s.end_at }).collect()
}

/// Refuses to confirm `worker_id` on `slots` of `shift` (engagement `this`, if it exists yet) when
/// it would overlap another confirmed place, or take part-time hours with the shift's employer
/// over `max_weekly_hours` in some week.
pub fn refuse_clashes(conn: &mut DbConn, worker_id: i64, shift: &ShiftRow, slots: &[SlotRow], this: Option<i64>, max_weekly_hours: f64) -> Result<(), Error> {
    let mut others: Vec<EngagementRow> =
        engagements::table.filter(engagements::worker_id.eq(worker_id)).filter(engagements::state.eq_any(COUNTED)).load(conn)?;
    others.retain(|r| Some(r.id) != this);
    let new = times(slots);
    let part_time = shift.employment_type == EmploymentType::PartTime;
    let mut same_employer: Vec<TimeSlot> = Vec::new();
    for other in &others {
        let other_shift = ShiftRow::find(conn, other.shift_id)?;
        let chosen = times(&chosen_slots(conn, other)?);
        if CONFIRMED.contains(&other.state().as_str()) && chosen.iter().any(|a| new.iter().any(|b| a.start < b.end && b.start < a.end)) {
            return Err(Error::Conflict(Conflict::ScheduleOverlap { engagement_id: other.id }));
        }
        if part_time && other_shift.employer_id == shift.employer_id && other_shift.employment_type == shift.employment_type {
            same_employer.extend(chosen);
        }
    }
    if !part_time {
        return Ok(());
    }
    let max_minutes = (max_weekly_hours * 60.0).round() as i64;
    let mine = minutes_by_week(&new);
    let before = minutes_by_week(&same_employer);
    for (week, minutes) in mine {
        let total = minutes + before.get(&week).copied().unwrap_or(0);
        if total > max_minutes {
            return Err(Error::Conflict(Conflict::WeeklyHoursExceeded { week_of: week.to_string(), minutes: total, max_minutes }));
        }
    }
    Ok(())
}
