//! Search and matching, as operations: shifts for anyone, shifts for a worker, workers for a
//! shift, and staff search over availability. The engine ranks; this module checks who may ask,
//! parses what they asked, and decides what of each hit the asker may see.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::db::schema::{availability as availability_t, users, workers as workers_t};
use crate::domain::geo::radius_km;
use crate::domain::time::parse_instant;
use crate::domain::{GeoPoint, KeyGroup, PayUnit, Role};
use crate::domain::{ShiftId, UserId, WorkerId};
use crate::error::{Error, Thing};
use crate::error::{FieldErrors, Invalid};
use crate::search::cards::{Card, CardFacts, CardText, EmployerCard};
use crate::search::engine::{Facets, Hit, ShiftQuery, Sort};
use crate::search::load;
use crate::search::score::{Audience, Reasons, coarse_km};
use crate::search::timefit::Interval;
use crate::services::Services;
use crate::services::availability::{AvailabilityRow, AvailabilityView};
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::{self, ShiftView};
use crate::services::views::{PayBody, PlaceOf, SlotView};
use crate::services::{audit, json_list, views};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words: Chinese (保洁, 搬家 周末), pinyin (baojie) or initials (bj).
    pub q: Option<String>,
    #[param(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[param(minimum = -180, maximum = 180)]
    pub lng: Option<f64>,
    /// With lat/lng; default 10 km.
    #[param(exclusive_minimum = 0, maximum = 200)]
    pub radius_km: Option<f64>,
    /// `min_lng,min_lat,max_lng,max_lat`, for a map view.
    #[param(pattern = r"^-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?){3}$")]
    pub bbox: Option<String>,
    pub category: Option<String>,
    /// District code or prefix (`4403` = all of Shenzhen).
    pub adcode: Option<String>,
    /// RFC 3339: only shifts with a slot ending after this.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// RFC 3339: only shifts with a slot starting before this.
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// Minimum pay in fen, in `pay_unit` (or per hour when no unit is given).
    #[param(minimum = 0)]
    pub min_pay_fen: Option<i64>,
    /// `hour`, `day`, `piece` or `shift`; empty = any.
    #[param(pattern = "^(hour|day|piece|shift)?$")]
    pub pay_unit: Option<String>,
    /// `daily`, `weekly`, `biweekly` or `on_completion`; empty = any.
    #[param(pattern = "^(daily|weekly|biweekly|on_completion)?$")]
    pub settlement: Option<String>,
    /// `gig`, `part_time`, `temporary` or `seasonal`; empty = any.
    #[param(pattern = "^(gig|part_time|temporary|seasonal)?$")]
    pub employment_type: Option<String>,
    /// `relevance` (default), `distance`, `pay` or `start`; empty = default.
    #[param(pattern = "^(relevance|distance|pay|start)?$")]
    pub sort: Option<String>,
    /// Local weekdays a slot still to come starts on, ISO numbers 1 (Monday) – 7 (Sunday), comma
    /// separated: `6,7` is the weekend. Empty = any day.
    #[param(pattern = "^([1-7](,[1-7])*)?$")]
    pub days: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
    /// Only the shifts attached to this recruitment event (专场招聘, `GET /api/v1/events`); empty = any.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub event: Option<String>,
}

/// `days=6,7` as a weekday mask (bit 0 = Monday); `None` for empty.
pub fn parse_days(errs: &mut FieldErrors, days: Option<&str>) -> Option<u8> {
    let days = days.map(str::trim).filter(|d| !d.is_empty())?;
    let mut mask = 0u8;
    for part in days.split(',') {
        match part.trim().parse::<u8>() {
            Ok(n @ 1..=7) => mask |= 1 << (n - 1),
            _ => {
                errs.add(
                    "days",
                    Invalid::new(
                        "invalid_days",
                        "days 应为 1（周一）到 7（周日）的数字，用逗号分隔",
                        "days must be numbers 1 (Monday) to 7 (Sunday), comma separated",
                    ),
                );
                return None;
            }
        }
    }
    Some(mask)
}

/// Parsed paging and place parameters shared by the search endpoints.
struct Common {
    near: Option<(GeoPoint, f64)>,
    from: Option<chrono::NaiveDateTime>,
    to: Option<chrono::NaiveDateTime>,
    limit: usize,
    offset: usize,
}

// Every search endpoint reads these same eight parameters; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn common(
    errs: &mut FieldErrors,
    lat: Option<f64>,
    lng: Option<f64>,
    radius: Option<f64>,
    from: Option<&str>,
    to: Option<&str>,
    limit: Option<usize>,
    cursor: Option<&str>,
) -> Common {
    let near = match (lat, lng) {
        // A radius alone is ignored, but still as checked as the document says.
        (None, None) => {
            if let Some(r) = radius {
                errs.check("radius_km", radius_km(r));
            }
            None
        }
        (lat, lng) => {
            let p = GeoPoint::check(errs, "", lat, lng);
            let r = errs.check("radius_km", radius_km(radius.unwrap_or(10.0)));
            p.zip(r)
        }
    };
    let from = from.and_then(|s| errs.check("from", parse_instant(s)));
    // `from` and `to` are two independent overlap bounds (a slot ends after `from`, starts before
    // `to`), so any order is a well-formed query: `to` before `from` finds the slots spanning both.
    let to = to.and_then(|s| errs.check("to", parse_instant(s)));
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        errs.add("limit", Invalid::new("out_of_range", "limit 应在 1 到 100 之间", "limit must be 1 to 100"));
    }
    let offset = crate::services::page::parse_cursor(errs, cursor).unwrap_or(0) as usize;
    Common { near, from, to, limit, offset }
}

fn next_cursor(offset: usize, shown: usize, total: usize) -> Option<String> {
    (offset + shown < total).then(|| (offset + shown).to_string())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftHit {
    pub shift: ShiftView,
    pub distance_km: Option<f64>,
    pub score: f64,
    pub reasons: Reasons,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftSearchResults {
    pub total: usize,
    pub items: Vec<ShiftHit>,
    pub facets: Facets,
    pub next_cursor: Option<String>,
    /// How `q` was read: attributes it named (日结 → `settlement: daily`, 周末 → `days: [6, 7]`),
    /// ranked by as boosts rather than matched as words; `words` lists them for removable chips.
    pub understood: crate::search::understand::Understood,
}

/// A shift's view as its result card (`search::cards`): compact, with the employer's part left
/// out (it is shared by the employer's shifts). `shared` holds the category and district strings
/// already seen, so cards share them.
pub fn card_of(v: ShiftView, shared: &mut HashMap<String, Arc<str>>) -> Card {
    let mut share = |s: String| shared.entry(s).or_insert_with_key(|k| Arc::from(k.as_str())).clone();
    let text = CardText { title: &v.title, description: &v.description, requirements: &v.requirements, address: &v.address };
    let facts = CardFacts {
        id: v.id,
        employer_id: v.employer.id,
        status: v.status,
        category: share(v.category.clone()),
        category_name: share(v.category_name.clone()),
        headcount: v.headcount,
        lat: v.lat,
        lng: v.lng,
        adcode: v.adcode.clone().map(&mut share),
        slots: v.slots.iter().map(|s| (s.id, s.start, s.end)).collect(),
        pay_fen: v.pay.amount_fen,
        pay_unit: v.pay.unit,
        pay_per_hour_fen: v.pay_per_hour_fen,
        minutes_per_piece: v.minutes_per_piece,
        settlement: v.settlement,
        employment_type: v.employment_type,
        take_mode: v.take_mode,
        valid_through: v.valid_through,
        created_at: v.created_at,
        updated_at: v.updated_at,
        published_at: v.published_at,
        rejection: CardFacts::rejection(v.rejection_code.clone(), v.rejection_reason.clone()),
    };
    Card::new(text, facts)
}

/// The view a card was made from (`card_of`), with its employer's part.
pub fn view_of(c: &Card, e: &EmployerCard) -> ShiftView {
    ShiftView {
        id: c.id,
        status: c.status,
        employer: shifts::EmployerSummary { id: e.id, name: e.name.to_string(), verified: e.verified },
        title: c.title().to_string(),
        description: c.description().to_string(),
        requirements: c.requirements().to_string(),
        category: c.category.to_string(),
        category_name: c.category_name.to_string(),
        headcount: c.headcount,
        address: c.address().to_string(),
        lat: c.lat,
        lng: c.lng,
        adcode: c.adcode.as_deref().map(str::to_string),
        slots: c.slots.iter().map(|(id, start, end)| SlotView { id: *id, start: *start, end: *end }).collect(),
        pay: PayBody { amount_fen: c.pay_fen, unit: c.pay_unit },
        pay_per_hour_fen: c.pay_per_hour_fen,
        minutes_per_piece: c.minutes_per_piece,
        settlement: c.settlement,
        employment_type: c.employment_type,
        take_mode: c.take_mode,
        valid_through: c.valid_through,
        created_at: c.created_at,
        updated_at: c.updated_at,
        published_at: c.published_at,
        rejection_code: c.rejection_code().map(str::to_string),
        rejection_reason: c.rejection_reason().map(str::to_string),
    }
}

/// Shift views for hits, in hit order (hits whose shift vanished meanwhile are dropped), as
/// `viewer` may see them: a household employer's home is shown coarsely, and so is the distance
/// to it. Made from the engine's result cards, so the public's searches need no database; only a
/// signed-in worker with a home among the hits is looked up (are they taken on there?), and a hit
/// the engine holds no card for is read from the database.
async fn shift_hits(state: &Services, viewer: Option<(i64, Role)>, hits: Vec<Hit>) -> Result<Vec<ShiftHit>, Error> {
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let mut held: HashMap<i64, (Arc<Card>, Arc<EmployerCard>)> = state.engine.cards(&ids).into_iter().flatten().map(|c| (c.0.id, c)).collect();
    let missing: Vec<i64> = ids.iter().copied().filter(|id| !held.contains_key(id)).collect();
    let worker = match viewer {
        Some((user_id, Role::Worker)) => Some(user_id),
        _ => None,
    };
    let homes: Vec<i64> = held.values().filter(|(_, e)| e.home).map(|(c, _)| c.id).collect();
    let mut taken_on = HashSet::new();
    if !missing.is_empty() || (worker.is_some() && !homes.is_empty()) {
        let (loaded, taken) = state
            .db
            .run(move |conn| {
                let (cards, employers) = load::shift_cards(conn, &missing)?;
                let employers: HashMap<i64, Arc<EmployerCard>> = employers.into_iter().map(|e| (e.id, Arc::new(e))).collect();
                let loaded: Vec<(Arc<Card>, Arc<EmployerCard>)> =
                    cards.into_iter().filter_map(|c| Some((employers.get(&c.employer_id)?.clone(), c))).map(|(e, c)| (Arc::new(c), e)).collect();
                let taken = match worker {
                    Some(user_id) => {
                        let homes: Vec<i64> = homes.into_iter().chain(loaded.iter().filter(|(_, e)| e.home).map(|(c, _)| c.id)).collect();
                        views::taken_on(conn, user_id, &homes)?
                    }
                    None => HashSet::new(),
                };
                Ok((loaded, taken))
            })
            .await?;
        held.extend(loaded.into_iter().map(|c| (c.0.id, c)));
        taken_on = taken;
    }
    Ok(hits
        .into_iter()
        .filter_map(|mut h| {
            let (card, employer) = held.get(&h.id)?;
            let mut shift = view_of(card, employer);
            let place = PlaceOf {
                shift_id: shift.id,
                employer_id: employer.id,
                adcode: shift.adcode.as_deref(),
                address: &mut shift.address,
                lat: &mut shift.lat,
                lng: &mut shift.lng,
            };
            if employer.home && views::hide_home(viewer, employer.owner_user_id, taken_on.contains(&h.id), place) {
                h.distance_km = h.distance_km.map(coarse_km);
                h.reasons.distance_km = h.reasons.distance_km.map(coarse_km);
            }
            Some(ShiftHit { shift, distance_km: h.distance_km, score: h.score, reasons: h.reasons })
        })
        .collect())
}

/// Search published shifts: text, place, time, pay and kind, ranked with reasons. Public.
pub async fn search_shifts(state: &Services, p: SearchParams) -> Result<ShiftSearchResults, Error> {
    let (query, understood) = shift_query(state, &p).await?;
    let offset = query.offset;
    let engine = state.engine.clone();
    let results = blocking(move || engine.search_shifts(&query)).await.map_err(Error::internal)?.map_err(Error::internal)?;
    let shown = results.hits.len();
    let items = shift_hits(state, None, results.hits).await?;
    Ok(ShiftSearchResults { total: results.total, items, facets: results.facets, next_cursor: next_cursor(offset, shown, results.total), understood })
}

/// The engine's query for search parameters, every parameter checked (the one reading of them:
/// the search API, the search page and the CSV export of shifts all ask through here).
pub async fn shift_query(state: &Services, p: &SearchParams) -> Result<(ShiftQuery, crate::search::understand::Understood), Error> {
    let mut errs = FieldErrors::new();
    let c = common(&mut errs, p.lat, p.lng, p.radius_km, p.from.as_deref(), p.to.as_deref(), p.limit, p.cursor.as_deref());
    let bbox = p.bbox.as_deref().and_then(|b| {
        let v: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        let ok = v.len() == 4
            && v[0] <= v[2]
            && v[1] <= v[3]
            && GeoPoint::lng(v[0]).is_ok()
            && GeoPoint::lng(v[2]).is_ok()
            && GeoPoint::lat(v[1]).is_ok()
            && GeoPoint::lat(v[3]).is_ok();
        if ok {
            Some([v[0], v[1], v[2], v[3]])
        } else {
            errs.add("bbox", Invalid::new("invalid_bbox", "bbox 应为 最小经度,最小纬度,最大经度,最大纬度", "bbox must be min_lng,min_lat,max_lng,max_lat"));
            None
        }
    });
    let pay_unit = p.pay_unit.as_deref().filter(|s| !s.is_empty()).and_then(|u| errs.check("pay_unit", PayUnit::parse(u)));
    let settlement = p
        .settlement
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| errs.check("settlement", crate::domain::Settlement::parse(s)).map(|s| s.as_str().to_string()));
    let employment_type = p
        .employment_type
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| errs.check("employment_type", crate::domain::EmploymentType::parse(s)).map(|s| s.as_str().to_string()));
    let days = parse_days(&mut errs, p.days.as_deref());
    let sort = match p.sort.as_deref() {
        None | Some("" | "relevance") => Sort::Relevance,
        Some("distance") if c.near.is_some() => Sort::Distance,
        Some("distance") => {
            errs.add("sort", Invalid::new("needs_location", "按距离排序需要提供 lat 和 lng", "sort=distance needs lat and lng"));
            Sort::Relevance
        }
        Some("pay") => Sort::Pay,
        Some("start") => Sort::Start,
        Some(_) => {
            errs.add("sort", Invalid::new("invalid_choice", "sort 应为 relevance、distance、pay 或 start", "sort must be relevance, distance, pay or start"));
            Sort::Relevance
        }
    };
    if let Some(m) = p.min_pay_fen
        && m < 0
    {
        errs.add("min_pay_fen", Invalid::new("out_of_range", "不能为负数", "must not be negative"));
    }
    let event = p.event.as_deref().filter(|e| !e.is_empty()).and_then(|e| errs.check("event", crate::services::events::parse_event_param(e)));
    errs.into_result()?;
    // An event's shifts are resolved to ids first (one indexed read) and the engine keeps to them;
    // searches without `event` do no extra work.
    let ids = match event {
        Some(id) => Some(crate::services::events::search_ids(state, id).await?),
        None => None,
    };
    let now = state.clock.now();
    // Attribute words leave the words every match must contain; a place name counts as the place
    // only when the request gives none of its own.
    let synonyms = state.engine.synonyms();
    let has_place = c.near.is_some() || bbox.is_some() || p.adcode.as_deref().is_some_and(|a| !a.is_empty());
    let (understood, words) = match p.q.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(q) => {
            crate::search::understand::understand(q, crate::domain::time::local_date(now), has_place, &|w| crate::search::places::district_word(w, &synonyms))
        }
        None => Default::default(),
    };
    let query = ShiftQuery {
        q: Some(words).filter(|q| !q.is_empty()),
        understood: understood.clone(),
        near: c.near,
        bbox,
        category: p.category.clone().filter(|s| !s.is_empty()),
        adcode: p.adcode.clone().filter(|s| !s.is_empty()),
        from: c.from,
        to: c.to,
        min_pay_fen: p.min_pay_fen,
        pay_unit,
        settlement,
        employment_type,
        days,
        ids,
        sort,
        offset: c.offset,
        limit: c.limit,
        now,
    };
    Ok((query, understood))
}

/// Runs a shift query on the engine, off the async executor: the ids of the hits, in order.
pub async fn run_shift_query(state: &Services, query: ShiftQuery) -> Result<(usize, Vec<i64>), Error> {
    let engine = state.engine.clone();
    let results = blocking(move || engine.search_shifts(&query)).await.map_err(Error::internal)?.map_err(Error::internal)?;
    Ok((results.total, results.hits.into_iter().map(|h| h.id).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftMatches {
    pub total: usize,
    pub items: Vec<ShiftHit>,
    pub next_cursor: Option<String>,
}

/// Shifts for the signed-in worker, from their active availability: within each record's radius,
/// fitting its windows, in its categories.
pub async fn my_matches(state: &Services, user: &AuthUser, p: PageParams) -> Result<ShiftMatches, Error> {
    user.require(&[Role::Worker])?;
    let mut errs = FieldErrors::new();
    let c = common(&mut errs, None, None, None, None, None, p.limit, p.cursor.as_deref());
    errs.into_result()?;
    let user_id = user.id;
    let avails = state
        .db
        .run(move |conn| {
            let worker = crate::services::availability::require_worker(conn, user_id)?;
            let rows: Vec<AvailabilityRow> =
                availability_t::table.filter(availability_t::worker_id.eq(worker.id)).filter(availability_t::active.eq(true)).load(conn)?;
            let groups: Vec<KeyGroup> = json_list(&worker.key_groups);
            Ok(rows.iter().map(|r| load::avail_doc(r, &groups)).collect::<Vec<_>>())
        })
        .await?;
    let engine = state.engine.clone();
    let now = state.clock.now();
    let hits = blocking(move || engine.shifts_for_worker(&avails, now)).await.map_err(Error::internal)?;
    let total = hits.len();
    let page: Vec<Hit> = hits.into_iter().skip(c.offset).take(c.limit).collect();
    let shown = page.len();
    let items = shift_hits(state, Some((user_id, Role::Worker)), page).await?;
    Ok(ShiftMatches { total, items, next_cursor: next_cursor(c.offset, shown, total) })
}

/// A worker as an employer may see them in matches: no phone, no full name, no key groups.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedWorker {
    pub worker_id: i64,
    pub availability_id: i64,
    /// Family name only (王**) until the worker applies.
    pub display_name: String,
    pub skills: Vec<String>,
    pub distance_km: Option<f64>,
    pub score: f64,
    pub reasons: Reasons,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerMatches {
    pub total: usize,
    pub items: Vec<MatchedWorker>,
    pub next_cursor: Option<String>,
}

fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().clamp(1, 3))),
        None => String::new(),
    }
}

/// Workers who can come to a shift (its owner and staff only). The owner sees a ranking computed
/// without private signals and with coarse distances (`Audience::Employer`); staff see the priority
/// policy at work (the key-group boost), only for a shift and workers in their districts, and
/// each worker's key-group flag they are shown is written to the audit log.
pub async fn shift_matches(state: &Services, user: &AuthUser, id: i64, p: PageParams) -> Result<WorkerMatches, Error> {
    let mut errs = FieldErrors::new();
    let c = common(&mut errs, None, None, None, None, None, p.limit, p.cursor.as_deref());
    errs.into_result()?;
    let staff = user.role.is_staff();
    let who = user.clone();
    // The shift as the engine would index it, built from the database so unpublished drafts can
    // be matched by their owner too.
    let (doc, scope) = state
        .db
        .run(move |conn| {
            let scope = if staff {
                Some(StaffScope::staff(conn, &who)?)
            } else {
                shifts::owned(conn, UserId(who.id), ShiftId(id))?;
                None
            };
            let row = shifts::by_id(conn, id)?;
            if let Some(scope) = &scope {
                scope.check(Place { adcode: row.adcode.as_deref(), point: Some(GeoPoint { lat: row.lat, lng: row.lng }) })?;
            }
            let cats = load::category_words(conn)?;
            let doc =
                load::shift_docs(conn, vec![row], &cats, load::Keep::AnyUnblocked)?.into_iter().next().map(|d| d.0).ok_or(Error::NotFound(Thing::Shift))?;
            Ok((doc, scope))
        })
        .await?;
    let engine = state.engine.clone();
    let now = state.clock.now();
    let audience = if staff { Audience::Staff } else { Audience::Employer };
    let hits = blocking(move || engine.workers_for_shift(&doc, now, audience)).await.map_err(Error::internal)?;
    // Staff see workers in their own area only; the count too.
    let hits: Vec<(Hit, i64)> = match &scope {
        Some(scope) => hits.into_iter().filter(|(h, _)| availability_in_scope(state, scope, h.id)).collect(),
        None => hits,
    };
    let total = hits.len();
    let page: Vec<(Hit, i64)> = hits.into_iter().skip(c.offset).take(c.limit).collect();
    let worker_ids: Vec<i64> = page.iter().map(|(_, w)| *w).collect();
    let staff_id = scope.as_ref().map(|s| s.user_id);
    let facts: HashMap<i64, (String, String)> = state
        .db
        .tx(move |tx| {
            let facts: HashMap<i64, (String, String)> = workers_t::table
                .filter(workers_t::id.eq_any(&worker_ids))
                .select((workers_t::id, workers_t::display_name, workers_t::skills))
                .load::<(i64, String, String)>(tx.conn())?
                .into_iter()
                .map(|(id, n, s)| (id, (n, s)))
                .collect();
            if let Some(staff_id) = staff_id {
                for w in &worker_ids {
                    audit::private_read(tx, UserId(staff_id), WorkerId(*w), &[audit::fields::KEY_GROUPS], "shifts.matches")?;
                }
            }
            Ok(facts)
        })
        .await?;
    let shown = page.len();
    let items = page
        .into_iter()
        .filter_map(|(mut hit, worker_id)| {
            let (name, skills) = facts.get(&worker_id)?.clone();
            if !staff {
                // Key groups never reach employers, not even as a reason (the engine left them out).
                hit.reasons.priority_group = None;
            }
            Some(MatchedWorker {
                worker_id,
                availability_id: hit.id,
                display_name: if staff { name } else { masked_name(&name) },
                skills: json_list(&skills),
                distance_km: hit.distance_km,
                score: hit.score,
                reasons: hit.reasons,
            })
        })
        .collect();
    Ok(WorkerMatches { total, items, next_cursor: next_cursor(c.offset, shown, total) })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AvailabilitySearchParams {
    /// Words over skills, notes and district (Chinese, pinyin or initials).
    pub q: Option<String>,
    #[param(minimum = -90, maximum = 90)]
    pub lat: Option<f64>,
    #[param(minimum = -180, maximum = 180)]
    pub lng: Option<f64>,
    #[param(exclusive_minimum = 0, maximum = 200)]
    pub radius_km: Option<f64>,
    /// RFC 3339: the worker must be able to work in [from, to].
    #[param(format = DateTime)]
    pub from: Option<String>,
    #[param(format = DateTime)]
    pub to: Option<String>,
    pub category: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` from the previous page.
    #[param(pattern = "^(0*[1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffWorker {
    pub id: i64,
    pub display_name: String,
    /// None for a worker registered at a station desk without a phone.
    pub phone: Option<String>,
    pub key_groups: Vec<KeyGroup>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityHit {
    pub availability: AvailabilityView,
    pub worker: StaffWorker,
    pub distance_km: Option<f64>,
    pub score: f64,
    pub reasons: Reasons,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilitySearchResults {
    pub total: usize,
    pub items: Vec<AvailabilityHit>,
    pub next_cursor: Option<String>,
}

/// Whether a window of availability lies in a staff member's area (its district, or its point
/// for a station's radius).
fn availability_in_scope(state: &Services, scope: &StaffScope, id: i64) -> bool {
    match state.engine.availability_place(id) {
        Some((adcode, point)) => scope.covers(Place { adcode: adcode.as_deref(), point: Some(point) }),
        None => false,
    }
}

/// Staff and community-station search over workers' availability, by text, place and time.
pub async fn search_availability(state: &Services, user: &AuthUser, p: AvailabilitySearchParams) -> Result<AvailabilitySearchResults, Error> {
    user.require(&[Role::StationStaff, Role::Moderator, Role::Admin])?;
    let who = user.clone();
    let scope = state.db.run(move |conn| StaffScope::staff(conn, &who)).await?;
    let mut errs = FieldErrors::new();
    let c = common(&mut errs, p.lat, p.lng, p.radius_km, p.from.as_deref(), p.to.as_deref(), p.limit, p.cursor.as_deref());
    if c.from.is_some() != c.to.is_some() {
        errs.add(if c.from.is_some() { "to" } else { "from" }, Invalid::new("required", "from 与 to 需同时提供", "give both from and to"));
    }
    // Here [from, to] is the interval the worker must be free for, so it must not be empty.
    if let (Some(f), Some(t)) = (c.from, c.to)
        && t <= f
    {
        errs.add("to", Invalid::new("end_before_start", "结束时间必须晚于开始时间", "to must be after from"));
    }
    errs.into_result()?;
    let range = c.from.zip(c.to).map(|(start, end)| Interval { start, end });
    let engine = state.engine.clone();
    let (q, category) = (p.q.clone(), p.category.clone());
    let hits = blocking(move || engine.search_availability(q.as_deref(), c.near, range, category.as_deref()))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    // Staff see workers in their own area only; the count too.
    let hits: Vec<(Hit, i64)> = hits.into_iter().filter(|(h, _)| availability_in_scope(state, &scope, h.id)).collect();
    let total = hits.len();
    let page: Vec<(Hit, i64)> = hits.into_iter().skip(c.offset).take(c.limit).collect();
    let shown = page.len();
    let staff_id = scope.user_id;
    let items = state
        .db
        .tx(move |conn| {
            let ids: Vec<i64> = page.iter().map(|(h, _)| h.id).collect();
            let mut rows: HashMap<i64, AvailabilityRow> =
                availability_t::table.filter(availability_t::id.eq_any(&ids)).load::<AvailabilityRow>(conn.conn())?.into_iter().map(|r| (r.id, r)).collect();
            let worker_ids: Vec<i64> = page.iter().map(|(_, w)| *w).collect();
            let workers: HashMap<i64, StaffWorker> = workers_t::table
                .inner_join(users::table)
                .filter(workers_t::id.eq_any(&worker_ids))
                .select((workers_t::id, workers_t::display_name, users::phone, workers_t::key_groups))
                .load::<(i64, String, Option<String>, String)>(conn.conn())?
                .into_iter()
                .map(|(id, display_name, phone, kg)| (id, StaffWorker { id, display_name, phone, key_groups: json_list(&kg) }))
                .collect();
            // Each worker shown with phone and key groups is a staff read of private fields.
            let mut logged: Vec<i64> = Vec::new();
            for (_, w) in &page {
                if workers.contains_key(w) && !logged.contains(w) {
                    audit::private_read(conn, UserId(staff_id), WorkerId(*w), &[audit::fields::PHONE, audit::fields::KEY_GROUPS], "availability.search")?;
                    logged.push(*w);
                }
            }
            Ok(page
                .into_iter()
                .filter_map(|(hit, worker_id)| {
                    let availability = rows.remove(&hit.id)?.view();
                    let worker = workers.get(&worker_id)?.clone();
                    Some(AvailabilityHit { availability, worker, distance_km: hit.distance_km, score: hit.score, reasons: hit.reasons })
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(AvailabilitySearchResults { total, items, next_cursor: next_cursor(c.offset, shown, total) })
}

/// Runs CPU-bound engine work off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal(format!("search task failed: {e}")))
}
