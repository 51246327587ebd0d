//! SQLite: each bot's search slot carries a version, bumped by every change to the bot's
//! chunks in the same transaction, so counts made from the index can be reused while the
//! version stands (see `repo::word_counts`).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(
                "ALTER TABLE search_slots ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
            )
            .await?;
        Ok(())
    }
}
