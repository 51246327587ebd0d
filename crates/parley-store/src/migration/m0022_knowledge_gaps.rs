//! Knowledge gaps: the questions the bot could not answer are its `reply.unanswered` outbox
//! events; this index reads one workspace's of a period without scanning other events.

use super::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "outbox_by_type",
            "outbox",
            &["workspace_id", "event_type", "created_at"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("outbox_by_type")
                .table("outbox")
                .to_owned(),
        )
        .await
    }
}
