//! Canned replies: saved answers agents insert by shortcut. Any member may use them; managing
//! them is for managers, as other workspace settings are. A shortcut already taken in the
//! workspace is a conflict (409).

use crate::{Actor, EngineError, EngineResult};
use parley_domain::FieldErrors;
use parley_domain::validation::required_text;
use parley_store::Store;
use parley_store::repo::canned_replies::{self as canned, CannedReply};
use uuid::Uuid;

pub async fn list(store: &Store, actor: &Actor) -> EngineResult<Vec<CannedReply>> {
    Ok(canned::list(store.db(), actor.workspace_id).await?)
}

/// Checks and normalizes a shortcut and body.
fn checked(shortcut: &str, body: &str) -> EngineResult<(String, String)> {
    let shortcut = shortcut.trim().trim_start_matches('/').to_lowercase();
    let mut errors = FieldErrors::new();
    errors.check(
        (1..=32).contains(&shortcut.chars().count())
            && shortcut
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_'),
        "shortcut",
        "must be 1 to 32 letters, digits, '-' or '_'",
    );
    required_text(&mut errors, "body", body, 2000);
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    Ok((shortcut, body.trim().to_string()))
}

pub async fn create(
    store: &Store,
    actor: &Actor,
    shortcut: &str,
    body: &str,
) -> EngineResult<CannedReply> {
    actor.require_manager()?;
    let (shortcut, body) = checked(shortcut, body)?;
    let writer = store.writer().await?;
    canned::create(&writer, actor.workspace_id, &shortcut, &body)
        .await
        .map_err(Into::into)
}

pub async fn update(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    shortcut: &str,
    body: &str,
) -> EngineResult<CannedReply> {
    actor.require_manager()?;
    let (shortcut, body) = checked(shortcut, body)?;
    let writer = store.writer().await?;
    let existing = canned::get(&writer, actor.workspace_id, id).await?;
    canned::update(&writer, existing, &shortcut, &body)
        .await
        .map_err(Into::into)
}

pub async fn delete(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.require_manager()?;
    let writer = store.writer().await?;
    let existing = canned::get(&writer, actor.workspace_id, id).await?;
    Ok(canned::delete(&writer, existing).await?)
}
