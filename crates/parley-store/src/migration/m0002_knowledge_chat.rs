//! Knowledge (documents, chunks with full-text search, FAQs) and chat (visitors,
//! conversations, messages, notes).
//!
//! Full-text search is where the engines differ: SQLite gets an FTS5 table (BM25 ranking,
//! Porter stemming) whose rows the repository writes in the same transaction as the chunks
//! (each chunk keeps its FTS row id: SQLite may renumber implicit rowids on VACUUM);
//! PostgreSQL gets a generated, weighted `tsvector` column with a GIN index.

use super::{fk, index};
use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("documents")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                .col(string("name"))
                .col(string("content_type"))
                .col(big_integer("size_bytes"))
                .col(string("sha256"))
                .col(string("status"))
                .col(text_null("error"))
                .col(integer("chunk_count"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("documents", "bot_id"), "bots"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "documents_bot",
            "documents",
            &["bot_id", "created_at"],
        ))
        .await?;

        // The uploaded bytes, kept until ingestion finishes, in the database so any node's
        // worker can read them.
        m.create_table(
            Table::create()
                .table("document_sources")
                .col(pk_uuid("document_id"))
                .col(blob("content"))
                .foreign_key(&mut fk(("document_sources", "document_id"), "documents"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("chunks")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                .col(uuid("document_id"))
                .col(integer("ordinal"))
                .col(text("heading"))
                .col(text("body"))
                .col(integer("token_count"))
                .col(blob_null("embedding"))
                // SQLite only: the row of this chunk in `chunks_fts`.
                .col(big_integer_null("fts_rowid"))
                .foreign_key(&mut fk(("chunks", "document_id"), "documents"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "chunks_document",
            "chunks",
            &["document_id", "ordinal"],
        ))
        .await?;
        m.create_index(index("chunks_bot", "chunks", &["bot_id"]))
            .await?;

        match m.get_database_backend() {
            DbBackend::Postgres => {
                m.get_connection()
                    .execute_unprepared(
                        "ALTER TABLE chunks ADD COLUMN search tsvector GENERATED ALWAYS AS \
                         (setweight(to_tsvector('english', heading), 'A') || \
                          setweight(to_tsvector('english', body), 'B')) STORED;
                         CREATE INDEX chunks_search ON chunks USING GIN (search);",
                    )
                    .await?;
            }
            _ => {
                m.get_connection()
                    .execute_unprepared(
                        "CREATE VIRTUAL TABLE chunks_fts USING fts5(heading, body, \
                         tokenize = 'porter unicode61 remove_diacritics 2');
                         CREATE INDEX chunks_fts_row ON chunks (fts_rowid);",
                    )
                    .await?;
            }
        }

        m.create_table(
            Table::create()
                .table("faqs")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                .col(text("question"))
                .col(text("answer"))
                .col(integer("position"))
                .col(boolean("enabled"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("faqs", "bot_id"), "bots"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("faqs_bot", "faqs", &["bot_id", "position"]))
            .await?;

        m.create_table(
            Table::create()
                .table("visitors")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                .col(string_null("email"))
                .col(big_integer("created_at"))
                .col(big_integer("last_seen_at"))
                .foreign_key(&mut fk(("visitors", "bot_id"), "bots"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("visitors_email", "visitors", &["bot_id", "email"])
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("conversations")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                .col(uuid("visitor_id"))
                .col(string("status"))
                .col(boolean("human_handoff"))
                .col(text("preview"))
                .col(text("summary"))
                .col(integer("summarized_count"))
                .col(integer("message_count"))
                .col(json_binary("tags"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer("last_message_at"))
                .foreign_key(&mut fk(("conversations", "bot_id"), "bots"))
                .foreign_key(&mut fk(("conversations", "visitor_id"), "visitors"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "conversations_inbox",
            "conversations",
            &["workspace_id", "last_message_at"],
        ))
        .await?;
        m.create_index(index(
            "conversations_visitor",
            "conversations",
            &["visitor_id", "last_message_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("messages")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("conversation_id"))
                .col(string("role"))
                .col(text("body"))
                .col(json_binary("citations"))
                .col(string_null("model"))
                .col(integer_null("prompt_tokens"))
                .col(integer_null("completion_tokens"))
                .col(integer_null("latency_ms"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("messages", "conversation_id"), "conversations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "messages_conversation",
            "messages",
            &["conversation_id", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("notes")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("conversation_id"))
                .col(uuid("author_user_id"))
                .col(text("body"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("notes", "conversation_id"), "conversations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notes_conversation",
            "notes",
            &["conversation_id", "id"],
        ))
        .await?;
        Ok(())
    }
}
