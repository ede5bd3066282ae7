//! Small view types several resources show: a slot, an amount of pay; and where a shift is, as
//! each viewer may see it (a household employer's home is shown exactly only to those it concerns).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{employers, engagements, workers};
use crate::domain::engagement::State;
use crate::domain::{EmployerKind, GeoPoint, PayUnit, Role};
use crate::error::Error;
use crate::search::score::coarse_point;
use crate::services::districts::Districts;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub start: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub end: chrono::DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBody {
    /// Amount in 分 (fen): 2500 is 25.00 元.
    pub amount_fen: i64,
    pub unit: PayUnit,
}

// ---------------------------------------------------------------------------------------------
// Where a shift is, as each viewer may see it.
// ---------------------------------------------------------------------------------------------

/// A household employer (个人 / 家庭) works from home: its exact address and point are its home.
pub fn is_home_workplace(employer_kind: &str) -> bool {
    employer_kind == EmployerKind::Household.as_str()
}

/// What is shown instead of a home's exact place: the district's full name and representative
/// point (its centre), or — without a known district — the centre of the coarse grid cell.
pub fn coarse_place(adcode: Option<&str>, lat: f64, lng: f64) -> (String, f64, f64) {
    let districts = Districts::get();
    let district = adcode.and_then(|a| districts.normalize(a)).or_else(|| districts.nearest_county(GeoPoint { lat, lng }));
    match district {
        Some(d) => (format!("{}（详细地址在确认录用后可见）", d.full_name.replace(' ', "")), d.lat, d.lng),
        None => {
            let p = coarse_point(GeoPoint { lat, lng });
            ("详细地址在确认录用后可见".to_string(), p.lat, p.lng)
        }
    }
}

/// A shift's place in some view, to be shown as the viewer may see it.
pub struct PlaceOf<'a> {
    pub shift_id: i64,
    pub employer_id: i64,
    pub adcode: Option<&'a str>,
    pub address: &'a mut String,
    pub lat: &'a mut f64,
    pub lng: &'a mut f64,
}

/// Whether `viewer` may see the exact home of a household employer at one of its shifts: staff,
/// the employer's own account, and a worker the shift has taken on (confirmed and after); not the
/// public. `owner_user_id` is the employer's account, `taken_on` whether the viewer (a worker) is
/// taken on at the shift. The one statement of the rule: every view of a home place asks it.
pub fn sees_home(viewer: Option<(i64, Role)>, owner_user_id: i64, taken_on: bool) -> bool {
    match viewer {
        Some((_, role)) if role.is_staff() => true,
        Some((user_id, Role::Employer)) => owner_user_id == user_id,
        Some((_, Role::Worker)) => taken_on,
        _ => false,
    }
}

/// Shows a household employer's place as `viewer` may see it (`sees_home`): the coarse place
/// instead of the home unless they may see it. Returns whether it is now shown coarsely (so a
/// distance to it is coarsened too). Only for shifts of a household employer.
pub fn hide_home(viewer: Option<(i64, Role)>, owner_user_id: i64, taken_on: bool, p: PlaceOf) -> bool {
    if sees_home(viewer, owner_user_id, taken_on) {
        return false;
    }
    (*p.address, *p.lat, *p.lng) = coarse_place(p.adcode, *p.lat, *p.lng);
    true
}

/// The shifts among `shift_ids` at which the worker account `user_id` is taken on (its
/// engagement confirmed or later): the fact `sees_home` needs for a signed-in worker.
pub fn taken_on(conn: &mut DbConn, user_id: i64, shift_ids: &[i64]) -> Result<HashSet<i64>, Error> {
    if shift_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(engagements::table
        .inner_join(workers::table)
        .filter(workers::user_id.eq(user_id))
        .filter(engagements::shift_id.eq_any(shift_ids))
        .select((engagements::shift_id, engagements::state))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .filter(|(_, state)| State::parse(state).is_some_and(State::is_taken_on))
        .map(|(id, _)| id)
        .collect())
}

/// Replaces the exact place of household employers' shifts with the coarse one, except for those
/// who may see it (`sees_home`). `viewer` is the signed-in user and role, `None` for the public.
/// Returns the ids of the shifts now shown coarsely (so distances to them can be coarsened too).
pub fn hide_homes(conn: &mut DbConn, viewer: Option<(i64, Role)>, places: Vec<PlaceOf>) -> Result<HashSet<i64>, Error> {
    let mut hidden = HashSet::new();
    if places.is_empty() || viewer.is_some_and(|(_, role)| role.is_staff()) {
        return Ok(hidden);
    }
    let employer_ids: Vec<i64> = places.iter().map(|p| p.employer_id).collect();
    let kinds: HashMap<i64, (String, i64)> = employers::table
        .filter(employers::id.eq_any(&employer_ids))
        .select((employers::id, employers::kind, employers::user_id))
        .load::<(i64, String, i64)>(conn)?
        .into_iter()
        .map(|(id, kind, user_id)| (id, (kind, user_id)))
        .collect();
    let homes: Vec<i64> = places.iter().filter(|p| kinds.get(&p.employer_id).is_some_and(|(k, _)| is_home_workplace(k))).map(|p| p.shift_id).collect();
    if homes.is_empty() {
        return Ok(hidden);
    }
    let taken_on = match viewer {
        Some((user_id, Role::Worker)) => taken_on(conn, user_id, &homes)?,
        _ => HashSet::new(),
    };
    for p in places.into_iter().filter(|p| homes.contains(&p.shift_id)) {
        let Some((_, owner)) = kinds.get(&p.employer_id) else { continue };
        let id = p.shift_id;
        if hide_home(viewer, *owner, taken_on.contains(&id), p) {
            hidden.insert(id);
        }
    }
    Ok(hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_is_seen_by_staff_its_owner_and_workers_taken_on_only() {
        let owner = 11;
        for role in Role::ALL.iter().copied() {
            for user_id in [owner, 12] {
                for taken in [false, true] {
                    let expected = match role {
                        Role::StationStaff | Role::Moderator | Role::Admin => true,
                        Role::Employer => user_id == owner,
                        Role::Worker => taken,
                    };
                    assert_eq!(sees_home(Some((user_id, role)), owner, taken), expected, "{role:?} {user_id} taken on {taken}");
                }
            }
        }
        assert!(!sees_home(None, owner, false) && !sees_home(None, owner, true), "never the public");
    }
}
