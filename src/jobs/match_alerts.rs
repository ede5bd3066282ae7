//! The alert jobs. `match_new_shifts` records, for each newly published shift, which
//! subscriptions want it and queues instant mails; `send_digests` sends each daily subscription
//! one mail a day with what was recorded for it. Both take `now`, so tests choose the time, and
//! both are safe to run on several replicas at once: a delivery row is unique per
//! (subscription, shift) and only the transaction that inserted it queues a mail.

use std::collections::{HashMap, HashSet};
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;

use crate::alerts::rules::{self, Criteria, ShiftText};
use crate::alerts::subscriptions::{self, AlertRow, DAILY};
use crate::config::Config;
use crate::db::insert_ignoring_conflict;
use crate::db::schema::{alert_deliveries, alert_subscriptions, availability, employers, job_cursors, shifts, workers};
use crate::db::{Db, DbConn, write_transaction};
use crate::domain::notification::{AlertDigest, AlertMatch, Notification};
use crate::domain::time::to_display;
use crate::domain::{PayUnit, ShiftStatus};
use crate::error::Error;
use crate::jobs::{Job, Ran, blocking};
use crate::search::engine::ShiftDoc;
use crate::search::load;
use crate::services::availability::AvailabilityRow;
use crate::services::{outbox, views};

/// The job cursor: the `published_at` (Unix seconds) up to which shifts have been matched.
pub const CURSOR: &str = "alerts.published_at";
const BATCH: i64 = 200;

#[derive(Debug, Clone)]
pub struct Settings {
    pub public_url: String,
    pub lookback: Duration,
    pub digest_hour: u32,
    pub max_per_digest: i64,
}

impl Settings {
    pub fn from_config(c: &Config) -> Settings {
        Settings {
            public_url: c.server.public_url.clone(),
            lookback: Duration::seconds(c.alerts.lookback_secs.min(i64::MAX as u64) as i64),
            digest_hour: c.alerts.digest_hour,
            max_per_digest: c.alerts.max_per_digest,
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Published shifts looked at.
    pub shifts: usize,
    /// Delivery rows this run inserted (shifts newly announced to a subscription).
    pub recorded: usize,
    /// Mails this run queued.
    pub mailed: usize,
}

/// An active subscription, resolved.
struct Sub {
    row: AlertRow,
    user_id: i64,
    criteria: Criteria,
    /// The worker belongs to a key group (重点群体, domain-facts §8): policy puts them first, so
    /// their alerts for a new shift are queued — and sent — before everyone else's. Employers
    /// never see this order.
    priority: bool,
}

fn active_subscriptions(conn: &mut DbConn) -> Result<Vec<Sub>, Error> {
    let rows: Vec<(AlertRow, i64, String)> = alert_subscriptions::table
        .inner_join(workers::table)
        .filter(alert_subscriptions::active.eq(true))
        .order(alert_subscriptions::id.asc())
        .select((alert_subscriptions::all_columns, workers::user_id, workers::key_groups))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().filter_map(|(r, _, _)| r.availability_id).collect();
    let followed: HashMap<i64, AvailabilityRow> = if ids.is_empty() {
        HashMap::new()
    } else {
        availability::table.filter(availability::id.eq_any(&ids)).load::<AvailabilityRow>(conn)?.into_iter().map(|a| (a.id, a)).collect()
    };
    Ok(rows
        .into_iter()
        .filter_map(|(row, user_id, kg)| {
            let criteria = row.criteria(row.availability_id.and_then(|id| followed.get(&id)))?;
            Some(Sub { row, user_id, criteria, priority: has_key_group(&kg) })
        })
        .collect())
}

/// Whether a stored key-group list names any group.
fn has_key_group(stored: &str) -> bool {
    !crate::services::json_list::<String>(stored).is_empty()
}

fn to_secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

fn from_secs(s: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(s, 0).map(|t| t.naive_utc()).unwrap_or_default()
}

pub fn cursor(conn: &mut DbConn, name: &str) -> Result<Option<i64>, Error> {
    Ok(job_cursors::table.find(name).select(job_cursors::position).first(conn).optional()?)
}

/// Moves a cursor forward, never back (a slower replica finishing late must not rewind it).
pub fn advance_cursor(conn: &mut DbConn, name: &str, position: i64) -> Result<(), Error> {
    write_transaction(conn, |tx| {
        let row = (job_cursors::name.eq(name), job_cursors::position.eq(position));
        let inserted = insert_ignoring_conflict!(tx.conn(), job_cursors::table, row);
        if inserted == 0 {
            diesel::update(job_cursors::table.find(name).filter(job_cursors::position.lt(position)))
                .set(job_cursors::position.eq(position))
                .execute(tx.conn())?;
        }
        Ok(())
    })
    .map(|(v, _)| v)
}

/// Records that `shift` was announced to `subscription`; false when it already was (by this or
/// another replica), in which case nothing may be mailed.
fn record_delivery(conn: &mut DbConn, subscription: i64, shift: i64, now: NaiveDateTime) -> Result<bool, Error> {
    let row = (alert_deliveries::subscription_id.eq(subscription), alert_deliveries::shift_id.eq(shift), alert_deliveries::created_at.eq(now));
    let n = insert_ignoring_conflict!(conn, alert_deliveries::table, row);
    Ok(n == 1)
}

/// What a mail says about one shift: part of the alert notifications.
pub use crate::domain::notification::ShiftSummary;

pub fn pay_text(fen: i64, unit: PayUnit) -> (String, String) {
    let yuan = format!("{}.{:02}", fen / 100, fen % 100);
    let (zh, en) = match unit {
        PayUnit::Hour => ("小时", "hour"),
        PayUnit::Day => ("天", "day"),
        PayUnit::Piece => ("件", "piece"),
        PayUnit::Shift => ("班", "shift"),
    };
    (format!("{yuan} 元/{zh}"), format!("{yuan} yuan per {en}"))
}

fn summary(doc: &ShiftDoc, title: &str, address: &str, public_url: &str, now: NaiveDateTime) -> Option<ShiftSummary> {
    let mut ahead: Vec<_> = doc.slots.iter().filter(|s| s.start > now).collect();
    ahead.sort_by_key(|s| s.start);
    let first = ahead.first()?;
    let (start, end) = (to_display(first.start), to_display(first.end));
    let end_fmt = if start.date_naive() == end.date_naive() { "%H:%M" } else { "%Y-%m-%d %H:%M" };
    let (pay_zh, pay_en) = pay_text(doc.pay_fen, doc.pay_unit);
    Some(ShiftSummary {
        shift_id: doc.id,
        title: title.to_string(),
        pay_zh,
        pay_en,
        address: address.to_string(),
        time: format!("{}–{}", start.format("%Y-%m-%d %H:%M"), end.format(end_fmt)),
        more_slots: ahead.len() - 1,
        url: format!("{public_url}/shifts/{}", doc.id),
    })
}

/// Published, visible shifts with their summaries (blocked employers' shifts drop out here, as
/// they do from search).
pub(crate) fn open_shifts(conn: &mut DbConn, ids: &[i64], public_url: &str, now: NaiveDateTime) -> Result<Vec<(ShiftDoc, ShiftText, ShiftSummary)>, Error> {
    let (docs, _) = load::shifts_by_id(conn, ids)?;
    // A household's home is not mailed to subscribers: they get the district, as on the site.
    let names: HashMap<i64, (String, String)> = shifts::table
        .inner_join(employers::table)
        .filter(shifts::id.eq_any(ids))
        .select((shifts::id, shifts::title, shifts::address, employers::kind, shifts::adcode, shifts::lat, shifts::lng))
        .load::<(i64, String, String, String, Option<String>, f64, f64)>(conn)?
        .into_iter()
        .map(|(id, t, a, kind, adcode, lat, lng)| {
            let a = if views::is_home_workplace(&kind) { views::coarse_place(adcode.as_deref(), lat, lng).0 } else { a };
            (id, (t, a))
        })
        .collect();
    Ok(docs
        .into_iter()
        .filter_map(|(doc, tokens)| {
            let (title, address) = names.get(&doc.id)?;
            let s = summary(&doc, title, address, public_url, now)?;
            Some((doc, ShiftText::of(&tokens), s))
        })
        .collect())
}

/// Matches shifts published since the cursor (minus the look-back) against every active
/// subscription. Each shift is handled in one transaction: its delivery rows and the instant mails
/// for exactly the rows that transaction inserted.
pub fn match_new_shifts(conn: &mut DbConn, s: &Settings, now: NaiveDateTime) -> Result<Outcome, Error> {
    // Looking back past the cursor catches a shift whose publishing transaction committed after a
    // run had already moved past its timestamp; the delivery rows make the second look harmless.
    let from = cursor(conn, CURSOR)?.map(from_secs).unwrap_or(now) - s.lookback;
    let subs = active_subscriptions(conn)?;
    let mut out = Outcome::default();
    if !subs.is_empty() {
        let published: &str = ShiftStatus::Published.as_str();
        let mut after = (from, 0i64);
        loop {
            let page: Vec<(i64, Option<NaiveDateTime>)> = shifts::table
                .filter(shifts::status.eq(published))
                .filter(shifts::published_at.le(now))
                .filter(shifts::published_at.gt(after.0).or(shifts::published_at.eq(after.0).and(shifts::id.gt(after.1))))
                .order((shifts::published_at.asc(), shifts::id.asc()))
                .limit(BATCH)
                .select((shifts::id, shifts::published_at))
                .load(conn)?;
            let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
            for (doc, text, summary) in open_shifts(conn, &ids, &s.public_url, now)? {
                out.shifts += 1;
                let (recorded, mailed) = announce(conn, &subs, &doc, &text, &summary, s, now)?;
                out.recorded += recorded;
                out.mailed += mailed;
            }
            match page.last() {
                Some((id, Some(at))) if page.len() as i64 == BATCH => after = (*at, *id),
                _ => break,
            }
        }
    }
    advance_cursor(conn, CURSOR, to_secs(now))?;
    Ok(out)
}

fn announce(
    conn: &mut DbConn,
    subs: &[Sub],
    doc: &ShiftDoc,
    text: &ShiftText,
    summary: &ShiftSummary,
    s: &Settings,
    now: NaiveDateTime,
) -> Result<(usize, usize), Error> {
    let wanted: Vec<&Sub> = subs.iter().filter(|sub| rules::matches(&sub.criteria, doc, text, now)).collect();
    if wanted.is_empty() {
        return Ok((0, 0));
    }
    // Cheap read first, so a shift seen again through the look-back costs no write transaction.
    let done: HashSet<i64> = alert_deliveries::table
        .filter(alert_deliveries::shift_id.eq(doc.id))
        .select(alert_deliveries::subscription_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut fresh: Vec<&Sub> = wanted.into_iter().filter(|sub| !done.contains(&sub.row.id)).collect();
    // One order on every replica — key-group workers first, then by id — so racing transactions
    // take the unique-index locks of a shift's deliveries in the same order and cannot deadlock on
    // PostgreSQL, and the outbox (sent oldest first) sends key-group workers' alerts first.
    fresh.sort_by_key(|sub| (!sub.priority, sub.row.id));
    if fresh.is_empty() {
        return Ok((0, 0));
    }
    write_transaction(conn, |tx| {
        let (mut recorded, mut mailed) = (0, 0);
        for sub in fresh {
            if !record_delivery(tx, sub.row.id, doc.id, now)? {
                continue;
            }
            recorded += 1;
            if sub.row.is_instant() {
                let note = Notification::AlertMatch(AlertMatch {
                    subscription_id: sub.row.id,
                    shift: summary.clone(),
                    unsubscribe_url: subscriptions::unsubscribe_url(&s.public_url, &sub.row.unsubscribe_token),
                });
                outbox::enqueue_to_user(tx, sub.user_id, &note)?;
                mailed += 1;
            }
        }
        Ok((recorded, mailed))
    })
    .map(|(v, _)| v)
}

/// The start of the current digest day in UTC: today's `digest_hour` in Beijing, or `None` before
/// that hour.
pub fn digest_due_since(now: NaiveDateTime, digest_hour: u32) -> Option<NaiveDateTime> {
    let local = to_display(now);
    if local.hour() < digest_hour {
        return None;
    }
    let start_local = local.date_naive().and_hms_opt(digest_hour, 0, 0)?;
    Some(crate::domain::time::from_local(start_local))
}

/// Sends each daily subscription that has not had today's digest one mail listing what was
/// recorded for it since. Returns the number of mails queued.
pub fn send_digests(conn: &mut DbConn, s: &Settings, now: NaiveDateTime) -> Result<usize, Error> {
    let Some(due_since) = digest_due_since(now, s.digest_hour) else { return Ok(0) };
    let due: Vec<(AlertRow, i64)> = alert_subscriptions::table
        .inner_join(workers::table)
        .filter(alert_subscriptions::active.eq(true))
        .filter(alert_subscriptions::frequency.eq(DAILY))
        .filter(alert_subscriptions::last_digest_at.is_null().or(alert_subscriptions::last_digest_at.lt(due_since)))
        .select((alert_subscriptions::all_columns, workers::user_id))
        .load(conn)?;
    let mut sent = 0;
    for (row, user_id) in due {
        sent += write_transaction(conn, |tx| {
            // Claim today's digest for this subscription. A replica that claimed it first has
            // moved `last_digest_at` on, so this update finds nothing and this run sends nothing.
            let claimed = diesel::update(
                alert_subscriptions::table
                    .find(row.id)
                    .filter(alert_subscriptions::last_digest_at.is_null().or(alert_subscriptions::last_digest_at.lt(due_since))),
            )
            .set(alert_subscriptions::last_digest_at.eq(now))
            .execute(tx.conn())?;
            if claimed == 0 {
                return Ok(0);
            }
            let pending: Vec<(i64, i64)> = alert_deliveries::table
                .filter(alert_deliveries::subscription_id.eq(row.id))
                .filter(alert_deliveries::sent_in_digest_at.is_null())
                .order(alert_deliveries::id.asc())
                .limit(s.max_per_digest)
                .select((alert_deliveries::id, alert_deliveries::shift_id))
                .load(tx.conn())?;
            if pending.is_empty() {
                return Ok(0);
            }
            let ids: Vec<i64> = pending.iter().map(|p| p.0).collect();
            diesel::update(alert_deliveries::table.filter(alert_deliveries::id.eq_any(&ids)))
                .set(alert_deliveries::sent_in_digest_at.eq(now))
                .execute(tx.conn())?;
            // Shifts closed or filled since they were found are left out rather than advertised.
            let shift_ids: Vec<i64> = pending.iter().map(|p| p.1).collect();
            let mut open: Vec<ShiftSummary> = open_shifts(tx, &shift_ids, &s.public_url, now)?.into_iter().map(|(_, _, sm)| sm).collect();
            open.sort_by_key(|sm| shift_ids.iter().position(|id| *id == sm.shift_id));
            if open.is_empty() {
                return Ok(0);
            }
            let note = Notification::AlertDigest(AlertDigest {
                subscription_id: row.id,
                shifts: open,
                unsubscribe_url: subscriptions::unsubscribe_url(&s.public_url, &row.unsubscribe_token),
            });
            outbox::enqueue_to_user(tx, user_id, &note)?;
            Ok(1)
        })
        .map(|(v, _)| v)?;
    }
    Ok(sent)
}

/// Runs both jobs every `every`, with the real clock.
/// The alert job: matches newly published shifts, then sends due digests. Replicas may all run
/// it (see the module comment).
pub struct MatchAlerts {
    pub db: Db,
    pub settings: Settings,
    pub every: StdDuration,
}

impl Job for MatchAlerts {
    fn name(&self) -> &'static str {
        "match_alerts"
    }

    fn every(&self) -> StdDuration {
        self.every
    }

    async fn run_once(&self, now: NaiveDateTime) -> Result<Ran, Error> {
        let (db, s) = (self.db.clone(), self.settings.clone());
        let (m, d) = blocking(move || {
            let mut conn = db.get()?;
            let matched = match_new_shifts(&mut conn, &s, now)?;
            let digests = send_digests(&mut conn, &s, now)?;
            Ok((matched, digests))
        })
        .await?;
        let busy = m.recorded > 0 || d > 0;
        Ok(Ran { summary: busy.then(|| format!("recorded {}, mailed {}, digests {d}", m.recorded, m.mailed)), more: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_instant;

    #[test]
    fn digest_day_starts_at_the_local_hour() {
        let t = |s| parse_instant(s).unwrap();
        assert_eq!(digest_due_since(t("2026-11-24T17:59:00+08:00"), 18), None);
        assert_eq!(digest_due_since(t("2026-11-24T18:00:00+08:00"), 18), Some(t("2026-11-24T18:00:00+08:00")));
        assert_eq!(digest_due_since(t("2026-11-24T23:30:00+08:00"), 18), Some(t("2026-11-24T18:00:00+08:00")));
        // 07:00 in Beijing is still the previous day in UTC; the day is the local one.
        assert_eq!(digest_due_since(t("2026-11-25T07:00:00+08:00"), 6), Some(t("2026-11-25T06:00:00+08:00")));
    }

    #[test]
    fn pay_reads_in_yuan() {
        assert_eq!(pay_text(3500, PayUnit::Hour), ("35.00 元/小时".to_string(), "35.00 yuan per hour".to_string()));
        assert_eq!(pay_text(20005, PayUnit::Day).0, "200.05 元/天");
    }
}
