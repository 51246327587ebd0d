//! Team and workspaces: invitations, deactivated members, password resets, workspace settings.
//!
//! Invitation and reset tokens are stored as SHA-256 hashes (like sessions and API tokens):
//! the database never holds a link that works. Deactivation is per membership, so a person
//! removed from one workspace keeps the others they belong to.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("invitations")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string("email"))
                .col(string("role"))
                .col(string_uniq("token_hash"))
                .col(uuid_null("invited_by"))
                .col(big_integer("created_at"))
                .col(big_integer("expires_at"))
                .col(big_integer_null("accepted_at"))
                .col(big_integer_null("revoked_at"))
                .foreign_key(&mut fk(("invitations", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "invitations_workspace",
            "invitations",
            &["workspace_id", "email"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("password_resets")
                .col(pk_uuid("id"))
                .col(uuid("user_id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("created_at"))
                .col(big_integer("expires_at"))
                .col(big_integer_null("used_at"))
                .foreign_key(&mut fk(("password_resets", "user_id"), "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "password_resets_user",
            "password_resets",
            &["user_id"],
        ))
        .await?;

        // SQLite adds one column per statement.
        for (table, mut column) in [
            ("memberships", big_integer_null("deactivated_at")),
            ("workspaces", string_null("time_zone")),
            ("workspaces", string_null("bot_language")),
        ] {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
