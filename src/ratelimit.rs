//! Fixed-window rate limits. In this process when no Redis is configured; in Redis otherwise, so
//! every replica behind the load balancer counts against the same budget.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::ConnectionManager;

use crate::error::Error;

/// One budget: `limit` requests per `window` for each key (client address, user id).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

pub enum RateLimiter {
    Disabled,
    Memory(Mutex<HashMap<String, (u64, u32)>>),
    Redis { conn: ConnectionManager, prefix: String },
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs()
}

impl RateLimiter {
    pub fn memory() -> RateLimiter {
        RateLimiter::Memory(Mutex::new(HashMap::new()))
    }

    /// Counts one request; refuses with 429 and the seconds until the window resets when over budget.
    pub async fn hit(&self, budget: Budget, key: &str) -> Result<(), Error> {
        let window = budget.window.as_secs().max(1);
        let now = now_secs();
        let window_start = now - now % window;
        let retry_after = window_start + window - now;
        let count = match self {
            RateLimiter::Disabled => return Ok(()),
            RateLimiter::Memory(map) => {
                let mut map = map.lock().expect("rate limit map poisoned");
                if map.len() > 100_000 {
                    // Forget finished windows so the map cannot grow without bound.
                    map.retain(|_, (start, _)| *start == window_start);
                }
                let entry = map.entry(format!("{}:{key}", budget.name)).or_insert((window_start, 0));
                if entry.0 != window_start {
                    *entry = (window_start, 0);
                }
                entry.1 += 1;
                entry.1
            }
            RateLimiter::Redis { conn, prefix } => {
                let redis_key = format!("{prefix}rl:{}:{key}:{window_start}", budget.name);
                let mut conn = conn.clone();
                let result: Result<(u32,), redis::RedisError> =
                    redis::pipe().atomic().incr(&redis_key, 1).expire(&redis_key, window as i64 + 1).ignore().query_async(&mut conn).await;
                match result {
                    Ok((n,)) => n,
                    Err(e) => {
                        // A Redis outage must not lock every user out; log it and let the request through.
                        tracing::warn!(error = %e, "rate limiter: Redis unavailable, not limiting");
                        return Ok(());
                    }
                }
            }
        };
        if count > budget.limit { Err(Error::too_many(retry_after)) } else { Ok(()) }
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
}
