//! Sliding-window rate limits (the sliding-window counter: this window's count plus the previous
//! window's, weighted by how much of it still lies within one window of now), so a burst at the
//! end of one window cannot be followed at once by a full budget in the next. In this process when
//! no Redis is configured; in Redis otherwise, so
//! every replica behind the load balancer counts against the same budget. Each Redis call has a
//! short deadline; when Redis is slow or down the count falls back to this process (so limits
//! still hold per replica) and Redis is left alone for a moment before it is tried again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

use crate::error::Error;

/// One budget: `limit` requests per `window` for each key (client address, user id).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

/// Per key: the current window's start, its count, and the previous window's count.
type Counts = Mutex<HashMap<String, (u64, u32, u32)>>;

pub enum RateLimiter {
    Disabled,
    Memory(Counts),
    Redis(RedisLimiter),
}

pub struct RedisLimiter {
    conn: ConnectionManager,
    prefix: String,
    /// Deadline of one Redis call.
    timeout: Duration,
    /// Counts kept here while Redis cannot answer.
    fallback: Counts,
    /// Until when (ms after `epoch`) Redis is skipped after a failure.
    skip_until_ms: AtomicU64,
    epoch: Instant,
}

/// How long Redis is skipped after a failed or late call, so an outage costs one deadline per
/// pause rather than one per request.
const REDIS_PAUSE: Duration = Duration::from_secs(1);

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs()
}

impl RateLimiter {
    pub fn memory() -> RateLimiter {
        RateLimiter::Memory(Mutex::new(HashMap::new()))
    }

    /// Counts in Redis under `prefix`, each call bounded by `timeout`.
    pub fn redis(conn: ConnectionManager, prefix: String, timeout: Duration) -> RateLimiter {
        RateLimiter::Redis(RedisLimiter {
            conn,
            prefix,
            timeout,
            fallback: Mutex::new(HashMap::new()),
            skip_until_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    /// Counts one request; refuses with 429 and the seconds until the window resets when over budget.
    pub async fn hit(&self, budget: Budget, key: &str) -> Result<(), Error> {
        self.hit_at(budget, key, now_secs()).await
    }

    async fn hit_at(&self, budget: Budget, key: &str, now: u64) -> Result<(), Error> {
        let window = budget.window.as_secs().max(1);
        let window_start = now - now % window;
        let (current, previous) = match self {
            RateLimiter::Disabled => return Ok(()),
            RateLimiter::Memory(map) => count_here(map, budget, key, window, window_start),
            RateLimiter::Redis(r) => match r.count(budget, key, window, window_start).await {
                Some(n) => n,
                None => count_here(&r.fallback, budget, key, window, window_start),
            },
        };
        let elapsed = (now - window_start) as f64 / window as f64;
        let estimate = previous as f64 * (1.0 - elapsed) + current as f64;
        if estimate <= budget.limit as f64 {
            return Ok(());
        }
        // When the budget is back: once the previous window's weight has fallen far enough, or at
        // the latest when this window's own count starts to fade.
        let retry_after = if previous > 0 && current <= budget.limit {
            let fade = 1.0 - (budget.limit as f64 - current as f64) / previous as f64;
            ((fade - elapsed).max(0.0) * window as f64).ceil() as u64
        } else {
            window_start + window - now
        };
        Err(Error::too_many(retry_after.max(1)))
    }
}

/// Counts one request in this process's map: (this window's count, the previous window's).
fn count_here(map: &Counts, budget: Budget, key: &str, window: u64, window_start: u64) -> (u32, u32) {
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() > 100_000 {
        // Forget keys whose counts no longer matter so the map cannot grow without bound.
        map.retain(|_, (start, _, _)| *start + window >= window_start);
    }
    let entry = map.entry(format!("{}:{key}", budget.name)).or_insert((window_start, 0, 0));
    if entry.0 != window_start {
        let previous = if entry.0 + window == window_start { entry.1 } else { 0 };
        *entry = (window_start, 0, previous);
    }
    entry.1 += 1;
    (entry.1, entry.2)
}

impl RedisLimiter {
    /// The count in Redis, or `None` when Redis did not answer within the deadline (or is being
    /// skipped after such a failure).
    async fn count(&self, budget: Budget, key: &str, window: u64, window_start: u64) -> Option<(u32, u32)> {
        let now_ms = self.epoch.elapsed().as_millis() as u64;
        if now_ms < self.skip_until_ms.load(Ordering::Relaxed) {
            return None;
        }
        let redis_key = format!("{}rl:{}:{key}:{window_start}", self.prefix, budget.name);
        let previous_key = format!("{}rl:{}:{key}:{}", self.prefix, budget.name, window_start - window.min(window_start));
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        // Kept for two windows: the next window weighs this one's count.
        pipe.atomic().incr(&redis_key, 1).expire(&redis_key, 2 * window as i64 + 1).ignore().get(&previous_key);
        let call = pipe.query_async::<(u32, Option<u32>)>(&mut conn);
        let failure = match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok((n, previous))) => return Some((n, previous.unwrap_or(0))),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} ms", self.timeout.as_millis()),
        };
        let until = self.epoch.elapsed().as_millis() as u64 + REDIS_PAUSE.as_millis() as u64;
        if self.skip_until_ms.swap(until, Ordering::Relaxed) <= now_ms {
            // Once per pause, not once per request.
            tracing::warn!(error = %failure, "rate limiter: Redis unavailable, counting in this process");
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_limiter_refuses_past_budget() {
        let rl = RateLimiter::memory();
        let b = Budget { name: "t", limit: 3, window: Duration::from_secs(3600) };
        for _ in 0..3 {
            rl.hit(b, "1.2.3.4").await.unwrap();
        }
        let e = rl.hit(b, "1.2.3.4").await.unwrap_err();
        assert!(matches!(e, crate::error::Error::RateLimited { .. }), "{e}");
        assert!(e.retry_after_secs().unwrap() >= 1);
        rl.hit(b, "5.6.7.8").await.unwrap();
        RateLimiter::Disabled.hit(b, "x").await.unwrap();
    }

    /// A full budget spent at the end of one window still weighs on the start of the next: the
    /// boundary does not double the budget. It fades in proportion to the time passed.
    #[tokio::test]
    async fn the_window_slides() {
        let rl = RateLimiter::memory();
        let b = Budget { name: "s", limit: 10, window: Duration::from_secs(100) };
        let base = 1_000_000; // a window start
        for _ in 0..10 {
            rl.hit_at(b, "k", base + 99).await.unwrap();
        }
        rl.hit_at(b, "k", base + 99).await.unwrap_err();
        // Just after the boundary, nearly all of the last window still counts.
        let e = rl.hit_at(b, "k", base + 101).await.unwrap_err();
        assert!(e.retry_after_secs().unwrap() >= 1);
        // Half a window on, half of it counts: 11 * 0.5 + 2 (one refused above, this one) fits.
        rl.hit_at(b, "k", base + 150).await.unwrap();
        // Two windows on, nothing of it is left.
        for _ in 0..10 {
            rl.hit_at(b, "k2", base + 99).await.unwrap();
        }
        for _ in 0..10 {
            rl.hit_at(b, "k2", base + 301).await.unwrap();
        }
    }

    /// Redis that never answers (a listener that accepts and stays silent), then nothing at all
    /// (a closed port): every hit returns within the deadline, and the budget still holds,
    /// counted in this process.
    #[tokio::test]
    async fn unreachable_redis_falls_back_to_counting_here_within_the_deadline() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        for port in [silent.local_addr().unwrap().port(), closed] {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
            let config = redis::aio::ConnectionManagerConfig::new().set_connection_timeout(Some(Duration::from_millis(50)));
            let conn = ConnectionManager::new_lazy_with_config(client, config).unwrap();
            let rl = RateLimiter::redis(conn, "t:".into(), Duration::from_millis(100));
            let b = Budget { name: "t", limit: 5, window: Duration::from_secs(3600) };
            for i in 0..8 {
                let started = Instant::now();
                let r = rl.hit(b, "1.2.3.4").await;
                assert!(started.elapsed() < Duration::from_millis(600), "hit {i} on port {port} took {:?}", started.elapsed());
                assert_eq!(r.is_ok(), i < 5, "hit {i} on port {port}: {r:?}");
            }
        }
        drop(silent);
    }
}
