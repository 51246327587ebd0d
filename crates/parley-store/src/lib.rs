//! Parley's database layer.
//!
//! One schema and one set of repositories serve SQLite (the default, one file in the data
//! directory) and PostgreSQL (for running several nodes). Repository functions take any
//! [`ConnectionTrait`], so a use case can call several inside one transaction; every function
//! that reads or writes tenant data takes the workspace it acts in.

pub mod backup;
pub mod demo;
pub mod entities;
mod error;
pub mod jobs;
mod migration;
mod postgres;
pub use postgres::notify::{Listener, MAX_PAYLOAD_BYTES};
pub mod repo;
mod sqlite;
mod statement;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{StoreError, StoreResult};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr};

mod read;
mod write;
pub use read::{Db, PoolStats};
pub use write::{ExecuteLater, Tx, Writer};

use sea_orm::{Database, Statement};
use sea_orm_migration::MigratorTrait;
use sqlite::{checkpoint_wal, prepare_connection, sqlite_settings};
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use statement::conn_err;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use write::SqliteWriter;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
    /// PostgreSQL's pool size (and SeaORM's SQLite pool, which only migrations use).
    pub max_connections: u32,
    /// SQLite's reading connections (besides the chat's hot reads, which run on the calling
    /// thread, see `Db::rows`); by default one per core, at least 2. Reads of a local file are
    /// CPU work, and more of them at once than there are cores only makes the kernel share
    /// the cores out in time slices, which stretches the slowest reads: with 8 clients
    /// searching 100k chunks at once, retrieval's p99 was 20–22 ms over 10 connections and
    /// 8–10 ms over 2 (same throughput), as the rest wait their turn in order instead.
    pub sqlite_readers: u32,
    /// How long a request waits for a connection before failing with "unavailable": short,
    /// so a database outage turns into quick 503s instead of piled-up requests.
    pub acquire_timeout: Duration,
    /// PostgreSQL schema to use (tests isolate themselves this way); `None` for the default.
    pub pg_schema: Option<String>,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            sqlite_readers: std::thread::available_parallelism()
                .map_or(2, |n| n.get() as u32)
                .max(2),
            acquire_timeout: Duration::from_secs(3),
            pg_schema: None,
        }
    }
}

/// A connection pool to one database, on either backend.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// SeaORM's pool: migrations, and PostgreSQL's `LISTEN` and transactions.
    orm: DatabaseConnection,
    /// SQLite's one writer; `None` on PostgreSQL.
    sqlite_writer: Option<SqliteWriter>,
}

impl Store {
    /// Connects lazily: the first query opens the connection, so `parley serve` starts (and
    /// reports "not ready") while the database is still down, and recovers by itself.
    pub async fn connect(config: &StoreConfig) -> StoreResult<Store> {
        let mut opts = sea_orm::ConnectOptions::new(config.url.clone());
        opts.max_connections(config.max_connections)
            .min_connections(0)
            .acquire_timeout(config.acquire_timeout)
            .connect_timeout(config.acquire_timeout)
            .sqlx_logging(false)
            .test_before_acquire(false)
            .connect_lazy(true)
            .map_sqlx_sqlite_opts(sqlite_settings)
            .map_sqlx_sqlite_pool_opts(|o| {
                o.after_connect(|conn, _| Box::pin(prepare_connection(conn)))
            });
        if let Some(schema) = &config.pg_schema {
            opts.set_schema_search_path(schema.clone());
        }
        let orm = Database::connect(opts).await?;
        if orm.get_database_backend() == DbBackend::Postgres {
            let db = Db::postgres(orm.clone());
            return Ok(Store {
                db,
                orm,
                sqlite_writer: None,
            });
        }
        let options: SqliteConnectOptions = config.url.parse().map_err(conn_err)?;
        let options = sqlite_settings(options).disable_statement_logging();
        let (wrote, written) = tokio::sync::mpsc::channel(1);
        tokio::spawn(checkpoint_wal(options.clone(), written));
        let writer = SqliteWriter::new(options.clone(), wrote);
        let db = Db::sqlite(
            options,
            config.sqlite_readers,
            config.acquire_timeout,
            writer.clone(),
        );
        Ok(Store {
            db,
            orm,
            sqlite_writer: Some(writer),
        })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> StoreResult<()> {
        migration::Migrator::up(&self.orm, None).await?;
        Ok(())
    }

    /// Applies the first `n` migrations (`None`: all); upgrade tests stop part-way.
    pub async fn migrate_first(&self, n: Option<u32>) -> StoreResult<()> {
        migration::Migrator::up(&self.orm, n).await?;
        Ok(())
    }

    /// Names of migrations applied so far, oldest first.
    pub async fn applied_migrations(&self) -> StoreResult<Vec<String>> {
        let models = migration::Migrator::get_applied_migrations(&self.orm).await?;
        Ok(models.into_iter().map(|m| m.name().to_string()).collect())
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        self.db
            .query_one_raw(Statement::from_string(self.backend(), "SELECT 1"))
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// `sqlite` or `postgres`, for health reports and logs.
    pub fn backend_name(&self) -> &'static str {
        match self.backend() {
            DbBackend::Postgres => "postgres",
            _ => "sqlite",
        }
    }

    /// When this process last checkpointed SQLite's WAL into the database file (epoch ms);
    /// `None` on PostgreSQL or before the first checkpoint.
    pub fn last_checkpoint(&self) -> Option<i64> {
        let at = sqlite::LAST_CHECKPOINT_MS.load(std::sync::atomic::Ordering::Relaxed);
        (self.sqlite_writer.is_some() && at > 0).then_some(at)
    }

    /// Where reads go, and writes that need neither a transaction nor the write turn.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A turn at writing, for a write outside a transaction (a hot single statement): on
    /// SQLite this process's one writing connection, once its earlier writers are done; on
    /// PostgreSQL the pool. SQLite has one writer anyway; a writer that finds the lock taken
    /// sleeps in SQLite's busy handler (1, 2, 5, 10 … ms), so under load the lock sits idle
    /// while waiters sleep. Queueing here hands it over at once. A single write sent to
    /// [`Store::db`] takes this turn by itself.
    pub async fn writer(&self) -> StoreResult<Writer> {
        match &self.sqlite_writer {
            Some(writer) => Ok(writer.turn().await?),
            None => Ok(Writer::postgres(self.orm.clone())),
        }
    }

    /// Starts a write transaction; on SQLite it takes the same turn as [`Store::writer`].
    pub async fn begin(&self) -> StoreResult<Tx> {
        match &self.sqlite_writer {
            Some(writer) => Ok(Tx::sqlite(writer).await?),
            None => {
                let pool = self.orm.get_postgres_connection_pool();
                Ok(Tx::postgres(pool.begin().await.map_err(conn_err)?))
            }
        }
    }

    pub async fn close(self) {
        if let Some(writer) = self.sqlite_writer {
            writer.close().await;
        }
        self.db.close().await;
        let _ = self.orm.close().await;
    }
}

/// The default database: a SQLite file in the data directory.
pub fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Now, in UTC epoch milliseconds: the one clock every stored time uses.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Writes hand-written SQL once, in PostgreSQL's `$1` style, and adapts it for SQLite
/// (`?1`: SQLite's numbered parameters, which bind by number just like PostgreSQL's).
pub(crate) fn raw(backend: DbBackend, pg_sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => pg_sql.to_string(),
        _ => sqlite_sql(pg_sql),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `$1`-style SQL as SQLite's `?1` (hand-written SQL holds no other `$`).
pub(crate) fn sqlite_sql(pg_sql: &str) -> String {
    pg_sql.replace('$', "?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::query_plan_stability;

    /// Every SQLite connection, reading or writing, plans its statements once (see
    /// [`stable_query_plans`](crate::sqlite)).
    #[tokio::test]
    async fn sqlite_connections_keep_their_query_plans() {
        let db = testing::sqlite().await;
        let mut first = db.store.db().lease().await.unwrap();
        let mut second = db.store.db().lease().await.unwrap();
        for conn in [first.conn(), second.conn()] {
            assert_eq!(query_plan_stability(conn, -1).await.unwrap(), 1);
        }
        let writer = db.store.sqlite_writer.as_ref().unwrap();
        let mut turn = writer.turn().await.unwrap();
        assert_eq!(
            query_plan_stability(turn.sqlite_conn(), -1).await.unwrap(),
            1
        );
    }

    /// On SQLite a single write sent to the reading connections goes to the writer in its
    /// turn: it waits for an open transaction to end instead of for the lock in SQLite's
    /// busy handler, and is then read back like any other.
    #[tokio::test]
    async fn sqlite_writes_sent_to_the_readers_take_the_write_turn() {
        let db = testing::sqlite().await;
        let tx = db.store.begin().await.unwrap();
        tx.execute_unprepared(
            "INSERT INTO workspaces (id, name, created_at) VALUES (x'01', 'a', 0)",
        )
        .await
        .unwrap();
        let reader = db.store.db().clone();
        let single = tokio::spawn(async move {
            reader
                .execute_unprepared(
                    "INSERT INTO workspaces (id, name, created_at) VALUES (x'02', 'b', 0)",
                )
                .await
        });
        tx.commit().await.unwrap();
        single.await.unwrap().unwrap();
        let names = db
            .store
            .db()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM workspaces WHERE id IN (x'01', x'02') ORDER BY name",
            ))
            .await
            .unwrap();
        assert_eq!(names.len(), 2);
    }

    /// A committed transaction's pages reach the database file by themselves, though far
    /// fewer than SQLite's own autocheckpoint would wait for.
    #[tokio::test]
    async fn committed_writes_are_checkpointed_off_the_write_path() {
        let path = std::env::temp_dir().join(format!("parley-wal-{}.db", uuid::Uuid::new_v4()));
        let store = Store::connect(&StoreConfig::new(sqlite_url(&path)))
            .await
            .unwrap();
        let sql = |s: &str| Statement::from_string(DbBackend::Sqlite, s);
        store
            .db()
            .execute_raw(sql("CREATE TABLE filler (data BLOB)"))
            .await
            .unwrap();
        let tx = store.begin().await.unwrap();
        // About 200 pages of 4 KiB, all in the WAL once committed.
        tx.execute_raw(sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
             INSERT INTO filler SELECT randomblob(4000) FROM n",
        ))
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let file_len = || std::fs::metadata(&path).unwrap().len();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while file_len() < 200 * 4000 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let len = file_len();
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        assert!(len >= 200 * 4000, "the database file holds {len} bytes");
    }
}
