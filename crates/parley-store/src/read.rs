//! Reading: [`Db`], where every statement outside the write turn goes.
//!
//! On PostgreSQL that is SeaORM's pool. On SQLite it is a set of connections Parley holds
//! itself, handed out one per statement and put back as they are: sqlx's pool pings each
//! connection it gets back (a round trip to SQLite's worker thread, on a task spawned for
//! it), which for a chat message's handful of reads was as many extra thread switches as
//! the reads themselves. A SQLite connection to a local file does not go stale the way a
//! network one does, and one whose statement was cancelled finishes it before the next.
//!
//! The chat's hot reads skip those threads too: [`Db::rows`] runs them on the calling
//! thread (see [`crate::sqlite::inline`]).

use crate::StoreResult;
use crate::sqlite::inline::{InlineReaders, Row};
use crate::statement::sqlite;
use crate::write::SqliteWriter;
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    Statement, Value,
};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a single write sent to [`Db`] waits for SQLite's write turn: as long as the
/// busy handler would (`busy_timeout`).
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(5);

/// A snapshot of a connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}

/// Reads on either backend, and single writes; cheap to clone. On SQLite a write sent here
/// takes the writing connection's turn by itself (see [`writes`]); a transaction takes it
/// with [`Store::begin`](crate::Store::begin).
#[derive(Clone, Debug)]
pub struct Db {
    inner: DbInner,
}

#[derive(Clone, Debug)]
enum DbInner {
    Sqlite(Arc<Readers>),
    Postgres(DatabaseConnection),
}

/// SQLite's reading connections, and the writer that single writes sent here go to.
struct Readers {
    writer: SqliteWriter,
    /// For [`Db::rows`].
    inline: InlineReaders,
    options: SqliteConnectOptions,
    /// Connections not in use; more are opened, up to the permits, as needed.
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Arc<Semaphore>,
    /// The permits' number: most reading connections open at once.
    max: u32,
    /// How long a statement waits for a connection before failing as "unavailable".
    acquire_timeout: Duration,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

/// A reading connection in use; back to the idle set when dropped.
pub(crate) struct Lease<'a> {
    conn: Option<SqliteConnection>,
    readers: &'a Readers,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers.idle.lock().expect("not poisoned").push(conn);
        }
    }
}

impl Lease<'_> {
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("held until dropped")
    }
}

impl Db {
    pub(crate) fn sqlite(
        options: SqliteConnectOptions,
        max: u32,
        acquire_timeout: Duration,
        writer: SqliteWriter,
    ) -> Db {
        Db {
            inner: DbInner::Sqlite(Arc::new(Readers {
                writer,
                inline: InlineReaders::new(options.get_filename().to_path_buf()),
                options,
                idle: Mutex::new(Vec::new()),
                permits: Arc::new(Semaphore::new(max.max(1) as usize)),
                max: max.max(1),
                acquire_timeout,
            })),
        }
    }

    pub(crate) fn postgres(pool: DatabaseConnection) -> Db {
        Db {
            inner: DbInner::Postgres(pool),
        }
    }

    /// Runs one hand-written read of committed data (`$1`-style parameters): on SQLite on the
    /// calling thread (see [`crate::sqlite::inline`]), on PostgreSQL through the pool. For short
    /// reads on hot paths: a long one would hold an async worker thread.
    pub(crate) async fn rows(&self, sql: &str, values: Vec<Value>) -> StoreResult<Vec<Row>> {
        match &self.inner {
            DbInner::Sqlite(readers) => readers.inline.rows(&crate::sqlite_sql(sql), &values),
            DbInner::Postgres(db) => Ok(db
                .query_all_raw(crate::raw(DbBackend::Postgres, sql, values))
                .await?
                .into_iter()
                .map(Row::Orm)
                .collect()),
        }
    }

    /// The reading pool's connections now: in use, idle, and the most it opens (for the
    /// System page; SQLite's one writing connection is not counted).
    pub fn pool_stats(&self) -> PoolStats {
        match &self.inner {
            DbInner::Sqlite(readers) => {
                let available = readers.permits.available_permits() as u32;
                PoolStats {
                    in_use: readers.max.saturating_sub(available),
                    idle: readers.idle.lock().expect("not poisoned").len() as u32,
                    max: readers.max,
                }
            }
            DbInner::Postgres(db) => {
                let pool = db.get_postgres_connection_pool();
                let idle = pool.num_idle() as u32;
                PoolStats {
                    in_use: pool.size().saturating_sub(idle),
                    idle,
                    max: pool.options().get_max_connections(),
                }
            }
        }
    }

    /// Closes the idle SQLite connections; those in use close when dropped, and later reads
    /// fail as "unavailable".
    pub(crate) async fn close(&self) {
        if let DbInner::Sqlite(readers) = &self.inner {
            readers.permits.close();
            readers.inline.close();
            let idle = std::mem::take(&mut *readers.idle.lock().expect("not poisoned"));
            for conn in idle {
                let _ = conn.close().await;
            }
        }
    }
}

#[cfg(test)]
impl Db {
    /// One of SQLite's reading connections.
    pub(crate) async fn lease(&self) -> Result<Lease<'_>, DbErr> {
        match &self.inner {
            DbInner::Sqlite(readers) => readers.lease().await,
            DbInner::Postgres(_) => Err(DbErr::Custom("SQLite only".into())),
        }
    }
}

impl Readers {
    /// The writer's turn for one write, waited for as long as SQLite's busy handler would
    /// have (a caller that holds the turn itself gets an error, not a deadlock).
    async fn write_turn(&self) -> Result<crate::Writer, DbErr> {
        tokio::time::timeout(WRITE_TURN_TIMEOUT, self.writer.turn())
            .await
            .map_err(|_| DbErr::Custom("timed out waiting for SQLite's write turn".into()))?
    }

    async fn lease(&self) -> Result<Lease<'_>, DbErr> {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
                .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        let idle = self.idle.lock().expect("not poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => crate::sqlite::open_sqlite(&self.options).await?,
        };
        Ok(Lease {
            conn: Some(conn),
            readers: self,
            _permit: permit,
        })
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            DbInner::Sqlite(_) => DbBackend::Sqlite,
            DbInner::Postgres(db) => db.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            DbInner::Sqlite(readers) if writes(&stmt.sql) => {
                readers.write_turn().await?.execute_raw(stmt).await
            }
            DbInner::Sqlite(readers) => sqlite::execute(readers.lease().await?.conn(), &stmt).await,
            DbInner::Postgres(db) => db.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            DbInner::Sqlite(readers) if writes(sql) => {
                readers.write_turn().await?.execute_unprepared(sql).await
            }
            DbInner::Sqlite(readers) => {
                sqlite::execute_unprepared(readers.lease().await?.conn(), sql).await
            }
            DbInner::Postgres(db) => db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            DbInner::Sqlite(readers) if writes(&stmt.sql) => {
                readers.write_turn().await?.query_one_raw(stmt).await
            }
            DbInner::Sqlite(readers) => {
                sqlite::query_one(readers.lease().await?.conn(), &stmt).await
            }
            DbInner::Postgres(db) => db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            DbInner::Sqlite(readers) if writes(&stmt.sql) => {
                readers.write_turn().await?.query_all_raw(stmt).await
            }
            DbInner::Sqlite(readers) => {
                sqlite::query_all(readers.lease().await?.conn(), &stmt).await
            }
            DbInner::Postgres(db) => db.query_all_raw(stmt).await,
        }
    }
}

/// Whether a statement changes data. On SQLite [`Db`] sends such a statement to this
/// process's writing connection, in its turn: through a reading connection it would sleep
/// in SQLite's busy handler whenever the writer holds the lock (1, 2, 5, 10 … ms at a
/// time), a silent slowdown that a caller choosing `db()` for a write could not see.
fn writes(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("");
    ["INSERT", "UPDATE", "DELETE", "REPLACE"]
        .iter()
        .any(|verb| first.eq_ignore_ascii_case(verb))
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_that_change_data_are_told_from_reads() {
        for sql in [
            "INSERT INTO t",
            " update t",
            "DELETE FROM t",
            "REPLACE INTO t",
        ] {
            assert!(super::writes(sql), "{sql}");
        }
        assert!(!super::writes("SELECT 1"));
        assert!(!super::writes("WITH s AS (SELECT 1) SELECT 1"));
    }
}
