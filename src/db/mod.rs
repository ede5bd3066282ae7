//! Storage: one diesel schema for SQLite and PostgreSQL, a connection enum, a pool, embedded
//! per-backend migrations, and helpers that keep blocking database work off the async executor.

pub mod changes;
pub mod models;
pub mod schema;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{Conflict, Error};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the configured URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The database URL, read by its scheme. diesel's own `establish` would try every backend in turn
/// and SQLite accepts nearly any string, so the scheme decides here and nothing falls back silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error("unknown database URL scheme {0:?}: use sqlite://PATH, a file path, or postgres://")]
    UnknownScheme(String),
    #[error("the database URL is empty")]
    Empty,
}

impl BackendUrl {
    pub fn parse(url: &str) -> Result<BackendUrl, UrlError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(UrlError::Empty);
        }
        match url.split_once("://") {
            Some(("sqlite", path)) if !path.is_empty() => Ok(BackendUrl::Sqlite(PathBuf::from(path))),
            Some(("postgres" | "postgresql", _)) => Ok(BackendUrl::Postgres(url.to_string())),
            Some((scheme, _)) => Err(UrlError::UnknownScheme(scheme.to_string())),
            None if url.starts_with("sqlite:") => Ok(BackendUrl::Sqlite(PathBuf::from(&url["sqlite:".len()..]))),
            None => Ok(BackendUrl::Sqlite(PathBuf::from(url))),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, BackendUrl::Postgres(_))
    }

    pub fn establish(&self) -> Result<DbConn, diesel::ConnectionError> {
        match self {
            BackendUrl::Postgres(url) => {
                init_tls();
                Ok(DbConn::Pg(PgConnection::establish(url)?))
            }
            BackendUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| diesel::ConnectionError::BadConnection(format!("cannot create {}: {e}", parent.display())))?;
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers run beside the one writer; the busy timeout turns writer
                // contention into a short wait instead of an immediate SQLITE_BUSY error.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// `INSERT … ON CONFLICT DO NOTHING`, giving the number of rows inserted (0 when the key was
/// there): "insert once" without a race between a check and the insert. diesel offers it per
/// backend but not through the multi-backend connection, so each backend gets the same statement.
macro_rules! insert_ignoring_conflict {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(c) => diesel::insert_into($table).values($values).on_conflict_do_nothing().execute(c)?,
            $crate::db::DbConn::Sqlite(c) => diesel::insert_into($table).values($values).on_conflict_do_nothing().execute(c)?,
        }
    };
}
pub(crate) use insert_ignoring_conflict;

/// A database failure as an operation's error. A row an operation looked for by key is its own
/// `Error::NotFound(thing)`, decided where the lookup happens; a `NotFound` reaching here is an
/// internal lookup that should not have failed, so it is an internal error, not a misleading 404.
impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Error {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        match e {
            Diesel::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(detail = info.message(), "unique violation");
                Error::Conflict(Conflict::Duplicate)
            }
            Diesel::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => Error::Unavailable,
            other => Error::internal(other),
        }
    }
}

/// Initialises OpenSSL before libpq does, without its exit-time cleanup: libpq would otherwise
/// register that cleanup, and it frees TLS state under threads whose pooled connections are still
/// open while the process exits (a crash at exit seen with PostgreSQL over TLS).
pub fn init_tls() {
    openssl_sys::init();
}

pub struct Manager {
    url: BackendUrl,
    breaker: Arc<Breaker>,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.url.establish().map_err(|e| {
            // A refused or failed connect means the database is down (a full pool is not).
            self.breaker.trip();
            r2d2::Error::ConnectionError(e)
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a panic mid-write unwound past its commit) or
    /// whose transaction manager is broken is not handed out again.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// How long one wait on the pool lasts before the breaker is looked at again: a connect that
/// fails while a request waits ends that wait this soon rather than at the pool's timeout.
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// The circuit breaker in front of the pool. A failed connect opens it; while open, asking for a
/// connection fails at once (503 with `Retry-After`) instead of waiting out the pool timeout.
/// After the cool-down one caller — a request, a job, `/readyz` — probes with a real connect;
/// the others keep failing fast until it succeeds (closed) or fails (open for another cool-down).
pub struct Breaker {
    /// Fast path: nothing to look at while closed.
    open: AtomicBool,
    cooldown_ms: AtomicU64,
    state: Mutex<BreakerState>,
}

#[derive(Default)]
struct BreakerState {
    open_until: Option<Instant>,
    /// When the last connect failed.
    tripped_at: Option<Instant>,
    /// When the probe now under way started.
    probing_since: Option<Instant>,
}

enum Admit {
    Closed,
    Probe,
    Refuse,
}

impl Breaker {
    fn new(cooldown: Duration) -> Breaker {
        Breaker { open: AtomicBool::new(false), cooldown_ms: AtomicU64::new(cooldown.as_millis() as u64), state: Mutex::new(BreakerState::default()) }
    }

    fn cooldown(&self) -> Duration {
        Duration::from_millis(self.cooldown_ms.load(Ordering::Relaxed))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn trip(&self) {
        let now = Instant::now();
        let mut s = self.lock();
        if s.open_until.is_none() {
            tracing::warn!(cooldown_ms = self.cooldown().as_millis() as u64, "database connect failed; failing fast until a probe reconnects");
        }
        s.tripped_at = Some(now);
        s.open_until = Some(now + self.cooldown());
        s.probing_since = None;
        self.open.store(true, Ordering::Release);
    }

    fn close(&self) {
        if self.open.load(Ordering::Acquire) {
            let mut s = self.lock();
            if s.open_until.take().is_some() {
                tracing::info!("database reachable again");
            }
            s.probing_since = None;
            self.open.store(false, Ordering::Release);
        }
    }

    fn admit(&self, probe_limit: Duration) -> Admit {
        if !self.open.load(Ordering::Acquire) {
            return Admit::Closed;
        }
        let now = Instant::now();
        let mut s = self.lock();
        match s.open_until {
            None => Admit::Closed,
            Some(until) if now < until => Admit::Refuse,
            // One probe at a time; one that never came back (its thread died) is replaced.
            Some(_) if s.probing_since.is_some_and(|t| now.duration_since(t) < probe_limit) => Admit::Refuse,
            Some(_) => {
                s.probing_since = Some(now);
                Admit::Probe
            }
        }
    }

    fn tripped_since(&self, t: Instant) -> bool {
        self.open.load(Ordering::Acquire) && self.lock().tripped_at.is_some_and(|at| at >= t)
    }

    /// Whether requests are being refused now (the database is known to be down).
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }
}

/// The shared database handle: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: BackendUrl,
    breaker: Arc<Breaker>,
    /// The time write transactions run at (`Tx::now`); the application's one clock.
    clock: crate::clock::Clock,
    on_change: std::sync::Arc<std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>>,
}

impl Db {
    /// Opens the pool without waiting for a first connection, so a service whose database is down
    /// still starts and answers 503 (readiness) rather than refusing to boot.
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Db> {
        let url = BackendUrl::parse(url)?;
        let breaker = Arc::new(Breaker::new(Duration::from_secs(2)));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(timeout)
            .test_on_check_out(true)
            // Connect failures are logged once by the breaker, not once per retry.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(Manager { url: url.clone(), breaker: breaker.clone() });
        Ok(Db { pool, url, breaker, clock: crate::clock::Clock::system(), on_change: Default::default() })
    }

    /// How long the breaker stays open after a failed connect before one probe tries again
    /// (`database.breaker_cooldown_ms`; 2 s unless set). Shared by every clone.
    pub fn set_breaker_cooldown(&self, cooldown: Duration) {
        self.breaker.cooldown_ms.store(cooldown.as_millis().max(1) as u64, Ordering::Relaxed);
    }

    /// Whether the breaker is open: the database is known to be down and requests fail fast.
    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }

    /// Gets a connection and runs `SELECT 1`, waiting at most `timeout` (readiness checks).
    pub fn ping(&self, timeout: Duration) -> Result<(), Error> {
        let mut conn = self.get_within(timeout)?;
        conn.batch_execute("SELECT 1").map_err(|e| {
            tracing::warn!(error = %e, "database ping failed");
            Error::Unavailable
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.url.is_postgres()
    }

    /// The clock write transactions read; clones share it, so moving it moves every reader.
    pub fn clock(&self) -> crate::clock::Clock {
        self.clock.clone()
    }

    /// Gets a pooled connection on the current (blocking) thread.
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, Error> {
        self.get_within(self.pool.connection_timeout())
    }

    /// A connection of its own, outside the pool, for a background task that must not queue
    /// behind requests for a pooled one (the change-log follower). Refused at once while the
    /// breaker is open.
    pub fn dedicated(&self) -> Result<DbConn, Error> {
        if self.breaker.is_open() {
            return Err(Error::Unavailable);
        }
        self.url.establish().map_err(|e| {
            tracing::warn!(error = %e, "could not open a dedicated database connection");
            Error::Unavailable
        })
    }

    /// [`Db::get`] waiting at most `timeout`. Fails at once while the breaker is open, and as
    /// soon as a connect fails during the wait; a full pool alone waits the whole `timeout`.
    pub fn get_within(&self, timeout: Duration) -> Result<r2d2::PooledConnection<Manager>, Error> {
        let probe = match self.breaker.admit(timeout + Duration::from_secs(1)) {
            Admit::Refuse => return Err(Error::Unavailable),
            Admit::Probe => true,
            Admit::Closed => false,
        };
        let started = Instant::now();
        let deadline = started + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.pool.get_timeout(left.min(WAIT_SLICE).max(Duration::from_millis(1))) {
                Ok(conn) => {
                    self.breaker.close();
                    return Ok(conn);
                }
                Err(e) => {
                    let down = self.breaker.tripped_since(started);
                    if down || Instant::now() >= deadline {
                        if probe && !down {
                            // The probe's own connect may not have failed (it waited on a busy
                            // pool); it still did not get through, so keep failing fast.
                            self.breaker.trip();
                        }
                        tracing::warn!(error = %e, breaker_open = self.breaker.is_open(), "database unavailable");
                        return Err(Error::Unavailable);
                    }
                }
            }
        }
    }

    /// Runs blocking database work on tokio's blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, Error> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| Error::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` in one write transaction: all of it lands, or none of it. When it recorded a
    /// change for the search indexes, every follower is woken after the commit.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx) -> Result<T, Error> + Send + 'static,
    {
        let hook = self.on_change.clone();
        let clock = self.clock.clone();
        self.run(move |conn| {
            let (out, changed) = write_transaction_at(conn, clock.now(), f)?;
            if changed && let Some(h) = hook.get() {
                h();
            }
            Ok(out)
        })
        .await
    }

    /// Like [`Db::tx`], on a connection the caller already holds (background jobs that work
    /// through many items on one connection): the followers are woken after each commit that
    /// recorded a change.
    pub fn write_on<T>(&self, conn: &mut DbConn, f: impl FnOnce(&mut Tx) -> Result<T, Error>) -> Result<T, Error> {
        let (out, changed) = write_transaction_at(conn, self.clock.now(), f)?;
        if changed && let Some(h) = self.on_change.get() {
            h();
        }
        Ok(out)
    }

    /// Sets what runs after a transaction that recorded a search change commits (once).
    pub fn on_change(&self, hook: impl Fn() + Send + Sync + 'static) {
        let _ = self.on_change.set(Box::new(hook));
    }

    /// Applies pending migrations for this backend.
    pub fn migrate(&self) -> anyhow::Result<Vec<String>> {
        let mut conn = self.pool.get()?;
        migrate(&mut conn)
    }
}

/// A write transaction in progress. Reads go through it like through a connection (it derefs to
/// one); [`Tx::record`] is the only way to add to the change log the search indexes follow.
pub struct Tx<'c> {
    conn: &'c mut DbConn,
    changed: bool,
    now: chrono::NaiveDateTime,
    on_behalf: Option<serde_json::Value>,
}

impl Tx<'_> {
    /// The time this transaction runs at, from the application's clock: one instant for all of it.
    pub fn now(&self) -> chrono::NaiveDateTime {
        self.now
    }

    /// The connection, for diesel queries (`.execute(tx.conn())`).
    pub fn conn(&mut self) -> &mut DbConn {
        self.conn
    }

    /// Marks everything this transaction does as done for someone by someone else (a community
    /// station's staff at the desk, `{"station_id", "staff_id"}`): the engagement events it
    /// writes carry it, so the person's own history says who acted for them.
    pub fn act_on_behalf(&mut self, who: serde_json::Value) {
        self.on_behalf = Some(who);
    }

    pub fn on_behalf(&self) -> Option<&serde_json::Value> {
        self.on_behalf.as_ref()
    }

    /// Records that `entity` `id` changed in a way search may show, in this transaction.
    pub fn record(&mut self, entity: changes::Entity, id: i64) -> Result<(), Error> {
        changes::append(self.conn, entity, id, self.now)?;
        self.changed = true;
        Ok(())
    }

    /// Runs `f` in a savepoint of this transaction: when it fails, what it wrote is undone and
    /// the transaction goes on (one imported row that fails leaves nothing of itself behind).
    pub fn savepoint<T>(&mut self, f: impl FnOnce(&mut Tx) -> Result<T, Error>) -> Result<T, Error> {
        let (now, on_behalf) = (self.now, self.on_behalf.clone());
        let mut changed = false;
        let out = self.conn.transaction(|conn| {
            let mut inner = Tx { conn, changed: false, now, on_behalf };
            let out = f(&mut inner)?;
            changed = inner.changed;
            Ok::<T, Error>(out)
        })?;
        self.changed |= changed;
        Ok(out)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        self.conn
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        self.conn
    }
}

/// Runs `f` in one transaction on `conn`; returns its result and whether it recorded a change
/// (the caller announces it after this returns, i.e. after the commit). On SQLite the
/// transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front: a deferred
/// transaction that reads and then writes can deadlock against another doing the same.
pub fn write_transaction<T, F>(conn: &mut DbConn, f: F) -> Result<(T, bool), Error>
where
    F: FnOnce(&mut Tx) -> Result<T, Error>,
{
    write_transaction_at(conn, crate::domain::time::now_utc(), f)
}

/// [`write_transaction`] at a given time (what `Tx::now` answers).
pub fn write_transaction_at<T, F>(conn: &mut DbConn, now: chrono::NaiveDateTime, f: F) -> Result<(T, bool), Error>
where
    F: FnOnce(&mut Tx) -> Result<T, Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let run = |conn: &mut DbConn| {
        let mut tx = Tx { conn, changed: false, now, on_behalf: None };
        let out = f(&mut tx)?;
        Ok((out, tx.changed))
    };
    match conn {
        DbConn::Pg(_) => conn.transaction(run),
        DbConn::Sqlite(inner) => {
            // diesel's own manager opens the transaction with the SQL we give it and then tracks it
            // as usual; commit and rollback below go through the same manager via the enum.
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match run(conn) {
                Ok(v) => {
                    <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(v)
                }
                Err(e) => {
                    <DbConn as Connection>::TransactionManager::rollback_transaction(conn)?;
                    Err(e)
                }
            }
        }
    }
}

pub fn migrate(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map_err(|e| anyhow::anyhow!("migration failed: {e}"))?.iter().map(|v| v.to_string()).collect()
        }
        DbConn::Pg(c) => {
            // Replicas starting together must not race each other through the same migration.
            diesel::sql_query("SELECT pg_advisory_lock(7301)").execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            diesel::sql_query("SELECT pg_advisory_unlock(7301)").execute(c)?;
            result?
        }
    };
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_backend() {
        assert_eq!(BackendUrl::parse("sqlite://data/x.db").unwrap(), BackendUrl::Sqlite("data/x.db".into()));
        assert_eq!(BackendUrl::parse("/tmp/a.db").unwrap(), BackendUrl::Sqlite("/tmp/a.db".into()));
        assert_eq!(BackendUrl::parse("sqlite:rel.db").unwrap(), BackendUrl::Sqlite("rel.db".into()));
        assert!(BackendUrl::parse("postgres://u@h/db").unwrap().is_postgres());
        assert!(BackendUrl::parse("postgresql://u@h/db").unwrap().is_postgres());
        assert!(matches!(BackendUrl::parse("mysql://u@h/db"), Err(UrlError::UnknownScheme(s)) if s == "mysql"));
        assert!(BackendUrl::parse("").is_err());
    }
}
