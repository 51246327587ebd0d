//! Canned replies: a workspace's saved answers, inserted by shortcut in the reply box.

use crate::entities::canned_reply;
use crate::{StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

pub type CannedReply = canned_reply::Model;

/// The workspace's canned replies by shortcut.
pub async fn list(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<CannedReply>> {
    Ok(canned_reply::Entity::find()
        .filter(canned_reply::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(canned_reply::Column::Shortcut)
        .all(c)
        .await?)
}

/// Adds one; a shortcut taken in the workspace is a `Conflict`.
pub async fn create(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    shortcut: &str,
    body: &str,
) -> StoreResult<CannedReply> {
    let now = now_ms();
    Ok(canned_reply::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        shortcut: Set(shortcut.to_string()),
        body: Set(body.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?)
}

pub async fn get(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<CannedReply> {
    canned_reply::Entity::find_by_id(id)
        .filter(canned_reply::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn update(
    c: &impl ConnectionTrait,
    existing: CannedReply,
    shortcut: &str,
    body: &str,
) -> StoreResult<CannedReply> {
    let mut m: canned_reply::ActiveModel = existing.into();
    m.shortcut = Set(shortcut.to_string());
    m.body = Set(body.to_string());
    m.updated_at = Set(now_ms());
    Ok(m.update(c).await?)
}

pub async fn delete(c: &impl ConnectionTrait, existing: CannedReply) -> StoreResult<()> {
    canned_reply::Entity::delete_by_id(existing.id)
        .exec(c)
        .await?;
    Ok(())
}
