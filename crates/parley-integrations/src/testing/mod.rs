//! Vendor-contract servers: local stand-ins for Slack, HubSpot and Google that follow the
//! contracts in `vendors/README.md` (the requests they accept, the responses and errors they
//! give, their rate limits), for tests of the real clients and for local demos. One server
//! serves all three under `/slack`, `/hubspot` and `/google`; point Parley at it with
//! `PARLEY_SLACK_BASE_URL=<url>/slack` and so on.
//!
//! What they model: OAuth consent pages with Allow and Cancel; Slack's rotating single-use
//! refresh tokens and HTTP 200 `ok:false` errors; HubSpot's upserts, 409 body with the
//! existing id, unique deal property and rate-limit headers; Google's PKCE S256, refreshes
//! without a new refresh token, `RESOURCE_EXHAUSTED` quotas and missing `values` on empty
//! ranges. Vendor rate limits are on by default and can be switched off.
//!
//! Inspection and control under `/_contract/`: the messages, rows, contacts and deals
//! received; failures to inject (`POST /_contract/fail`); revoking every grant
//! (`POST /_contract/revoke`); the count of 429s given.

// Handlers check a request step by step and answer with the vendor's error `Response`
// at the first failure; boxing it would only add noise to test support.
#![allow(clippy::result_large_err)]

mod google;
mod hubspot;
mod slack;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const SLACK_CLIENT: (&str, &str) = ("slack-client-id", "slack-client-secret");
pub const HUBSPOT_CLIENT: (&str, &str) = ("hubspot-client-id", "hubspot-client-secret");
pub const GOOGLE_CLIENT: (&str, &str) = ("google-client-id", "google-client-secret");
/// A bot token that works without OAuth (as pasted by a self-hoster).
pub const SLACK_BOT_TOKEN: &str = "xoxb-contract-static";
/// A HubSpot service key that works without OAuth.
pub const HUBSPOT_SERVICE_KEY: &str = "pat-contract-static";
/// The spreadsheet every Google account can open.
pub const SPREADSHEET_ID: &str = "1ContractSheet";

/// The HubSpot portal id every grant reaches.
pub fn hubspot_portal() -> &'static str {
    hubspot::PORTAL
}

/// A failure to give instead of the normal answer, for the next `count` matching calls.
#[derive(Debug, Clone, Deserialize)]
pub struct Failure {
    /// `slack.chat.postMessage`, `sheets.append`, `hubspot.upsert`, `slack.token`, ...
    pub op: String,
    /// `internal_error_after_apply` (the effect happens, the answer is an error),
    /// `status_500_after_apply`, `ratelimit`, `unavailable` (503, nothing applied), `hang`
    /// (applied, then no answer for 30 s).
    pub kind: String,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// One token a vendor issued.
#[derive(Debug, Clone)]
struct Issued {
    account: String,
    expires: Option<Instant>,
}

#[derive(Default)]
pub struct World {
    pub rate_limits: bool,
    /// How long writes (posts, appends, upserts) take to answer after they took effect: the
    /// window in which a crash leaves an effect done but unrecorded.
    pub write_latency: Duration,
    failures: Vec<Failure>,
    /// code -> (client, redirect_uri, PKCE challenge)
    codes: HashMap<String, (String, String, Option<String>)>,
    access: HashMap<String, Issued>,
    revoked_access: HashSet<String>,
    refresh: HashMap<String, String>,
    used_refresh: HashSet<String>,
    pub refreshes: u32,
    pub rate_limited: u32,
    counter: u64,
    windows: HashMap<String, (Instant, u32)>,
    pub slack_messages: Vec<Value>,
    pub sheet_rows: HashMap<String, Vec<Vec<Value>>>,
    pub contacts: Vec<Value>,
    pub deals: Vec<Value>,
    pub associations: HashSet<(String, String)>,
    deal_property: bool,
}

impl World {
    fn next_id(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// The injected failure for `op`, if one is pending (and uses it up).
    fn failure(&mut self, op: &str) -> Option<String> {
        let i = self.failures.iter().position(|f| f.op == op)?;
        let kind = self.failures[i].kind.clone();
        self.failures[i].count -= 1;
        if self.failures[i].count == 0 {
            self.failures.remove(i);
        }
        Some(kind)
    }

    /// Counts a call in a fixed window; `false` once `limit` calls were made in it (when
    /// rate limits are on). Each refusal is counted.
    fn allow(&mut self, key: &str, limit: u32, window: Duration) -> bool {
        if !self.rate_limits {
            return true;
        }
        let now = Instant::now();
        let entry = self.windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            self.rate_limited += 1;
            return false;
        }
        true
    }

    /// Seconds left in `key`'s window (at least 1).
    fn window_left(&self, key: &str, window: Duration) -> u64 {
        self.windows
            .get(key)
            .map(|(start, _)| window.saturating_sub(start.elapsed()).as_secs_f64().ceil() as u64)
            .unwrap_or(1)
            .max(1)
    }

    fn issue(&mut self, prefix: &str, account: &str, lifetime: Option<Duration>) -> String {
        let token = format!("{prefix}{}", self.next_id());
        self.access.insert(
            token.clone(),
            Issued {
                account: account.to_string(),
                expires: lifetime.map(|l| Instant::now() + l),
            },
        );
        token
    }

    fn issue_refresh(&mut self, prefix: &str, account: &str) -> String {
        let token = format!("{prefix}{}", self.next_id());
        self.refresh.insert(token.clone(), account.to_string());
        token
    }

    /// The account behind a bearer token, or why not: `expired`, `revoked` or `invalid`.
    fn holder(&self, token: &str) -> Result<String, &'static str> {
        match self.access.get(token) {
            Some(i) if i.expires.is_some_and(|e| e <= Instant::now()) => Err("expired"),
            Some(i) => Ok(i.account.clone()),
            None if self.revoked_access.contains(token) => Err("revoked"),
            None => Err("invalid"),
        }
    }

    /// Takes a single-use refresh token: its account, or `None` when unknown or used.
    fn take_refresh(&mut self, token: &str, single_use: bool) -> Option<String> {
        if self.used_refresh.contains(token) {
            return None;
        }
        let account = self.refresh.get(token)?.clone();
        if single_use {
            self.refresh.remove(token);
            self.used_refresh.insert(token.to_string());
        }
        self.refreshes += 1;
        Some(account)
    }
}

/// A running contract server.
#[derive(Clone)]
pub struct Contracts {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub world: Arc<Mutex<World>>,
}

impl Contracts {
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn slack_base(&self) -> String {
        format!("{}/slack", self.url)
    }
    pub fn hubspot_base(&self) -> String {
        format!("{}/hubspot", self.url)
    }
    pub fn google_base(&self) -> String {
        format!("{}/google", self.url)
    }

    /// Queues a failure.
    pub fn fail(&self, op: &str, kind: &str, count: u32) {
        self.world().failures.push(Failure {
            op: op.into(),
            kind: kind.into(),
            count,
        });
    }

    /// Revokes every access and refresh token (an uninstall).
    pub fn revoke_all(&self) {
        let mut w = self.world();
        let access: Vec<String> = w.access.drain().map(|(k, _)| k).collect();
        w.revoked_access.extend(access);
        let used: Vec<String> = w.refresh.drain().map(|(k, _)| k).collect();
        w.used_refresh.extend(used);
    }

    /// Makes every access token expire now (so the next call must refresh).
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for issued in self.world().access.values_mut() {
            if issued.expires.is_some() {
                issued.expires = Some(now);
            }
        }
    }
}

type Shared = Arc<Mutex<World>>;

fn lock(w: &Shared) -> MutexGuard<'_, World> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the servers on 127.0.0.1 (`port` 0 for any free one), with vendor rate limits on.
pub async fn start(port: u16) -> Contracts {
    let mut initial = World {
        rate_limits: true,
        ..World::default()
    };
    for (token, account) in [
        (SLACK_BOT_TOKEN, slack::TEAM.0),
        (HUBSPOT_SERVICE_KEY, hubspot::PORTAL),
    ] {
        initial.access.insert(
            token.into(),
            Issued {
                account: account.into(),
                expires: None,
            },
        );
    }
    let world: Shared = Arc::new(Mutex::new(initial));
    let app = Router::new()
        .nest("/slack", slack::routes())
        .nest("/hubspot", hubspot::routes())
        .nest("/google", google::routes())
        .route("/_contract/fail", post(inject))
        .route("/_contract/revoke", post(revoke_everything))
        .route("/_contract/limits", post(set_limits))
        .route("/_contract/state", get(state))
        .with_state(world.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the contract server");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    Contracts { url, world }
}

async fn inject(State(w): State<Shared>, axum::Json(f): axum::Json<Failure>) -> StatusCode {
    lock(&w).failures.push(f);
    StatusCode::NO_CONTENT
}

async fn revoke_everything(State(w): State<Shared>) -> StatusCode {
    Contracts {
        url: String::new(),
        world: w,
    }
    .revoke_all();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Limits {
    on: bool,
    #[serde(default)]
    write_latency_ms: u64,
}

async fn set_limits(State(w): State<Shared>, axum::Json(l): axum::Json<Limits>) -> StatusCode {
    let mut world = lock(&w);
    world.rate_limits = l.on;
    world.write_latency = Duration::from_millis(l.write_latency_ms);
    StatusCode::NO_CONTENT
}

/// Everything received, for tests and people watching a demo.
async fn state(State(w): State<Shared>) -> axum::Json<Value> {
    let w = lock(&w);
    axum::Json(json!({
        "slack_messages": w.slack_messages,
        "sheet_rows": w.sheet_rows,
        "hubspot_contacts": w.contacts,
        "hubspot_deals": w.deals,
        "refreshes": w.refreshes,
        "rate_limited": w.rate_limited,
    }))
}

#[derive(Deserialize)]
struct Authorize {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    scope: Option<String>,
}

/// A vendor's consent page: Allow sends the browser back with a code, Cancel with
/// `error=access_denied`.
fn consent_page(w: &Shared, vendor: &str, expected_client: &str, q: Query<Authorize>) -> Response {
    let (Some(client), Some(redirect)) = (q.client_id.clone(), q.redirect_uri.clone()) else {
        return (
            StatusCode::BAD_REQUEST,
            "client_id and redirect_uri are required",
        )
            .into_response();
    };
    if client != expected_client {
        return (
            StatusCode::BAD_REQUEST,
            format!("{vendor}: invalid_client_id"),
        )
            .into_response();
    }
    if q.code_challenge.is_some() && q.code_challenge_method.as_deref() != Some("S256") {
        return (StatusCode::BAD_REQUEST, "only S256 PKCE is supported").into_response();
    }
    let code = {
        let mut world = lock(w);
        let code = format!("code-{}", world.next_id());
        world.codes.insert(
            code.clone(),
            (client, redirect.clone(), q.code_challenge.clone()),
        );
        code
    };
    let state = q.state.clone().unwrap_or_default();
    let join = if redirect.contains('?') { '&' } else { '?' };
    let allow = format!(
        "{redirect}{join}code={code}&state={}",
        crate::percent_encode(&state)
    );
    let cancel = format!(
        "{redirect}{join}error=access_denied&state={}",
        crate::percent_encode(&state)
    );
    Html(format!(
        "<!doctype html><html><head><title>{vendor}: allow Parley?</title></head><body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\">\
         <h1>{vendor} (contract server)</h1><p>Parley asks for: <code>{}</code></p>\
         <p><a id=\"allow\" href=\"{}\">Allow</a> &nbsp; <a id=\"cancel\" href=\"{}\">Cancel</a></p></body></html>",
        html_escape(q.scope.as_deref().unwrap_or("")),
        html_escape(&allow),
        html_escape(&cancel)
    ))
    .into_response()
}

/// Checks a code exchange: the code exists (once), belongs to `client`, came with the same
/// redirect URI and, with PKCE, its verifier matches.
fn redeem_code(
    w: &mut World,
    client: &str,
    code: &str,
    redirect: Option<&str>,
    verifier: Option<&str>,
) -> Result<(), &'static str> {
    let (issued_to, issued_redirect, challenge) = w.codes.remove(code).ok_or("invalid_code")?;
    if issued_to != client {
        return Err("invalid_client_id");
    }
    if redirect != Some(issued_redirect.as_str()) {
        return Err("bad_redirect_uri");
    }
    if let Some(challenge) = challenge {
        match verifier {
            Some(v) if crate::oauth::challenge(v) == challenge => {}
            _ => return Err("invalid_code_verifier"),
        }
    }
    Ok(())
}

/// Client credentials from HTTP Basic or the form body.
fn client_credentials(
    headers: &axum::http::HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        return Some((id.to_string(), secret.to_string()));
    }
    Some((
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ))
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_string)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Waits out the configured write latency (after the write took effect).
async fn write_latency(w: &Shared) {
    let latency = lock(w).write_latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}

/// Sleeps long enough that the client gives up (the `hang` failure).
async fn hang() {
    tokio::time::sleep(Duration::from_secs(30)).await;
}
