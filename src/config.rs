//! Configuration: built-in defaults (`config/default.toml`, compiled in), then an optional file,
//! then `LINGONG_*` environment variables, then command-line flags. Later layers win.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::BackendUrl;

pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub search: SearchConfig,
    pub moderation: ModerationConfig,
    pub listing: ListingConfig,
    pub auth: AuthConfig,
    pub rate_limit: RateLimitConfig,
    pub mail: MailConfig,
    pub alerts: AlertsConfig,
    pub engagements: EngagementsConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ServerConfig {
    pub bind: String,
    pub workers: usize,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
    /// Origin used for links in mail, e.g. `https://lingong.example.org`.
    pub public_url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DatabaseConfig {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout_secs: u64,
    pub migrate_on_start: bool,
    /// How long `/readyz` waits for a connection.
    pub health_timeout_ms: u64,
    /// After a failed connect, requests fail at once for this long before one probe reconnects.
    pub breaker_cooldown_ms: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RedisConfig {
    pub url: String,
    pub key_prefix: String,
    /// Deadline of each Redis call on a request path; past it the request goes on without Redis.
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SearchConfig {
    pub poll_interval_ms: u64,
    pub expiry_interval_secs: u64,
    pub weight_text: f64,
    pub weight_distance: f64,
    pub weight_time: f64,
    pub weight_pay: f64,
    pub weight_category: f64,
    pub weight_freshness: f64,
    pub priority_group_boost: f64,
    pub weight_reliability: f64,
    /// Where the shift text index keeps its files (a fresh folder inside it per process, removed
    /// on exit); empty means the system's temporary directory.
    pub index_dir: String,
}

impl SearchConfig {
    pub fn weights(&self) -> crate::search::score::Weights {
        crate::search::score::Weights {
            text: self.weight_text,
            distance: self.weight_distance,
            time: self.weight_time,
            pay: self.weight_pay,
            category: self.weight_category,
            freshness: self.weight_freshness,
            priority_group_boost: self.priority_group_boost,
            reliability: self.weight_reliability,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ListingConfig {
    /// A folder with `listing_rules.toml` and `wage_floors.toml` replacing the built-in ones.
    pub rules_dir: String,
    /// Where places may be: adcode prefixes (default: mainland China's 31 provinces).
    #[serde(default)]
    pub service_area: crate::domain::geo::ServiceArea,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ModerationConfig {
    pub report_hide_threshold: i64,
    pub report_requests: u32,
    pub report_window_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuthConfig {
    pub token_ttl_hours: i64,
    pub pii_hash_key: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RateLimitConfig {
    pub enabled: bool,
    pub auth_requests: u32,
    pub auth_window_secs: u64,
    pub shift_creates: u32,
    pub shift_create_window_secs: u64,
    /// Invitations one employer account may send per window.
    pub invitations: u32,
    pub invitation_window_secs: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    File,
    Smtp,
    Memory,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MailConfig {
    pub transport: MailTransportKind,
    pub dir: PathBuf,
    pub from: String,
    pub smtp_url: String,
    pub poll_interval_ms: u64,
    pub smtp_timeout_secs: u64,
    pub lease_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AlertsConfig {
    pub enabled: bool,
    pub poll_interval_secs: u64,
    pub lookback_secs: u64,
    pub digest_hour: u32,
    pub max_per_digest: i64,
    pub max_per_worker: i64,
}

/// Timers and thresholds of the engagement workflow (applications to payment).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EngagementsConfig {
    pub checkout_grace_minutes: i64,
    pub no_show_minutes: i64,
    pub late_cancel_hours: i64,
    pub far_check_in_km: f64,
    pub late_check_in_minutes: i64,
    pub early_check_in_minutes: i64,
    pub rating_edit_hours: i64,
    pub overdue_grace_hours: i64,
    pub timer_interval_secs: u64,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

/// Values given on the command line; `None` leaves the lower layers alone.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub bind: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads the layered configuration and checks every value, naming the key of the first bad one.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        Self::load_with_env(overrides, Env::prefixed("LINGONG_").split("__"))
    }

    fn load_with_env(overrides: &Overrides, env: Env) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = &overrides.config_file {
            if !path.is_file() {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            fig = fig.merge(Toml::file(path));
        }
        fig = fig.merge(env);
        if let Some(url) = &overrides.database_url {
            fig = fig.merge(Serialized::default("database.url", url));
        }
        if let Some(url) = &overrides.redis_url {
            fig = fig.merge(Serialized::default("redis.url", url));
        }
        if let Some(bind) = &overrides.bind {
            fig = fig.merge(Serialized::default("server.bind", bind));
        }
        let config: Config = fig.extract().map_err(|e| {
            // figment names the key ("for key `database.pool_size`"); keep its wording.
            ConfigError(e.to_string())
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Builds a configuration from the defaults alone plus explicit overrides (used by tests).
    pub fn defaults() -> Config {
        Figment::from(Toml::string(DEFAULT_TOML)).extract().expect("built-in defaults are valid")
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| Err(ConfigError(format!("invalid value for key `{key}`: {why}")));
        if self.server.bind.parse::<SocketAddr>().is_err() {
            return bad("server.bind", format!("{:?} is not an address like 127.0.0.1:8080", self.server.bind));
        }
        if self.server.body_limit_bytes < 1024 {
            return bad("server.body_limit_bytes", "must be at least 1024".into());
        }
        if let Err(e) = BackendUrl::parse(&self.database.url) {
            return bad("database.url", e.to_string());
        }
        if self.database.pool_size == 0 {
            return bad("database.pool_size", "must be at least 1".into());
        }
        if self.database.health_timeout_ms == 0 || self.database.breaker_cooldown_ms == 0 || self.redis.timeout_ms == 0 {
            return bad("database", "health_timeout_ms, breaker_cooldown_ms and redis.timeout_ms must be at least 1".into());
        }
        if self.database.connect_timeout_secs == 0 {
            return bad("database.connect_timeout_secs", "must be at least 1".into());
        }
        if !self.redis.url.is_empty() && !self.redis.url.starts_with("redis://") && !self.redis.url.starts_with("rediss://") {
            return bad("redis.url", format!("{:?} must start with redis:// or rediss://, or be empty", self.redis.url));
        }
        if self.search.poll_interval_ms == 0 || self.search.expiry_interval_secs == 0 {
            return bad("search", "poll_interval_ms and expiry_interval_secs must be at least 1".into());
        }
        if !self.listing.rules_dir.is_empty()
            && let Err(e) = crate::listing::Rules::load(Path::new(&self.listing.rules_dir))
        {
            return bad("listing.rules_dir", e);
        }
        if self.moderation.report_hide_threshold < 1 || self.moderation.report_requests == 0 || self.moderation.report_window_secs == 0 {
            return bad("moderation", "report_hide_threshold, report_requests and report_window_secs must be at least 1".into());
        }
        if self.auth.token_ttl_hours <= 0 {
            return bad("auth.token_ttl_hours", "must be positive".into());
        }
        if self.auth.pii_hash_key.len() < 8 {
            return bad("auth.pii_hash_key", "must be at least 8 characters".into());
        }
        if let Err(e) = self.listing.service_area.check() {
            return bad("listing.service_area", e);
        }
        let rl = &self.rate_limit;
        if rl.auth_requests == 0
            || rl.auth_window_secs == 0
            || rl.shift_creates == 0
            || rl.shift_create_window_secs == 0
            || rl.invitations == 0
            || rl.invitation_window_secs == 0
        {
            return bad("rate_limit", "budgets and windows must be at least 1".into());
        }
        if self.mail.transport == MailTransportKind::Smtp && self.mail.smtp_url.is_empty() {
            return bad("mail.smtp_url", "required when mail.transport = \"smtp\"".into());
        }
        if self.mail.lease_secs <= self.mail.smtp_timeout_secs {
            return bad("mail.lease_secs", "must be longer than mail.smtp_timeout_secs, or a slow send could be claimed and sent twice".into());
        }
        if !(self.server.public_url.starts_with("http://") || self.server.public_url.starts_with("https://")) || self.server.public_url.ends_with('/') {
            return bad("server.public_url", format!("{:?} must be an http(s):// origin without a trailing slash", self.server.public_url));
        }
        let a = &self.alerts;
        if a.poll_interval_secs == 0 || a.max_per_digest < 1 || a.max_per_worker < 1 {
            return bad("alerts", "poll_interval_secs, max_per_digest and max_per_worker must be at least 1".into());
        }
        if a.digest_hour > 23 {
            return bad("alerts.digest_hour", "must be a local hour from 0 to 23".into());
        }
        let e = &self.engagements;
        if e.checkout_grace_minutes < 0
            || e.no_show_minutes < 0
            || e.late_cancel_hours < 0
            || e.late_check_in_minutes < 0
            || e.early_check_in_minutes < 0
            || e.overdue_grace_hours < 0
        {
            return bad("engagements", "minutes and hours must not be negative".into());
        }
        if e.far_check_in_km.is_nan() || e.far_check_in_km <= 0.0 {
            return bad("engagements.far_check_in_km", "must be positive".into());
        }
        if e.rating_edit_hours < 0 || e.timer_interval_secs == 0 {
            return bad("engagements", "rating_edit_hours must not be negative and timer_interval_secs must be at least 1".into());
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return bad("log.level", format!("{:?} is not a tracing filter", self.log.level));
        }
        Ok(())
    }

    pub fn redis_url(&self) -> Option<&str> {
        (!self.redis.url.is_empty()).then_some(self.redis.url.as_str())
    }

    pub fn mail_dir(&self) -> &Path {
        &self.mail.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(vars: &[(&str, &str)]) -> Overrides {
        for (k, v) in vars {
            // SAFETY: tests in this module run single-threaded over distinct variable names.
            unsafe { std::env::set_var(k, v) };
        }
        Overrides::default()
    }

    #[test]
    fn defaults_are_valid_and_embedded() {
        let c = Config::defaults();
        c.validate().unwrap();
        assert_eq!(c.server.bind, "127.0.0.1:8080");
        assert!(c.database.url.starts_with("sqlite://"));
        assert!(c.redis_url().is_none());
        assert_eq!(c.mail.transport, MailTransportKind::File);
    }

    #[test]
    fn flags_beat_env_and_env_beats_defaults() {
        let o = env_with(&[("LGCFGT1_DATABASE__POOL_SIZE", "3"), ("LGCFGT1_SERVER__BIND", "127.0.0.1:9")]);
        let o = Overrides { bind: Some("127.0.0.1:7".into()), ..o };
        let c = Config::load_with_env(&o, Env::prefixed("LGCFGT1_").split("__")).unwrap();
        assert_eq!(c.database.pool_size, 3);
        assert_eq!(c.server.bind, "127.0.0.1:7");
    }

    #[test]
    fn bad_values_name_their_key() {
        let o = env_with(&[("LGCFGT2_DATABASE__POOL_SIZE", "many")]);
        let e = Config::load_with_env(&o, Env::prefixed("LGCFGT2_").split("__")).unwrap_err();
        assert!(e.to_string().to_lowercase().contains("database.pool_size"), "{e}");

        let o = env_with(&[("LGCFGT3_DATABASE__URL", "mysql://x")]);
        let e = Config::load_with_env(&o, Env::prefixed("LGCFGT3_").split("__")).unwrap_err();
        assert!(e.to_string().contains("database.url"), "{e}");

        let o = Overrides { bind: Some("nowhere".into()), ..Default::default() };
        let e = Config::load_with_env(&o, Env::prefixed("LGCFGT4_").split("__")).unwrap_err();
        assert!(e.to_string().contains("server.bind"), "{e}");
    }
}
