//! Where a staff member may act. Every staff operation — reads included — asks [`StaffScope`]
//! whether the thing it touches lies in the staff member's area, so no route can forget the check.
//! Today an area is a set of district-code prefixes set by an admin (empty: everywhere); other
//! kinds of area (a community station's counties plus a radius around it) are further `Area`
//! variants answering the same `covers`.

use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::schema::users;
use crate::domain::{GeoPoint, Role};
use crate::error::Error;
use crate::services::json_list;

/// Where something is, as far as scopes care.
#[derive(Debug, Clone, Copy, Default)]
pub struct Place<'a> {
    pub adcode: Option<&'a str>,
    pub point: Option<GeoPoint>,
}

impl<'a> Place<'a> {
    pub fn district(adcode: Option<&'a str>) -> Place<'a> {
        Place { adcode, point: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Area {
    Everywhere,
    /// District-code prefixes, e.g. `4403` for all of Shenzhen.
    Districts(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaffScope {
    pub user_id: i64,
    pub role: Role,
    pub area: Area,
}

impl StaffScope {
    /// The scope of `user`, who must have one of `roles` (all staff roles).
    pub fn of(conn: &mut DbConn, user: &AuthUser, roles: &[Role]) -> Result<StaffScope, Error> {
        user.require(roles)?;
        if !user.role.is_staff() {
            return Err(Error::forbidden());
        }
        let stored: String = users::table.find(user.id).select(users::scope_adcodes).first(conn)?;
        let prefixes: Vec<String> = json_list(&stored);
        let area = if prefixes.is_empty() { Area::Everywhere } else { Area::Districts(prefixes) };
        Ok(StaffScope { user_id: user.id, role: user.role, area })
    }

    /// Any staff member: community station staff, moderators, admins.
    pub fn staff(conn: &mut DbConn, user: &AuthUser) -> Result<StaffScope, Error> {
        StaffScope::of(conn, user, &[Role::StationStaff, Role::Moderator, Role::Admin])
    }

    /// Moderators and admins.
    pub fn moderator(conn: &mut DbConn, user: &AuthUser) -> Result<StaffScope, Error> {
        StaffScope::of(conn, user, &[Role::Moderator, Role::Admin])
    }

    pub fn covers(&self, place: Place) -> bool {
        match &self.area {
            Area::Everywhere => true,
            Area::Districts(prefixes) => place.adcode.is_some_and(|a| prefixes.iter().any(|p| a.starts_with(p.as_str()))),
        }
    }

    /// Refuses (403) what lies outside the area.
    pub fn check(&self, place: Place) -> Result<(), Error> {
        if self.covers(place) { Ok(()) } else { Err(Error::forbidden()) }
    }
}

/// Whether a signed-in staff member (`user_id`, `role`) may read something at `place`: for reads
/// that answer "not found" rather than "forbidden" outside the area (an unpublished shift).
pub fn staff_may_read(conn: &mut DbConn, user_id: i64, role: Role, place: Place) -> Result<bool, Error> {
    if !role.is_staff() {
        return Ok(false);
    }
    let user = AuthUser { id: user_id, role, display_name: String::new(), token_hash: String::new() };
    Ok(StaffScope::staff(conn, &user)?.covers(place))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_cover_their_prefixes_only() {
        let s = StaffScope { user_id: 1, role: Role::Moderator, area: Area::Districts(vec!["4403".into(), "110105".into()]) };
        assert!(s.covers(Place::district(Some("440305000000"))));
        assert!(s.covers(Place::district(Some("110105"))));
        assert!(!s.covers(Place::district(Some("110101"))));
        assert!(!s.covers(Place::district(None)), "a place without a district is outside every district scope");
        let all = StaffScope { area: Area::Everywhere, ..s };
        assert!(all.covers(Place::district(None)));
    }
}
