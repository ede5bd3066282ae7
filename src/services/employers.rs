//! Employer profiles (用人单位 / 个人雇主 / 家庭).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
pub use crate::db::models::{EmployerRow, ShiftRow};
use crate::db::schema::{employers, shifts};
use crate::db::{DbConn, Tx};
use crate::domain::notification::{EmployerBlocked, EmployerVerified, Notification};
use crate::domain::time::to_display;
use crate::domain::{BoundedText, CreditCode, EmployerKind, GeoPoint, Phone};
use crate::domain::{EmployerId, ShiftId, UserId};
use crate::domain::{Role, ShiftStatus};
use crate::error::{Conflict, Denied, Error, FieldErrors, Invalid, Thing};
use crate::services::Services;
use crate::services::districts::{Districts, ServiceArea};
use crate::services::reputation::EmployerRef;
use crate::services::{audit, outbox};
use serde_json::json;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployerRequest {
    /// Registered name (must match the business licence for enterprises).
    pub name: Option<String>,
    #[schema(value_type = Option<EmployerKind>)]
    pub kind: Option<String>,
    /// 统一社会信用代码, required for enterprises.
    pub credit_code: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// 12- or 6-digit district code; inferred from the point when omitted.
    pub adcode: Option<String>,
    /// 单位情况: what the employer does.
    pub description: Option<String>,
}

pub struct ValidEmployer {
    name: String,
    kind: EmployerKind,
    credit_code: Option<CreditCode>,
    contact_name: String,
    contact_phone: Phone,
    address: String,
    point: GeoPoint,
    adcode: Option<String>,
    description: String,
}

/// Checks a posted profile, naming every bad field.
pub fn validate(r: &EmployerRequest, area: &ServiceArea) -> Result<ValidEmployer, Error> {
    let mut errs = FieldErrors::new();
    let name = errs.check("name", BoundedText::parse(r.name.as_deref().unwrap_or(""), 2, 100));
    let kind = errs.check("kind", r.kind.as_deref().ok_or_else(Invalid::required).and_then(EmployerKind::parse));
    let credit_code = match r.credit_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => errs.check("credit_code", CreditCode::parse(c)).map(Some),
        None if kind == Some(EmployerKind::Enterprise) => {
            errs.add("credit_code", Invalid::new("required", "企业必须填写统一社会信用代码", "enterprises must give their unified social credit code"));
            None
        }
        None => Some(None),
    };
    let contact_name = errs.check("contact_name", BoundedText::parse(r.contact_name.as_deref().unwrap_or(""), 1, 40));
    let contact_phone = errs.check("contact_phone", r.contact_phone.as_deref().ok_or_else(Invalid::required).and_then(Phone::parse));
    let address = errs.check("address", BoundedText::parse(r.address.as_deref().unwrap_or(""), 2, 200));
    let point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
    let adcode = resolve_adcode(&mut errs, "adcode", r.adcode.as_deref(), point, area);
    let description = errs.check("description", BoundedText::parse(r.description.as_deref().unwrap_or(""), 0, 2000));
    errs.into_result()?;
    Ok(ValidEmployer {
        name: name.expect("checked").into_string(),
        kind: kind.expect("checked"),
        credit_code: credit_code.expect("checked"),
        contact_name: contact_name.expect("checked").into_string(),
        contact_phone: contact_phone.expect("checked"),
        address: address.expect("checked").into_string(),
        point: point.expect("checked"),
        adcode: adcode.expect("checked"),
        description: description.expect("checked").into_string(),
    })
}

/// The district of a point, through the one place rule (`Districts::place`): a field error when
/// the adcode disagrees with the point or the place is outside the service area.
pub fn resolve_adcode(errs: &mut FieldErrors, field: &str, given: Option<&str>, point: Option<GeoPoint>, area: &ServiceArea) -> Option<Option<String>> {
    match point {
        Some(p) => errs.check(field, Districts::get().place(given, p, area)).map(|d| Some(d.adcode.clone())),
        // Without a valid point its own error stands; a code that is no district is named too.
        None => {
            if given.map(str::trim).filter(|s| !s.is_empty()).is_some_and(|c| Districts::get().normalize(c).is_none()) {
                errs.add(field, Invalid::new("unknown_adcode", "未知的行政区划代码", "unknown district code (adcode)"));
            }
            None
        }
    }
}

/// The columns a profile fills, written the same way on insert and on update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = employers, treat_none_as_null = true)]
struct EmployerFields<'a> {
    name: &'a str,
    kind: &'a str,
    credit_code: Option<&'a str>,
    contact_name: &'a str,
    contact_phone: &'a str,
    address: &'a str,
    lat: f64,
    lng: f64,
    adcode: Option<&'a str>,
    description: &'a str,
}

impl<'a> EmployerFields<'a> {
    fn of(v: &'a ValidEmployer) -> EmployerFields<'a> {
        EmployerFields {
            name: &v.name,
            kind: v.kind.as_str(),
            credit_code: v.credit_code.as_ref().map(|c| c.as_str()),
            contact_name: &v.contact_name,
            contact_phone: v.contact_phone.as_str(),
            address: &v.address,
            lat: v.point.lat,
            lng: v.point.lng,
            adcode: v.adcode.as_deref(),
            description: &v.description,
        }
    }
}

/// An employer profile. Contact fields are present only for the owner and staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub credit_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: Option<String>,
    pub description: String,
    /// 实名认证: set only by bureau staff.
    pub verified: bool,
    /// Blocked by staff: shifts hidden, no new postings.
    pub blocked: bool,
    pub blocked_reason: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
    /// The last 90 days: ratings from workers, completed engagements, late cancellations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<crate::services::reputation::ProfileStats>,
}

impl EmployerRow {
    pub fn view(self, with_contact: bool) -> EmployerView {
        EmployerView {
            id: self.id,
            name: self.name,
            kind: self.kind,
            credit_code: self.credit_code,
            contact_name: with_contact.then_some(self.contact_name),
            contact_phone: with_contact.then_some(self.contact_phone),
            address: self.address,
            lat: self.lat,
            lng: self.lng,
            adcode: self.adcode,
            description: self.description,
            verified: self.verified,
            blocked: self.blocked,
            blocked_reason: self.blocked_reason,
            verified_at: self.verified_at.map(to_display),
            created_at: to_display(self.created_at),
            updated_at: to_display(self.updated_at),
            stats: None,
        }
    }
}

/// The profile with its 90-day record.
pub fn view_with_stats(conn: &mut DbConn, row: EmployerRow, with_contact: bool) -> Result<EmployerView, Error> {
    let stats = crate::services::reputation::employer_stats(conn, EmployerRef { id: row.id, user_id: row.user_id }, crate::domain::time::now_utc())?;
    Ok(EmployerView { stats: Some(stats), ..row.view(with_contact) })
}

pub fn by_user(conn: &mut DbConn, user_id: i64) -> Result<Option<EmployerRow>, Error> {
    Ok(employers::table.filter(employers::user_id.eq(user_id)).first(conn).optional()?)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<EmployerRow, Error> {
    employers::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Employer))
}

/// Creates or replaces the user's profile. Changing the name, kind or credit code withdraws the
/// verification (staff verified the old identity, not the new one) and sends the employer's
/// published shifts back to review, where the new identity is read before workers see it again.
pub fn upsert(tx: &mut Tx, user_id: i64, v: ValidEmployer) -> Result<EmployerRow, Error> {
    upsert_screened(tx, user_id, v, false)
}

/// [`upsert`] for a profile whose text the listing rules sent to review (`review`): it is kept,
/// but loses its verification and its published shifts go back to review like after an identity
/// change, until a moderator has read it and verifies the employer again.
pub fn upsert_screened(tx: &mut Tx, user_id: i64, v: ValidEmployer, review: bool) -> Result<EmployerRow, Error> {
    let now = tx.now();
    let code = v.credit_code.as_ref().map(|c| c.as_str().to_string());
    let id = match by_user(tx, user_id)? {
        Some(old) => {
            let identity_changed = old.name != v.name || old.credit_code != code || old.kind != v.kind.as_str();
            if identity_changed || review {
                shifts_back_to_review(tx, old.id, now)?;
            }
            let keep_verified = old.verified && !identity_changed && !review;
            diesel::update(employers::table.find(old.id))
                .set((
                    EmployerFields::of(&v),
                    employers::verified.eq(keep_verified),
                    employers::verified_at.eq(if keep_verified { old.verified_at } else { None }),
                    employers::verified_by.eq(if keep_verified { old.verified_by } else { None }),
                    employers::updated_at.eq(now),
                ))
                .execute(tx.conn())?;
            old.id
        }
        None => diesel::insert_into(employers::table)
            .values((
                EmployerFields::of(&v),
                employers::user_id.eq(user_id),
                employers::verified.eq(false),
                employers::created_at.eq(now),
                employers::updated_at.eq(now),
            ))
            .returning(employers::id)
            .get_result(tx.conn())?,
    };
    // The employer's name is searchable on its shifts.
    tx.record(Entity::Employer, id)?;
    by_id(tx, id)
}

/// The employer's published shifts wait for a moderator again; each is recorded so search drops it.
fn shifts_back_to_review(tx: &mut Tx, employer_id: i64, now: NaiveDateTime) -> Result<(), Error> {
    let live: Vec<i64> = shifts::table
        .filter(shifts::employer_id.eq(employer_id))
        .filter(shifts::status.eq(ShiftStatus::Published.as_str()))
        .select(shifts::id)
        .load(tx.conn())?;
    if live.is_empty() {
        return Ok(());
    }
    diesel::update(shifts::table.filter(shifts::id.eq_any(&live)))
        .set((shifts::status.eq(ShiftStatus::PendingReview.as_str()), shifts::published_at.eq(None::<NaiveDateTime>), shifts::updated_at.eq(now)))
        .execute(tx.conn())?;
    for id in live {
        tx.record(Entity::Shift, id)?;
    }
    Ok(())
}

pub fn verify(tx: &mut Tx, id: EmployerId, staff_id: UserId) -> Result<EmployerRow, Error> {
    let (id, staff_id) = (id.get(), staff_id.get());
    let row = by_id(tx, id)?;
    if row.kind == EmployerKind::Enterprise.as_str() && row.credit_code.is_none() {
        return Err(Error::Conflict(Conflict::CreditCodeMissing));
    }
    let now = tx.now();
    diesel::update(employers::table.find(id))
        .set((employers::verified.eq(true), employers::verified_at.eq(now), employers::verified_by.eq(staff_id), employers::updated_at.eq(now)))
        .execute(tx.conn())?;
    tx.record(Entity::Employer, id)?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: staff_id,
            action: "employer.verify",
            target_type: "employer",
            target_id: id,
            reason: None,
            before: Some(json!({"verified": row.verified, "name": row.name, "credit_code": row.credit_code})),
            after: Some(json!({"verified": true})),
        },
    )?;
    outbox::enqueue_to_user(tx, row.user_id, &Notification::EmployerVerified(EmployerVerified { employer_id: id, name: row.name }))?;
    by_id(tx, id)
}

/// Stops an employer from posting and hides their shifts (e.g. confirmed wage arrears).
pub fn block(tx: &mut Tx, id: EmployerId, staff_id: UserId, reason: &str) -> Result<EmployerRow, Error> {
    let (id, staff_id) = (id.get(), staff_id.get());
    let row = by_id(tx, id)?;
    let now = tx.now();
    diesel::update(employers::table.find(id))
        .set((employers::blocked.eq(true), employers::blocked_reason.eq(reason), employers::blocked_at.eq(now), employers::updated_at.eq(now)))
        .execute(tx.conn())?;
    tx.record(Entity::Employer, id)?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: staff_id,
            action: "employer.block",
            target_type: "employer",
            target_id: id,
            reason: Some(reason),
            before: Some(json!({"blocked": row.blocked, "blocked_reason": row.blocked_reason})),
            after: Some(json!({"blocked": true, "blocked_reason": reason})),
        },
    )?;
    let note = Notification::EmployerBlocked(EmployerBlocked { employer_id: id, name: row.name, reason: reason.to_string() });
    outbox::enqueue_to_user(tx, row.user_id, &note)?;
    by_id(tx, id)
}

pub fn unblock(tx: &mut Tx, id: EmployerId, staff_id: UserId, reason: &str) -> Result<EmployerRow, Error> {
    let (id, staff_id) = (id.get(), staff_id.get());
    let row = by_id(tx, id)?;
    diesel::update(employers::table.find(id))
        .set((
            employers::blocked.eq(false),
            employers::blocked_reason.eq(None::<String>),
            employers::blocked_at.eq(None::<NaiveDateTime>),
            employers::updated_at.eq(tx.now()),
        ))
        .execute(tx.conn())?;
    tx.record(Entity::Employer, id)?;
    audit::record(
        tx,
        audit::Entry {
            actor_id: staff_id,
            action: "employer.unblock",
            target_type: "employer",
            target_id: id,
            reason: Some(reason),
            before: Some(json!({"blocked": row.blocked, "blocked_reason": row.blocked_reason})),
            after: Some(json!({"blocked": false})),
        },
    )?;
    by_id(tx, id)
}

/// The caller's employer profile, which must exist before posting.
pub fn require_employer(conn: &mut DbConn, user_id: i64) -> Result<EmployerRow, Error> {
    by_user(conn, user_id)?.ok_or(Error::Conflict(Conflict::EmployerProfileRequired))
}

/// Refuses postings and edits from an employer that staff have blocked.
pub fn refuse_if_blocked(employer: &EmployerRow) -> Result<(), Error> {
    if employer.blocked {
        return Err(Error::Forbidden(Denied::EmployerBlocked { reason: employer.blocked_reason.clone() }));
    }
    Ok(())
}

/// The owning employer's shift, or 403 for someone else's, 404 for none.
pub fn owned(conn: &mut DbConn, user_id: UserId, shift_id: ShiftId) -> Result<(EmployerRow, ShiftRow), Error> {
    let shift = ShiftRow::find(conn, shift_id.get())?;
    let employer = by_user(conn, user_id.get())?;
    match employer {
        Some(e) if e.id == shift.employer_id => Ok((e, shift)),
        _ => Err(Error::forbidden()),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for every front end.
// ---------------------------------------------------------------------------------------------

/// Create or change the signed-in employer's profile.
/// Workers read the profile on every shift: its name, description and address are screened like
/// a posting, before the write transaction opens. A refusal is a 422 naming each finding;
/// `Ok(true)` means review, which keeps the profile but withdraws the verification (see
/// `upsert_screened`).
pub fn screen(rules: &crate::listing::Rules, valid: &ValidEmployer) -> Result<bool, Error> {
    let findings = rules.screen(&[("name", &valid.name), ("description", &valid.description), ("address", &valid.address)]);
    let refused = crate::listing::refusals(&findings);
    if !refused.is_empty() {
        return Err(Error::Validation(refused));
    }
    Ok(findings.iter().any(|f| f.severity == crate::listing::Severity::Review))
}

pub async fn put_mine(svc: &Services, user: &AuthUser, req: EmployerRequest) -> Result<EmployerView, Error> {
    user.require(&[Role::Employer])?;
    let valid = validate(&req, &svc.config.listing.service_area)?;
    let review = screen(&svc.rules, &valid)?;
    let user_id = user.id;
    Ok(svc.db.tx(move |tx| upsert_screened(tx, user_id, valid, review)).await?.view(true))
}

/// The signed-in employer's profile with its record.
pub async fn get_mine(svc: &Services, user: &AuthUser) -> Result<EmployerView, Error> {
    user.require(&[Role::Employer])?;
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let row = by_user(conn, user_id)?.ok_or(Error::NotFound(Thing::EmployerProfile))?;
            view_with_stats(conn, row, true)
        })
        .await
}

/// An employer's public profile; contact details for the employer itself and staff.
pub async fn get(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<EmployerView, Error> {
    let viewer = viewer.map(|u| (u.id, u.role.is_staff()));
    svc.db
        .run(move |conn| {
            let row = by_id(conn, id)?;
            let with_contact = viewer.is_some_and(|(user_id, staff)| staff || user_id == row.user_id);
            let mut v = view_with_stats(conn, row, with_contact)?;
            if !with_contact && crate::services::views::is_home_workplace(&v.kind) {
                (v.address, v.lat, v.lng) = crate::services::views::coarse_place(v.adcode.as_deref(), v.lat, v.lng);
            }
            Ok(v)
        })
        .await
}
