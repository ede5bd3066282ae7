//! 统计监测: figures about the market for staff, and 求人倍率 (openings per job seeker) for
//! everyone. docs/stats.md states every definition exactly as computed here.
//!
//! Figures come from the database in a few queries per request — engagement counts per shift,
//! state and late-cancelling side by `GROUP BY`, the period's shifts, slots, availability and
//! applications — and are bucketed in Rust (by occupation, district at the asked level, week or
//! month in Beijing time, employment type). Bucketing in Rust keeps every date rule in one place
//! (`domain::time`), identical on SQLite and PostgreSQL, whose date functions differ. Answers are
//! cached for [`cache::TTL`] (Redis when configured, else in this process), keyed by every
//! parameter and the asker's district scope, and carry the time they were computed (`as_of`).

pub mod cache;
pub mod params;
pub mod suppress;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime};
use diesel::dsl::{count, count_star, max};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::db::schema::{availability, categories, employers, engagements, reports, shift_slots, shifts, workers};
use crate::domain::engagement::State;
use crate::domain::time::{local_week, to_display, to_local};
use crate::domain::{KeyGroup, Pay, PayUnit};
use crate::error::Error;
use crate::services::scope::{Place, StaffScope};
use crate::services::{Services, audit, json_list};
pub use params::{DistrictRef, Format, GroupBy, Level, PublicParams, PublicQuery, StatsParams, StatsQuery, Window};
use suppress::{Group, suppress};

/// A count as published: the number, or nothing when it is suppressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cell {
    /// Absent when suppressed.
    pub value: Option<i64>,
    /// Fewer than 5 people, or hidden so that such a count cannot be worked out from the totals.
    pub suppressed: bool,
}

impl Cell {
    fn of(value: i64, suppressed: bool) -> Cell {
        Cell { value: (!suppressed).then_some(value), suppressed }
    }

    /// The figure as tables print it: the number, or `*` (see the table's note).
    pub fn shown(&self) -> String {
        self.value.map(|v| v.to_string()).unwrap_or_else(|| "*".to_string())
    }
}

/// Placements of workers in one key group (重点群体): staff only, counts only, suppressed as
/// public tables are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyGroupCell {
    /// A key group code, or `any` for workers in at least one.
    pub group: String,
    pub count: Cell,
}

/// One row of the staff figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffRow {
    /// The group: a category code, a 6-digit district code, an employment type, a week's Monday
    /// (`2026-11-30`), a month (`2026-11`), `all`; `unknown` where the thing has none.
    pub key: String,
    pub label: String,
    pub label_en: String,
    /// Shifts first published in the period (taken-down ones not counted).
    pub postings: i64,
    /// Their headcount.
    pub places: i64,
    /// Their places held now (confirmed and after, no-shows included).
    pub fills: i64,
    /// `fills / places`, 4 decimals.
    pub fill_rate: Option<f64>,
    /// Postings whose every place is held.
    pub filled_shifts: i64,
    /// Median hours from publication to the confirmation of the last place held, over `filled_shifts`.
    pub median_hours_to_fill: Option<f64>,
    /// Postings with a per-hour pay figure (piece rates have none).
    pub pay_shifts: i64,
    /// Median per-hour pay in fen over `pay_shifts` (`domain::pay::hourly_fen`).
    pub median_hourly_pay_fen: Option<i64>,
    /// Engagements on the postings that were ever confirmed.
    pub confirmed: i64,
    pub no_shows: i64,
    /// `no_shows / confirmed`.
    pub no_show_rate: Option<f64>,
    pub late_cancels_by_worker: i64,
    pub late_cancels_by_employer: i64,
    /// `(late_cancels_by_worker + late_cancels_by_employer) / confirmed`.
    pub late_cancel_rate: Option<f64>,
    /// Wage-arrears reports filed in the period, and where they stand now.
    pub arrears_reports: i64,
    pub arrears_open: i64,
    pub arrears_resolved: i64,
    pub arrears_dismissed: i64,
    /// 需求人数: open places (see docs/stats.md).
    pub open_places: i64,
    /// 求职人数: active seekers; absent for employment types (seekers do not choose one).
    pub seekers: Option<i64>,
    /// 求人倍率, 2 decimals; absent with no seekers.
    pub ratio: Option<f64>,
    pub key_group_placements: Vec<KeyGroupCell>,
}

/// A figure other parts of the service add to the staff figures (专场招聘 events, 共享用工
/// arrangements): see [`extra_figures`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExtraFigure {
    pub key: String,
    pub label: String,
    pub label_en: String,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffStats {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub group_by: GroupBy,
    pub level: Level,
    pub district: Option<DistrictRef>,
    /// When these figures were computed (answers are cached for 5 minutes).
    #[schema(value_type = String, format = DateTime)]
    pub as_of: DateTime<FixedOffset>,
    pub rows: Vec<StaffRow>,
    pub total: StaffRow,
    /// Figures of other services in the same period and area.
    pub extra: Vec<ExtraFigure>,
}

/// One occupation's line of the public 求人倍率 table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicRow {
    /// A category code, or `all`.
    pub key: String,
    pub label: String,
    pub label_en: String,
    /// 需求人数.
    pub openings: Cell,
    /// 求职人数.
    pub seekers: Cell,
    /// 求人倍率 to 2 decimals; absent when either count is suppressed or there are no seekers.
    pub ratio: Option<f64>,
}

impl PublicRow {
    /// The ratio as tables print it: `1.25`, `—` without seekers, `*` when suppressed.
    pub fn ratio_shown(&self) -> String {
        match (self.ratio, &self.openings, &self.seekers) {
            (Some(r), _, _) => format!("{r:.2}"),
            (None, o, s) if o.suppressed || s.suppressed => "*".to_string(),
            _ => "—".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicRatio {
    /// `2026-Q4`.
    pub period: String,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// Absent: everywhere the service covers.
    pub district: Option<DistrictRef>,
    #[schema(value_type = String, format = DateTime)]
    pub as_of: DateTime<FixedOffset>,
    pub rows: Vec<PublicRow>,
    pub total: PublicRow,
}

// ---------------------------------------------------------------------------------------------
// Facts read from the database.

#[derive(Debug, Clone, Default)]
struct ShiftFact {
    category: String,
    adcode: Option<String>,
    employment_type: String,
    headcount: i64,
    published_at: NaiveDateTime,
    hourly_fen: Option<f64>,
    slot_starts: Vec<NaiveDateTime>,
    held: i64,
    confirmed: i64,
    no_shows: i64,
    late_worker: i64,
    late_employer: i64,
    last_confirmed: Option<NaiveDateTime>,
    placed_groups: Vec<Vec<KeyGroup>>,
}

impl ShiftFact {
    fn open_places(&self) -> i64 {
        (self.headcount - self.held).max(0)
    }

    fn filled(&self) -> bool {
        self.held >= self.headcount
    }
}

#[derive(Debug, Clone)]
struct AvailFact {
    worker_id: i64,
    adcode: Option<String>,
    categories: Vec<String>,
    dated: Vec<(NaiveDateTime, NaiveDateTime)>,
    weekly: bool,
    created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
struct WorkerFact {
    adcode: Option<String>,
    skills: Vec<String>,
}

#[derive(Debug, Clone)]
struct ArrearsFact {
    created_at: NaiveDateTime,
    status: String,
    category: Option<String>,
    adcode: Option<String>,
    employment_type: Option<String>,
}

#[derive(Debug, Default)]
struct Facts {
    shifts: Vec<ShiftFact>,
    avail: Vec<AvailFact>,
    applied: Vec<(i64, NaiveDateTime)>,
    workers: HashMap<i64, WorkerFact>,
    arrears: Vec<ArrearsFact>,
    /// (code, name_zh, name_en), in taxonomy order.
    categories: Vec<(String, String, String)>,
}

#[derive(serde::Deserialize)]
struct StoredDated {
    start: NaiveDateTime,
    end: NaiveDateTime,
}

/// Reads what a period's figures are computed from. `where_ok` decides which districts count
/// (the asker's scope and district filter); things without a district have `None`.
fn load(conn: &mut DbConn, w: Window, key_groups: bool, where_ok: &dyn Fn(Option<&str>) -> bool) -> Result<Facts, Error> {
    let (start, end) = (w.start(), w.end());
    let period_shifts = || {
        shifts::table
            .filter(shifts::published_at.ge(start))
            .filter(shifts::published_at.lt(end))
            .filter(shifts::status.ne(crate::domain::ShiftStatus::TakenDown.as_str()))
            .select(shifts::id)
    };
    type ShiftCols = (i64, String, Option<String>, String, i32, Option<NaiveDateTime>, i64, String, Option<i32>);
    let rows: Vec<ShiftCols> = shifts::table
        .filter(shifts::published_at.ge(start))
        .filter(shifts::published_at.lt(end))
        .filter(shifts::status.ne(crate::domain::ShiftStatus::TakenDown.as_str()))
        .select((
            shifts::id,
            shifts::category_code,
            shifts::adcode,
            shifts::employment_type,
            shifts::headcount,
            shifts::published_at,
            shifts::pay_amount_fen,
            shifts::pay_unit,
            shifts::minutes_per_piece,
        ))
        .load(conn)?;
    let mut by_id: BTreeMap<i64, (ShiftFact, Option<(Pay, Option<i32>)>, Vec<(NaiveDateTime, NaiveDateTime)>)> = BTreeMap::new();
    for (id, category, adcode, employment_type, headcount, published_at, amount_fen, unit, minutes_per_piece) in rows {
        if !where_ok(adcode.as_deref()) {
            continue;
        }
        let Some(published_at) = published_at else { continue };
        let pay = PayUnit::parse(&unit).ok().map(|unit| (Pay { amount_fen, unit }, minutes_per_piece));
        let fact = ShiftFact { category, adcode, employment_type, headcount: headcount as i64, published_at, ..Default::default() };
        by_id.insert(id, (fact, pay, Vec::new()));
    }
    let slots: Vec<(i64, NaiveDateTime, NaiveDateTime)> = shift_slots::table
        .filter(shift_slots::shift_id.eq_any(period_shifts()))
        .select((shift_slots::shift_id, shift_slots::start_at, shift_slots::end_at))
        .load(conn)?;
    for (id, s, e) in slots {
        if let Some(f) = by_id.get_mut(&id) {
            f.2.push((s, e));
        }
    }
    // Engagements per shift, state and late-cancelling side: counted by the database.
    type Agg = (i64, String, Option<String>, i64, i64, Option<NaiveDateTime>);
    let agg: Vec<Agg> = engagements::table
        .filter(engagements::shift_id.eq_any(period_shifts()))
        .group_by((engagements::shift_id, engagements::state, engagements::late_cancel_by))
        .select((
            engagements::shift_id,
            engagements::state,
            engagements::late_cancel_by,
            count_star(),
            count(engagements::confirmed_at),
            max(engagements::confirmed_at),
        ))
        .load(conn)?;
    for (id, state, late_by, n, n_confirmed, last) in agg {
        let Some((f, _, _)) = by_id.get_mut(&id) else { continue };
        let state = State::parse(&state);
        if state.is_some_and(State::holds_place) {
            f.held += n;
            f.last_confirmed = f.last_confirmed.max(last);
        }
        if state == Some(State::NoShow) {
            f.no_shows += n;
        }
        f.confirmed += n_confirmed;
        match late_by.as_deref() {
            Some("worker") => f.late_worker += n,
            Some("employer") => f.late_employer += n,
            _ => {}
        }
    }
    if key_groups {
        let taken: Vec<&str> = State::ALL.iter().copied().filter(|s| s.is_taken_on()).map(State::as_str).collect();
        let placed: Vec<(i64, i64)> = engagements::table
            .filter(engagements::shift_id.eq_any(period_shifts()))
            .filter(engagements::state.eq_any(taken.clone()))
            .select((engagements::shift_id, engagements::worker_id))
            .load(conn)?;
        let placed_workers =
            engagements::table.filter(engagements::shift_id.eq_any(period_shifts())).filter(engagements::state.eq_any(taken)).select(engagements::worker_id);
        let groups: HashMap<i64, Vec<KeyGroup>> = workers::table
            .filter(workers::key_groups.ne("[]"))
            .filter(workers::id.eq_any(placed_workers))
            .select((workers::id, workers::key_groups))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .map(|(id, g)| (id, json_list(&g)))
            .collect();
        for (shift_id, worker_id) in placed {
            if let (Some(f), Some(g)) = (by_id.get_mut(&shift_id), groups.get(&worker_id).filter(|g| !g.is_empty())) {
                f.0.placed_groups.push(g.clone());
            }
        }
    }
    let shifts: Vec<ShiftFact> = by_id
        .into_values()
        .map(|(mut f, pay, mut slots)| {
            slots.sort();
            f.hourly_fen = pay.and_then(|(p, m)| crate::domain::pay::hourly_fen(p, m, slots.iter().copied()));
            f.slot_starts = slots.iter().map(|s| s.0).collect();
            f
        })
        .collect();

    // Seekers: active availability records and applications in the period.
    type AvailCols = (i64, Option<String>, String, String, String, NaiveDateTime);
    let avail: Vec<AvailCols> = availability::table
        .filter(availability::active.eq(true))
        .filter(availability::created_at.lt(end))
        .select((
            availability::worker_id,
            availability::adcode,
            availability::categories,
            availability::dated_windows,
            availability::weekly_windows,
            availability::created_at,
        ))
        .load(conn)?;
    let avail: Vec<AvailFact> = avail
        .into_iter()
        .map(|(worker_id, adcode, cats, dated, weekly, created_at)| AvailFact {
            worker_id,
            adcode,
            categories: json_list(&cats),
            dated: json_list::<StoredDated>(&dated).into_iter().map(|d| (d.start, d.end)).collect(),
            weekly: !json_list::<serde_json::Value>(&weekly).is_empty(),
            created_at,
        })
        .collect();
    let applied: Vec<(i64, NaiveDateTime)> = engagements::table
        .filter(engagements::created_at.ge(start))
        .filter(engagements::created_at.lt(end))
        .filter(engagements::origin.eq_any(["apply", "claim"]))
        .select((engagements::worker_id, engagements::created_at))
        .load(conn)?;
    let in_avail = availability::table.filter(availability::active.eq(true)).filter(availability::created_at.lt(end)).select(availability::worker_id);
    let in_applied = engagements::table
        .filter(engagements::created_at.ge(start))
        .filter(engagements::created_at.lt(end))
        .filter(engagements::origin.eq_any(["apply", "claim"]))
        .select(engagements::worker_id);
    let workers: HashMap<i64, WorkerFact> = workers::table
        .filter(workers::id.eq_any(in_avail).or(workers::id.eq_any(in_applied)))
        .select((workers::id, workers::adcode, workers::skills))
        .load::<(i64, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, adcode, skills)| (id, WorkerFact { adcode, skills: json_list(&skills) }))
        .collect();

    // Wage-arrears reports filed in the period, placed by their shift (or their employer).
    let filed: Vec<(String, i64, i64, String, NaiveDateTime)> = reports::table
        .filter(reports::kind.eq("wage_arrears"))
        .filter(reports::created_at.ge(start))
        .filter(reports::created_at.lt(end))
        .select((reports::target_type, reports::target_id, reports::employer_id, reports::status, reports::created_at))
        .load(conn)?;
    let shift_ids: Vec<i64> = filed.iter().filter(|r| r.0 == "shift").map(|r| r.1).collect();
    let employer_ids: Vec<i64> = filed.iter().map(|r| r.2).collect();
    let mut reported: HashMap<i64, (String, Option<String>, String)> = HashMap::new();
    for chunk in shift_ids.chunks(500) {
        let rows: Vec<(i64, String, Option<String>, String)> =
            shifts::table.filter(shifts::id.eq_any(chunk)).select((shifts::id, shifts::category_code, shifts::adcode, shifts::employment_type)).load(conn)?;
        reported.extend(rows.into_iter().map(|(id, c, a, e)| (id, (c, a, e))));
    }
    let mut employer_adcodes: HashMap<i64, Option<String>> = HashMap::new();
    for chunk in employer_ids.chunks(500) {
        let rows: Vec<(i64, Option<String>)> = employers::table.filter(employers::id.eq_any(chunk)).select((employers::id, employers::adcode)).load(conn)?;
        employer_adcodes.extend(rows);
    }
    let arrears = filed
        .into_iter()
        .map(|(target_type, target_id, employer_id, status, created_at)| match reported.get(&target_id).filter(|_| target_type == "shift") {
            Some((c, a, e)) => ArrearsFact { created_at, status, category: Some(c.clone()), adcode: a.clone(), employment_type: Some(e.clone()) },
            None => ArrearsFact { created_at, status, category: None, adcode: employer_adcodes.get(&employer_id).cloned().flatten(), employment_type: None },
        })
        .filter(|a| where_ok(a.adcode.as_deref()))
        .collect();
    let categories =
        categories::table
            .order(categories::id.asc())
            .select((categories::code, categories::name_zh, categories::name_en))
            .load::<(String, String, String)>(conn)?;
    Ok(Facts { shifts, avail, applied, workers, arrears, categories })
}

/// A seeker in a window: their district and the occupations they list.
#[derive(Debug, Clone)]
struct Seeker {
    adcode: Option<String>,
    categories: BTreeSet<String>,
}

/// The active seekers of window `w` (see docs/stats.md): a worker with an active availability
/// record made before the window ends whose windows reach into it (a weekly window always does),
/// or who applied for or claimed a shift in it. Listed occupations: profile skills and the
/// categories of every active availability record. District: the profile's, else the first
/// active availability record's that has one.
fn seekers(f: &Facts, w: Window, where_ok: &dyn Fn(Option<&str>) -> bool) -> HashMap<i64, Seeker> {
    let mut active: BTreeSet<i64> = BTreeSet::new();
    for a in &f.avail {
        if a.created_at < w.end() && (a.weekly || a.dated.iter().any(|(s, e)| w.overlaps(*s, *e))) {
            active.insert(a.worker_id);
        }
    }
    for (worker, at) in &f.applied {
        if w.contains(*at) {
            active.insert(*worker);
        }
    }
    let mut out = HashMap::new();
    for id in active {
        let Some(worker) = f.workers.get(&id) else { continue };
        let own: Vec<&AvailFact> = f.avail.iter().filter(|a| a.worker_id == id).collect();
        let adcode = worker.adcode.clone().or_else(|| own.iter().find_map(|a| a.adcode.clone()));
        if !where_ok(adcode.as_deref()) {
            continue;
        }
        let mut categories: BTreeSet<String> = worker.skills.iter().cloned().collect();
        for a in &own {
            categories.extend(a.categories.iter().cloned());
        }
        out.insert(id, Seeker { adcode, categories });
    }
    out
}

/// 需求人数 of window `w`: over shifts first published in it with a slot starting in it, the
/// places not held.
fn opening(s: &ShiftFact, w: Window) -> i64 {
    if w.contains(s.published_at) && s.slot_starts.iter().any(|t| w.contains(*t)) { s.open_places() } else { 0 }
}

fn ratio(openings: i64, seekers: i64) -> Option<f64> {
    (seekers > 0).then(|| (openings as f64 / seekers as f64 * 100.0).round() / 100.0)
}

fn rate(n: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| (n as f64 / of as f64 * 10_000.0).round() / 10_000.0)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

fn month_key(t: NaiveDateTime) -> String {
    to_local(t).format("%Y-%m").to_string()
}

/// The bucket windows of a week or month grouping, clipped to the period.
fn buckets(w: Window, by: GroupBy) -> Vec<(String, Window)> {
    let mut out = Vec::new();
    let mut day = w.from;
    while day <= w.to {
        let (key, last) = match by {
            GroupBy::Week => {
                let monday = day - Duration::days(day.weekday().num_days_from_monday() as i64);
                (monday.to_string(), monday + Duration::days(6))
            }
            _ => {
                let next =
                    if day.month() == 12 { NaiveDate::from_ymd_opt(day.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1) };
                (day.format("%Y-%m").to_string(), next.expect("a date") - Duration::days(1))
            }
        };
        let to = last.min(w.to);
        out.push((key, Window { from: day, to }));
        day = to + Duration::days(1);
    }
    out
}

/// The key of a thing with these attributes under a grouping.
fn key_of(by: GroupBy, level: Level, category: Option<&str>, adcode: Option<&str>, employment: Option<&str>, at: NaiveDateTime) -> String {
    let unknown = || "unknown".to_string();
    match by {
        GroupBy::Category => category.map(str::to_string).unwrap_or_else(unknown),
        GroupBy::District => adcode.and_then(|a| level.roll_up(a)).unwrap_or_else(unknown),
        GroupBy::EmploymentType => employment.map(str::to_string).unwrap_or_else(unknown),
        GroupBy::Week => local_week(at).to_string(),
        GroupBy::Month => month_key(at),
        GroupBy::Total => "all".to_string(),
    }
}

fn label(f: &Facts, by: GroupBy, key: &str) -> (String, String) {
    if key == "all" {
        return ("合计".into(), "All".into());
    }
    if key == "unknown" {
        return ("未注明".into(), "Not given".into());
    }
    match by {
        GroupBy::Category => f.categories.iter().find(|c| c.0 == key).map(|c| (c.1.clone(), c.2.clone())).unwrap_or_else(|| (key.into(), key.into())),
        GroupBy::District => {
            let name = district_name(key);
            (name.clone(), name)
        }
        GroupBy::EmploymentType => {
            let zh = match key {
                "gig" => "零工",
                "part_time" => "非全日制",
                "temporary" => "临时",
                "seasonal" => "季节性",
                other => other,
            };
            (zh.into(), key.replace('_', " "))
        }
        GroupBy::Week => (format!("{key} 当周"), format!("week of {key}")),
        GroupBy::Month | GroupBy::Total => (key.into(), key.into()),
    }
}

/// The full name of a 6-digit district code (the code itself when the data has no such place).
pub fn district_name(code6: &str) -> String {
    crate::services::districts::Districts::get().by_code(&format!("{code6:0<12}")).map(|d| d.full_name.clone()).unwrap_or_else(|| code6.to_string())
}

#[derive(Default)]
struct Acc {
    postings: i64,
    places: i64,
    fills: i64,
    filled_hours: Vec<f64>,
    pay: Vec<f64>,
    confirmed: i64,
    no_shows: i64,
    late_worker: i64,
    late_employer: i64,
    arrears: [i64; 4],
    open_places: i64,
    seekers: Option<i64>,
    groups: BTreeMap<&'static str, i64>,
}

impl Acc {
    fn add_shift(&mut self, s: &ShiftFact) {
        self.postings += 1;
        self.places += s.headcount;
        self.fills += s.held;
        if s.filled()
            && let Some(last) = s.last_confirmed
        {
            self.filled_hours.push(((last - s.published_at).num_seconds().max(0) as f64) / 3600.0);
        }
        if let Some(h) = s.hourly_fen {
            self.pay.push(h);
        }
        self.confirmed += s.confirmed;
        self.no_shows += s.no_shows;
        self.late_worker += s.late_worker;
        self.late_employer += s.late_employer;
        for groups in &s.placed_groups {
            *self.groups.entry("any").or_insert(0) += 1;
            for g in groups {
                *self.groups.entry(g.as_str()).or_insert(0) += 1;
            }
        }
    }

    fn add_arrears(&mut self, a: &ArrearsFact) {
        self.arrears[0] += 1;
        match a.status.as_str() {
            "open" => self.arrears[1] += 1,
            "resolved" => self.arrears[2] += 1,
            "dismissed" => self.arrears[3] += 1,
            _ => {}
        }
    }

    fn row(&self, key: String, (label, label_en): (String, String)) -> StaffRow {
        let fills_rate = rate(self.fills, self.places);
        StaffRow {
            key,
            label,
            label_en,
            postings: self.postings,
            places: self.places,
            fills: self.fills,
            fill_rate: fills_rate,
            filled_shifts: self.filled_hours.len() as i64,
            median_hours_to_fill: median(self.filled_hours.clone()).map(|h| (h * 100.0).round() / 100.0),
            pay_shifts: self.pay.len() as i64,
            median_hourly_pay_fen: median(self.pay.clone()).map(|p| p.round() as i64),
            confirmed: self.confirmed,
            no_shows: self.no_shows,
            no_show_rate: rate(self.no_shows, self.confirmed),
            late_cancels_by_worker: self.late_worker,
            late_cancels_by_employer: self.late_employer,
            late_cancel_rate: rate(self.late_worker + self.late_employer, self.confirmed),
            arrears_reports: self.arrears[0],
            arrears_open: self.arrears[1],
            arrears_resolved: self.arrears[2],
            arrears_dismissed: self.arrears[3],
            open_places: self.open_places,
            seekers: self.seekers,
            ratio: self.seekers.and_then(|s| ratio(self.open_places, s)),
            key_group_placements: Vec::new(),
        }
    }
}

/// The key-group columns: every group, then `any`.
fn key_group_columns() -> Vec<&'static str> {
    KeyGroup::ALL.iter().map(|g| g.as_str()).chain(["any"]).collect()
}

/// Fills in the rows' key-group cells, suppressed across rows and groups together (rows add up
/// to the total row; a row's groups are bounded by its `any`).
fn key_group_cells(accs: &[&Acc], rows: &mut [&mut StaffRow]) {
    let cols = key_group_columns();
    let (r, c) = (accs.len(), cols.len());
    let at = |i: usize, j: usize| i * c + j;
    let values: Vec<i64> = accs.iter().flat_map(|a| cols.iter().map(|g| a.groups.get(g).copied().unwrap_or(0))).collect();
    let any = c - 1;
    let mut groups: Vec<Group> = (0..r).map(|i| Group { cells: (0..any).map(|j| at(i, j)).collect(), total: at(i, any) }).collect();
    // The last row is the total.
    for j in 0..c {
        groups.push(Group { cells: (0..r - 1).map(|i| at(i, j)).collect(), total: at(r - 1, j) });
    }
    let hidden = suppress(&values, &groups);
    for (i, row) in rows.iter_mut().enumerate() {
        row.key_group_placements =
            cols.iter().enumerate().map(|(j, g)| KeyGroupCell { group: g.to_string(), count: Cell::of(values[at(i, j)], hidden[at(i, j)]) }).collect();
    }
}

fn tabulate(f: &Facts, p: &StatsParams, where_ok: &dyn Fn(Option<&str>) -> bool, key_groups: bool) -> (Vec<StaffRow>, StaffRow) {
    let w = p.window;
    let mut accs: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    let timed = matches!(p.group_by, GroupBy::Week | GroupBy::Month);
    let bucket_list = if timed { buckets(w, p.group_by) } else { Vec::new() };
    for (k, _) in &bucket_list {
        accs.entry(k.clone()).or_default();
    }
    for s in &f.shifts {
        let key = key_of(p.group_by, p.level, Some(&s.category), s.adcode.as_deref(), Some(&s.employment_type), s.published_at);
        accs.entry(key).or_default().add_shift(s);
        total.add_shift(s);
    }
    for a in &f.arrears {
        let key = key_of(p.group_by, p.level, a.category.as_deref(), a.adcode.as_deref(), a.employment_type.as_deref(), a.created_at);
        accs.entry(key).or_default().add_arrears(a);
        total.add_arrears(a);
    }
    // 求人倍率 per group: openings and seekers of the same window and the same group.
    if timed {
        for (k, bw) in &bucket_list {
            let acc = accs.entry(k.clone()).or_default();
            acc.open_places = f.shifts.iter().map(|s| opening(s, *bw)).sum();
            acc.seekers = Some(seekers(f, *bw, where_ok).len() as i64);
        }
    } else {
        let people = seekers(f, w, where_ok);
        for s in &f.shifts {
            let key = key_of(p.group_by, p.level, Some(&s.category), s.adcode.as_deref(), Some(&s.employment_type), s.published_at);
            accs.entry(key).or_default().open_places += opening(s, w);
        }
        if p.group_by != GroupBy::EmploymentType {
            for acc in accs.values_mut() {
                acc.seekers = Some(0);
            }
            for person in people.values() {
                let keys: Vec<String> = match p.group_by {
                    GroupBy::Category => person.categories.iter().cloned().collect(),
                    GroupBy::District => vec![key_of(p.group_by, p.level, None, person.adcode.as_deref(), None, w.start())],
                    _ => vec!["all".to_string()],
                };
                for k in keys {
                    *accs.entry(k).or_default().seekers.get_or_insert(0) += 1;
                }
            }
        }
    }
    total.open_places = f.shifts.iter().map(|s| opening(s, w)).sum();
    total.seekers = Some(seekers(f, w, where_ok).len() as i64);
    let mut rows: Vec<StaffRow> = accs.iter().map(|(k, a)| a.row(k.clone(), label(f, p.group_by, k))).collect();
    let mut total_row = total.row("all".into(), ("合计".into(), "All".into()));
    if key_groups {
        let mut all_accs: Vec<&Acc> = accs.values().collect();
        all_accs.push(&total);
        let mut all_rows: Vec<&mut StaffRow> = rows.iter_mut().collect();
        all_rows.push(&mut total_row);
        key_group_cells(&all_accs, &mut all_rows);
    }
    (rows, total_row)
}

/// Figures other services add for the same period and area: 专场招聘 events (counted by the day
/// they start) and 共享用工 arrangements, each as one [`ExtraFigure`] (their tables live with
/// those services, which count them under this district rule).
fn extra_figures(conn: &mut DbConn, w: Window, where_ok: &dyn Fn(Option<&str>) -> bool) -> Result<Vec<ExtraFigure>, Error> {
    let (from, to) = (w.start(), w.end());
    let ev = crate::services::events::period_counts(conn, where_ok, from, to)?;
    let sh = crate::services::sharing::counts(conn, where_ok, from, to)?;
    let fig = |key: &str, label: &str, label_en: &str, value: i64| ExtraFigure { key: key.into(), label: label.into(), label_en: label_en.into(), value };
    Ok(vec![
        fig("events_held", "专场招聘场次", "recruitment events held", ev.events),
        fig("event_employers", "参会用人单位", "employers at events", ev.employers),
        fig("event_places", "专场招聘提供岗位数", "places offered at events", ev.places),
        fig("event_visitors", "专场招聘签到人数", "event check-ins", ev.visitors),
        fig("sharing_surplus_headcount", "共享用工富余人数", "staff offered for sharing", sh.surplus_headcount),
        fig("sharing_shortage_headcount", "共享用工缺工人数", "staff sought through sharing", sh.shortage_headcount),
        fig("sharing_agreements", "共享用工协议数", "sharing agreements proposed", sh.agreements.values().sum()),
        fig("sharing_headcount_shared", "共享用工人数", "staff shared (agreements started)", sh.headcount_shared),
    ])
}

/// The asker's district rule for figures: inside their scope (`services::scope`, by district —
/// figures are counted by district, so a station's radius beyond its counties is not included)
/// and inside the district asked for.
fn district_rule(scope: Option<StaffScope>, district: Option<DistrictRef>) -> impl Fn(Option<&str>) -> bool {
    move |adcode: Option<&str>| {
        scope.as_ref().is_none_or(|s| s.covers(Place::district(adcode)))
            && district.as_ref().is_none_or(|d| adcode.is_some_and(|a| a.starts_with(d.prefix.as_str())))
    }
}

/// Whether staff scope covers every part of `d`.
fn covers_district(scope: &StaffScope, d: &DistrictRef) -> bool {
    use crate::services::scope::Area;
    match &scope.area {
        Area::Everywhere => true,
        Area::Districts(prefixes) => prefixes.iter().any(|p| d.prefix.starts_with(p.as_str())),
        Area::Station { counties, .. } => counties.iter().any(|p| d.prefix.starts_with(p.as_str())),
    }
}

/// `GET /api/v1/stats`: the staff figures for a period, grouped, within the asker's scope.
/// Reading them shows key-group counts, so each read is an audit entry.
pub async fn staff_stats(svc: &Services, user: &AuthUser, q: &StatsQuery) -> Result<StaffStats, Error> {
    let who = user.clone();
    let scope = svc.db.run(move |conn| StaffScope::staff(conn, &who)).await?;
    let p = StatsParams::parse(q, svc.clock.now())?;
    if let Some(d) = &p.district
        && !covers_district(&scope, d)
    {
        return Err(Error::forbidden());
    }
    let key = cache::key("staff", &(format!("{:?}", scope.area), &p));
    let (staff_id, params_json) = (scope.user_id, serde_json::to_value(&p).unwrap_or_default());
    svc.db
        .tx(move |tx| {
            audit::record(
                tx,
                audit::Entry {
                    actor_id: staff_id,
                    action: "stats.read",
                    target_type: "stats",
                    target_id: 0,
                    reason: None,
                    before: None,
                    after: Some(serde_json::json!({ "fields": [audit::fields::KEY_GROUPS], "params": params_json })),
                },
            )
        })
        .await?;
    let now = svc.clock.now();
    cache::cached(svc, &key, || {
        let p = p.clone();
        svc.db.run(move |conn| {
            let rule = district_rule(Some(scope), p.district.clone());
            let facts = load(conn, p.window, true, &rule)?;
            let (rows, total) = tabulate(&facts, &p, &rule, true);
            let extra = extra_figures(conn, p.window, &rule)?;
            Ok(StaffStats {
                from: p.window.from,
                to: p.window.to,
                group_by: p.group_by,
                level: p.level,
                district: p.district.clone(),
                as_of: to_display(now),
                rows,
                total,
                extra,
            })
        })
    })
    .await
}

/// The district tree of the public cube: `""` (everywhere) → 2-digit provinces → 4-digit cities
/// → 6-digit counties; things without a district hang under `""` as `unknown`.
fn parents(node: &str) -> Option<String> {
    match node.len() {
        0 => None,
        2 | 7 => Some(String::new()),
        4 => Some(node[..2].to_string()),
        _ => Some(node[..4].to_string()),
    }
}

fn leaf(adcode: Option<&str>) -> String {
    match adcode.filter(|a| a.len() >= 6 && a.bytes().all(|b| b.is_ascii_digit())) {
        Some(a) => a[..6].to_string(),
        None => "unknown".to_string(),
    }
}

/// The public 求人倍率 table. Computed for every occupation and every district of the quarter
/// at once, so that complementary suppression ([`suppress`]) is the same whichever table is
/// asked for: a city's figure minus its counties' shown figures, or an occupation's minus
/// another's, never gives a suppressed one. Key-group figures are never part of it.
fn public_cube(f: &Facts, quarter: &str, w: Window, now: NaiveDateTime) -> PublicCube {
    // Column 0 is all occupations; then the taxonomy.
    let cats: Vec<&(String, String, String)> = f.categories.iter().collect();
    let col = |code: &str| cats.iter().position(|c| c.0 == code).map(|i| i + 1);
    let width = cats.len() + 1;
    let mut cube: BTreeMap<String, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    let mut add = |node: String, c: usize, openings: i64, seekers: i64| {
        let mut n = Some(node);
        while let Some(at) = n {
            let e = cube.entry(at.clone()).or_insert_with(|| (vec![0; width], vec![0; width]));
            e.0[c] += openings;
            e.1[c] += seekers;
            n = parents(&at);
        }
    };
    for s in &f.shifts {
        let o = opening(s, w);
        if o > 0 {
            let node = leaf(s.adcode.as_deref());
            add(node.clone(), 0, o, 0);
            if let Some(c) = col(&s.category) {
                add(node, c, o, 0);
            }
        }
    }
    for person in seekers(f, w, &|_| true).values() {
        let node = leaf(person.adcode.as_deref());
        add(node.clone(), 0, 0, 1);
        for c in person.categories.iter().filter_map(|c| col(c)) {
            add(node.clone(), c, 0, 1);
        }
    }
    cube.entry(String::new()).or_insert_with(|| (vec![0; width], vec![0; width]));
    let nodes: Vec<String> = cube.keys().cloned().collect();
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let at = |n: usize, c: usize| n * width + c;
    let mut groups = Vec::new();
    for n in 0..nodes.len() {
        groups.push(Group { cells: (1..width).map(|c| at(n, c)).collect(), total: at(n, 0) });
    }
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = parents(n) {
            children.entry(index[p.as_str()]).or_default().push(i);
        }
    }
    for (parent, kids) in &children {
        for c in 0..width {
            groups.push(Group { cells: kids.iter().map(|&k| at(k, c)).collect(), total: at(*parent, c) });
        }
    }
    let openings: Vec<i64> = nodes.iter().flat_map(|n| cube[n].0.clone()).collect();
    let seekers_v: Vec<i64> = nodes.iter().flat_map(|n| cube[n].1.clone()).collect();
    let hide_o = suppress(&openings, &groups);
    let hide_s = suppress(&seekers_v, &groups);
    let shown = |v: i64, hidden: bool| (!hidden).then_some(v);
    let cells = nodes
        .iter()
        .enumerate()
        .map(|(n, node)| {
            (node.clone(), (0..width).map(|c| (shown(openings[at(n, c)], hide_o[at(n, c)]), shown(seekers_v[at(n, c)], hide_s[at(n, c)]))).collect())
        })
        .collect();
    PublicCube { period: quarter.to_string(), window: w, as_of: to_display(now), categories: f.categories.clone(), cells }
}

/// The public figures of a quarter for every district at once, as published (suppressed entries
/// are `None`): cached whole, so asking for another district costs a look-up, not a computation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PublicCube {
    period: String,
    window: Window,
    as_of: DateTime<FixedOffset>,
    /// (code, name_zh, name_en) in taxonomy order: columns 1.. of `cells`.
    categories: Vec<(String, String, String)>,
    /// By district node (`""`, 2-, 4- or 6-digit prefix, `unknown`): (openings, seekers) per
    /// column, column 0 being all occupations.
    cells: BTreeMap<String, Vec<(Option<i64>, Option<i64>)>>,
}

impl PublicCube {
    /// The table of one district (`None`: everywhere).
    fn table(&self, district: Option<&DistrictRef>) -> PublicRatio {
        let node = district.map(|d| d.prefix.as_str()).unwrap_or("");
        let row = |c: usize, key: String, label: String, label_en: String| -> PublicRow {
            let (o, s) = self.cells.get(node).and_then(|v| v.get(c).copied()).unwrap_or((Some(0), Some(0)));
            let cell = |v: Option<i64>| Cell { value: v, suppressed: v.is_none() };
            let ratio = o.zip(s).and_then(|(o, s)| ratio(o, s));
            PublicRow { key, label, label_en, openings: cell(o), seekers: cell(s), ratio }
        };
        let rows = self.categories.iter().enumerate().map(|(i, c)| row(i + 1, c.0.clone(), c.1.clone(), c.2.clone())).collect();
        let total = row(0, "all".into(), "全部职业".into(), "All occupations".into());
        PublicRatio { period: self.period.clone(), from: self.window.from, to: self.window.to, district: district.cloned(), as_of: self.as_of, rows, total }
    }
}

/// `GET /api/v1/stats/public` and `/stats`: 求人倍率 by occupation for a quarter and a district,
/// for anyone, small counts suppressed.
pub async fn public_ratio(svc: &Services, q: &PublicQuery) -> Result<PublicRatio, Error> {
    let now = svc.clock.now();
    let p = PublicParams::parse(q, now)?;
    let key = cache::key("public", &p.quarter);
    let (quarter, window) = (p.quarter.clone(), p.window);
    let cube: PublicCube = cache::cached(svc, &key, || {
        svc.db.run(move |conn| {
            let facts = load(conn, window, false, &|_| true)?;
            Ok(public_cube(&facts, &quarter, window, now))
        })
    })
    .await?;
    Ok(cube.table(p.district.as_ref()))
}

// ---------------------------------------------------------------------------------------------
// CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese right).

fn csv_bytes(header: &[String], rows: Vec<Vec<String>>) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(header).map_err(Error::internal)?;
    for r in rows {
        w.write_record(&r).map_err(Error::internal)?;
    }
    w.into_inner().map_err(Error::internal)
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".to_string())
}

/// The staff table as CSV, one line per row and the total last.
pub fn staff_csv(s: &StaffStats) -> Result<Vec<u8>, Error> {
    let mut header: Vec<String> = [
        "分组 key",
        "名称 label",
        "发布岗位 postings",
        "招聘人数 places",
        "已录用 fills",
        "录用率 fill_rate",
        "招满岗位 filled_shifts",
        "招满用时中位数（小时）median_hours_to_fill",
        "有时薪岗位 pay_shifts",
        "时薪中位数（元）median_hourly_pay",
        "确认人次 confirmed",
        "未到岗 no_shows",
        "未到岗率 no_show_rate",
        "求职者临时取消 late_cancels_by_worker",
        "用人单位临时取消 late_cancels_by_employer",
        "临时取消率 late_cancel_rate",
        "欠薪投诉 arrears_reports",
        "待处理 arrears_open",
        "已处理 arrears_resolved",
        "不属实 arrears_dismissed",
        "需求人数 openings",
        "求职人数 seekers",
        "求人倍率 ratio",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(key_group_columns().iter().map(|g| format!("重点群体录用 key_group:{g}")));
    let line = |r: &StaffRow| -> Vec<String> {
        let mut v = vec![
            r.key.clone(),
            r.label.clone(),
            r.postings.to_string(),
            r.places.to_string(),
            r.fills.to_string(),
            opt(r.fill_rate),
            r.filled_shifts.to_string(),
            opt(r.median_hours_to_fill),
            r.pay_shifts.to_string(),
            opt(r.median_hourly_pay_fen.map(crate::services::stats::yuan)),
            r.confirmed.to_string(),
            r.no_shows.to_string(),
            opt(r.no_show_rate),
            r.late_cancels_by_worker.to_string(),
            r.late_cancels_by_employer.to_string(),
            opt(r.late_cancel_rate),
            r.arrears_reports.to_string(),
            r.arrears_open.to_string(),
            r.arrears_resolved.to_string(),
            r.arrears_dismissed.to_string(),
            r.open_places.to_string(),
            opt(r.seekers),
            opt(r.ratio.map(|x| format!("{x:.2}"))),
        ];
        v.extend(r.key_group_placements.iter().map(|c| c.count.shown()));
        v
    };
    let mut rows: Vec<Vec<String>> = s.rows.iter().map(line).collect();
    rows.push(line(&s.total));
    csv_bytes(&header, rows)
}

/// The public table as CSV: 职业, 需求人数, 求职人数, 求人倍率, with the period and district.
pub fn public_csv(t: &PublicRatio) -> Result<Vec<u8>, Error> {
    let header: Vec<String> = ["时间段 period", "地区 district", "职业代码 code", "职业 occupation", "需求人数 openings", "求职人数 seekers", "求人倍率 ratio"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let district = t.district.as_ref().map(|d| format!("{} {}", d.adcode, d.name)).unwrap_or_else(|| "全部 all".to_string());
    let line = |r: &PublicRow| vec![t.period.clone(), district.clone(), r.key.clone(), r.label.clone(), r.openings.shown(), r.seekers.shown(), r.ratio_shown()];
    let mut rows: Vec<Vec<String>> = t.rows.iter().map(line).collect();
    rows.push(line(&t.total));
    csv_bytes(&header, rows)
}

/// Fen as yuan with two decimals.
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        crate::domain::time::parse_instant(s).unwrap()
    }

    #[test]
    fn buckets_cover_the_period_in_weeks_and_months() {
        let w = Window { from: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), to: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap() };
        let weeks = buckets(w, GroupBy::Week);
        assert_eq!(weeks.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(), ["2026-11-23", "2026-11-30", "2026-12-07"]);
        assert_eq!(weeks[0].1.from.to_string(), "2026-11-25", "clipped to the period");
        let months = buckets(w, GroupBy::Month);
        assert_eq!(months.iter().map(|b| b.0.as_str()).collect::<Vec<_>>(), ["2026-11", "2026-12"]);
        assert_eq!(months.iter().map(|b| b.1.days()).sum::<i64>(), w.days());
    }

    #[test]
    fn openings_need_publication_and_a_slot_in_the_window() {
        let w = Window { from: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap() };
        let s = ShiftFact {
            headcount: 3,
            held: 1,
            published_at: t("2026-12-02T10:00:00+08:00"),
            slot_starts: vec![t("2026-12-05T08:00:00+08:00")],
            ..Default::default()
        };
        assert_eq!(opening(&s, w), 2);
        assert_eq!(opening(&ShiftFact { held: 3, ..s.clone() }, w), 0, "fully held");
        assert_eq!(opening(&ShiftFact { held: 5, ..s.clone() }, w), 0, "never negative");
        assert_eq!(opening(&ShiftFact { published_at: t("2026-11-30T23:59:00+08:00"), ..s.clone() }, w), 0, "published before");
        assert_eq!(opening(&ShiftFact { slot_starts: vec![t("2027-01-01T00:00:00+08:00")], ..s.clone() }, w), 0, "no slot in the period");
        assert_eq!(ratio(3, 0), None);
        assert_eq!(ratio(2, 3), Some(0.67));
        assert_eq!(median(vec![3.0, 1.0, 2.0, 10.0]), Some(2.5));
    }
}
