//! SeaORM statements run through sqlx directly: on a SQLite connection Parley holds itself
//! (the writer, a reader, the checkpointer), or inside a PostgreSQL transaction that can
//! also `COPY`. SeaORM's own connections cannot be held this way.

use sea_orm::{DbErr, Statement};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;

/// SeaORM's statements on one SQLite connection Parley holds itself.
pub(crate) mod sqlite {
    use super::{exec_err, query, query_err};
    use sea_orm::{DbErr, ExecResult, QueryResult, Statement};
    use sqlx::Executor;
    use sqlx::sqlite::SqliteConnection;

    pub(crate) async fn execute(
        conn: &mut SqliteConnection,
        stmt: &Statement,
    ) -> Result<ExecResult, DbErr> {
        let done = query(stmt).execute(conn).await;
        done.map(Into::into).map_err(exec_err)
    }

    pub(crate) async fn execute_unprepared(
        conn: &mut SqliteConnection,
        sql: &str,
    ) -> Result<ExecResult, DbErr> {
        let done = conn.execute(sqlx::AssertSqlSafe(sql.to_owned())).await;
        done.map(Into::into).map_err(exec_err)
    }

    pub(crate) async fn query_one(
        conn: &mut SqliteConnection,
        stmt: &Statement,
    ) -> Result<Option<QueryResult>, DbErr> {
        let row = query(stmt).fetch_optional(conn).await;
        row.map(|row| row.map(Into::into)).map_err(query_err)
    }

    pub(crate) async fn query_all(
        conn: &mut SqliteConnection,
        stmt: &Statement,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let rows = query(stmt).fetch_all(conn).await;
        rows.map(|rows| rows.into_iter().map(Into::into).collect())
            .map_err(query_err)
    }
}

/// A SeaORM statement as an sqlx query on either backend, with the same values bound.
pub(crate) fn query<DB: sqlx::Database>(stmt: &Statement) -> sqlx::query::Query<'_, DB, SqlxValues>
where
    SqlxValues: sqlx::IntoArguments<DB>,
{
    let values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

pub(crate) fn exec_err(error: sqlx::Error) -> DbErr {
    DbErr::Exec(sea_orm::RuntimeErr::SqlxError(Arc::new(error)))
}

pub(crate) fn conn_err(error: sqlx::Error) -> DbErr {
    DbErr::Conn(sea_orm::RuntimeErr::SqlxError(Arc::new(error)))
}

pub(crate) fn query_err(error: sqlx::Error) -> DbErr {
    DbErr::Query(sea_orm::RuntimeErr::SqlxError(Arc::new(error)))
}
