//! The outbox worker: claims due mail events, sends them, and records the outcome.

use std::time::Duration;

use crate::db::Db;
use crate::error::Error;
use crate::jobs::{Job, Ran};
use crate::mail::{Mailer, templates};
use crate::services::outbox;

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
        let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
        let mail = templates::render(&row.kind, &payload, &to, row.id, &host);
        let result = mailer.send(from, &mail).await;
        let (db2, w, clock) = (db.clone(), worker.to_string(), clock.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = db2.get()?;
            match result {
                Ok(()) => outbox::mark_sent(&mut conn, row.id, &w, clock.now()).map(|_| ()),
                Err(e) => {
                    tracing::warn!(event = row.id, error = %e, "mail not sent; will retry");
                    outbox::mark_failed(&mut conn, row.id, &w, &e, row.attempts, clock.now())
                }
            }
        })
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    }
    Ok(n)
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
