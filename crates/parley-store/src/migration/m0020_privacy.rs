//! Privacy: a workspace's retention setting, and the erasure requests whose progress the
//! dashboard shows and whose job resumes after a restart.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("privacy_settings")
                .col(uuid("workspace_id").primary_key())
                // Conversations idle longer than this are deleted daily; null: kept.
                .col(integer_null("retention_days"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("privacy_settings", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("privacy_requests")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                // `erase`.
                .col(string_len("kind", 16))
                // A keyed hash of the email: which request this was, without the email.
                .col(string_len("email_hash", 64))
                // The email while the erasure runs (its job needs it to find mentions in
                // events and executions); cleared when it ends, however it ends.
                .col(text_null("email"))
                // `queued`, `running`, `done` or `failed`.
                .col(string_len("status", 16))
                .col(integer("conversations_total"))
                .col(integer("conversations_done"))
                .col(text_null("error"))
                .col(uuid_null("requested_by"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer_null("finished_at"))
                .foreign_key(&mut fk(("privacy_requests", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "privacy_requests_workspace",
            "privacy_requests",
            &["workspace_id", "created_at"],
        ))
        .await?;
        Ok(())
    }
}
