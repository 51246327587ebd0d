//! PostgreSQL: chunk rows up to a page's size stay inline and uncompressed. By default a
//! row over 2 kB (one in eight of ours: a chunk's text with its `tsvector`) is compressed
//! with pglz at ingestion and decompressed by every search that ranks it; our rows are
//! small enough to keep whole.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared("ALTER TABLE chunks SET (toast_tuple_target = 8160)")
            .await?;
        Ok(())
    }
}
