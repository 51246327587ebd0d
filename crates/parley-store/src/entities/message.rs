use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub conversation_id: Uuid,
    /// `visitor`, `bot`, `agent` or `system`.
    pub role: String,
    pub body: String,
    pub citations: Json,
    pub model: Option<String>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    pub latency_ms: Option<i32>,
    /// `MessageInsight` for visitor messages.
    pub insight: Option<Json>,
    /// `[{kind: "image", image_id, content_type, bytes, name}]`; null when none.
    pub attachments: Option<Json>,
    /// The sending widget's id for a visitor message: a retry is recognised by it.
    pub client_id: Option<String>,
    /// The agent who wrote it (agent messages).
    pub author_id: Option<Uuid>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
