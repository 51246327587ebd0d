use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Who created it; the token acts with `role` in the workspace.
    pub user_id: Uuid,
    pub name: String,
    /// The first characters of the secret, shown so people can tell tokens apart.
    pub prefix: String,
    /// SHA-256 of the secret, hex. The secret itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub role: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
