//! SQLite, the default backend: how its connections are opened and set, the loop that
//! checkpoints its WAL off the write path, reads on the calling thread ([`inline`]) and the
//! BM25 ranking function full-text search registers on every connection ([`bm25`]).
//!
//! The backend-neutral handles that route to these connections are [`Db`](crate::Db) for
//! reads and [`Writer`](crate::Writer) / [`Tx`](crate::Tx) for the one writing connection.

pub(crate) mod bm25;
pub(crate) mod inline;

use crate::statement::conn_err;
use sea_orm::{DbBackend, DbErr, Statement};
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use std::time::Duration;

/// How long [`checkpoint_wal`] lets commits gather before copying them back together.
///
/// Short, because a checkpoint's cost to others grows with what it copies: it ends with an
/// fsync of the database file, and the writer's own fsync (SQLite syncs the WAL's header
/// each time a writer starts the WAL over after a complete checkpoint) and even its plain
/// writes wait behind it. At 100 ms, 8 back-to-back visitors saw all their requests stall
/// together every 0.3–0.5 s and p99 was 10–14.6 ms (6 runs); at 30 ms it was 8.9–10.1 ms
/// (4 runs), and 5.6–5.9 ms against 8.8–10.1 at 1,000 requests/s, for about 10% more CPU
/// per request at saturation (pages written again between checkpoints are copied again).
const CHECKPOINT_DELAY: Duration = Duration::from_millis(30);

/// WAL pages at which a committing connection checkpoints by itself (SQLite's own
/// autocheckpoint, 1,000 by default): reached only if [`checkpoint_wal`] falls behind.
const WAL_BACKSTOP_PAGES: &str = "10000";

/// Copies committed WAL pages back into the database file, off the write path.
///
/// SQLite's own autocheckpoint runs inside the commit that takes the WAL past 1,000
/// pages: that commit copies up to 4 MB and syncs twice while holding the write turn, so
/// every writer queued behind it waits. Here a pooled connection does it shortly after
/// writes instead, in passive mode (it never blocks the writer or readers), over a
/// connection of its own (not one of the few readers). Ends when the last [`Store`]
/// holding the writer is dropped.
/// When this process last checkpointed the WAL (epoch ms; 0: not yet), for the System page.
pub(crate) static LAST_CHECKPOINT_MS: std::sync::atomic::AtomicI64 =
    std::sync::atomic::AtomicI64::new(0);

pub(crate) async fn checkpoint_wal(
    options: SqliteConnectOptions,
    mut wrote: tokio::sync::mpsc::Receiver<()>,
) {
    let passive = Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(PASSIVE)");
    let mut conn = None;
    while wrote.recv().await.is_some() {
        tokio::time::sleep(CHECKPOINT_DELAY).await;
        while wrote.try_recv().is_ok() {}
        let checkpointed = async {
            let conn = match &mut conn {
                Some(conn) => conn,
                None => conn.insert(open_sqlite(&options).await?),
            };
            crate::statement::sqlite::query_one(conn, &passive).await
        }
        .await;
        match checkpointed {
            Ok(_) => {
                LAST_CHECKPOINT_MS.store(crate::now_ms(), std::sync::atomic::Ordering::Relaxed)
            }
            Err(error) => {
                tracing::debug!(%error, "WAL checkpoint failed; the next write retries it")
            }
        }
    }
    if let Some(conn) = conn {
        let _ = sqlx::Connection::close(conn).await;
    }
}

/// Every SQLite connection's settings. WAL lets readers run beside the one writer; NORMAL
/// sync is durable across process crashes (only an OS crash can lose the last commits).
pub(crate) fn sqlite_settings(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("wal_autocheckpoint", WAL_BACKSTOP_PAGES)
        // Deleted and overwritten content is zeroed in place, so an erased visitor's text
        // does not linger in free pages or free space (see `repo::privacy`).
        .pragma("secure_delete", "ON")
}

/// Opens one SQLite connection Parley holds itself, readied like the pool's.
pub(crate) async fn open_sqlite(
    options: &SqliteConnectOptions,
) -> Result<sqlx::SqliteConnection, DbErr> {
    let mut conn = options.connect().await.map_err(conn_err)?;
    prepare_connection(&mut conn).await.map_err(conn_err)?;
    Ok(conn)
}

/// Readies each SQLite connection: stable query plans and the ranking function.
pub(crate) async fn prepare_connection(
    conn: &mut sqlx::SqliteConnection,
) -> Result<(), sqlx::Error> {
    stable_query_plans(conn).await?;
    bm25::register(conn).await
}

/// Makes SQLite plan each statement once, whatever values are bound to it.
///
/// Without this, SQLite re-prepares a cached statement whenever a rebound parameter could
/// change its plan — and every `LIMIT ?` counts, so most of our queries were parsed and planned
/// again on each run (13% of the chat path's CPU). We have no partial indexes and run no
/// `ANALYZE`, so bound values never change a plan for us anyway.
async fn stable_query_plans(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    query_plan_stability(conn, 1).await.map(drop)
}

/// Sets SQLite's query-planner stability guarantee (`1` on, `0` off, `-1` leave as is) and
/// returns the setting now in force.
pub(crate) async fn query_plan_stability(
    conn: &mut sqlx::SqliteConnection,
    value: std::ffi::c_int,
) -> Result<std::ffi::c_int, sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    // SAFETY: the handle is this connection's, open and held locked for the call.
    unsafe { query_plan_stability_of(handle.as_raw_handle().as_ptr(), value) }.map_err(|rc| {
        sqlx::Error::Protocol(format!(
            "could not set query plan stability (sqlite error {rc})"
        ))
    })
}

/// [`query_plan_stability`] on a raw handle; the error is SQLite's result code.
///
/// # Safety
/// `db` must be an open connection no other thread uses during the call.
pub(crate) unsafe fn query_plan_stability_of(
    db: *mut libsqlite3_sys::sqlite3,
    value: std::ffi::c_int,
) -> Result<std::ffi::c_int, std::ffi::c_int> {
    let mut now: std::ffi::c_int = -1;
    // SAFETY: SQLITE_DBCONFIG_ENABLE_QPSG takes an int and a pointer to an int it reports
    // into; the caller vouches for `db`.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            value,
            &mut now as *mut std::ffi::c_int,
        )
    };
    match rc {
        libsqlite3_sys::SQLITE_OK => Ok(now),
        rc => Err(rc),
    }
}
