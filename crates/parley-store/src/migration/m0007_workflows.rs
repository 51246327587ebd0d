//! The automation engine: workflows with immutable versions, their executions and step
//! rows, the effects built-in actions recorded under their idempotency keys, return
//! authorizations, and a conversation's lead stage.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("workflows")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(string("name"))
                .col(text("description"))
                // `draft`, `active` or `paused`.
                .col(string("status"))
                // The latest version: the one that runs while active.
                .col(integer("version"))
                .col(uuid_null("current_version_id"))
                // The latest version's trigger event, so dispatch finds candidates by index.
                .col(string("trigger_event"))
                // Signs outgoing webhooks (`X-Parley-Signature`).
                .col(string("signing_secret"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(("workflows", "workspace_id"), "workspaces"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "workflows_dispatch",
            "workflows",
            &["workspace_id", "status", "trigger_event"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("workflow_versions")
                .col(pk_uuid("id"))
                .col(uuid("workflow_id"))
                .col(uuid("workspace_id"))
                .col(integer("version"))
                .col(json_binary("graph"))
                .col(json_binary("statechart"))
                .col(json_binary("integrations"))
                .col(uuid_null("created_by"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("workflow_versions", "workflow_id"), "workflows"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "workflow_versions_number",
                "workflow_versions",
                &["workflow_id", "version"],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("executions")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("workflow_id"))
                .col(uuid("workflow_version_id"))
                .col(uuid("event_id"))
                .col(string("event_name"))
                .col(json_binary("event_payload"))
                .col(big_integer("event_at"))
                .col(uuid_null("conversation_id"))
                .col(string("seed"))
                // `running`, `waiting`, `completed`, `failed`, `cancelled` or `filtered`.
                .col(string("status"))
                // The state to enter next, and the sequence number its visit gets.
                .col(string("state"))
                .col(integer("seq"))
                .col(text_null("error"))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer_null("finished_at"))
                .foreign_key(&mut fk(("executions", "workflow_id"), "workflows"))
                .foreign_key(&mut fk(
                    ("executions", "workflow_version_id"),
                    "workflow_versions",
                ))
                .to_owned(),
        )
        .await?;
        // An event starts a version at most once, whichever node dispatches it.
        m.create_index(
            index(
                "executions_once",
                "executions",
                &["workflow_version_id", "event_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            "executions_workflow",
            "executions",
            &["workflow_id", "created_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("execution_steps")
                .col(pk_uuid("id"))
                .col(uuid("execution_id"))
                .col(uuid("workspace_id"))
                .col(integer("seq"))
                .col(string("node_id"))
                .col(string("node_type"))
                .col(string_null("action"))
                // `running`, `retrying`, `waiting`, `done`, `failed` or `cancelled`.
                .col(string("status"))
                .col(integer("attempt"))
                .col(string_null("branch"))
                .col(json_binary_null("input"))
                .col(json_binary_null("output"))
                .col(text_null("error"))
                .col(string_uniq("idempotency_key"))
                .col(big_integer_null("run_after"))
                .col(big_integer("started_at"))
                .col(big_integer_null("finished_at"))
                .foreign_key(&mut fk(("execution_steps", "execution_id"), "executions"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "execution_steps_seq",
                "execution_steps",
                &["execution_id", "seq"],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        // What a built-in action did under an idempotency key, written in the same
        // transaction as the effect: a re-run finds it and does not repeat the effect.
        m.create_table(
            Table::create()
                .table("action_effects")
                .col(string("idempotency_key").primary_key())
                .col(uuid("workspace_id"))
                .col(uuid("execution_id"))
                .col(string("action"))
                .col(json_binary("output"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(("action_effects", "execution_id"), "executions"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("return_authorizations")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("conversation_id"))
                .col(string_uniq("rma_number"))
                .col(text("reason"))
                .col(string("status"))
                .col(string_uniq("idempotency_key"))
                .col(big_integer("created_at"))
                .foreign_key(&mut fk(
                    ("return_authorizations", "conversation_id"),
                    "conversations",
                ))
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table("conversations")
                .add_column(string_null("lead_stage"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
