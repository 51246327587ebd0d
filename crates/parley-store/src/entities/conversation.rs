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
    /// When the visitor asked for a person (ms); null once an agent has answered.
    pub waiting_since: Option<i64>,
    /// The agent the conversation is assigned to.
    pub assignee_id: Option<Uuid>,
    /// The visitor's satisfaction, 1 to 5, after it was resolved.
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    /// Copied from `insight` for filtering: `negative`, `neutral`, `positive`.
    pub sentiment_label: Option<String>,
    pub lead_score: i32,
    /// `hot`, `warm` or `cold`.
    pub lead_priority: String,
    /// Intents seen, as `,name,name,`.
    pub intents: String,
    /// The bot's fallback answers in a row.
    pub fallbacks: i32,
    /// How long the last request for a person waited for an agent's reply (ms).
    pub handoff_wait_ms: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_message_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
