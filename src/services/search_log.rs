//! The change log search indexes follow. Written in the same transaction as the change itself,
//! so an acknowledged write is never missing from it.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::search_changes;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Shift,
    Availability,
    Employer,
    Worker,
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
            Entity::All => "all",
        }
    }
}

thread_local! {
    static RECORDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread recorded a change since the last call (read after a transaction commits,
/// to wake the index followers).
pub fn take_recorded() -> bool {
    RECORDED.with(|r| r.replace(false))
}

/// Takes the change-log lock now (PostgreSQL; held to the end of the transaction). A transaction
/// that will lock rows and then record a change takes it first, so every such writer takes the
/// two in the same order and none can wait on another in a cycle.
pub fn lock(conn: &mut DbConn) -> Result<(), ApiError> {
    if let DbConn::Pg(_) = conn {
        // Serialises change-log writers until commit, so ids become visible in id order and a
        // follower that has read up to id N can never later see a smaller id appear.
        diesel::sql_query("SELECT pg_advisory_xact_lock(7302)").execute(conn)?;
    }
    Ok(())
}

pub fn record(conn: &mut DbConn, entity: Entity, entity_id: i64) -> Result<(), ApiError> {
    lock(conn)?;
    RECORDED.with(|r| r.set(true));
    diesel::insert_into(search_changes::table)
        .values((
            search_changes::entity.eq(entity.as_str()),
            search_changes::entity_id.eq(entity_id),
            search_changes::created_at.eq(crate::domain::time::now_utc()),
        ))
        .execute(conn)?;
    Ok(())
}
