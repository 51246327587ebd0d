//! Insight on every visitor message (sentiment, intents, lead fields) and the conversation's
//! folded state (rolling sentiment, lead score with its breakdown).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("messages")
                .add_column(json_binary_null("insight"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("conversations")
                .add_column(json_binary_null("insight"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
