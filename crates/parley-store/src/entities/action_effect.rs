use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_effects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    pub workspace_id: Uuid,
    pub execution_id: Uuid,
    pub action: String,
    /// What the action returned the first time; returned again on a re-run.
    pub output: Json,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
