//! SQLite: each bot's search slot counts the bot's chunks, so ranking can tell how rare a
//! word is among the bot's own chunks (see `fts_rank`) without counting them per query.

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
                "ALTER TABLE search_slots ADD COLUMN chunks BIGINT NOT NULL DEFAULT 0;
                 UPDATE search_slots SET chunks = \
                    (SELECT count(*) FROM chunks WHERE chunks.bot_id = search_slots.bot_id);",
            )
            .await?;
        Ok(())
    }
}
