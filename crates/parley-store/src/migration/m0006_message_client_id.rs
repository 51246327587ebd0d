//! The widget's own id for each message it sends, so a message retried after a network
//! failure is stored once however many times it arrives.

use super::index;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("messages")
                .add_column(string_len_null("client_id", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "messages_conversation_client_id",
                "messages",
                &["conversation_id", "client_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        Ok(())
    }
}
