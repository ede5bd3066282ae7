//! Where things are, as far as others may learn it: the rule on moving a shift's point. Each
//! move gives its employer a new set of distances to the workers matched, so moves are limited
//! (with coarse distances measured to coarse points, see `search::score`, this is defence in depth
//! against trilateration, not the only defence).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::Tx;
use crate::db::schema::{employers, shift_point_edits, shifts};
use crate::domain::{ShiftId, UserId};
use crate::error::Error;

/// How many times one shift's point may move within [`POINT_EDIT_WINDOW_HOURS`].
pub const POINT_EDITS_PER_WINDOW: i64 = 1;
pub const POINT_EDIT_WINDOW_HOURS: i64 = 24;

/// The rule on moving a shift's point, for `shifts::edit`: a patch that changes `lat` or `lng`
/// is refused (429, with when to retry) once the shift's point has moved
/// [`POINT_EDITS_PER_WINDOW`] times in the window; otherwise the move is recorded (in the edit's
/// transaction, so a refused edit records nothing). A patch that resends the same point, or
/// none, is not a move.
pub fn limit_point_moves(tx: &mut Tx, user_id: UserId, shift_id: ShiftId, lat: Option<f64>, lng: Option<f64>, now: NaiveDateTime) -> Result<(), Error> {
    let (user_id, shift_id) = (user_id.get(), shift_id.get());
    if lat.is_none() && lng.is_none() {
        return Ok(());
    }
    // Only the owner's edit can move the point; anyone else's is refused by the edit itself (403/404).
    let owned: Option<(f64, f64)> = shifts::table
        .inner_join(employers::table)
        .filter(shifts::id.eq(shift_id))
        .filter(employers::user_id.eq(user_id))
        .select((shifts::lat, shifts::lng))
        .first(tx.conn())
        .optional()?;
    let Some((old_lat, old_lng)) = owned else { return Ok(()) };
    if lat.unwrap_or(old_lat) == old_lat && lng.unwrap_or(old_lng) == old_lng {
        return Ok(());
    }
    let since = now - chrono::Duration::hours(POINT_EDIT_WINDOW_HOURS);
    let recent: Vec<NaiveDateTime> = shift_point_edits::table
        .filter(shift_point_edits::shift_id.eq(shift_id))
        .filter(shift_point_edits::created_at.gt(since))
        .order(shift_point_edits::created_at.asc())
        .select(shift_point_edits::created_at)
        .load(tx.conn())?;
    if recent.len() as i64 >= POINT_EDITS_PER_WINDOW {
        let frees_at = recent[recent.len() - POINT_EDITS_PER_WINDOW as usize] + chrono::Duration::hours(POINT_EDIT_WINDOW_HOURS);
        return Err(Error::too_many((frees_at - now).num_seconds().max(1) as u64));
    }
    diesel::insert_into(shift_point_edits::table)
        .values((shift_point_edits::shift_id.eq(shift_id), shift_point_edits::created_at.eq(now)))
        .execute(tx.conn())?;
    Ok(())
}
