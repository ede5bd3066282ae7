//! Shifts (岗位): what an employer posts. Every path that creates or changes one goes through
//! `validate`, so the API, imports and staff edits apply the same rules.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::changes::Entity;
pub use crate::db::models::{ShiftRow, SlotRow};
use crate::db::schema::{categories, employers, shift_slots, shifts};
use crate::db::{DbConn, Tx};
use crate::domain::Role;
pub use crate::domain::shift::ValidShift;
use crate::domain::shift::{Terms, compare_terms};
use crate::domain::time::{parse_instant, to_display};
use crate::domain::{BoundedText, EmploymentType, GeoPoint, PayUnit, Settlement, ShiftStatus, TakeMode, TimeSlot};
use crate::domain::{ShiftId, UserId};
use crate::error::{Conflict, Error, FieldError, FieldErrors, Invalid, Msg, Thing};
use crate::listing::{Decision, Finding, Posting, Rules, Severity, Verdict};
use crate::ratelimit::Budget;
use crate::services::districts::ServiceArea;
use crate::services::employers::{EmployerRow, resolve_adcode};
pub use crate::services::employers::{owned, refuse_if_blocked, require_employer};
use crate::services::page::{Page, PageRequest};
use crate::services::scope::{Place, StaffScope};
use crate::services::views::PlaceOf;
pub use crate::services::views::SlotView;
use crate::services::workers::PayBody;
use crate::services::{Services, audit, engagements};

/// Longest a posting may stay open without being refreshed (有效期).
pub const MAX_VALIDITY_DAYS: i64 = 180;
pub const MAX_SLOTS: usize = 60;
pub const MAX_HEADCOUNT: i64 = 500;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotBody {
    /// RFC 3339 with offset, e.g. `2026-11-28T08:00:00+08:00`.
    pub start: String,
    pub end: String,
}

/// The body of `POST /api/v1/shifts` and `PATCH /api/v1/shifts/{id}` (every field optional there).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftRequest {
    pub title: Option<String>,
    /// 工作内容.
    pub description: Option<String>,
    /// 招聘条件.
    pub requirements: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// 招聘人数.
    pub headcount: Option<i64>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub adcode: Option<String>,
    pub slots: Option<Vec<SlotBody>>,
    pub pay: Option<PayBody>,
    #[schema(value_type = Option<Settlement>)]
    pub settlement: Option<String>,
    #[schema(value_type = Option<EmploymentType>)]
    pub employment_type: Option<String>,
    #[schema(value_type = Option<TakeMode>)]
    pub take_mode: Option<String>,
    /// 有效期: RFC 3339 with offset, within 180 days.
    pub valid_through: Option<String>,
    /// 试用期 in days, if the posting sets one (none is allowed for part-time work).
    pub probation_days: Option<i64>,
    /// For a piece rate (`pay.unit` = `piece`): the minutes one piece takes, 1–600, as the
    /// employer estimates it. It gives the piece rate a pay per hour, checked against the local
    /// minimum wage; without it a piece-rate posting goes to a moderator. Ignored for other units.
    #[schema(minimum = 1, maximum = 600)]
    pub minutes_per_piece: Option<i64>,
}

/// Keys that would attach a price to a listing. Posting is free for everyone (国办发〔2020〕27号,
/// 人社部发〔2022〕38号), so such a request is refused outright rather than ignored.
const CHARGE_KEYS: &[&str] = &["fee", "fees", "price", "deposit", "listing_fee", "charge", "cost", "payment", "promotion_fee", "top_fee", "service_fee"];

pub fn refuse_listing_charges(raw: &serde_json::Value) -> Result<(), Error> {
    let Some(obj) = raw.as_object() else { return Ok(()) };
    let found: Vec<&str> = CHARGE_KEYS.iter().copied().filter(|k| obj.contains_key(*k)).collect();
    if found.is_empty() {
        return Ok(());
    }
    let fields = found
        .into_iter()
        .map(|k| FieldError {
            field: k.to_string(),
            code: "posting_is_free".into(),
            msg: Msg::new("岗位信息免费发布，不接受收费字段", "listings are free; charge fields are not accepted"),
        })
        .collect();
    Err(Error::PostingIsFree(fields))
}

fn text(errs: &mut FieldErrors, field: &str, v: &Option<String>, min: usize, max: usize) -> Option<String> {
    errs.check(field, BoundedText::parse(v.as_deref().unwrap_or(""), min, max)).map(BoundedText::into_string)
}

fn code<T>(errs: &mut FieldErrors, field: &str, v: &Option<String>, default: Option<T>, parse: fn(&str) -> Result<T, Invalid>) -> Option<T> {
    match (v.as_deref(), default) {
        (Some(s), _) => errs.check(field, parse(s)),
        (None, Some(d)) => Some(d),
        (None, None) => {
            errs.add(field, Invalid::required());
            None
        }
    }
}

/// Checks every field of a posting at once. `now` is passed in so rules are testable.
pub fn validate(conn: &mut DbConn, r: &ShiftRequest, now: NaiveDateTime, area: &ServiceArea) -> Result<ValidShift, Error> {
    let mut errs = FieldErrors::new();
    let title = text(&mut errs, "title", &r.title, 2, 60);
    let description = text(&mut errs, "description", &r.description, 5, 5000);
    let requirements = text(&mut errs, "requirements", &r.requirements, 1, 2000);
    let category = match r.category.as_deref() {
        None => {
            errs.add("category", Invalid::required());
            None
        }
        Some(c) => {
            let known: i64 = categories::table.filter(categories::code.eq(c)).count().get_result(conn)?;
            if known == 0 {
                errs.add(
                    "category",
                    Invalid::new("unknown_category", "未知的职业代码（见 /api/v1/categories）", "unknown category code (see /api/v1/categories)"),
                );
                None
            } else {
                Some(c.to_string())
            }
        }
    };
    let headcount = match r.headcount {
        None => {
            errs.add("headcount", Invalid::required());
            None
        }
        Some(n) if (1..=MAX_HEADCOUNT).contains(&n) => Some(n as i32),
        Some(_) => {
            errs.add(
                "headcount",
                Invalid::new("out_of_range", format!("招聘人数应在 1 到 {MAX_HEADCOUNT} 之间"), format!("headcount must be 1 to {MAX_HEADCOUNT}")),
            );
            None
        }
    };
    let address = text(&mut errs, "address", &r.address, 2, 200);
    let point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
    let adcode = resolve_adcode(&mut errs, "adcode", r.adcode.as_deref(), point, area);
    let slots = validate_slots(&mut errs, r.slots.as_deref(), now);
    let pay = match r.pay {
        None => {
            errs.add("pay", Invalid::required());
            None
        }
        Some(p) => p.validate(&mut errs, "pay"),
    };
    let settlement = code(&mut errs, "settlement", &r.settlement, None, Settlement::parse);
    let employment_type = code(&mut errs, "employment_type", &r.employment_type, None, EmploymentType::parse);
    let take_mode = code(&mut errs, "take_mode", &r.take_mode, Some(TakeMode::Apply), TakeMode::parse);
    let valid_through = match r.valid_through.as_deref() {
        None => {
            errs.add("valid_through", Invalid::required());
            None
        }
        Some(s) => match parse_instant(s) {
            Err(e) => {
                errs.add("valid_through", e);
                None
            }
            Ok(t) if t <= now => {
                errs.add("valid_through", Invalid::new("in_the_past", "有效期必须晚于当前时间", "valid_through must be in the future"));
                None
            }
            Ok(t) if t > now + Duration::days(MAX_VALIDITY_DAYS) => {
                errs.add(
                    "valid_through",
                    Invalid::new(
                        "too_far",
                        format!("有效期不能超过 {MAX_VALIDITY_DAYS} 天，到期后可刷新"),
                        format!("valid_through may be at most {MAX_VALIDITY_DAYS} days ahead; refresh the posting later"),
                    ),
                );
                None
            }
            Ok(t) => Some(t),
        },
    };
    let probation_days = match r.probation_days {
        None => Some(0),
        Some(d) if (0..=180).contains(&d) => Some(d as i32),
        Some(_) => {
            errs.add("probation_days", Invalid::new("out_of_range", "试用期应在 0 到 180 天之间", "probation_days must be 0 to 180"));
            None
        }
    };
    let minutes_per_piece = match (pay.map(|p| p.unit), r.minutes_per_piece) {
        (Some(PayUnit::Piece), Some(m)) => errs.check("minutes_per_piece", crate::domain::pay::minutes_per_piece(m)).map(Some),
        _ => Some(None),
    };
    errs.into_result()?;
    Ok(ValidShift {
        probation_days: probation_days.expect("checked"),
        minutes_per_piece: minutes_per_piece.expect("checked"),
        title: title.expect("checked"),
        description: description.expect("checked"),
        requirements: requirements.expect("checked"),
        category: category.expect("checked"),
        headcount: headcount.expect("checked"),
        address: address.expect("checked"),
        point: point.expect("checked"),
        adcode: adcode.expect("checked"),
        slots: slots.expect("checked"),
        pay: pay.expect("checked"),
        settlement: settlement.expect("checked"),
        employment_type: employment_type.expect("checked"),
        take_mode: take_mode.expect("checked"),
        valid_through: valid_through.expect("checked"),
    })
}

/// One to 60 slots, each valid, none already over, none starting more than a year out, no two
/// overlapping.
pub fn validate_slots(errs: &mut FieldErrors, slots: Option<&[SlotBody]>, now: NaiveDateTime) -> Option<Vec<TimeSlot>> {
    let Some(slots) = slots else {
        errs.add("slots", Invalid::required());
        return None;
    };
    if slots.is_empty() {
        errs.add("slots", Invalid::new("required", "至少需要一个工作时段", "at least one slot is required"));
        return None;
    }
    if slots.len() > MAX_SLOTS {
        errs.add("slots", Invalid::new("too_many", format!("最多 {MAX_SLOTS} 个时段"), format!("at most {MAX_SLOTS} slots")));
        return None;
    }
    let before = errs.len();
    let mut out = Vec::with_capacity(slots.len());
    for (i, s) in slots.iter().enumerate() {
        let start = errs.check(format!("slots[{i}].start"), parse_instant(&s.start));
        let end = errs.check(format!("slots[{i}].end"), parse_instant(&s.end));
        let (Some(start), Some(end)) = (start, end) else { continue };
        let Some(slot) = errs.check(format!("slots[{i}].end"), TimeSlot::new(start, end)) else { continue };
        if slot.end <= now {
            errs.add(format!("slots[{i}].end"), Invalid::new("in_the_past", "该时段已经结束", "this slot is already over"));
            continue;
        }
        if slot.start > now + Duration::days(365) {
            errs.add(format!("slots[{i}].start"), Invalid::new("too_far", "时段不能在一年以后", "a slot may start at most one year ahead"));
            continue;
        }
        if let Some(j) = out.iter().position(|o: &(usize, TimeSlot)| o.1.start < slot.end && slot.start < o.1.end) {
            errs.add(
                format!("slots[{i}]"),
                Invalid::new("overlapping_slots", format!("与第 {} 个时段重叠", out[j].0 + 1), format!("overlaps slots[{}]", out[j].0)),
            );
            continue;
        }
        out.push((i, slot));
    }
    if errs.len() > before {
        return None;
    }
    let mut slots: Vec<TimeSlot> = out.into_iter().map(|(_, s)| s).collect();
    slots.sort_by_key(|s| s.start);
    Some(slots)
}

/// The columns a posting's content fills, written the same way on insert and on update.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = shifts, treat_none_as_null = true)]
struct ShiftFields<'a> {
    title: &'a str,
    description: &'a str,
    requirements: &'a str,
    category_code: &'a str,
    headcount: i32,
    address: &'a str,
    lat: f64,
    lng: f64,
    adcode: Option<&'a str>,
    pay_amount_fen: i64,
    pay_unit: &'a str,
    settlement: &'a str,
    employment_type: &'a str,
    take_mode: &'a str,
    valid_through: NaiveDateTime,
    probation_days: i32,
    minutes_per_piece: Option<i32>,
}

impl<'a> ShiftFields<'a> {
    fn of(v: &'a ValidShift) -> ShiftFields<'a> {
        ShiftFields {
            title: &v.title,
            description: &v.description,
            requirements: &v.requirements,
            category_code: &v.category,
            headcount: v.headcount,
            address: &v.address,
            lat: v.point.lat,
            lng: v.point.lng,
            adcode: v.adcode.as_deref(),
            pay_amount_fen: v.pay.amount_fen,
            pay_unit: v.pay.unit.as_str(),
            settlement: v.settlement.as_str(),
            employment_type: v.employment_type.as_str(),
            take_mode: v.take_mode.as_str(),
            valid_through: v.valid_through,
            probation_days: v.probation_days,
            minutes_per_piece: v.minutes_per_piece,
        }
    }
}

/// What the free-listing rules say about this posting from this employer. The weekly part-time
/// limit is checked per posting here; across one worker's engagements it belongs to the
/// engagement workflow.
pub fn verdict(rules: &Rules, employer: &EmployerRow, v: &ValidShift) -> Verdict {
    let mut p = Posting::from_shift(v, &employer.description);
    p.employer_name = &employer.name;
    p.probation_days = (v.probation_days > 0).then_some(v.probation_days as i64);
    rules.evaluate(&p, employer.verified)
}

/// Refused postings are never stored: the error names each finding and quotes what triggered it.
pub fn refuse(verdict: &Verdict) -> Result<(), Error> {
    if verdict.decision != Decision::Refuse {
        return Ok(());
    }
    let fields = verdict
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Refuse)
        .map(|f| FieldError { field: f.field.clone().unwrap_or_else(|| "posting".into()), code: f.code.clone(), msg: f.message.clone() })
        .collect();
    Err(Error::PostingRefused(fields))
}

/// Published at once when the rules found nothing and the employer is verified; otherwise reviewed.
pub fn status_for(verdict: &Verdict) -> ShiftStatus {
    if verdict.decision == Decision::Publish { ShiftStatus::Published } else { ShiftStatus::PendingReview }
}

fn risk(verdict: &Verdict) -> i32 {
    verdict.findings.iter().map(|f| if f.severity == Severity::Refuse { 2 } else { 1 }).max().unwrap_or(0)
}

impl ShiftRow {
    /// The stored posting as a request, so a PATCH can be merged over it and validated whole.
    fn as_request(&self, slots: &[SlotRow]) -> ShiftRequest {
        ShiftRequest {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            requirements: Some(self.requirements.clone()),
            category: Some(self.category_code.clone()),
            headcount: Some(self.headcount as i64),
            address: Some(self.address.clone()),
            lat: Some(self.lat),
            lng: Some(self.lng),
            adcode: self.adcode.clone(),
            slots: Some(slots.iter().map(|s| SlotBody { start: to_display(s.start_at).to_rfc3339(), end: to_display(s.end_at).to_rfc3339() }).collect()),
            pay: Some(PayBody { amount_fen: self.pay_amount_fen, unit: self.pay_unit }),
            settlement: Some(self.settlement.as_str().into()),
            employment_type: Some(self.employment_type.as_str().into()),
            take_mode: Some(self.take_mode.as_str().into()),
            valid_through: Some(to_display(self.valid_through).to_rfc3339()),
            probation_days: Some(self.probation_days as i64),
            minutes_per_piece: self.minutes_per_piece.map(i64::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployerSummary {
    pub id: i64,
    pub name: String,
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftView {
    pub id: i64,
    pub status: ShiftStatus,
    pub employer: EmployerSummary,
    pub title: String,
    pub description: String,
    pub requirements: String,
    pub category: String,
    pub category_name: String,
    pub headcount: i32,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: Option<String>,
    pub slots: Vec<SlotView>,
    pub pay: PayBody,
    /// The pay per hour it comes to (fen), for comparing a day, shift or piece rate with an hourly
    /// one: the lowest of its days or slots; for a piece rate, through `minutes_per_piece`.
    /// Absent for a piece rate without that estimate.
    pub pay_per_hour_fen: Option<i64>,
    /// For a piece rate: the employer's estimate of the minutes one piece takes.
    pub minutes_per_piece: Option<i32>,
    pub settlement: Settlement,
    pub employment_type: EmploymentType,
    pub take_mode: TakeMode,
    #[schema(value_type = String, format = DateTime)]
    pub valid_through: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Why a moderator rejected or took down the shift (its owner acts on this).
    pub rejection_code: Option<String>,
    pub rejection_reason: Option<String>,
}

/// Loads full views (slots, employer summary, category name) for the given rows, in their order.
pub fn views(conn: &mut DbConn, rows: Vec<ShiftRow>) -> Result<Vec<ShiftView>, Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut slots: HashMap<i64, Vec<SlotRow>> = HashMap::new();
    for s in shift_slots::table.filter(shift_slots::shift_id.eq_any(&ids)).order(shift_slots::start_at.asc()).load::<SlotRow>(conn)? {
        slots.entry(s.shift_id).or_default().push(s);
    }
    let employer_ids: Vec<i64> = rows.iter().map(|r| r.employer_id).collect();
    let emps: HashMap<i64, EmployerSummary> = employers::table
        .filter(employers::id.eq_any(&employer_ids))
        .select((employers::id, employers::name, employers::verified))
        .load::<(i64, String, bool)>(conn)?
        .into_iter()
        .map(|(id, name, verified)| (id, EmployerSummary { id, name, verified }))
        .collect();
    let cats: HashMap<String, String> = categories::table.select((categories::code, categories::name_zh)).load::<(String, String)>(conn)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let own_slots = slots.remove(&r.id).unwrap_or_default();
            let pay = crate::domain::pay::Pay { amount_fen: r.pay_amount_fen, unit: r.pay_unit };
            let pay_per_hour_fen =
                crate::domain::pay::hourly_fen(pay, r.minutes_per_piece, own_slots.iter().map(|s| (s.start_at, s.end_at))).map(|f| f.round() as i64);
            (r, own_slots, pay_per_hour_fen)
        })
        .map(|(r, own_slots, pay_per_hour_fen)| ShiftView {
            id: r.id,
            status: r.status(),
            employer: emps.get(&r.employer_id).cloned().unwrap_or(EmployerSummary { id: r.employer_id, name: String::new(), verified: false }),
            category_name: cats.get(&r.category_code).cloned().unwrap_or_default(),
            slots: own_slots.into_iter().map(|s| SlotView { id: s.id, start: to_display(s.start_at), end: to_display(s.end_at) }).collect(),
            pay: PayBody { amount_fen: r.pay_amount_fen, unit: r.pay_unit },
            pay_per_hour_fen,
            minutes_per_piece: r.minutes_per_piece,
            valid_through: to_display(r.valid_through),
            created_at: to_display(r.created_at),
            updated_at: to_display(r.updated_at),
            published_at: r.published_at.map(to_display),
            rejection_code: r.rejection_code,
            rejection_reason: r.rejection_reason,
            title: r.title,
            description: r.description,
            requirements: r.requirements,
            category: r.category_code,
            headcount: r.headcount,
            address: r.address,
            lat: r.lat,
            lng: r.lng,
            adcode: r.adcode,
            settlement: r.settlement,
            employment_type: r.employment_type,
            take_mode: r.take_mode,
        })
        .collect())
}

pub fn view(conn: &mut DbConn, row: ShiftRow) -> Result<ShiftView, Error> {
    Ok(views(conn, vec![row])?.remove(0))
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<ShiftRow, Error> {
    shifts::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Shift))
}

fn slots_of(conn: &mut DbConn, shift_id: i64) -> Result<Vec<SlotRow>, Error> {
    Ok(shift_slots::table.filter(shift_slots::shift_id.eq(shift_id)).order(shift_slots::start_at.asc()).load(conn)?)
}

fn insert_slots(conn: &mut DbConn, shift_id: i64, slots: &[TimeSlot]) -> Result<(), Error> {
    // Row by row: the two-backend connection has no common multi-row INSERT syntax.
    for s in slots {
        diesel::insert_into(shift_slots::table)
            .values((shift_slots::shift_id.eq(shift_id), shift_slots::start_at.eq(s.start), shift_slots::end_at.eq(s.end)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn create(tx: &mut Tx, employer: &EmployerRow, v: &ValidShift, verdict: &Verdict, now: NaiveDateTime) -> Result<ShiftRow, Error> {
    refuse(verdict)?;
    let status = status_for(verdict);
    let id: i64 = diesel::insert_into(shifts::table)
        .values((
            ShiftFields::of(v),
            shifts::employer_id.eq(employer.id),
            shifts::status.eq(status.as_str()),
            shifts::created_at.eq(now),
            shifts::updated_at.eq(now),
            shifts::published_at.eq((status == ShiftStatus::Published).then_some(now)),
            shifts::findings.eq(serde_json::to_string(&verdict.findings).expect("serializable")),
            shifts::risk.eq(risk(verdict)),
        ))
        .returning(shifts::id)
        .get_result(tx.conn())?;
    insert_slots(tx, id, &v.slots)?;
    tx.record(Entity::Shift, id)?;
    by_id(tx, id)
}

/// Merges `patch` over the stored posting, validates the whole, and stores it.
pub fn update(
    tx: &mut Tx,
    rules: &Rules,
    area: &ServiceArea,
    user_id: i64,
    shift_id: i64,
    patch: &ShiftRequest,
    now: NaiveDateTime,
) -> Result<ShiftRow, Error> {
    let (employer, shift, v) = prepare_update(tx, area, user_id, shift_id, patch, now)?;
    let verdict = verdict(rules, &employer, &v);
    apply_update(tx, &shift, &v, &verdict, patch, now)
}

/// The stored posting with `patch` merged over it, validated whole (reads only): its owner, not
/// blocked, in a status that may still be edited.
fn prepare_update(
    conn: &mut DbConn,
    area: &ServiceArea,
    user_id: i64,
    shift_id: i64,
    patch: &ShiftRequest,
    now: NaiveDateTime,
) -> Result<(EmployerRow, ShiftRow, ValidShift), Error> {
    let (employer, shift) = owned(conn, UserId(user_id), ShiftId(shift_id))?;
    refuse_if_blocked(&employer)?;
    let status = shift.status();
    if !status.is_editable() {
        return Err(Error::Conflict(Conflict::ShiftNotEditable { status }));
    }
    let old_slots = slots_of(conn, shift_id)?;
    let mut merged = shift.as_request(&old_slots);
    macro_rules! take {
        ($($f:ident),+) => { $(if patch.$f.is_some() { merged.$f = patch.$f.clone(); })+ };
    }
    take!(
        title,
        description,
        requirements,
        category,
        headcount,
        address,
        lat,
        lng,
        adcode,
        slots,
        pay,
        settlement,
        employment_type,
        take_mode,
        valid_through,
        probation_days
    );
    if patch.slots.is_none() {
        // Slots already over stay on record but are not re-validated as new ones.
        merged.slots = Some(
            old_slots
                .iter()
                .filter(|s| s.end_at > now)
                .map(|s| SlotBody { start: to_display(s.start_at).to_rfc3339(), end: to_display(s.end_at).to_rfc3339() })
                .collect(),
        );
    }
    if (patch.lat.is_some() || patch.lng.is_some()) && patch.adcode.is_none() {
        merged.adcode = None; // re-infer the district for the new point
    }
    let v = validate(conn, &merged, now, area)?;
    Ok((employer, shift, v))
}

/// Stores a merged and judged posting, in the write transaction.
fn apply_update(tx: &mut Tx, shift: &ShiftRow, v: &ValidShift, verdict: &Verdict, patch: &ShiftRequest, now: NaiveDateTime) -> Result<ShiftRow, Error> {
    let (status, shift_id) = (shift.status(), shift.id);
    let old_slots = slots_of(tx, shift_id)?;
    // Workers already confirmed keep the terms they agreed to: an edit may improve them, never
    // worsen or change them (the rule is `domain::shift::compare_terms`).
    let held = engagements::held(tx, shift_id)?;
    let upcoming: Vec<&SlotRow> = old_slots.iter().filter(|s| s.end_at > now).collect();
    let old_times: Vec<TimeSlot> = upcoming.iter().map(|s| TimeSlot { start: s.start_at, end: s.end_at }).collect();
    let held_times: Vec<TimeSlot> = upcoming.iter().filter(|s| held.slot_ids.contains(&s.id)).map(|s| TimeSlot { start: s.start_at, end: s.end_at }).collect();
    let old_terms = Terms {
        pay: engagements::pay_of(shift),
        settlement: shift.settlement,
        point: GeoPoint { lat: shift.lat, lng: shift.lng },
        headcount: shift.headcount,
        slots: &old_times,
    };
    let new_terms = Terms { pay: v.pay, settlement: v.settlement, point: v.point, headcount: v.headcount, slots: &v.slots };
    let change = compare_terms(&old_terms, &new_terms, &held_times, held.places);
    if held.places > 0 && !change.locked.is_empty() {
        return Err(Error::Conflict(Conflict::TermsLocked { fields: change.locked }));
    }
    // Every change is judged again; a change that raises a finding, or any change from an
    // unverified employer, sends a published shift back to review, and a rejected or taken-down
    // one always goes back to a moderator.
    refuse(verdict)?;
    let new_status = status.after_edit(status_for(verdict));
    diesel::update(shifts::table.find(shift_id))
        .set((
            ShiftFields::of(v),
            shifts::status.eq(new_status.as_str()),
            shifts::updated_at.eq(now),
            shifts::published_at.eq(match (new_status, shift.published_at) {
                (ShiftStatus::Published, Some(t)) => Some(t),
                (ShiftStatus::Published, None) => Some(now),
                _ => None,
            }),
            shifts::findings.eq(serde_json::to_string(&verdict.findings).expect("serializable")),
            shifts::risk.eq(risk(verdict)),
            shifts::rejection_code.eq(None::<String>),
            shifts::rejection_reason.eq(None::<String>),
        ))
        .execute(tx.conn())?;
    if patch.slots.is_some() {
        // Slot rows keep their ids: a slot that stays (same start and end) is the same slot to
        // the engagements that chose it. Slots already over stay on record, and slots anyone
        // holds or held a place on cannot be removed (the terms lock above refused that).
        let mut removed = std::collections::HashSet::new();
        for s in upcoming.iter().filter(|s| !v.slots.contains(&TimeSlot { start: s.start_at, end: s.end_at })) {
            removed.insert(s.id);
            diesel::delete(shift_slots::table.find(s.id)).execute(tx.conn())?;
        }
        let added: Vec<TimeSlot> = v.slots.iter().filter(|t| !old_times.contains(t)).copied().collect();
        insert_slots(tx, shift_id, &added)?;
        let after = by_id(tx, shift_id)?;
        engagements::slots_removed(tx, &after, &removed, now)?;
    }
    tx.record(Entity::Shift, shift_id)?;
    let after = by_id(tx, shift_id)?;
    engagements::tell_terms_improved(tx, &after, &change)?;
    Ok(after)
}

pub fn close(tx: &mut Tx, shift: &ShiftRow, now: NaiveDateTime) -> Result<ShiftRow, Error> {
    let status = shift.status();
    if matches!(status, ShiftStatus::Closed | ShiftStatus::Expired | ShiftStatus::TakenDown) {
        return Err(Error::Conflict(Conflict::ShiftAlreadyClosed { status }));
    }
    diesel::update(shifts::table.find(shift.id))
        .set((shifts::status.eq(ShiftStatus::Closed.as_str()), shifts::closed_at.eq(now), shifts::updated_at.eq(now)))
        .execute(tx.conn())?;
    tx.record(Entity::Shift, shift.id)?;
    engagements::end_for_closed_shift(tx, shift, crate::domain::notification::ShiftClosed::Closed, now)?;
    by_id(tx, shift.id)
}

/// An employer's shifts, newest first, keyset-paginated by id.
pub fn list_for_employer(conn: &mut DbConn, employer_id: i64, status: Option<ShiftStatus>, limit: i64, cursor: Option<i64>) -> Result<Vec<ShiftRow>, Error> {
    let mut q = shifts::table.filter(shifts::employer_id.eq(employer_id)).into_boxed();
    if let Some(s) = status {
        q = q.filter(shifts::status.eq(s.as_str()));
    }
    if let Some(c) = cursor {
        q = q.filter(shifts::id.lt(c));
    }
    Ok(q.order(shifts::id.desc()).limit(limit + 1).load(conn)?)
}

// ---------------------------------------------------------------------------------------------
// Operations: what people do with shifts. Each does the whole job — who may, validation, the
// listing rules, the transaction, the audit entry and the search change — for every front end.
// ---------------------------------------------------------------------------------------------

/// Post a shift. A verified employer's clean shift is published at once; others wait for review.
/// Listing charges in the raw body are refused by `refuse_listing_charges` before it is typed.
pub async fn post(svc: &Services, user: &AuthUser, request: ShiftRequest) -> Result<ShiftView, Error> {
    user.require(&[Role::Employer])?;
    let rl = &svc.config.rate_limit;
    let budget = Budget { name: "shift_create", limit: rl.shift_creates, window: std::time::Duration::from_secs(rl.shift_create_window_secs) };
    svc.limiter.hit(budget, &format!("user:{}", user.id)).await?;
    let (rules, area, user_id, now) = (svc.rules.clone(), svc.config.listing.service_area.clone(), user.id, svc.clock.now());
    // Judged before the write transaction opens, with no connection held while the rules run;
    // the transaction stores it as judged unless the employer profile changed in between.
    let read = request.clone();
    let (seen, valid) = svc.db.run(move |conn| Ok((ready_employer(conn, user_id)?, validate(conn, &read, now, &area)?))).await?;
    let judged = verdict(&rules, &seen, &valid);
    refuse(&judged)?;
    svc.db
        .tx(move |tx| {
            let employer = ready_employer(tx, user_id)?;
            let verdict = if employer.updated_at == seen.updated_at { judged } else { verdict(&rules, &employer, &valid) };
            let row = create(tx, &employer, &valid, &verdict, now)?;
            view(tx, row)
        })
        .await
}

fn ready_employer(conn: &mut DbConn, user_id: i64) -> Result<EmployerRow, Error> {
    let employer = require_employer(conn, user_id)?;
    refuse_if_blocked(&employer)?;
    Ok(employer)
}

/// The posting itself, inside a write transaction: the employer profile, the block, every field,
/// the listing rules, the row, its slots and the search change. `post` and the demo seeder both
/// post through here.
pub fn post_in(tx: &mut Tx, rules: &Rules, area: &ServiceArea, user_id: i64, request: &ShiftRequest) -> Result<ShiftRow, Error> {
    let now = tx.now();
    let employer = require_employer(tx, user_id)?;
    refuse_if_blocked(&employer)?;
    let valid = validate(tx, request, now, area)?;
    let verdict = verdict(rules, &employer, &valid);
    create(tx, &employer, &valid, &verdict, now)
}

/// What a posting would get from this employer — publish, review or refuse — with every finding
/// explained. Fields that do not even validate are findings too: a station fixing a posting wants
/// one list of everything to change. Nothing is stored.
pub async fn check(svc: &Services, user: &AuthUser, request: ShiftRequest) -> Result<Verdict, Error> {
    user.require(&[Role::Employer])?;
    let (rules, area, user_id, now) = (svc.rules.clone(), svc.config.listing.service_area.clone(), user.id, svc.clock.now());
    // The rules run after the connection is back in the pool.
    let (employer, validated) = svc.db.run(move |conn| Ok((ready_employer(conn, user_id)?, validate(conn, &request, now, &area)))).await?;
    match validated {
        Ok(valid) => Ok(verdict(&rules, &employer, &valid)),
        Err(e) => Ok(Verdict {
            decision: Decision::Refuse,
            findings: e
                .fields()
                .iter()
                .map(|f| Finding { code: f.code.clone(), severity: Severity::Refuse, message: f.msg.clone(), matched: None, field: Some(f.field.clone()) })
                .collect(),
        }),
    }
}

/// One shift, as `viewer` may see it: unpublished shifts only to their owner and staff.
pub async fn get(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<ShiftView, Error> {
    let viewer = viewer.map(|u| (u.id, u.role));
    svc.db
        .run(move |conn| {
            let row = by_id(conn, id)?;
            if !row.standing_now(conn)?.publicly_readable() {
                let allowed = match viewer {
                    Some((user_id, role)) if role.is_staff() => {
                        crate::services::scope::staff_may_read(conn, user_id, role, Place::district(row.adcode.as_deref()))?
                    }
                    Some((user_id, Role::Employer)) => owned(conn, UserId(user_id), ShiftId(id)).is_ok(),
                    _ => false,
                };
                if !allowed {
                    return Err(Error::NotFound(Thing::Shift));
                }
            }
            let mut v = view(conn, row)?;
            let place =
                PlaceOf { shift_id: v.id, employer_id: v.employer.id, adcode: v.adcode.as_deref(), address: &mut v.address, lat: &mut v.lat, lng: &mut v.lng };
            crate::services::views::hide_homes(conn, viewer, vec![place])?;
            Ok(v)
        })
        .await
}

/// Change a shift (its owner). The patch is merged over the stored posting and judged whole.
pub async fn edit(svc: &Services, user: &AuthUser, id: i64, patch: ShiftRequest) -> Result<ShiftView, Error> {
    user.require(&[Role::Employer])?;
    let (rules, area, user_id, now) = (svc.rules.clone(), svc.config.listing.service_area.clone(), user.id, svc.clock.now());
    // Judged before the write transaction opens (see `post`); judged again inside only if the
    // employer or the shift changed in between.
    let (read, read_area) = (patch.clone(), area.clone());
    let (seen_employer, seen_shift, valid) = svc.db.run(move |conn| prepare_update(conn, &read_area, user_id, id, &read, now)).await?;
    let judged = verdict(&rules, &seen_employer, &valid);
    refuse(&judged)?;
    svc.db
        .tx(move |tx| {
            crate::services::location::limit_point_moves(tx, UserId(user_id), ShiftId(id), patch.lat, patch.lng, now)?;
            let (employer, shift) = owned(tx, UserId(user_id), ShiftId(id))?;
            let row = if employer.updated_at == seen_employer.updated_at && shift.updated_at == seen_shift.updated_at {
                apply_update(tx, &shift, &valid, &judged, &patch, now)?
            } else {
                update(tx, &rules, &area, user_id, id, &patch, now)?
            };
            view(tx, row)
        })
        .await
}

/// Stop recruiting for a shift: its owner, or a moderator or admin (audited).
pub async fn close_shift(svc: &Services, user: &AuthUser, id: i64) -> Result<ShiftView, Error> {
    let (user, user_id, can_moderate, now) = (user.clone(), user.id, user.role.can_moderate(), svc.clock.now());
    svc.db
        .tx(move |tx| {
            let (row, by_staff) = match owned(tx, UserId(user_id), ShiftId(id)) {
                Ok((employer, row)) => {
                    // A blocked employer may read its shifts, not change them.
                    refuse_if_blocked(&employer)?;
                    (row, false)
                }
                Err(_) if can_moderate => {
                    let row = by_id(tx, id)?;
                    StaffScope::moderator(tx, &user)?.check(Place::district(row.adcode.as_deref()))?;
                    (row, true)
                }
                Err(e) => return Err(e),
            };
            let before = row.status;
            let row = close(tx, &row, now)?;
            if by_staff {
                audit::record(
                    tx,
                    audit::Entry {
                        actor_id: user_id,
                        action: "shift.close",
                        target_type: "shift",
                        target_id: id,
                        reason: None,
                        before: Some(serde_json::json!({"status": before})),
                        after: Some(serde_json::json!({"status": row.status})),
                    },
                )?;
            }
            view(tx, row)
        })
        .await
}

/// An employer's own shift as their pages show it: beside the view, how many are waiting for an
/// answer and how many hold a place, and the screening findings stored with the posting (why it
/// waits for review). Only the owner gets this.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnShift {
    #[serde(flatten)]
    pub shift: ShiftView,
    /// Applications waiting for the employer's answer.
    pub applicants: i64,
    /// Workers holding a place (confirmed, at work, done).
    pub confirmed: i64,
    pub findings: Vec<Finding>,
}

/// The findings stored with a posting, as the listing rules wrote them.
fn stored_findings(json: &str) -> Vec<Finding> {
    let raw: Vec<serde_json::Value> = serde_json::from_str(json).unwrap_or_default();
    raw.into_iter()
        .filter_map(|f| {
            let text = |k: &str| f.get(k).and_then(|v| v.as_str()).map(str::to_string);
            Some(Finding {
                code: text("code")?,
                severity: serde_json::from_value(f.get("severity")?.clone()).ok()?,
                message: Msg::new(f["message"]["zh"].as_str().unwrap_or_default(), f["message"]["en"].as_str().unwrap_or_default()),
                matched: text("matched"),
                field: text("field"),
            })
        })
        .collect()
}

fn own_shifts(conn: &mut DbConn, rows: Vec<ShiftRow>) -> Result<Vec<OwnShift>, Error> {
    use crate::db::schema::engagements::dsl as e;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let states: Vec<(i64, String)> = e::engagements.filter(e::shift_id.eq_any(&ids)).select((e::shift_id, e::state)).load(conn)?;
    let findings: HashMap<i64, Vec<Finding>> = rows.iter().map(|r| (r.id, stored_findings(&r.findings))).collect();
    let mut out = Vec::with_capacity(rows.len());
    for v in views(conn, rows)? {
        let mine = states.iter().filter(|(id, _)| *id == v.id).filter_map(|(_, s)| crate::domain::engagement::State::parse(s));
        let (mut applicants, mut confirmed) = (0, 0);
        for s in mine {
            if s == crate::domain::engagement::State::Applied {
                applicants += 1;
            } else if s.holds_place() {
                confirmed += 1;
            }
        }
        out.push(OwnShift { findings: findings.get(&v.id).cloned().unwrap_or_default(), shift: v, applicants, confirmed });
    }
    Ok(out)
}

/// The signed-in employer's shifts, newest first, with their counts and findings: the API's
/// `GET /employers/me/shifts` and the employer's page show the same numbers.
pub async fn list_mine(svc: &Services, user: &AuthUser, status: Option<&str>, page: PageRequest) -> Result<Page<OwnShift>, Error> {
    user.require(&[Role::Employer])?;
    let status = match status {
        None | Some("") => None,
        Some(s) => Some(ShiftStatus::parse(s).map_err(|e| Error::field("status", e))?),
    };
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let employer = require_employer(conn, user_id)?;
            let rows = list_for_employer(conn, employer.id, status, page.limit, page.cursor)?;
            let (rows, next_cursor) = page.split(rows, |r| r.id);
            Ok(Page { items: own_shifts(conn, rows)?, next_cursor })
        })
        .await
}

/// One of the signed-in employer's shifts with its counts and findings; another's is not found.
pub async fn get_mine(svc: &Services, user: &AuthUser, id: i64) -> Result<OwnShift, Error> {
    user.require(&[Role::Employer])?;
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let (_, row) = owned(conn, UserId(user_id), ShiftId(id))?;
            Ok(own_shifts(conn, vec![row])?.remove(0))
        })
        .await
}

/// One of the signed-in employer's shifts as a request to post again (`?from=` on the form):
/// its text, place, pay and terms; the times are left for the new posting.
pub async fn repost_template(svc: &Services, user: &AuthUser, id: i64) -> Result<ShiftRequest, Error> {
    user.require(&[Role::Employer])?;
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let (_, row) = owned(conn, UserId(user_id), ShiftId(id))?;
            Ok(ShiftRequest { slots: None, valid_through: None, ..row.as_request(&[]) })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(a: &str, b: &str) -> SlotBody {
        SlotBody { start: a.into(), end: b.into() }
    }

    fn now() -> NaiveDateTime {
        parse_instant("2026-11-21T12:00:00+08:00").unwrap()
    }

    #[test]
    fn slots_are_checked_one_by_one_and_sorted() {
        let mut errs = FieldErrors::new();
        let s = validate_slots(
            &mut errs,
            Some(&[slot("2026-11-23T08:00:00+08:00", "2026-11-23T12:00:00+08:00"), slot("2026-11-22T08:00:00+08:00", "2026-11-22T12:00:00+08:00")]),
            now(),
        )
        .unwrap();
        assert!(errs.is_empty());
        assert!(s[0].start < s[1].start);
    }

    #[test]
    fn bad_slots_are_named() {
        let mut errs = FieldErrors::new();
        let r = validate_slots(
            &mut errs,
            Some(&[
                slot("2026-11-22T12:00:00+08:00", "2026-11-22T08:00:00+08:00"),
                slot("2026-11-20T08:00:00+08:00", "2026-11-20T12:00:00+08:00"),
                slot("2026-11-24T08:00:00+08:00", "2026-11-24T12:00:00+08:00"),
                slot("2026-11-24T10:00:00+08:00", "2026-11-24T14:00:00+08:00"),
                slot("soon", "2026-11-24T14:00:00+08:00"),
            ]),
            now(),
        );
        assert!(r.is_none());
        let e = errs.into_result().unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["slots[0].end", "slots[1].end", "slots[3]", "slots[4].start"]);
        assert_eq!(e.fields()[0].code, "end_before_start");
    }

    #[test]
    fn listing_charges_are_refused() {
        let e = refuse_listing_charges(&serde_json::json!({"title": "保洁", "listing_fee": 100})).unwrap_err();
        assert!(matches!(e, Error::PostingIsFree(_)), "{e}");
        assert_eq!(e.code(), "posting_is_free");
        assert!(refuse_listing_charges(&serde_json::json!({"title": "保洁"})).is_ok());
    }
}
