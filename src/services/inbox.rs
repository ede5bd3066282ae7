//! The in-app inbox (站内信): every notification queued for an account lands here as well as in
//! the mail outbox (`outbox::enqueue_to_user`), in the same transaction, whether or not the
//! account has an email address. Items keep the notification as the outbox does (kind and
//! payload) and are worded by `crate::inbox::render` when read.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::schema::inbox;
use crate::db::{DbConn, Tx};
use crate::domain::notification::Notification;
use crate::domain::time::to_display;
use crate::error::{Error, Thing};
use crate::inbox::{InboxItem, render};
use crate::services::Services;
use crate::services::page::{Page, PageRequest};

#[derive(Debug, Clone, Queryable)]
pub struct InboxRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

/// One inbox item as its owner reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboxView {
    pub id: i64,
    /// The notification's kind (`claim_confirmed`, `pay_due`, …).
    pub kind: String,
    #[serde(flatten)]
    pub item: InboxItem,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::DateTime<chrono::FixedOffset>,
    /// When it was marked read; absent while unread.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// `{"unread": n}`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

impl InboxRow {
    fn view(self) -> InboxView {
        let item = match Notification::from_stored(&self.kind, &self.payload) {
            Ok(n) => render(&n),
            // A row this build cannot read (a kind since removed) still shows, plainly.
            Err(e) => {
                tracing::warn!(inbox_id = self.id, error = %e, "inbox row does not read as a notification");
                InboxItem { title_zh: "通知".into(), title_en: "Notice".into(), body_zh: String::new(), body_en: String::new(), link: String::new() }
            }
        };
        InboxView { id: self.id, kind: self.kind, item, created_at: to_display(self.created_at), read_at: self.read_at.map(to_display) }
    }
}

/// Puts a notification in a user's inbox, inside the caller's transaction.
pub fn deliver(tx: &mut Tx, user_id: i64, n: &Notification) -> Result<i64, Error> {
    let now = tx.now();
    Ok(diesel::insert_into(inbox::table)
        .values((inbox::user_id.eq(user_id), inbox::kind.eq(n.kind()), inbox::payload.eq(n.payload()), inbox::created_at.eq(now)))
        .returning(inbox::id)
        .get_result(tx.conn())?)
}

/// As [`deliver`], unless the same notification is already in that user's inbox.
pub fn deliver_once(tx: &mut Tx, user_id: i64, n: &Notification) -> Result<Option<i64>, Error> {
    let (kind, payload) = (n.kind(), n.payload());
    let there: i64 =
        inbox::table.filter(inbox::user_id.eq(user_id)).filter(inbox::kind.eq(kind)).filter(inbox::payload.eq(&payload)).count().get_result(tx.conn())?;
    if there > 0 { Ok(None) } else { deliver(tx, user_id, n).map(Some) }
}

fn list_rows(conn: &mut DbConn, user_id: i64, unread_only: bool, page: PageRequest) -> Result<Vec<InboxRow>, Error> {
    let mut q = inbox::table.filter(inbox::user_id.eq(user_id)).into_boxed();
    if unread_only {
        q = q.filter(inbox::read_at.is_null());
    }
    if let Some(c) = page.cursor {
        q = q.filter(inbox::id.lt(c));
    }
    Ok(q.order(inbox::id.desc()).limit(page.limit + 1).load(conn)?)
}

/// The signed-in user's inbox, newest first; only unread items with `unread_only`.
pub async fn list_mine(svc: &Services, user: &AuthUser, unread_only: bool, page: PageRequest) -> Result<Page<InboxView>, Error> {
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let rows = list_rows(conn, user_id, unread_only, page)?;
            let (rows, next_cursor) = page.split(rows, |r| r.id);
            Ok(Page { items: rows.into_iter().map(InboxRow::view).collect(), next_cursor })
        })
        .await
}

/// How many of the signed-in user's items are unread.
pub async fn unread_count(svc: &Services, user: &AuthUser) -> Result<UnreadCount, Error> {
    let user_id = user.id;
    svc.db
        .run(move |conn| {
            let unread = inbox::table.filter(inbox::user_id.eq(user_id)).filter(inbox::read_at.is_null()).count().get_result(conn)?;
            Ok(UnreadCount { unread })
        })
        .await
}

/// Marks one of the signed-in user's items read (again is fine: the first time stays). Another
/// user's item is not found, as one that does not exist.
pub async fn mark_read(svc: &Services, user: &AuthUser, id: i64) -> Result<InboxView, Error> {
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let mine = inbox::table.filter(inbox::id.eq(id)).filter(inbox::user_id.eq(user_id));
            let row: InboxRow = mine.first(tx.conn()).optional()?.ok_or(Error::NotFound(Thing::InboxItem))?;
            if row.read_at.is_none() {
                diesel::update(inbox::table.find(id)).set(inbox::read_at.eq(now)).execute(tx.conn())?;
            }
            Ok(InboxRow { read_at: row.read_at.or(Some(now)), ..row }.view())
        })
        .await
}

/// Marks every unread item of the signed-in user read; answers the count left unread (0).
pub async fn mark_all_read(svc: &Services, user: &AuthUser) -> Result<UnreadCount, Error> {
    let user_id = user.id;
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            diesel::update(inbox::table.filter(inbox::user_id.eq(user_id)).filter(inbox::read_at.is_null())).set(inbox::read_at.eq(now)).execute(tx.conn())?;
            Ok(UnreadCount { unread: 0 })
        })
        .await
}
