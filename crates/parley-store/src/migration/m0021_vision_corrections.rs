//! Image analysis: an agent's correction of a result, stored beside the original on the
//! analysis row (the original `result` is never overwritten, so what the model or the
//! offline analyzer said stays auditable next to what the agent decided).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        let columns = [
            // The corrected typed result (`{"kind": "condition", ...}`), validated like a
            // model's answer.
            json_binary_null("corrected_result"),
            text_null("corrected_summary"),
            uuid_null("corrected_by"),
            // The agent's name at the time, so "corrected by X" survives the member leaving.
            string_len_null("corrected_by_name", 200),
            big_integer_null("corrected_at"),
            // Why the agent changed it (optional).
            text_null("correction_note"),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table("image_analyses")
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
