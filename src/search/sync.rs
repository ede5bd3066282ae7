//! Keeps every process's engine in step with the database. The change log (`search_changes`) is
//! the truth: each process applies entries after the last one it applied. Wake-ups make that
//! prompt — in-process always, and through Redis pub/sub between replicas when Redis is configured —
//! while a periodic poll catches anything a lost message missed. Expiry runs here too.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use tokio::sync::Notify;

use crate::db::changes::{self, Entity};
use crate::db::{Db, DbConn};
use crate::domain::time::now_utc;
use crate::error::Error;
use crate::search::engine::Engine;
use crate::search::load;

const BATCH: i64 = 5_000;

/// Announces committed changes: wakes this process's follower and, with Redis, every replica's.
#[derive(Clone)]
pub struct ChangeBus {
    pub notify: Arc<Notify>,
    redis: Option<(redis::aio::ConnectionManager, String)>,
}

impl ChangeBus {
    pub fn new(redis: Option<(redis::aio::ConnectionManager, String)>) -> ChangeBus {
        ChangeBus { notify: Arc::new(Notify::new()), redis }
    }

    pub fn announce(&self) {
        self.notify.notify_one();
        if let Some((conn, channel)) = &self.redis {
            crate::pubsub::publish(conn, channel, "1".into());
        }
    }
}

/// Rebuilds the engine from the database. The change-log position is read first, so a change
/// committed while loading is applied again afterwards (applying is idempotent).
pub fn rebuild(engine: &Engine, db: &Db, progress: Option<&ProgressBar>) -> anyhow::Result<usize> {
    let mut conn = db.get().map_err(|e| anyhow::anyhow!(e))?;
    rebuild_on(engine, &mut conn, progress)
}

pub fn rebuild_on(engine: &Engine, conn: &mut DbConn, progress: Option<&ProgressBar>) -> anyhow::Result<usize> {
    let conn = &mut *conn;
    engine.clear()?;
    let position = changes::head(conn)?;
    let now = now_utc();
    if let Some(p) = progress {
        p.set_length(load::published_shift_count(conn, now).map_err(|e| anyhow::anyhow!(e))? as u64);
    }
    let cats = load::category_words(conn).map_err(|e| anyhow::anyhow!(e))?;
    let groups = load::synonym_groups(conn).map_err(|e| anyhow::anyhow!(e))?;
    engine.set_synonyms(groups.iter().map(String::as_str));
    let mut after = 0;
    let mut total = 0;
    loop {
        let (docs, last) = load::shift_batch(conn, after, BATCH, now, &cats).map_err(|e| anyhow::anyhow!(e))?;
        let Some(last) = last else { break };
        total += docs.len();
        if let Some(p) = progress {
            p.inc(docs.len() as u64);
        }
        let ids: Vec<i64> = docs.iter().map(|(d, _)| d.id).collect();
        engine.put_shifts(docs)?;
        let (cards, employers) = load::shift_cards(conn, &ids).map_err(|e| anyhow::anyhow!(e))?;
        engine.put_cards(cards, employers);
        after = last;
    }
    let (avail, _) = load::availability_docs(conn, None).map_err(|e| anyhow::anyhow!(e))?;
    engine.put_availability(avail)?;
    engine.commit()?;
    engine.set_position(position);
    Ok(total)
}

/// Applies every change after the engine's position. Returns how many entries it applied.
pub fn catch_up(engine: &Engine, conn: &mut DbConn) -> Result<usize, Error> {
    let mut applied = 0;
    loop {
        let (rows, next) = changes::read_after(conn, engine.position(), BATCH)?;
        if rows.is_empty() {
            engine.set_position(next);
            return Ok(applied);
        }
        if rows.iter().any(|c| c.entity == Entity::All) {
            tracing::info!("full reindex requested through the change log; rebuilding");
            rebuild_on(engine, conn, None).map_err(Error::internal)?;
            engine.set_position(next);
            applied += rows.len();
            continue;
        }
        if rows.iter().any(|c| c.entity == Entity::Synonyms) {
            // Queries are expanded with the table, documents are not: reloading it is enough.
            let groups = load::synonym_groups(conn)?;
            engine.set_synonyms(groups.iter().map(String::as_str));
        }
        let mut shift_ids = BTreeSet::new();
        let mut avail_ids = BTreeSet::new();
        for c in &rows {
            let id = c.entity_id;
            match c.entity {
                Entity::Shift => {
                    shift_ids.insert(id);
                }
                Entity::Employer => {
                    shift_ids.extend(load::shift_ids_of_employer(conn, id)?);
                    shift_ids.extend(engine.shift_ids_of_employer(id));
                }
                Entity::Availability => {
                    avail_ids.insert(id);
                }
                Entity::Worker => {
                    avail_ids.extend(load::availability_ids_of_worker(conn, id)?);
                    avail_ids.extend(engine.availability_ids_of_worker(id));
                }
                Entity::Synonyms => {}
                Entity::All => unreachable!("handled above"),
            }
        }
        let shift_ids: Vec<i64> = shift_ids.into_iter().collect();
        let avail_ids: Vec<i64> = avail_ids.into_iter().collect();
        let (docs, gone) = load::shifts_by_id(conn, &shift_ids)?;
        for id in gone {
            engine.remove_shift(id);
        }
        // What a result page shows of them, committed with them (`search::cards`).
        let ids: Vec<i64> = docs.iter().map(|(d, _)| d.id).collect();
        engine.put_shifts(docs).map_err(Error::internal)?;
        let (cards, employers) = load::shift_cards(conn, &ids)?;
        engine.put_cards(cards, employers);
        let (docs, gone) = load::availability_docs(conn, Some(&avail_ids))?;
        for id in gone {
            engine.remove_availability(id);
        }
        engine.put_availability(docs).map_err(Error::internal)?;
        engine.commit().map_err(Error::internal)?;
        engine.set_position(next);
        applied += rows.len();
    }
}

/// The follower: applies changes when woken or every `poll`, whichever comes first.
///
/// It reads on a connection of its own, never one from the request pool: under load every pooled
/// connection is busy with requests, and a follower queueing behind them made a write take
/// seconds to appear on the other replicas. A connection that failed is dropped and the next
/// round opens a new one.
pub async fn follow(engine: Arc<Engine>, db: Db, notify: Arc<Notify>, poll: Duration) {
    let mut own: Option<DbConn> = None;
    loop {
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
        let (engine, db, conn) = (engine.clone(), db.clone(), own.take());
        let started = Instant::now();
        let r = tokio::task::spawn_blocking(move || {
            let mut conn = match conn {
                Some(c) => c,
                None => match db.dedicated() {
                    Ok(c) => c,
                    Err(e) => return (Err(e), None),
                },
            };
            let result = catch_up(&engine, &mut conn);
            let keep = result.is_ok().then_some(conn);
            (result, keep)
        })
        .await;
        match r {
            Ok((result, conn)) => {
                own = conn;
                match result {
                    Ok(n) if n > 0 => tracing::debug!(changes = n, ms = started.elapsed().as_millis() as u64, "index caught up"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "index catch-up failed; retrying"),
                }
            }
            Err(e) => tracing::error!(error = %e, "index catch-up task failed"),
        }
    }
}

/// Wakes the follower whenever another replica announces a change on Redis, and when the
/// subscription is made (anything committed while not subscribed is picked up right away). Missed
/// messages are covered by the follower's poll.
pub async fn listen_redis(url: String, channel: String, notify: Arc<Notify>) {
    crate::pubsub::subscribe(url, channel, || notify.notify_one(), |_| notify.notify_one()).await
}
