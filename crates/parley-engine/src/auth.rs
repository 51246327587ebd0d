//! Logging in and out, and recognising sessions and API tokens on each request.

use crate::accounts::verify_password;
use crate::secrets::{random_secret, sha256_hex};
use crate::{Actor, EngineError, EngineResult};
use parley_domain::Role;
use parley_domain::account::normalize_email;
use parley_domain::throttle::{Limit, Throttle};
use parley_store::repo::{accounts, audit, sessions, tokens};
use parley_store::{Store, now_ms};
use std::sync::Mutex;
use std::time::Duration;

/// Failed logins allowed within 15 minutes: per email from one address (the usual guesser),
/// per address (one client trying many emails), and per email from everywhere (a distributed
/// guesser). The last is loose, so nobody can lock an owner out by failing on purpose from
/// one machine.
const PER_EMAIL_AND_IP: Limit = Limit {
    max_events: 5,
    window_ms: 15 * 60_000,
};
const PER_IP: Limit = Limit {
    max_events: 30,
    window_ms: 15 * 60_000,
};
const PER_EMAIL: Limit = Limit {
    max_events: 100,
    window_ms: 15 * 60_000,
};
/// Sessions and tokens record "last seen" at most this often, not on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Who a session or token belongs to, for the dashboard's header.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: accounts::User,
    pub workspace: accounts::Workspace,
    pub role: Role,
    /// Present for sessions: the dashboard echoes it in `X-CSRF-Token` on writes.
    pub csrf_token: Option<String>,
}

/// A successful login: the cookie value (shown to nobody else) and who logged in.
pub struct LoginOutcome {
    pub session_token: String,
    pub me: Me,
}

/// A request's authenticated caller: the actor plus, for sessions, the CSRF token the
/// request's writes must echo.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub csrf_token: Option<String>,
}

pub struct Auth {
    store: Store,
    session_ttl: Duration,
    throttle: Mutex<Throttle>,
}

impl Auth {
    pub fn new(store: Store, session_ttl: Duration) -> Self {
        Self {
            store,
            session_ttl,
            throttle: Mutex::new(Throttle::default()),
        }
    }

    pub fn session_ttl(&self) -> Duration {
        self.session_ttl
    }

    /// Checks the credentials after a throttle check, in constant time whether or not the
    /// email exists, and opens a session. Failures are audited in the user's workspace.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> EngineResult<LoginOutcome> {
        let email = normalize_email(email).unwrap_or_else(|| email.trim().to_lowercase());
        let client = ip.as_deref().unwrap_or("-");
        let pair_key = format!("pair:{email}|{client}");
        let ip_key = format!("ip:{client}");
        let email_key = format!("email:{email}");
        let keys = [
            (pair_key.as_str(), PER_EMAIL_AND_IP),
            (ip_key.as_str(), PER_IP),
            (email_key.as_str(), PER_EMAIL),
        ];
        if let Err(wait_ms) = self
            .throttle
            .lock()
            .expect("throttle lock")
            .check(&keys, now_ms())
        {
            metrics::counter!("parley_logins_total", "outcome" => "throttled").increment(1);
            return Err(EngineError::TooManyAttempts {
                retry_after_secs: (wait_ms as u64).div_ceil(1000),
            });
        }

        let user = accounts::find_user_by_email(self.store.db(), &email).await?;
        let ok = verify_password(user.as_ref().map(|u| u.password_hash.clone()), password).await;
        let home = match (&user, ok) {
            (Some(user), true) => accounts::home_workspace(self.store.db(), user.id).await?,
            _ => None,
        };
        let (Some(user), Some((workspace, role))) = (user.clone(), home) else {
            self.throttle
                .lock()
                .expect("throttle lock")
                .record(&keys, now_ms());
            metrics::counter!("parley_logins_total", "outcome" => "failed").increment(1);
            if let Some(user) = user {
                self.audit_failed_login(&user, ip).await;
            }
            return Err(EngineError::InvalidCredentials);
        };
        self.throttle
            .lock()
            .expect("throttle lock")
            .clear(&pair_key);

        let session_token = random_secret("");
        let tx = self.store.begin().await?;
        sessions::create(
            &tx,
            sessions::NewSession {
                token_hash: &sha256_hex(&session_token),
                user_id: user.id,
                workspace_id: workspace.id,
                // Derived from the session token when needed, never stored (see `csrf_for`).
                csrf_token: "",
                expires_at: now_ms() + self.session_ttl.as_millis() as i64,
                ip: ip.clone(),
                user_agent: user_agent.map(|ua| ua.chars().take(300).collect()),
            },
        )
        .await?;
        let actor = Actor {
            user_id: user.id,
            workspace_id: workspace.id,
            role,
            token_id: None,
            ip,
        };
        audit::record(
            &tx,
            workspace.id,
            actor.audit("auth.login", None, serde_json::json!({})),
        )
        .await?;
        tx.commit().await?;
        metrics::counter!("parley_logins_total", "outcome" => "ok").increment(1);
        Ok(LoginOutcome {
            me: Me {
                user,
                workspace,
                role,
                csrf_token: Some(csrf_for(&session_token)),
            },
            session_token,
        })
    }

    async fn audit_failed_login(&self, user: &accounts::User, ip: Option<String>) {
        if let Ok(Some((workspace, _))) = accounts::home_workspace(self.store.db(), user.id).await {
            let entry = audit::NewAuditEntry {
                actor_user_id: Some(user.id),
                action: "auth.login_failed".into(),
                details: serde_json::json!({}),
                ip,
                ..Default::default()
            };
            let audited =
                async { audit::record(&self.store.writer().await?, workspace.id, entry).await };
            if let Err(e) = audited.await {
                tracing::warn!(error = %e, "could not audit a failed login");
            }
        }
    }

    /// The caller behind a session cookie, if the session is live and the user still a
    /// member. Slides the expiry forward.
    pub async fn session(
        &self,
        token: &str,
        ip: Option<String>,
    ) -> EngineResult<Option<Authenticated>> {
        let now = now_ms();
        let Some(session) = sessions::find_live(self.store.db(), &sha256_hex(token), now).await?
        else {
            return Ok(None);
        };
        let Some(role) =
            accounts::role_in(self.store.db(), session.workspace_id, session.user_id).await?
        else {
            return Ok(None);
        };
        if now - session.last_seen_at > TOUCH_EVERY_MS {
            let expires = now + self.session_ttl.as_millis() as i64;
            sessions::touch(&self.store.writer().await?, session.id, now, expires).await?;
        }
        Ok(Some(Authenticated {
            actor: Actor {
                user_id: session.user_id,
                workspace_id: session.workspace_id,
                role,
                token_id: None,
                ip,
            },
            // Sessions from before CSRF tokens were derived keep the one they were given.
            csrf_token: Some(if session.csrf_token.is_empty() {
                csrf_for(token)
            } else {
                session.csrf_token
            }),
        }))
    }

    /// The caller behind a bearer API token. The token's role is capped by its creator's
    /// current role, so demoting a person demotes their tokens too.
    pub async fn bearer(
        &self,
        secret: &str,
        ip: Option<String>,
    ) -> EngineResult<Option<Authenticated>> {
        let Some(token) = tokens::find_active_by_hash(self.store.db(), &sha256_hex(secret)).await?
        else {
            return Ok(None);
        };
        let Some(creator_role) =
            accounts::role_in(self.store.db(), token.workspace_id, token.user_id).await?
        else {
            return Ok(None);
        };
        let token_role = Role::parse(&token.role).unwrap_or(Role::Agent);
        let role = if creator_role.can_grant(token_role) {
            token_role
        } else {
            Role::Agent
        };
        let now = now_ms();
        if token.last_used_at.is_none_or(|t| now - t > TOUCH_EVERY_MS) {
            tokens::touch(&self.store.writer().await?, token.id, now).await?;
        }
        Ok(Some(Authenticated {
            actor: Actor {
                user_id: token.user_id,
                workspace_id: token.workspace_id,
                role,
                token_id: Some(token.id),
                ip,
            },
            csrf_token: None,
        }))
    }

    pub async fn logout(&self, token: &str) -> EngineResult<()> {
        sessions::delete_by_hash(self.store.db(), &sha256_hex(token)).await?;
        Ok(())
    }

    pub async fn me(&self, auth: &Authenticated) -> EngineResult<Me> {
        let user = accounts::find_user(self.store.db(), auth.actor.user_id).await?;
        let workspace = accounts::find_workspace(self.store.db(), auth.actor.workspace_id).await?;
        Ok(Me {
            user,
            workspace,
            role: auth.actor.role,
            csrf_token: auth.csrf_token.clone(),
        })
    }
}

/// Compares two secrets in constant time (CSRF tokens).
pub fn secrets_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A session's CSRF token: a hash of its session token, so it is never stored. Anyone who
/// can read the database sees only the session token's own hash (a different one), which
/// yields neither; a page that can read the token was given it by the login response.
fn csrf_for(session_token: &str) -> String {
    sha256_hex(&format!("csrf:{session_token}"))
}
