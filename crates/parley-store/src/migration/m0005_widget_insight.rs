//! Per-bot insight settings (custom intents, thresholds), message attachments and the
//! images visitors upload, stored once per workspace by content hash.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("bots")
                .add_column(json_binary_null("insight_settings"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("messages")
                .add_column(json_binary_null("attachments"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("images")
                .col(uuid("id").primary_key())
                .col(uuid("workspace_id"))
                .col(string_len("sha256", 64))
                .col(string_len("content_type", 64))
                .col(big_integer("bytes"))
                .col(blob("data"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("images", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "images_workspace_hash",
                "images",
                &["workspace_id", "sha256"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        Ok(())
    }
}
