//! Worker availability (求职登记): where a worker can work, what kind of work, for how much, and
//! when — dated windows and/or weekly windows in Asia/Shanghai local time.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
pub use crate::db::models::AvailabilityRow;
use crate::db::schema::availability;
use crate::db::{DbConn, Tx};
use crate::domain::Role;
use crate::domain::geo::radius_km;
use crate::domain::time::{parse_instant, to_display};
use crate::domain::{AvailabilityId, UserId};
use crate::domain::{BoundedText, DatedWindow, GeoPoint, Pay, WeeklyWindow};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::Services;
use crate::services::districts::ServiceArea;
use crate::services::employers::resolve_adcode;
use crate::services::page::{Page, PageRequest};
use crate::services::scope::{Place, StaffScope};
use crate::services::workers::{PayBody, WorkerRow, check_categories};
use crate::services::{json_list, to_json};

pub const MAX_WINDOWS: usize = 50;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatedWindowBody {
    /// RFC 3339 with offset.
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyWindowBody {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// Local time `HH:MM` (Asia/Shanghai).
    pub start: String,
    /// Local time `HH:MM`; at or before `start` means the window runs past midnight.
    pub end: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowsBody {
    #[serde(default)]
    pub dated: Vec<DatedWindowBody>,
    #[serde(default)]
    pub weekly: Vec<WeeklyWindowBody>,
}

/// Body of `POST /api/v1/availability` and (every field optional) `PATCH /api/v1/availability/{id}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRequest {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub radius_km: Option<f64>,
    pub adcode: Option<String>,
    /// Category codes the worker will take; empty means any.
    pub categories: Option<Vec<String>>,
    pub min_pay: Option<PayBody>,
    pub note: Option<String>,
    pub windows: Option<WindowsBody>,
    /// Inactive availability is kept but not matched.
    pub active: Option<bool>,
}

pub struct ValidAvailability {
    point: GeoPoint,
    radius_km: f64,
    adcode: Option<String>,
    categories: Vec<String>,
    min_pay: Option<Pay>,
    note: String,
    dated: Vec<DatedWindow>,
    weekly: Vec<WeeklyWindow>,
    active: bool,
}

pub fn validate(conn: &mut DbConn, r: &AvailabilityRequest, now: NaiveDateTime, area: &ServiceArea) -> Result<ValidAvailability, Error> {
    let mut errs = FieldErrors::new();
    let point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
    let radius = match r.radius_km {
        None => {
            errs.add("radius_km", Invalid::required());
            None
        }
        Some(v) => errs.check("radius_km", radius_km(v)),
    };
    let adcode = resolve_adcode(&mut errs, "adcode", r.adcode.as_deref(), point, area);
    let categories = check_categories(conn, &mut errs, "categories", r.categories.clone().unwrap_or_default())?;
    let min_pay = match r.min_pay {
        None => Some(None),
        Some(p) => p.validate(&mut errs, "min_pay").map(Some),
    };
    let note = errs.check("note", BoundedText::parse(r.note.as_deref().unwrap_or(""), 0, 500));
    let windows = r.windows.clone().unwrap_or_default();
    let mut dated = Vec::new();
    let mut weekly = Vec::new();
    if windows.dated.is_empty() && windows.weekly.is_empty() {
        errs.add("windows", Invalid::new("required", "至少填写一个可工作时段（按日期或每周）", "give at least one window, dated or weekly"));
    } else if windows.dated.len() + windows.weekly.len() > MAX_WINDOWS {
        errs.add("windows", Invalid::new("too_many", format!("最多 {MAX_WINDOWS} 个时段"), format!("at most {MAX_WINDOWS} windows")));
    } else {
        for (i, w) in windows.dated.iter().enumerate() {
            let f = format!("windows.dated[{i}]");
            let start = errs.check(format!("{f}.start"), parse_instant(&w.start));
            let end = errs.check(format!("{f}.end"), parse_instant(&w.end));
            let (Some(start), Some(end)) = (start, end) else { continue };
            let Some(win) = errs.check(format!("{f}.end"), DatedWindow::new(start, end)) else { continue };
            if win.end <= now {
                errs.add(format!("{f}.end"), Invalid::new("in_the_past", "该时段已经结束", "this window is already over"));
            } else if win.start > now + Duration::days(365) {
                errs.add(format!("{f}.start"), Invalid::new("too_far", "时段不能在一年以后", "a window may start at most one year ahead"));
            } else {
                dated.push(win);
            }
        }
        for (i, w) in windows.weekly.iter().enumerate() {
            let f = format!("windows.weekly[{i}]");
            let day = errs.check(format!("{f}.weekday"), WeeklyWindow::weekday(w.weekday));
            let start = errs.check(format!("{f}.start"), WeeklyWindow::clock(&w.start));
            let end = errs.check(format!("{f}.end"), WeeklyWindow::clock(&w.end));
            if let (Some(day), Some(start), Some(end)) = (day, start, end)
                && let Some(win) = errs.check(format!("{f}.end"), WeeklyWindow::new(day, start, end))
            {
                weekly.push(win);
            }
        }
    }
    errs.into_result()?;
    dated.sort_by_key(|w| w.start);
    weekly.sort_by_key(|w| (w.weekday, w.start));
    Ok(ValidAvailability {
        point: point.expect("checked"),
        radius_km: radius.expect("checked"),
        adcode: adcode.expect("checked"),
        categories,
        min_pay: min_pay.expect("checked"),
        note: note.expect("checked").into_string(),
        dated,
        weekly,
        active: r.active.unwrap_or(true),
    })
}

/// Stored form of a dated window (UTC, naive).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDated {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatedWindowView {
    #[schema(value_type = String, format = DateTime)]
    pub start: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub end: chrono::DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WindowsView {
    pub dated: Vec<DatedWindowView>,
    pub weekly: Vec<WeeklyWindow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AvailabilityView {
    pub id: i64,
    pub worker_id: i64,
    pub lat: f64,
    pub lng: f64,
    pub radius_km: f64,
    pub adcode: Option<String>,
    pub categories: Vec<String>,
    pub min_pay: Option<PayBody>,
    pub note: String,
    pub windows: WindowsView,
    pub active: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
}

impl AvailabilityRow {
    pub fn dated(&self) -> Vec<StoredDated> {
        json_list(&self.dated_windows)
    }

    pub fn weekly(&self) -> Vec<WeeklyWindow> {
        json_list(&self.weekly_windows)
    }

    pub fn min_pay(&self) -> Option<PayBody> {
        match (self.min_pay_fen, self.min_pay_unit.as_deref().and_then(|u| crate::domain::PayUnit::parse(u).ok())) {
            (Some(amount_fen), Some(unit)) => Some(PayBody { amount_fen, unit }),
            _ => None,
        }
    }

    pub fn view(self) -> AvailabilityView {
        AvailabilityView {
            windows: WindowsView {
                dated: self.dated().into_iter().map(|d| DatedWindowView { start: to_display(d.start), end: to_display(d.end) }).collect(),
                weekly: self.weekly(),
            },
            min_pay: self.min_pay(),
            categories: json_list(&self.categories),
            id: self.id,
            worker_id: self.worker_id,
            lat: self.lat,
            lng: self.lng,
            radius_km: self.radius_km,
            adcode: self.adcode,
            note: self.note,
            active: self.active,
            created_at: to_display(self.created_at),
            updated_at: to_display(self.updated_at),
        }
    }

    /// The stored record as a request, so a PATCH can be merged over it and validated whole.
    fn as_request(&self, now: NaiveDateTime) -> AvailabilityRequest {
        AvailabilityRequest {
            lat: Some(self.lat),
            lng: Some(self.lng),
            radius_km: Some(self.radius_km),
            adcode: self.adcode.clone(),
            categories: Some(json_list(&self.categories)),
            min_pay: self.min_pay(),
            note: Some(self.note.clone()),
            windows: Some(WindowsBody {
                // Windows already over are dropped rather than refused on the next edit.
                dated: self
                    .dated()
                    .into_iter()
                    .filter(|d| d.end > now)
                    .map(|d| DatedWindowBody { start: to_display(d.start).to_rfc3339(), end: to_display(d.end).to_rfc3339() })
                    .collect(),
                weekly: self
                    .weekly()
                    .into_iter()
                    .map(|w| WeeklyWindowBody { weekday: w.weekday as i64, start: w.start.format("%H:%M").to_string(), end: w.end.format("%H:%M").to_string() })
                    .collect(),
            }),
            active: Some(self.active),
        }
    }
}

/// The columns a record's content fills, written the same way on insert and on update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = availability, treat_none_as_null = true)]
struct AvailabilityFields<'a> {
    lat: f64,
    lng: f64,
    radius_km: f64,
    adcode: Option<&'a str>,
    categories: String,
    min_pay_fen: Option<i64>,
    min_pay_unit: Option<&'a str>,
    note: &'a str,
    dated_windows: String,
    weekly_windows: String,
    active: bool,
}

impl<'a> AvailabilityFields<'a> {
    fn of(v: &'a ValidAvailability) -> AvailabilityFields<'a> {
        AvailabilityFields {
            lat: v.point.lat,
            lng: v.point.lng,
            radius_km: v.radius_km,
            adcode: v.adcode.as_deref(),
            categories: to_json(&v.categories),
            min_pay_fen: v.min_pay.map(|p| p.amount_fen),
            min_pay_unit: v.min_pay.map(|p| p.unit.as_str()),
            note: &v.note,
            dated_windows: to_json(&v.dated.iter().map(|d| StoredDated { start: d.start, end: d.end }).collect::<Vec<_>>()),
            weekly_windows: to_json(&v.weekly),
            active: v.active,
        }
    }
}

pub fn require_worker(conn: &mut DbConn, user_id: i64) -> Result<WorkerRow, Error> {
    crate::services::workers::by_user(conn, user_id)?.ok_or(Error::Conflict(Conflict::WorkerProfileRequired))
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<AvailabilityRow, Error> {
    availability::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Availability))
}

pub fn create(tx: &mut Tx, worker_id: i64, v: &ValidAvailability) -> Result<AvailabilityRow, Error> {
    let now = tx.now();
    let id: i64 = diesel::insert_into(availability::table)
        .values((AvailabilityFields::of(v), availability::worker_id.eq(worker_id), availability::created_at.eq(now), availability::updated_at.eq(now)))
        .returning(availability::id)
        .get_result(tx.conn())?;
    tx.record(Entity::Availability, id)?;
    by_id(tx, id)
}

/// The worker's own record: 404 when missing, 403 when it belongs to someone else.
pub fn owned(conn: &mut DbConn, user_id: UserId, id: AvailabilityId) -> Result<(WorkerRow, AvailabilityRow), Error> {
    let row = by_id(conn, id.get())?;
    match crate::services::workers::by_user(conn, user_id.get())? {
        Some(w) if w.id == row.worker_id => Ok((w, row)),
        _ => Err(Error::forbidden()),
    }
}

pub fn update(tx: &mut Tx, user_id: UserId, id: AvailabilityId, patch: &AvailabilityRequest, area: &ServiceArea) -> Result<AvailabilityRow, Error> {
    let now = tx.now();
    let (_, row) = owned(tx, user_id, id)?;
    let id = id.get();
    let mut merged = row.as_request(now);
    macro_rules! take {
        ($($f:ident),+) => { $(if patch.$f.is_some() { merged.$f = patch.$f.clone(); })+ };
    }
    take!(lat, lng, radius_km, adcode, categories, min_pay, note, windows, active);
    if (patch.lat.is_some() || patch.lng.is_some()) && patch.adcode.is_none() {
        merged.adcode = None;
    }
    let v = validate(tx, &merged, now, area)?;
    diesel::update(availability::table.find(id)).set((AvailabilityFields::of(&v), availability::updated_at.eq(now))).execute(tx.conn())?;
    tx.record(Entity::Availability, id)?;
    by_id(tx, id)
}

pub fn delete(tx: &mut Tx, user_id: UserId, id: AvailabilityId) -> Result<(), Error> {
    owned(tx, user_id, id)?;
    let id = id.get();
    diesel::delete(availability::table.find(id)).execute(tx.conn())?;
    tx.record(Entity::Availability, id)?;
    Ok(())
}

pub fn list_for_worker(conn: &mut DbConn, worker_id: i64, limit: i64, cursor: Option<i64>) -> Result<Vec<AvailabilityRow>, Error> {
    let mut q = availability::table.filter(availability::worker_id.eq(worker_id)).into_boxed();
    if let Some(c) = cursor {
        q = q.filter(availability::id.lt(c));
    }
    Ok(q.order(availability::id.desc()).limit(limit + 1).load(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for every front end.
// ---------------------------------------------------------------------------------------------

/// Post when and where the signed-in worker can work.
pub async fn post(svc: &Services, user: &AuthUser, req: AvailabilityRequest) -> Result<AvailabilityView, Error> {
    user.require(&[Role::Worker])?;
    let (user_id, area) = (user.id, svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let worker = require_worker(tx, user_id)?;
            let now = tx.now();
            let valid = validate(tx, &req, now, &area)?;
            Ok(create(tx, worker.id, &valid)?.view())
        })
        .await
}

/// One availability record: its worker's own, or, for staff, one in their districts.
pub async fn get(svc: &Services, user: &AuthUser, id: i64) -> Result<AvailabilityView, Error> {
    let user = user.clone();
    svc.db
        .run(move |conn| {
            if !user.role.is_staff() {
                return Ok(owned(conn, UserId(user.id), AvailabilityId(id))?.1.view());
            }
            let scope = StaffScope::staff(conn, &user)?;
            let row = by_id(conn, id)?;
            scope.check(Place { adcode: row.adcode.as_deref(), point: Some(GeoPoint { lat: row.lat, lng: row.lng }) })?;
            Ok(row.view())
        })
        .await
}

/// Change the signed-in worker's record.
pub async fn edit(svc: &Services, user: &AuthUser, id: i64, req: AvailabilityRequest) -> Result<AvailabilityView, Error> {
    let (user_id, area) = (user.id, svc.config.listing.service_area.clone());
    svc.db.tx(move |tx| Ok(update(tx, UserId(user_id), AvailabilityId(id), &req, &area)?.view())).await
}

/// Remove the signed-in worker's record.
pub async fn remove(svc: &Services, user: &AuthUser, id: i64) -> Result<(), Error> {
    let user_id = user.id;
    svc.db.tx(move |tx| delete(tx, UserId(user_id), AvailabilityId(id))).await
}

/// The signed-in worker's records, newest first.
pub async fn list_mine(svc: &Services, user: &AuthUser, page: PageRequest) -> Result<Page<AvailabilityView>, Error> {
    user.require(&[Role::Worker])?;
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let worker = require_worker(conn, user_id)?;
            let rows = list_for_worker(conn, worker.id, page.limit, page.cursor)?;
            let (rows, next_cursor) = page.split(rows, |r| r.id);
            Ok(Page { items: rows.into_iter().map(|r| r.view()).collect(), next_cursor })
        })
        .await
}
