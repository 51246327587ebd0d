//! Cross-node notifications over PostgreSQL's LISTEN/NOTIFY, so live events reach browsers
//! connected to any node. SQLite is single-node: there is nothing to relay.

use crate::{Store, StoreError, StoreResult, raw};
use sea_orm::{ConnectionTrait, DbBackend};

/// PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
pub const MAX_PAYLOAD_BYTES: usize = 7900;

/// A subscription to one channel.
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// The next payload. The connection is re-established by itself after a drop
    /// (notifications sent meanwhile are lost: listeners should tell clients to refetch).
    pub async fn recv(&mut self) -> StoreResult<String> {
        self.0
            .recv()
            .await
            .map(|n| n.payload().to_string())
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }
}

impl Store {
    /// Whether notifications can cross nodes (PostgreSQL).
    pub fn can_notify(&self) -> bool {
        self.db().get_database_backend() == DbBackend::Postgres
    }

    /// Listens on `channel`; `None` on SQLite.
    pub async fn listen(&self, channel: &str) -> StoreResult<Option<Listener>> {
        if !self.can_notify() {
            return Ok(None);
        }
        let pool = self.orm.get_postgres_connection_pool();
        let mut listener = sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        listener
            .listen(channel)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Some(Listener(listener)))
    }

    /// Sends `payload` (under [`MAX_PAYLOAD_BYTES`]) to every listener of `channel`; a no-op
    /// on SQLite.
    pub async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()> {
        if !self.can_notify() {
            return Ok(());
        }
        let stmt = raw(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            vec![channel.into(), payload.into()],
        );
        self.db().execute_raw(stmt).await?;
        Ok(())
    }
}
