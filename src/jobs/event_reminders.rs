//! Reminds workers of the recruitment events (专场招聘) they registered interest in, once each,
//! in the inbox and by mail, from a day before the event starts. Replicas may all run it: a
//! reminder is claimed by setting `event_interests.reminded_at` where it is still empty, in the
//! same transaction as the notice, so only one replica's update finds the row.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{event_interests, events, users, workers};
use crate::db::{Db, Tx};
use crate::domain::EventStatus;
use crate::domain::notification::{EventReminder, Notification};
use crate::domain::time::to_local;
use crate::domain::{EventId, WorkerId};
use crate::error::Error;
use crate::jobs::{Job, Ran};
use crate::services::{inbox, outbox};

/// How long before the start the reminder goes out.
pub const HOURS_BEFORE: i64 = 24;
/// Reminders one run sends at most; a full batch runs again at once.
pub const BATCH: i64 = 200;

fn local(t: NaiveDateTime) -> String {
    to_local(t).format("%Y-%m-%d %H:%M").to_string()
}

/// Sends one worker's reminder of one event unless it went already: whether it was sent now.
pub fn remind(tx: &mut Tx, event_id: EventId, worker_id: WorkerId, public_url: &str) -> Result<bool, Error> {
    let (event_id, worker_id) = (event_id.get(), worker_id.get());
    let now = tx.now();
    let claimed = diesel::update(
        event_interests::table
            .filter(event_interests::event_id.eq(event_id))
            .filter(event_interests::worker_id.eq(worker_id))
            .filter(event_interests::reminded_at.is_null()),
    )
    .set(event_interests::reminded_at.eq(now))
    .execute(tx.conn())?;
    if claimed == 0 {
        return Ok(false);
    }
    let (title, starts_at, ends_at, address, online_url, organiser): (String, NaiveDateTime, NaiveDateTime, Option<String>, Option<String>, String) =
        events::table
            .find(event_id)
            .select((events::title, events::starts_at, events::ends_at, events::address, events::online_url, events::organiser))
            .first(tx.conn())?;
    let (user_id, email): (i64, Option<String>) = workers::table
        .inner_join(users::table.on(users::id.eq(workers::user_id)))
        .filter(workers::id.eq(worker_id))
        .select((users::id, users::email))
        .first(tx.conn())?;
    let n = Notification::EventReminder(EventReminder {
        event_id,
        title,
        starts: local(starts_at),
        ends: local(ends_at),
        address,
        online_url,
        organiser,
        url: format!("{public_url}/events/{event_id}"),
    });
    inbox::deliver_once(tx, user_id, &n)?;
    outbox::enqueue(tx, email, &n)?;
    Ok(true)
}

/// One run: the interests in published events starting within a day that have had no reminder.
pub async fn run(db: &Db, public_url: &str, now: NaiveDateTime) -> Result<(usize, bool), Error> {
    let until = now + chrono::Duration::hours(HOURS_BEFORE);
    let due: Vec<(i64, i64)> = db
        .run(move |conn| {
            Ok(event_interests::table
                .inner_join(events::table.on(events::id.eq(event_interests::event_id)))
                .filter(event_interests::reminded_at.is_null())
                .filter(events::status.eq(EventStatus::Published.as_str()))
                .filter(events::starts_at.gt(now))
                .filter(events::starts_at.le(until))
                .order((event_interests::event_id.asc(), event_interests::worker_id.asc()))
                .limit(BATCH)
                .select((event_interests::event_id, event_interests::worker_id))
                .load(conn)?)
        })
        .await?;
    let full = due.len() as i64 == BATCH;
    let mut sent = 0;
    for (event_id, worker_id) in due {
        let url = public_url.to_string();
        if db.tx(move |tx| remind(tx, EventId(event_id), WorkerId(worker_id), &url)).await? {
            sent += 1;
        }
    }
    Ok((sent, full))
}

pub struct EventReminders {
    pub db: Db,
    pub public_url: String,
    pub every: Duration,
}

impl Job for EventReminders {
    fn name(&self) -> &'static str {
        "event_reminders"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run_once(&self, now: NaiveDateTime) -> Result<Ran, Error> {
        let (n, more) = run(&self.db, &self.public_url, now).await?;
        Ok(Ran { summary: (n > 0).then(|| format!("{n} event reminders")), more })
    }
}
