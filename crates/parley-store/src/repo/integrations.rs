//! Integration connections, workspace OAuth apps and OAuth `state`s. Token columns hold
//! what the engine's vault sealed; this module never sees a plaintext token.

use crate::entities::{integration_app, integration_connection, oauth_state};
use crate::{StoreResult, now_ms, raw};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

pub type Connection = integration_connection::Model;
pub type App = integration_app::Model;
pub type OAuthState = oauth_state::Model;

pub const CONNECTED: &str = "connected";
pub const NEEDS_RECONNECT: &str = "needs_reconnect";
pub const ERROR: &str = "error";

/// A connection just made (by OAuth or a pasted token).
pub struct NewConnection<'a> {
    pub workspace_id: Uuid,
    pub provider: &'a str,
    pub method: &'a str,
    pub account_id: &'a str,
    pub account_name: &'a str,
    pub scopes: &'a str,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub connected_by: Option<Uuid>,
}

pub async fn list(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<Connection>> {
    Ok(integration_connection::Entity::find()
        .filter(integration_connection::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(integration_connection::Column::Provider)
        .all(c)
        .await?)
}

pub async fn get(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    provider: &str,
) -> StoreResult<Option<Connection>> {
    Ok(integration_connection::Entity::find()
        .filter(integration_connection::Column::WorkspaceId.eq(workspace_id))
        .filter(integration_connection::Column::Provider.eq(provider))
        .one(c)
        .await?)
}

/// Saves a new connection, replacing the workspace's earlier one for the provider (run it in
/// a transaction: delete and insert go together).
pub async fn replace(c: &impl ConnectionTrait, new: NewConnection<'_>) -> StoreResult<Connection> {
    delete(c, new.workspace_id, new.provider).await?;
    let now = now_ms();
    Ok(integration_connection::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(new.workspace_id),
        provider: Set(new.provider.to_string()),
        state: Set(CONNECTED.to_string()),
        method: Set(new.method.to_string()),
        account_id: Set(new.account_id.to_string()),
        account_name: Set(new.account_name.to_string()),
        scopes: Set(new.scopes.to_string()),
        access_token: Set(new.access_token),
        refresh_token: Set(new.refresh_token),
        expires_at: Set(new.expires_at),
        version: Set(0),
        connected_by: Set(new.connected_by),
        connected_at: Set(now),
        last_success_at: Set(Some(now)),
        last_error: Set(None),
        last_error_at: Set(None),
        facts: Set(serde_json::json!({})),
    }
    .insert(c)
    .await?)
}

/// Saves refreshed tokens if the connection is still at the version its refresh claimed
/// (see [`claim_refresh`]): `false` when another node took the refresh over meanwhile.
pub async fn save_refreshed(
    c: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    access_token: &str,
    refresh_token: Option<&str>,
    expires_at: Option<i64>,
) -> StoreResult<bool> {
    let sql = "UPDATE integration_connections SET access_token = $1, \
                   refresh_token = COALESCE($2, refresh_token), expires_at = $3, \
                   version = version + 1, state = 'connected', last_success_at = $4, \
                   last_error = NULL, last_error_at = NULL \
               WHERE id = $5 AND version = $6";
    let values: Vec<sea_orm::Value> = vec![
        access_token.into(),
        refresh_token.map(str::to_string).into(),
        expires_at.into(),
        now_ms().into(),
        id.into(),
        expected_version.into(),
    ];
    Ok(c.execute_raw(raw(c.get_database_backend(), sql, values))
        .await?
        .rows_affected()
        == 1)
}

/// Claims the right to refresh: moves the version from `expected` to `to` (odd: "a refresh
/// is in flight") if it is still `expected`. Exactly one caller of many gets `true`: the row
/// update is atomic on both databases.
pub async fn claim_refresh(
    c: &impl ConnectionTrait,
    id: Uuid,
    expected: i32,
    to: i32,
) -> StoreResult<bool> {
    let sql = "UPDATE integration_connections SET version = $1 WHERE id = $2 AND version = $3";
    Ok(c.execute_raw(raw(
        c.get_database_backend(),
        sql,
        vec![to.into(), id.into(), expected.into()],
    ))
    .await?
    .rows_affected()
        == 1)
}

/// Ends a claimed refresh that saved nothing (the vendor failed): the version settles again.
pub async fn release_refresh(c: &impl ConnectionTrait, id: Uuid, claimed: i32) -> StoreResult<()> {
    let sql =
        "UPDATE integration_connections SET version = version + 1 WHERE id = $1 AND version = $2";
    c.execute_raw(raw(
        c.get_database_backend(),
        sql,
        vec![id.into(), claimed.into()],
    ))
    .await?;
    Ok(())
}

/// Sets the state with an error in plain words (`needs_reconnect`, `error`), or records a
/// success (`connected`, clearing the error).
pub async fn set_state(
    c: &impl ConnectionTrait,
    id: Uuid,
    state: &str,
    error: Option<&str>,
) -> StoreResult<()> {
    let now = now_ms();
    let sql = match error {
        Some(_) => {
            "UPDATE integration_connections SET state = $1, last_error = $2, last_error_at = $3 \
             WHERE id = $4"
        }
        None => {
            "UPDATE integration_connections SET state = $1, last_error = $2, \
                 last_success_at = $3 WHERE id = $4"
        }
    };
    let values: Vec<sea_orm::Value> = vec![
        state.into(),
        error.map(str::to_string).into(),
        now.into(),
        id.into(),
    ];
    c.execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(())
}

/// Records facts learnt about the account (merged by the caller).
pub async fn set_facts(
    c: &impl ConnectionTrait,
    id: Uuid,
    facts: serde_json::Value,
) -> StoreResult<()> {
    integration_connection::Entity::update_many()
        .col_expr(
            integration_connection::Column::Facts,
            sea_orm::sea_query::Expr::value(facts),
        )
        .filter(integration_connection::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

pub async fn delete(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    provider: &str,
) -> StoreResult<bool> {
    let r = integration_connection::Entity::delete_many()
        .filter(integration_connection::Column::WorkspaceId.eq(workspace_id))
        .filter(integration_connection::Column::Provider.eq(provider))
        .exec(c)
        .await?;
    Ok(r.rows_affected > 0)
}

pub async fn get_app(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    provider: &str,
) -> StoreResult<Option<App>> {
    Ok(
        integration_app::Entity::find_by_id((workspace_id, provider.to_string()))
            .one(c)
            .await?,
    )
}

/// Saves a workspace's own OAuth app for a provider (the secret sealed by the caller).
pub async fn put_app(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    provider: &str,
    client_id: &str,
    sealed_secret: String,
) -> StoreResult<()> {
    delete_app(c, workspace_id, provider).await?;
    integration_app::ActiveModel {
        workspace_id: Set(workspace_id),
        provider: Set(provider.to_string()),
        client_id: Set(client_id.to_string()),
        client_secret: Set(sealed_secret),
        updated_at: Set(now_ms()),
    }
    .insert(c)
    .await?;
    Ok(())
}

pub async fn delete_app(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    provider: &str,
) -> StoreResult<()> {
    integration_app::Entity::delete_many()
        .filter(integration_app::Column::WorkspaceId.eq(workspace_id))
        .filter(integration_app::Column::Provider.eq(provider))
        .exec(c)
        .await?;
    Ok(())
}

pub async fn insert_state(c: &impl ConnectionTrait, state: OAuthState) -> StoreResult<()> {
    // Expired states of anyone go with each new one, so the table stays small.
    oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::ExpiresAt.lt(now_ms()))
        .exec(c)
        .await?;
    oauth_state::ActiveModel {
        state_hash: Set(state.state_hash),
        workspace_id: Set(state.workspace_id),
        user_id: Set(state.user_id),
        provider: Set(state.provider),
        pkce_verifier: Set(state.pkce_verifier),
        expires_at: Set(state.expires_at),
    }
    .insert(c)
    .await?;
    Ok(())
}

/// Takes a state once: the row if it existed and this call deleted it, else `None`, so a
/// replayed callback finds nothing.
pub async fn take_state(
    c: &impl ConnectionTrait,
    state_hash: &str,
) -> StoreResult<Option<OAuthState>> {
    let Some(found) = oauth_state::Entity::find_by_id(state_hash.to_string())
        .one(c)
        .await?
    else {
        return Ok(None);
    };
    let deleted = oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::StateHash.eq(state_hash))
        .exec(c)
        .await?;
    Ok((deleted.rows_affected == 1).then_some(found))
}
