//! Invitations to a workspace and password-reset grants, stored hashed.
//!
//! Both are single use: accepting or resetting is a conditional update (`… WHERE accepted_at
//! IS NULL`), so two requests racing with one link cannot both succeed.

use crate::entities::{invitation, password_reset};
use crate::{StoreError, StoreResult, now_ms};
use parley_domain::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

pub type Invitation = invitation::Model;
pub type PasswordReset = password_reset::Model;

pub struct NewInvitation<'a> {
    pub workspace_id: Uuid,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: Option<Uuid>,
    pub expires_at: i64,
}

pub async fn create(c: &impl ConnectionTrait, new: NewInvitation<'_>) -> StoreResult<Invitation> {
    let model = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(new.workspace_id),
        email: Set(new.email.to_string()),
        role: Set(new.role.as_str().to_string()),
        token_hash: Set(new.token_hash.to_string()),
        invited_by: Set(new.invited_by),
        created_at: Set(now_ms()),
        expires_at: Set(new.expires_at),
        accepted_at: Set(None),
        revoked_at: Set(None),
    };
    Ok(model.insert(c).await?)
}

/// The invitation behind a link, whatever its state (the caller explains why it no longer works).
pub async fn find_by_hash(
    c: &impl ConnectionTrait,
    token_hash: &str,
) -> StoreResult<Option<Invitation>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash))
        .one(c)
        .await?)
}

/// Invitations of the workspace that can still be accepted at `now`, newest first.
pub async fn list_pending(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    now: i64,
) -> StoreResult<Vec<Invitation>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::WorkspaceId.eq(workspace_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(c)
        .await?)
}

/// Revokes the pending invitations of `email` in the workspace (a new one replaces them).
pub async fn revoke_pending_for_email(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    email: &str,
) -> StoreResult<u64> {
    let r = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::val(now_ms()))
        .filter(invitation::Column::WorkspaceId.eq(workspace_id))
        .filter(invitation::Column::Email.eq(email))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}

/// Revokes one pending invitation of this workspace; an accepted one is [`StoreError::NotFound`].
pub async fn revoke(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<Invitation> {
    let found = invitation::Entity::find_by_id(id)
        .filter(invitation::Column::WorkspaceId.eq(workspace_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)?;
    if found.revoked_at.is_some() {
        return Ok(found);
    }
    let mut model: invitation::ActiveModel = found.into();
    model.revoked_at = Set(Some(now_ms()));
    Ok(model.update(c).await?)
}

/// Marks the invitation accepted unless it was accepted or revoked meanwhile; `false` then.
pub async fn mark_accepted(c: &impl ConnectionTrait, id: Uuid, now: i64) -> StoreResult<bool> {
    let r = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::val(now))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn create_reset(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    token_hash: &str,
    expires_at: i64,
) -> StoreResult<PasswordReset> {
    let model = password_reset::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(token_hash.to_string()),
        created_at: Set(now_ms()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    };
    Ok(model.insert(c).await?)
}

/// Resets requested for the user since `since`: at most a few an hour are sent.
pub async fn count_resets_since(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    since: i64,
) -> StoreResult<u64> {
    Ok(password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::CreatedAt.gte(since))
        .count(c)
        .await?)
}

pub async fn find_reset_by_hash(
    c: &impl ConnectionTrait,
    token_hash: &str,
) -> StoreResult<Option<PasswordReset>> {
    Ok(password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .one(c)
        .await?)
}

/// Uses up the grant and every other unused grant of the same user (one reset ends them
/// all). `false` when this one was used meanwhile.
pub async fn use_reset(
    c: &impl ConnectionTrait,
    reset: &PasswordReset,
    now: i64,
) -> StoreResult<bool> {
    let r = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::val(now))
        .filter(password_reset::Column::Id.eq(reset.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(c)
        .await?;
    if r.rows_affected != 1 {
        return Ok(false);
    }
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::val(now))
        .filter(password_reset::Column::UserId.eq(reset.user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(c)
        .await?;
    Ok(true)
}
