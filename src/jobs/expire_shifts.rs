//! Expiry: shifts past their validity or their last slot are marked `expired`, through the change
//! log (they leave search results at once regardless: the engine checks times itself). Replicas
//! may all run it: the update is conditional on the status, so a second run changes nothing.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::changes::Entity;
use crate::db::schema::{shift_slots, shifts};
use crate::db::{Db, Tx};
use crate::domain::ShiftStatus;
use crate::error::Error;
use crate::jobs::{Job, Ran};

/// Marks shifts whose validity or last slot has passed as expired, through the change log.
/// Every replica may run this; the conditional update makes a second run a no-op.
pub fn expire(tx: &mut Tx, now: NaiveDateTime) -> Result<Vec<i64>, Error> {
    let live_slot = shift_slots::table.filter(shift_slots::shift_id.eq(shifts::id)).filter(shift_slots::end_at.gt(now));
    let expired: Vec<i64> = diesel::update(
        shifts::table
            .filter(shifts::status.eq(ShiftStatus::Published.as_str()))
            .filter(shifts::valid_through.le(now).or(diesel::dsl::not(diesel::dsl::exists(live_slot)))),
    )
    .set((shifts::status.eq(ShiftStatus::Expired.as_str()), shifts::updated_at.eq(now)))
    .returning(shifts::id)
    .get_results(tx.conn())?;
    for id in &expired {
        tx.record(Entity::Shift, *id)?;
    }
    Ok(expired)
}

pub struct ExpireShifts {
    pub db: Db,
    pub every: Duration,
}

impl Job for ExpireShifts {
    fn name(&self) -> &'static str {
        "expire_shifts"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run_once(&self, now: NaiveDateTime) -> Result<Ran, Error> {
        let ids = self.db.tx(move |tx| expire(tx, now)).await?;
        Ok(Ran { summary: (!ids.is_empty()).then(|| format!("{} shifts expired", ids.len())), more: false })
    }
}
