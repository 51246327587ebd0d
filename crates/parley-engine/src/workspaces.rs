//! Workspaces: creating them, switching between them, their settings.
//!
//! A session belongs to one workspace at a time (every query's tenant comes from it through
//! the `Actor`); switching re-binds the session row to another workspace the person is an
//! active member of, so the cookie and its CSRF token stay the same and the next request
//! acts there. API tokens are minted in one workspace and never switch.

use crate::error::invalid;
use crate::secrets::sha256_hex;
use crate::{Actor, EngineError, EngineResult};
use parley_domain::Role;
use parley_domain::account::normalize_email;
use parley_store::repo::accounts::{self, Workspace};
use parley_store::repo::{audit, workspaces as repo};
use parley_store::{Store, StoreError};
use serde_json::json;
use uuid::Uuid;

/// The workspaces `actor`'s person belongs to, with their role in each.
pub async fn list(store: &Store, actor: &Actor) -> EngineResult<Vec<(Workspace, Role)>> {
    Ok(repo::list_for_user(store.db(), actor.user_id).await?)
}

/// Moves the session (identified by its cookie) to `workspace_id`, where the person must be
/// an active member; returns the workspace and their role there.
pub async fn switch(
    store: &Store,
    actor: &Actor,
    session_token: Option<&str>,
    workspace_id: Uuid,
) -> EngineResult<(Workspace, Role)> {
    let Some(token) = session_token.filter(|_| actor.token_id.is_none()) else {
        return Err(invalid(
            "workspace",
            "an API token belongs to one workspace; sign in to switch",
        ));
    };
    let tx = store.begin().await?;
    let role = accounts::role_in(&tx, workspace_id, actor.user_id)
        .await?
        .ok_or(EngineError::NotFound)?;
    let workspace = accounts::find_workspace(&tx, workspace_id).await?;
    if !repo::rebind_session(&tx, &sha256_hex(token), workspace_id).await? {
        return Err(EngineError::Unauthenticated);
    }
    audit::record(
        &tx,
        workspace_id,
        actor.audit(
            "workspace.switched_in",
            Some(("workspace", workspace_id.to_string())),
            json!({ "from": actor.workspace_id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((workspace, role))
}

fn check_name(name: &str) -> EngineResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_string())
}

/// Creates a workspace with `owner_id` as its owner (the CLI, and owners when the instance
/// allows it: the caller checks that).
async fn create_owned(store: &Store, name: &str, owner_id: Uuid) -> EngineResult<Workspace> {
    let name = check_name(name)?;
    let tx = store.begin().await?;
    let workspace = accounts::create_workspace(&tx, &name).await?;
    accounts::add_member(&tx, workspace.id, owner_id, Role::Owner).await?;
    audit::record(
        &tx,
        workspace.id,
        audit::NewAuditEntry {
            actor_user_id: Some(owner_id),
            action: "workspace.created".into(),
            target_type: Some("workspace".into()),
            target_id: Some(workspace.id.to_string()),
            details: json!({ "name": name }),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(workspace)
}

/// `parley admin create-workspace --name N --owner-email E`: the owner must have an account
/// (create it first with `parley admin create-user`).
pub async fn create_for_email(
    store: &Store,
    name: &str,
    owner_email: &str,
) -> EngineResult<Workspace> {
    let email =
        normalize_email(owner_email).ok_or_else(|| invalid("owner_email", "must be an email"))?;
    let user = accounts::find_user_by_email(store.db(), &email)
        .await?
        .ok_or_else(|| {
            invalid(
                "owner_email",
                "no user has this email; create one with `parley admin create-user`",
            )
        })?;
    create_owned(store, name, user.id).await
}

/// An owner creates a further workspace from the dashboard (`allowed`: the instance's
/// `PARLEY_ALLOW_WORKSPACE_CREATION`).
pub async fn create(
    store: &Store,
    actor: &Actor,
    allowed: bool,
    name: &str,
) -> EngineResult<Workspace> {
    if !allowed || actor.role != Role::Owner || actor.token_id.is_some() {
        return Err(EngineError::Forbidden);
    }
    create_owned(store, name, actor.user_id).await
}

pub async fn get(store: &Store, actor: &Actor) -> EngineResult<Workspace> {
    Ok(accounts::find_workspace(store.db(), actor.workspace_id).await?)
}

/// New settings; `None` time zone means UTC, `None` language means the bots' own default.
#[derive(Debug, Clone)]
pub struct SettingsUpdate {
    pub name: String,
    pub time_zone: Option<String>,
    pub bot_language: Option<String>,
}

/// Whether `tz` is an IANA time zone this machine knows (its zoneinfo database).
pub fn valid_time_zone(tz: &str) -> bool {
    jiff::tz::TimeZone::get(tz).is_ok()
}

/// A BCP 47-style language tag: a 2-3 letter language, then optional 2-8 character
/// alphanumeric subtags (`en`, `pt-BR`, `zh-Hant-TW`, `es-419`).
pub fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(lang) = parts.next() else {
        return false;
    };
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && tag.len() <= 35
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

pub async fn update(
    store: &Store,
    actor: &Actor,
    update: SettingsUpdate,
) -> EngineResult<Workspace> {
    actor.require_manager()?;
    let mut errors = parley_domain::FieldErrors::new();
    let name = update.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "must be 1 to 100 characters");
    }
    let time_zone = update
        .time_zone
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if let Some(tz) = &time_zone
        && !valid_time_zone(tz)
    {
        errors.add(
            "time_zone",
            "must be an IANA time zone such as Europe/Paris",
        );
    }
    let bot_language = update
        .bot_language
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if let Some(lang) = &bot_language
        && !valid_language(lang)
    {
        errors.add(
            "bot_language",
            "must be a language code such as en or pt-BR",
        );
    }
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let tx = store.begin().await?;
    let before = accounts::find_workspace(&tx, actor.workspace_id).await?;
    let saved = repo::update_settings(
        &tx,
        actor.workspace_id,
        &name,
        time_zone.clone(),
        bot_language.clone(),
    )
    .await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "workspace.updated",
            Some(("workspace", actor.workspace_id.to_string())),
            json!({
                "name": { "from": before.name, "to": name },
                "time_zone": { "from": before.time_zone, "to": time_zone },
                "bot_language": { "from": before.bot_language, "to": bot_language },
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// The workspace's IANA time zone, when one is set (analytics counts days in it; UTC
/// otherwise). A zone this machine does not know (set elsewhere) reads as `None`.
pub async fn time_zone(store: &Store, workspace_id: Uuid) -> EngineResult<Option<String>> {
    match repo::time_zone(store.db(), workspace_id).await {
        Ok(tz) => Ok(tz.filter(|t| valid_time_zone(t))),
        Err(StoreError::NotFound) => Err(EngineError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_time_zones_are_checked() {
        for ok in ["en", "pt-BR", "zh-Hant-TW", "es-419", "fil"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_US", "en-", "en-a", "1n"] {
            assert!(!valid_language(bad), "{bad}");
        }
        assert!(valid_time_zone("Europe/Paris"));
        assert!(valid_time_zone("UTC"));
        assert!(!valid_time_zone("Mars/Olympus"));
    }
}
