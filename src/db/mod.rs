//! Storage: one diesel schema for SQLite and PostgreSQL, a connection enum, a pool, embedded
//! per-backend migrations, and helpers that keep blocking database work off the async executor.

pub mod schema;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ApiError;

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

/// Initialises OpenSSL before libpq does, without its exit-time cleanup: libpq would otherwise
/// register that cleanup, and it frees TLS state under threads whose pooled connections are still
/// open while the process exits (a crash at exit seen with PostgreSQL over TLS).
pub fn init_tls() {
    openssl_sys::init();
}

pub struct Manager {
    url: BackendUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.url.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// The shared database handle: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: BackendUrl,
    on_change: std::sync::Arc<std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>>,
}

impl Db {
    /// Opens the pool without waiting for a first connection, so a service whose database is down
    /// still starts and answers 503 (readiness) rather than refusing to boot.
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Db> {
        let url = BackendUrl::parse(url)?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(timeout)
            .test_on_check_out(true)
            .build_unchecked(Manager { url: url.clone() });
        Ok(Db { pool, url, on_change: Default::default() })
    }

    pub fn is_postgres(&self) -> bool {
        self.url.is_postgres()
    }

    /// Gets a pooled connection on the current (blocking) thread.
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, ApiError> {
        self.pool.get().map_err(|e| {
            tracing::warn!(error = %e, "database unavailable");
            ApiError::unavailable()
        })
    }

    /// Runs blocking database work on tokio's blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` in one write transaction: all of it lands, or none of it. When it recorded a
    /// search change, the change hook runs after the commit.
    pub async fn tx<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let hook = self.on_change.clone();
        self.run(move |conn| {
            crate::services::search_log::take_recorded();
            let out = write_transaction(conn, f);
            if crate::services::search_log::take_recorded() && out.is_ok() {
                if let Some(h) = hook.get() {
                    h();
                }
            }
            out
        })
        .await
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

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock up front:
/// a deferred transaction that reads and then writes can deadlock against another one doing the same.
pub fn write_transaction<T, F>(conn: &mut DbConn, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConn) -> Result<T, ApiError>,
{
    match conn {
        DbConn::Sqlite(inner) => {
            // Hand the same connection back to `f` wrapped as a DbConn for one call.
            let mut f = Some(f);
            inner.immediate_transaction(|c| {
                let mut wrapped = DbConnRef::new(c);
                let f = f.take().expect("called once");
                wrapped.with(|conn| f(conn))
            })
        }
        DbConn::Pg(_) => conn.transaction(f),
    }
}

/// Lends a `&mut SqliteConnection` as a `DbConn` for the length of one closure, then takes it back.
/// `DbConn` owns its inner connection, so the connection is swapped in and out with a placeholder.
struct DbConnRef<'a> {
    inner: &'a mut SqliteConnection,
}

impl<'a> DbConnRef<'a> {
    fn new(inner: &'a mut SqliteConnection) -> Self {
        DbConnRef { inner }
    }

    fn with<T>(&mut self, f: impl FnOnce(&mut DbConn) -> T) -> T {
        let placeholder = SqliteConnection::establish(":memory:").expect("in-memory SQLite always opens");
        let real = std::mem::replace(self.inner, placeholder);
        let mut wrapped = DbConn::Sqlite(real);
        let out = f(&mut wrapped);
        match wrapped {
            DbConn::Sqlite(real) => *self.inner = real,
            DbConn::Pg(_) => unreachable!("a SQLite connection stays SQLite"),
        }
        out
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
