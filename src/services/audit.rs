//! The append-only audit log of staff actions: who, when, what, why, before and after. The
//! database refuses updates and deletes of its rows (triggers in the migration).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::schema::audit_log;
use crate::db::{DbConn, Tx};
use crate::domain::time::to_display;
use crate::domain::{UserId, WorkerId};
use crate::error::Error;

pub struct Entry<'a> {
    pub actor_id: i64,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: i64,
    pub reason: Option<&'a str>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// `before` and `after` are always JSON objects: a staff scope (a list of adcode prefixes) is
/// `{"adcodes": [...]}`, any other bare value `{"value": ...}` (rows written before this rule included).
fn as_object(action: &str, v: Value) -> Value {
    match v {
        Value::Object(_) => v,
        Value::Array(_) if action == "staff.scope" => serde_json::json!({ "adcodes": v }),
        v => serde_json::json!({ "value": v }),
    }
}

pub fn record(tx: &mut Tx, e: Entry) -> Result<(), Error> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(e.actor_id),
            audit_log::action.eq(e.action),
            audit_log::target_type.eq(e.target_type),
            audit_log::target_id.eq(e.target_id),
            audit_log::reason.eq(e.reason),
            audit_log::before_state.eq(e.before.map(|v| as_object(e.action, v).to_string())),
            audit_log::after_state.eq(e.after.map(|v| as_object(e.action, v).to_string())),
            audit_log::created_at.eq(tx.now()),
        ))
        .execute(tx.conn())?;
    Ok(())
}

/// A worker's private fields a staff read can show (个人信息保护法 Art. 28–29: staff reads of
/// sensitive data are logged).
pub mod fields {
    pub const PHONE: &str = "phone";
    pub const ID_NUMBER: &str = "id_number";
    pub const KEY_GROUPS: &str = "key_groups";
}

/// The action under which staff reads of a worker's private fields are logged.
pub const READ_PRIVATE: &str = "worker.read_private";

/// Records that staff member `actor_id` was shown `fields` of worker `worker_id` through `via`
/// (the operation, e.g. `workers.get`). One entry per worker shown.
pub fn private_read(tx: &mut Tx, actor_id: UserId, worker_id: WorkerId, fields: &[&str], via: &str) -> Result<(), Error> {
    let (actor_id, worker_id) = (actor_id.get(), worker_id.get());
    record(
        tx,
        Entry {
            actor_id,
            action: READ_PRIVATE,
            target_type: "worker",
            target_id: worker_id,
            reason: None,
            before: None,
            after: Some(serde_json::json!({ "fields": fields, "via": via })),
        },
    )
}

#[derive(Debug, Queryable)]
struct Row {
    id: i64,
    actor_id: i64,
    action: String,
    target_type: String,
    target_id: i64,
    reason: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    created_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub actor_id: i64,
    pub action: String,
    pub target_type: String,
    pub target_id: i64,
    pub reason: Option<String>,
    /// What the action changed, as it was (a JSON object; a scope change's is `{"adcodes": [...]}`).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// What the action changed, as it became (a JSON object).
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
}

/// Which entries to list; each filter applies on its own, and given together all must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub actor_id: Option<i64>,
}

/// Newest first, filtered, keyset-paginated by id.
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64, cursor: Option<i64>) -> Result<Vec<AuditView>, Error> {
    let mut q = audit_log::table.into_boxed();
    if let Some(t) = &filter.target_type {
        q = q.filter(audit_log::target_type.eq(t.clone()));
    }
    if let Some(id) = filter.target_id {
        q = q.filter(audit_log::target_id.eq(id));
    }
    if let Some(a) = filter.actor_id {
        q = q.filter(audit_log::actor_id.eq(a));
    }
    if let Some(c) = cursor {
        q = q.filter(audit_log::id.lt(c));
    }
    let rows: Vec<Row> = q.order(audit_log::id.desc()).limit(limit + 1).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditView {
            id: r.id,
            actor_id: r.actor_id,
            action: r.action.clone(),
            target_type: r.target_type,
            target_id: r.target_id,
            reason: r.reason,
            before: r.before_state.and_then(|s| serde_json::from_str(&s).ok()).map(|v| as_object(&r.action, v)),
            after: r.after_state.and_then(|s| serde_json::from_str(&s).ok()).map(|v| as_object(&r.action, v)),
            created_at: to_display(r.created_at),
        })
        .collect())
}

/// The audit log for the console, newest first (admins only, as `GET /audit`).
pub async fn browse(
    svc: &crate::services::Services,
    user: &crate::auth::AuthUser,
    filter: Filter,
    page: crate::services::page::PageRequest,
) -> Result<crate::services::page::Page<AuditView>, Error> {
    user.require(&[crate::domain::Role::Admin])?;
    svc.db
        .run(move |conn| {
            let rows = list(conn, &filter, page.limit, page.cursor)?;
            let (items, next_cursor) = page.split(rows, |r| r.id);
            Ok(crate::services::page::Page { items, next_cursor })
        })
        .await
}
