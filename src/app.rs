//! Wiring: shared state, the HTTP server, and the middleware every request passes through.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::{App, web};
use anyhow::Context;
use futures_util::FutureExt;

use crate::auth::cache::TokenCache;
use crate::config::Config;
use crate::db::Db;
use crate::error::Lang;
use crate::jobs;
use crate::listing::Rules;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::routes;
use crate::routes::error::ApiError;
use crate::search::{self, engine::Engine, sync::ChangeBus};
pub use crate::services::Services;

/// What the HTTP layer holds: the use-case context every operation runs against, plus what only
/// HTTP needs (request metrics). Handlers reach the context's fields through `Deref`.
pub struct AppState {
    pub services: Services,
    pub metrics: Metrics,
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

impl AppState {
    /// Connects to the database (and Redis when configured) and applies pending migrations.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        let db = Db::connect(&config.database.url, config.database.pool_size, Duration::from_secs(config.database.connect_timeout_secs))?;
        db.set_breaker_cooldown(Duration::from_millis(config.database.breaker_cooldown_ms));
        if config.database.migrate_on_start {
            let migrate_db = db.clone();
            let applied = tokio::task::spawn_blocking(move || migrate_db.migrate())
                .await?
                .with_context(|| format!("cannot prepare the database at {}", redact(&config.database.url)))?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "applied migrations");
            }
        }
        let redis = match config.redis_url() {
            Some(url) => {
                let client = redis::Client::open(url).with_context(|| format!("invalid redis.url {}", redact(url)))?;
                // Short connect and response deadlines: a dead Redis must answer "no" quickly.
                // Lazy: a replica starting while Redis is down serves (degraded) and connects later.
                let timeout = Duration::from_millis(config.redis.timeout_ms);
                let manager_config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout.max(Duration::from_millis(500))))
                    .set_response_timeout(Some(timeout.max(Duration::from_millis(500))));
                let manager = redis::aio::ConnectionManager::new_lazy_with_config(client, manager_config)
                    .with_context(|| format!("cannot use Redis at {}", redact(url)))?;
                Some(manager)
            }
            None => None,
        };
        let limiter = match (&redis, config.rate_limit.enabled) {
            (_, false) => RateLimiter::Disabled,
            (Some(conn), true) => RateLimiter::redis(conn.clone(), config.redis.key_prefix.clone(), Duration::from_millis(config.redis.timeout_ms)),
            (None, true) => RateLimiter::memory(),
        };
        let bus = ChangeBus::new(redis.clone().map(|c| (c, changes_channel(&config))));
        let announcer = bus.clone();
        db.on_change(move || announcer.announce());
        let index_dir = (!config.search.index_dir.is_empty()).then(|| std::path::PathBuf::from(&config.search.index_dir));
        let engine = Arc::new(Engine::new(config.search.weights(), index_dir.as_deref())?);
        let mailer = Mailer::from_config(&config.mail).context("mail transport")?;
        let rules = Arc::new(if config.listing.rules_dir.is_empty() {
            Rules::builtin()
        } else {
            Rules::load(std::path::Path::new(&config.listing.rules_dir)).map_err(|e| anyhow::anyhow!("listing.rules_dir: {e}"))?
        });
        let clock = db.clock();
        let tokens = TokenCache::with_peers(redis.clone().map(|c| (c, revocations_channel(&config))));
        let services = Services { config: Arc::new(config), db, redis, limiter, engine, bus, mailer, rules, clock, tokens, stats_cache: Default::default() };
        Ok(AppState { services, metrics: Metrics::new() })
    }

    /// Starts the background work: the search engine and its followers, the mail outbox worker,
    /// the match-alert jobs and the engagement timers (forgotten check-outs, no-shows, overdue pay).
    pub async fn start_background(&self) -> anyhow::Result<()> {
        self.start_search().await?;
        if let Some(url) = self.config.redis_url() {
            tokio::spawn(self.tokens.clone().listen(url.to_string(), revocations_channel(&self.config)));
        }
        let every = Duration::from_millis(self.config.mail.poll_interval_ms);
        let lease = Duration::from_secs(self.config.mail.lease_secs);
        jobs::spawn(jobs::send_mail::SendMail::new(self.db.clone(), self.mailer.clone(), self.config.mail.from.clone(), every, lease), self.clock.clone());
        if self.config.alerts.enabled {
            let every = Duration::from_secs(self.config.alerts.poll_interval_secs);
            let settings = jobs::match_alerts::Settings::from_config(&self.config);
            jobs::spawn(jobs::match_alerts::MatchAlerts { db: self.db.clone(), settings, every }, self.clock.clone());
        }
        jobs::spawn(jobs::engagement_timers::EngagementTimers { db: self.db.clone(), cfg: self.config.engagements.clone() }, self.clock.clone());
        jobs::spawn(jobs::purge_idempotency_keys::PurgeIdempotencyKeys { db: self.db.clone() }, self.clock.clone());
        let digests =
            jobs::station_digest::StationDigests { db: self.db.clone(), public_url: self.config.server.public_url.clone(), every: Duration::from_secs(600) };
        jobs::spawn(digests, self.clock.clone());
        let reminders =
            jobs::event_reminders::EventReminders { db: self.db.clone(), public_url: self.config.server.public_url.clone(), every: Duration::from_secs(600) };
        jobs::spawn(reminders, self.clock.clone());
        Ok(())
    }

    /// Loads the search engine from the database and starts keeping it in step: the change-log
    /// follower, the Redis wake-up listener (with Redis), and the expiry timer.
    async fn start_search(&self) -> anyhow::Result<()> {
        let (engine, db) = (self.engine.clone(), self.db.clone());
        let started = Instant::now();
        match tokio::task::spawn_blocking(move || search::sync::rebuild(&engine, &db, None)).await? {
            Ok(n) => {
                tracing::info!(shifts = n, availability = self.engine.availability_count(), ms = started.elapsed().as_millis() as u64, "search index built")
            }
            // A database that is down at start must not stop the service: the follower retries.
            Err(e) => tracing::warn!(error = %e, "search index not built yet; will catch up when the database answers"),
        }
        let poll = Duration::from_millis(self.config.search.poll_interval_ms);
        tokio::spawn(search::sync::follow(self.engine.clone(), self.db.clone(), self.bus.notify.clone(), poll));
        if let Some(url) = self.config.redis_url() {
            tokio::spawn(search::sync::listen_redis(url.to_string(), changes_channel(&self.config), self.bus.notify.clone()));
        }
        let every = Duration::from_secs(self.config.search.expiry_interval_secs);
        jobs::spawn(jobs::expire_shifts::ExpireShifts { db: self.db.clone(), every }, self.clock.clone());
        Ok(())
    }
}

fn revocations_channel(config: &Config) -> String {
    format!("{}token-revocations", config.redis.key_prefix)
}

fn changes_channel(config: &Config) -> String {
    format!("{}search-changes", config.redis.key_prefix)
}

/// Hides a password inside a URL before it reaches a log or an error message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub struct Application {
    port: u16,
    server: Server,
    /// The `/metrics` listener of `server.metrics_bind`, with its port.
    metrics: Option<(u16, Server)>,
    clock: crate::clock::Clock,
}

impl Application {
    /// Binds the configured address (port 0 picks a free one, as tests do) and builds the server.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let state = AppState::build(config).await?;
        state.start_background().await?;
        Application::from_state(state)
    }

    /// Serves an already connected state (e.g. after `serve --demo` loaded the demo market).
    pub fn from_state(state: AppState) -> anyhow::Result<Application> {
        let bind = state.config.server.bind.clone();
        let clock = state.clock.clone();
        let listener = TcpListener::bind(&bind).with_context(|| format!("cannot bind {bind}"))?;
        let port = listener.local_addr()?.port();
        let metrics_bind = state.config.server.metrics_bind.clone();
        let state = web::Data::new(state);
        let metrics = if metrics_bind.is_empty() {
            None
        } else {
            let listener = TcpListener::bind(&metrics_bind).with_context(|| format!("cannot bind server.metrics_bind {metrics_bind}"))?;
            let port = listener.local_addr()?.port();
            Some((port, run_metrics(listener, state.clone())?))
        };
        let server = run(listener, state)?;
        Ok(Application { port, server, metrics, clock })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate `/metrics` listener, when `server.metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(p, _)| *p)
    }

    /// The clock this application's engagement rules read.
    pub fn clock(&self) -> crate::clock::Clock {
        self.clock.clone()
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some((_, metrics)) => futures_util::try_join!(self.server, metrics).map(|_| ()),
            None => self.server.await,
        }
    }
}

pub fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let cfg = state.config.clone();
    let limit = cfg.server.body_limit_bytes;
    let server = routes::listen::serve(listener, cfg.server.workers, cfg.server.shutdown_timeout_secs, move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(limit))
            .app_data(routes::extract::query_config())
            .app_data(routes::extract::path_config())
            .wrap(routes::idempotency::Idempotency)
            .wrap_fn(crate::web::page_errors)
            .wrap(routes::guard::cors(&state.config.server))
            .wrap_fn(routes::guard::guard)
            .wrap_fn(language_and_metrics)
            .wrap_fn(crate::telemetry::request_log)
            // Outermost: pages, assets and JSON go compressed (gzip or brotli, as the client
            // accepts) to phones on slow mobile data.
            .wrap(actix_web::middleware::Compress::default())
            .configure(routes::configure)
            .configure(crate::web::configure)
            .default_service(web::to(routes::not_found))
    })?;
    Ok(server)
}

/// The separate listener of `server.metrics_bind`: `/metrics` only, behind the same edge checks.
pub fn run_metrics(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let timeout = state.config.server.shutdown_timeout_secs;
    let server = routes::listen::serve(listener, 1, timeout, move || {
        App::new()
            .app_data(state.clone())
            .app_data(routes::guard::MetricsListener)
            .wrap_fn(routes::guard::guard)
            .wrap_fn(language_and_metrics)
            .wrap_fn(crate::telemetry::request_log)
            .route("/metrics", web::get().to(routes::ops::metrics))
            .default_service(web::to(routes::not_found))
    })?;
    Ok(server)
}

/// Renders errors in the client's language and records request metrics by route pattern.
fn language_and_metrics<S, B>(req: ServiceRequest, srv: &S) -> impl std::future::Future<Output = Result<ServiceResponse, actix_web::Error>> + use<S, B>
where
    S: actix_web::dev::Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let lang = Lang::from_accept_language(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    srv.call(req).map(move |res| {
        let res = res?.map_into_boxed_body();
        let err = res.response().extensions().get::<ApiError>().cloned();
        let res = match err {
            Some(err) if lang == Lang::En => {
                let (req, _) = res.into_parts();
                ServiceResponse::new(req, err.to_response(Lang::En))
            }
            _ => res,
        };
        if let Some(state) = state {
            let route = res.request().match_pattern();
            state.metrics.observe(route.as_deref(), res.request().method().as_str(), res.status().as_u16(), started.elapsed().as_secs_f64());
        }
        Ok(res)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords_only() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
