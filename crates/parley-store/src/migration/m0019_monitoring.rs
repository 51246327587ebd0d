//! Monitoring and alerting: node heartbeats, provider call statistics, alert rules and their state.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row per `parley serve` process, rewritten every heartbeat; a node whose row is
        // older than a minute is shown as down (rows of long-gone nodes are pruned).
        m.create_table(
            Table::create()
                .table("nodes")
                .col(pk_uuid("id"))
                .col(string_len("version", 32))
                .col(string_len("hostname", 255))
                .col(big_integer("started_at"))
                .col(big_integer("last_seen_at"))
                .col(integer("workers"))
                .col(integer("workers_busy"))
                .to_owned(),
        )
        .await?;
        // Model calls per workspace, bot, minute and node. Each node keeps its own row per
        // minute and rewrites it with its running totals (idempotent flushes, no cross-node
        // arithmetic); `buckets` is a JSON array of latency histogram counts.
        m.create_table(
            Table::create()
                .table("provider_stats")
                .col(uuid("workspace_id"))
                .col(uuid("bot_id"))
                .col(big_integer("minute"))
                .col(uuid("node_id"))
                .col(big_integer("requests"))
                .col(big_integer("errors"))
                .col(big_integer("latency_ms_sum"))
                .col(text("buckets"))
                .col(text_null("last_error"))
                .col(big_integer_null("last_error_at"))
                .primary_key(
                    Index::create()
                        .col("workspace_id")
                        .col("minute")
                        .col("bot_id")
                        .col("node_id"),
                )
                .to_owned(),
        )
        .await?;
        // A workspace's alert rules and channels (a JSON document; defaults apply when there
        // is no row) and the secret its alert webhooks are signed with (sealed by the vault).
        m.create_table(
            Table::create()
                .table("alert_settings")
                .col(pk_uuid("workspace_id"))
                .col(text("settings"))
                .col(text_null("webhook_secret"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("alert_settings", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        // What each alert condition is doing: firing since when, the occurrence number (which
        // keys its notices, so a notice is never sent twice), when a notice last went out.
        m.create_table(
            Table::create()
                .table("alert_states")
                .col(uuid("workspace_id"))
                .col(string_len("alert_key", 200))
                .col(string_len("kind", 32))
                // `firing` or `resolved`.
                .col(string_len("status", 16))
                .col(integer("occurrence"))
                .col(integer("repeats"))
                .col(text("summary"))
                .col(big_integer("fired_at"))
                .col(big_integer("last_sent_at"))
                .col(big_integer_null("resolved_at"))
                .primary_key(Index::create().col("workspace_id").col("alert_key"))
                .foreign_key(&mut fk(("alert_states", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        // The history the Alerts tab shows: firings, repeats, resolutions and test notices.
        m.create_table(
            Table::create()
                .table("alert_events")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string_len("alert_key", 200))
                .col(string_len("kind", 32))
                // `fired`, `repeated`, `resolved` or `test`.
                .col(string_len("event", 16))
                .col(text("summary"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("alert_events", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "alert_events_recent",
            "alert_events",
            &["workspace_id", "created_at"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "alert_events",
            "alert_states",
            "alert_settings",
            "provider_stats",
            "nodes",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
