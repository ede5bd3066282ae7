//! Worker profiles. Key-group flags and the ID number are private: the worker and staff see them
//! (the ID number only masked), employers never.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
pub use crate::db::models::WorkerRow;
use crate::db::schema::{availability, users, workers};
use crate::db::{DbConn, Tx};
use crate::domain::Role;
use crate::domain::geo::radius_km;
use crate::domain::time::{now_utc, to_display};
use crate::domain::{BoundedText, GeoPoint, IdNumber, KeyGroup, Pay, PayUnit};
use crate::domain::{UserId, WorkerId};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::Services;
use crate::services::audit;
use crate::services::districts::Districts;
use crate::services::reputation::WorkerRef;
use crate::services::scope::{Place, StaffScope};
pub use crate::services::views::PayBody;
use crate::services::{categories, json_list, to_json};

impl PayBody {
    pub fn validate(self, errs: &mut FieldErrors, field: &str) -> Option<Pay> {
        errs.check(format!("{field}.amount_fen"), Pay::amount(self.amount_fen)).map(|amount_fen| Pay { amount_fen, unit: self.unit })
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerRequest {
    pub display_name: Option<String>,
    /// Category codes (see `GET /api/v1/categories`).
    pub skills: Option<Vec<String>>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// How far the worker will travel, km (default 5).
    pub radius_km: Option<f64>,
    pub expected_pay: Option<PayBody>,
    /// 身份证号 (optional). Stored masked; never returned in full.
    pub id_number: Option<String>,
    #[schema(value_type = Option<Vec<KeyGroup>>)]
    pub key_groups: Option<Vec<String>>,
}

pub struct ValidWorker {
    display_name: String,
    skills: Vec<String>,
    point: Option<GeoPoint>,
    radius_km: f64,
    expected_pay: Option<Pay>,
    id_number: Option<IdNumber>,
    key_groups: Vec<KeyGroup>,
}

pub fn validate(conn: &mut DbConn, r: &WorkerRequest) -> Result<ValidWorker, Error> {
    let mut errs = FieldErrors::new();
    let display_name = errs.check("display_name", BoundedText::parse(r.display_name.as_deref().unwrap_or(""), 1, 40));
    let skills = check_categories(conn, &mut errs, "skills", r.skills.clone().unwrap_or_default())?;
    let point = match (r.lat, r.lng) {
        (None, None) => Some(None),
        (lat, lng) => GeoPoint::check(&mut errs, "", lat, lng).map(Some),
    };
    let radius = errs.check("radius_km", radius_km(r.radius_km.unwrap_or(5.0)));
    let expected_pay = match r.expected_pay {
        None => Some(None),
        Some(p) => p.validate(&mut errs, "expected_pay").map(Some),
    };
    let id_number = match r.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => errs.check("id_number", IdNumber::parse(s)).map(Some),
    };
    let mut key_groups = Vec::new();
    for (i, g) in r.key_groups.iter().flatten().enumerate() {
        if let Some(g) = errs.check(format!("key_groups[{i}]"), KeyGroup::parse(g))
            && !key_groups.contains(&g)
        {
            key_groups.push(g);
        }
    }
    errs.into_result()?;
    Ok(ValidWorker {
        display_name: display_name.expect("checked").into_string(),
        skills,
        point: point.expect("checked"),
        radius_km: radius.expect("checked"),
        expected_pay: expected_pay.expect("checked"),
        id_number: id_number.expect("checked"),
        key_groups,
    })
}

/// Category codes must exist; duplicates are dropped; at most 20.
pub fn check_categories(conn: &mut DbConn, errs: &mut FieldErrors, field: &str, mut codes: Vec<String>) -> Result<Vec<String>, Error> {
    codes.dedup();
    if codes.len() > 20 {
        errs.add(field, Invalid::new("too_many", "最多选择 20 个职业", "at most 20 categories"));
        return Ok(Vec::new());
    }
    for bad in categories::unknown_codes(conn, &codes)? {
        let i = codes.iter().position(|c| *c == bad).unwrap_or(0);
        errs.add(format!("{field}[{i}]"), Invalid::new("unknown_category", "未知的职业代码", "unknown category code"));
    }
    Ok(codes)
}

/// The worker's own (or staff's) view of a profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkerView {
    pub id: i64,
    pub user_id: i64,
    pub display_name: String,
    /// None for a worker registered at a station desk without a phone.
    pub phone: Option<String>,
    pub skills: Vec<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub radius_km: f64,
    pub expected_pay: Option<PayBody>,
    /// Masked, e.g. `110105********002X`.
    pub id_number_masked: Option<String>,
    pub key_groups: Vec<KeyGroup>,
    /// The district of the home point (county adcode), which staff scopes are checked against.
    pub adcode: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
    /// The last 90 days: ratings from employers, completed engagements, no-show and late-cancellation rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<crate::services::reputation::ProfileStats>,
}

impl WorkerRow {
    pub fn expected_pay(&self) -> Option<PayBody> {
        match (self.expected_pay_fen, self.expected_pay_unit.as_deref().and_then(|u| PayUnit::parse(u).ok())) {
            (Some(amount_fen), Some(unit)) => Some(PayBody { amount_fen, unit }),
            _ => None,
        }
    }

    pub fn private_view(self, phone: Option<String>) -> WorkerView {
        WorkerView {
            expected_pay: self.expected_pay(),
            id: self.id,
            user_id: self.user_id,
            display_name: self.display_name,
            phone,
            skills: json_list(&self.skills),
            lat: self.lat,
            lng: self.lng,
            radius_km: self.radius_km,
            id_number_masked: self.id_number_masked,
            key_groups: json_list(&self.key_groups),
            adcode: self.adcode,
            created_at: to_display(self.created_at),
            updated_at: to_display(self.updated_at),
            stats: None,
        }
    }
}

pub fn by_user(conn: &mut DbConn, user_id: i64) -> Result<Option<WorkerRow>, Error> {
    Ok(workers::table.filter(workers::user_id.eq(user_id)).first(conn).optional()?)
}

/// The private view with the account's phone and the 90-day record.
pub fn private_view(conn: &mut DbConn, row: WorkerRow) -> Result<WorkerView, Error> {
    let phone: Option<String> = users::table.find(row.user_id).select(users::phone).first(conn)?;
    let stats = crate::services::reputation::worker_stats(conn, WorkerRef { id: row.id, user_id: row.user_id }, now_utc())?;
    Ok(WorkerView { stats: Some(stats), ..row.private_view(phone) })
}

/// The county a home point lies in, as shifts derive theirs.
pub fn district_of_point(point: Option<GeoPoint>) -> Option<String> {
    point.and_then(|p| Districts::get().nearest_county(p)).map(|d| d.adcode.clone())
}

/// The worker's district for staff scopes: the stored one, else derived from the home point
/// (rows saved before workers had one), else the district of their newest availability record.
pub fn district(conn: &mut DbConn, row: &WorkerRow) -> Result<Option<String>, Error> {
    if let Some(a) = &row.adcode {
        return Ok(Some(a.clone()));
    }
    let point = row.lat.zip(row.lng).map(|(lat, lng)| GeoPoint { lat, lng });
    if let Some(a) = district_of_point(point) {
        return Ok(Some(a));
    }
    Ok(availability::table
        .filter(availability::worker_id.eq(row.id))
        .filter(availability::adcode.is_not_null())
        .order(availability::id.desc())
        .select(availability::adcode)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<WorkerRow, Error> {
    workers::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Worker))
}

pub fn upsert(tx: &mut Tx, user_id: i64, v: ValidWorker, pii_key: &str) -> Result<WorkerRow, Error> {
    let now = tx.now();
    let existing = by_user(tx, user_id)?;
    // An omitted ID number keeps the one on file: the client never had the full number to resend.
    let (masked, hash) = match (&v.id_number, &existing) {
        (Some(id), _) => (Some(id.masked()), Some(id.keyed_hash(pii_key))),
        (None, Some(old)) => (old.id_number_masked.clone(), old.id_number_hash.clone()),
        (None, None) => (None, None),
    };
    let has_number = hash.is_some();
    if let Some(h) = &hash {
        let clash: i64 = workers::table.filter(workers::id_number_hash.eq(h)).filter(workers::user_id.ne(user_id)).count().get_result(tx.conn())?;
        if clash > 0 {
            return Err(Error::Conflict(Conflict::IdNumberTaken));
        }
    }
    // A new home point moves the worker's district; without one the district on file stays.
    let adcode = district_of_point(v.point).or_else(|| existing.as_ref().and_then(|o| o.adcode.clone()));
    let values = (
        workers::display_name.eq(&v.display_name),
        workers::skills.eq(to_json(&v.skills)),
        workers::lat.eq(v.point.map(|p| p.lat)),
        workers::lng.eq(v.point.map(|p| p.lng)),
        workers::radius_km.eq(v.radius_km),
        workers::expected_pay_fen.eq(v.expected_pay.map(|p| p.amount_fen)),
        workers::expected_pay_unit.eq(v.expected_pay.map(|p| p.unit.as_str())),
        workers::id_number_masked.eq(masked),
        workers::id_number_hash.eq(hash),
        workers::key_groups.eq(to_json(&v.key_groups)),
        workers::adcode.eq(adcode),
        workers::updated_at.eq(now),
    );
    // Two accounts racing with one number meet the unique index; the loser gets the same answer
    // as the check above, never a different body.
    let same_answer = |e: diesel::result::Error| match Error::from(e) {
        Error::Conflict(Conflict::Duplicate) if has_number => Error::Conflict(Conflict::IdNumberTaken),
        other => other,
    };
    let id = match existing {
        Some(old) => {
            diesel::update(workers::table.find(old.id)).set(values).execute(tx.conn()).map_err(same_answer)?;
            old.id
        }
        None => diesel::insert_into(workers::table)
            .values((values, workers::user_id.eq(user_id), workers::created_at.eq(now)))
            .returning(workers::id)
            .get_result(tx.conn())
            .map_err(same_answer)?,
    };
    tx.record(Entity::Worker, id)?;
    by_id(tx, id)
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for every front end.
// ---------------------------------------------------------------------------------------------

/// Create or change the signed-in worker's profile.
pub async fn put_mine(svc: &Services, user: &AuthUser, req: WorkerRequest) -> Result<WorkerView, Error> {
    user.require(&[Role::Worker])?;
    let (user_id, key) = (user.id, svc.config.auth.pii_hash_key.clone());
    svc.db
        .tx(move |tx| {
            let valid = validate(tx, &req)?;
            let row = upsert(tx, user_id, valid, &key)?;
            private_view(tx, row)
        })
        .await
}

/// The field errors `put_mine` would give for `req`, saving nothing: a form that has already
/// refused some of its own inputs (a number that is not one) shows the rest of its errors with them.
pub async fn check_mine(svc: &Services, user: &AuthUser, req: WorkerRequest) -> Result<(), Error> {
    user.require(&[Role::Worker])?;
    svc.db.run(move |conn| validate(conn, &req).map(|_| ())).await
}

/// The signed-in worker's profile, private fields included.
pub async fn get_mine(svc: &Services, user: &AuthUser) -> Result<WorkerView, Error> {
    user.require(&[Role::Worker])?;
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let row = by_user(conn, user_id)?.ok_or(Error::NotFound(Thing::WorkerProfile))?;
            private_view(conn, row)
        })
        .await
}

/// The private fields a staff view of a profile shows, as the audit log names them.
pub const STAFF_VIEW_FIELDS: &[&str] = &[audit::fields::PHONE, audit::fields::ID_NUMBER, audit::fields::KEY_GROUPS];

/// A worker's profile for staff (community stations help workers in person): only workers in the
/// staff member's districts, and every such read is written to the audit log.
pub async fn get_for_staff(svc: &Services, user: &AuthUser, id: i64) -> Result<WorkerView, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::staff(tx, &user)?;
            let row = by_id(tx, id)?;
            let adcode = district(tx, &row)?;
            // The home point too: a station's area reaches across county lines by distance.
            let home = row.lat.zip(row.lng).map(|(lat, lng)| GeoPoint { lat, lng });
            scope.check(Place { adcode: adcode.as_deref(), point: home })?;
            audit::private_read(tx, UserId(scope.user_id), WorkerId(row.id), STAFF_VIEW_FIELDS, "workers.get")?;
            let view = private_view(tx, row)?;
            Ok(WorkerView { adcode, ..view })
        })
        .await
}
