use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_states")]
pub struct Model {
    /// Hex SHA-256 of the `state` parameter.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub workspace_id: Uuid,
    pub user_id: Uuid,
    pub provider: String,
    /// Sealed PKCE verifier, when the provider uses PKCE.
    pub pkce_verifier: Option<String>,
    pub expires_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
