use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "image_analyses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub image_id: Uuid,
    pub conversation_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    /// `condition`, `invoice`, `count` or `describe`.
    pub kind: String,
    /// `purpose`, `intent`, `default` or `agent`.
    pub kind_source: String,
    /// `queued`, `done`, `failed` or `unavailable`.
    pub status: String,
    /// `offline` or `model`.
    pub method: Option<String>,
    pub provider: Option<String>,
    pub result: Option<Json>,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub normalize_ms: Option<i32>,
    pub analyze_ms: Option<i32>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// An agent's correction, beside the original `result` (migration m0021).
    pub corrected_result: Option<Json>,
    pub corrected_summary: Option<String>,
    pub corrected_by: Option<Uuid>,
    pub corrected_by_name: Option<String>,
    pub corrected_at: Option<i64>,
    pub correction_note: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
