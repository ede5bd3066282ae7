//! Recruitment events (专场招聘): staff hold one for target groups (高校毕业生, 农民工, 就业困难人员,
//! 退役军人 …) and occupations, on site, online or both; employers join it and attach shifts they
//! posted the normal way (published and visible only: joining never skips review); workers
//! register interest, get a reminder the day before (`jobs::event_reminders`) and check in at the
//! venue by scanning its QR code, or at a station desk. Afterwards the event has its figures.
//!
//! A check-in keeps only that it happened and when: where someone was is 行踪轨迹, sensitive under
//! 个人信息保护法 Art. 28, and an event needs no more. Key-group figures are staff-only.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::db::models::{EmployerRow, ShiftRow};
use crate::db::schema::{employers, engagements, event_checkins, event_employers, event_interests, event_shifts, events, shifts, workers};
use crate::db::{DbConn, Tx};
use crate::domain::engagement::State;
use crate::domain::time::{parse_instant, to_display};
use crate::domain::{BoundedText, EventKind, EventStatus, GeoPoint, KeyGroup, Role};
use crate::domain::{EventId, ShiftId};
use crate::error::{Conflict, Error, FieldErrors, Invalid, Thing};
use crate::services::Services;
use crate::services::districts::{Districts, ServiceArea};
use crate::services::page::{Page, PageRequest};
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::EmployerSummary;
use crate::services::{audit, json_list, to_json};

/// Check-in at the venue opens this long before the event starts (people queue at the door).
pub const CHECK_IN_OPENS_MINUTES_BEFORE: i64 = 60;
/// An event is a day or a few, not a season: longer ones are several events.
pub const MAX_DAYS: i64 = 7;
pub const MAX_CATEGORIES: usize = 20;

fn invalid_token() -> Invalid {
    Invalid::new("invalid_token", "签到码无效，请重新扫描现场的二维码", "the check-in code is not valid; scan the QR code at the venue again")
}

/// What staff send to create or change an event (the whole event each time).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    /// 4–60 characters, e.g. `朝阳区高校毕业生专场招聘会`.
    #[schema(value_type = String, required = true, min_length = 4, max_length = 60)]
    pub title: Option<String>,
    /// Up to 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// `on_site`, `online` or `both`.
    #[schema(value_type = String, required = true, pattern = "^(on_site|online|both)$")]
    pub kind: Option<String>,
    /// RFC 3339; in the future when the event is created.
    #[schema(value_type = String, required = true, format = DateTime)]
    pub starts_at: Option<String>,
    /// RFC 3339; after `starts_at`, at most 7 days later.
    #[schema(value_type = String, required = true, format = DateTime)]
    pub ends_at: Option<String>,
    /// The venue (on site and both).
    #[schema(max_length = 200)]
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The county (12-digit adcode or its 6-digit form) that holds the event; staff act in theirs.
    #[schema(pattern = "^[0-9]{6,12}$")]
    pub adcode: Option<String>,
    /// `https://…` link to join (online and both).
    #[schema(pattern = "^https?://[^\\s]{1,290}$")]
    pub online_url: Option<String>,
    /// Who holds it, 2–60 characters, e.g. `朝阳区人力资源和社会保障局`.
    #[schema(value_type = String, required = true, min_length = 2, max_length = 60)]
    pub organiser: Option<String>,
    /// Key groups the event is for (empty: everyone).
    #[schema(value_type = Option<Vec<KeyGroup>>)]
    pub target_groups: Option<Vec<String>>,
    /// Occupation codes (`GET /api/v1/categories`), at most 20.
    pub categories: Option<Vec<String>>,
    /// `draft` (only staff see it) or `published` (default).
    #[schema(pattern = "^(draft|published)$")]
    pub status: Option<String>,
}

/// An event as validated on construction: every field error at once.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub title: String,
    pub description: String,
    pub kind: EventKind,
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub address: Option<String>,
    pub point: Option<GeoPoint>,
    pub adcode: String,
    pub online_url: Option<String>,
    pub organiser: String,
    pub target_groups: Vec<KeyGroup>,
    pub categories: Vec<String>,
}

impl NewEvent {
    /// Checks everything but the occupation codes' existence (that needs the database: `check_categories`).
    pub fn parse(r: &EventRequest, area: &ServiceArea, now: NaiveDateTime, starts_before: Option<NaiveDateTime>) -> Result<NewEvent, Error> {
        let districts = Districts::get();
        let mut errs = FieldErrors::new();
        let title = errs.check("title", BoundedText::parse(r.title.as_deref().unwrap_or(""), 4, 60));
        let description = errs.check("description", BoundedText::parse(r.description.as_deref().unwrap_or(""), 0, 2000));
        let organiser = errs.check("organiser", BoundedText::parse(r.organiser.as_deref().unwrap_or(""), 2, 60));
        let kind = match r.kind.as_deref() {
            None | Some("") => errs.check("kind", Err(Invalid::required())),
            Some(k) => errs.check("kind", EventKind::parse(k)),
        };
        let status = match r.status.as_deref() {
            None | Some("") => Some(EventStatus::Published),
            Some(s) => match EventStatus::parse(s) {
                Ok(EventStatus::Cancelled) => errs.check(
                    "status",
                    Err(Invalid::new(
                        "invalid_choice",
                        "状态应为 draft 或 published（取消请用取消操作）",
                        "status must be draft or published (cancel with the cancel action)",
                    )),
                ),
                r => errs.check("status", r),
            },
        };
        let when = |errs: &mut FieldErrors, field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => errs.check(field, Err(Invalid::required())),
            Some(s) => errs.check(field, parse_instant(s)),
        };
        let starts_at = when(&mut errs, "starts_at", &r.starts_at);
        let ends_at = when(&mut errs, "ends_at", &r.ends_at);
        if let Some(s) = starts_at
            && s <= now
            // An event already under way may be edited without moving its start.
            && starts_before != Some(s)
        {
            errs.add("starts_at", Invalid::new("in_the_past", "开始时间应在将来", "starts_at must be in the future"));
        }
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if e <= s {
                errs.add("ends_at", Invalid::new("before_start", "结束时间应晚于开始时间", "ends_at must be after starts_at"));
            } else if e - s > chrono::Duration::days(MAX_DAYS) {
                errs.add("ends_at", Invalid::out_of_range(format!("招聘会最长 {MAX_DAYS} 天"), format!("an event lasts at most {MAX_DAYS} days")));
            }
        }
        let on_site = kind.is_some_and(|k| k != EventKind::Online);
        let online = kind.is_some_and(|k| k != EventKind::OnSite);
        let (mut address, mut point) = (None, None);
        if on_site {
            address = errs.check("address", BoundedText::parse(r.address.as_deref().unwrap_or(""), 1, 200)).map(BoundedText::into_string);
            point = GeoPoint::check(&mut errs, "", r.lat, r.lng);
        } else if r.address.as_deref().is_some_and(|a| !a.trim().is_empty()) || r.lat.is_some() || r.lng.is_some() {
            let e = Invalid::new(
                "not_for_online",
                "线上招聘会没有现场地点；现场举办请选择 on_site 或 both",
                "an online event has no venue; choose on_site or both to hold it somewhere",
            );
            errs.add("address", e);
        }
        let mut online_url = None;
        if online {
            online_url = match r.online_url.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => errs.check("online_url", Err(Invalid::required())),
                Some(u) => errs.check("online_url", web_link(u)),
            };
        } else if r.online_url.as_deref().is_some_and(|u| !u.trim().is_empty()) {
            errs.add(
                "online_url",
                Invalid::new(
                    "not_for_on_site",
                    "现场招聘会没有线上链接；线上参加请选择 online 或 both",
                    "an on-site event has no online link; choose online or both",
                ),
            );
        }
        // The same place rule as stations: a county in the service area that agrees with the venue's point.
        let not_a_county = Invalid::new("not_a_county", "请填写举办地所在的区县代码", "give the code of the county holding the event");
        let county = districts.venue(&mut errs, r.adcode.as_deref(), point, area, not_a_county);
        let mut target_groups = Vec::new();
        for (i, g) in r.target_groups.iter().flatten().enumerate() {
            if let Some(g) = errs.check(format!("target_groups[{i}]"), KeyGroup::parse(g))
                && !target_groups.contains(&g)
            {
                target_groups.push(g);
            }
        }
        let mut categories: Vec<String> = Vec::new();
        let given = r.categories.as_deref().unwrap_or_default();
        if given.len() > MAX_CATEGORIES {
            errs.add("categories", Invalid::new("too_many", format!("最多 {MAX_CATEGORIES} 个职业"), format!("at most {MAX_CATEGORIES} occupations")));
        } else {
            for (i, c) in given.iter().enumerate() {
                if let Some(c) = errs.check(format!("categories[{i}]"), crate::services::categories::code(c.trim()))
                    && !categories.contains(&c)
                {
                    categories.push(c);
                }
            }
        }
        errs.into_result()?;
        Ok(NewEvent {
            title: title.expect("checked").into_string(),
            description: description.expect("checked").into_string(),
            kind: kind.expect("checked"),
            status: status.expect("checked"),
            starts_at: starts_at.expect("checked"),
            ends_at: ends_at.expect("checked"),
            address,
            point,
            adcode: county.expect("checked").adcode.clone(),
            online_url,
            organiser: organiser.expect("checked").into_string(),
            target_groups,
            categories,
        })
    }

    fn place(&self) -> Place<'_> {
        Place { adcode: Some(&self.adcode), point: self.point }
    }
}

/// An `http(s)://` link with no spaces or control characters, at most 300 characters.
fn web_link(u: &str) -> Result<String, Invalid> {
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 300
        && u.len() > "https://".len()
        && !u.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if ok {
        Ok(u.to_string())
    } else {
        Err(Invalid::new("invalid_url", "链接应以 https:// 开头，不含空格", "the link must start with https:// and contain no spaces"))
    }
}

/// Occupation codes that must exist, named by their place in the request.
fn check_categories(conn: &mut DbConn, given: &[String]) -> Result<(), Error> {
    let unknown = crate::services::categories::unknown_codes(conn, given)?;
    let mut errs = FieldErrors::new();
    for (i, c) in given.iter().enumerate() {
        if unknown.contains(c) {
            errs.add(format!("categories[{i}]"), Invalid::new("unknown_category", "未知的职业分类", "unknown occupation category"));
        }
    }
    errs.into_result()
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    #[diesel(deserialize_as = String)]
    pub kind: EventKind,
    #[diesel(deserialize_as = String)]
    pub status: EventStatus,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub adcode: String,
    pub online_url: Option<String>,
    pub organiser: String,
    pub target_groups: String,
    pub categories: String,
    pub checkin_secret: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl EventRow {
    pub fn point(&self) -> Option<GeoPoint> {
        Some(GeoPoint { lat: self.lat?, lng: self.lng? })
    }

    pub fn place(&self) -> Place<'_> {
        Place { adcode: Some(&self.adcode), point: self.point() }
    }

    pub fn status(&self) -> EventStatus {
        self.status
    }

    pub fn kind(&self) -> EventKind {
        self.kind
    }

    pub fn ended(&self, now: NaiveDateTime) -> bool {
        self.ends_at <= now
    }

    /// Refuses what only an open event takes: published and not over.
    fn require_open(&self, now: NaiveDateTime) -> Result<(), Error> {
        match self.status() {
            EventStatus::Published if self.ended(now) => Err(Error::Conflict(Conflict::EventEnded)),
            EventStatus::Published => Ok(()),
            s => Err(Error::Conflict(Conflict::EventNotOpen { status: s.as_str().to_string() })),
        }
    }
}

/// Named `RecruitmentEvent` in the API document: `EventView` is an engagement's timeline entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RecruitmentEvent)]
pub struct EventView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub kind: EventKind,
    pub status: EventStatus,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: chrono::DateTime<chrono::FixedOffset>,
    /// The event is over.
    pub ended: bool,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub adcode: String,
    /// The county's full name, e.g. `北京市 朝阳区`.
    pub district: Option<String>,
    pub online_url: Option<String>,
    pub organiser: String,
    pub target_groups: Vec<KeyGroup>,
    pub categories: Vec<String>,
    /// Employers that joined (blocked ones left out, as from search).
    pub employers: Vec<EmployerSummary>,
    /// The attached shifts open now (published, visible); `GET /api/v1/shifts/search?event={id}` searches them.
    pub shift_ids: Vec<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::FixedOffset>,
}

/// An event with what the viewer may do or has done there.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventView,
    /// Workers: whether they registered interest.
    pub interested: Option<bool>,
    /// Workers: when they checked in.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub checked_in_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Employers: whether they joined.
    pub joined: Option<bool>,
    /// Employers: their shifts attached to the event.
    pub my_shift_ids: Option<Vec<i64>>,
    /// Staff in whose area the event is: the link the venue's QR code carries.
    pub check_in_url: Option<String>,
}

fn by_id(conn: &mut DbConn, id: i64) -> Result<EventRow, Error> {
    events::table.find(id).first(conn).optional()?.ok_or(Error::NotFound(Thing::Event))
}

/// The event as `viewer` may read it: drafts only for staff in whose area it is.
fn readable(conn: &mut DbConn, viewer: Option<&AuthUser>, id: i64) -> Result<(EventRow, Option<StaffScope>), Error> {
    let row = by_id(conn, id)?;
    let scope = match viewer {
        Some(u) if u.role.is_staff() => Some(StaffScope::staff(conn, u)?).filter(|s| s.covers(row.place())),
        _ => None,
    };
    if row.status() == EventStatus::Draft && scope.is_none() {
        return Err(Error::NotFound(Thing::Event));
    }
    Ok((row, scope))
}

/// The page the venue's QR code opens: the event's id and its secret.
pub fn check_in_url(public_url: &str, row: &EventRow) -> String {
    format!("{public_url}/events/{}/check-in?token={}", row.id, row.checkin_secret)
}

fn view(conn: &mut DbConn, row: &EventRow, now: NaiveDateTime) -> Result<EventView, Error> {
    let employers: Vec<(i64, String, bool)> = event_employers::table
        .inner_join(employers::table.on(employers::id.eq(event_employers::employer_id)))
        .filter(event_employers::event_id.eq(row.id))
        .filter(employers::blocked.eq(false))
        .order(event_employers::joined_at.asc())
        .select((employers::id, employers::name, employers::verified))
        .load(conn)?;
    let shift_ids = open_shift_ids(conn, row.id)?;
    Ok(EventView {
        id: row.id,
        title: row.title.clone(),
        description: row.description.clone(),
        kind: row.kind(),
        status: row.status(),
        starts_at: to_display(row.starts_at),
        ends_at: to_display(row.ends_at),
        ended: row.ended(now),
        address: row.address.clone(),
        lat: row.lat,
        lng: row.lng,
        adcode: row.adcode.clone(),
        district: Districts::get().by_code(&row.adcode).map(|d| d.full_name.clone()),
        online_url: row.online_url.clone(),
        organiser: row.organiser.clone(),
        target_groups: json_list(&row.target_groups),
        categories: json_list(&row.categories),
        employers: employers.into_iter().map(|(id, name, verified)| EmployerSummary { id, name, verified }).collect(),
        shift_ids,
        created_at: to_display(row.created_at),
        updated_at: to_display(row.updated_at),
    })
}

/// Attached shifts that search would show now (a shift hidden by reports or of a blocked
/// employer is no more the event's to show than it is search's).
fn open_shift_ids(conn: &mut DbConn, event_id: i64) -> Result<Vec<i64>, Error> {
    let attached = event_shifts::table.filter(event_shifts::event_id.eq(event_id)).select(event_shifts::shift_id);
    Ok(ShiftRow::searchable_query().filter(shifts::id.eq_any(attached)).order(shifts::id.asc()).select(shifts::id).load(conn)?)
}

fn detail(
    conn: &mut DbConn,
    viewer: Option<&AuthUser>,
    row: &EventRow,
    scope: Option<&StaffScope>,
    public_url: &str,
    now: NaiveDateTime,
) -> Result<EventDetail, Error> {
    let event = view(conn, row, now)?;
    let mut d = EventDetail { event, interested: None, checked_in_at: None, joined: None, my_shift_ids: None, check_in_url: None };
    match viewer.map(|u| (u.id, u.role)) {
        Some((user_id, Role::Worker)) => {
            if let Some(w) = crate::services::workers::by_user(conn, user_id)? {
                let n: i64 =
                    event_interests::table.filter(event_interests::event_id.eq(row.id)).filter(event_interests::worker_id.eq(w.id)).count().get_result(conn)?;
                d.interested = Some(n > 0);
                let at: Option<NaiveDateTime> = event_checkins::table
                    .filter(event_checkins::event_id.eq(row.id))
                    .filter(event_checkins::worker_id.eq(w.id))
                    .select(event_checkins::checked_in_at)
                    .first(conn)
                    .optional()?;
                d.checked_in_at = at.map(to_display);
            } else {
                d.interested = Some(false);
            }
        }
        Some((user_id, Role::Employer)) => {
            if let Some(e) = crate::services::employers::by_user(conn, user_id)? {
                let n: i64 = event_employers::table
                    .filter(event_employers::event_id.eq(row.id))
                    .filter(event_employers::employer_id.eq(e.id))
                    .count()
                    .get_result(conn)?;
                d.joined = Some(n > 0);
                let mine: Vec<i64> = event_shifts::table
                    .filter(event_shifts::event_id.eq(row.id))
                    .filter(event_shifts::employer_id.eq(e.id))
                    .order(event_shifts::shift_id.asc())
                    .select(event_shifts::shift_id)
                    .load(conn)?;
                d.my_shift_ids = Some(mine);
            } else {
                d.joined = Some(false);
            }
        }
        _ => {}
    }
    if scope.is_some() && row.kind() != EventKind::Online {
        d.check_in_url = Some(check_in_url(public_url, row));
    }
    Ok(d)
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares in time independent of where the strings differ, so the secret cannot be guessed a
/// character at a time from response times.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn audit_after(e: &NewEvent) -> serde_json::Value {
    serde_json::json!({
        "title": e.title, "kind": e.kind.as_str(), "status": e.status.as_str(),
        "starts_at": to_display(e.starts_at), "ends_at": to_display(e.ends_at),
        "address": e.address, "adcode": e.adcode, "online_url": e.online_url, "organiser": e.organiser,
        "target_groups": e.target_groups, "categories": e.categories,
    })
}

fn audit_entry(tx: &mut Tx, actor_id: i64, action: &'static str, event_id: i64, after: serde_json::Value) -> Result<(), Error> {
    audit::record(tx, audit::Entry { actor_id, action, target_type: "event", target_id: event_id, reason: None, before: None, after: Some(after) })
}

// ---------------------------------------------------------------------------------------------
// Operations, each the whole job for the API and the pages.
// ---------------------------------------------------------------------------------------------

/// Create an event (staff, in their own area); audited.
pub async fn create(svc: &Services, user: &AuthUser, req: EventRequest) -> Result<EventDetail, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let now = svc.clock.now();
    let e = NewEvent::parse(&req, &svc.config.listing.service_area, now, None)?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::staff(tx, &user)?;
            scope.check(e.place())?;
            check_categories(tx, &e.categories)?;
            let now = tx.now();
            let id: i64 = diesel::insert_into(events::table)
                .values((
                    events::title.eq(&e.title),
                    events::description.eq(&e.description),
                    events::kind.eq(e.kind.as_str()),
                    events::status.eq(e.status.as_str()),
                    events::starts_at.eq(e.starts_at),
                    events::ends_at.eq(e.ends_at),
                    events::address.eq(&e.address),
                    events::lat.eq(e.point.map(|p| p.lat)),
                    events::lng.eq(e.point.map(|p| p.lng)),
                    events::adcode.eq(&e.adcode),
                    events::online_url.eq(&e.online_url),
                    events::organiser.eq(&e.organiser),
                    events::target_groups.eq(to_json(&e.target_groups)),
                    events::categories.eq(to_json(&e.categories)),
                    events::checkin_secret.eq(new_secret()),
                    events::created_by.eq(user.id),
                    events::created_at.eq(now),
                    events::updated_at.eq(now),
                ))
                .returning(events::id)
                .get_result(tx.conn())?;
            audit_entry(tx, user.id, "event.create", id, audit_after(&e))?;
            let row = by_id(tx, id)?;
            detail(tx, Some(&user), &row, Some(&scope), &public_url, now)
        })
        .await
}

/// Change an event (staff in whose area it is, and stays); a cancelled one stays cancelled. Audited.
pub async fn update(svc: &Services, user: &AuthUser, id: i64, req: EventRequest) -> Result<EventDetail, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let (user, public_url, area) = (user.clone(), svc.config.server.public_url.clone(), svc.config.listing.service_area.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let scope = StaffScope::staff(tx, &user)?;
            let row = by_id(tx, id)?;
            scope.check(row.place())?;
            if row.status() == EventStatus::Cancelled {
                return Err(Error::Conflict(Conflict::EventNotOpen { status: row.status.as_str().into() }));
            }
            if row.ended(now) {
                return Err(Error::Conflict(Conflict::EventEnded));
            }
            let e = NewEvent::parse(&req, &area, now, Some(row.starts_at))?;
            scope.check(e.place())?;
            check_categories(tx, &e.categories)?;
            diesel::update(events::table.find(id))
                .set((
                    events::title.eq(&e.title),
                    events::description.eq(&e.description),
                    events::kind.eq(e.kind.as_str()),
                    events::status.eq(e.status.as_str()),
                    events::starts_at.eq(e.starts_at),
                    events::ends_at.eq(e.ends_at),
                    events::address.eq(&e.address),
                    events::lat.eq(e.point.map(|p| p.lat)),
                    events::lng.eq(e.point.map(|p| p.lng)),
                    events::adcode.eq(&e.adcode),
                    events::online_url.eq(&e.online_url),
                    events::organiser.eq(&e.organiser),
                    events::target_groups.eq(to_json(&e.target_groups)),
                    events::categories.eq(to_json(&e.categories)),
                    events::updated_at.eq(now),
                ))
                .execute(tx.conn())?;
            audit_entry(tx, user.id, "event.update", id, audit_after(&e))?;
            let row = by_id(tx, id)?;
            detail(tx, Some(&user), &row, Some(&scope), &public_url, now)
        })
        .await
}

/// Cancel an event (staff in whose area it is); its page says so. Audited.
pub async fn cancel(svc: &Services, user: &AuthUser, id: i64) -> Result<EventDetail, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let scope = StaffScope::staff(tx, &user)?;
            let row = by_id(tx, id)?;
            scope.check(row.place())?;
            if row.status() == EventStatus::Cancelled {
                return Err(Error::Conflict(Conflict::EventNotOpen { status: row.status.as_str().into() }));
            }
            if row.ended(now) {
                return Err(Error::Conflict(Conflict::EventEnded));
            }
            diesel::update(events::table.find(id)).set((events::status.eq(EventStatus::Cancelled.as_str()), events::updated_at.eq(now))).execute(tx.conn())?;
            audit_entry(tx, user.id, "event.cancel", id, serde_json::json!({ "status": "cancelled", "was": row.status }))?;
            let row = by_id(tx, id)?;
            detail(tx, Some(&user), &row, Some(&scope), &public_url, now)
        })
        .await
}

/// One event as the viewer may see it (public for published and cancelled ones).
pub async fn get(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<EventDetail, Error> {
    let (viewer, public_url, now) = (viewer.cloned(), svc.config.server.public_url.clone(), svc.clock.now());
    svc.db
        .run(move |conn| {
            let (row, scope) = readable(conn, viewer.as_ref(), id)?;
            detail(conn, viewer.as_ref(), &row, scope.as_ref(), &public_url, now)
        })
        .await
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventListParams {
    /// `upcoming` (not over yet, the default), `past` or `all`; empty = default.
    #[param(pattern = "^(upcoming|past|all)?$")]
    pub when: Option<String>,
    /// Only events for this key group; empty = any.
    #[param(pattern = "^(laid_off|graduate|migrant_worker|hard_to_employ|age_40_50|lifted_from_poverty|zero_employment_family|low_income_family|veteran)?$")]
    pub group: Option<String>,
    /// Only events for this occupation code; empty = any.
    #[param(pattern = "^([a-z][a-z0-9_]{1,39})?$")]
    pub category: Option<String>,
    /// District code or prefix (`1101` = all of Beijing's districts); empty = anywhere.
    #[param(pattern = "^([0-9]{2,12})?$")]
    pub adcode: Option<String>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

/// Events, soonest first (latest first for past ones): published and cancelled for everyone,
/// drafts too for staff in whose area they are.
pub async fn list(svc: &Services, viewer: Option<&AuthUser>, p: EventListParams) -> Result<Page<EventView>, Error> {
    let mut errs = FieldErrors::new();
    let when = p.when.as_deref().unwrap_or("");
    if !["", "upcoming", "past", "all"].contains(&when) {
        errs.add("when", Invalid::new("invalid_choice", "when 应为 upcoming、past 或 all", "when must be upcoming, past or all"));
    }
    let group = p.group.as_deref().filter(|g| !g.is_empty()).and_then(|g| errs.check("group", KeyGroup::parse(g)));
    let category = p.category.as_deref().filter(|c| !c.is_empty()).and_then(|c| errs.check("category", crate::services::categories::code(c)));
    let adcode = p.adcode.as_deref().filter(|a| !a.is_empty()).map(str::to_string);
    if adcode.as_deref().is_some_and(|a| !(2..=12).contains(&a.len()) || !a.bytes().all(|b| b.is_ascii_digit())) {
        errs.add("adcode", Invalid::new("invalid_adcode", "adcode 应为 2–12 位数字", "adcode must be 2 to 12 digits"));
    }
    let page = PageRequest::check(&mut errs, p.limit, p.cursor.as_deref());
    errs.into_result()?;
    let when = when.to_string();
    let (viewer, now) = (viewer.cloned(), svc.clock.now());
    svc.db
        .run(move |conn| {
            let scope = match &viewer {
                Some(u) if u.role.is_staff() => Some(StaffScope::staff(conn, u)?),
                _ => None,
            };
            let mut q = events::table.into_boxed();
            q = match when.as_str() {
                "past" => q.filter(events::ends_at.le(now)).order((events::starts_at.desc(), events::id.desc())),
                "all" => q.order((events::starts_at.desc(), events::id.desc())),
                _ => q.filter(events::ends_at.gt(now)).order((events::starts_at.asc(), events::id.asc())),
            };
            if let Some(a) = &adcode {
                q = q.filter(events::adcode.like(format!("{a}%")));
            }
            if scope.is_none() {
                q = q.filter(events::status.ne(EventStatus::Draft.as_str()));
            }
            // The lists are JSON text of plain codes: a LIKE on the quoted code narrows what is
            // loaded (`_` in a code matches any character, so the exact test below stays).
            if let Some(g) = group {
                q = q.filter(events::target_groups.like(format!("%\"{}\"%", g.as_str())));
            }
            if let Some(c) = &category {
                q = q.filter(events::categories.like(format!("%\"{c}\"%")));
            }
            // The exact list tests and a draft's area are applied here, so the cursor is the
            // position among the events that pass (events are few: tens a month per city).
            let rows: Vec<EventRow> = q.load(conn)?;
            let passing = rows.into_iter().filter(|r| {
                (r.status() != EventStatus::Draft || scope.as_ref().is_some_and(|s| s.covers(r.place())))
                    && group.is_none_or(|g| json_list::<KeyGroup>(&r.target_groups).contains(&g))
                    && category.as_ref().is_none_or(|c| json_list::<String>(&r.categories).contains(c))
            });
            let mut shown: Vec<EventRow> = passing.skip(page.offset()).take(page.limit as usize + 1).collect();
            let more = shown.len() as i64 > page.limit;
            shown.truncate(page.limit as usize);
            let next_cursor = more.then(|| (page.offset() + shown.len()).to_string());
            let items = shown.iter().map(|r| view(conn, r, now)).collect::<Result<Vec<_>, _>>()?;
            Ok(Page { items, next_cursor })
        })
        .await
}

/// The employer acting on an open event: not blocked, the event readable to them and open.
fn employer_at_open_event(tx: &mut Tx, user: &AuthUser, id: i64) -> Result<(EmployerRow, EventRow), Error> {
    let employer = crate::services::employers::require_employer(tx, user.id)?;
    crate::services::employers::refuse_if_blocked(&employer)?;
    let (row, _) = readable(tx, Some(user), id)?;
    row.require_open(tx.now())?;
    Ok((employer, row))
}

/// The employer joins an open event (idempotent); audited the first time.
pub async fn join(svc: &Services, user: &AuthUser, id: i64) -> Result<EventDetail, Error> {
    user.require(&[Role::Employer])?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let (employer, row) = employer_at_open_event(tx, &user, id)?;
            let row_values = (event_employers::event_id.eq(id), event_employers::employer_id.eq(employer.id), event_employers::joined_at.eq(tx.now()));
            if crate::db::insert_ignoring_conflict!(tx.conn(), event_employers::table, row_values) == 1 {
                audit_entry(tx, user.id, "event.join", id, serde_json::json!({ "employer_id": employer.id }))?;
            }
            let now = tx.now();
            detail(tx, Some(&user), &row, None, &public_url, now)
        })
        .await
}

/// Attach one of the employer's own shifts that search shows (`Standing::searchable`) to an open
/// event they joined (idempotent). The shift went through screening when it was posted;
/// attaching changes nothing about it, so nothing reaches the public that review has not
/// passed. Audited the first time.
pub async fn attach_shift(svc: &Services, user: &AuthUser, id: EventId, shift_id: ShiftId) -> Result<EventDetail, Error> {
    let (id, shift_id) = (id.get(), shift_id.get());
    user.require(&[Role::Employer])?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let (employer, row) = employer_at_open_event(tx, &user, id)?;
            let joined: i64 = event_employers::table
                .filter(event_employers::event_id.eq(id))
                .filter(event_employers::employer_id.eq(employer.id))
                .count()
                .get_result(tx.conn())?;
            if joined == 0 {
                return Err(Error::Conflict(Conflict::EventNotJoined));
            }
            // Someone else's shift reads as no shift at all: its drafts are not ours to learn of.
            let shift = shifts::table
                .find(shift_id)
                .first::<ShiftRow>(tx.conn())
                .optional()?
                .filter(|s| s.employer_id == employer.id)
                .ok_or(Error::NotFound(Thing::Shift))?;
            if !shift.standing(employer.blocked).searchable() {
                return Err(Error::Conflict(Conflict::ShiftNotOpen { status: Some(shift.status()) }));
            }
            let row_values = (
                event_shifts::event_id.eq(id),
                event_shifts::shift_id.eq(shift_id),
                event_shifts::employer_id.eq(employer.id),
                event_shifts::attached_at.eq(tx.now()),
            );
            // Concurrent repeats meet the primary key: one row, one audit entry.
            if crate::db::insert_ignoring_conflict!(tx.conn(), event_shifts::table, row_values) == 1 {
                audit_entry(tx, user.id, "event.attach_shift", id, serde_json::json!({ "shift_id": shift_id }))?;
            }
            let now = tx.now();
            detail(tx, Some(&user), &row, None, &public_url, now)
        })
        .await
}

/// Take one of the employer's shifts off an event; audited.
pub async fn detach_shift(svc: &Services, user: &AuthUser, id: EventId, shift_id: ShiftId) -> Result<EventDetail, Error> {
    let (id, shift_id) = (id.get(), shift_id.get());
    user.require(&[Role::Employer])?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let employer = crate::services::employers::require_employer(tx, user.id)?;
            let (row, _) = readable(tx, Some(&user), id)?;
            let n = diesel::delete(
                event_shifts::table
                    .filter(event_shifts::event_id.eq(id))
                    .filter(event_shifts::shift_id.eq(shift_id))
                    .filter(event_shifts::employer_id.eq(employer.id)),
            )
            .execute(tx.conn())?;
            if n == 0 {
                return Err(Error::NotFound(Thing::Shift));
            }
            audit_entry(tx, user.id, "event.detach_shift", id, serde_json::json!({ "shift_id": shift_id }))?;
            detail(tx, Some(&user), &row, None, &public_url, now)
        })
        .await
}

/// The worker registers interest in an open event (idempotent), to be reminded the day before.
pub async fn register_interest(svc: &Services, user: &AuthUser, id: i64) -> Result<EventDetail, Error> {
    user.require(&[Role::Worker])?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let worker = crate::services::availability::require_worker(tx, user.id)?;
            let (row, _) = readable(tx, Some(&user), id)?;
            row.require_open(now)?;
            let row_values = (event_interests::event_id.eq(id), event_interests::worker_id.eq(worker.id), event_interests::created_at.eq(now));
            if crate::db::insert_ignoring_conflict!(tx.conn(), event_interests::table, row_values) == 1 {
                audit_entry(tx, user.id, "event.interest", id, serde_json::json!({ "worker_id": worker.id }))?;
            }
            detail(tx, Some(&user), &row, None, &public_url, now)
        })
        .await
}

/// The worker withdraws their interest (no reminder then); answers 404 when there was none.
pub async fn withdraw_interest(svc: &Services, user: &AuthUser, id: i64) -> Result<EventDetail, Error> {
    user.require(&[Role::Worker])?;
    let (user, public_url) = (user.clone(), svc.config.server.public_url.clone());
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let worker = crate::services::availability::require_worker(tx, user.id)?;
            let (row, _) = readable(tx, Some(&user), id)?;
            let n = diesel::delete(event_interests::table.filter(event_interests::event_id.eq(id)).filter(event_interests::worker_id.eq(worker.id)))
                .execute(tx.conn())?;
            if n == 0 {
                return Err(Error::NotFound(Thing::Event));
            }
            audit_entry(tx, user.id, "event.withdraw_interest", id, serde_json::json!({ "worker_id": worker.id }))?;
            detail(tx, Some(&user), &row, None, &public_url, now)
        })
        .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// The `token` of the check-in link the venue's QR code carries.
    #[schema(value_type = String, required = true, pattern = "^[0-9a-f]{64}$")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskCheckInRequest {
    /// The worker at the desk (their profile id).
    #[schema(value_type = i64, required = true)]
    pub worker_id: Option<i64>,
}

/// A check-in: only that it happened and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckInView {
    pub event_id: i64,
    pub worker_id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub checked_in_at: chrono::DateTime<chrono::FixedOffset>,
    /// False for a repeat: the first check-in stands and nothing is counted twice.
    pub first: bool,
}

/// Records the check-in unless there is one; either way answers the one there is.
fn record_check_in(tx: &mut Tx, row: &EventRow, worker_id: i64, by: Option<i64>, actor: i64) -> Result<CheckInView, Error> {
    let now = tx.now();
    if row.status() != EventStatus::Published {
        return Err(Error::Conflict(Conflict::EventNotOpen { status: row.status.as_str().into() }));
    }
    if row.kind() == EventKind::Online {
        return Err(Error::Conflict(Conflict::EventNotOpen { status: "online".into() }));
    }
    let existing: Option<NaiveDateTime> = event_checkins::table
        .filter(event_checkins::event_id.eq(row.id))
        .filter(event_checkins::worker_id.eq(worker_id))
        .select(event_checkins::checked_in_at)
        .first(tx.conn())
        .optional()?;
    if let Some(at) = existing {
        return Ok(CheckInView { event_id: row.id, worker_id, checked_in_at: to_display(at), first: false });
    }
    let opens = row.starts_at - chrono::Duration::minutes(CHECK_IN_OPENS_MINUTES_BEFORE);
    if now < opens || now >= row.ends_at {
        return Err(Error::Conflict(Conflict::NotEventTime { opens_minutes_before: CHECK_IN_OPENS_MINUTES_BEFORE }));
    }
    let values = (
        event_checkins::event_id.eq(row.id),
        event_checkins::worker_id.eq(worker_id),
        event_checkins::checked_in_at.eq(now),
        event_checkins::by_user_id.eq(by),
    );
    if crate::db::insert_ignoring_conflict!(tx.conn(), event_checkins::table, values) == 0 {
        // A second scan that raced this one in: its check-in stands, as for any repeat.
        let at: NaiveDateTime = event_checkins::table.find((row.id, worker_id)).select(event_checkins::checked_in_at).first(tx.conn())?;
        return Ok(CheckInView { event_id: row.id, worker_id, checked_in_at: to_display(at), first: false });
    }
    audit_entry(tx, actor, "event.check_in", row.id, serde_json::json!({ "worker_id": worker_id, "at_desk": by.is_some() }))?;
    Ok(CheckInView { event_id: row.id, worker_id, checked_in_at: to_display(now), first: true })
}

/// The signed-in worker checks in with the venue's QR code during the event (from an hour
/// before). A repeat answers the first check-in; a wrong token is refused on the field.
pub async fn check_in(svc: &Services, user: &AuthUser, id: i64, req: CheckInRequest) -> Result<CheckInView, Error> {
    user.require(&[Role::Worker])?;
    let token = req.token.unwrap_or_default();
    if token.trim().is_empty() {
        return Err(Error::field("token", Invalid::required()));
    }
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            let worker = crate::services::availability::require_worker(tx, user.id)?;
            let (row, _) = readable(tx, Some(&user), id)?;
            if !same_secret(token.trim(), &row.checkin_secret) {
                return Err(Error::field("token", invalid_token()));
            }
            record_check_in(tx, &row, worker.id, None, user.id)
        })
        .await
}

/// Station staff (or moderators) check a worker in at the desk, for events in their area.
pub async fn desk_check_in(svc: &Services, user: &AuthUser, id: i64, req: DeskCheckInRequest) -> Result<CheckInView, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let Some(worker_id) = req.worker_id else { return Err(Error::field("worker_id", Invalid::required())) };
    let user = user.clone();
    svc.db
        .tx(move |tx| {
            let scope = StaffScope::staff(tx, &user)?;
            let row = by_id(tx, id)?;
            scope.check(row.place())?;
            let exists: i64 = workers::table.filter(workers::id.eq(worker_id)).count().get_result(tx.conn())?;
            if exists == 0 {
                return Err(Error::NotFound(Thing::Worker));
            }
            record_check_in(tx, &row, worker_id, Some(user.id), user.id)
        })
        .await
}

/// Events held in a period, for the statistics service: published events that start in
/// `[from, to)` (UTC) in a district `place_ok` takes, with what they came to in total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodCounts {
    pub events: i64,
    pub employers: i64,
    pub places: i64,
    pub visitors: i64,
}

pub fn period_counts(conn: &mut DbConn, place_ok: &dyn Fn(Option<&str>) -> bool, from: NaiveDateTime, to: NaiveDateTime) -> Result<PeriodCounts, Error> {
    let held: Vec<i64> = events::table
        .filter(events::status.eq(EventStatus::Published.as_str()))
        .filter(events::starts_at.ge(from))
        .filter(events::starts_at.lt(to))
        .select((events::id, events::adcode))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .filter(|(_, a)| place_ok(Some(a)))
        .map(|(id, _)| id)
        .collect();
    let employers: i64 = event_employers::table.filter(event_employers::event_id.eq_any(&held)).count().get_result(conn)?;
    let places: Vec<i32> = event_shifts::table
        .inner_join(shifts::table.on(shifts::id.eq(event_shifts::shift_id)))
        .filter(event_shifts::event_id.eq_any(&held))
        .select(shifts::headcount)
        .load(conn)?;
    let visitors: i64 = event_checkins::table.filter(event_checkins::event_id.eq_any(&held)).count().get_result(conn)?;
    Ok(PeriodCounts { events: held.len() as i64, employers, places: places.into_iter().map(i64::from).sum(), visitors })
}

/// Counts for one key group (staff only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupCount {
    pub group: KeyGroup,
    pub interested: i64,
    pub visitors: i64,
    pub hires: i64,
}

/// What an event came to. Counts only, never names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventCounts {
    pub event_id: i64,
    /// Employers that joined.
    pub employers: i64,
    /// Shifts attached.
    pub shifts: i64,
    /// Places offered: the headcount of the attached shifts.
    pub places: i64,
    /// Workers who registered interest.
    pub interested: i64,
    /// Workers who checked in.
    pub visitors: i64,
    /// Applications and claims on the attached shifts.
    pub applications: i64,
    /// Workers taken on there (confirmed, and on through completion and pay).
    pub hires: i64,
    /// By key group: staff in whose area the event is only (key groups are 特定身份).
    pub by_group: Option<Vec<GroupCount>>,
}

/// The event's figures: public for published and cancelled events; the key-group breakdown only
/// for staff in whose area the event is.
pub async fn counts(svc: &Services, viewer: Option<&AuthUser>, id: i64) -> Result<EventCounts, Error> {
    let viewer = viewer.cloned();
    svc.db
        .run(move |conn| {
            let (_, scope) = readable(conn, viewer.as_ref(), id)?;
            let employers: i64 = event_employers::table.filter(event_employers::event_id.eq(id)).count().get_result(conn)?;
            let attached: Vec<(i64, i32)> = event_shifts::table
                .inner_join(shifts::table.on(shifts::id.eq(event_shifts::shift_id)))
                .filter(event_shifts::event_id.eq(id))
                .select((shifts::id, shifts::headcount))
                .load(conn)?;
            let shift_ids: Vec<i64> = attached.iter().map(|(s, _)| *s).collect();
            let places: i64 = attached.iter().map(|(_, h)| i64::from(*h)).sum();
            let interested: Vec<i64> = event_interests::table.filter(event_interests::event_id.eq(id)).select(event_interests::worker_id).load(conn)?;
            let visitors: Vec<i64> = event_checkins::table.filter(event_checkins::event_id.eq(id)).select(event_checkins::worker_id).load(conn)?;
            let engaged: Vec<(i64, String)> =
                engagements::table.filter(engagements::shift_id.eq_any(&shift_ids)).select((engagements::worker_id, engagements::state)).load(conn)?;
            let hired: Vec<i64> =
                engaged.iter().filter(|(_, s)| State::parse(s).is_some_and(State::holds_place)).map(|(w, _)| *w).collect::<HashSet<_>>().into_iter().collect();
            let by_group = match scope {
                Some(_) => {
                    let everyone: Vec<i64> = interested.iter().chain(&visitors).chain(&hired).copied().collect::<HashSet<_>>().into_iter().collect();
                    let groups: BTreeMap<i64, Vec<KeyGroup>> = workers::table
                        .filter(workers::id.eq_any(&everyone))
                        .select((workers::id, workers::key_groups))
                        .load::<(i64, String)>(conn)?
                        .into_iter()
                        .map(|(w, g)| (w, json_list(&g)))
                        .collect();
                    let count = |ids: &[i64], g: KeyGroup| ids.iter().filter(|w| groups.get(*w).is_some_and(|gs| gs.contains(&g))).count() as i64;
                    Some(
                        KeyGroup::ALL
                            .iter()
                            .map(|g| GroupCount { group: *g, interested: count(&interested, *g), visitors: count(&visitors, *g), hires: count(&hired, *g) })
                            .collect(),
                    )
                }
                None => None,
            };
            Ok(EventCounts {
                event_id: id,
                employers,
                shifts: shift_ids.len() as i64,
                places,
                interested: interested.len() as i64,
                visitors: visitors.len() as i64,
                applications: engaged.len() as i64,
                hires: hired.len() as i64,
                by_group,
            })
        })
        .await
}

/// `event=` of the shift search: the id as given (digits, no sign), or why not.
pub fn parse_event_param(s: &str) -> Result<i64, Invalid> {
    let bad = || Invalid::new("invalid_event", "event 应为招聘会编号", "event must be a recruitment event id");
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    s.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(bad)
}

/// The shift ids of a public event, sorted, for the shift search to keep to: one indexed read,
/// so the engine's work stays what the other filters leave. An unknown or draft event is named
/// on the field.
pub async fn search_ids(svc: &Services, id: i64) -> Result<Vec<i64>, Error> {
    svc.db
        .run(move |conn| {
            let status: Option<String> = events::table.find(id).select(events::status).first(conn).optional()?;
            if status.is_none_or(|s| s == EventStatus::Draft.as_str()) {
                return Err(Error::field("event", Invalid::new("unknown_event", "没有这个招聘会", "no such recruitment event")));
            }
            let mut ids: Vec<i64> = event_shifts::table.filter(event_shifts::event_id.eq(id)).select(event_shifts::shift_id).load(conn)?;
            ids.sort_unstable();
            Ok(ids)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_compared_whole() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret(&a, &a[..63]));
        let mut flipped = a.clone().into_bytes();
        for i in 0..flipped.len() {
            let orig = flipped[i];
            flipped[i] = if orig == b'0' { b'1' } else { b'0' };
            assert!(!same_secret(&a, std::str::from_utf8(&flipped).unwrap()), "{i}");
            flipped[i] = orig;
        }
    }

    #[test]
    fn the_event_parameter_is_a_plain_positive_id() {
        assert_eq!(parse_event_param("12"), Ok(12));
        for bad in ["", "0", "-1", "+1", "1.0", "abc", "1e3", " 1", "9999999999999999999", "１２"] {
            assert!(parse_event_param(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_must_be_web_links() {
        assert!(web_link("https://meeting.example.cn/j/123").is_ok());
        for bad in ["ftp://x", "javascript:alert(1)", "https://", "https://a b", "https://x\"onmouseover", &format!("https://{}", "a".repeat(300))] {
            assert!(web_link(bad).is_err(), "{bad}");
        }
    }
}
