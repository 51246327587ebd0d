//! SQLite: removes the full-text rows and search slots that deleted bots left behind (bot
//! deletion did not remove them before; it does now, see `repo::bots::delete`), so no
//! deleted bot's text stays in the index.

use sea_orm::{DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        let db = m.get_connection();
        let orphans = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT slot FROM search_slots WHERE bot_id NOT IN (SELECT id FROM bots)",
            ))
            .await?;
        for row in orphans {
            let slot: i64 = row.try_get("", "slot")?;
            // A slot is a rowid range, which FTS5 deletes through its rowid index.
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "DELETE FROM chunks_fts WHERE rowid BETWEEN ?1 << 40 AND (?1 << 40) + 1099511627775",
                [slot.into()],
            ))
            .await?;
        }
        db.execute_unprepared("DELETE FROM search_slots WHERE bot_id NOT IN (SELECT id FROM bots)")
            .await?;
        Ok(())
    }
}
