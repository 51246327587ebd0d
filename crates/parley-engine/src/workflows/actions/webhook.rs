//! The webhook action: POST a JSON document to a URL, signed, with the step's idempotency
//! key, to a checked address (see `parley_domain::egress`), within 10 seconds.
//!
//! Headers: `Content-Type: application/json`, `Idempotency-Key: <step key>` (the same on
//! every attempt and after a crash: receivers drop repeats by it), and
//! `X-Parley-Signature: sha256=<hex HMAC-SHA256 of the body under the workflow's secret>`.
//! 2xx is success; 408, 429 and 5xx (and timeouts, refused connections) are retried; any
//! other status fails the step at once.

use super::{Action, ActionCall, ActionError, Done, Effect};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use parley_domain::egress::{AllowHosts, is_public};
use parley_store::Tx;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

pub const SIGNATURE_HEADER: &str = "x-parley-signature";
const TIMEOUT: Duration = Duration::from_secs(10);
/// Most response bytes kept on the step, for the execution log.
const KEEP_RESPONSE: usize = 2048;
/// Clients kept, one per (host, checked addresses); cleared when full.
const MAX_CLIENTS: usize = 256;

type ClientKey = (String, Vec<SocketAddr>);

pub struct Webhook {
    allow: AllowHosts,
    clients: Mutex<HashMap<ClientKey, reqwest::Client>>,
}

impl Webhook {
    pub fn new(allow: AllowHosts) -> Self {
        Webhook {
            allow,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// A client that connects `host` only to `addrs` (what was checked), never follows
    /// redirects (a redirect could point anywhere) and gives up after the timeout.
    fn client(&self, host: &str, addrs: &[SocketAddr]) -> Result<reqwest::Client, ActionError> {
        let key = (host.to_string(), addrs.to_vec());
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let client = reqwest::Client::builder()
            .resolve_to_addrs(host, addrs)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .user_agent(concat!("parley-webhook/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ActionError::Retry(format!("building the HTTP client: {e}")))?;
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        clients.insert(key, client.clone());
        Ok(client)
    }
}

/// `sha256=<hex>`: HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[async_trait]
impl Action for Webhook {
    fn effect(&self) -> Effect {
        Effect::Remote
    }

    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, _tx: Option<&Tx>) -> Result<Done, ActionError> {
        if call.text("secret_name").is_some() {
            return Err(ActionError::Permanent(
                "named secrets are not available yet; remove `secret_name` to sign with the workflow's own secret".into(),
            ));
        }
        let raw = call
            .text("url")
            .ok_or_else(|| ActionError::Permanent("`url` rendered empty".into()))?;
        let url = reqwest::Url::parse(raw)
            .map_err(|e| ActionError::Permanent(format!("`url` is not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ActionError::Permanent("`url` must be http or https".into()));
        }
        let host = url
            .host_str()
            .ok_or_else(|| ActionError::Permanent("`url` has no host".into()))?
            .to_string();
        let port = url.port_or_known_default().unwrap_or(80);
        let lookup_host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let addrs: Vec<SocketAddr> = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::lookup_host((lookup_host.as_str(), port)),
        )
        .await
        .map_err(|_| ActionError::Retry(format!("resolving {host} timed out")))?
        .map_err(|e| ActionError::Retry(format!("resolving {host}: {e}")))?
        .collect();
        if addrs.is_empty() {
            return Err(ActionError::Retry(format!("{host} has no addresses")));
        }
        if !self.allow.allows(&host, port) && addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(ActionError::Permanent(format!(
                "refusing to call {host}: it resolves to a private, loopback or link-local address (an operator can allow it with PARLEY_WEBHOOK_ALLOW_HOSTS)"
            )));
        }
        let body = match call.input.get("payload") {
            Some(p) if !p.is_null() => p.clone(),
            _ => json!({
                "workflow_id": call.workflow_id, "execution_id": call.execution_id,
                "node_id": call.node_id,
            }),
        };
        let bytes = serde_json::to_vec(&body).expect("JSON values serialize");
        let response = self
            .client(&lookup_host, &addrs)?
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", call.idempotency_key)
            .header(SIGNATURE_HEADER, sign(call.signing_secret, &bytes))
            .body(bytes)
            .send()
            .await
            .map_err(|e| ActionError::Retry(format!("calling {host}: {}", error_text(&e))))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let kept: String = text.chars().take(KEEP_RESPONSE).collect();
        if status.is_success() {
            let parsed = serde_json::from_str::<Value>(&kept).unwrap_or(Value::String(kept));
            return Ok(Done::output(
                json!({"status": status.as_u16(), "response": parsed}),
            ));
        }
        let message = format!("{host} answered {status}");
        if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
            Err(ActionError::Retry(message))
        } else {
            Err(ActionError::Permanent(message))
        }
    }
}

/// The error without the URL (whose query may carry a receiver's token).
fn error_text(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let source = std::error::Error::source(e)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    format!("{kind}{source}")
}
