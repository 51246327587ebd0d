use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "images")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    /// Hex SHA-256 of the bytes: the same image uploaded twice is stored once.
    pub sha256: String,
    pub content_type: String,
    pub bytes: i64,
    pub data: Vec<u8>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
