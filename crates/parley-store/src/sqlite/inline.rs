//! SQLite reads run on the calling thread, for the chat's hot path.
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is sent there and
//! its rows are sent back, two thread switches per statement. On two cores those cost more
//! than a short read itself: at saturation the kernel's futex and scheduler work was 14% of
//! `chat_bench`'s CPU. The reads on every chat message (retrieval's counts and rankings, the
//! widget's conversation check, a model's recent turns; see [`crate::Db::rows`]) go through
//! here instead: rusqlite connections to the same file, used on the async task's own
//! thread. Such a read holds its worker thread for as long as the statement runs, well
//! under a millisecond for these, which is less than the switches cost; long reads stay on
//! sqlx's threads.
//!
//! The file is opened by path: an in-memory SQLite database (which Parley does not use)
//! cannot be read this way.

use crate::{StoreError, StoreResult};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use sea_orm::{DbErr, QueryResult, RuntimeErr, TryGetable, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// How long a read waits out a lock SQLite holds briefly (recovering the WAL index). In WAL
/// mode reads never wait for writers, so this is short: the wait blocks a worker thread,
/// and a read that gives up fails as "unavailable".
const BUSY_TIMEOUT: Duration = Duration::from_millis(100);
/// Distinct statements each connection keeps prepared (retrieval's vary with the number
/// of words asked).
const CACHED_STATEMENTS: usize = 64;

/// Connections for reads on the calling thread.
pub(crate) struct InlineReaders {
    path: PathBuf,
    /// Connections not in use: as many as threads have read at once.
    idle: Mutex<Vec<Connection>>,
    /// Set by [`InlineReaders::close`]: reads fail, connections are not kept.
    closed: AtomicBool,
}

impl InlineReaders {
    pub(crate) fn new(path: PathBuf) -> InlineReaders {
        InlineReaders {
            path,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    /// Runs one read whose parameters are numbered (`?1`, `?2`, …) in `values`' order.
    pub(crate) fn rows(&self, sql: &str, values: &[Value]) -> StoreResult<Vec<Row>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable("the database is closed".into()));
        }
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open().map_err(failed)?,
        };
        let rows = read(&conn, sql, values).map_err(failed);
        if !self.closed.load(Ordering::Acquire) {
            self.idle().push(conn);
        }
        rows
    }

    /// Closes the idle connections; those in use close when their read ends.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        std::mem::take(&mut *self.idle());
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a connection readied like sqlx's: stable plans, `parley_bm25`, and no writes.
    fn open(&self) -> rusqlite::Result<Connection> {
        // Read-write, as a WAL reader updates the shared-memory index; `query_only` below
        // refuses every write. No mutex: one thread uses a connection at a time.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", true)?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        // SAFETY: the handle is this connection's, open, and used by this thread alone.
        let setup = unsafe {
            crate::sqlite::query_plan_stability_of(conn.handle(), 1).and_then(|_| {
                match crate::sqlite::bm25::create_function(conn.handle()) {
                    libsqlite3_sys::SQLITE_OK => Ok(0),
                    rc => Err(rc),
                }
            })
        };
        setup.map_err(|rc| {
            rusqlite::Error::SqliteFailure(libsqlite3_sys::Error::new(rc), Some("setup".into()))
        })?;
        Ok(conn)
    }
}

fn read(conn: &Connection, sql: &str, values: &[Value]) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    if stmt.parameter_count() != values.len() {
        return Err(rusqlite::Error::InvalidParameterCount(
            values.len(),
            stmt.parameter_count(),
        ));
    }
    for (i, value) in values.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, parameter(value)?)?;
    }
    let names: Arc<[String]> = stmt.column_names().into_iter().map(String::from).collect();
    let mut rows = stmt.raw_query();
    let mut read = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..names.len())
            .map(|i| row.get::<_, SqlValue>(i))
            .collect::<rusqlite::Result<_>>()?;
        read.push(Row::Inline {
            names: names.clone(),
            values,
        });
    }
    Ok(read)
}

/// A bound value as sqlx would bind it (a UUID as its 16 bytes).
fn parameter(value: &Value) -> rusqlite::Result<SqlValue> {
    Ok(match value {
        Value::Bool(Some(b)) => SqlValue::Integer(*b as i64),
        Value::TinyInt(Some(i)) => SqlValue::Integer(*i as i64),
        Value::SmallInt(Some(i)) => SqlValue::Integer(*i as i64),
        Value::Int(Some(i)) => SqlValue::Integer(*i as i64),
        Value::BigInt(Some(i)) => SqlValue::Integer(*i),
        Value::TinyUnsigned(Some(i)) => SqlValue::Integer(*i as i64),
        Value::SmallUnsigned(Some(i)) => SqlValue::Integer(*i as i64),
        Value::Unsigned(Some(i)) => SqlValue::Integer(*i as i64),
        Value::BigUnsigned(Some(i)) => SqlValue::Integer(
            i64::try_from(*i).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
        ),
        Value::Float(Some(f)) => SqlValue::Real(*f as f64),
        Value::Double(Some(f)) => SqlValue::Real(*f),
        Value::String(Some(s)) => SqlValue::Text(s.clone()),
        Value::Bytes(Some(b)) => SqlValue::Blob(b.clone()),
        Value::Uuid(Some(u)) => SqlValue::Blob(u.as_bytes().to_vec()),
        Value::Bool(None)
        | Value::TinyInt(None)
        | Value::SmallInt(None)
        | Value::Int(None)
        | Value::BigInt(None)
        | Value::TinyUnsigned(None)
        | Value::SmallUnsigned(None)
        | Value::Unsigned(None)
        | Value::BigUnsigned(None)
        | Value::Float(None)
        | Value::Double(None)
        | Value::String(None)
        | Value::Bytes(None)
        | Value::Uuid(None) => SqlValue::Null,
        other => {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                format!("no inline binding for {other:?}").into(),
            ));
        }
    })
}

/// A busy or unopenable database is "unavailable", like a pool timeout.
fn failed(err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::CannotOpen) => {
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Db(DbErr::Query(RuntimeErr::Internal(err.to_string()))),
    }
}

/// One row of a read, from either path.
pub(crate) enum Row {
    Orm(QueryResult),
    Inline {
        names: Arc<[String]>,
        values: Vec<SqlValue>,
    },
}

impl Row {
    /// The named column's value.
    pub(crate) fn get<T: Column>(&self, name: &str) -> StoreResult<T> {
        match self {
            Row::Orm(row) => Ok(row.try_get("", name)?),
            Row::Inline { names, values } => {
                let value = names
                    .iter()
                    .position(|n| n == name)
                    .map(|i| &values[i])
                    .ok_or_else(|| StoreError::Corrupt(format!("no column {name}")))?;
                T::from_inline(value).ok_or_else(|| {
                    StoreError::Corrupt(format!("column {name} holds {:?}", value.data_type()))
                })
            }
        }
    }
}

/// A Rust type a column decodes into on either path.
pub(crate) trait Column: TryGetable + Sized {
    fn from_inline(value: &SqlValue) -> Option<Self>;
}

impl Column for i64 {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

impl Column for i32 {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        i64::from_inline(value).and_then(|i| i.try_into().ok())
    }
}

impl Column for f64 {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Real(f) => Some(*f),
            SqlValue::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl Column for String {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl Column for Vec<u8> {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}

impl Column for Uuid {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Blob(b) => Uuid::from_slice(b).ok(),
            _ => None,
        }
    }
}

impl Column for bool {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        i64::from_inline(value).map(|i| i != 0)
    }
}

/// JSON is stored as text, as sqlx stores it.
impl Column for serde_json::Value {
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Text(s) => serde_json::from_str(s).ok(),
            _ => None,
        }
    }
}

impl<T: Column> Column for Option<T>
where
    Option<T>: TryGetable,
{
    fn from_inline(value: &SqlValue) -> Option<Self> {
        match value {
            SqlValue::Null => Some(None),
            value => T::from_inline(value).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use sea_orm::ConnectionTrait;

    fn inline_of(db: &testing::TestDb) -> InlineReaders {
        let path = db.sqlite_file.clone().expect("a SQLite test database");
        InlineReaders::new(path)
    }

    /// Inline connections are readied like sqlx's: stable plans, the ranking function, and
    /// they refuse writes.
    #[tokio::test]
    async fn inline_connections_are_readied_and_read_only() {
        let db = testing::sqlite().await;
        let inline = inline_of(&db);
        let conn = inline.open().unwrap();
        // SAFETY: the connection is open and used by this thread alone.
        assert_eq!(
            unsafe { crate::sqlite::query_plan_stability_of(conn.handle(), -1) },
            Ok(1)
        );
        let err = conn.execute("DELETE FROM workspaces", []).unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        let ranked = conn.prepare("SELECT parley_bm25(chunks_fts, 0, 0, 2.0, 1.0) FROM chunks_fts");
        assert!(ranked.is_ok(), "{:?}", ranked.err());
    }

    /// Values decode as sqlx decodes them, parameters bind by number, and a mismatch is an
    /// error rather than a wrong answer.
    #[tokio::test]
    async fn rows_decode_like_sqlx_and_parameters_are_checked() {
        let db = testing::sqlite().await;
        let inline = inline_of(&db);
        let id = Uuid::new_v4();
        let sql =
            "SELECT ?1 AS id, ?2 AS name, ?3 AS n, ?4 AS score, NULL AS missing, ?2 || '!' AS loud";
        let values = [id.into(), "boots".into(), 7i64.into(), 0.5f64.into()];
        let rows = inline.rows(sql, &values).unwrap();
        let row = &rows[0];
        assert_eq!(row.get::<Uuid>("id").unwrap(), id);
        assert_eq!(row.get::<String>("name").unwrap(), "boots");
        assert_eq!(row.get::<i64>("n").unwrap(), 7);
        assert_eq!(row.get::<i32>("n").unwrap(), 7);
        assert_eq!(row.get::<f64>("score").unwrap(), 0.5);
        assert_eq!(row.get::<Option<String>>("missing").unwrap(), None);
        assert_eq!(
            row.get::<Option<String>>("loud").unwrap().as_deref(),
            Some("boots!")
        );
        assert!(matches!(
            row.get::<i64>("name"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            row.get::<i64>("nothing"),
            Err(StoreError::Corrupt(_))
        ));

        // The same values through sqlx decode the same.
        let orm = db
            .store
            .db()
            .query_one_raw(crate::raw(
                sea_orm::DbBackend::Sqlite,
                &sql.replace('?', "$"),
                values.to_vec(),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(Row::Orm(orm).get::<Uuid>("id").unwrap(), id);

        assert!(inline.rows("SELECT ?1, ?2", &values[..1]).is_err());
        assert!(inline.rows("SELECT ?1", &values[..2]).is_err());
        assert!(inline.rows("SELECT nonsense FROM", &[]).is_err());
        // A failed read puts its connection back.
        assert_eq!(inline.idle().len(), 1);
        inline.close();
        assert!(matches!(
            inline.rows("SELECT 1", &[]),
            Err(StoreError::Unavailable(_))
        ));
        assert!(inline.idle().is_empty());
    }
}
