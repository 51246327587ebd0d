//! Writing: a turn on SQLite's one writing connection ([`Writer`]) and write transactions
//! ([`Tx`]) on either backend.
//!
//! SQLite has one writer at a time, so this process's writes queue for one connection it
//! holds itself, first come first served. Not a pool: a pooled connection is pinged each time
//! it is returned (a round trip to SQLite's worker thread, on a task spawned for it), and the
//! next writer waited for that ping before it could begin, which took a third of every write
//! turn. Holding the connection also keeps its page cache valid between transactions (SQLite
//! drops a connection's cache whenever another one has written).

use crate::statement::{exec_err, query, query_err, sqlite};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The writing connection and the turn to use it; cloned with the [`Store`](crate::Store).
#[derive(Clone)]
pub(crate) struct SqliteWriter {
    slot: Arc<Mutex<Slot>>,
    options: Arc<SqliteConnectOptions>,
    /// Told of each committed transaction, for [`checkpoint_wal`](crate::sqlite::checkpoint_wal).
    pub(crate) wrote: tokio::sync::mpsc::Sender<()>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteWriter")
    }
}

/// What the turn guards.
struct Slot {
    /// Opened by the first writer (the store connects lazily).
    conn: Option<SqliteConnection>,
    state: TxState,
    /// A transaction's writes deferred by [`ExecuteLater`], to go with its next statement.
    deferred: Vec<Statement>,
}

/// Where the writing connection is in a transaction.
#[derive(Clone, Copy, PartialEq)]
enum TxState {
    None,
    /// Begun by a [`Tx`]: `BEGIN IMMEDIATE` is sent with its first statement, which saves
    /// the turn one round trip to SQLite's thread.
    Begun,
    /// `BEGIN IMMEDIATE` sent. Still so when a turn starts: the [`Tx`] was dropped where no
    /// task could be spawned to roll it back, so the next writer does.
    Open,
}

impl SqliteWriter {
    pub(crate) fn new(options: SqliteConnectOptions, wrote: tokio::sync::mpsc::Sender<()>) -> Self {
        Self {
            slot: Arc::new(Mutex::new(Slot {
                conn: None,
                state: TxState::None,
                deferred: Vec::new(),
            })),
            options: Arc::new(options),
            wrote,
        }
    }

    /// Waits for this process's earlier writers, then hands over the connection.
    pub(crate) async fn turn(&self) -> Result<Writer, DbErr> {
        let mut slot = self.slot.clone().lock_owned().await;
        if slot.conn.is_none() {
            let mut conn = crate::sqlite::open_sqlite(&self.options).await?;
            sqlx::query(CREATE_CHANGES_RESET)
                .execute(&mut conn)
                .await
                .map_err(exec_err)?;
            slot.conn = Some(conn);
        }
        if slot.state == TxState::Open {
            rollback(&mut slot).await;
        }
        slot.state = TxState::None;
        slot.deferred.clear();
        Ok(Writer {
            inner: WriterInner::Sqlite(Mutex::new(slot)),
        })
    }

    pub(crate) async fn close(&self) {
        if let Some(conn) = self.slot.lock().await.conn.take() {
            let _ = conn.close().await;
        }
    }
}

impl Slot {
    fn conn(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("connected by `turn`")
    }

    /// Sends the deferred writes (after `BEGIN IMMEDIATE` if due), then `end` if given, as one
    /// command: one round trip to SQLite's thread. Does nothing when there is nothing to send.
    async fn send_deferred(&mut self, end: Option<&str>) -> Result<(), DbErr> {
        if self.deferred.is_empty() && end.is_none() {
            return Ok(());
        }
        let mut sql = self.begin().to_string();
        let mut values = Vec::new();
        for stmt in self.deferred.drain(..) {
            sql.push_str(&stmt.sql);
            sql.push_str("; ");
            values.extend(stmt.values.map(|v| v.0).unwrap_or_default());
        }
        sql.push_str(end.unwrap_or_default());
        let batch = Statement::from_sql_and_values(DbBackend::Sqlite, sql, values);
        sqlite::execute(self.conn(), &batch).await.map(drop)
    }

    /// Sends the deferred writes, then returns the statement to send: with `BEGIN IMMEDIATE`
    /// before it if it is the first of a transaction (sqlx runs both in one command, binding
    /// the values to the second).
    async fn next<'a>(
        &mut self,
        stmt: &'a Statement,
    ) -> Result<std::borrow::Cow<'a, Statement>, DbErr> {
        self.send_deferred(None).await?;
        Ok(match self.begin() {
            "" => std::borrow::Cow::Borrowed(stmt),
            begin => std::borrow::Cow::Owned(Statement {
                sql: format!("{begin}{}", stmt.sql),
                ..stmt.clone()
            }),
        })
    }

    /// `BEGIN IMMEDIATE; ` to put before what is sent next if the transaction is begun but
    /// not yet sent (and it counts as sent from now), else nothing.
    ///
    /// sqlx adds up the row counts of a command's statements, and `BEGIN` reports
    /// `sqlite3_changes()`, the count of the connection's last write: a transaction's first
    /// statement reported its rows plus the previous write's. A write to this connection's
    /// own temporary table that changes nothing comes first and sets that count to 0 (no
    /// lock on the database, no WAL frame).
    fn begin(&mut self) -> &'static str {
        if self.state != TxState::Begun {
            return "";
        }
        self.state = TxState::Open;
        "DELETE FROM temp.parley_changes WHERE 0; BEGIN IMMEDIATE; "
    }
}

/// The writing connection's own table for [`Slot::begin`]'s count reset.
const CREATE_CHANGES_RESET: &str = "CREATE TEMP TABLE IF NOT EXISTS parley_changes (x INTEGER)";

/// Rolls back whatever transaction is open. SQLite refuses only when none is (its `BEGIN`
/// failed, or an error already rolled it back), so that refusal is no failure.
async fn rollback(slot: &mut Slot) {
    if let Err(error) = sqlx::query("ROLLBACK").execute(slot.conn()).await {
        tracing::debug!(%error, "nothing to roll back");
    }
}

/// A turn at writing outside a transaction (one statement, or a few that need not be
/// atomic): on SQLite this process's writing connection, held until dropped; on PostgreSQL
/// the pool. From [`Store::writer`](crate::Store::writer).
pub struct Writer {
    inner: WriterInner,
}

enum WriterInner {
    Sqlite(Mutex<OwnedMutexGuard<Slot>>),
    Postgres(sea_orm::DatabaseConnection),
}

impl Writer {
    /// The writing connection (SQLite only).
    #[cfg(test)]
    pub(crate) fn sqlite_conn(&mut self) -> &mut SqliteConnection {
        match &mut self.inner {
            WriterInner::Sqlite(slot) => slot.get_mut().conn(),
            WriterInner::Postgres(_) => panic!("SQLite only"),
        }
    }

    pub(crate) fn postgres(db: sea_orm::DatabaseConnection) -> Self {
        Self {
            inner: WriterInner::Postgres(db),
        }
    }

    /// Holds `stmt` back until the transaction's next statement or its commit (SQLite).
    async fn defer(&self, stmt: Statement) -> Result<(), DbErr> {
        match &self.inner {
            WriterInner::Sqlite(slot) => {
                slot.lock().await.deferred.push(stmt);
                Ok(())
            }
            WriterInner::Postgres(db) => db.execute_raw(stmt).await.map(drop),
        }
    }
}

/// Where a write whose outcome nobody reads can wait for the next statement.
///
/// On SQLite each statement is a round trip to the connection's own thread, and a
/// transaction holds the one write turn for all of its trips. So inside a SQLite [`Tx`] such
/// a write is deferred and sent in one command with the transaction's next statement or
/// with its `COMMIT`. Everywhere else it runs at once.
#[async_trait::async_trait]
pub trait ExecuteLater: ConnectionTrait {
    /// Runs `stmt` now or with the transaction's next statement (which then reads what it
    /// wrote). A failure then fails that statement or the commit, and so the transaction.
    async fn execute_later(&self, stmt: Statement) -> Result<(), DbErr> {
        self.execute_raw(stmt).await.map(drop)
    }
}

impl ExecuteLater for Writer {}
impl ExecuteLater for crate::Db {}
impl ExecuteLater for sea_orm::DatabaseConnection {}

#[async_trait::async_trait]
impl ExecuteLater for Tx {
    async fn execute_later(&self, stmt: Statement) -> Result<(), DbErr> {
        match &self.inner {
            TxInner::Sqlite(tx) if binds_in_order(&stmt.sql) => tx.writer().defer(stmt).await,
            _ => self.execute_raw(stmt).await.map(drop),
        }
    }
}

/// Whether sqlx binds the statement's values in order even after other statements in one
/// command: plain `?` placeholders (what SeaORM writes for SQLite). Numbered ones (`?1`,
/// `$1`) count from the command's first value instead.
fn binds_in_order(sql: &str) -> bool {
    !sql.as_bytes()
        .windows(2)
        .any(|w| matches!(w[0], b'?' | b'$') && w[1].is_ascii_digit())
}

#[async_trait::async_trait]
impl ConnectionTrait for Writer {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            WriterInner::Sqlite(_) => DbBackend::Sqlite,
            WriterInner::Postgres(db) => db.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            WriterInner::Sqlite(slot) => {
                let mut slot = slot.lock().await;
                let stmt = slot.next(&stmt).await?;
                sqlite::execute(slot.conn(), &stmt).await
            }
            WriterInner::Postgres(db) => db.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            WriterInner::Sqlite(slot) => {
                let mut slot = slot.lock().await;
                let stmt = Statement::from_string(DbBackend::Sqlite, sql);
                let sql = slot.next(&stmt).await?;
                sqlite::execute_unprepared(slot.conn(), &sql.sql).await
            }
            WriterInner::Postgres(db) => db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            WriterInner::Sqlite(slot) => {
                let mut slot = slot.lock().await;
                let stmt = slot.next(&stmt).await?;
                sqlite::query_one(slot.conn(), &stmt).await
            }
            WriterInner::Postgres(db) => db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            WriterInner::Sqlite(slot) => {
                let mut slot = slot.lock().await;
                let stmt = slot.next(&stmt).await?;
                sqlite::query_all(slot.conn(), &stmt).await
            }
            WriterInner::Postgres(db) => db.query_all_raw(stmt).await,
        }
    }
}

/// A write transaction; on SQLite it holds this process's write turn until it ends.
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    /// SQLite: the writing connection; `BEGIN IMMEDIATE` goes with the first statement.
    Sqlite(SqliteTx),
    /// PostgreSQL: sqlx's own transaction, which SeaORM's statements run on just the same
    /// and which can also bulk-load with `COPY` (SeaORM's exposes no connection for it).
    Postgres(Mutex<sqlx::Transaction<'static, sqlx::Postgres>>),
}

/// A SQLite transaction; ended by commit or rollback, else rolled back when dropped.
struct SqliteTx {
    /// `None` once ended.
    writer: Option<Writer>,
    wrote: tokio::sync::mpsc::Sender<()>,
}

impl Tx {
    /// SQLite: takes the write lock up front (IMMEDIATE), with the first statement: a
    /// deferred transaction that reads and then writes can fail with SQLITE_BUSY instead of
    /// waiting its turn.
    pub(crate) async fn sqlite(writer: &SqliteWriter) -> Result<Tx, DbErr> {
        let turn = writer.turn().await?;
        if let WriterInner::Sqlite(slot) = &turn.inner {
            slot.lock().await.state = TxState::Begun;
        }
        Ok(Tx {
            inner: TxInner::Sqlite(SqliteTx {
                writer: Some(turn),
                wrote: writer.wrote.clone(),
            }),
        })
    }

    pub(crate) fn postgres(tx: sqlx::Transaction<'static, sqlx::Postgres>) -> Tx {
        Tx {
            inner: TxInner::Postgres(Mutex::new(tx)),
        }
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        match self.inner {
            TxInner::Sqlite(mut tx) => {
                tx.end(true).await?;
                let _ = tx.wrote.try_send(()); // full: a checkpoint is due already
                Ok(())
            }
            TxInner::Postgres(tx) => tx.into_inner().commit().await.map_err(exec_err),
        }
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        match self.inner {
            TxInner::Sqlite(mut tx) => tx.end(false).await,
            TxInner::Postgres(tx) => tx.into_inner().rollback().await.map_err(exec_err),
        }
    }

    /// PostgreSQL: runs `COPY … FROM STDIN` with the data received from `parts`, each sent
    /// as it arrives (so whoever makes the next part works while the server loads this
    /// one); returns the rows loaded. SQLite has no `COPY`: an error there.
    pub async fn copy_in(
        &self,
        statement: &str,
        mut parts: tokio::sync::mpsc::Receiver<Vec<u8>>,
    ) -> Result<u64, DbErr> {
        let TxInner::Postgres(tx) = &self.inner else {
            return Err(DbErr::Custom("COPY needs PostgreSQL".into()));
        };
        let mut tx = tx.lock().await;
        let mut copy = tx.copy_in_raw(statement).await.map_err(exec_err)?;
        while let Some(part) = parts.recv().await {
            if let Err(error) = copy.send(part).await {
                let _ = copy.abort("the data could not be sent").await;
                return Err(exec_err(error));
            }
        }
        copy.finish().await.map_err(exec_err)
    }
}

impl SqliteTx {
    fn writer(&self) -> &Writer {
        self.writer
            .as_ref()
            .expect("a transaction is used only until it ends")
    }

    async fn end(&mut self, commit: bool) -> Result<(), DbErr> {
        match self.writer.take() {
            Some(writer) => end(writer, commit).await,
            None => Ok(()),
        }
    }
}

/// Commits or rolls back the transaction on `writer`. A failed commit is rolled back, so the
/// connection is left outside any transaction either way.
async fn end(writer: Writer, commit: bool) -> Result<(), DbErr> {
    let WriterInner::Sqlite(slot) = writer.inner else {
        return Ok(());
    };
    let mut slot = slot.into_inner();
    if !commit {
        slot.deferred.clear();
        if std::mem::replace(&mut slot.state, TxState::None) == TxState::Open {
            rollback(&mut slot).await;
        }
        return Ok(());
    }
    if slot.state == TxState::Begun && slot.deferred.is_empty() {
        slot.state = TxState::None;
        return Ok(()); // nothing was sent: there is nothing to commit
    }
    // The deferred writes and COMMIT, after BEGIN if nothing was sent yet: one command.
    let committed = slot.send_deferred(Some("COMMIT")).await;
    slot.state = TxState::None;
    if committed.is_err() {
        rollback(&mut slot).await;
    }
    committed
}

impl Drop for SqliteTx {
    /// Ended by neither commit nor rollback (an error, or a cancelled request): rolled back
    /// at once on a task that keeps the turn until then, so SQLite's write lock is not left
    /// held. Without a runtime the next writer rolls it back instead (see [`TxState::Open`]).
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(end(writer, false));
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            TxInner::Sqlite(_) => DbBackend::Sqlite,
            TxInner::Postgres(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            TxInner::Sqlite(tx) => tx.writer().execute_raw(stmt).await,
            TxInner::Postgres(tx) => {
                let mut tx = tx.lock().await;
                let done = query(&stmt).execute(&mut **tx).await;
                done.map(Into::into).map_err(exec_err)
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            TxInner::Sqlite(tx) => tx.writer().execute_unprepared(sql).await,
            TxInner::Postgres(tx) => {
                let mut tx = tx.lock().await;
                let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **tx)
                    .await;
                done.map(Into::into).map_err(exec_err)
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            TxInner::Sqlite(tx) => tx.writer().query_one_raw(stmt).await,
            TxInner::Postgres(tx) => {
                let mut tx = tx.lock().await;
                let row = query(&stmt).fetch_optional(&mut **tx).await;
                row.map(|row| row.map(Into::into)).map_err(query_err)
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            TxInner::Sqlite(tx) => tx.writer().query_all_raw(stmt).await,
            TxInner::Postgres(tx) => {
                let mut tx = tx.lock().await;
                let rows = query(&stmt).fetch_all(&mut **tx).await;
                rows.map(|rows| rows.into_iter().map(Into::into).collect())
                    .map_err(query_err)
            }
        }
    }
}
