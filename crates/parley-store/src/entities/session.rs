use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 of the cookie's value, hex: a stolen database does not yield live cookies.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: Uuid,
    pub workspace_id: Uuid,
    /// Sent back by the dashboard in `X-CSRF-Token` on every write.
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
