use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integration_connections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub provider: String,
    /// `connected`, `needs_reconnect` or `error`.
    pub state: String,
    /// `oauth` or `token`.
    pub method: String,
    pub account_id: String,
    pub account_name: String,
    /// Space-separated.
    pub scopes: String,
    /// Sealed.
    pub access_token: String,
    /// Sealed.
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    pub version: i32,
    pub connected_by: Option<Uuid>,
    pub connected_at: i64,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub facts: Json,
}

impl ActiveModelBehavior for ActiveModel {}
