//! What Parley read from each image a visitor sent: one row per analysis (a re-run with
//! another kind is a new row), written `queued` in the upload's own transaction so the
//! widget and the inbox can say "analysing" at once, and finished by the `image.analyze` job.

use super::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("image_analyses")
                .col(pk_uuid("id"))
                .col(uuid("workspace_id"))
                .col(uuid("image_id"))
                .col(uuid_null("conversation_id"))
                // The visitor message carrying the image, when it came through the chat.
                .col(uuid_null("message_id"))
                // `condition`, `invoice`, `count` or `describe`.
                .col(string_len("kind", 16))
                // Why this kind: `purpose` (the visitor chose), `intent`, `default`, `agent`.
                .col(string_len("kind_source", 16))
                // `queued`, `done`, `failed` or `unavailable` (this deployment cannot do it).
                .col(string_len("status", 16))
                // `offline` or `model`, once finished.
                .col(string_len_null("method", 16))
                // The model's name, or the offline method (`tesseract`, `classical`, ...).
                .col(string_len_null("provider", 120))
                // The typed result (`{"kind": "invoice", ...}`).
                .col(json_binary_null("result"))
                .col(text_null("summary"))
                .col(text_null("error"))
                .col(integer_null("normalize_ms"))
                .col(integer_null("analyze_ms"))
                .col(integer_null("prompt_tokens"))
                .col(integer_null("completion_tokens"))
                .col(big_integer("created_at"))
                .col(big_integer_null("finished_at"))
                .foreign_key(&mut fk(("image_analyses", "workspace_id"), "workspaces"))
                .foreign_key(&mut fk(("image_analyses", "image_id"), "images"))
                // Erasing a conversation erases what was read from its images.
                .foreign_key(&mut fk(
                    ("image_analyses", "conversation_id"),
                    "conversations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "image_analyses_image",
            "image_analyses",
            &["workspace_id", "image_id", "created_at"],
        ))
        .await?;
        m.create_index(index(
            "image_analyses_conversation",
            "image_analyses",
            &["conversation_id", "created_at"],
        ))
        .await?;
        Ok(())
    }
}
