//! Settings, from (highest first) command-line flags, environment variables, an optional
//! TOML file, and defaults. Every setting is listed in the README's table.

use anyhow::Context;
use clap::Args;
use parley_engine::workflows::actions::AllowHosts;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Settings a flag or `PARLEY_*` variable can give. All optional: unset ones come from the
/// file, then from defaults.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, global = true, env = "PARLEY_BIND")]
    pub bind: Option<String>,
    /// Directory for the SQLite database, uploads and keys.
    #[arg(long, global = true, env = "PARLEY_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://...` or `postgres://...`; defaults to SQLite in the data directory.
    #[arg(long, global = true, env = "PARLEY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Database connections: PostgreSQL's pool (default 10), or SQLite's reading connections
    /// (default one per core, at least 2).
    #[arg(long, global = true, env = "PARLEY_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// The URL visitors and the team reach Parley at (embed snippets, secure cookies).
    #[arg(long, global = true, env = "PARLEY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Owner account created on first start.
    #[arg(long, global = true, env = "PARLEY_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// Owner password on first start; generated and printed once when unset.
    #[arg(
        long,
        global = true,
        env = "PARLEY_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
    /// `pretty` or `json`.
    #[arg(long, global = true, env = "PARLEY_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. `info` or `parley=debug,info`.
    #[arg(long, global = true, env = "PARLEY_LOG")]
    pub log_level: Option<String>,
    /// Jobs run at once by this node's worker pool (0 disables the workers).
    #[arg(long, global = true, env = "PARLEY_WORKERS")]
    pub workers: Option<usize>,
    /// Largest accepted request body, in bytes.
    #[arg(long, global = true, env = "PARLEY_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Dashboard session lifetime since last use, in hours.
    #[arg(long, global = true, env = "PARLEY_SESSION_TTL_HOURS")]
    pub session_ttl_hours: Option<u64>,
    /// Key that signs visitor session tokens (any long random string; set the same on every
    /// node). Unset: a key file in the data directory, created on first start.
    #[arg(long, global = true, env = "PARLEY_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Trust `X-Forwarded-For` from a reverse proxy for client addresses.
    #[arg(long, global = true, env = "PARLEY_TRUST_PROXY")]
    pub trust_proxy: Option<bool>,
    /// With `trust_proxy`: how many proxies in front of Parley append to `X-Forwarded-For`
    /// (default 1). The client is the entry that many places from the right.
    #[arg(long, global = true, env = "PARLEY_PROXY_HOPS")]
    pub proxy_hops: Option<u32>,
    /// Hosts (`host[:port]`, comma-separated) workflow webhooks and model base URLs may
    /// reach even though they resolve to private, loopback or link-local addresses.
    #[arg(long, global = true, env = "PARLEY_WEBHOOK_ALLOW_HOSTS")]
    pub webhook_allow_hosts: Option<String>,
    /// Widget writes (conversations started, messages, images) one address may make to one
    /// bot per minute; 0 turns the limit off (a load test from one address). Default 60.
    #[arg(long, global = true, env = "PARLEY_WIDGET_RATE_PER_MINUTE")]
    pub widget_rate_per_minute: Option<u32>,
    /// Connections open at once on this node; past it new ones get 503 (default 4096).
    #[arg(long, global = true, env = "PARLEY_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// Connections open at once from one client address (default 256).
    #[arg(long, global = true, env = "PARLEY_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: Option<u32>,
    /// Seconds a connection may take to send a request's headers, or stay idle between requests (default 15).
    #[arg(long, global = true, env = "PARLEY_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Live event streams (SSE) open at once on this node (default 2048).
    #[arg(long, global = true, env = "PARLEY_MAX_STREAMS")]
    pub max_streams: Option<u32>,
    /// Visitors' live streams open at once for one bot (default 512).
    #[arg(long, global = true, env = "PARLEY_MAX_STREAMS_PER_BOT")]
    pub max_streams_per_bot: Option<u32>,
    /// Live streams one visitor may hold open (default 8).
    #[arg(long, global = true, env = "PARLEY_MAX_STREAMS_PER_VISITOR")]
    pub max_streams_per_visitor: Option<u32>,
    /// Megabytes of images one visitor may upload in 24 hours (default 50).
    #[arg(long, global = true, env = "PARLEY_UPLOAD_MB_PER_VISITOR_DAY")]
    pub upload_mb_per_visitor_day: Option<u64>,
    /// Megabytes of images one bot's visitors may upload in 24 hours (default 2048).
    #[arg(long, global = true, env = "PARLEY_UPLOAD_MB_PER_BOT_DAY")]
    pub upload_mb_per_bot_day: Option<u64>,
    /// Uploads are refused while the data directory's disk has less free space (default 512).
    #[arg(long, global = true, env = "PARLEY_MIN_FREE_DISK_MB")]
    pub min_free_disk_mb: Option<u64>,
    /// Slack OAuth app's client id (the app's Basic Information page).
    #[arg(long, global = true, env = "PARLEY_SLACK_CLIENT_ID")]
    pub slack_client_id: Option<String>,
    /// Slack OAuth app's client secret.
    #[arg(
        long,
        global = true,
        env = "PARLEY_SLACK_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub slack_client_secret: Option<String>,
    /// HubSpot app's client id.
    #[arg(long, global = true, env = "PARLEY_HUBSPOT_CLIENT_ID")]
    pub hubspot_client_id: Option<String>,
    /// HubSpot app's client secret.
    #[arg(
        long,
        global = true,
        env = "PARLEY_HUBSPOT_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub hubspot_client_secret: Option<String>,
    /// Google OAuth client id (a "Web application" client).
    #[arg(long, global = true, env = "PARLEY_GOOGLE_CLIENT_ID")]
    pub google_client_id: Option<String>,
    /// Google OAuth client secret.
    #[arg(
        long,
        global = true,
        env = "PARLEY_GOOGLE_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub google_client_secret: Option<String>,
    /// Where Slack is (default https://slack.com): a vendor-contract server for tests and demos.
    #[arg(long, global = true, env = "PARLEY_SLACK_BASE_URL")]
    pub slack_base_url: Option<String>,
    /// Where HubSpot's API and authorize page are (default api.hubapi.com and app.hubspot.com).
    #[arg(long, global = true, env = "PARLEY_HUBSPOT_BASE_URL")]
    pub hubspot_base_url: Option<String>,
    /// Where Google's OAuth, user info and Sheets APIs are (default their googleapis.com hosts).
    #[arg(long, global = true, env = "PARLEY_GOOGLE_BASE_URL")]
    pub google_base_url: Option<String>,
    /// Send PKCE to HubSpot's authorize page too (undocumented there; off by default).
    #[arg(long, global = true, env = "PARLEY_HUBSPOT_PKCE")]
    pub hubspot_pkce: Option<bool>,
    /// Google Sheets requests a minute for the whole install (Google's per-project quota,
    /// default 300); each connected Google account also gets at most a fifth of it, up to 60.
    #[arg(long, global = true, env = "PARLEY_SHEETS_REQUESTS_PER_MINUTE")]
    pub sheets_requests_per_minute: Option<u32>,
    /// SMTP server for invitations, password resets and alerts:
    /// `smtp://user:pass@host:587` (STARTTLS), `smtps://…:465` (TLS), `smtp://host:25?tls=none`
    /// (plain, a local relay). Unset: invitation links are shown to copy instead.
    #[arg(long, global = true, env = "PARLEY_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of Parley's emails, `Name <address>` or `address` (default `parley@<SMTP host>`).
    #[arg(long, global = true, env = "PARLEY_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// Whether owners may create further workspaces from the dashboard (default false).
    #[arg(long, global = true, env = "PARLEY_ALLOW_WORKSPACE_CREATION")]
    pub allow_workspace_creation: Option<bool>,
    /// Seconds between alert evaluations (default 30; one node evaluates each tick).
    #[arg(long, global = true, env = "PARLEY_ALERT_INTERVAL_SECS")]
    pub alert_interval_secs: Option<u64>,
    /// Seconds between this node's heartbeats and model-call statistics flushes (default 15).
    #[arg(long, global = true, env = "PARLEY_HEARTBEAT_SECS")]
    pub heartbeat_secs: Option<u64>,
}

impl Settings {
    /// Fills every unset field from `other`.
    fn or(self, other: Settings) -> Settings {
        Settings {
            bind: self.bind.or(other.bind),
            data_dir: self.data_dir.or(other.data_dir),
            database_url: self.database_url.or(other.database_url),
            db_max_connections: self.db_max_connections.or(other.db_max_connections),
            public_url: self.public_url.or(other.public_url),
            admin_email: self.admin_email.or(other.admin_email),
            admin_password: self.admin_password.or(other.admin_password),
            log_format: self.log_format.or(other.log_format),
            log_level: self.log_level.or(other.log_level),
            workers: self.workers.or(other.workers),
            max_body_bytes: self.max_body_bytes.or(other.max_body_bytes),
            session_ttl_hours: self.session_ttl_hours.or(other.session_ttl_hours),
            trust_proxy: self.trust_proxy.or(other.trust_proxy),
            proxy_hops: self.proxy_hops.or(other.proxy_hops),
            secret_key: self.secret_key.or(other.secret_key),
            webhook_allow_hosts: self.webhook_allow_hosts.or(other.webhook_allow_hosts),
            widget_rate_per_minute: self.widget_rate_per_minute.or(other.widget_rate_per_minute),
            max_connections: self.max_connections.or(other.max_connections),
            max_connections_per_address: self
                .max_connections_per_address
                .or(other.max_connections_per_address),
            header_timeout_secs: self.header_timeout_secs.or(other.header_timeout_secs),
            max_streams: self.max_streams.or(other.max_streams),
            max_streams_per_bot: self.max_streams_per_bot.or(other.max_streams_per_bot),
            max_streams_per_visitor: self
                .max_streams_per_visitor
                .or(other.max_streams_per_visitor),
            upload_mb_per_visitor_day: self
                .upload_mb_per_visitor_day
                .or(other.upload_mb_per_visitor_day),
            upload_mb_per_bot_day: self.upload_mb_per_bot_day.or(other.upload_mb_per_bot_day),
            min_free_disk_mb: self.min_free_disk_mb.or(other.min_free_disk_mb),
            slack_client_id: self.slack_client_id.or(other.slack_client_id),
            slack_client_secret: self.slack_client_secret.or(other.slack_client_secret),
            hubspot_client_id: self.hubspot_client_id.or(other.hubspot_client_id),
            hubspot_client_secret: self.hubspot_client_secret.or(other.hubspot_client_secret),
            google_client_id: self.google_client_id.or(other.google_client_id),
            google_client_secret: self.google_client_secret.or(other.google_client_secret),
            slack_base_url: self.slack_base_url.or(other.slack_base_url),
            hubspot_base_url: self.hubspot_base_url.or(other.hubspot_base_url),
            google_base_url: self.google_base_url.or(other.google_base_url),
            hubspot_pkce: self.hubspot_pkce.or(other.hubspot_pkce),
            sheets_requests_per_minute: self
                .sheets_requests_per_minute
                .or(other.sheets_requests_per_minute),
            smtp_url: self.smtp_url.or(other.smtp_url),
            smtp_from: self.smtp_from.or(other.smtp_from),
            allow_workspace_creation: self
                .allow_workspace_creation
                .or(other.allow_workspace_creation),
            alert_interval_secs: self.alert_interval_secs.or(other.alert_interval_secs),
            heartbeat_secs: self.heartbeat_secs.or(other.heartbeat_secs),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// When set, PostgreSQL's pool size and SQLite's reading connections alike (see
    /// `StoreConfig` for their defaults).
    pub db_max_connections: Option<u32>,
    pub public_url: String,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub workers: usize,
    pub max_body_bytes: usize,
    pub session_ttl: Duration,
    /// Proxies whose `X-Forwarded-For` entries are trusted: 0 unless `trust_proxy`.
    pub proxy_hops: usize,
    pub secret_key: Option<String>,
    pub webhook_allow_hosts: AllowHosts,
    /// Widget writes per address, bot and minute; 0: unlimited.
    pub widget_rate_per_minute: u32,
    pub connections: crate::listener::ConnectionLimits,
    /// Live streams: per visitor, per bot, per node.
    pub streams: (usize, usize, usize),
    /// Image bytes per visitor and per bot in 24 hours.
    pub upload_quota: (u64, u64),
    /// Free bytes below which uploads are refused (SQLite's data directory).
    pub min_free_disk: u64,
    /// Vendor hosts, the operator's OAuth apps, quotas.
    pub integrations: parley_engine::integrations::IntegrationSettings,
    /// Outgoing email (SMTP settings, or none).
    pub mail: parley_engine::mail::Mailer,
    /// Owners may create workspaces from the dashboard.
    pub allow_workspace_creation: bool,
    /// How often alerts are evaluated.
    pub alert_interval: Duration,
    /// How often this node beats and flushes its model-call counts.
    pub heartbeat: Duration,
}

/// The integrations' settings: an OAuth app per vendor whose id and secret are both set,
/// vendor base URLs (validated), quotas.
fn integration_settings(
    s: &Settings,
    public_url: &str,
) -> anyhow::Result<parley_engine::integrations::IntegrationSettings> {
    use parley_integrations::{Endpoints, Provider, oauth::OAuthApp};
    let mut apps = std::collections::HashMap::new();
    for (provider, id, secret) in [
        (Provider::Slack, &s.slack_client_id, &s.slack_client_secret),
        (
            Provider::Hubspot,
            &s.hubspot_client_id,
            &s.hubspot_client_secret,
        ),
        (
            Provider::Google,
            &s.google_client_id,
            &s.google_client_secret,
        ),
    ] {
        let name = provider.id().to_uppercase();
        match (
            id.as_deref().map(str::trim),
            secret.as_deref().map(str::trim),
        ) {
            (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
                apps.insert(
                    provider,
                    OAuthApp {
                        client_id: id.into(),
                        client_secret: secret.into(),
                    },
                );
            }
            (None, None) => {}
            _ => anyhow::bail!(
                "set both PARLEY_{name}_CLIENT_ID and PARLEY_{name}_CLIENT_SECRET, or neither"
            ),
        }
    }
    for (name, url) in [
        ("PARLEY_SLACK_BASE_URL", &s.slack_base_url),
        ("PARLEY_HUBSPOT_BASE_URL", &s.hubspot_base_url),
        ("PARLEY_GOOGLE_BASE_URL", &s.google_base_url),
    ] {
        if let Some(u) = url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            anyhow::bail!("{name} must start with http:// or https://");
        }
    }
    let project = s.sheets_requests_per_minute.unwrap_or(300).max(1);
    Ok(parley_engine::integrations::IntegrationSettings {
        endpoints: Endpoints::with_bases(
            s.slack_base_url.as_deref(),
            s.hubspot_base_url.as_deref(),
            s.google_base_url.as_deref(),
        ),
        apps,
        public_url: public_url.trim_end_matches('/').to_string(),
        hubspot_pkce: s.hubspot_pkce.unwrap_or(false),
        // Google's per-user quota is 60 a minute; a raised project quota raises it in step.
        sheets_quota: (
            project,
            if project > 300 {
                project / 5
            } else {
                project.min(60)
            },
        ),
    })
}

impl Config {
    /// Resolves flags and environment (`given`) over the TOML file at `file`, if any.
    pub fn resolve(given: Settings, file: Option<&Path>) -> anyhow::Result<Config> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<Settings>(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => Settings::default(),
        };
        let s = given.or(from_file);
        let vendor_settings = s.clone();
        let bind = s.bind.unwrap_or_else(|| "127.0.0.1:8080".into());
        let data_dir = s.data_dir.unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = s
            .database_url
            .unwrap_or_else(|| parley_store::sqlite_url(&data_dir.join("parley.db")));
        let log_format = match s.log_format.as_deref().unwrap_or("pretty") {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => anyhow::bail!("PARLEY_LOG_FORMAT must be `pretty` or `json`, not {other:?}"),
        };
        let public_url = s.public_url.unwrap_or_else(|| format!("http://{bind}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            anyhow::bail!("PARLEY_PUBLIC_URL must start with http:// or https://");
        }
        let proxy_hops = match (s.trust_proxy.unwrap_or(false), s.proxy_hops) {
            (false, _) => 0,
            (true, Some(0)) => anyhow::bail!("PARLEY_PROXY_HOPS must be at least 1"),
            (true, hops) => hops.unwrap_or(1) as usize,
        };
        let integrations = integration_settings(&vendor_settings, &public_url)?;
        let webhook_allow_hosts = AllowHosts::parse(s.webhook_allow_hosts.as_deref().unwrap_or(""))
            .map_err(|e| anyhow::anyhow!("PARLEY_WEBHOOK_ALLOW_HOSTS: {e}"))?;
        let mail = match s.smtp_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => parley_engine::mail::Mailer::new(Some(
                parley_engine::mail::SmtpSettings::parse(url, s.smtp_from.as_deref())
                    .map_err(anyhow::Error::msg)?,
            )),
            _ => parley_engine::mail::Mailer::default(),
        };
        Ok(Config {
            mail,
            allow_workspace_creation: s.allow_workspace_creation.unwrap_or(false),
            alert_interval: Duration::from_secs(s.alert_interval_secs.unwrap_or(30).clamp(1, 3600)),
            heartbeat: Duration::from_secs(s.heartbeat_secs.unwrap_or(15).clamp(1, 60)),
            webhook_allow_hosts,
            bind,
            data_dir,
            database_url,
            db_max_connections: s.db_max_connections.map(|n| n.max(1)),
            public_url: public_url.trim_end_matches('/').to_string(),
            admin_email: s.admin_email,
            admin_password: s.admin_password,
            log_format,
            log_level: s.log_level.unwrap_or_else(|| "info".into()),
            workers: s.workers.unwrap_or(4),
            max_body_bytes: s.max_body_bytes.unwrap_or(1024 * 1024),
            session_ttl: Duration::from_secs(s.session_ttl_hours.unwrap_or(7 * 24).max(1) * 3600),
            proxy_hops,
            secret_key: s.secret_key,
            widget_rate_per_minute: s.widget_rate_per_minute.unwrap_or(60),
            connections: crate::listener::ConnectionLimits {
                max: s.max_connections.unwrap_or(4096).max(1) as usize,
                // Behind trusted proxies every connection comes from a proxy's address.
                per_address: match proxy_hops {
                    0 => s.max_connections_per_address.unwrap_or(256).max(1) as usize,
                    _ => usize::MAX,
                },
                header_timeout: Duration::from_secs(s.header_timeout_secs.unwrap_or(15).max(1)),
            },
            streams: (
                s.max_streams_per_visitor.unwrap_or(8).max(1) as usize,
                s.max_streams_per_bot.unwrap_or(512).max(1) as usize,
                s.max_streams.unwrap_or(2048).max(1) as usize,
            ),
            upload_quota: (
                s.upload_mb_per_visitor_day.unwrap_or(50) * 1024 * 1024,
                s.upload_mb_per_bot_day.unwrap_or(2048) * 1024 * 1024,
            ),
            min_free_disk: s.min_free_disk_mb.unwrap_or(512) * 1024 * 1024,
            integrations,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The SQLite database file, when the database is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or("");
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// Cookies are marked `Secure` when Parley is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The key that signs visitor tokens: `PARLEY_SECRET_KEY`, or `secret.key` in the data
    /// directory, created with mode 0600 on first use.
    pub fn signing_key(&self) -> anyhow::Result<Vec<u8>> {
        use std::io::Write;
        if let Some(key) = &self.secret_key {
            anyhow::ensure!(
                key.len() >= 32,
                "PARLEY_SECRET_KEY must be at least 32 characters"
            );
            return Ok(key.as_bytes().to_vec());
        }
        let path = self.data_dir.join("secret.key");
        if let Ok(existing) = std::fs::read(&path) {
            anyhow::ensure!(
                existing.len() >= 32,
                "{} is too short; delete it to make a new one",
                path.display()
            );
            return Ok(existing);
        }
        std::fs::create_dir_all(&self.data_dir)?;
        let key = parley_engine::secrets::random_secret("").into_bytes();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?
            .write_all(&key)?;
        Ok(key)
    }

    /// The store settings for this configuration.
    pub fn store(&self) -> parley_store::StoreConfig {
        let mut store = parley_store::StoreConfig::new(self.database_url.clone());
        if let Some(n) = self.db_max_connections {
            store.max_connections = n;
            store.sqlite_readers = n;
        }
        store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Behind a proxy every connection comes from the proxy, so the per-address cap would
    /// cap everyone at once: only the node's cap applies there.
    #[test]
    fn the_per_address_connection_cap_is_off_behind_trusted_proxies() {
        let direct = Config::resolve(Settings::default(), None).unwrap();
        assert_eq!(direct.connections.per_address, 256);
        assert_eq!(direct.proxy_hops, 0);
        let proxied = Settings {
            trust_proxy: Some(true),
            ..Default::default()
        };
        let proxied = Config::resolve(proxied, None).unwrap();
        assert_eq!(proxied.proxy_hops, 1);
        assert_eq!(proxied.connections.per_address, usize::MAX);
        assert_eq!(proxied.connections.max, 4096);
        let zero = Settings {
            trust_proxy: Some(true),
            proxy_hops: Some(0),
            ..Default::default()
        };
        assert!(Config::resolve(zero, None).is_err());
    }

    #[test]
    fn flags_beat_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("parley-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("parley.toml");
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9000\"\nworkers = 2\nlog_format = \"json\"\n",
        )
        .unwrap();
        let given = Settings {
            workers: Some(8),
            ..Default::default()
        };
        let c = Config::resolve(given, Some(&file)).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.workers, 8);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.public_url, "http://0.0.0.0:9000");
        assert!(c.database_url.starts_with("sqlite://./data/parley.db"));

        std::fs::write(&file, "bind = 1\n").unwrap();
        assert!(Config::resolve(Settings::default(), Some(&file)).is_err());
        std::fs::write(&file, "unknown_setting = 1\n").unwrap();
        assert!(
            Config::resolve(Settings::default(), Some(&file)).is_err(),
            "typos are errors"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
