//! The event outbox: events are written in the same transaction as the change that caused
//! them, and dispatched to workflows afterwards, so none is lost and none is invented.
//!
//! Appending also bumps an in-process signal, so this node's dispatcher looks at once
//! instead of at its next poll; other nodes find the event by polling.

use crate::entities::outbox;
use crate::{ExecuteLater, StoreResult, now_ms, raw};
use sea_orm::DbBackend;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, sea_query::Expr,
};
use std::sync::LazyLock;
use tokio::sync::watch;
use uuid::Uuid;

pub type OutboxEvent = outbox::Model;

/// Appends an event; inside a transaction it is written with the transaction's next
/// statement or its commit (see [`ExecuteLater`]).
pub async fn append(
    c: &impl ExecuteLater,
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
    // Nothing needs the row back: no RETURNING, no read.
    let insert = outbox::Entity::insert(model).build(c.get_database_backend());
    c.execute_later(insert).await?;
    // Before the commit, so a woken dispatcher may not see it yet: it then polls again
    // shortly (see the dispatcher), which is cheaper than threading a hook through commits.
    SIGNAL.send_modify(|n| *n = n.wrapping_add(1));
    Ok(id)
}

static SIGNAL: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Changes whenever an event is appended in this process.
pub fn appended() -> watch::Receiver<u64> {
    SIGNAL.subscribe()
}

/// Locks up to `limit` of the oldest undispatched events for this transaction. Other
/// PostgreSQL nodes skip locked rows and take the next ones; on SQLite the caller's
/// IMMEDIATE transaction already excludes every other writer.
pub async fn claim(c: &impl ConnectionTrait, limit: u64) -> StoreResult<Vec<OutboxEvent>> {
    let backend = c.get_database_backend();
    let lock = match backend {
        DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "SELECT id, workspace_id, event_type, payload, created_at, dispatched_at FROM outbox \
         WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 {lock}"
    );
    let rows = c
        .query_all_raw(raw(backend, &sql, vec![(limit as i64).into()]))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxEvent {
                id: row.try_get("", "id")?,
                workspace_id: row.try_get("", "workspace_id")?,
                event_type: row.try_get("", "event_type")?,
                payload: row.try_get("", "payload")?,
                created_at: row.try_get("", "created_at")?,
                dispatched_at: row.try_get("", "dispatched_at")?,
            })
        })
        .collect()
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

/// Marks the events dispatched; inside a transaction, with its next statement or its
/// commit (see [`ExecuteLater`]).
pub async fn mark_dispatched(c: &impl ExecuteLater, ids: &[Uuid]) -> StoreResult<()> {
    let update = outbox::Entity::update_many()
        .col_expr(outbox::Column::DispatchedAt, Expr::val(now_ms()))
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .build(c.get_database_backend());
    c.execute_later(update).await?;
    Ok(())
}

/// Events not yet dispatched, and the creation time of the oldest (instance-wide: the
/// dispatcher serves every workspace).
pub async fn lag(c: &impl ConnectionTrait) -> StoreResult<(u64, Option<i64>)> {
    let row = c
        .query_one_raw(raw(
            c.get_database_backend(),
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE dispatched_at IS NULL",
            vec![],
        ))
        .await?;
    match row {
        Some(r) => {
            let n: i64 = r.try_get("", "n")?;
            Ok((n.max(0) as u64, r.try_get("", "oldest")?))
        }
        None => Ok((0, None)),
    }
}
