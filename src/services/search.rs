//! Search and matching, as operations: shifts for anyone, shifts for a worker, workers for a
//! shift, and staff search over availability. The engine ranks; this module checks who may ask,
//! parses what they asked, and decides what of each hit the asker may see.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::db::schema::{availability as availability_t, shifts as shifts_t, users, workers as workers_t};
use crate::domain::geo::radius_km;
use crate::domain::time::parse_instant;
use crate::domain::{GeoPoint, KeyGroup, PayUnit, Role};
use crate::error::{Error, Thing};
use crate::error::{FieldErrors, Invalid};
use crate::search::engine::{Facets, Hit, ShiftQuery, Sort};
use crate::search::load;
use crate::search::score::{Audience, Reasons, coarse_km};
use crate::search::timefit::Interval;
use crate::services::Services;
use crate::services::availability::{AvailabilityRow, AvailabilityView};
use crate::services::scope::{Place, StaffScope};
use crate::services::shifts::{self, ShiftRow, ShiftView};
use crate::services::views::PlaceOf;
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
}

/// Shift views for hits, in hit order (hits whose shift vanished meanwhile are dropped), as
/// `viewer` may see them: a household employer's home is shown coarsely, and so is the distance to it.
async fn shift_hits(state: &Services, viewer: Option<(i64, Role)>, hits: Vec<Hit>) -> Result<Vec<ShiftHit>, Error> {
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let views = state
        .db
        .run(move |conn| {
            let rows: Vec<ShiftRow> = shifts_t::table.filter(shifts_t::id.eq_any(&ids)).load(conn)?;
            let mut views = shifts::views(conn, rows)?;
            let places = views
                .iter_mut()
                .map(|v| PlaceOf {
                    shift_id: v.id,
                    employer_id: v.employer.id,
                    adcode: v.adcode.as_deref(),
                    address: &mut v.address,
                    lat: &mut v.lat,
                    lng: &mut v.lng,
                })
                .collect();
            let hidden = views::hide_homes(conn, viewer, places)?;
            Ok(views
                .into_iter()
                .map(|v| {
                    let coarse = hidden.contains(&v.id);
                    (v, coarse)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    let mut by_id: HashMap<i64, (ShiftView, bool)> = views.into_iter().map(|(v, c)| (v.id, (v, c))).collect();
    Ok(hits
        .into_iter()
        .filter_map(|mut h| {
            let (shift, coarse) = by_id.remove(&h.id)?;
            if coarse {
                h.distance_km = h.distance_km.map(coarse_km);
                h.reasons.distance_km = h.reasons.distance_km.map(coarse_km);
            }
            Some(ShiftHit { shift, distance_km: h.distance_km, score: h.score, reasons: h.reasons })
        })
        .collect())
}

/// Search published shifts: text, place, time, pay and kind, ranked with reasons. Public.
pub async fn search_shifts(state: &Services, p: SearchParams) -> Result<ShiftSearchResults, Error> {
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
    errs.into_result()?;
    let query = ShiftQuery {
        q: p.q.clone().filter(|q| !q.trim().is_empty()),
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
        sort,
        offset: c.offset,
        limit: c.limit,
        now: state.clock.now(),
    };
    let engine = state.engine.clone();
    let results = blocking(move || engine.search_shifts(&query)).await.map_err(Error::internal)?.map_err(Error::internal)?;
    let shown = results.hits.len();
    let items = shift_hits(state, None, results.hits).await?;
    Ok(ShiftSearchResults { total: results.total, items, facets: results.facets, next_cursor: next_cursor(c.offset, shown, results.total) })
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
                shifts::owned(conn, who.id, id)?;
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
                    audit::private_read(tx, staff_id, *w, &[audit::fields::KEY_GROUPS], "shifts.matches")?;
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
                    audit::private_read(conn, staff_id, *w, &[audit::fields::PHONE, audit::fields::KEY_GROUPS], "availability.search")?;
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
