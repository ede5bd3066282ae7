//! Community employment service stations (社区就业服务站): where 求职登记 and 用工登记 happen in
//! person. A station has a point and the county codes it serves; its `station_staff` accounts act
//! within that area (see `services::scope`). Admins create stations and assign their staff.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
pub use crate::db::models::StationRow;
use crate::db::schema::{stations, users};
use crate::db::{DbConn, Tx};
use crate::domain::time::to_display;
use crate::domain::{BoundedText, GeoPoint, Role};
use crate::domain::{StationId, UserId};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::Services;
use crate::services::accounts::UserView;
use crate::services::audit;
use crate::services::districts::{District, Districts, ServiceArea, outside_service_area, unknown_adcode};
use crate::services::{json_list, to_json};

/// The radius a station reaches when none is given, km.
pub const DEFAULT_RADIUS_KM: f64 = 5.0;
/// A station serves a 街道 or 乡镇: more than 30 km is a county's job, not a station's.
pub const MAX_RADIUS_KM: f64 = 30.0;
pub const MIN_RADIUS_KM: f64 = 1.0;
/// Counties one station may serve.
pub const MAX_COUNTIES: usize = 20;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationRequest {
    /// 2–40 characters, unique, e.g. `望京街道社区就业服务站`.
    pub name: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The station's county (12-digit adcode, or its 6-digit form), which must agree with the point.
    pub adcode: Option<String>,
    /// District codes the station serves (its staff act there); default: the station's county.
    pub counties: Option<Vec<String>>,
    /// How far around the station its staff act, km (1–30, default 5).
    pub radius_km: Option<f64>,
}

/// A station as validated on construction: every field error at once.
#[derive(Debug, Clone)]
pub struct NewStation {
    pub name: String,
    pub address: String,
    pub point: GeoPoint,
    pub adcode: String,
    /// District-code prefixes (`110105` for a county, `4403` for a city).
    pub counties: Vec<String>,
    pub radius_km: f64,
}

/// The prefix every code inside a district starts with: `110105` for 朝阳区, `4403` for 深圳市.
fn prefix(d: &District) -> String {
    // A township serves as the county (or, for counties newer than the data, the city) its
    // shifts are filed under: the districts module knows which.
    d.shift_prefix().to_string()
}

impl NewStation {
    pub fn parse(r: &StationRequest, area: &ServiceArea) -> Result<NewStation, Error> {
        let districts = Districts::get();
        let mut errs = FieldErrors::new();
        let name = errs.check("name", BoundedText::parse(r.name.as_deref().unwrap_or(""), 2, 40));
        let address = errs.check("address", BoundedText::parse(r.address.as_deref().unwrap_or(""), 1, 200));
        let point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
        // The same place rule as events: a county in the service area that agrees with the point.
        let not_a_county = Invalid::new("not_a_county", "请填写服务站所在的区县代码", "give the code of the county (区/县) the station is in");
        let county = districts.venue(&mut errs, r.adcode.as_deref(), point, area, not_a_county);
        let mut counties = Vec::new();
        match &r.counties {
            Some(list) if list.len() > MAX_COUNTIES => {
                errs.add("counties", Invalid::new("too_many", format!("最多 {MAX_COUNTIES} 个区县"), format!("at most {MAX_COUNTIES} districts")))
            }
            Some(list) if list.is_empty() => errs.add("counties", Invalid::required()),
            Some(list) => {
                for (i, code) in list.iter().enumerate() {
                    match districts.normalize(code) {
                        None => errs.add(format!("counties[{i}]"), unknown_adcode()),
                        Some(d) if !area.contains(&d.adcode) => errs.add(format!("counties[{i}]"), outside_service_area()),
                        Some(d) => {
                            let p = prefix(d);
                            if !counties.contains(&p) {
                                counties.push(p);
                            }
                        }
                    }
                }
            }
            None => {
                if let Some(c) = county {
                    counties.push(prefix(c));
                }
            }
        }
        let radius_km = r.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
        if !(radius_km.is_finite() && (MIN_RADIUS_KM..=MAX_RADIUS_KM).contains(&radius_km)) {
            errs.add("radius_km", Invalid::out_of_range("服务半径应在 1 到 30 公里之间", "radius_km must be between 1 and 30"));
        }
        errs.into_result()?;
        Ok(NewStation {
            name: name.expect("checked").into_string(),
            address: address.expect("checked").into_string(),
            point: point.expect("checked"),
            adcode: county.expect("checked").adcode.clone(),
            counties,
            radius_km,
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StationView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    /// The station's county (12-digit adcode).
    pub adcode: String,
    /// The county's full name, e.g. `北京市 朝阳区`.
    pub district: Option<String>,
    /// District-code prefixes the station serves.
    pub counties: Vec<String>,
    pub radius_km: f64,
    /// The `station_staff` accounts that belong to the station.
    pub staff: Vec<UserView>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
}

impl StationRow {
    pub fn point(&self) -> GeoPoint {
        GeoPoint { lat: self.lat, lng: self.lng }
    }

    pub fn view(self, staff: Vec<UserView>) -> StationView {
        StationView {
            district: Districts::get().by_code(&self.adcode).map(|d| d.full_name.clone()),
            counties: json_list(&self.counties),
            id: self.id,
            name: self.name,
            address: self.address,
            lat: self.lat,
            lng: self.lng,
            adcode: self.adcode,
            radius_km: self.radius_km,
            staff,
            created_at: to_display(self.created_at),
        }
    }
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<StationRow, Error> {
    stations::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Station))
}

fn staff_of(conn: &mut DbConn, station_ids: &[i64]) -> Result<Vec<(i64, UserView)>, Error> {
    let rows: Vec<(Option<i64>, i64, String, String)> = users::table
        .filter(users::station_id.eq_any(station_ids))
        .order(users::id.asc())
        .select((users::station_id, users::id, users::role, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(station, id, role, display_name)| Some((station?, UserView { id, role: Role::parse(&role).ok()?, display_name })))
        .collect())
}

fn view(conn: &mut DbConn, row: StationRow) -> Result<StationView, Error> {
    let staff = staff_of(conn, &[row.id])?.into_iter().map(|(_, u)| u).collect();
    Ok(row.view(staff))
}

pub fn insert(tx: &mut Tx, s: &NewStation, admin_id: i64) -> Result<StationView, Error> {
    let taken: i64 = stations::table.filter(stations::name.eq(&s.name)).count().get_result(tx.conn())?;
    if taken > 0 {
        return Err(Error::Conflict(Conflict::StationExists));
    }
    let id: i64 = diesel::insert_into(stations::table)
        .values((
            stations::name.eq(&s.name),
            stations::address.eq(&s.address),
            stations::lat.eq(s.point.lat),
            stations::lng.eq(s.point.lng),
            stations::adcode.eq(&s.adcode),
            stations::counties.eq(to_json(&s.counties)),
            stations::radius_km.eq(s.radius_km),
            stations::created_by.eq(admin_id),
            stations::created_at.eq(tx.now()),
        ))
        .returning(stations::id)
        .get_result(tx.conn())
        // Two admins racing with one name meet the unique index: the same answer as the check.
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => Error::Conflict(Conflict::StationExists),
            e => e.into(),
        })?;
    let view = by_id(tx, id)?.view(Vec::new());
    audit::record(
        tx,
        audit::Entry {
            actor_id: admin_id,
            action: "station.create",
            target_type: "station",
            target_id: id,
            reason: None,
            before: None,
            after: Some(serde_json::json!({
                "name": view.name, "address": view.address, "lat": view.lat, "lng": view.lng,
                "adcode": view.adcode, "counties": view.counties, "radius_km": view.radius_km,
            })),
        },
    )?;
    Ok(view)
}

/// Puts `user_id` at `station` (`Some`) or takes them off `station` (`None` for `to`), audited
/// as `station.staff` on the user, like a staff scope change.
pub fn set_station(tx: &mut Tx, admin_id: UserId, station: StationId, user_id: UserId, to: Option<StationId>) -> Result<(), Error> {
    let (admin_id, station, user_id, to) = (admin_id.get(), station.get(), user_id.get(), to.map(StationId::get));
    by_id(tx, station)?;
    let (role, current): (String, Option<i64>) =
        users::table.find(user_id).select((users::role, users::station_id)).first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::User))?;
    if Role::parse(&role).ok() != Some(Role::StationStaff) {
        return Err(Error::Conflict(Conflict::NotStationStaff));
    }
    // Removing someone who is not at this station: there is no such membership.
    if to.is_none() && current != Some(station) {
        return Err(Error::NotFound(Thing::User));
    }
    if current == to {
        return Ok(());
    }
    diesel::update(users::table.find(user_id)).set(users::station_id.eq(to)).execute(tx.conn())?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: admin_id,
            action: "station.staff",
            target_type: "user",
            target_id: user_id,
            reason: None,
            before: Some(serde_json::json!({ "station_id": current })),
            after: Some(serde_json::json!({ "station_id": to })),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for every front end (API and CLI).
// ---------------------------------------------------------------------------------------------

/// Create a station (admins only); audited.
pub async fn create(svc: &Services, user: &AuthUser, req: StationRequest) -> Result<StationView, Error> {
    user.require(&[Role::Admin])?;
    let s = NewStation::parse(&req, &svc.config.listing.service_area)?;
    let admin_id = user.id;
    svc.db.tx(move |tx| insert(tx, &s, admin_id)).await
}

/// Every station with its staff, by id (any staff member: stations refer workers to each other).
pub async fn list(svc: &Services, user: &AuthUser) -> Result<Vec<StationView>, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    svc.db
        .run(move |conn| {
            let rows: Vec<StationRow> = stations::table.order(stations::id.asc()).load(conn)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut staff = staff_of(conn, &ids)?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let (mine, rest) = std::mem::take(&mut staff).into_iter().partition(|(s, _)| *s == r.id);
                    staff = rest;
                    r.view(mine.into_iter().map(|(_, u)| u).collect())
                })
                .collect())
        })
        .await
}

/// One station with its staff (any staff member).
pub async fn get(svc: &Services, user: &AuthUser, id: i64) -> Result<StationView, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    svc.db
        .run(move |conn| {
            let row = by_id(conn, id)?;
            view(conn, row)
        })
        .await
}

/// Make a `station_staff` account one of the station's staff (admins only), moving it from any
/// other station; audited. Answers the station as it now is.
pub async fn assign_staff(svc: &Services, user: &AuthUser, station: StationId, staff: UserId) -> Result<StationView, Error> {
    user.require(&[Role::Admin])?;
    let admin_id = UserId(user.id);
    svc.db
        .tx(move |tx| {
            set_station(tx, admin_id, station, staff, Some(station))?;
            let row = by_id(tx, station.get())?;
            view(tx, row)
        })
        .await
}

/// Take a staff member off the station (admins only); their admin-set scope applies again. Audited.
pub async fn remove_staff(svc: &Services, user: &AuthUser, station: StationId, staff: UserId) -> Result<StationView, Error> {
    user.require(&[Role::Admin])?;
    let admin_id = UserId(user.id);
    svc.db
        .tx(move |tx| {
            set_station(tx, admin_id, station, staff, None)?;
            let row = by_id(tx, station.get())?;
            view(tx, row)
        })
        .await
}

/// Most shifts one board shows: what fits a printed A4 page in large type.
pub const BOARD_MAX_SHIFTS: usize = 24;

/// A station's notice board: its open shifts within `radius_km`, nearest first.
pub struct Board {
    pub station: StationRow,
    pub radius_km: f64,
    pub items: Vec<crate::services::search::ShiftHit>,
}

/// The station board (送岗位进社区): public, as the shifts on it are; the same search as
/// `GET /api/v1/shifts/search` centred on the station, `radius_km` 1–30 (default the station's).
pub async fn board(svc: &Services, id: i64, radius_km: Option<f64>) -> Result<Board, Error> {
    use crate::services::search::{self, SearchParams};
    if let Some(r) = radius_km
        && !(r.is_finite() && (MIN_RADIUS_KM..=MAX_RADIUS_KM).contains(&r))
    {
        return Err(Error::field("radius_km", Invalid::out_of_range("范围应在 1 到 30 公里之间", "radius_km must be between 1 and 30")));
    }
    let station = svc.db.run(move |conn| by_id(conn, id)).await?;
    let radius_km = radius_km.unwrap_or(station.radius_km);
    let params = SearchParams {
        lat: Some(station.lat),
        lng: Some(station.lng),
        radius_km: Some(radius_km),
        sort: Some("distance".into()),
        limit: Some(BOARD_MAX_SHIFTS),
        ..Default::default()
    };
    let results = search::search_shifts(svc, params).await?;
    Ok(Board { station, radius_km, items: results.items })
}
