//! The change log search indexes follow (`search_changes`). An entry is written in the same
//! transaction as the change itself — through [`Tx::record`](super::Tx::record), the only way to
//! write one — so an acknowledged write is never missing from it.
//!
//! Followers read the log in an order that never skips an entry, without serialising writers:
//! - SQLite has one writer at a time, so ids become visible in commit order; a follower's position
//!   is the last id it applied.
//! - PostgreSQL commits concurrent writers in any order, so a smaller id can appear after a larger
//!   one. Each entry carries its transaction id, and a follower reads only entries of transactions
//!   older than the oldest one still running (`pg_snapshot_xmin`): those are all finished, so
//!   nothing can still appear below that horizon. A follower's position is the horizon it has
//!   applied up to.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConn;
use super::schema::search_changes;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Shift,
    Availability,
    Employer,
    Worker,
    /// The stored synonym groups (`services::synonyms`): every process reloads its table.
    Synonyms,
    /// Everything: every process rebuilds its index from the database (`lingong reindex`).
    All,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Shift => "shift",
            Entity::Availability => "availability",
            Entity::Employer => "employer",
            Entity::Worker => "worker",
            Entity::Synonyms => "synonyms",
            Entity::All => "all",
        }
    }

    /// A stored entity name; an unknown one is a corrupt log, reported as an error.
    pub fn parse(s: &str) -> Result<Entity, Error> {
        Ok(match s {
            "shift" => Entity::Shift,
            "availability" => Entity::Availability,
            "employer" => Entity::Employer,
            "worker" => Entity::Worker,
            "synonyms" => Entity::Synonyms,
            "all" => Entity::All,
            other => return Err(Error::internal(format!("unknown change-log entity {other:?}"))),
        })
    }
}

/// One entry of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub entity: Entity,
    pub entity_id: i64,
}

/// Appends an entry; only [`Tx::record`](super::Tx::record) calls it.
pub(super) fn append(conn: &mut DbConn, entity: Entity, entity_id: i64, now: chrono::NaiveDateTime) -> Result<(), Error> {
    match conn {
        // The writing transaction's id, which the follower's horizon is compared with.
        DbConn::Pg(_) => {
            diesel::sql_query("INSERT INTO search_changes (entity, entity_id, created_at, txid) VALUES ($1, $2, $3, pg_current_xact_id()::text::bigint)")
                .bind::<diesel::sql_types::Text, _>(entity.as_str())
                .bind::<BigInt, _>(entity_id)
                .bind::<diesel::sql_types::Timestamp, _>(now)
                .execute(conn)?;
        }
        // One writer at a time: ids are in commit order and `txid` is not needed (it stays 0).
        DbConn::Sqlite(_) => {
            diesel::insert_into(search_changes::table)
                .values((search_changes::entity.eq(entity.as_str()), search_changes::entity_id.eq(entity_id), search_changes::created_at.eq(now)))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Horizon {
    #[diesel(sql_type = BigInt)]
    horizon: i64,
}

/// The position a follower that has seen everything committed so far would have. Read before
/// loading a full index, so that whatever commits during the load is applied again afterwards.
pub fn head(conn: &mut DbConn) -> Result<i64, Error> {
    match conn {
        DbConn::Pg(_) => pg_horizon(conn),
        DbConn::Sqlite(_) => Ok(search_changes::table.select(diesel::dsl::max(search_changes::id)).first::<Option<i64>>(conn)?.unwrap_or(0)),
    }
}

/// The oldest transaction still running: every transaction below it has finished.
fn pg_horizon(conn: &mut DbConn) -> Result<i64, Error> {
    let h: Horizon = diesel::sql_query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon").get_result(conn)?;
    Ok(h.horizon)
}

/// The entries after `position` that are safe to apply, in batches of at most `batch` for SQLite
/// (the whole safe range at once on PostgreSQL, read in keyset pages), and the position to keep
/// once they are applied.
pub fn read_after(conn: &mut DbConn, position: i64, batch: i64) -> Result<(Vec<Change>, i64), Error> {
    match conn {
        DbConn::Sqlite(_) => {
            let rows: Vec<(i64, String, i64)> = search_changes::table
                .filter(search_changes::id.gt(position))
                .order(search_changes::id.asc())
                .limit(batch)
                .select((search_changes::id, search_changes::entity, search_changes::entity_id))
                .load(conn)?;
            let next = rows.last().map(|r| r.0).unwrap_or(position);
            Ok((to_changes(rows)?, next))
        }
        DbConn::Pg(_) => {
            let horizon = pg_horizon(conn)?;
            if horizon <= position {
                return Ok((Vec::new(), position));
            }
            let mut out = Vec::new();
            let mut after: (i64, i64) = (position, 0);
            loop {
                let rows: Vec<(i64, i64, String, i64)> = search_changes::table
                    .filter(search_changes::txid.lt(horizon))
                    .filter(search_changes::txid.gt(after.0).or(search_changes::txid.eq(after.0).and(search_changes::id.gt(after.1))))
                    .filter(search_changes::txid.ge(position))
                    .order((search_changes::txid.asc(), search_changes::id.asc()))
                    .limit(batch)
                    .select((search_changes::txid, search_changes::id, search_changes::entity, search_changes::entity_id))
                    .load(conn)?;
                let full = rows.len() as i64 == batch;
                if let Some(last) = rows.last() {
                    after = (last.0, last.1);
                }
                out.extend(to_changes(rows.into_iter().map(|(_, id, e, eid)| (id, e, eid)).collect())?);
                if !full {
                    break;
                }
            }
            Ok((out, horizon))
        }
    }
}

fn to_changes(rows: Vec<(i64, String, i64)>) -> Result<Vec<Change>, Error> {
    rows.into_iter().map(|(_, entity, entity_id)| Ok(Change { entity: Entity::parse(&entity)?, entity_id })).collect()
}
