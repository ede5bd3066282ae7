//! Forgets idempotency keys older than 24 hours (`services::idempotency`). Replicas may all run
//! it: a second delete of the same rows deletes nothing.

use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::Db;
use crate::error::Error;
use crate::jobs::{Job, Ran, blocking};
use crate::services::idempotency;

pub struct PurgeIdempotencyKeys {
    pub db: Db,
}

impl Job for PurgeIdempotencyKeys {
    fn name(&self) -> &'static str {
        "purge_idempotency_keys"
    }

    fn every(&self) -> Duration {
        Duration::from_secs(600)
    }

    async fn run_once(&self, now: NaiveDateTime) -> Result<Ran, Error> {
        let db = self.db.clone();
        let n = blocking(move || idempotency::purge(&mut *db.get()?, now)).await?;
        Ok(Ran { summary: (n > 0).then(|| format!("{n} idempotency keys older than {} hours forgotten", idempotency::TTL_HOURS)), more: false })
    }
}
