//! The outbox worker: claims due mail events, sends them, and records the outcome.

use std::time::Duration;

use crate::db::Db;
use crate::domain::notification::Notification;
use crate::error::Error;
use crate::jobs::{Job, Ran};
use crate::mail::{Mailer, Outgoing, templates};
use crate::services::outbox::{self, OutboxRow};

pub const BATCH: i64 = 20;

/// Sends what is due once. Returns how many events it handled.
/// `lease` is how long a claim lasts: longer than the SMTP timeout, so it never lapses mid-send.
pub async fn run_once(db: &Db, mailer: &Mailer, from: &str, worker: &str, lease: Duration) -> anyhow::Result<usize> {
    let clock = db.clock();
    let (db2, w, now) = (db.clone(), worker.to_string(), clock.now());
    let claimed = tokio::task::spawn_blocking(move || {
        let mut conn = db2.get()?;
        outbox::claim(&mut conn, &w, chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(2)), BATCH, now)
    })
    .await?
    .map_err(|e| anyhow::anyhow!(e))?;
    let host = from.rsplit('@').next().unwrap_or("lingong.localhost").trim_end_matches('>').to_string();
    let n = claimed.len();
    for row in claimed {
        let Some(to) = row.recipient.clone() else { continue };
        // A row that does not read is never sent with blanks: it fails with the reason.
        let result = match mail_of(&row, &to, &host) {
            Ok(mail) => mailer.send(from, &mail).await.map_err(Failure::Send),
            Err(e) => Err(Failure::Unreadable(e)),
        };
        let (db2, w, clock) = (db.clone(), worker.to_string(), clock.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = db2.get()?;
            match result {
                Ok(()) => outbox::mark_sent(&mut conn, row.id, &w, clock.now()).map(|_| ()),
                Err(Failure::Send(e)) => {
                    tracing::warn!(event = row.id, error = %e, "mail not sent; will retry");
                    outbox::mark_failed(&mut conn, row.id, &w, &e, row.attempts, clock.now())
                }
                Err(Failure::Unreadable(e)) => {
                    tracing::error!(event = row.id, kind = %row.kind, error = %e, "outbox row does not read; failed without sending");
                    outbox::mark_unreadable(&mut conn, row.id, &w, &e)
                }
            }
        })
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(n)
}

enum Failure {
    /// The transport refused or failed: worth another try later.
    Send(String),
    /// The row does not read as a notification, or its template failed: another try reads it the same.
    Unreadable(String),
}

/// The mail a row asks for.
fn mail_of(row: &OutboxRow, to: &str, host: &str) -> Result<Outgoing, String> {
    let n = Notification::from_stored(&row.kind, &row.payload).map_err(|e| e.to_string())?;
    templates::render_mail(&n, to, row.id, host).map_err(|e| format!("mail template for {}: {e}", row.kind))
}

/// The outbox sender. Replicas may all run it: a claim is a lease on an event, so two senders
/// never send the same mail while the lease holds.
pub struct SendMail {
    pub db: Db,
    pub mailer: Mailer,
    pub from: String,
    pub every: Duration,
    pub lease: Duration,
    /// This process's name on its claims.
    pub worker: String,
}

impl SendMail {
    pub fn new(db: Db, mailer: Mailer, from: String, every: Duration, lease: Duration) -> SendMail {
        let worker = format!("{}-{}", std::process::id(), crate::auth::token::generate().get(..8).unwrap_or("w"));
        SendMail { db, mailer, from, every, lease, worker }
    }
}

impl Job for SendMail {
    fn name(&self) -> &'static str {
        "send_mail"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run_once(&self, _now: chrono::NaiveDateTime) -> Result<Ran, Error> {
        let n = run_once(&self.db, &self.mailer, &self.from, &self.worker, self.lease).await.map_err(Error::internal)?;
        Ok(Ran { summary: (n > 0).then(|| format!("{n} mail events handled")), more: n == BATCH as usize })
    }
}
