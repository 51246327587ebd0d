//! Workspaces, users and their memberships.

use crate::entities::{membership, user, workspace};
use crate::{StoreError, StoreResult, now_ms};
use parley_domain::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

pub type Workspace = workspace::Model;
pub type User = user::Model;

pub async fn count_users(c: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(user::Entity::find().count(c).await?)
}

pub async fn create_workspace(c: &impl ConnectionTrait, name: &str) -> StoreResult<Workspace> {
    let created = Workspace {
        id: Uuid::now_v7(),
        name: name.to_string(),
        created_at: now_ms(),
        time_zone: None,
        bot_language: None,
    };
    // Only the first migration's columns (the settings default to NULL), and no RETURNING:
    // upgrade tests create workspaces on the schema of an older release.
    let model = workspace::ActiveModel {
        id: Set(created.id),
        name: Set(created.name.clone()),
        created_at: Set(created.created_at),
        ..Default::default()
    };
    workspace::Entity::insert(model)
        .exec_without_returning(c)
        .await?;
    Ok(created)
}

pub async fn find_workspace(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Workspace> {
    workspace::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Creates a user; a taken email is a [`StoreError::Conflict`].
pub async fn create_user(
    c: &impl ConnectionTrait,
    email: &str,
    name: &str,
    password_hash: &str,
) -> StoreResult<User> {
    let now = now_ms();
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_string()),
        name: Set(name.to_string()),
        password_hash: Set(password_hash.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(model.insert(c).await?)
}

pub async fn find_user_by_email(
    c: &impl ConnectionTrait,
    email: &str,
) -> StoreResult<Option<User>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(c)
        .await?)
}

pub async fn find_user(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<User> {
    user::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn set_password(c: &impl ConnectionTrait, user_id: Uuid, hash: &str) -> StoreResult<()> {
    let model = user::ActiveModel {
        id: Set(user_id),
        password_hash: Set(hash.to_string()),
        updated_at: Set(now_ms()),
        ..Default::default()
    };
    model.update(c).await?;
    Ok(())
}

pub async fn add_member(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> StoreResult<()> {
    let model = membership::ActiveModel {
        workspace_id: Set(workspace_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_string()),
        created_at: Set(now_ms()),
        deactivated_at: Set(None),
    };
    model.insert(c).await?;
    Ok(())
}

/// The user's role in one workspace, or `None` when they are not a member (or were
/// deactivated there).
pub async fn role_in(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> StoreResult<Option<Role>> {
    let found = membership::Entity::find_by_id((workspace_id, user_id))
        .filter(membership::Column::DeactivatedAt.is_null())
        .one(c)
        .await?;
    found.map(|m| parse_role(&m.role)).transpose()
}

/// The workspace a user lands in after logging in: their oldest active membership.
pub async fn home_workspace(
    c: &impl ConnectionTrait,
    user_id: Uuid,
) -> StoreResult<Option<(Workspace, Role)>> {
    let Some(m) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::DeactivatedAt.is_null())
        .order_by_asc(membership::Column::CreatedAt)
        .one(c)
        .await?
    else {
        return Ok(None);
    };
    let ws = find_workspace(c, m.workspace_id).await?;
    Ok(Some((ws, parse_role(&m.role)?)))
}

pub(crate) fn parse_role(s: &str) -> StoreResult<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown role {s:?}")))
}

/// The first workspace created: where CLI-created users go by default.
pub async fn oldest_workspace(c: &impl ConnectionTrait) -> StoreResult<Option<Workspace>> {
    Ok(workspace::Entity::find()
        .order_by_asc(workspace::Column::CreatedAt)
        .one(c)
        .await?)
}
