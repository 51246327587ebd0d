//! A bot's language model: its settings, and its API key encrypted (AES-256-GCM).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("bots")
                .add_column(json_binary_null("model_settings"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("bots")
                .add_column(text_null("model_api_key"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
