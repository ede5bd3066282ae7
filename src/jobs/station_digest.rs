//! 送岗位进社区: each morning (from 08:00 Asia/Shanghai) every station's staff get the shifts
//! published within the station's radius in the past day, in the inbox and by mail, with the
//! link to print the board. Replicas may all run it: the day's `station_digests` row is written
//! first in the same transaction as the notices, and its primary key lets only one replica in.

use std::time::Duration;

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;

use crate::db::schema::{shifts, station_digests, stations, users};
use crate::db::{Db, Tx};
use crate::domain::notification::{Notification, StationDigest as Digest};
use crate::domain::time::{local_date, to_local};
use crate::domain::{GeoPoint, Role, ShiftStatus};
use crate::error::{Conflict, Error};
use crate::jobs::{Job, Ran};
use crate::services::outbox;

/// The local hour from which the day's mail goes out.
pub const SEND_FROM_HOUR: u32 = 8;
/// At most this many shifts in one mail, nearest first; the board has the rest.
pub const MAX_SHIFTS: usize = 30;

/// Sends the day's digest of one station, if no replica has yet: the number of shifts in it,
/// `None` when the day was already done.
pub fn send_for(tx: &mut Tx, station_id: i64, public_url: &str) -> Result<Option<usize>, Error> {
    let now = tx.now();
    let day = local_date(now).format("%Y-%m-%d").to_string();
    let (name, lat, lng, radius_km): (String, f64, f64, f64) =
        stations::table.find(station_id).select((stations::name, stations::lat, stations::lng, stations::radius_km)).first(tx.conn())?;
    let centre = GeoPoint { lat, lng };
    let since = now - chrono::Duration::hours(24);
    let recent: Vec<(i64, f64, f64)> = shifts::table
        .filter(shifts::status.eq(ShiftStatus::Published.as_str()))
        .filter(shifts::published_at.gt(since))
        .select((shifts::id, shifts::lat, shifts::lng))
        .load(tx.conn())?;
    let mut near: Vec<(f64, i64)> =
        recent.into_iter().map(|(id, lat, lng)| (centre.haversine_km(&GeoPoint { lat, lng }), id)).filter(|(d, _)| *d <= radius_km).collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let ids: Vec<i64> = near.iter().take(MAX_SHIFTS).map(|(_, id)| *id).collect();
    // Visible, open shifts only (a blocked employer's drop out, as from search), nearest first.
    let mut open = crate::jobs::match_alerts::open_shifts(tx, &ids, public_url, now)?;
    open.sort_by_key(|(doc, _, _)| ids.iter().position(|i| *i == doc.id));
    let summaries: Vec<_> = open.into_iter().map(|(_, _, s)| s).collect();
    let claimed = diesel::insert_into(station_digests::table)
        .values((
            station_digests::station_id.eq(station_id),
            station_digests::day.eq(&day),
            station_digests::shifts.eq(summaries.len() as i32),
            station_digests::sent_at.eq(now),
        ))
        .execute(tx.conn());
    match claimed.map_err(Error::from) {
        Ok(_) => {}
        Err(Error::Conflict(Conflict::Duplicate)) => return Ok(None),
        Err(e) => return Err(e),
    }
    if summaries.is_empty() {
        return Ok(Some(0));
    }
    let staff: Vec<i64> = users::table
        .filter(users::station_id.eq(station_id))
        .filter(users::role.eq(Role::StationStaff.as_str()))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .load(tx.conn())?;
    let n = Notification::StationDigest(Digest {
        station_id,
        station: name,
        day,
        board_url: format!("{public_url}/stations/{station_id}/board"),
        shifts: summaries,
    });
    for user_id in staff {
        outbox::enqueue_to_user(tx, user_id, &n)?;
    }
    let Notification::StationDigest(d) = n else { unreachable!() };
    Ok(Some(d.shifts.len()))
}

/// One run: every station whose day is not done yet, once the local morning has come.
pub async fn run(db: &Db, public_url: &str, now: NaiveDateTime) -> Result<usize, Error> {
    if to_local(now).hour() < SEND_FROM_HOUR {
        return Ok(0);
    }
    let day = local_date(now).format("%Y-%m-%d").to_string();
    let pending: Vec<i64> = db
        .run(move |conn| {
            let done = station_digests::table.filter(station_digests::day.eq(day)).select(station_digests::station_id);
            Ok(stations::table.filter(diesel::dsl::not(stations::id.eq_any(done))).select(stations::id).load(conn)?)
        })
        .await?;
    let mut sent = 0;
    for id in pending {
        let url = public_url.to_string();
        // A day another replica took in the meantime is a unique-key refusal inside this
        // transaction: it rolls back and counts as done.
        match db.tx(move |tx| send_for(tx, id, &url)).await {
            Ok(Some(_)) => sent += 1,
            Ok(None) | Err(Error::Conflict(Conflict::Duplicate)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

pub struct StationDigests {
    pub db: Db,
    pub public_url: String,
    pub every: Duration,
}

impl Job for StationDigests {
    fn name(&self) -> &'static str {
        "station_digest"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run_once(&self, now: NaiveDateTime) -> Result<Ran, Error> {
        let n = run(&self.db, &self.public_url, now).await?;
        Ok(Ran { summary: (n > 0).then(|| format!("{n} station digests")), more: false })
    }
}
