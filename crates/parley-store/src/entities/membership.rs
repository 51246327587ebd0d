use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// `owner`, `admin` or `agent` (see `parley_domain::Role`).
    pub role: String,
    pub created_at: i64,
    /// Set when the member was deactivated: they keep their history but cannot sign in here.
    pub deactivated_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
