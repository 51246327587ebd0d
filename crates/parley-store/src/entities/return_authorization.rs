use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "return_authorizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    /// `RMA-2026-XXXXXX`.
    #[sea_orm(unique)]
    pub rma_number: String,
    pub reason: String,
    /// `approved`.
    pub status: String,
    /// The workflow step that created it; one authorization per step.
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
