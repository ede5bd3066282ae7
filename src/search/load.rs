//! Reads what the engine indexes from the database: published shifts and active availability,
//! with the words each is found by.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::{ShiftRow, SlotRow};
use crate::db::schema::{availability, categories, employers, engagements, shift_slots, shifts, workers};
use crate::domain::{GeoPoint, KeyGroup, ShiftStatus};
use crate::error::Error;
use crate::search::analyze::{ShiftText, doc_text, shift_text};
use crate::search::cards::{Card, EmployerCard};
use crate::search::engine::{AvailDoc, ShiftDoc};
use crate::search::score::coarse_point;
use crate::search::timefit::Interval;
use crate::services::availability::AvailabilityRow;
use crate::services::districts::Districts;
use crate::services::json_list;
use crate::services::views::is_home_workplace;
use crate::services::workers::WorkerRow;

/// Category code → (name, keywords), read once per batch.
pub fn category_words(conn: &mut DbConn) -> Result<HashMap<String, String>, Error> {
    Ok(categories::table
        .select((categories::code, categories::name_zh, categories::keywords))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(c, n, k)| (c, format!("{n} {k}")))
        .collect())
}

/// The synonym groups staff added (the built-in ones are `search::synonyms::BUILT_IN`).
pub fn synonym_groups(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    Ok(crate::db::schema::synonyms::table.select(crate::db::schema::synonyms::words).order(crate::db::schema::synonyms::id.asc()).load(conn)?)
}

fn district_name(adcode: Option<&str>) -> String {
    adcode.and_then(|a| Districts::get().by_code(a)).map(|d| d.full_name.clone()).unwrap_or_default()
}

/// One shift as the engine would index it, whatever its status (unless its employer is
/// blocked), so a draft can be matched by its owner too.
pub fn shift_doc(conn: &mut DbConn, id: i64) -> Result<ShiftDoc, Error> {
    let row = ShiftRow::find(conn, id)?;
    let cats = category_words(conn)?;
    shift_docs(conn, vec![row], &cats, Keep::AnyUnblocked)?.into_iter().next().map(|d| d.0).ok_or(Error::NotFound(crate::error::Thing::Shift))
}

/// Which shift rows become documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// What the public may find (`Standing::searchable`): the index.
    Searchable,
    /// Any shift of an employer that is not blocked: an owner matching workers to a draft.
    AnyUnblocked,
}

/// Builds engine documents for shift rows.
pub fn shift_docs(conn: &mut DbConn, rows: Vec<ShiftRow>, cats: &HashMap<String, String>, keep: Keep) -> Result<Vec<(ShiftDoc, String)>, Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut slots: HashMap<i64, Vec<Interval>> = HashMap::new();
    for s in shift_slots::table.filter(shift_slots::shift_id.eq_any(&ids)).load::<SlotRow>(conn)? {
        slots.entry(s.shift_id).or_default().push(Interval { start: s.start_at, end: s.end_at });
    }
    let emp_ids: Vec<i64> = rows.iter().map(|r| r.employer_id).collect();
    let rows_e: Vec<(i64, String, bool, String)> =
        employers::table.filter(employers::id.eq_any(&emp_ids)).select((employers::id, employers::name, employers::blocked, employers::kind)).load(conn)?;
    // A household employer's shift is at its home: the index knows only its coarse point and no
    // street address, so no radius, bbox or word query can narrow it down further.
    let homes: HashSet<i64> = rows_e.iter().filter(|(_, _, _, kind)| is_home_workplace(kind)).map(|(id, ..)| *id).collect();
    let employers: HashMap<i64, (String, bool)> = rows_e.into_iter().map(|(id, name, blocked, _)| (id, (name, blocked))).collect();
    let names: HashMap<i64, String> = employers.iter().map(|(id, (name, _))| (*id, name.clone())).collect();
    rows.into_iter()
        .filter(|r| {
            let Some((_, blocked)) = employers.get(&r.employer_id) else { return false };
            match keep {
                Keep::Searchable => r.standing(*blocked).searchable(),
                Keep::AnyUnblocked => !blocked,
            }
        })
        .map(|r| {
            let pay_unit = r.pay_unit;
            let home = homes.contains(&r.employer_id);
            let tokens = shift_text(&ShiftText {
                title: &r.title,
                description: &r.description,
                requirements: &r.requirements,
                category: cats.get(&r.category_code).map(String::as_str).unwrap_or(""),
                employer: names.get(&r.employer_id).map(String::as_str).unwrap_or(""),
                address: if home { "" } else { &r.address },
                district: &district_name(r.adcode.as_deref()),
            });
            let doc = ShiftDoc {
                id: r.id,
                employer_id: r.employer_id,
                category: r.category_code,
                adcode: r.adcode,
                point: if home { coarse_point(GeoPoint { lat: r.lat, lng: r.lng }) } else { GeoPoint { lat: r.lat, lng: r.lng } },
                pay_fen: r.pay_amount_fen,
                pay_unit,
                minutes_per_piece: r.minutes_per_piece,
                settlement: r.settlement.as_str().to_string(),
                employment_type: r.employment_type.as_str().to_string(),
                slots: slots.remove(&r.id).unwrap_or_default(),
                valid_through: r.valid_through,
                published_at: r.published_at.unwrap_or(r.created_at),
            };
            Ok((doc, tokens))
        })
        .collect::<Result<Vec<_>, Error>>()
}

/// Published shifts with ids in `ids`; the ones missing or not published are returned apart.
pub fn shifts_by_id(conn: &mut DbConn, ids: &[i64]) -> Result<(Vec<(ShiftDoc, String)>, Vec<i64>), Error> {
    // The SQL narrows to candidates cheaply; `Standing` decides.
    let rows: Vec<ShiftRow> = shifts::table.filter(shifts::id.eq_any(ids)).filter(shifts::status.eq(ShiftStatus::Published.as_str())).load(conn)?;
    let cats = category_words(conn)?;
    let docs = shift_docs(conn, rows, &cats, Keep::Searchable)?;
    let gone = ids.iter().copied().filter(|id| !docs.iter().any(|(d, _)| d.id == *id)).collect();
    Ok((docs, gone))
}

/// The result cards of the shifts with ids in `ids` (searchable ones are the caller's choice),
/// and their employers' parts: each shift's view built by the one view builder
/// (`services::shifts::views`), so a page from memory shows what a page from the database does.
pub fn shift_cards(conn: &mut DbConn, ids: &[i64]) -> Result<(Vec<Card>, Vec<EmployerCard>), Error> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let rows: Vec<ShiftRow> = shifts::table.filter(shifts::id.eq_any(ids)).load(conn)?;
    let emp_ids: Vec<i64> = rows.iter().map(|r| r.employer_id).collect::<HashSet<_>>().into_iter().collect();
    let employers: Vec<EmployerCard> = employers::table
        .filter(employers::id.eq_any(&emp_ids))
        .select((employers::id, employers::name, employers::verified, employers::kind, employers::user_id))
        .load::<(i64, String, bool, String, i64)>(conn)?
        .into_iter()
        .map(|(id, name, verified, kind, owner_user_id)| EmployerCard {
            id,
            name: name.into_boxed_str(),
            verified,
            home: is_home_workplace(&kind),
            owner_user_id,
        })
        .collect();
    let mut shared = HashMap::new();
    let cards = crate::services::shifts::views(conn, rows)?.into_iter().map(|v| crate::services::search::card_of(v, &mut shared)).collect();
    Ok((cards, employers))
}

/// One batch of published, unexpired shifts after `after_id`, for a rebuild.
pub fn shift_batch(
    conn: &mut DbConn,
    after_id: i64,
    limit: i64,
    now: NaiveDateTime,
    cats: &HashMap<String, String>,
) -> Result<(Vec<(ShiftDoc, String)>, Option<i64>), Error> {
    let rows: Vec<ShiftRow> = shifts::table
        .filter(shifts::id.gt(after_id))
        .filter(shifts::status.eq(ShiftStatus::Published.as_str()))
        .filter(shifts::valid_through.gt(now))
        .order(shifts::id.asc())
        .limit(limit)
        .load(conn)?;
    let last = rows.last().map(|r| r.id);
    Ok((shift_docs(conn, rows, cats, Keep::Searchable)?, last))
}

pub fn published_shift_count(conn: &mut DbConn, now: NaiveDateTime) -> Result<i64, Error> {
    Ok(shifts::table.filter(shifts::status.eq(ShiftStatus::Published.as_str())).filter(shifts::valid_through.gt(now)).count().get_result(conn)?)
}

pub fn shift_ids_of_employer(conn: &mut DbConn, employer_id: i64) -> Result<Vec<i64>, Error> {
    Ok(shifts::table.filter(shifts::employer_id.eq(employer_id)).filter(shifts::status.eq(ShiftStatus::Published.as_str())).select(shifts::id).load(conn)?)
}

/// Converts an availability row and its worker's facts into an engine document.
pub fn avail_doc(row: &AvailabilityRow, key_groups: &[KeyGroup]) -> AvailDoc {
    AvailDoc {
        id: row.id,
        worker_id: row.worker_id,
        point: GeoPoint { lat: row.lat, lng: row.lng },
        radius_km: row.radius_km,
        categories: json_list(&row.categories),
        min_pay: row.min_pay().map(|p| (p.amount_fen, p.unit)),
        dated: row.dated().into_iter().map(|d| Interval { start: d.start, end: d.end }).collect(),
        weekly: row.weekly(),
        priority_group: !key_groups.is_empty(),
        adcode: row.adcode.clone(),
        reliability: None,
        updated_at: row.updated_at,
    }
}

/// Active availability (all, or with the given ids), with tokens; plus the ids not found active.
pub fn availability_docs(conn: &mut DbConn, ids: Option<&[i64]>) -> Result<(Vec<(AvailDoc, String)>, Vec<i64>), Error> {
    let mut q = availability::table.filter(availability::active.eq(true)).into_boxed();
    if let Some(ids) = ids {
        q = q.filter(availability::id.eq_any(ids));
    }
    let rows: Vec<AvailabilityRow> = q.load(conn)?;
    let gone = ids.map(|ids| ids.iter().copied().filter(|id| !rows.iter().any(|r| r.id == *id)).collect()).unwrap_or_default();
    let worker_ids: Vec<i64> = rows.iter().map(|r| r.worker_id).collect();
    let facts: HashMap<i64, (String, String)> = workers::table
        .filter(workers::id.eq_any(&worker_ids))
        .select((workers::id, workers::skills, workers::key_groups))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, s, k)| (id, (s, k)))
        .collect();
    let cats = category_words(conn)?;
    let reliability = reliability_of(conn, &worker_ids)?;
    let docs = rows
        .iter()
        .map(|r| {
            let (skills, groups) = facts.get(&r.worker_id).cloned().unwrap_or_default();
            let skills: Vec<String> = json_list(&skills);
            let groups: Vec<KeyGroup> = json_list(&groups);
            let mut words: Vec<String> = json_list::<String>(&r.categories).iter().chain(skills.iter()).filter_map(|c| cats.get(c).cloned()).collect();
            words.push(r.note.clone());
            words.push(district_name(r.adcode.as_deref()));
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            let mut doc = avail_doc(r, &groups);
            doc.reliability = reliability.get(&r.worker_id).copied();
            (doc, doc_text(&refs))
        })
        .collect();
    Ok((docs, gone))
}

/// Reliability of the workers who have any engagement (the rest have no record to judge by).
fn reliability_of(conn: &mut DbConn, worker_ids: &[i64]) -> Result<HashMap<i64, f64>, Error> {
    let engaged: Vec<i64> = engagements::table.filter(engagements::worker_id.eq_any(worker_ids)).select(engagements::worker_id).distinct().load(conn)?;
    if engaged.is_empty() {
        return Ok(HashMap::new());
    }
    let now = crate::domain::time::now_utc();
    let rows: Vec<WorkerRow> = workers::table.filter(workers::id.eq_any(&engaged)).load(conn)?;
    let mut out = HashMap::new();
    for w in rows {
        let stats = crate::services::reputation::worker_raw_stats(conn, crate::services::reputation::WorkerRef { id: w.id, user_id: w.user_id }, now)?;
        out.insert(w.id, crate::domain::engagement::reliability(&stats));
    }
    Ok(out)
}

pub fn availability_ids_of_worker(conn: &mut DbConn, worker_id: i64) -> Result<Vec<i64>, Error> {
    Ok(availability::table.filter(availability::worker_id.eq(worker_id)).select(availability::id).load(conn)?)
}
