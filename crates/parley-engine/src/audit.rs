//! The workspace's audit log: what managers read of who changed what.

use crate::{Actor, EngineResult};
use parley_store::Store;
use parley_store::repo::audit::{self, AuditEntry};
use uuid::Uuid;

/// Up to `limit` entries older than the entry `before` (newest first); managers only.
pub async fn list(
    store: &Store,
    actor: &Actor,
    limit: u64,
    before: Option<Uuid>,
) -> EngineResult<Vec<AuditEntry>> {
    actor.require_manager()?;
    Ok(audit::list(store.db(), actor.workspace_id, limit, before).await?)
}
