//! Access tokens for vendor calls: opened from the vault, refreshed before they expire,
//! and a connection marked `needs_reconnect` when its grant is dead.
//!
//! Refresh is single-flight across nodes by the connection's `version`: even means settled,
//! odd means "a refresh is in flight". A refresher moves it from even to odd with one atomic
//! update (only one caller can), calls the vendor, and saves the new pair with the next even
//! version in the same statement. Others wait for the even version and use its token. A
//! refresher that died leaves the version odd: after [`LEASE`] a waiter takes over by moving
//! it to the next odd number. This matters for Slack, whose refresh tokens are single-use:
//! two concurrent refreshes would burn the connection.
//!
//! Only a dead grant (revoked, uninstalled, a refresh token refused, a missing scope) changes
//! the state; a timeout, 5xx or 429 leaves the connection as it is and the caller retries.

use super::{DISCONNECTED_EVENT, Integrations};
use parley_integrations::oauth;
use parley_integrations::{Provider, VendorError};
use parley_store::StoreError;
use parley_store::repo::integrations::{self as repo, CONNECTED, Connection, NEEDS_RECONNECT};
use parley_store::repo::outbox;
use std::time::Duration;
use uuid::Uuid;

/// Refresh when the access token has less than this left (plus up to a minute of jitter,
/// so a fleet of connections does not refresh at one instant).
const MARGIN_MS: i64 = 5 * 60 * 1000;
/// How long a refresh may hold the claim before another caller takes it over (longer than
/// the vendor client's timeout).
const LEASE: Duration = Duration::from_secs(20);
/// How often a waiter looks whether the refresh landed.
const POLL: Duration = Duration::from_millis(100);
/// A success is written at most this often per connection (every call would be a write).
const SUCCESS_EVERY_MS: i64 = 60_000;

/// Why no vendor call could be made, or how it failed.
#[derive(Debug)]
pub enum TokenError {
    /// Not connected, or the connection needs a person to reconnect it.
    NotConnected(String),
    Vendor(VendorError),
    Store(StoreError),
}

impl From<StoreError> for TokenError {
    fn from(e: StoreError) -> Self {
        TokenError::Store(e)
    }
}

impl From<parley_store::DbErr> for TokenError {
    fn from(e: parley_store::DbErr) -> Self {
        TokenError::Store(e.into())
    }
}

impl Integrations {
    /// Runs `f` with a valid access token for the workspace's connection: refreshed first
    /// when it is about to expire, and once more if the vendor refuses it as expired.
    pub async fn with_token<T, F, Fut>(
        &self,
        workspace_id: Uuid,
        provider: Provider,
        f: F,
    ) -> Result<T, TokenError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, VendorError>>,
    {
        let conn = self.connection(workspace_id, provider).await?;
        let (conn, token) = self.fresh(conn, false).await?;
        let result = match f(token).await {
            Err(VendorError::Unauthorized(m)) if conn.refresh_token.is_some() => {
                let (_, token) = self.fresh(conn.clone(), true).await?;
                match f(token).await {
                    Err(VendorError::Unauthorized(_)) => Err(VendorError::Revoked(m)),
                    other => other,
                }
            }
            Err(VendorError::Unauthorized(m)) => Err(VendorError::Revoked(m)),
            other => other,
        };
        match result {
            Ok(v) => {
                self.note_success(&conn).await;
                Ok(v)
            }
            Err(VendorError::Revoked(m)) => {
                self.dead(&conn, &m).await?;
                Err(TokenError::Vendor(VendorError::Revoked(m)))
            }
            Err(VendorError::Rejected(m)) => {
                self.note_error(&conn, &m).await;
                Err(TokenError::Vendor(VendorError::Rejected(m)))
            }
            Err(e) => Err(TokenError::Vendor(e)),
        }
    }

    /// The workspace's usable connection to `provider`.
    async fn connection(
        &self,
        workspace_id: Uuid,
        provider: Provider,
    ) -> Result<Connection, TokenError> {
        match repo::get(self.store.db(), workspace_id, provider.id()).await? {
            None => Err(TokenError::NotConnected(format!(
                "connect {} first (Integrations page)",
                provider.name()
            ))),
            Some(c) if c.state == NEEDS_RECONNECT => Err(TokenError::NotConnected(format!(
                "{} needs reconnecting: {}",
                provider.name(),
                c.last_error.as_deref().unwrap_or("its access was revoked")
            ))),
            Some(c) => Ok(c),
        }
    }

    /// The connection's access token, refreshed first when it expires within the margin
    /// (or when `force`d after the vendor refused it).
    async fn fresh(
        &self,
        conn: Connection,
        force: bool,
    ) -> Result<(Connection, String), TokenError> {
        let margin = MARGIN_MS + rand::random_range(0..60_000);
        let needs = |c: &Connection, seen_version: i32| {
            let expiring = c
                .expires_at
                .is_some_and(|e| e - parley_store::now_ms() < margin);
            c.refresh_token.is_some() && (expiring || (force && c.version == seen_version))
        };
        let first_version = conn.version;
        let mut conn = conn;
        let mut waited_on: Option<(i32, std::time::Instant)> = None;
        loop {
            if !needs(&conn, first_version) {
                let token = self.open(&conn)?;
                return Ok((conn, token));
            }
            let claim = if conn.version % 2 == 0 {
                Some(conn.version + 1)
            } else {
                // Someone is refreshing: wait for it, or take over a claim held too long.
                match waited_on {
                    Some((v, since)) if v == conn.version && since.elapsed() >= LEASE => {
                        Some(conn.version + 2)
                    }
                    Some((v, _)) if v == conn.version => None,
                    _ => {
                        waited_on = Some((conn.version, std::time::Instant::now()));
                        None
                    }
                }
            };
            if let Some(to) = claim {
                let writer = self.store.writer().await?;
                let won = repo::claim_refresh(&writer, conn.id, conn.version, to).await?;
                drop(writer);
                if won {
                    return self.refresh(conn, to).await;
                }
            }
            tokio::time::sleep(POLL).await;
            conn = repo::get(self.store.db(), conn.workspace_id, &conn.provider)
                .await?
                .ok_or_else(|| TokenError::NotConnected("the connection was removed".into()))?;
            if conn.state == NEEDS_RECONNECT {
                return Err(TokenError::NotConnected(format!(
                    "{} needs reconnecting",
                    conn.provider
                )));
            }
        }
    }

    /// Refreshes under a won claim (`claimed`, odd) and saves the new pair.
    async fn refresh(
        &self,
        conn: Connection,
        claimed: i32,
    ) -> Result<(Connection, String), TokenError> {
        let provider = Provider::parse(&conn.provider).expect("stored providers are known");
        let refresh_token = conn
            .refresh_token
            .as_deref()
            .and_then(|t| self.vault.open(t))
            .ok_or_else(|| {
                TokenError::NotConnected(
                    "the stored tokens cannot be opened: was PARLEY_SECRET_KEY changed?".into(),
                )
            })?;
        let app = match self.app(conn.workspace_id, provider).await {
            Ok(Some((app, _))) => app,
            _ => {
                let writer = self.store.writer().await?;
                repo::release_refresh(&writer, conn.id, claimed).await?;
                return Err(TokenError::NotConnected(format!(
                    "{} has no OAuth app configured to refresh its token",
                    provider.name()
                )));
            }
        };
        let result = oauth::refresh(
            &self.http,
            provider,
            &self.settings.endpoints,
            &app,
            &refresh_token,
        )
        .await;
        metrics::counter!("parley_integration_refreshes_total", "provider" => provider.id(),
            "outcome" => if result.is_ok() { "ok" } else { "error" })
        .increment(1);
        match result {
            Ok(grant) => {
                let expires_at = grant
                    .expires_in
                    .map(|s| parley_store::now_ms() + s as i64 * 1000);
                let access = self.vault.seal(&grant.access_token);
                let refresh = grant.refresh_token.as_deref().map(|t| self.vault.seal(t));
                let writer = self.store.writer().await?;
                let saved = repo::save_refreshed(
                    &writer,
                    conn.id,
                    claimed,
                    &access,
                    refresh.as_deref(),
                    expires_at,
                )
                .await?;
                drop(writer);
                if !saved {
                    tracing::warn!(
                        provider = provider.id(),
                        "a refresh was taken over; using the new token anyway"
                    );
                }
                let conn = Connection {
                    access_token: access,
                    expires_at,
                    version: claimed + 1,
                    state: CONNECTED.into(),
                    ..conn
                };
                Ok((conn, grant.access_token))
            }
            Err(VendorError::Revoked(m)) => {
                let writer = self.store.writer().await?;
                repo::release_refresh(&writer, conn.id, claimed).await?;
                drop(writer);
                self.dead(&conn, &m).await?;
                Err(TokenError::Vendor(VendorError::Revoked(m)))
            }
            Err(e) => {
                let writer = self.store.writer().await?;
                repo::release_refresh(&writer, conn.id, claimed).await?;
                drop(writer);
                // A proactive refresh that failed leaves a token that still works.
                if conn
                    .expires_at
                    .is_some_and(|at| at > parley_store::now_ms())
                {
                    let token = self.open(&conn)?;
                    return Ok((conn, token));
                }
                Err(TokenError::Vendor(e))
            }
        }
    }

    fn open(&self, conn: &Connection) -> Result<String, TokenError> {
        self.vault.open(&conn.access_token).ok_or_else(|| {
            TokenError::NotConnected(
                "the stored token cannot be opened: was PARLEY_SECRET_KEY changed? Reconnect"
                    .into(),
            )
        })
    }

    /// The grant is dead: the connection needs a person, dashboards are told, and workflows
    /// and alerts get `integration.disconnected`. Re-read first: a stale failure must not
    /// undo a refresh another caller saved meanwhile.
    async fn dead(&self, conn: &Connection, reason: &str) -> Result<(), TokenError> {
        let tx = self.store.begin().await?;
        let Some(current) = repo::get(&tx, conn.workspace_id, &conn.provider).await? else {
            return Ok(());
        };
        if current.id != conn.id || current.state == NEEDS_RECONNECT {
            return Ok(());
        }
        repo::set_state(&tx, conn.id, NEEDS_RECONNECT, Some(reason)).await?;
        outbox::append(
            &tx,
            conn.workspace_id,
            DISCONNECTED_EVENT,
            serde_json::json!({"provider": conn.provider, "reason": reason,
                "account": conn.account_name}),
        )
        .await?;
        tx.commit().await?;
        tracing::warn!(provider = %conn.provider, workspace = %conn.workspace_id, reason, "integration needs reconnecting");
        if let Some(p) = Provider::parse(&conn.provider) {
            self.announce(conn.workspace_id, p, NEEDS_RECONNECT);
        }
        Ok(())
    }

    /// Records a success (at most once a minute, or at once after an error).
    async fn note_success(&self, conn: &Connection) {
        let stale = conn
            .last_success_at
            .is_none_or(|t| parley_store::now_ms() - t > SUCCESS_EVERY_MS);
        if conn.state == CONNECTED && conn.last_error.is_none() && !stale {
            return;
        }
        if let Ok(writer) = self.store.writer().await {
            repo::set_state(&writer, conn.id, CONNECTED, None)
                .await
                .ok();
        }
    }

    /// Records a definite failure on the connection (shown on the Integrations page) without
    /// changing its state.
    async fn note_error(&self, conn: &Connection, error: &str) {
        if let Ok(writer) = self.store.writer().await {
            repo::set_state(&writer, conn.id, &conn.state, Some(error))
                .await
                .ok();
        }
    }
}
