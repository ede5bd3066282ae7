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
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Shift => "shift",
            Entity::Availability => "availability",
            Entity::Employer => "employer",
            Entity::Worker => "worker",
        }
    }
}

pub fn record(conn: &mut DbConn, entity: Entity, entity_id: i64) -> Result<(), ApiError> {
    diesel::insert_into(search_changes::table)
        .values((
            search_changes::entity.eq(entity.as_str()),
            search_changes::entity_id.eq(entity_id),
            search_changes::created_at.eq(crate::domain::time::now_utc()),
        ))
        .execute(conn)?;
    Ok(())
}
