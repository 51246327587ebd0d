//! A workspace's connections to Slack, HubSpot and Google: connecting (OAuth2 or a pasted
//! token), what the dashboard shows of them, the pickers the action forms read, test sends
//! and disconnecting. Tokens are sealed with the vault before they reach the store and are
//! opened only to call the vendor ([`tokens`]); no API returns them and no log prints them.
//!
//! The OAuth `state` is random, stored hashed with the user who started the dance, checked
//! once and within ten minutes: a callback carrying another user's (or a replayed) state is
//! refused. Google gets PKCE S256; Slack does not (its PKCE makes refresh tokens expire after
//! 30 days); HubSpot only when the operator turns it on.

mod tokens;

pub use tokens::TokenError;

use crate::live::{Hub, INTEGRATION_UPDATED, LiveEvent};
use crate::vault::Vault;
use crate::{Actor, EngineError, EngineResult, error::IntegrationProblem};
use parley_integrations::hubspot::{HubSpot, Pipeline, Property};
use parley_integrations::oauth::{self, OAuthApp, Pkce};
use parley_integrations::sheets::{Sheets, Spreadsheet};
use parley_integrations::slack::{Channel, Slack};
use parley_integrations::{Endpoints, Provider, VendorError};
use parley_store::Store;
use parley_store::repo::audit;
use parley_store::repo::integrations::{self as repo, Connection, NewConnection, OAuthState};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Workflow event: a connection needs a person to reconnect it.
pub const DISCONNECTED_EVENT: &str = "integration.disconnected";
/// How long a started OAuth dance may take.
const STATE_TTL_MS: i64 = 10 * 60 * 1000;

/// What the operator configured: where the vendors are, the OAuth apps, Parley's own URL.
#[derive(Clone, Debug)]
pub struct IntegrationSettings {
    pub endpoints: Endpoints,
    /// The operator's OAuth apps (a workspace may bring its own instead).
    pub apps: HashMap<Provider, OAuthApp>,
    /// Parley's public URL, for callback URLs and links in messages.
    pub public_url: String,
    /// Send PKCE to HubSpot too (its authorize page does not document it).
    pub hubspot_pkce: bool,
    /// Google Sheets requests a minute per project and per user.
    pub sheets_quota: (u32, u32),
}

impl Default for IntegrationSettings {
    fn default() -> Self {
        IntegrationSettings {
            endpoints: Endpoints::default(),
            apps: HashMap::new(),
            public_url: "http://127.0.0.1:8080".into(),
            hubspot_pkce: false,
            sheets_quota: (
                parley_integrations::sheets::PROJECT_PER_MINUTE,
                parley_integrations::sheets::USER_PER_MINUTE,
            ),
        }
    }
}

/// The integrations use cases and the vendor clients they share.
pub struct Integrations {
    pub(crate) store: Store,
    pub(crate) hub: Hub,
    pub(crate) vault: Vault,
    pub(crate) settings: IntegrationSettings,
    pub(crate) http: reqwest::Client,
    pub slack: Slack,
    pub hubspot: HubSpot,
    pub sheets: Sheets,
}

/// A provider as the dashboard shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderView {
    pub provider: Provider,
    pub name: &'static str,
    /// `not_configured`, `disconnected`, `connected`, `needs_reconnect` or `error`.
    pub state: String,
    pub oauth_configured: bool,
    /// `settings`, `workspace` or none.
    pub app_source: Option<&'static str>,
    pub client_id: Option<String>,
    pub callback_url: String,
    pub accepts_token: bool,
    pub method: Option<String>,
    pub account: Option<AccountView>,
    pub scopes: Vec<String>,
    pub expires_at: Option<i64>,
    pub connected_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub id: String,
    pub name: String,
}

/// What a test send did.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub message: String,
    pub receipt: Value,
}

impl Integrations {
    pub fn new(store: Store, hub: Hub, vault: Vault, settings: IntegrationSettings) -> Arc<Self> {
        let http = parley_integrations::http_client();
        let e = &settings.endpoints;
        Arc::new(Integrations {
            slack: Slack::new(http.clone(), &e.slack),
            hubspot: HubSpot::new(http.clone(), &e.hubspot_api),
            sheets: Sheets::new(
                http.clone(),
                &e.google_sheets,
                settings.sheets_quota.0,
                settings.sheets_quota.1,
            ),
            http,
            store,
            hub,
            vault,
            settings,
        })
    }

    pub fn public_url(&self) -> &str {
        &self.settings.public_url
    }

    /// The account a workspace's connection reached (the HubSpot portal id, ...), if any.
    pub async fn account_id(&self, workspace_id: Uuid, provider: Provider) -> Option<String> {
        repo::get(self.store.db(), workspace_id, provider.id())
            .await
            .ok()
            .flatten()
            .map(|c| c.account_id)
    }

    /// Where the vendor sends the browser back to.
    pub fn callback_url(&self, provider: Provider) -> String {
        format!(
            "{}/api/v1/integrations/{}/callback",
            self.settings.public_url.trim_end_matches('/'),
            provider.id()
        )
    }

    /// The OAuth app for a workspace: its own if it set one, else the operator's.
    async fn app(
        &self,
        workspace_id: Uuid,
        provider: Provider,
    ) -> EngineResult<Option<(OAuthApp, &'static str)>> {
        let own = repo::get_app(self.store.db(), workspace_id, provider.id()).await?;
        if let Some(own) = own
            && let Some(secret) = self.vault.open(&own.client_secret)
        {
            return Ok(Some((
                OAuthApp {
                    client_id: own.client_id,
                    client_secret: secret,
                },
                "workspace",
            )));
        }
        Ok(self
            .settings
            .apps
            .get(&provider)
            .cloned()
            .map(|a| (a, "settings")))
    }

    /// Every provider with its state, for the Integrations page.
    pub async fn overview(&self, actor: &Actor) -> EngineResult<Vec<ProviderView>> {
        let connections = repo::list(self.store.db(), actor.workspace_id).await?;
        let mut out = Vec::new();
        for provider in Provider::ALL {
            let app = self.app(actor.workspace_id, provider).await?;
            let conn = connections.iter().find(|c| c.provider == provider.id());
            out.push(self.view(provider, app.as_ref(), conn));
        }
        Ok(out)
    }

    pub async fn provider(&self, actor: &Actor, provider: Provider) -> EngineResult<ProviderView> {
        let app = self.app(actor.workspace_id, provider).await?;
        let conn = repo::get(self.store.db(), actor.workspace_id, provider.id()).await?;
        Ok(self.view(provider, app.as_ref(), conn.as_ref()))
    }

    fn view(
        &self,
        provider: Provider,
        app: Option<&(OAuthApp, &'static str)>,
        conn: Option<&Connection>,
    ) -> ProviderView {
        let state = match (conn, app) {
            (Some(c), _) => c.state.clone(),
            (None, Some(_)) => "disconnected".into(),
            (None, None) => "not_configured".into(),
        };
        ProviderView {
            provider,
            name: provider.name(),
            state,
            oauth_configured: app.is_some(),
            app_source: app.map(|a| a.1),
            client_id: app.map(|a| a.0.client_id.clone()),
            callback_url: self.callback_url(provider),
            accepts_token: provider.accepts_token(),
            method: conn.map(|c| c.method.clone()),
            account: conn.map(|c| AccountView {
                id: c.account_id.clone(),
                name: c.account_name.clone(),
            }),
            scopes: conn
                .map(|c| c.scopes.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            expires_at: conn.and_then(|c| c.expires_at),
            connected_at: conn.map(|c| c.connected_at),
            last_success_at: conn.and_then(|c| c.last_success_at),
            last_error: conn.and_then(|c| c.last_error.clone()),
            last_error_at: conn.and_then(|c| c.last_error_at),
        }
    }

    /// Saves a workspace's own OAuth app (the secret sealed).
    pub async fn put_app(
        &self,
        actor: &Actor,
        provider: Provider,
        client_id: &str,
        client_secret: &str,
    ) -> EngineResult<ProviderView> {
        actor.require_manager()?;
        let mut errors = parley_domain::FieldErrors::new();
        let client_id = client_id.trim();
        let client_secret = client_secret.trim();
        if client_id.is_empty() || client_id.len() > 255 {
            errors.add(
                "client_id",
                "enter the OAuth app's client id (1-255 characters)",
            );
        }
        if client_secret.is_empty() || client_secret.len() > 512 {
            errors.add("client_secret", "enter the OAuth app's client secret");
        }
        errors.into_result(())?;
        let tx = self.store.begin().await?;
        repo::put_app(
            &tx,
            actor.workspace_id,
            provider.id(),
            client_id,
            self.vault.seal(client_secret),
        )
        .await?;
        audit::record(
            &tx,
            actor.workspace_id,
            actor.audit(
                "integration.app_saved",
                Some(("integration", provider.id().into())),
                json!({"client_id": client_id}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.provider(actor, provider).await
    }

    pub async fn delete_app(
        &self,
        actor: &Actor,
        provider: Provider,
    ) -> EngineResult<ProviderView> {
        actor.require_manager()?;
        repo::delete_app(
            &self.store.writer().await?,
            actor.workspace_id,
            provider.id(),
        )
        .await?;
        self.provider(actor, provider).await
    }

    /// Starts an OAuth dance: the vendor's consent URL, with a one-time state bound to the
    /// signed-in user (and a PKCE challenge where the vendor takes one).
    pub async fn begin_connect(&self, actor: &Actor, provider: Provider) -> EngineResult<String> {
        actor.require_manager()?;
        let Some((app, _)) = self.app(actor.workspace_id, provider).await? else {
            return Err(EngineError::Integration(
                IntegrationProblem::NotConfigured,
                format!(
                    "{} has no OAuth app: set PARLEY_{}_CLIENT_ID and PARLEY_{}_CLIENT_SECRET, or enter the app's credentials on the Integrations page",
                    provider.name(),
                    provider.id().to_uppercase(),
                    provider.id().to_uppercase()
                ),
            ));
        };
        let state = oauth::random_token();
        let pkce = match provider {
            Provider::Google => Some(Pkce::new()),
            Provider::Hubspot if self.settings.hubspot_pkce => Some(Pkce::new()),
            _ => None,
        };
        repo::insert_state(
            &self.store.writer().await?,
            OAuthState {
                state_hash: hash(&state),
                workspace_id: actor.workspace_id,
                user_id: actor.user_id,
                provider: provider.id().into(),
                pkce_verifier: pkce.as_ref().map(|p| self.vault.seal(&p.verifier)),
                expires_at: parley_store::now_ms() + STATE_TTL_MS,
            },
        )
        .await?;
        Ok(oauth::authorize_url(
            provider,
            &self.settings.endpoints,
            &app,
            &self.callback_url(provider),
            &state,
            pkce.as_ref().map(|p| p.challenge.as_str()),
        ))
    }

    /// Finishes an OAuth dance from the vendor's callback. `user_id` is the signed-in user
    /// whose browser came back: it must be the one who started the dance.
    pub async fn finish_connect(
        &self,
        user_id: Uuid,
        provider: Provider,
        state: &str,
        code: &str,
    ) -> EngineResult<ProviderView> {
        let refused = |m: &str| EngineError::Integration(IntegrationProblem::Rejected, m.into());
        let taken = repo::take_state(&self.store.writer().await?, &hash(state)).await?;
        let Some(saved) = taken else {
            return Err(refused(
                "this sign-in link was already used or is unknown: start connecting again",
            ));
        };
        if saved.user_id != user_id || saved.provider != provider.id() {
            return Err(refused(
                "this sign-in was started by someone else: start connecting again",
            ));
        }
        if saved.expires_at < parley_store::now_ms() {
            return Err(refused("the sign-in took too long: start connecting again"));
        }
        let Some((app, _)) = self.app(saved.workspace_id, provider).await? else {
            return Err(refused("the OAuth app was removed meanwhile"));
        };
        let verifier = saved
            .pkce_verifier
            .as_deref()
            .and_then(|v| self.vault.open(v));
        let grant = oauth::exchange_code(
            &self.http,
            provider,
            &self.settings.endpoints,
            &app,
            &self.callback_url(provider),
            code,
            verifier.as_deref(),
        )
        .await
        .map_err(vendor_problem)?;
        let account = grant.account.clone().unwrap_or(oauth::Account {
            id: String::new(),
            name: provider.name().into(),
        });
        let actor = Actor {
            user_id,
            workspace_id: saved.workspace_id,
            role: parley_domain::Role::Admin,
            token_id: None,
            ip: None,
        };
        self.save(
            &actor,
            provider,
            "oauth",
            &account,
            &grant.scopes.join(" "),
            &grant.access_token,
            grant.refresh_token.as_deref(),
            grant.expires_in,
        )
        .await?;
        self.provider(&actor, provider).await
    }

    /// Connects with a pasted token (a Slack bot token, a HubSpot service key), checked
    /// against the vendor first.
    pub async fn connect_token(
        &self,
        actor: &Actor,
        provider: Provider,
        token: &str,
    ) -> EngineResult<ProviderView> {
        actor.require_manager()?;
        let token = token.trim();
        let bad = |m: &str| crate::error::invalid("token", m);
        let account = match provider {
            Provider::Slack if !token.starts_with("xoxb-") && !token.starts_with("xoxe.xoxb-") => {
                return Err(bad(
                    "paste the bot token (it starts with xoxb-) from your Slack app's OAuth & Permissions page",
                ));
            }
            Provider::Slack => self.slack.auth_test(token).await,
            Provider::Hubspot if token.len() < 8 || token.len() > 512 => {
                return Err(bad("paste the service key from your HubSpot account"));
            }
            Provider::Hubspot => self.hubspot.account(token).await,
            Provider::Google => {
                return Err(bad("Google Sheets connects through Google's sign-in only"));
            }
        }
        .map_err(vendor_problem)?;
        let scopes = match provider {
            Provider::Slack => "bot",
            _ => "service_key",
        };
        self.save(
            actor, provider, "token", &account, scopes, token, None, None,
        )
        .await?;
        self.provider(actor, provider).await
    }

    /// Seals and saves a new connection, replacing an earlier one.
    #[allow(clippy::too_many_arguments)]
    async fn save(
        &self,
        actor: &Actor,
        provider: Provider,
        method: &str,
        account: &oauth::Account,
        scopes: &str,
        access_token: &str,
        refresh_token: Option<&str>,
        expires_in: Option<u64>,
    ) -> EngineResult<()> {
        let tx = self.store.begin().await?;
        repo::replace(
            &tx,
            NewConnection {
                workspace_id: actor.workspace_id,
                provider: provider.id(),
                method,
                account_id: &account.id,
                account_name: &account.name,
                scopes,
                access_token: self.vault.seal(access_token),
                refresh_token: refresh_token.map(|t| self.vault.seal(t)),
                expires_at: expires_in.map(|s| parley_store::now_ms() + s as i64 * 1000),
                connected_by: Some(actor.user_id),
            },
        )
        .await?;
        audit::record(
            &tx,
            actor.workspace_id,
            actor.audit(
                "integration.connected",
                Some(("integration", provider.id().into())),
                json!({"method": method, "account": account.name}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.announce(actor.workspace_id, provider, "connected");
        Ok(())
    }

    /// Disconnects: revokes at the vendor where it allows (best effort: a vendor that is
    /// down does not keep the tokens here), then deletes them.
    pub async fn disconnect(&self, actor: &Actor, provider: Provider) -> EngineResult<()> {
        actor.require_manager()?;
        let Some(conn) = repo::get(self.store.db(), actor.workspace_id, provider.id()).await?
        else {
            return Err(EngineError::NotFound);
        };
        let app = self.app(actor.workspace_id, provider).await?.map(|a| a.0);
        let token = match provider {
            // Google and HubSpot revoke the whole grant by its refresh token.
            Provider::Google | Provider::Hubspot => conn
                .refresh_token
                .as_deref()
                .or(Some(conn.access_token.as_str())),
            Provider::Slack => Some(conn.access_token.as_str()),
        }
        .and_then(|t| self.vault.open(t));
        if let Some(token) = token
            && let Err(e) = oauth::revoke(
                &self.http,
                provider,
                &self.settings.endpoints,
                app.as_ref(),
                &token,
            )
            .await
        {
            tracing::warn!(provider = provider.id(), error = %e, "revoking at the vendor failed; deleting the tokens anyway");
        }
        let tx = self.store.begin().await?;
        repo::delete(&tx, actor.workspace_id, provider.id()).await?;
        audit::record(
            &tx,
            actor.workspace_id,
            actor.audit(
                "integration.disconnected",
                Some(("integration", provider.id().into())),
                json!({}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.announce(actor.workspace_id, provider, "disconnected");
        Ok(())
    }

    pub async fn slack_channels(&self, actor: &Actor) -> EngineResult<Vec<Channel>> {
        self.call(actor.workspace_id, Provider::Slack, |t| async move {
            self.slack.channels(&t).await
        })
        .await
    }

    pub async fn hubspot_pipelines(&self, actor: &Actor) -> EngineResult<Vec<Pipeline>> {
        self.call(actor.workspace_id, Provider::Hubspot, |t| async move {
            self.hubspot.pipelines(&t).await
        })
        .await
    }

    pub async fn hubspot_properties(
        &self,
        actor: &Actor,
        object: &str,
    ) -> EngineResult<Vec<Property>> {
        if !matches!(object, "contacts" | "deals") {
            return Err(crate::error::invalid("object", "use contacts or deals"));
        }
        self.call(actor.workspace_id, Provider::Hubspot, |t| async move {
            self.hubspot.properties(&t, object).await
        })
        .await
    }

    pub async fn google_spreadsheet(&self, actor: &Actor, id: &str) -> EngineResult<Spreadsheet> {
        let id = spreadsheet_id(id)?;
        let id = id.as_str();
        self.call(actor.workspace_id, Provider::Google, |t| async move {
            self.sheets.spreadsheet(&t, id).await
        })
        .await
    }

    /// A test send: a message to a channel, a read of the portal, a row in a sheet.
    pub async fn test(
        &self,
        actor: &Actor,
        provider: Provider,
        params: &Value,
    ) -> EngineResult<TestResult> {
        actor.require_manager()?;
        let text = |k: &str| params.get(k).and_then(Value::as_str).map(str::trim);
        let ws = actor.workspace_id;
        match provider {
            Provider::Slack => {
                let channel = text("channel")
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| crate::error::invalid("channel", "pick a channel"))?
                    .to_string();
                let run = format!("test-{}", Uuid::now_v7());
                let posted = self
                    .call(ws, provider, |t| {
                        let (channel, run) = (channel.clone(), run.clone());
                        async move {
                            self.slack
                                .post_message(
                                    &t,
                                    &channel,
                                    "Parley is connected: workflows can post here.",
                                    None,
                                    &run,
                                )
                                .await
                        }
                    })
                    .await?;
                Ok(TestResult {
                    message: format!("Posted a test message (ts {})", posted.ts),
                    receipt: json!(posted),
                })
            }
            Provider::Hubspot => {
                let pipelines = self
                    .call(
                        ws,
                        provider,
                        |t| async move { self.hubspot.pipelines(&t).await },
                    )
                    .await?;
                Ok(TestResult {
                    message: format!("Read the portal: {} deal pipeline(s)", pipelines.len()),
                    receipt: json!({"pipelines": pipelines.len()}),
                })
            }
            Provider::Google => {
                let id = spreadsheet_id(text("spreadsheet_id").unwrap_or_default())?;
                let sheet = text("sheet")
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| crate::error::invalid("sheet", "pick a sheet"))?
                    .to_string();
                let row = [
                    json!(time_now_text()),
                    json!("Parley test row"),
                    json!(format!("test-{}", Uuid::now_v7())),
                ];
                let range = self
                    .call(ws, provider, |t| {
                        let (id, sheet) = (id.clone(), sheet.clone());
                        let row = row.clone();
                        async move { self.sheets.append_row(&t, &id, &sheet, &row).await }
                    })
                    .await?;
                Ok(TestResult {
                    message: format!("Appended a test row at {range}"),
                    receipt: json!({"updatedRange": range}),
                })
            }
        }
    }

    /// A vendor call for an API request: token problems and vendor errors in API terms.
    async fn call<T, F, Fut>(&self, workspace_id: Uuid, provider: Provider, f: F) -> EngineResult<T>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, VendorError>>,
    {
        self.with_token(workspace_id, provider, f)
            .await
            .map_err(|e| match e {
                TokenError::NotConnected(m) => {
                    EngineError::Integration(IntegrationProblem::NotConnected, m)
                }
                TokenError::Vendor(v) => vendor_problem(v),
                TokenError::Store(s) => s.into(),
            })
    }

    /// Tells dashboards a connection changed.
    pub(crate) fn announce(&self, workspace_id: Uuid, provider: Provider, state: &str) {
        self.hub.publish(LiveEvent {
            workspace_id,
            conversation_id: None,
            kind: INTEGRATION_UPDATED,
            data: json!({"provider": provider.id(), "state": state}),
        });
    }
}

/// A vendor error as an API error.
fn vendor_problem(e: VendorError) -> EngineError {
    let problem = match e {
        VendorError::Rejected(_) | VendorError::Unauthorized(_) | VendorError::Revoked(_) => {
            IntegrationProblem::Rejected
        }
        _ => IntegrationProblem::Unavailable,
    };
    EngineError::Integration(problem, e.to_string())
}

/// A spreadsheet id, or the id inside a pasted spreadsheet URL.
pub fn spreadsheet_id(input: &str) -> EngineResult<String> {
    let input = input.trim();
    let id = match input.split_once("/spreadsheets/d/") {
        Some((_, rest)) => rest.split(['/', '?', '#']).next().unwrap_or_default(),
        None => input,
    };
    let valid = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(id.to_string())
    } else {
        Err(crate::error::invalid(
            "spreadsheet_id",
            "paste the spreadsheet's URL or its id (letters, digits, - and _)",
        ))
    }
}

fn hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

fn time_now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_ids_come_from_urls_or_as_they_are() {
        assert_eq!(
            spreadsheet_id("https://docs.google.com/spreadsheets/d/1AbC-d_E/edit#gid=0").unwrap(),
            "1AbC-d_E"
        );
        assert_eq!(spreadsheet_id(" 1AbC ").unwrap(), "1AbC");
        assert!(spreadsheet_id("../etc").is_err());
        assert!(spreadsheet_id("").is_err());
    }
}
