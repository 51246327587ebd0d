use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workflow_id: Uuid,
    pub workspace_id: Uuid,
    pub version: i32,
    /// The React Flow graph as saved.
    pub graph: Json,
    /// The compiled XState statechart: the whole program the executor runs.
    pub statechart: Json,
    /// Integrations its actions need (`["slack"]`).
    pub integrations: Json,
    pub created_by: Option<Uuid>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
