//! A worker's calendar feed: a private URL (token stored hashed) that serves their confirmed
//! shifts as iCalendar, for a phone's calendar to subscribe to without signing in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::token;
use crate::db::DbConn;
use crate::db::schema::{calendar_tokens, employers, engagements, shift_slots, shifts};
use crate::domain::engagement::State;
use crate::domain::ical::{self, CalEvent};
use crate::error::{Conflict, Error, Thing};
use crate::services::workers as workers_svc;

fn worker_id(conn: &mut DbConn, user_id: i64) -> Result<i64, Error> {
    Ok(workers_svc::by_user(conn, user_id)?.ok_or(Error::Conflict(Conflict::WorkerProfileRequired))?.id)
}

/// Creates the feed token, or replaces it (the old URL stops working). The token is shown once.
pub fn rotate(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> Result<String, Error> {
    let worker = worker_id(conn, user_id)?;
    diesel::delete(calendar_tokens::table.filter(calendar_tokens::worker_id.eq(worker))).execute(conn)?;
    let t = token::generate();
    diesel::insert_into(calendar_tokens::table)
        .values((calendar_tokens::worker_id.eq(worker), calendar_tokens::token_hash.eq(token::hash(&t)), calendar_tokens::created_at.eq(now)))
        .execute(conn)?;
    Ok(t)
}

/// Revokes the feed. Returns whether there was one.
pub fn revoke(conn: &mut DbConn, user_id: i64) -> Result<bool, Error> {
    let worker = worker_id(conn, user_id)?;
    Ok(diesel::delete(calendar_tokens::table.filter(calendar_tokens::worker_id.eq(worker))).execute(conn)? > 0)
}

/// States whose slots belong in the calendar: the worker is expected there.
const ON_CALENDAR: &[State] = &[State::Confirmed, State::CheckedIn, State::CheckedOut];

/// The feed for a token, or 404 for an unknown or revoked one.
pub fn feed(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<String, Error> {
    let worker: i64 = calendar_tokens::table
        .filter(calendar_tokens::token_hash.eq(token::hash(token)))
        .select(calendar_tokens::worker_id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound(Thing::Calendar))?;
    let states: Vec<&str> = ON_CALENDAR.iter().map(|s| s.as_str()).collect();
    let rows: Vec<(i64, String, i64, String, String, f64, f64, String, String, String)> = engagements::table
        .inner_join(shifts::table.inner_join(employers::table))
        .filter(engagements::worker_id.eq(worker))
        .filter(engagements::state.eq_any(states))
        .select((
            engagements::id,
            engagements::slot_ids,
            shifts::id,
            shifts::title,
            shifts::address,
            shifts::lat,
            shifts::lng,
            employers::name,
            employers::contact_name,
            employers::contact_phone,
        ))
        .load(conn)?;
    let mut events = Vec::new();
    for (eid, slot_ids, shift_id, title, address, lat, lng, employer, contact, phone) in rows {
        let ids: Vec<i64> = serde_json::from_str(&slot_ids).unwrap_or_default();
        let slots: Vec<(i64, NaiveDateTime, NaiveDateTime)> = shift_slots::table
            .filter(shift_slots::shift_id.eq(shift_id))
            .filter(shift_slots::id.eq_any(&ids))
            .order(shift_slots::start_at.asc())
            .select((shift_slots::id, shift_slots::start_at, shift_slots::end_at))
            .load(conn)?;
        for (sid, start, end) in slots {
            events.push(CalEvent {
                uid: format!("engagement-{eid}-slot-{sid}@lingong"),
                start,
                end,
                summary: title.clone(),
                location: address.clone(),
                description: format!("{employer}\n联系人 Contact: {contact} {phone}\n用工编号 Engagement: {eid}"),
                geo: Some((lat, lng)),
            });
        }
    }
    events.sort_by_key(|e| e.start);
    Ok(ical::calendar("lingong 零工", &events, now))
}

/// Create or rotate the signed-in worker's private calendar feed; returns the new token.
pub async fn rotate_mine(svc: &crate::services::Services, user: &crate::auth::AuthUser) -> Result<String, Error> {
    user.require(&[crate::domain::Role::Worker])?;
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            rotate(tx, user_id, now)
        })
        .await
}

/// Revoke the signed-in worker's calendar feed (404 when there was none).
pub async fn revoke_mine(svc: &crate::services::Services, user: &crate::auth::AuthUser) -> Result<(), Error> {
    user.require(&[crate::domain::Role::Worker])?;
    let user_id = user.id;
    if svc.db.tx(move |tx| revoke(tx, user_id)).await? { Ok(()) } else { Err(Error::NotFound(Thing::Calendar)) }
}

/// The feed at a private URL: `{token}.ics`.
pub async fn feed_file(svc: &crate::services::Services, file: &str) -> Result<String, Error> {
    let token = file.strip_suffix(".ics").map(str::to_string).ok_or(Error::NotFound(Thing::Calendar))?;
    let now = svc.clock.now();
    svc.db.run(move |conn| feed(conn, &token, now)).await
}

/// One engagement as an iCalendar file (one event per chosen slot), for the "add to calendar"
/// link on the worker's engagement page: the same events the feed carries, for the signed-in
/// worker only.
pub async fn engagement_file(svc: &crate::services::Services, user: &crate::auth::AuthUser, id: i64) -> Result<String, Error> {
    user.require(&[crate::domain::Role::Worker])?;
    let e = crate::services::engagements::get(svc, user, id).await?;
    let contact = match (&e.employer.contact_name, &e.employer.contact_phone) {
        (Some(n), Some(p)) => format!("\n联系人 Contact: {n} {p}"),
        _ => String::new(),
    };
    let events: Vec<CalEvent> = e
        .slots
        .iter()
        .map(|s| CalEvent {
            uid: format!("engagement-{}-slot-{}@lingong", e.id, s.id),
            start: s.start.naive_utc(),
            end: s.end.naive_utc(),
            summary: e.shift.title.clone(),
            location: e.shift.address.clone(),
            description: format!("{}{contact}\n用工编号 Engagement: {}", e.employer.name, e.id),
            geo: Some((e.shift.lat, e.shift.lng)),
        })
        .collect();
    Ok(ical::calendar("lingong 零工", &events, svc.clock.now()))
}
