//! Signed-in users by token hash, held in-process for a few seconds so that a signed-in request
//! needs no database read to know who is asking. A revocation (sign-out, a password change, a
//! reset at a desk) takes effect on the replica that made it at once — it forgets the tokens —
//! and, with Redis, on every other replica as soon as they hear of it on the revocation channel
//! (`listen`). Whatever happens to that message, no entry is ever trusted longer than `MAX_AGE`,
//! whoever revoked it and however: the channel makes revocation fast, the age makes it certain.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::AuthUser;

/// The longest a token is trusted without asking the database again.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Entries beyond which expired ones are swept out (and, if that is not enough, all are dropped):
/// a flood of distinct tokens costs database reads, never unbounded memory.
const CAPACITY: usize = 100_000;

/// Shared by the request handlers and the revocation listener (cloning shares the entries).
#[derive(Clone)]
pub struct TokenCache {
    entries: Arc<Mutex<HashMap<String, (AuthUser, Instant)>>>,
    max_age: Duration,
    /// The other replicas: Redis and the revocation channel, when configured.
    peers: Option<(redis::aio::ConnectionManager, String)>,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new(MAX_AGE)
    }
}

/// A revocation as it travels between replicas.
#[derive(Debug, PartialEq, Eq)]
enum Revocation {
    Token(String),
    User(i64),
}

impl Revocation {
    fn message(&self) -> String {
        match self {
            Revocation::Token(hash) => format!("t:{hash}"),
            Revocation::User(id) => format!("u:{id}"),
        }
    }

    fn parse(message: &str) -> Option<Revocation> {
        match message.split_once(':')? {
            ("t", hash) if !hash.is_empty() => Some(Revocation::Token(hash.to_string())),
            ("u", id) => id.parse().ok().map(Revocation::User),
            _ => None,
        }
    }
}

impl TokenCache {
    /// A cache whose entries live `max_age` (at most `MAX_AGE`), on this replica alone.
    pub fn new(max_age: Duration) -> TokenCache {
        TokenCache { entries: Arc::new(Mutex::new(HashMap::new())), max_age: max_age.min(MAX_AGE), peers: None }
    }

    /// A cache that tells the other replicas (through Redis, on `channel`) what it forgets.
    pub fn with_peers(peers: Option<(redis::aio::ConnectionManager, String)>) -> TokenCache {
        TokenCache { peers, ..TokenCache::default() }
    }

    /// Hears the other replicas' revocations on `channel` for as long as the process runs. On
    /// every (re)subscription it forgets everything: a revocation may have passed while it was
    /// not listening, and forgetting costs one database read per signed-in user, nothing more.
    pub async fn listen(self, url: String, channel: String) {
        crate::pubsub::subscribe(
            url,
            channel,
            || self.entries.lock().expect("lock").clear(),
            |message| match Revocation::parse(message) {
                Some(r) => self.apply(&r),
                None => tracing::warn!(message, "not a token revocation; ignored"),
            },
        )
        .await
    }

    fn apply(&self, r: &Revocation) {
        let mut entries = self.entries.lock().expect("lock");
        match r {
            Revocation::Token(hash) => {
                entries.remove(hash);
            }
            Revocation::User(id) => entries.retain(|_, (u, _)| u.id != *id),
        }
    }

    fn revoke(&self, r: Revocation) {
        self.apply(&r);
        if let Some((conn, channel)) = &self.peers {
            crate::pubsub::publish(conn, channel, r.message());
        }
    }

    /// The user of a token hash, if it was confirmed by the database less than `max_age` ago.
    pub fn get(&self, token_hash: &str) -> Option<AuthUser> {
        self.get_at(token_hash, Instant::now())
    }

    fn get_at(&self, token_hash: &str, now: Instant) -> Option<AuthUser> {
        let entries = self.entries.lock().expect("lock");
        entries.get(token_hash).filter(|(_, at)| now.saturating_duration_since(*at) < self.max_age).map(|(u, _)| u.clone())
    }

    /// Remembers a user the database has just confirmed for their token (`confirmed_at`: when the
    /// read began, so the entry's age counts from before the answer, never after).
    pub fn put(&self, user: AuthUser, confirmed_at: Instant) {
        let mut entries = self.entries.lock().expect("lock");
        if entries.len() >= CAPACITY {
            let max_age = self.max_age;
            entries.retain(|_, (_, at)| confirmed_at.saturating_duration_since(*at) < max_age);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(user.token_hash.clone(), (user, confirmed_at));
    }

    /// Forgets one token (its sign-out), here and on the other replicas.
    pub fn forget(&self, token_hash: &str) {
        self.revoke(Revocation::Token(token_hash.to_string()));
    }

    /// Forgets every token of an account (signed out everywhere, a new password), here and on
    /// the other replicas.
    pub fn forget_user(&self, user_id: i64) {
        self.revoke(Revocation::User(user_id));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn user(id: i64, hash: &str) -> AuthUser {
        AuthUser { id, role: Role::Worker, display_name: "张伟".into(), token_hash: hash.into() }
    }

    #[test]
    fn an_entry_is_trusted_for_less_than_its_age_and_never_beyond_max_age() {
        for age_ms in [1, 500, 5_000, 60_000] {
            let cache = TokenCache::new(Duration::from_millis(age_ms));
            let max = Duration::from_millis(age_ms).min(MAX_AGE);
            let t0 = Instant::now();
            cache.put(user(1, "a"), t0);
            assert!(cache.get_at("a", t0).is_some(), "age {age_ms} ms: fresh");
            assert!(cache.get_at("a", t0 + max - Duration::from_millis(1)).is_some(), "age {age_ms} ms: just before it expires");
            assert!(cache.get_at("a", t0 + max).is_none(), "age {age_ms} ms: expired");
            assert!(cache.get_at("b", t0).is_none(), "an unknown token is never found");
        }
    }

    #[test]
    fn forgetting_drops_a_token_or_all_of_an_accounts() {
        let cache = TokenCache::default();
        let now = Instant::now();
        for (id, hash) in [(1, "a"), (1, "b"), (2, "c")] {
            cache.put(user(id, hash), now);
        }
        cache.forget("a");
        assert!(cache.get_at("a", now).is_none() && cache.get_at("b", now).is_some());
        cache.forget_user(1);
        assert!(cache.get_at("b", now).is_none());
        assert_eq!(cache.get_at("c", now).map(|u| u.id), Some(2), "another account's token stays");
    }

    #[test]
    fn revocations_travel_as_messages_and_nothing_else_is_one() {
        for r in [Revocation::Token("ab12".into()), Revocation::User(42), Revocation::User(-1)] {
            assert_eq!(Revocation::parse(&r.message()), Some(r));
        }
        for bad in ["", "t:", "u:", "u:x", "x:1", "t", "u:1.5", "1"] {
            assert_eq!(Revocation::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_heard_revocation_forgets_like_a_local_one() {
        let cache = TokenCache::default();
        let now = Instant::now();
        for (id, hash) in [(1, "a"), (1, "b"), (2, "c")] {
            cache.put(user(id, hash), now);
        }
        let heard = cache.clone();
        heard.apply(&Revocation::parse("t:a").unwrap());
        assert!(cache.get_at("a", now).is_none() && cache.get_at("b", now).is_some(), "clones share their entries");
        heard.apply(&Revocation::parse("u:1").unwrap());
        assert!(cache.get_at("b", now).is_none() && cache.get_at("c", now).is_some());
    }

    #[test]
    fn a_flood_of_tokens_stays_bounded() {
        let cache = TokenCache::default();
        let now = Instant::now();
        for i in 0..(CAPACITY as i64 + 10) {
            cache.put(user(i, &format!("t{i}")), now);
        }
        assert!(cache.len() <= CAPACITY, "{}", cache.len());
        assert!(cache.get_at(&format!("t{}", CAPACITY + 9), now).is_some(), "the newest entry is kept");
    }
}
