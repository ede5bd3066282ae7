//! The transactional outbox: mail events are written in the same transaction as the change that
//! causes them, and a worker sends them later with retry and back-off. Each event is claimed with
//! a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) so that one replica at a time sends it.
//!
//! Mail is one of two channels: whatever is queued for an account (`enqueue_to_user`, and a
//! report notice to a signed-in reporter through `enqueue`) also lands in that account's in-app
//! inbox (`services::inbox`) in the same transaction, with or without an email address.
//! Anonymous reporters have no account and so only mail.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{outbox, reports, users};
use crate::db::{DbConn, Tx, write_transaction};
use crate::domain::notification::Notification;
use crate::error::Error;
use crate::services::inbox;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
/// The recipient has no email address: visibly not sent.
pub const SKIPPED_NO_EMAIL: &str = "skipped_no_email";
/// Gave up after `MAX_ATTEMPTS`.
pub const FAILED: &str = "failed";
pub const MAX_ATTEMPTS: i32 = 8;

#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub recipient: Option<String>,
    pub lang: String,
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Queues a notification to an address (or records that there is none to send to). A report
/// notice whose reporter was signed in goes to their inbox too (see [`reporter_inbox`]).
pub fn enqueue(tx: &mut Tx, recipient: Option<String>, n: &Notification) -> Result<i64, Error> {
    if let Some((user_id, note)) = reporter_inbox(tx, n)? {
        inbox::deliver_once(tx, user_id, &note)?;
    }
    queue_mail(tx, recipient, n)
}

/// What the account behind a report is told in its inbox, if the reporter was signed in: the
/// notice itself, except that a request to confirm another address tells the account at once
/// that the report is on file. The notices the confirmation sends later to that address are
/// then already in the inbox, so each goes in once.
fn reporter_inbox(tx: &mut Tx, n: &Notification) -> Result<Option<(i64, Notification)>, Error> {
    use crate::domain::notification::ReportReceived;
    use Notification as N;
    let (report_id, note) = match n {
        N::ReportReceived(m) => (m.report_id, n.clone()),
        N::ReportResolved(m) => (m.report_id, n.clone()),
        N::ReportEmailConfirmation(m) => (m.report_id, N::ReportReceived(ReportReceived { report_id: m.report_id })),
        _ => return Ok(None),
    };
    let reporter: Option<Option<i64>> = reports::table.find(report_id).select(reports::reporter_id).first(tx.conn()).optional()?;
    Ok(reporter.flatten().map(|user_id| (user_id, note)))
}

fn queue_mail(tx: &mut Tx, recipient: Option<String>, n: &Notification) -> Result<i64, Error> {
    let now = tx.now();
    let status = if recipient.is_some() { PENDING } else { SKIPPED_NO_EMAIL };
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq(n.kind()),
            outbox::recipient.eq(recipient),
            outbox::payload.eq(n.payload()),
            outbox::status.eq(status),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .returning(outbox::id)
        .get_result(tx.conn())?)
}

/// Queues a notification to a user: to their inbox, and by mail to their account's email address.
pub fn enqueue_to_user(tx: &mut Tx, user_id: i64, n: &Notification) -> Result<i64, Error> {
    let email: Option<String> = users::table.find(user_id).select(users::email).first(tx.conn())?;
    inbox::deliver(tx, user_id, n)?;
    queue_mail(tx, email, n)
}

#[diesel::dsl::auto_type]
fn due(now: NaiveDateTime) -> _ {
    let pending: &'static str = PENDING;
    outbox::status.eq(pending).and(outbox::next_attempt_at.le(now)).and(outbox::locked_until.is_null().or(outbox::locked_until.lt(now)))
}

/// Claims up to `limit` due events for `worker` until `now + lease`.
pub fn claim(conn: &mut DbConn, worker: &str, lease: Duration, limit: i64, now: NaiveDateTime) -> Result<Vec<OutboxRow>, Error> {
    let until = now + lease;
    match conn {
        DbConn::Pg(pg) => Ok(pg.transaction(|c| {
            // Rows another replica is claiming right now are skipped, not waited for.
            let ids: Vec<i64> = outbox::table.filter(due(now)).order(outbox::id.asc()).limit(limit).select(outbox::id).for_update().skip_locked().load(c)?;
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids))).set((outbox::locked_until.eq(until), outbox::locked_by.eq(worker))).execute(c)?;
            outbox::table.filter(outbox::id.eq_any(&ids)).order(outbox::id.asc()).load(c)
        })?),
        DbConn::Sqlite(_) => write_transaction(conn, |tx| {
            let ids: Vec<i64> = outbox::table.filter(due(now)).order(outbox::id.asc()).limit(limit).select(outbox::id).load(tx.conn())?;
            diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
                .set((outbox::locked_until.eq(until), outbox::locked_by.eq(worker)))
                .execute(tx.conn())?;
            Ok(outbox::table.filter(outbox::id.eq_any(&ids)).order(outbox::id.asc()).load(tx.conn())?)
        })
        .map(|(v, _)| v),
    }
}

#[diesel::dsl::auto_type]
fn mine(id: i64, worker: String) -> _ {
    let pending: &'static str = PENDING;
    outbox::id.eq(id).and(outbox::locked_by.eq(worker)).and(outbox::status.eq(pending))
}

pub fn mark_sent(conn: &mut DbConn, id: i64, worker: &str, now: NaiveDateTime) -> Result<bool, Error> {
    let n = diesel::update(outbox::table.filter(mine(id, worker.to_string())))
        .set((outbox::status.eq(SENT), outbox::sent_at.eq(now), outbox::locked_until.eq(None::<NaiveDateTime>), outbox::attempts.eq(outbox::attempts + 1)))
        .execute(conn)?;
    Ok(n == 1)
}

/// A row that does not read as a notification (or does not render) is failed at once with the
/// reason: the same build would read it the same way on every retry.
pub fn mark_unreadable(conn: &mut DbConn, id: i64, worker: &str, error: &str) -> Result<(), Error> {
    diesel::update(outbox::table.filter(mine(id, worker.to_string())))
        .set((
            outbox::status.eq(FAILED),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error.chars().take(500).collect::<String>()),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Exponential back-off from 5 s, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds((5i64 << attempts.clamp(0, 10)).min(3600))
}

pub fn mark_failed(conn: &mut DbConn, id: i64, worker: &str, error: &str, attempts_before: i32, now: NaiveDateTime) -> Result<(), Error> {
    let attempts = attempts_before + 1;
    let status = if attempts >= MAX_ATTEMPTS { FAILED } else { PENDING };
    diesel::update(outbox::table.filter(mine(id, worker.to_string())))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(attempts),
            outbox::last_error.eq(error.chars().take(500).collect::<String>()),
            outbox::next_attempt_at.eq(now + backoff(attempts)),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::backoff(0).num_seconds(), 5);
        assert_eq!(super::backoff(3).num_seconds(), 40);
        assert_eq!(super::backoff(20).num_seconds(), 3600);
    }
}
