//! API tokens for automation: created by managers, shown once, revocable.

use crate::error::invalid;
use crate::secrets::{random_secret, sha256_hex};
use crate::{Actor, EngineError, EngineResult};
use parley_domain::validation::required_text;
use parley_domain::{FieldErrors, Role};
use parley_store::Store;
use parley_store::repo::{audit, tokens};
use serde_json::json;
use uuid::Uuid;

pub use parley_store::repo::tokens::ApiToken;

/// Every token secret starts with this, so leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "pt_";
/// Characters of the secret kept for display.
const DISPLAY_CHARS: usize = 10;

pub async fn list(store: &Store, actor: &Actor) -> EngineResult<Vec<ApiToken>> {
    actor.require_manager()?;
    Ok(tokens::list(store.db(), actor.workspace_id).await?)
}

/// Creates a token acting with `role` (at most the creator's own) and returns its secret:
/// the only time the secret exists outside the caller's hands.
pub async fn create(
    store: &Store,
    actor: &Actor,
    name: &str,
    role: Role,
) -> EngineResult<(ApiToken, String)> {
    actor.require_manager()?;
    let mut errors = FieldErrors::new();
    required_text(&mut errors, "name", name, 100);
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    if !actor.role.can_grant(role) {
        return Err(invalid(
            "role",
            "cannot be higher than your own role, nor owner",
        ));
    }
    let secret = random_secret(TOKEN_PREFIX);
    let prefix: String = secret.chars().take(DISPLAY_CHARS).collect();
    let tx = store.begin().await?;
    let token = tokens::create(
        &tx,
        actor.workspace_id,
        tokens::NewToken {
            user_id: actor.user_id,
            name: name.trim(),
            prefix: &prefix,
            token_hash: &sha256_hex(&secret),
            role,
        },
    )
    .await?;
    let entry = actor.audit(
        "token.created",
        Some(("token", token.id.to_string())),
        json!({"name": token.name, "role": role}),
    );
    audit::record(&tx, actor.workspace_id, entry).await?;
    tx.commit().await?;
    Ok((token, secret))
}

pub async fn revoke(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<ApiToken> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let token = tokens::revoke(&tx, actor.workspace_id, id).await?;
    let entry = actor.audit(
        "token.revoked",
        Some(("token", id.to_string())),
        json!({"name": token.name}),
    );
    audit::record(&tx, actor.workspace_id, entry).await?;
    tx.commit().await?;
    Ok(token)
}
