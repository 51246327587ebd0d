use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Normalised (trimmed, lower case).
    pub email: String,
    /// `owner`, `admin` or `agent`.
    pub role: String,
    /// SHA-256 of the link's token; the token itself is never stored.
    pub token_hash: String,
    pub invited_by: Option<Uuid>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
