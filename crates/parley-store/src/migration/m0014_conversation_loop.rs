//! What a support team works a conversation with: waiting for a human, assignment, the
//! visitor's rating, the columns the inbox filters and sorts on (copied out of the insight
//! JSON, which neither database indexes alike), visitors' names, agents as message authors,
//! documents' source URLs, canned replies and agents' presence.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Adds `columns` to `table` one statement each (SQLite alters one column at a time).
async fn add_columns(
    m: &SchemaManager<'_>,
    table: &'static str,
    columns: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    for mut column in columns {
        m.alter_table(
            Table::alter()
                .table(table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            m,
            "conversations",
            vec![
                // When the visitor asked for a person; null once an agent answers.
                big_integer_null("waiting_since"),
                uuid_null("assignee_id"),
                integer_null("rating"),
                text_null("rating_comment"),
                // From the insight, for filters: `negative`, `neutral`, `positive` or null.
                string_len_null("sentiment_label", 16),
                integer("lead_score").default(0).to_owned(),
                string_len("lead_priority", 8).default("cold").to_owned(),
                // Intents seen, as `,name,name,` so one `LIKE` finds one.
                text("intents").default("").to_owned(),
                // Bot fallbacks in a row, for handoff after repeated misses.
                integer("fallbacks").default(0).to_owned(),
                // How long the last request for a person waited for an agent's reply (ms).
                big_integer_null("handoff_wait_ms"),
            ],
        )
        .await?;
        add_columns(
            m,
            "visitors",
            vec![
                string_len_null("name", 120),
                string_len_null("company", 120),
                // An email the visitor typed in chat: shown to agents, never an identity.
                string_len_null("contact_email", 254),
            ],
        )
        .await?;
        add_columns(m, "messages", vec![uuid_null("author_id")]).await?;
        add_columns(m, "documents", vec![string_len_null("source_url", 2048)]).await?;
        m.create_index(index(
            "conversations_workspace_waiting",
            "conversations",
            &["workspace_id", "waiting_since"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("canned_replies")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string_len("shortcut", 32))
                .col(text("body"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("canned_replies", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "canned_replies_workspace_shortcut",
                "canned_replies",
                &["workspace_id", "shortcut"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("presence")
                .col(uuid("workspace_id"))
                .col(uuid("user_id"))
                // `online` or `away`; offline is a `seen_at` too old.
                .col(string_len("status", 8))
                .col(big_integer("seen_at"))
                .primary_key(Index::create().col("workspace_id").col("user_id"))
                .foreign_key(&mut fk(("presence", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
