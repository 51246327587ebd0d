use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "presence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// `online` or `away`, as the dashboard last said; offline is an old `seen_at`.
    pub status: String,
    pub seen_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
