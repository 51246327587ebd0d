//! Connections to third-party services (Slack, HubSpot, Google): a workspace's connection
//! per provider with its sealed tokens, the OAuth apps a workspace brings instead of the
//! operator's, and the `state` of OAuth dances in flight.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("integration_connections")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string_len("provider", 16))
                // `connected`, `needs_reconnect` or `error`.
                .col(string_len("state", 16))
                // `oauth` or `token` (pasted).
                .col(string_len("method", 8))
                .col(string_len("account_id", 255))
                .col(string_len("account_name", 255))
                .col(text("scopes"))
                // Sealed with the vault; never returned by any API.
                .col(text("access_token"))
                .col(text_null("refresh_token"))
                .col(big_integer_null("expires_at"))
                // Bumped by every token change: a refresh saves its pair only if the version
                // it read is still current (compare-and-swap on both databases).
                .col(integer("version").default(0))
                .col(uuid_null("connected_by"))
                .col(big_integer("connected_at"))
                .col(big_integer_null("last_success_at"))
                .col(text_null("last_error"))
                .col(big_integer_null("last_error_at"))
                // Provider-specific facts learnt once (HubSpot: the unique deal property exists).
                .col(json_binary("facts"))
                .foreign_key(&mut fk(
                    ("integration_connections", "workspace_id"),
                    "workspaces",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "integration_connections_workspace_provider",
                "integration_connections",
                &["workspace_id", "provider"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("integration_apps")
                .col(uuid("workspace_id"))
                .col(string_len("provider", 16))
                .col(string_len("client_id", 255))
                .col(text("client_secret"))
                .col(big_integer("updated_at"))
                .primary_key(Index::create().col("workspace_id").col("provider"))
                .foreign_key(&mut fk(("integration_apps", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("oauth_states")
                // SHA-256 of the `state` sent to the vendor: a stolen row cannot be replayed.
                .col(string_len("state_hash", 64).primary_key())
                .col(uuid("workspace_id"))
                .col(uuid("user_id"))
                .col(string_len("provider", 16))
                .col(text_null("pkce_verifier"))
                .col(big_integer("expires_at"))
                .foreign_key(&mut fk(("oauth_states", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
