//! Workspaces and their settings (name, time zone, default language), and their members.

use crate::entities::{api_token, membership, presence, session, user, workspace};
use crate::repo::accounts::{Workspace, parse_role};
use crate::{StoreError, StoreResult, now_ms};
use parley_domain::Role;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, sea_query::Expr,
};
use std::collections::HashMap;
use uuid::Uuid;

/// A member of a workspace as the Members page shows them.
#[derive(Debug, Clone)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub joined_at: i64,
    pub deactivated_at: Option<i64>,
    /// The latest of their sessions' and presence's "last seen" in this workspace.
    pub last_active_at: Option<i64>,
}

/// The workspaces a user is an active member of, oldest membership first.
pub async fn list_for_user(
    c: &impl ConnectionTrait,
    user_id: Uuid,
) -> StoreResult<Vec<(Workspace, Role)>> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::DeactivatedAt.is_null())
        .order_by_asc(membership::Column::CreatedAt)
        .all(c)
        .await?;
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.workspace_id).collect();
    let by_id: HashMap<Uuid, Workspace> = workspace::Entity::find()
        .filter(workspace::Column::Id.is_in(ids))
        .all(c)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    memberships
        .into_iter()
        .filter_map(|m| {
            let ws = by_id.get(&m.workspace_id)?.clone();
            Some(parse_role(&m.role).map(|r| (ws, r)))
        })
        .collect()
}

/// Saves the workspace's name and settings.
pub async fn update_settings(
    c: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    time_zone: Option<String>,
    bot_language: Option<String>,
) -> StoreResult<Workspace> {
    let model = workspace::ActiveModel {
        id: Set(id),
        name: Set(name.to_string()),
        time_zone: Set(time_zone),
        bot_language: Set(bot_language),
        ..Default::default()
    };
    Ok(model.update(c).await?)
}

/// The workspace's time zone setting.
pub async fn time_zone(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<String>> {
    Ok(workspace::Entity::find_by_id(id)
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)?
        .time_zone)
}

/// Every member of the workspace, deactivated ones included, in the order they joined.
pub async fn list_members(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> StoreResult<Vec<Member>> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(membership::Column::CreatedAt)
        .all(c)
        .await?;
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
    let users: HashMap<Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(c)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut last: HashMap<Uuid, i64> = HashMap::new();
    for s in session::Entity::find()
        .filter(session::Column::WorkspaceId.eq(workspace_id))
        .all(c)
        .await?
    {
        let at = last.entry(s.user_id).or_insert(s.last_seen_at);
        *at = (*at).max(s.last_seen_at);
    }
    for p in presence::Entity::find()
        .filter(presence::Column::WorkspaceId.eq(workspace_id))
        .all(c)
        .await?
    {
        let at = last.entry(p.user_id).or_insert(p.seen_at);
        *at = (*at).max(p.seen_at);
    }
    memberships
        .into_iter()
        .filter_map(|m| {
            let u = users.get(&m.user_id)?;
            Some(parse_role(&m.role).map(|role| Member {
                user_id: u.id,
                email: u.email.clone(),
                name: u.name.clone(),
                role,
                joined_at: m.created_at,
                deactivated_at: m.deactivated_at,
                last_active_at: last.get(&u.id).copied(),
            }))
        })
        .collect()
}

/// One membership, active or not.
pub async fn find_member(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> StoreResult<Option<membership::Model>> {
    Ok(membership::Entity::find_by_id((workspace_id, user_id))
        .one(c)
        .await?)
}

/// Active owners of the workspace: the last one cannot be demoted or deactivated.
pub async fn count_active_owners(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<u64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::WorkspaceId.eq(workspace_id))
        .filter(membership::Column::Role.eq(Role::Owner.as_str()))
        .filter(membership::Column::DeactivatedAt.is_null())
        .count(c)
        .await?)
}

pub async fn set_role(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> StoreResult<()> {
    let role = Expr::val(role.as_str());
    set_membership(c, workspace_id, user_id, membership::Column::Role, role).await
}

/// Deactivates (`Some(at)`) or reactivates (`None`) a membership.
pub async fn set_deactivated(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    at: Option<i64>,
) -> StoreResult<()> {
    let at = Expr::val(at);
    set_membership(
        c,
        workspace_id,
        user_id,
        membership::Column::DeactivatedAt,
        at,
    )
    .await
}

/// Sets one column of a membership; `NotFound` when the user is no member here.
async fn set_membership(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    column: membership::Column,
    value: Expr,
) -> StoreResult<()> {
    let r = membership::Entity::update_many()
        .col_expr(column, value)
        .filter(membership::Column::WorkspaceId.eq(workspace_id))
        .filter(membership::Column::UserId.eq(user_id))
        .exec(c)
        .await?;
    if r.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Ends the user's sessions in this workspace and revokes the API tokens they made here:
/// with deactivation, in the same transaction, so neither works one request longer.
pub async fn cut_off(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> StoreResult<(u64, u64)> {
    let sessions = session::Entity::delete_many()
        .filter(session::Column::WorkspaceId.eq(workspace_id))
        .filter(session::Column::UserId.eq(user_id))
        .exec(c)
        .await?
        .rows_affected;
    let tokens = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::val(now_ms()))
        .filter(api_token::Column::WorkspaceId.eq(workspace_id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(c)
        .await?
        .rows_affected;
    Ok((sessions, tokens))
}

/// Moves a session to another workspace (switching keeps the cookie and its CSRF token).
pub async fn rebind_session(
    c: &impl ConnectionTrait,
    token_hash: &str,
    workspace_id: Uuid,
) -> StoreResult<bool> {
    let r = session::Entity::update_many()
        .col_expr(session::Column::WorkspaceId, Expr::val(workspace_id))
        .filter(session::Column::TokenHash.eq(token_hash))
        .exec(c)
        .await?;
    Ok(r.rows_affected == 1)
}
