use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "executions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub workflow_id: Uuid,
    pub workflow_version_id: Uuid,
    /// The outbox event that started it; unique per version.
    pub event_id: Uuid,
    pub event_name: String,
    pub event_payload: Json,
    pub event_at: i64,
    pub conversation_id: Option<Uuid>,
    /// Decides A/B splits: the conversation id, else the event id.
    pub seed: String,
    /// `running`, `waiting`, `completed`, `failed`, `cancelled` or `filtered`.
    pub status: String,
    /// The state to enter next (or being retried).
    pub state: String,
    /// The sequence number the next visit gets; also the optimistic-concurrency guard.
    pub seq: i32,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
