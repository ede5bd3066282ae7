//! The service layer: business operations over the database, called by HTTP handlers, the CLI and
//! the demo seeder alike. Each takes validated input and runs inside one transaction.

use std::sync::Arc;

use crate::auth::cache::TokenCache;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::listing::Rules;
use crate::mail::Mailer;
use crate::ratelimit::RateLimiter;
use crate::search::engine::Engine;
use crate::search::sync::ChangeBus;

pub mod accounts;
pub mod audit;
pub mod availability;
pub mod calendar;
pub mod categories;
pub mod desk;
pub mod districts;
pub mod employers;
pub mod engagements;
pub mod events;
pub mod idempotency;
pub mod inbox;
pub mod location;
pub mod moderation;
pub mod opendata;
pub mod outbox;
pub mod page;
pub mod ratings;
pub mod reports;
pub mod reputation;
pub mod scope;
pub mod search;
pub mod sharing;
pub mod shift_detail;
pub mod shifts;
pub mod stations;
pub mod stats;
pub mod synonyms;
pub mod views;
pub mod workers;

/// The use-case context: the database, the clock, the search engine, the listing rules, the rate
/// limiter and the configuration. The seeder, the CLI and the HTTP handlers hand the same one to
/// the operations in `services`.
pub struct Services {
    pub config: Arc<Config>,
    pub db: Db,
    pub redis: Option<redis::aio::ConnectionManager>,
    pub limiter: RateLimiter,
    pub engine: Arc<Engine>,
    pub bus: ChangeBus,
    pub mailer: Mailer,
    pub rules: Arc<Rules>,
    /// The time engagement rules read (system time; tests move it forward in-process).
    pub clock: Clock,
    /// Signed-in users by token hash, trusted for at most `auth::cache::MAX_AGE`.
    pub tokens: TokenCache,
    /// Computed statistics for a few minutes, when no Redis is configured (`stats::cache`).
    pub stats_cache: stats::cache::StatsCache,
}

/// Decodes a JSON list column; a corrupt value reads as empty rather than failing the request.
pub(crate) fn json_list<T: serde::de::DeserializeOwned>(s: &str) -> Vec<T> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializable")
}
