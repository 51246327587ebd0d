//! Full-text search that costs the same at 100 chunks and at 100,000.
//!
//! - SQLite: each bot gets a slot, and a chunk's FTS rowid is `slot << 40 | chunk rowid`, so
//!   a bot's entries are one rowid range: FTS5 counts and ranks one bot's matches alone and
//!   can stop after the first N.
//! - PostgreSQL: `search_terms` holds, per bot, in how many chunks each term occurs, so a
//!   question's common words are recognised with one indexed lookup (counting matches
//!   visits a heap row per match there).
//! - PostgreSQL: the `tsvector` also holds a token naming the bot ([`bot_token`]), so the
//!   GIN index alone finds one bot's matches (a second bitmap over `bot_id` cost more than
//!   the search), and it is kept inline (storage MAIN) instead of in the TOAST table, which
//!   made every match cost a second lookup (4–5× slower ranking).
//!
//! [`bot_token`]: crate::repo::knowledge::bot_token

use super::fk;
use crate::repo::knowledge;
use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match m.get_database_backend() {
            DbBackend::Postgres => {
                m.create_table(
                    Table::create()
                        .table("search_terms")
                        .col(uuid("bot_id"))
                        .col(string_len("term", knowledge::MAX_TERM_LEN))
                        .col(big_integer("chunks"))
                        .primary_key(Index::create().col("bot_id").col("term"))
                        .foreign_key(&mut fk(("search_terms", "bot_id"), "bots"))
                        .to_owned(),
                )
                .await?;
                db.execute_unprepared(
                    "DROP INDEX chunks_search;
                     ALTER TABLE chunks DROP COLUMN search;
                     ALTER TABLE chunks ADD COLUMN search tsvector GENERATED ALWAYS AS \
                        (setweight(to_tsvector('english', heading), 'A') || \
                         setweight(to_tsvector('english', body), 'B') || \
                         ('b' || replace(bot_id::text, '-', ''))::tsvector) STORED;
                     ALTER TABLE chunks ALTER COLUMN search SET STORAGE MAIN;
                     CREATE INDEX chunks_search ON chunks USING GIN (search);",
                )
                .await?;
            }
            _ => {
                m.create_table(
                    Table::create()
                        .table("search_slots")
                        .col(ColumnDef::new("slot").integer().not_null().primary_key())
                        .col(uuid_uniq("bot_id"))
                        .to_owned(),
                )
                .await?;
                db.execute_unprepared(
                    "INSERT INTO search_slots (bot_id) SELECT DISTINCT bot_id FROM chunks;
                     UPDATE chunks SET fts_rowid = \
                        ((SELECT slot FROM search_slots s WHERE s.bot_id = chunks.bot_id) << 40) | rowid;
                     DELETE FROM chunks_fts;
                     INSERT INTO chunks_fts (rowid, heading, body) \
                        SELECT fts_rowid, heading, body FROM chunks;",
                )
                .await?;
            }
        }
        knowledge::rebuild_search_terms(db)
            .await
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        Ok(())
    }
}
