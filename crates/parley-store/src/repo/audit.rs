//! The audit log: who changed what in a workspace, and from where.

use crate::entities::audit_log;
use crate::{StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub type AuditEntry = audit_log::Model;

/// One admin action to record.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor_user_id: Option<Uuid>,
    pub actor_token_id: Option<Uuid>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub details: serde_json::Value,
    pub ip: Option<String>,
}

pub async fn record(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    entry: NewAuditEntry,
) -> StoreResult<()> {
    let model = audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_token_id: Set(entry.actor_token_id),
        action: Set(entry.action),
        target_type: Set(entry.target_type),
        target_id: Set(entry.target_id),
        details: Set(entry.details),
        ip: Set(entry.ip),
        created_at: Set(now_ms()),
    };
    model.insert(c).await?;
    Ok(())
}

/// The newest entries first, at most `limit`, optionally only those older than `before`.
pub async fn list(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    limit: u64,
    before: Option<Uuid>,
) -> StoreResult<Vec<AuditEntry>> {
    let mut q = audit_log::Entity::find().filter(audit_log::Column::WorkspaceId.eq(workspace_id));
    if let Some(before) = before {
        q = q.filter(audit_log::Column::Id.lt(before));
    }
    Ok(q.order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}
