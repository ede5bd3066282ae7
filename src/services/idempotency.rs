//! Idempotency keys of creating requests. A client sends `Idempotency-Key` with a POST that
//! creates something; the first request with a key runs and its result (status and body) is kept
//! for [`TTL_HOURS`], so a retry — after a dropped connection, on any replica — answers that
//! result instead of creating a second one. A key is scoped to the account (signed out: to the
//! client address); reusing it for another request is refused, and a retry while the first is
//! still running is told to wait.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys as ik;
use crate::db::{DbConn, Tx};
use crate::error::{Conflict, Error, Invalid};

/// How long a key and its result are kept (a background job purges older ones).
pub const TTL_HOURS: i64 = 24;

/// A first request still marked running after this long died with its process (it never
/// stored a result); a retry then runs in its place.
pub const ABANDONED_AFTER_SECS: i64 = 120;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time (or the earlier one expired or was abandoned): run it, then [`complete`].
    Proceed,
    /// Answer what the first request answered.
    Replay { status: u16, content_type: Option<String>, body: String },
}

/// A key is 1–255 visible ASCII characters (a UUID is typical).
pub fn parse_key(raw: &[u8]) -> Result<String, Error> {
    let ok = (1..=255).contains(&raw.len()) && raw.iter().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(String::from_utf8_lossy(raw).into_owned())
    } else {
        Err(Error::field(
            HEADER,
            Invalid::new(
                "invalid_idempotency_key",
                "Idempotency-Key 须为 1–255 个可见 ASCII 字符",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            ),
        ))
    }
}

/// What makes two requests "the same": method, path with query, and body bytes.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path_and_query.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

fn reused() -> Error {
    Error::field(
        HEADER,
        Invalid::new(
            "idempotency_key_reused",
            "该 Idempotency-Key 已用于另一个请求，请换一个新的",
            "this Idempotency-Key was already used for a different request; use a new one",
        ),
    )
}

/// Claims `key` for a request with `fingerprint`, or says how to answer a retry: the first
/// result to replay, 422 when the key came with another request, 409 while the first runs.
pub fn begin(tx: &mut Tx, scope: &str, key: &str, fingerprint: &str) -> Result<Begin, Error> {
    let now = tx.now();
    let row = (ik::scope.eq(scope), ik::idem_key.eq(key), ik::fingerprint.eq(fingerprint), ik::created_at.eq(now));
    let inserted = crate::db::insert_ignoring_conflict!(tx.conn(), ik::table, row);
    if inserted == 1 {
        return Ok(Begin::Proceed);
    }
    let (fp, status, content_type, body, created_at): (String, Option<i32>, Option<String>, Option<String>, NaiveDateTime) =
        ik::table.find((scope, key)).select((ik::fingerprint, ik::status, ik::content_type, ik::response_body, ik::created_at)).first(tx.conn())?;
    let expired = created_at < now - chrono::Duration::hours(TTL_HOURS);
    let abandoned = status.is_none() && created_at < now - chrono::Duration::seconds(ABANDONED_AFTER_SECS);
    if expired || (abandoned && fp == fingerprint) {
        diesel::update(ik::table.find((scope, key)))
            .set((
                ik::fingerprint.eq(fingerprint),
                ik::status.eq(None::<i32>),
                ik::content_type.eq(None::<String>),
                ik::response_body.eq(None::<String>),
                ik::created_at.eq(now),
            ))
            .execute(tx.conn())?;
        return Ok(Begin::Proceed);
    }
    if fp != fingerprint {
        return Err(reused());
    }
    match status {
        None => Err(Error::Conflict(Conflict::IdempotencyInProgress)),
        Some(status) => Ok(Begin::Replay { status: status as u16, content_type, body: body.unwrap_or_default() }),
    }
}

/// Keeps the first request's result for its retries.
pub fn complete(conn: &mut DbConn, scope: &str, key: &str, status: u16, content_type: Option<&str>, body: &str) -> Result<(), Error> {
    diesel::update(ik::table.find((scope, key)).filter(ik::status.is_null()))
        .set((ik::status.eq(Some(status as i32)), ik::content_type.eq(content_type), ik::response_body.eq(Some(body))))
        .execute(conn)?;
    Ok(())
}

/// Forgets a claim whose request failed in a way worth retrying (5xx, 429): the retry runs anew.
pub fn release(conn: &mut DbConn, scope: &str, key: &str) -> Result<(), Error> {
    diesel::delete(ik::table.find((scope, key)).filter(ik::status.is_null())).execute(conn)?;
    Ok(())
}

/// Deletes keys older than [`TTL_HOURS`] at `now`; returns how many went.
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, Error> {
    Ok(diesel::delete(ik::table.filter(ik::created_at.lt(now - chrono::Duration::hours(TTL_HOURS)))).execute(conn)?)
}

/// Claims `key` for this request before its handler runs: under the signed-in account (the
/// bearer `token`), or the client `address` when not signed in. `None` when the token is not a
/// live session (the handler answers 401 and nothing is claimed).
pub async fn claim(
    svc: &crate::services::Services,
    token: Option<String>,
    address: String,
    key: String,
    fingerprint: String,
) -> Result<Option<(String, String, Begin)>, Error> {
    svc.db
        .tx(move |tx| {
            let now = tx.now();
            let scope = match token {
                Some(t) => match crate::services::accounts::authenticate(tx.conn(), &crate::auth::token::hash(&t), now)? {
                    Some(user) => format!("user:{}", user.id),
                    None => return Ok(None),
                },
                None => format!("addr:{address}"),
            };
            let begin = begin(tx, &scope, &key, &fingerprint)?;
            Ok(Some((scope, key, begin)))
        })
        .await
}

/// Gives a claimed key back (the handler failed before answering): a retry runs afresh.
pub async fn give_back(svc: &crate::services::Services, scope: String, key: String) -> Result<(), Error> {
    svc.db.run(move |conn| release(conn, &scope, &key)).await
}

/// Keeps the handler's answer for retries, or gives the key back when the answer is worth
/// retrying (`keep` false: the database was down, a rate limit).
pub async fn record(
    svc: &crate::services::Services,
    scope: String,
    key: String,
    keep: bool,
    status: u16,
    content_type: Option<String>,
    text: String,
) -> Result<(), Error> {
    svc.db.run(move |conn| if keep { complete(conn, &scope, &key, status, content_type.as_deref(), &text) } else { release(conn, &scope, &key) }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        for ok in ["a", "0f8fad5b-d9cb-469f-a165-70867728950e", &"k".repeat(255), "~!@#$%^&*()_+"] {
            assert_eq!(parse_key(ok.as_bytes()).unwrap(), ok);
        }
        for bad in ["", " ", "a b", "键", "tab\there", &"k".repeat(256)] {
            let e = parse_key(bad.as_bytes()).unwrap_err();
            assert_eq!(e.fields()[0].code, "invalid_idempotency_key", "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let a = fingerprint("POST", "/api/v1/shifts", b"{}");
        assert_eq!(a, fingerprint("POST", "/api/v1/shifts", b"{}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/shifts", b"{ }"));
        assert_ne!(a, fingerprint("POST", "/api/v1/reports", b"{}"));
        // The separators keep a path and a body from running into each other.
        assert_ne!(fingerprint("POST", "/a", b"b"), fingerprint("POST", "/ab", b""));
    }
}
