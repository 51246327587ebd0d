use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub bot_id: Uuid,
    pub visitor_id: Uuid,
    /// `open` or `resolved`.
    pub status: String,
    /// While true an agent answers and the bot stays quiet.
    pub human_handoff: bool,
    /// The last message, shortened, for lists.
    pub preview: String,
    /// Rolling summary of the turns older than the memory window.
    pub summary: String,
    /// How many messages the summary covers.
    pub summarized_count: i32,
    pub message_count: i32,
    pub tags: Json,
    /// `ConversationInsight`: rolling sentiment and the lead state.
    pub insight: Option<Json>,
    /// Set by workflows (`set_lead_stage`): `new`, `qualified`, `contacted`, `won`, `lost`.
    pub lead_stage: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_message_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
