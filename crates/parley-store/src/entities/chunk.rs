use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chunks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub bot_id: Uuid,
    pub document_id: Uuid,
    pub ordinal: i32,
    /// The heading path, `Returns > Refunds`.
    pub heading: String,
    pub body: String,
    pub token_count: i32,
    /// Little-endian f32s, when embeddings are configured.
    pub embedding: Option<Vec<u8>>,
    /// SQLite only: this chunk's row in the `chunks_fts` index.
    pub fts_rowid: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
