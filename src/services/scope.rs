//! Where a staff member may act. Every staff operation — reads included — asks [`StaffScope`]
//! whether the thing it touches lies in the staff member's area, so no route can forget the check.
//! An area is a set of district-code prefixes set by an admin (empty: everywhere), or, for staff
//! of a community station, the station's counties plus a radius around it; every kind answers
//! the same `covers`.

use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::schema::{stations, users};
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
    /// A community station's area: the county-code prefixes it serves, plus everything within
    /// `radius_km` of its point (a station serves a 街道 or 乡镇, and townships have no codes of
    /// their own in the data, so the radius is what reaches across a county line).
    Station {
        id: i64,
        counties: Vec<String>,
        centre: GeoPoint,
        radius_km: f64,
    },
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
        let (stored, station_id): (String, Option<i64>) = users::table.find(user.id).select((users::scope_adcodes, users::station_id)).first(conn)?;
        // Station staff who belong to a station act where the station serves; the scope an admin
        // set applies to moderators, and to station staff not (yet) assigned to a station.
        if user.role == Role::StationStaff
            && let Some(id) = station_id
        {
            let (counties, lat, lng, radius_km): (String, f64, f64, f64) =
                stations::table.find(id).select((stations::counties, stations::lat, stations::lng, stations::radius_km)).first(conn)?;
            let area = Area::Station { id, counties: json_list(&counties), centre: GeoPoint { lat, lng }, radius_km };
            return Ok(StaffScope { user_id: user.id, role: user.role, area });
        }
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
            Area::Station { counties, centre, radius_km, .. } => {
                place.adcode.is_some_and(|a| counties.iter().any(|p| a.starts_with(p.as_str())))
                    || place.point.is_some_and(|p| p.haversine_km(centre) <= *radius_km)
            }
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

    /// The point `km` from `from` on `bearing_deg` (spherical, as `haversine_km` measures).
    fn offset(from: GeoPoint, km: f64, bearing_deg: f64) -> GeoPoint {
        let (d, b) = (km / crate::domain::geo::EARTH_RADIUS_KM, bearing_deg.to_radians());
        let (lat1, lng1) = (from.lat.to_radians(), from.lng.to_radians());
        let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * b.cos()).asin();
        let lng2 = lng1 + (b.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
        GeoPoint { lat: lat2.to_degrees(), lng: lng2.to_degrees() }
    }

    #[test]
    fn a_station_covers_its_counties_and_its_radius() {
        // 望京 in 朝阳区 (110105), serving 朝阳 and 顺义 (110113); radii from small to the largest allowed.
        let centre = GeoPoint { lat: 39.9965, lng: 116.4704 };
        let counties = vec!["110105".to_string(), "110113".to_string()];
        let inside_codes = ["110105000000", "110105012000", "110113000000", "110113110000"];
        let outside_codes = ["110101000000", "110106000000", "120101000000", "440305000000", "1101"];
        let mut checked = 0;
        for radius_km in [1.0, 3.0, 5.0, 12.5, 30.0] {
            let s = StaffScope { user_id: 1, role: Role::StationStaff, area: Area::Station { id: 7, counties: counties.clone(), centre, radius_km } };
            for bearing in (0..360).step_by(15).map(f64::from) {
                for frac in [0.0, 0.1, 0.5, 0.9, 0.99] {
                    let p = offset(centre, radius_km * frac, bearing);
                    assert!((p.haversine_km(&centre) - radius_km * frac).abs() < 1e-6);
                    // Within the radius: covered whatever district the place is in, or none.
                    for code in outside_codes.iter().map(|c| Some(*c)).chain([None]) {
                        assert!(s.covers(Place { adcode: code, point: Some(p) }), "r={radius_km} {bearing}° {frac} {code:?}");
                        checked += 1;
                    }
                }
                for frac in [1.01, 1.5, 3.0, 20.0] {
                    let p = offset(centre, radius_km * frac, bearing);
                    // Beyond the radius: covered only in one of the counties.
                    for code in inside_codes {
                        assert!(s.covers(Place { adcode: Some(code), point: Some(p) }), "r={radius_km} {bearing}° {frac} {code}");
                    }
                    for code in outside_codes.iter().map(|c| Some(*c)).chain([None]) {
                        assert!(!s.covers(Place { adcode: code, point: Some(p) }), "r={radius_km} {bearing}° {frac} {code:?}");
                        checked += 1;
                    }
                }
            }
            // No point at all: the counties decide alone.
            for code in inside_codes {
                assert!(s.covers(Place::district(Some(code))));
            }
            for code in outside_codes.iter().map(|c| Some(*c)).chain([None]) {
                assert!(!s.covers(Place::district(code)), "{code:?}");
            }
            assert!(s.check(Place::district(None)).is_err());
        }
        assert!(checked > 2000, "{checked}");
    }
}
