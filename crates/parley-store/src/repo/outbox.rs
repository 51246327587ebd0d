//! The event outbox: events are written in the same transaction as the change that caused
//! them, and dispatched to workflows afterwards, so none is lost and none is invented.

use crate::entities::outbox;
use crate::{StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

pub type OutboxEvent = outbox::Model;

pub async fn append(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    event_type: &str,
    payload: serde_json::Value,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    let model = outbox::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        event_type: Set(event_type.to_string()),
        payload: Set(payload),
        created_at: Set(now_ms()),
        dispatched_at: Set(None),
    };
    model.insert(c).await?;
    Ok(id)
}

/// The oldest events not yet dispatched.
pub async fn pending(c: &impl ConnectionTrait, limit: u64) -> StoreResult<Vec<OutboxEvent>> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::DispatchedAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(c)
        .await?)
}

pub async fn mark_dispatched(c: &impl ConnectionTrait, ids: &[Uuid]) -> StoreResult<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DispatchedAt, Expr::val(now_ms()))
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(c)
        .await?;
    Ok(())
}
