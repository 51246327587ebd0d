use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visitors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub bot_id: Uuid,
    /// Set only when the host page vouched for it, or the visitor gave it.
    pub email: Option<String>,
    /// As the visitor or the host page gave it; shown to agents, never trusted.
    pub name: Option<String>,
    pub company: Option<String>,
    /// An email the visitor typed in chat: shown to agents, never used to identify them.
    pub contact_email: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
