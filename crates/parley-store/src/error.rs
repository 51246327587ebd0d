use sea_orm::{DbErr, RuntimeErr, SqlErr};

pub type StoreResult<T> = Result<T, StoreError>;

/// What went wrong in the database, sorted by what a caller does about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in this workspace (or at all: callers must not tell apart).
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; names the constraint's message.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached right now; retrying later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data that does not decode (a bug or a manual edit).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = err.sql_err() {
            return StoreError::Conflict(msg);
        }
        if is_unavailable(&err) {
            return StoreError::Unavailable(err.to_string());
        }
        match err {
            DbErr::RecordNotFound(_) => StoreError::NotFound,
            other => StoreError::Db(other),
        }
    }
}

/// Connection-level failures (pool timeouts, refused or dropped connections), as opposed to
/// errors in a statement.
fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => matches!(
            e.as_ref(),
            sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Tls(_)
        ),
        _ => false,
    }
}
