//! Node heartbeats: one row per running `parley serve`.
//!
//! Each node upserts its own row every few seconds (see the server's heartbeat task); the
//! System page shows a node whose row is older than [`DOWN_AFTER_MS`] as down, and rows of
//! nodes gone for a day are pruned by the next heartbeat of any node.

use crate::{StoreResult, now_ms, raw};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

/// A node not seen for this long is shown as down.
pub const DOWN_AFTER_MS: i64 = 60_000;
/// Rows of nodes not seen for this long are deleted.
const PRUNE_AFTER_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: Uuid,
    pub version: String,
    pub hostname: String,
    pub started_at: i64,
    pub last_seen_at: i64,
    pub workers: i32,
    pub workers_busy: i32,
}

impl Node {
    pub fn is_up(&self, now: i64) -> bool {
        now - self.last_seen_at < DOWN_AFTER_MS
    }
}

/// Writes this node's heartbeat (inserting its row on the first one) and prunes long-gone
/// nodes.
pub async fn beat(c: &impl ConnectionTrait, node: &Node) -> StoreResult<()> {
    let backend = c.get_database_backend();
    let sql = "INSERT INTO nodes (id, version, hostname, started_at, last_seen_at, workers, workers_busy) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) \
               ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                 hostname = excluded.hostname, last_seen_at = excluded.last_seen_at, \
                 workers = excluded.workers, workers_busy = excluded.workers_busy";
    let values: Vec<Value> = vec![
        node.id.into(),
        node.version.clone().into(),
        node.hostname.clone().into(),
        node.started_at.into(),
        node.last_seen_at.into(),
        node.workers.into(),
        node.workers_busy.into(),
    ];
    c.execute_raw(raw(backend, sql, values)).await?;
    c.execute_raw(raw(
        backend,
        "DELETE FROM nodes WHERE last_seen_at < $1",
        vec![(now_ms() - PRUNE_AFTER_MS).into()],
    ))
    .await?;
    Ok(())
}

/// Every node seen in the last day, most recently started first.
pub async fn list(c: &impl ConnectionTrait) -> StoreResult<Vec<Node>> {
    let sql = "SELECT id, version, hostname, started_at, last_seen_at, workers, workers_busy \
               FROM nodes ORDER BY started_at DESC";
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), sql, vec![]))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Node {
                id: r.try_get("", "id")?,
                version: r.try_get("", "version")?,
                hostname: r.try_get("", "hostname")?,
                started_at: r.try_get("", "started_at")?,
                last_seen_at: r.try_get("", "last_seen_at")?,
                workers: r.try_get("", "workers")?,
                workers_busy: r.try_get("", "workers_busy")?,
            })
        })
        .collect()
}

/// The database's size in bytes: SQLite's pages (the main file; the WAL is not counted),
/// or PostgreSQL's `pg_database_size` of the current database.
pub async fn database_size(c: &impl ConnectionTrait) -> StoreResult<Option<i64>> {
    let backend = c.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT pg_database_size(current_database()) AS n",
        _ => "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()",
    };
    let row = c.query_one_raw(raw(backend, sql, vec![])).await?;
    Ok(match row {
        Some(r) => r.try_get("", "n")?,
        None => None,
    })
}

/// Integration connections of every workspace by provider and state (for `/metrics` and
/// readiness: counts only, nothing of a tenant's).
pub async fn integration_states(
    c: &impl ConnectionTrait,
) -> StoreResult<Vec<(String, String, i64)>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT provider, state, COUNT(*) AS n FROM integration_connections \
             GROUP BY provider, state ORDER BY provider, state",
            vec![],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "provider")?,
                r.try_get("", "state")?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// Alerts firing now across workspaces, by kind.
pub async fn firing_alerts(c: &impl ConnectionTrait) -> StoreResult<Vec<(String, i64)>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT kind, COUNT(*) AS n FROM alert_states WHERE status = 'firing' GROUP BY kind",
            vec![],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "kind")?, r.try_get("", "n")?)))
        .collect()
}
