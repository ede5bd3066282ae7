//! 共享用工 (labour sharing between enterprises, 人社厅发〔2020〕98号): every operation, each the
//! whole job for the API and the pages alike.
//!
//! - A verified enterprise (not a household or individual business) posts a surplus (余: idle
//!   staff) or a shortage (缺: staff needed): skills, headcount, dates, place and a note. Its
//!   texts pass the listing screening, and any mention of a charge is refused outright: the
//!   lending enterprise keeps the labour relation and pays wages and social insurance, and
//!   sharing staff for profit is not offered. No request type has a fee field, and every one
//!   refuses unknown fields.
//! - Matching runs both ways (`domain::sharing::score`), with reasons.
//! - Staff whose scope covers the place of work (the shortage post's) broker a match into an
//!   agreement, recording the workers' consent; both enterprises agree; then it runs and ends, or
//!   is cancelled before it runs (`domain::sharing::next` is the one rule of who may do what).
//!   Each move is audited and both enterprises are told in their inbox.
//! - [`counts`] gives the statistics their figures.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::schema::{categories, employers, sharing_agreements, sharing_posts};
use crate::db::{DbConn, Tx};
use crate::domain::notification::{Notification, SharingAgreement};
use crate::domain::sharing::{self as rules, AgreementAction, AgreementState, DateRange, InjuryResponsibility, Party, PostFacts, Reason, Refusal, Side, Step};
use crate::domain::time::{local_date, to_display};
use crate::domain::{BoundedText, EmployerKind, GeoPoint, Role};
use crate::error::{Conflict, Error, FieldError, FieldErrors, Invalid, Thing};
use crate::listing::{Rules, Severity};
use crate::services::districts::ServiceArea;
use crate::services::employers::{EmployerRow, by_user, refuse_if_blocked, resolve_adcode};
use crate::services::page::{Page, PageRequest};
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::EmployerSummary;
use crate::services::{Services, audit, json_list, outbox, to_json};

/// Who pays the shared staff's wages and social insurance: always the lending enterprise, which
/// keeps the labour contract (人社厅发〔2020〕98号). Not a choice, so no request names it.
pub const PAID_BY_LENDER: &str = "lender";
/// Most skills one post names.
pub const MAX_CATEGORIES: usize = 10;

/// The policy in words, for the API documentation and the pages.
pub const POLICY_ZH: &str = "共享用工是企业之间临时调剂余缺：借出方与员工的劳动关系不变，工资和社会保险仍由借出方支付，工伤责任除双方另有约定外由借出方承担；员工须本人同意；共享用工不得以营利为目的，平台不收取也不允许约定任何中介费、服务费或差价。";
pub const POLICY_EN: &str = "Labour sharing balances a temporary surplus and shortage between enterprises: the lending enterprise keeps the labour relation and goes on paying wages and social insurance, and bears work-injury responsibility unless the two agree otherwise; workers take part only with their consent; sharing is never for profit, and no agency fee, service fee or margin may be charged or agreed.";

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// The body of `POST /api/v1/sharing/posts`. There is no fee field, and none can be added: any
/// field not listed is refused.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostRequest {
    /// `surplus` (余: idle staff to lend) or `shortage` (缺: staff needed).
    #[schema(value_type = String, required = true, pattern = "^(surplus|shortage)$")]
    pub side: Option<String>,
    /// Category codes (1–10, see /api/v1/categories): the skills offered or needed.
    #[schema(value_type = Vec<String>, required = true)]
    pub categories: Option<Vec<String>>,
    /// 1–1000.
    #[schema(value_type = i64, required = true, minimum = 1, maximum = 1000)]
    pub headcount: Option<i64>,
    /// Local date, `YYYY-MM-DD`.
    #[schema(value_type = String, required = true, pattern = r"^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$")]
    pub start_date: Option<String>,
    /// Local date, `YYYY-MM-DD`, at most 366 days after `start_date`.
    #[schema(value_type = String, required = true, pattern = r"^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$")]
    pub end_date: Option<String>,
    /// 2–200 characters.
    #[schema(value_type = String, required = true)]
    pub address: Option<String>,
    #[schema(value_type = f64, required = true)]
    pub lat: Option<f64>,
    #[schema(value_type = f64, required = true)]
    pub lng: Option<f64>,
    /// District code; found from the point when left out.
    pub adcode: Option<String>,
    /// 5–2000 characters: the posts and the staff, hours, conditions. Screened like a shift; any
    /// charge is refused.
    #[schema(value_type = String, required = true)]
    pub note: Option<String>,
}

/// The body of `POST /api/v1/sharing/agreements` (staff). Wages and social insurance are paid by
/// the lending enterprise by policy, so they are not fields; there is no fee field either.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRequest {
    #[schema(value_type = i64, required = true)]
    pub surplus_post_id: Option<i64>,
    #[schema(value_type = i64, required = true)]
    pub shortage_post_id: Option<i64>,
    /// At most what both posts still have free.
    #[schema(value_type = i64, required = true, minimum = 1, maximum = 1000)]
    pub headcount: Option<i64>,
    /// Within the days both posts cover; defaults to the first and last of them.
    #[schema(value_type = Option<String>, pattern = r"^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$")]
    pub start_date: Option<String>,
    #[schema(value_type = Option<String>, pattern = r"^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$")]
    pub end_date: Option<String>,
    /// How many of the lending enterprise's workers gave their written consent, seen by the
    /// proposing staff member: at least `headcount`.
    #[schema(value_type = i64, required = true, minimum = 1)]
    pub consenting_workers: Option<i64>,
    /// 5–500 characters: how the consent was seen and where the signed forms are kept.
    #[schema(value_type = String, required = true, min_length = 5, max_length = 500)]
    pub consent_note: Option<String>,
    /// `lender` (default), or `borrower` / `shared` when the two agreed otherwise (then
    /// `injury_note` says what they agreed).
    #[schema(value_type = Option<String>, pattern = "^(lender|borrower|shared)$")]
    pub injury_responsibility: Option<String>,
    pub injury_note: Option<String>,
    /// 10–3000 characters: posts, hours, safety, how pay reaches the workers. Screened; any
    /// charge is refused.
    #[schema(value_type = String, required = true, min_length = 10, max_length = 3000)]
    pub terms: Option<String>,
}

/// The optional body of an agreement action; `SharingActionRequest` in the API document, as
/// `ActionRequest` is an engagement action's body.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SharingActionRequest)]
pub struct ActionRequest {
    /// Why (cancel), up to 500 characters.
    pub reason: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Rows and views
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable)]
pub struct PostRow {
    pub id: i64,
    pub employer_id: i64,
    #[diesel(deserialize_as = String)]
    pub side: Side,
    pub categories: String,
    pub headcount: i32,
    pub start_date: String,
    pub end_date: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: String,
    pub note: String,
    pub status: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct AgreementRow {
    pub id: i64,
    pub surplus_post_id: i64,
    pub shortage_post_id: i64,
    pub lender_id: i64,
    pub borrower_id: i64,
    pub categories: String,
    pub headcount: i32,
    pub start_date: String,
    pub end_date: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: String,
    pub wages_paid_by: String,
    pub social_insurance_paid_by: String,
    #[diesel(deserialize_as = String)]
    pub injury_responsibility: InjuryResponsibility,
    pub injury_note: String,
    pub consenting_workers: i32,
    pub consent_note: String,
    pub terms: String,
    #[diesel(deserialize_as = String)]
    pub state: AgreementState,
    pub lender_agreed_at: Option<NaiveDateTime>,
    pub borrower_agreed_at: Option<NaiveDateTime>,
    pub proposed_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
}

impl AgreementRow {
    fn state(&self) -> AgreementState {
        self.state
    }

    fn place(&self) -> Place<'_> {
        Place { adcode: Some(&self.adcode), point: Some(GeoPoint { lat: self.lat, lng: self.lng }) }
    }
}

impl PostRow {
    fn side(&self) -> Side {
        self.side
    }

    fn dates(&self) -> DateRange {
        let d = |s: &str| rules::parse_date(s).unwrap_or_default();
        DateRange { start: d(&self.start_date), end: d(&self.end_date) }
    }

    fn place(&self) -> Place<'_> {
        Place { adcode: Some(&self.adcode), point: Some(GeoPoint { lat: self.lat, lng: self.lng }) }
    }

    fn is_open(&self) -> bool {
        self.status == STATUS_OPEN
    }
}

const STATUS_OPEN: &str = "open";
const STATUS_WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryName {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostView {
    pub id: i64,
    pub side: Side,
    pub employer: EmployerSummary,
    pub categories: Vec<CategoryName>,
    pub headcount: i32,
    /// Staff not yet held by a proposed, agreed or running agreement.
    pub remaining: i64,
    pub start_date: String,
    pub end_date: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: String,
    pub note: String,
    /// `open` or `withdrawn`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchView {
    /// The post on the other side.
    pub post: PostView,
    /// 0–1, higher is better.
    pub score: f64,
    pub distance_km: f64,
    /// Staff that could be shared: the smaller of the two posts' free headcounts.
    pub headcount: i64,
    pub shared_categories: Vec<String>,
    pub overlap_start: String,
    pub overlap_end: String,
    /// Why they match, in Chinese and English.
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: i64,
    pub state: AgreementState,
    pub surplus_post_id: i64,
    pub shortage_post_id: i64,
    /// The lending enterprise: keeps the labour relation.
    pub lender: EmployerSummary,
    pub borrower: EmployerSummary,
    pub categories: Vec<CategoryName>,
    pub headcount: i32,
    pub start_date: String,
    pub end_date: String,
    pub address: String,
    pub lat: f64,
    pub lng: f64,
    pub adcode: String,
    /// Always `lender` (policy).
    pub wages_paid_by: String,
    /// Always `lender` (policy).
    pub social_insurance_paid_by: String,
    pub injury_responsibility: InjuryResponsibility,
    pub injury_note: String,
    pub consenting_workers: i32,
    pub consent_note: String,
    pub terms: String,
    pub lender_agreed: bool,
    pub borrower_agreed: bool,
    pub proposed_by: i64,
    /// What the viewer may do now.
    pub actions: Vec<AgreementAction>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub cancelled_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub cancel_reason: Option<String>,
}

/// Labour-sharing figures for a district-code prefix and a period, for the statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SharingCounts {
    /// Posts created in the period (withdrawn ones included), and the staff they name.
    pub surplus_posts: i64,
    pub shortage_posts: i64,
    pub surplus_headcount: i64,
    pub shortage_headcount: i64,
    /// Agreements proposed in the period, by their state now (every state present, 0 if none).
    pub agreements: BTreeMap<String, i64>,
    /// Staff of the agreements that started in the period (running or ended now).
    pub headcount_shared: i64,
}

// ---------------------------------------------------------------------------------------------
// Who is acting
// ---------------------------------------------------------------------------------------------

fn employer_error(code: &'static str, zh: &str, en: &str) -> Error {
    Error::field("employer", Invalid::new(code, zh, en))
}

/// The caller's enterprise, fit to share staff: an employer profile of kind enterprise, verified
/// (as for publishing shifts without review), not blocked.
fn enterprise(conn: &mut DbConn, user: &AuthUser) -> Result<EmployerRow, Error> {
    user.require(&[Role::Employer])?;
    let e = crate::services::employers::require_employer(conn, user.id)?;
    refuse_if_blocked(&e)?;
    if e.kind != EmployerKind::Enterprise.as_str() {
        return Err(employer_error(
            "not_an_enterprise",
            "共享用工只在企业之间进行，家庭和个体工商户不能发布或参与",
            "labour sharing is between enterprises; households and individual businesses cannot take part",
        ));
    }
    if !e.verified {
        return Err(employer_error(
            "employer_not_verified",
            "单位通过实名认证后才能参与共享用工",
            "the enterprise must be verified before it can take part in labour sharing",
        ));
    }
    Ok(e)
}

/// The employer profile behind an employer account, for reads (no checks beyond owning one).
fn own_employer_id(conn: &mut DbConn, user: &AuthUser) -> Result<Option<i64>, Error> {
    if user.role != Role::Employer {
        return Ok(None);
    }
    Ok(by_user(conn, user.id)?.map(|e| e.id))
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

struct ValidPost {
    side: Side,
    categories: Vec<String>,
    headcount: i32,
    dates: DateRange,
    address: String,
    point: GeoPoint,
    adcode: String,
    note: String,
}

fn text(errs: &mut FieldErrors, field: &str, v: Option<&str>, min: usize, max: usize) -> Option<String> {
    errs.check(field, BoundedText::parse(v.unwrap_or(""), min, max)).map(BoundedText::into_string)
}

fn dates(errs: &mut FieldErrors, start: Option<&str>, end: Option<&str>, today: NaiveDate) -> Option<DateRange> {
    let mut one = |field: &str, v: Option<&str>| match v {
        None => {
            errs.add(field, Invalid::required());
            None
        }
        Some(s) => errs.check(field, rules::parse_date(s)),
    };
    let (start, end) = (one("start_date", start), one("end_date", end));
    match DateRange::new(start?, end?, today) {
        Ok(r) => Some(r),
        Err((field, e)) => {
            errs.add(field, e);
            None
        }
    }
}

fn known_categories(conn: &mut DbConn, errs: &mut FieldErrors, v: Option<&[String]>) -> Result<Option<Vec<String>>, Error> {
    let Some(list) = v else {
        errs.add("categories", Invalid::required());
        return Ok(None);
    };
    if list.is_empty() || list.len() > MAX_CATEGORIES {
        errs.add("categories", Invalid::out_of_range(format!("技能应为 1 到 {MAX_CATEGORIES} 项"), format!("give 1 to {MAX_CATEGORIES} skills")));
        return Ok(None);
    }
    let known: Vec<String> = categories::table.filter(categories::code.eq_any(list)).select(categories::code).load(conn)?;
    let before = errs.len();
    let mut out: Vec<String> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        if !known.contains(c) {
            errs.add(
                format!("categories[{i}]"),
                Invalid::new("unknown_category", "未知的职业代码（见 /api/v1/categories）", "unknown category code (see /api/v1/categories)"),
            );
        } else if out.contains(c) {
            errs.add(format!("categories[{i}]"), Invalid::new("duplicate", "重复的技能", "this skill is listed twice"));
        } else {
            out.push(c.clone());
        }
    }
    Ok((errs.len() == before).then_some(out))
}

/// The listing screening over free texts, stricter than on shifts: a refusal refuses, and so does
/// any mention of a charge (reviewed on a shift), since no money may change hands for sharing.
fn screen(listing: &Rules, texts: &[(&str, &str)]) -> Vec<FieldError> {
    listing
        .screen(texts)
        .into_iter()
        .filter(|f| f.severity == Severity::Refuse || f.code == crate::listing::CHARGE_REVIEW)
        .map(|f| FieldError { field: f.field.clone().unwrap_or_else(|| "text".into()), code: f.code, msg: f.message })
        .collect()
}

fn validate_post(conn: &mut DbConn, listing: &Rules, area: &ServiceArea, r: &PostRequest, today: NaiveDate) -> Result<ValidPost, Error> {
    let mut errs = FieldErrors::new();
    let side = match r.side.as_deref() {
        None => {
            errs.add("side", Invalid::required());
            None
        }
        Some(s) => errs.check("side", Side::parse(s)),
    };
    let cats = known_categories(conn, &mut errs, r.categories.as_deref())?;
    let headcount = match r.headcount {
        None => {
            errs.add("headcount", Invalid::required());
            None
        }
        Some(n) => errs.check("headcount", rules::headcount(n)),
    };
    let range = dates(&mut errs, r.start_date.as_deref(), r.end_date.as_deref(), today);
    let address = text(&mut errs, "address", r.address.as_deref(), 2, 200);
    let note = text(&mut errs, "note", r.note.as_deref(), 5, 2000);
    let point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
    let adcode = resolve_adcode(&mut errs, "adcode", r.adcode.as_deref(), point, area).flatten();
    if point.is_some() && adcode.is_none() && errs.is_empty() {
        errs.add("adcode", Invalid::new("unknown_adcode", "未知的行政区划代码", "unknown district code (adcode)"));
    }
    let texts: Vec<(&str, &str)> = [("note", note.as_deref()), ("address", address.as_deref())].into_iter().filter_map(|(f, v)| v.map(|v| (f, v))).collect();
    errs.extend(screen(listing, &texts));
    errs.into_result()?;
    Ok(ValidPost {
        side: side.expect("checked"),
        categories: cats.expect("checked"),
        headcount: headcount.expect("checked"),
        dates: range.expect("checked"),
        address: address.expect("checked"),
        point: point.expect("checked"),
        adcode: adcode.expect("checked"),
        note: note.expect("checked"),
    })
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

fn post_by_id(conn: &mut DbConn, id: i64) -> Result<PostRow, Error> {
    sharing_posts::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::SharingPost))
}

fn agreement_by_id(conn: &mut DbConn, id: i64) -> Result<AgreementRow, Error> {
    sharing_agreements::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::SharingAgreement))
}

/// Staff of each post held by live agreements.
fn held(conn: &mut DbConn, post_ids: &[i64]) -> Result<HashMap<i64, i64>, Error> {
    let live: Vec<&str> = AgreementState::ALL.iter().filter(|s| s.is_live()).map(|s| s.as_str()).collect();
    let rows: Vec<(i64, i64, i32)> = sharing_agreements::table
        .filter(sharing_agreements::state.eq_any(&live))
        .filter(sharing_agreements::surplus_post_id.eq_any(post_ids).or(sharing_agreements::shortage_post_id.eq_any(post_ids)))
        .select((sharing_agreements::surplus_post_id, sharing_agreements::shortage_post_id, sharing_agreements::headcount))
        .load(conn)?;
    let mut out = HashMap::new();
    for (a, b, n) in rows {
        *out.entry(a).or_insert(0) += n as i64;
        *out.entry(b).or_insert(0) += n as i64;
    }
    Ok(out)
}

struct Names {
    categories: HashMap<String, (String, String)>,
    employers: HashMap<i64, EmployerSummary>,
}

impl Names {
    fn load(conn: &mut DbConn, employer_ids: &[i64]) -> Result<Names, Error> {
        let categories = categories::table
            .select((categories::code, categories::name_zh, categories::name_en))
            .load::<(String, String, String)>(conn)?
            .into_iter()
            .map(|(c, zh, en)| (c, (zh, en)))
            .collect();
        let employers = employers::table
            .filter(employers::id.eq_any(employer_ids))
            .select((employers::id, employers::name, employers::verified))
            .load::<(i64, String, bool)>(conn)?
            .into_iter()
            .map(|(id, name, verified)| (id, EmployerSummary { id, name, verified }))
            .collect();
        Ok(Names { categories, employers })
    }

    fn category(&self, code: &str) -> CategoryName {
        let (zh, en) = self.categories.get(code).cloned().unwrap_or_else(|| (code.to_string(), code.to_string()));
        CategoryName { code: code.to_string(), name_zh: zh, name_en: en }
    }

    fn employer(&self, id: i64) -> EmployerSummary {
        self.employers.get(&id).cloned().unwrap_or(EmployerSummary { id, name: String::new(), verified: false })
    }
}

fn post_views(conn: &mut DbConn, rows: Vec<PostRow>) -> Result<Vec<PostView>, Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let held = held(conn, &ids)?;
    let employer_ids: Vec<i64> = rows.iter().map(|r| r.employer_id).collect();
    let names = Names::load(conn, &employer_ids)?;
    Ok(rows.into_iter().map(|r| post_view(&names, &held, r)).collect())
}

fn post_view(names: &Names, held: &HashMap<i64, i64>, r: PostRow) -> PostView {
    let cats: Vec<String> = json_list(&r.categories);
    PostView {
        id: r.id,
        side: r.side(),
        employer: names.employer(r.employer_id),
        categories: cats.iter().map(|c| names.category(c)).collect(),
        headcount: r.headcount,
        remaining: (r.headcount as i64 - held.get(&r.id).copied().unwrap_or(0)).max(0),
        created_at: to_display(r.created_at),
        start_date: r.start_date,
        end_date: r.end_date,
        address: r.address,
        lat: r.lat,
        lng: r.lng,
        adcode: r.adcode,
        note: r.note,
        status: r.status,
    }
}

fn facts(r: &PostRow, held: &HashMap<i64, i64>) -> PostFacts {
    PostFacts {
        id: r.id,
        employer_id: r.employer_id,
        side: r.side(),
        categories: json_list(&r.categories),
        remaining: r.headcount as i64 - held.get(&r.id).copied().unwrap_or(0),
        dates: r.dates(),
        point: GeoPoint { lat: r.lat, lng: r.lng },
    }
}

/// What the viewer may do to an agreement now, by the one rule.
fn party_actions(row: &AgreementRow, party: Option<Party>, today: NaiveDate) -> Vec<AgreementAction> {
    let Some(party) = party else { return Vec::new() };
    let agreed = (row.lender_agreed_at.is_some(), row.borrower_agreed_at.is_some());
    let started_ok = rules::parse_date(&row.start_date).is_ok_and(|d| d <= today);
    AgreementAction::ALL.into_iter().filter(|a| rules::next(row.state(), *a, party, agreed, started_ok).is_ok()).collect()
}

fn agreement_views(conn: &mut DbConn, rows: Vec<AgreementRow>, viewer: &Viewer, today: NaiveDate) -> Result<Vec<AgreementView>, Error> {
    let employer_ids: Vec<i64> = rows.iter().flat_map(|r| [r.lender_id, r.borrower_id]).collect();
    let names = Names::load(conn, &employer_ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let actions = party_actions(&r, viewer.party(&r), today);
            let cats: Vec<String> = json_list(&r.categories);
            AgreementView {
                id: r.id,
                state: r.state(),
                surplus_post_id: r.surplus_post_id,
                shortage_post_id: r.shortage_post_id,
                lender: names.employer(r.lender_id),
                borrower: names.employer(r.borrower_id),
                categories: cats.iter().map(|c| names.category(c)).collect(),
                headcount: r.headcount,
                injury_responsibility: r.injury_responsibility,
                lender_agreed: r.lender_agreed_at.is_some(),
                borrower_agreed: r.borrower_agreed_at.is_some(),
                actions,
                created_at: to_display(r.created_at),
                updated_at: to_display(r.updated_at),
                started_at: r.started_at.map(to_display),
                ended_at: r.ended_at.map(to_display),
                cancelled_at: r.cancelled_at.map(to_display),
                start_date: r.start_date,
                end_date: r.end_date,
                address: r.address,
                lat: r.lat,
                lng: r.lng,
                adcode: r.adcode,
                wages_paid_by: r.wages_paid_by,
                social_insurance_paid_by: r.social_insurance_paid_by,
                injury_note: r.injury_note,
                consenting_workers: r.consenting_workers,
                consent_note: r.consent_note,
                terms: r.terms,
                proposed_by: r.proposed_by,
                cancel_reason: r.cancel_reason,
            }
        })
        .collect())
}

/// Who is looking: staff with their scope, an employer with their profile's id, or someone else.
enum Viewer {
    Staff(StaffScope),
    Employer(i64),
    Nobody,
}

impl Viewer {
    fn of(conn: &mut DbConn, user: &AuthUser) -> Result<Viewer, Error> {
        if user.role.is_staff() {
            return Ok(Viewer::Staff(StaffScope::staff(conn, user)?));
        }
        Ok(match own_employer_id(conn, user)? {
            Some(id) => Viewer::Employer(id),
            None => Viewer::Nobody,
        })
    }

    fn party(&self, r: &AgreementRow) -> Option<Party> {
        match self {
            Viewer::Staff(s) if s.covers(r.place()) => Some(Party::Staff),
            Viewer::Employer(id) if *id == r.lender_id => Some(Party::Lender),
            Viewer::Employer(id) if *id == r.borrower_id => Some(Party::Borrower),
            _ => None,
        }
    }

    /// In lists, the rows SQL cannot choose: staff see what their scope covers (a station's reach
    /// is a radius); an employer's rows are already chosen by its id.
    fn sees_place(&self, place: Place<'_>) -> bool {
        match self {
            Viewer::Staff(s) => s.covers(place),
            _ => true,
        }
    }

    /// Whether the viewer may read the post: its enterprise, or staff covering its place. Staff
    /// elsewhere are refused (403); anyone else is told it does not exist.
    fn check_post(&self, p: &PostRow) -> Result<(), Error> {
        match self {
            Viewer::Staff(s) => s.check(p.place()),
            Viewer::Employer(id) if *id == p.employer_id => Ok(()),
            _ => Err(Error::NotFound(Thing::SharingPost)),
        }
    }

    fn check_agreement(&self, r: &AgreementRow) -> Result<Party, Error> {
        match (self, self.party(r)) {
            (_, Some(p)) => Ok(p),
            (Viewer::Staff(_), None) => Err(Error::forbidden()),
            _ => Err(Error::NotFound(Thing::SharingAgreement)),
        }
    }
}

fn today_of(conn_now: NaiveDateTime) -> NaiveDate {
    local_date(conn_now)
}

// ---------------------------------------------------------------------------------------------
// Posts
// ---------------------------------------------------------------------------------------------

/// Post a surplus or a shortage (verified enterprises only). Returns the post.
pub async fn create_post(svc: &Services, user: &AuthUser, req: PostRequest) -> Result<PostView, Error> {
    let (user, listing, area) = (user.clone(), svc.rules.clone(), svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let employer = enterprise(tx, &user)?;
            let now = tx.now();
            let v = validate_post(tx, &listing, &area, &req, today_of(now))?;
            let id: i64 = diesel::insert_into(sharing_posts::table)
                .values((
                    sharing_posts::employer_id.eq(employer.id),
                    sharing_posts::side.eq(v.side.as_str()),
                    sharing_posts::categories.eq(to_json(&v.categories)),
                    sharing_posts::headcount.eq(v.headcount),
                    sharing_posts::start_date.eq(v.dates.start.to_string()),
                    sharing_posts::end_date.eq(v.dates.end.to_string()),
                    sharing_posts::address.eq(&v.address),
                    sharing_posts::lat.eq(v.point.lat),
                    sharing_posts::lng.eq(v.point.lng),
                    sharing_posts::adcode.eq(&v.adcode),
                    sharing_posts::note.eq(&v.note),
                    sharing_posts::status.eq(STATUS_OPEN),
                    sharing_posts::created_by.eq(user.id),
                    sharing_posts::created_at.eq(now),
                    sharing_posts::updated_at.eq(now),
                ))
                .returning(sharing_posts::id)
                .get_result(tx.conn())?;
            audit::record(
                tx,
                audit::Entry {
                    actor_id: user.id,
                    action: "sharing.post",
                    target_type: "sharing_post",
                    target_id: id,
                    reason: None,
                    before: None,
                    after: Some(json!({"side": v.side.as_str(), "headcount": v.headcount, "adcode": v.adcode})),
                },
            )?;
            let row = post_by_id(tx, id)?;
            Ok(post_views(tx, vec![row])?.remove(0))
        })
        .await
}

/// The caller's posts (an enterprise), or the posts in the caller's area (staff), newest first,
/// a page at a time.
pub async fn list_posts(svc: &Services, user: &AuthUser, page: PageRequest) -> Result<Page<PostView>, Error> {
    let user = user.clone();
    svc.db
        .run(move |conn| {
            let viewer = Viewer::of(conn, &user)?;
            let employer = match &viewer {
                Viewer::Employer(id) => Some(*id),
                Viewer::Staff(_) => None,
                Viewer::Nobody => return Err(Error::forbidden()),
            };
            let batch = |conn: &mut DbConn, before: Option<i64>, n: i64| {
                let mut q = sharing_posts::table.order(sharing_posts::id.desc()).limit(n).into_boxed();
                if let Some(id) = employer {
                    q = q.filter(sharing_posts::employer_id.eq(id));
                }
                if let Some(b) = before {
                    q = q.filter(sharing_posts::id.lt(b));
                }
                q.load::<PostRow>(conn)
            };
            let (rows, next_cursor) = page.split_filtered(|before, n| batch(conn, before, n), |r| viewer.sees_place(r.place()), |r| r.id)?;
            Ok(Page { items: post_views(conn, rows)?, next_cursor })
        })
        .await
}

pub async fn get_post(svc: &Services, user: &AuthUser, id: i64) -> Result<PostView, Error> {
    let user = user.clone();
    svc.db
        .run(move |conn| {
            let viewer = Viewer::of(conn, &user)?;
            let row = post_by_id(conn, id)?;
            viewer.check_post(&row)?;
            Ok(post_views(conn, vec![row])?.remove(0))
        })
        .await
}

/// The enterprise withdraws its post; agreements already made from it go on.
pub async fn withdraw_post(svc: &Services, user: &AuthUser, id: i64) -> Result<PostView, Error> {
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            user.require(&[Role::Employer])?;
            let mine = own_employer_id(tx, &user)?;
            let row = post_by_id(tx, id)?;
            if mine != Some(row.employer_id) {
                return Err(Error::NotFound(Thing::SharingPost));
            }
            let now = tx.now();
            let n = diesel::update(sharing_posts::table.find(id).filter(sharing_posts::status.eq(STATUS_OPEN)))
                .set((sharing_posts::status.eq(STATUS_WITHDRAWN), sharing_posts::updated_at.eq(now)))
                .execute(tx.conn())?;
            if n == 0 {
                return Err(Error::Conflict(Conflict::SharingPostWithdrawn));
            }
            audit::record(
                tx,
                audit::Entry {
                    actor_id: user.id,
                    action: "sharing.withdraw",
                    target_type: "sharing_post",
                    target_id: id,
                    reason: None,
                    before: Some(json!({"status": STATUS_OPEN})),
                    after: Some(json!({"status": STATUS_WITHDRAWN})),
                },
            )?;
            let row = post_by_id(tx, id)?;
            Ok(post_views(tx, vec![row])?.remove(0))
        })
        .await
}

/// The posts on the other side that match `id`, best first, with reasons: for the post's
/// enterprise and for staff covering it.
pub async fn matches(svc: &Services, user: &AuthUser, id: i64) -> Result<Vec<MatchView>, Error> {
    let (user, now) = (user.clone(), svc.clock.now());
    svc.db
        .run(move |conn| {
            let viewer = Viewer::of(conn, &user)?;
            let row = post_by_id(conn, id)?;
            viewer.check_post(&row)?;
            if !row.is_open() {
                return Ok(Vec::new());
            }
            let today = today_of(now);
            let blocked: Vec<i64> = employers::table.filter(employers::blocked.eq(true)).select(employers::id).load(conn)?;
            let others: Vec<PostRow> = sharing_posts::table
                .filter(sharing_posts::side.eq(row.side().other().as_str()))
                .filter(sharing_posts::status.eq(STATUS_OPEN))
                .filter(sharing_posts::end_date.ge(today.to_string()))
                .filter(sharing_posts::employer_id.ne(row.employer_id))
                .filter(sharing_posts::employer_id.ne_all(&blocked))
                .load(conn)?;
            let mut ids: Vec<i64> = others.iter().map(|o| o.id).collect();
            ids.push(row.id);
            let held = held(conn, &ids)?;
            let employer_ids: Vec<i64> = others.iter().map(|o| o.employer_id).collect();
            let names = Names::load(conn, &employer_ids)?;
            let name = |c: &str| {
                let n = names.category(c);
                (n.name_zh, n.name_en)
            };
            let facts_of: Vec<PostFacts> = others.iter().map(|o| facts(o, &held)).collect();
            let ranked = rules::rank(&facts(&row, &held), &facts_of, &name);
            let mut by_id: HashMap<i64, PostRow> = others.into_iter().map(|o| (o.id, o)).collect();
            Ok(ranked
                .into_iter()
                .take(50)
                .filter_map(|(oid, s)| {
                    let post = post_view(&names, &held, by_id.remove(&oid)?);
                    Some(MatchView {
                        post,
                        score: (s.score * 1000.0).round() / 1000.0,
                        distance_km: (s.distance_km * 10.0).round() / 10.0,
                        headcount: s.headcount,
                        shared_categories: s.shared_categories,
                        overlap_start: s.overlap.start.to_string(),
                        overlap_end: s.overlap.end.to_string(),
                        reasons: s.reasons,
                    })
                })
                .collect())
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Agreements
// ---------------------------------------------------------------------------------------------

fn notify_both(tx: &mut Tx, row: &AgreementRow, event: &str) -> Result<(), Error> {
    let parties: Vec<(i64, i64, String)> = employers::table
        .filter(employers::id.eq_any(vec![row.lender_id, row.borrower_id]))
        .select((employers::id, employers::user_id, employers::name))
        .load(tx.conn())?;
    let name = |id: i64| parties.iter().find(|p| p.0 == id).map(|p| p.2.clone()).unwrap_or_default();
    let note = Notification::SharingAgreement(SharingAgreement {
        agreement_id: row.id,
        event: event.to_string(),
        lender: name(row.lender_id),
        borrower: name(row.borrower_id),
        headcount: row.headcount as i64,
        start_date: row.start_date.clone(),
        end_date: row.end_date.clone(),
    });
    for (_, user_id, _) in &parties {
        outbox::enqueue_to_user(tx, *user_id, &note)?;
    }
    Ok(())
}

fn post_for(tx: &mut Tx, errs: &mut FieldErrors, field: &str, id: Option<i64>, side: Side) -> Result<Option<PostRow>, Error> {
    let Some(id) = id else {
        errs.add(field, Invalid::required());
        return Ok(None);
    };
    let row: Option<PostRow> = sharing_posts::table.find(id).first(tx.conn()).optional()?;
    match row {
        None => errs.add(field, Invalid::new("unknown_post", "没有这条共享用工信息", "no such labour-sharing post")),
        Some(r) if r.side() != side => errs.add(
            field,
            match side {
                Side::Surplus => Invalid::new("wrong_side", "这条信息不是富余（借出）信息", "this post is not a surplus"),
                Side::Shortage => Invalid::new("wrong_side", "这条信息不是短缺（借入）信息", "this post is not a shortage"),
            },
        ),
        Some(r) if !r.is_open() => errs.add(field, Invalid::new("post_withdrawn", "该信息已撤回", "this post is withdrawn")),
        Some(r) => return Ok(Some(r)),
    }
    Ok(None)
}

/// An enterprise on an agreement must still be fit to share (verified, not blocked, an
/// enterprise): the same checks as posting.
fn party_fit(tx: &mut Tx, errs: &mut FieldErrors, field: &str, employer_id: i64) -> Result<(), Error> {
    let (kind, verified, blocked): (String, bool, bool) =
        employers::table.find(employer_id).select((employers::kind, employers::verified, employers::blocked)).first(tx.conn())?;
    if kind != EmployerKind::Enterprise.as_str() || !verified || blocked {
        errs.add(
            field,
            Invalid::new("employer_not_eligible", "该信息的单位目前不能参与共享用工", "the enterprise behind this post cannot take part in labour sharing now"),
        );
    }
    Ok(())
}

/// Staff propose an agreement from a surplus and a shortage that match. Staff whose scope covers
/// the place of work (the shortage post's) only.
pub async fn propose(svc: &Services, user: &AuthUser, req: ProposeRequest) -> Result<AgreementView, Error> {
    let (user, listing) = (user.clone(), svc.rules.clone());
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::staff(tx, &user)?;
            let now = tx.now();
            let today = today_of(now);
            let mut errs = FieldErrors::new();
            let surplus = post_for(tx, &mut errs, "surplus_post_id", req.surplus_post_id, Side::Surplus)?;
            let shortage = post_for(tx, &mut errs, "shortage_post_id", req.shortage_post_id, Side::Shortage)?;
            if let Some(s) = &shortage {
                // Out of the staff member's area is a refusal, not a field to fix.
                scope.check(s.place())?;
            }
            if let Some(s) = &surplus {
                party_fit(tx, &mut errs, "surplus_post_id", s.employer_id)?;
            }
            if let Some(s) = &shortage {
                party_fit(tx, &mut errs, "shortage_post_id", s.employer_id)?;
            }
            let headcount = match req.headcount {
                None => {
                    errs.add("headcount", Invalid::required());
                    None
                }
                Some(n) => errs.check("headcount", rules::headcount(n)),
            };
            let consent_note = text(&mut errs, "consent_note", req.consent_note.as_deref(), 5, 500);
            let terms = text(&mut errs, "terms", req.terms.as_deref(), 10, 3000);
            let injury = match req.injury_responsibility.as_deref() {
                None => Some(InjuryResponsibility::Lender),
                Some(s) => errs.check("injury_responsibility", InjuryResponsibility::parse(s)),
            };
            let injury_note = match injury {
                Some(InjuryResponsibility::Lender) => text(&mut errs, "injury_note", req.injury_note.as_deref(), 0, 500),
                // Another arrangement must say what was agreed.
                Some(_) => text(&mut errs, "injury_note", req.injury_note.as_deref(), 5, 500),
                None => None,
            };
            let consenting = match (req.consenting_workers, headcount) {
                (None, _) => {
                    errs.add("consenting_workers", Invalid::required());
                    None
                }
                (Some(c), Some(h)) if c < h as i64 => {
                    errs.add(
                        "consenting_workers",
                        Invalid::new(
                            "consent_missing",
                            format!("员工须本人同意：同意的员工（{c} 人）少于共享人数（{h} 人）"),
                            format!("workers take part only with their consent: {c} consented, fewer than the {h} to be shared"),
                        ),
                    );
                    None
                }
                (Some(c), _) if !(1..=rules::MAX_HEADCOUNT).contains(&c) => {
                    errs.add(
                        "consenting_workers",
                        Invalid::out_of_range(format!("应在 1 到 {} 之间", rules::MAX_HEADCOUNT), format!("must be 1 to {}", rules::MAX_HEADCOUNT)),
                    );
                    None
                }
                (Some(c), _) => Some(c as i32),
            };
            // The pair must match now, with what each still has free.
            let mut range = None;
            if let (Some(s), Some(t)) = (&surplus, &shortage) {
                // A no-op write takes both posts' row locks (PostgreSQL; SQLite's write lock is
                // already held), so concurrent proposals on them count each other's staff.
                diesel::update(sharing_posts::table.filter(sharing_posts::id.eq_any(vec![s.id, t.id])))
                    .set(sharing_posts::updated_at.eq(sharing_posts::updated_at))
                    .execute(tx.conn())?;
                let held = held(tx, &[s.id, t.id])?;
                let names = |c: &str| (c.to_string(), c.to_string());
                match rules::score(&facts(s, &held), &facts(t, &held), &names) {
                    None => errs.add(
                        "shortage_post_id",
                        Invalid::new(
                            "not_a_match",
                            "这两条信息不匹配（技能、日期、距离或剩余人数不符，或属同一单位）",
                            "these posts do not match (skills, dates, distance or free headcount, or the same enterprise)",
                        ),
                    ),
                    Some(m) => {
                        if let Some(h) = headcount
                            && h as i64 > m.headcount
                        {
                            errs.add(
                                "headcount",
                                Invalid::new(
                                    "too_many",
                                    format!("两条信息目前最多可共享 {} 人", m.headcount),
                                    format!("at most {} can be shared between these posts now", m.headcount),
                                ),
                            );
                        }
                        let start = req.start_date.clone().unwrap_or_else(|| m.overlap.start.max(today).to_string());
                        let end = req.end_date.clone().unwrap_or_else(|| m.overlap.end.to_string());
                        if let Some(r) = dates(&mut errs, Some(&start), Some(&end), today) {
                            if m.overlap.contains(&r) {
                                range = Some((r, m.shared_categories));
                            } else {
                                errs.add(
                                    "start_date",
                                    Invalid::new(
                                        "outside_overlap",
                                        format!("日期须在两条信息共同的 {} 至 {} 之内", m.overlap.start, m.overlap.end),
                                        format!("dates must lie within {} to {}, the days both posts cover", m.overlap.start, m.overlap.end),
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            let texts: Vec<(&str, &str)> = [("terms", terms.as_deref()), ("consent_note", consent_note.as_deref()), ("injury_note", injury_note.as_deref())]
                .into_iter()
                .filter_map(|(f, v)| v.map(|v| (f, v)))
                .collect();
            errs.extend(screen(&listing, &texts));
            errs.into_result()?;
            let (surplus, shortage) = (surplus.expect("checked"), shortage.expect("checked"));
            let (range, cats) = range.expect("checked");
            let id: i64 = diesel::insert_into(sharing_agreements::table)
                .values((
                    sharing_agreements::surplus_post_id.eq(surplus.id),
                    sharing_agreements::shortage_post_id.eq(shortage.id),
                    sharing_agreements::lender_id.eq(surplus.employer_id),
                    sharing_agreements::borrower_id.eq(shortage.employer_id),
                    sharing_agreements::categories.eq(to_json(&cats)),
                    sharing_agreements::headcount.eq(headcount.expect("checked")),
                    sharing_agreements::start_date.eq(range.start.to_string()),
                    sharing_agreements::end_date.eq(range.end.to_string()),
                    sharing_agreements::address.eq(&shortage.address),
                    sharing_agreements::lat.eq(shortage.lat),
                    sharing_agreements::lng.eq(shortage.lng),
                    sharing_agreements::adcode.eq(&shortage.adcode),
                    sharing_agreements::wages_paid_by.eq(PAID_BY_LENDER),
                    sharing_agreements::social_insurance_paid_by.eq(PAID_BY_LENDER),
                    sharing_agreements::injury_responsibility.eq(injury.expect("checked").as_str()),
                    sharing_agreements::injury_note.eq(injury_note.expect("checked")),
                    sharing_agreements::consenting_workers.eq(consenting.expect("checked")),
                    sharing_agreements::consent_note.eq(consent_note.expect("checked")),
                    sharing_agreements::terms.eq(terms.expect("checked")),
                    sharing_agreements::state.eq(AgreementState::Proposed.as_str()),
                    sharing_agreements::proposed_by.eq(user.id),
                    sharing_agreements::created_at.eq(now),
                    sharing_agreements::updated_at.eq(now),
                ))
                .returning(sharing_agreements::id)
                .get_result(tx.conn())?;
            let row = agreement_by_id(tx, id)?;
            audit::record(
                tx,
                audit::Entry {
                    actor_id: user.id,
                    action: "sharing.propose",
                    target_type: "sharing_agreement",
                    target_id: id,
                    reason: None,
                    before: None,
                    after: Some(json!({
                        "state": row.state, "lender_id": row.lender_id, "borrower_id": row.borrower_id, "headcount": row.headcount,
                        "start_date": row.start_date, "end_date": row.end_date, "consenting_workers": row.consenting_workers,
                        "injury_responsibility": row.injury_responsibility,
                    })),
                },
            )?;
            notify_both(tx, &row, "proposed")?;
            Ok(agreement_views(tx, vec![row], &Viewer::Staff(scope), today)?.remove(0))
        })
        .await
}

/// One agreement: for its two enterprises and for staff covering its place.
pub async fn get_agreement(svc: &Services, user: &AuthUser, id: i64) -> Result<AgreementView, Error> {
    let (user, now) = (user.clone(), svc.clock.now());
    svc.db
        .run(move |conn| {
            let viewer = Viewer::of(conn, &user)?;
            let row = agreement_by_id(conn, id)?;
            viewer.check_agreement(&row)?;
            agreement_views(conn, vec![row], &viewer, today_of(now)).map(|mut v| v.remove(0))
        })
        .await
}

/// The caller's enterprise's agreements (as lender or borrower), or those in the staff
/// member's area, newest first, a page at a time.
pub async fn list_agreements(svc: &Services, user: &AuthUser, page: PageRequest) -> Result<Page<AgreementView>, Error> {
    let (user, now) = (user.clone(), svc.clock.now());
    svc.db
        .run(move |conn| {
            let viewer = Viewer::of(conn, &user)?;
            let employer = match &viewer {
                Viewer::Employer(id) => Some(*id),
                Viewer::Staff(_) => None,
                Viewer::Nobody => return Err(Error::forbidden()),
            };
            let batch = |conn: &mut DbConn, before: Option<i64>, n: i64| {
                let mut q = sharing_agreements::table.order(sharing_agreements::id.desc()).limit(n).into_boxed();
                if let Some(id) = employer {
                    q = q.filter(sharing_agreements::lender_id.eq(id).or(sharing_agreements::borrower_id.eq(id)));
                }
                if let Some(b) = before {
                    q = q.filter(sharing_agreements::id.lt(b));
                }
                q.load::<AgreementRow>(conn)
            };
            let (rows, next_cursor) = page.split_filtered(|before, n| batch(conn, before, n), |r| viewer.sees_place(r.place()), |r| r.id)?;
            Ok(Page { items: agreement_views(conn, rows, &viewer, today_of(now))?, next_cursor })
        })
        .await
}

/// Move an agreement (`agree`, `start`, `end`, `cancel`) by the one rule in
/// `domain::sharing::next`; audited, and both enterprises are told.
pub async fn act(svc: &Services, user: &AuthUser, id: i64, action: AgreementAction, req: ActionRequest) -> Result<AgreementView, Error> {
    let (user, listing) = (user.clone(), svc.rules.clone());
    svc.db
        .tx(move |tx| {
            let mut errs = FieldErrors::new();
            let reason = text(&mut errs, "reason", req.reason.as_deref(), 0, 500).filter(|s| !s.is_empty());
            if let Some(r) = &reason {
                errs.extend(screen(&listing, &[("reason", r)]));
            }
            let viewer = Viewer::of(tx, &user)?;
            let row = agreement_by_id(tx, id)?;
            let party = viewer.check_agreement(&row)?;
            if party != Party::Staff {
                // An enterprise acts only while it is still fit to share.
                enterprise(tx, &user)?;
            }
            errs.into_result()?;
            let now = tx.now();
            let today = today_of(now);
            let state = row.state();
            let agreed = (row.lender_agreed_at.is_some(), row.borrower_agreed_at.is_some());
            let started_ok = rules::parse_date(&row.start_date).is_ok_and(|d| d <= today);
            let step = rules::next(state, action, party, agreed, started_ok).map_err(|r| match r {
                Refusal::WrongState => Error::Conflict(Conflict::SharingWrongState { state: state.as_str().into(), action: action.as_str().into() }),
                Refusal::NotYours => Error::forbidden(),
                Refusal::AlreadyAgreed => Error::Conflict(Conflict::SharingAlreadyAgreed),
                Refusal::TooEarly => Error::Conflict(Conflict::SharingTooEarly { start_date: row.start_date.clone() }),
            })?;
            let target = sharing_agreements::table.find(id).filter(sharing_agreements::state.eq(state.as_str()));
            let (new_state, event) = match step {
                Step::AgreedByOne => (state, if party == Party::Lender { "agreed_by_lender" } else { "agreed_by_borrower" }),
                Step::To(s) => (s, s.as_str()),
            };
            // Guarded on the state read: of two racing moves one wins, the other is refused.
            let n = match (action, party) {
                (AgreementAction::Agree, Party::Lender) => diesel::update(target.filter(sharing_agreements::lender_agreed_at.is_null()))
                    .set((
                        sharing_agreements::lender_agreed_at.eq(now),
                        sharing_agreements::state.eq(new_state.as_str()),
                        sharing_agreements::updated_at.eq(now),
                    ))
                    .execute(tx.conn())?,
                (AgreementAction::Agree, _) => diesel::update(target.filter(sharing_agreements::borrower_agreed_at.is_null()))
                    .set((
                        sharing_agreements::borrower_agreed_at.eq(now),
                        sharing_agreements::state.eq(new_state.as_str()),
                        sharing_agreements::updated_at.eq(now),
                    ))
                    .execute(tx.conn())?,
                (AgreementAction::Start, _) => diesel::update(target)
                    .set((sharing_agreements::started_at.eq(now), sharing_agreements::state.eq(new_state.as_str()), sharing_agreements::updated_at.eq(now)))
                    .execute(tx.conn())?,
                (AgreementAction::End, _) => diesel::update(target)
                    .set((sharing_agreements::ended_at.eq(now), sharing_agreements::state.eq(new_state.as_str()), sharing_agreements::updated_at.eq(now)))
                    .execute(tx.conn())?,
                (AgreementAction::Cancel, _) => diesel::update(target)
                    .set((
                        sharing_agreements::cancelled_at.eq(now),
                        sharing_agreements::cancel_reason.eq(reason.as_deref()),
                        sharing_agreements::state.eq(new_state.as_str()),
                        sharing_agreements::updated_at.eq(now),
                    ))
                    .execute(tx.conn())?,
            };
            if n == 0 {
                let fresh = agreement_by_id(tx, id)?;
                return Err(Error::Conflict(Conflict::SharingWrongState { state: fresh.state.as_str().into(), action: action.as_str().into() }));
            }
            let party_word = match party {
                Party::Staff => "staff",
                Party::Lender => "lender",
                Party::Borrower => "borrower",
            };
            audit::record(
                tx,
                audit::Entry {
                    actor_id: user.id,
                    action: match action {
                        AgreementAction::Agree => "sharing.agree",
                        AgreementAction::Start => "sharing.start",
                        AgreementAction::End => "sharing.end",
                        AgreementAction::Cancel => "sharing.cancel",
                    },
                    target_type: "sharing_agreement",
                    target_id: id,
                    reason: reason.as_deref(),
                    before: Some(json!({"state": state.as_str(), "lender_agreed": agreed.0, "borrower_agreed": agreed.1})),
                    after: Some(json!({"state": new_state.as_str(), "event": event, "by": party_word})),
                },
            )?;
            let row = agreement_by_id(tx, id)?;
            notify_both(tx, &row, event)?;
            Ok(agreement_views(tx, vec![row], &viewer, today)?.remove(0))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

/// Labour-sharing figures for places whose district code `place_ok` takes, over `[from, to)`
/// (UTC): posts created in the period by side with their headcount, agreements proposed in the
/// period by their state now, and the staff of agreements that started in it. The statistics
/// service passes its district rule (the asker's scope and the district asked for), so these
/// figures cover exactly the area its other figures do.
pub fn counts(conn: &mut DbConn, place_ok: &dyn Fn(Option<&str>) -> bool, from: NaiveDateTime, to: NaiveDateTime) -> Result<SharingCounts, Error> {
    let posts: Vec<(String, i32, String)> = sharing_posts::table
        .filter(sharing_posts::created_at.ge(from))
        .filter(sharing_posts::created_at.lt(to))
        .select((sharing_posts::side, sharing_posts::headcount, sharing_posts::adcode))
        .load(conn)?;
    let mut out = SharingCounts { agreements: AgreementState::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect(), ..Default::default() };
    for (side, n, _) in posts.into_iter().filter(|(_, _, a)| place_ok(Some(a))) {
        if side == Side::Surplus.as_str() {
            out.surplus_posts += 1;
            out.surplus_headcount += n as i64;
        } else {
            out.shortage_posts += 1;
            out.shortage_headcount += n as i64;
        }
    }
    let states: Vec<(String, String)> = sharing_agreements::table
        .filter(sharing_agreements::created_at.ge(from))
        .filter(sharing_agreements::created_at.lt(to))
        .select((sharing_agreements::state, sharing_agreements::adcode))
        .load(conn)?;
    for (s, _) in states.into_iter().filter(|(_, a)| place_ok(Some(a))) {
        *out.agreements.entry(s).or_insert(0) += 1;
    }
    let started: Vec<(i32, String)> = sharing_agreements::table
        .filter(sharing_agreements::started_at.ge(from))
        .filter(sharing_agreements::started_at.lt(to))
        .select((sharing_agreements::headcount, sharing_agreements::adcode))
        .load(conn)?;
    out.headcount_shared = started.into_iter().filter(|(_, a)| place_ok(Some(a))).map(|(n, _)| i64::from(n)).sum();
    Ok(out)
}
