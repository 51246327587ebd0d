//! The analytics rollup: counters per workspace, bot, hour, metric and dimension, kept up
//! to date from the outbox by the dispatcher and rebuilt by `parley analytics rebuild`.
//! The dashboard's numbers are sums over it, so they never scan messages.

use super::index;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("analytics_hourly")
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                // UTC epoch milliseconds at the start of the hour.
                .col(big_integer("hour"))
                // A name from `parley_domain::analytics::metric`.
                .col(string_len("metric", 32))
                // The metric's dimension (intent, priority, label…), '' when it has none.
                .col(string_len("dim", 96))
                .col(big_integer("value"))
                .primary_key(
                    Index::create()
                        .col("workspace_id")
                        .col("hour")
                        .col("bot_id")
                        .col("metric")
                        .col("dim"),
                )
                .to_owned(),
        )
        .await?;
        // No foreign keys: the rollup outlives deleted bots (their history still counts),
        // and it is rebuilt from the outbox anyway.
        m.create_index(index(
            "analytics_hourly_metric",
            "analytics_hourly",
            &["workspace_id", "metric", "hour"],
        ))
        .await?;
        // Unique visitors of a period (not additive over hours, so counted from
        // conversations): a covering index, so the count reads no conversation rows.
        m.create_index(index(
            "conversations_started",
            "conversations",
            &["workspace_id", "created_at", "bot_id", "visitor_id"],
        ))
        .await?;
        // Executions of a period by status.
        m.create_index(index(
            "executions_started",
            "executions",
            &["workspace_id", "created_at", "status"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("conversations_started", "conversations"),
            ("executions_started", "executions"),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table("analytics_hourly").to_owned())
            .await
    }
}
