//! Workspaces, accounts, bots, API tokens, sessions, the audit log, the event outbox and the
//! job queue.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Creates a table; every table here has a UUID primary key named `id` unless given columns.
fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("workspaces")
                .col(pk_uuid("id"))
                .col(string("name"))
                .col(big_integer("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table("users")
                .col(pk_uuid("id"))
                .col(string_uniq("email"))
                .col(string("name"))
                .col(string("password_hash"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table("memberships")
                .col(uuid("workspace_id"))
                .col(uuid("user_id"))
                .col(string("role"))
                .col(big_integer("created_at"))
                .primary_key(Index::create().col("workspace_id").col("user_id"))
                .foreign_key(&mut fk(("memberships", "workspace_id"), "workspaces"))
                .foreign_key(&mut fk(("memberships", "user_id"), "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("memberships_user", "memberships", &["user_id"]))
            .await?;

        m.create_table(
            table("bots")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string("name"))
                .col(string_uniq("public_key"))
                .col(string("identity_secret"))
                .col(json_binary("allowed_origins"))
                .col(json_binary("appearance"))
                .col(json_binary("behaviour"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("bots", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "bots_workspace",
            "bots",
            &["workspace_id", "created_at"],
        ))
        .await?;

        m.create_table(
            table("api_tokens")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("user_id"))
                .col(string("name"))
                .col(string("prefix"))
                .col(string_uniq("token_hash"))
                .col(string("role"))
                .col(big_integer("created_at"))
                .col(big_integer_null("last_used_at"))
                .col(big_integer_null("revoked_at"))
                .foreign_key(&mut fk(("api_tokens", "workspace_id"), "workspaces"))
                .foreign_key(&mut fk(("api_tokens", "user_id"), "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "api_tokens_workspace",
            "api_tokens",
            &["workspace_id"],
        ))
        .await?;

        m.create_table(
            table("sessions")
                .col(pk_uuid("id"))
                .col(string_uniq("token_hash"))
                .col(uuid("user_id"))
                .col(uuid("workspace_id"))
                .col(string("csrf_token"))
                .col(big_integer("created_at"))
                .col(big_integer("expires_at"))
                .col(big_integer("last_seen_at"))
                .col(string_null("ip"))
                .col(string_null("user_agent"))
                .foreign_key(&mut fk(("sessions", "user_id"), "users"))
                .foreign_key(&mut fk(("sessions", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions_user", "sessions", &["user_id"]))
            .await?;
        m.create_index(index("sessions_expiry", "sessions", &["expires_at"]))
            .await?;

        m.create_table(
            table("audit_log")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid_null("actor_user_id"))
                .col(uuid_null("actor_token_id"))
                .col(string("action"))
                .col(string_null("target_type"))
                .col(string_null("target_id"))
                .col(json_binary("details"))
                .col(string_null("ip"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("audit_log", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "audit_workspace_time",
            "audit_log",
            &["workspace_id", "created_at"],
        ))
        .await?;

        m.create_table(
            table("outbox")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string("event_type"))
                .col(json_binary("payload"))
                .col(big_integer("created_at"))
                .col(big_integer_null("dispatched_at"))
                .foreign_key(&mut fk(("outbox", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("outbox_pending", "outbox", &["dispatched_at", "id"]))
            .await?;

        m.create_table(
            table("jobs")
                .col(pk_uuid("id"))
                .col(string("kind"))
                .col(json_binary("payload"))
                .col(integer("priority"))
                .col(big_integer("run_at"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(integer("max_attempts"))
                .col(uuid_null("lease_token"))
                .col(big_integer_null("lease_until"))
                .col(text_null("last_error"))
                .col(string_null("unique_key").unique_key())
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer_null("finished_at"))
                .to_owned(),
        )
        .await?;
        // Claiming scans due jobs by status, then priority and time.
        m.create_index(index("jobs_due", "jobs", &["status", "run_at"]))
            .await?;
        Ok(())
    }
}
