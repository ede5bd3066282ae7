//! Computed figures kept for a short while: in Redis when configured (shared by every replica),
//! else in this process. A key covers every parameter of the request and the asker's scope; an
//! entry lives [`TTL`], and the figures carry the time they were computed, so a cached answer
//! says how old it is. Redis calls have the configured deadline; when Redis does not answer, the
//! figures are computed (and kept here) as if it were not configured.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::services::Services;

/// How long computed figures are served before they are computed again.
pub const TTL: Duration = Duration::from_secs(300);

/// Entries beyond which expired ones are swept (and, if that is not enough, all are dropped).
const CAPACITY: usize = 2_000;

/// The in-process store (one per application).
#[derive(Default)]
pub struct StatsCache {
    entries: Mutex<HashMap<String, (Instant, String)>>,
}

impl StatsCache {
    fn get(&self, key: &str) -> Option<String> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, value: String) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }
}

/// The cache key of a kind of figures and everything that decides them.
pub fn key(kind: &str, params: &impl Serialize) -> String {
    let json = serde_json::to_string(params).unwrap_or_default();
    format!("stats:{kind}:{}", hex::encode(Sha256::digest(json.as_bytes())))
}

/// The cached figures under `key`, or `compute`'s, kept for next time.
pub async fn cached<T, F, Fut>(svc: &Services, key: &str, compute: F) -> Result<T, Error>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let redis_key = format!("{}{key}", svc.config.redis.key_prefix);
    let deadline = Duration::from_millis(svc.config.redis.timeout_ms.max(1));
    if let Some(conn) = &svc.redis {
        let mut conn = conn.clone();
        if let Ok(Ok(Some(v))) = tokio::time::timeout(deadline, redis::cmd("GET").arg(&redis_key).query_async::<Option<String>>(&mut conn)).await
            && let Ok(hit) = serde_json::from_str(&v)
        {
            return Ok(hit);
        }
    }
    if let Some(hit) = svc.stats_cache.get(key).and_then(|v| serde_json::from_str(&v).ok()) {
        return Ok(hit);
    }
    let fresh = compute().await?;
    let json = serde_json::to_string(&fresh).map_err(Error::internal)?;
    let stored = match &svc.redis {
        Some(conn) => {
            let mut conn = conn.clone();
            let mut cmd = redis::cmd("SET");
            cmd.arg(&redis_key).arg(&json).arg("EX").arg(TTL.as_secs());
            matches!(tokio::time::timeout(deadline, cmd.query_async::<()>(&mut conn)).await, Ok(Ok(())))
        }
        None => false,
    };
    if !stored {
        svc.stats_cache.put(key.to_string(), json);
    }
    Ok(fresh)
}
