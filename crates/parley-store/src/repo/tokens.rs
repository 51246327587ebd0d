//! API tokens: stored as SHA-256 hashes, shown once at creation.

use crate::entities::api_token;
use crate::{StoreError, StoreResult, now_ms};
use parley_domain::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

pub type ApiToken = api_token::Model;

pub struct NewToken<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub role: Role,
}

pub async fn create(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    new: NewToken<'_>,
) -> StoreResult<ApiToken> {
    let model = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        user_id: Set(new.user_id),
        name: Set(new.name.to_string()),
        prefix: Set(new.prefix.to_string()),
        token_hash: Set(new.token_hash.to_string()),
        role: Set(new.role.as_str().to_string()),
        created_at: Set(now_ms()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    Ok(model.insert(c).await?)
}

/// Every token of the workspace, revoked ones included, newest first.
pub async fn list(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<ApiToken>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(c)
        .await?)
}

/// Revokes a token of this workspace. Revoking twice keeps the first time.
pub async fn revoke(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<ApiToken> {
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut model: api_token::ActiveModel = token.into();
    model.revoked_at = Set(Some(now_ms()));
    Ok(model.update(c).await?)
}

/// The live (not revoked) token with this hash.
pub async fn find_active_by_hash(
    c: &impl ConnectionTrait,
    hash: &str,
) -> StoreResult<Option<ApiToken>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(c)
        .await?)
}

pub async fn touch(c: &impl ConnectionTrait, id: Uuid, at: i64) -> StoreResult<()> {
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::LastUsedAt,
            sea_orm::sea_query::Expr::val(at),
        )
        .filter(api_token::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}
