//! Third-party integrations, as the vendors document them (late 2026): OAuth2 grants
//! ([`oauth`]) and thin clients for the few endpoints Parley's actions need ([`slack`],
//! [`hubspot`], [`sheets`]). This crate knows HTTP and the vendors' contracts, nothing of
//! workflows, storage or tenants: the engine keeps the tokens (sealed) and decides when to
//! call. Every call classifies its failure ([`VendorError`]) so the caller can tell a dead
//! grant from a rate limit from an outcome nobody knows.
//!
//! Hand-written rather than the `oauth2`, `slack-morphism`, `hubspot` or `google-sheets4`
//! crates: those add 27 to 57 crates (or a second reqwest) for six endpoints, and Slack's
//! HTTP 200 `ok:false` errors and comma-joined scopes do not fit `oauth2`'s token response.

pub mod hubspot;
pub mod oauth;
pub mod rate;
pub mod sheets;
pub mod slack;
#[cfg(feature = "testing")]
pub mod testing;

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A vendor Parley connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Slack,
    Hubspot,
    Google,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Slack, Provider::Hubspot, Provider::Google];

    pub fn id(self) -> &'static str {
        match self {
            Provider::Slack => "slack",
            Provider::Hubspot => "hubspot",
            Provider::Google => "google",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::Slack => "Slack",
            Provider::Hubspot => "HubSpot",
            Provider::Google => "Google Sheets",
        }
    }

    pub fn parse(id: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.id() == id)
    }

    /// Whether a token can be pasted instead of the OAuth dance (a Slack bot token, a
    /// HubSpot service key); Google's tokens last an hour, so only OAuth makes sense.
    pub fn accepts_token(self) -> bool {
        !matches!(self, Provider::Google)
    }
}

/// Where each vendor is reached. The defaults are the vendors' own hosts; a setting per
/// vendor moves all of that vendor's URLs under one base, which is how tests and local demos
/// point Parley at the vendor-contract servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Slack's `https://slack.com`: `/oauth/v2/authorize` and `/api/<method>`.
    pub slack: String,
    /// HubSpot's authorize page host.
    pub hubspot_app: String,
    /// HubSpot's API host (tokens and CRM).
    pub hubspot_api: String,
    /// Google's authorize page host.
    pub google_accounts: String,
    /// Google's token and revoke host.
    pub google_oauth: String,
    pub google_sheets: String,
    pub google_userinfo: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            slack: "https://slack.com".into(),
            hubspot_app: "https://app.hubspot.com".into(),
            hubspot_api: "https://api.hubapi.com".into(),
            google_accounts: "https://accounts.google.com".into(),
            google_oauth: "https://oauth2.googleapis.com".into(),
            google_sheets: "https://sheets.googleapis.com".into(),
            google_userinfo: "https://openidconnect.googleapis.com".into(),
        }
    }
}

impl Endpoints {
    /// The vendors' hosts, with each given base (if any) standing in for all of one
    /// vendor's hosts.
    pub fn with_bases(slack: Option<&str>, hubspot: Option<&str>, google: Option<&str>) -> Self {
        let mut e = Endpoints::default();
        let trim = |s: &str| s.trim_end_matches('/').to_string();
        if let Some(b) = slack {
            e.slack = trim(b);
        }
        if let Some(b) = hubspot {
            e.hubspot_app = trim(b);
            e.hubspot_api = trim(b);
        }
        if let Some(b) = google {
            let b = trim(b);
            e.google_accounts = b.clone();
            e.google_oauth = b.clone();
            e.google_sheets = b.clone();
            e.google_userinfo = b;
        }
        e
    }
}

/// Why a vendor call did not succeed, in the classes that decide what happens next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VendorError {
    /// The grant is dead (revoked, expired refresh token, app uninstalled): only a person
    /// reconnecting helps.
    #[error("{0}")]
    Revoked(String),
    /// The access token expired or was refused: refresh once, then it is `Revoked`.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many requests; nothing was done. Retry after the delay.
    #[error("{message}")]
    RateLimited {
        retry_after: Duration,
        message: String,
    },
    /// Parley held the call back itself to stay under a quota; nothing was sent.
    #[error("{message}")]
    Paced {
        retry_after: Duration,
        message: String,
    },
    /// Nothing was done and a later attempt may succeed (connection refused, DNS).
    #[error("{0}")]
    Unavailable(String),
    /// The request may or may not have taken effect (a timeout after sending, a 5xx,
    /// Slack's `internal_error`): a write must not be repeated blindly.
    #[error("{0}")]
    Ambiguous(String),
    /// The vendor refused the request and will refuse it again (bad channel, bad stage,
    /// missing scope).
    #[error("{0}")]
    Rejected(String),
}

impl VendorError {
    /// Whether retrying the same request later can help without risking a repeat.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            VendorError::RateLimited { .. }
                | VendorError::Paced { .. }
                | VendorError::Unavailable(_)
        )
    }
}

pub type VendorResult<T> = Result<T, VendorError>;

/// How long any single vendor call may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The HTTP client for vendor calls: no redirects (a redirect could lead a bearer token
/// anywhere), a timeout, Parley's user agent.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("parley/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a plain rustls client builds")
}

/// A transport failure: nothing reached the vendor (`Unavailable`) or, once the request may
/// have been sent, nobody knows (`Ambiguous`). Reads pass `write = false`: repeating a read
/// is always safe.
fn transport(vendor: &str, e: &reqwest::Error, write: bool) -> VendorError {
    if e.is_connect() || e.is_builder() {
        VendorError::Unavailable(format!("could not reach {vendor}"))
    } else if write {
        VendorError::Ambiguous(format!(
            "{vendor} did not answer in time; the request may have been applied"
        ))
    } else {
        VendorError::Unavailable(format!("{vendor} did not answer in time"))
    }
}

/// Seconds from a `Retry-After` header (1 s when absent or unreadable, 5 minutes at most).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    let secs = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1);
    Duration::from_secs(secs.clamp(1, 300))
}

/// The text of a JSON body's field, for messages.
fn field<'a>(body: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(serde_json::Value::as_str)
}

/// A short, stable stand-in for a token in rate-limit keys (never the token itself).
fn token_key(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Percent-encodes everything but RFC 3986's unreserved characters: a URL path segment or
/// query value (Sheets ranges hold `!`, `'` and spaces; callback errors are free text).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
