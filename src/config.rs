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
#[serde(deny_unknown_fields)]
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
    pub open_data: OpenDataConfig,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
    pub workers: usize,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
    /// Origin used for links in mail, e.g. `https://lingong.example.org`.
    pub public_url: String,
    /// Origins (`https://host[:port]`) whose browsers may call the API: CORS answers these, and a
    /// request carrying any other `Origin` is refused. A request without `Origin` is allowed.
    pub allowed_origins: Vec<String>,
    /// Proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<String>,
    /// A separate `IP:PORT` serving `/metrics` only (then the main address has no `/metrics`); empty: the main address.
    pub metrics_bind: String,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    pub url: String,
    pub key_prefix: String,
    /// Deadline of each Redis call on a request path; past it the request goes on without Redis.
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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
    /// Every ranking weight with its key, for validation.
    pub fn weight_keys(&self) -> [(&'static str, f64); 8] {
        [
            ("weight_text", self.weight_text),
            ("weight_distance", self.weight_distance),
            ("weight_time", self.weight_time),
            ("weight_pay", self.weight_pay),
            ("weight_category", self.weight_category),
            ("weight_freshness", self.weight_freshness),
            ("priority_group_boost", self.priority_group_boost),
            ("weight_reliability", self.weight_reliability),
        ]
    }

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
#[serde(deny_unknown_fields)]
pub struct ListingConfig {
    /// A folder with `listing_rules.toml` and `wage_floors.toml` replacing the built-in ones.
    pub rules_dir: String,
    /// Where places may be: adcode prefixes (default: mainland China's 31 provinces).
    #[serde(default)]
    pub service_area: crate::domain::geo::ServiceArea,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationConfig {
    pub report_hide_threshold: i64,
    pub report_requests: u32,
    pub report_window_secs: u64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub token_ttl_hours: i64,
    pub pii_hash_key: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub enabled: bool,
    pub auth_requests: u32,
    pub auth_window_secs: u64,
    pub shift_creates: u32,
    pub shift_create_window_secs: u64,
    /// Invitations one employer account may send per window.
    pub invitations: u32,
    pub invitation_window_secs: u64,
    /// Sign-in attempts on one account (any address) per window before it is backed off.
    pub login_account_attempts: u32,
    pub login_account_window_secs: u64,
    /// CSV imports one staff account may run per window (each may hold many rows).
    pub imports: u32,
    pub import_window_secs: u64,
}

/// Open data and interchange: the sitemap of published shifts, CSV export and import.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDataConfig {
    /// URLs per sitemap file (the sitemap protocol allows at most 50 000).
    pub sitemap_page_size: usize,
    /// Largest CSV file `POST /api/v1/shifts/import` takes, in bytes.
    pub import_max_bytes: usize,
    /// Most data rows one import may hold.
    pub import_max_rows: usize,
    /// Most rows one CSV export writes.
    pub export_max_rows: usize,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    File,
    Smtp,
    Memory,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
        Self::load_with_env(overrides, "LINGONG_")
    }

    /// Only variables named `<prefix><SECTION>__<KEY>` are configuration; others with the prefix
    /// (`LINGONG_TEST_DATABASE_URL`, an orchestrator's `LINGONG_PORT`) are left alone. A
    /// configuration variable naming no key is an error, as an unknown key in a file is.
    fn load_with_env(overrides: &Overrides, prefix: &str) -> Result<Config, ConfigError> {
        check_env_names(prefix, std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()))?;
        let env = Env::prefixed(prefix).filter(|k| k.as_str().contains("__")).split("__");
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
        for (key, w) in self.search.weight_keys() {
            if !w.is_finite() || w < 0.0 {
                return bad(&format!("search.{key}"), format!("{w} must be a number of at least 0 (a negative weight would reward a worse match)"));
            }
        }
        for o in &self.server.allowed_origins {
            if !is_origin(o) {
                return bad(
                    "server.allowed_origins",
                    format!("{o:?} is not an origin like https://lingong.example.org (scheme, host, optional port, no path)"),
                );
            }
        }
        for p in &self.server.trusted_proxies {
            if crate::routes::guard::IpNet::parse(p).is_none() {
                return bad("server.trusted_proxies", format!("{p:?} is not an IP address or CIDR range like 10.0.0.0/8"));
            }
        }
        if !self.server.metrics_bind.is_empty() && self.server.metrics_bind.parse::<SocketAddr>().is_err() {
            return bad("server.metrics_bind", format!("{:?} is not an address like 127.0.0.1:9090", self.server.metrics_bind));
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
        let od = &self.open_data;
        if !(1..=50_000).contains(&od.sitemap_page_size) {
            return bad("open_data.sitemap_page_size", "must be 1 to 50000 (the sitemap protocol's limit)".into());
        }
        if od.import_max_bytes < 1024 || od.import_max_rows == 0 || od.export_max_rows == 0 {
            return bad("open_data", "import_max_bytes must be at least 1024, import_max_rows and export_max_rows at least 1".into());
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
            || rl.login_account_attempts == 0
            || rl.login_account_window_secs == 0
            || rl.imports == 0
            || rl.import_window_secs == 0
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

/// `scheme://host[:port]` with nothing after it.
fn is_origin(o: &str) -> bool {
    let Some((scheme, rest)) = o.split_once("://") else { return false };
    (scheme == "http" || scheme == "https") && !rest.is_empty() && !rest.contains(['/', '?', '#', '@', ' '])
}

/// Every `section.key` the configuration has, from the built-in defaults.
pub fn known_keys() -> Vec<String> {
    let value = serde_json::to_value(Config::defaults()).expect("config serializes");
    let mut keys = Vec::new();
    for (section, v) in value.as_object().expect("config is a table") {
        for key in v.as_object().expect("each section is a table").keys() {
            keys.push(format!("{section}.{key}"));
        }
    }
    keys
}

/// Refuses a `<prefix>SECTION__KEY` variable that names no key (a misspelt one would otherwise be
/// ignored silently and the service would start with the default).
fn check_env_names(prefix: &str, names: impl Iterator<Item = String>) -> Result<(), ConfigError> {
    let known = known_keys();
    for name in names {
        let Some(rest) = name.strip_prefix(prefix) else { continue };
        if !rest.contains("__") {
            continue;
        }
        let key = rest.to_ascii_lowercase().replacen("__", ".", 1);
        if !known.contains(&key) {
            return Err(ConfigError(format!("unknown environment variable `{name}`: there is no key `{key}`")));
        }
    }
    Ok(())
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
        let c = Config::load_with_env(&o, "LGCFGT1_").unwrap();
        assert_eq!(c.database.pool_size, 3);
        assert_eq!(c.server.bind, "127.0.0.1:7");
    }

    #[test]
    fn bad_values_name_their_key() {
        let o = env_with(&[("LGCFGT2_DATABASE__POOL_SIZE", "many")]);
        let e = Config::load_with_env(&o, "LGCFGT2_").unwrap_err();
        assert!(e.to_string().to_lowercase().contains("database.pool_size"), "{e}");

        let o = env_with(&[("LGCFGT3_DATABASE__URL", "mysql://x")]);
        let e = Config::load_with_env(&o, "LGCFGT3_").unwrap_err();
        assert!(e.to_string().contains("database.url"), "{e}");

        let o = Overrides { bind: Some("nowhere".into()), ..Default::default() };
        let e = Config::load_with_env(&o, "LGCFGT4_").unwrap_err();
        assert!(e.to_string().contains("server.bind"), "{e}");
    }

    /// Misspellings of a key: one letter dropped, doubled, swapped with the next, or replaced.
    fn misspellings(key: &str) -> Vec<String> {
        let c: Vec<char> = key.chars().collect();
        let mut out = Vec::new();
        for i in 0..c.len() {
            let mut v = c.clone();
            v.remove(i);
            out.push(v.iter().collect::<String>());
            let mut v = c.clone();
            v.insert(i, c[i]);
            out.push(v.iter().collect());
            if i + 1 < c.len() {
                let mut v = c.clone();
                v.swap(i, i + 1);
                out.push(v.iter().collect());
            }
            let mut v = c.clone();
            v[i] = if c[i] == 'x' { 'y' } else { 'x' };
            out.push(v.iter().collect());
        }
        let known = known_keys();
        out.retain(|m| !m.is_empty() && !m.contains('.') && !m.contains("__") && !m.starts_with('_') && !m.ends_with('_'));
        out.retain(|m| !known.iter().any(|k| k.ends_with(&format!(".{m}")) || k.starts_with(&format!("{m}."))));
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn misspelt_keys_in_a_file_are_errors_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut checked = 0;
        for full in known_keys() {
            let (section, key) = full.split_once('.').unwrap();
            for bad in misspellings(key) {
                let path = dir.path().join("c.toml");
                std::fs::write(&path, format!("[{section}]\n{bad} = 1\n")).unwrap();
                let o = Overrides { config_file: Some(path), ..Default::default() };
                let e = Config::load_with_env(&o, "LGCFGT5_").unwrap_err().to_string();
                assert!(e.contains(&bad) && e.contains("unknown"), "[{section}] {bad}: {e}");
                checked += 1;
            }
            for bad in misspellings(section) {
                let path = dir.path().join("c.toml");
                std::fs::write(&path, format!("[{bad}]\n{key} = 1\n")).unwrap();
                let o = Overrides { config_file: Some(path), ..Default::default() };
                let e = Config::load_with_env(&o, "LGCFGT5_").unwrap_err().to_string();
                assert!(e.contains(&bad), "[{bad}] {key}: {e}");
            }
        }
        assert!(checked > 500, "{checked}");
    }

    #[test]
    fn misspelt_environment_variables_are_errors_naming_them() {
        let mut checked = 0;
        for full in known_keys() {
            let (section, key) = full.split_once('.').unwrap();
            let good = format!("LINGONG_{}__{}", section.to_uppercase(), key.to_uppercase());
            check_env_names("LINGONG_", std::iter::once(good)).unwrap();
            for bad in misspellings(key).into_iter().map(|m| (section.to_string(), m)).chain(misspellings(section).into_iter().map(|m| (m, key.to_string()))) {
                let name = format!("LINGONG_{}__{}", bad.0.to_uppercase(), bad.1.to_uppercase());
                let e = check_env_names("LINGONG_", std::iter::once(name.clone())).unwrap_err().to_string();
                assert!(e.contains(&name), "{e}");
                checked += 1;
            }
        }
        assert!(checked > 500, "{checked}");
        // Not configuration: no `__` after the prefix, or another prefix.
        for name in ["LINGONG_TEST_DATABASE_URL", "LINGONG_TEST_REDIS_URL", "LINGONG_PORT", "LINGONG_", "OTHER_SERVR__BIND"] {
            check_env_names("LINGONG_", std::iter::once(name.to_string())).unwrap();
        }
        // And through the real loader: a misspelt variable stops the start, an unrelated one does not.
        let o = env_with(&[("LGCFGT6_SERVR__BIND", "127.0.0.1:1"), ("LGCFGT6_PORT", "8080")]);
        let e = Config::load_with_env(&o, "LGCFGT6_").unwrap_err().to_string();
        assert!(e.contains("LGCFGT6_SERVR__BIND"), "{e}");
        let o = env_with(&[("LGCFGT7_PORT", "8080"), ("LGCFGT7_TEST_DATABASE_URL", "x")]);
        Config::load_with_env(&o, "LGCFGT7_").unwrap();
    }

    #[test]
    fn negative_or_non_finite_weights_are_refused() {
        for (key, _) in Config::defaults().search.weight_keys() {
            for v in ["-1.0", "-0.001", "nan", "inf"] {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("c.toml");
                std::fs::write(&path, format!("[search]\n{key} = {v}\n")).unwrap();
                let o = Overrides { config_file: Some(path), ..Default::default() };
                let e = Config::load_with_env(&o, "LGCFGT8_").unwrap_err().to_string();
                assert!(e.contains(&format!("search.{key}")), "{key} = {v}: {e}");
            }
        }
    }
}
