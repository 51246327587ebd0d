use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// Public: embedded in host pages; identifies the bot to the widget API.
    #[sea_orm(unique)]
    pub public_key: String,
    /// Shared with the host's backend to sign visitor emails (`userHash`).
    pub identity_secret: String,
    /// JSON array of normalized origins; empty allows any origin.
    pub allowed_origins: Json,
    pub appearance: Json,
    pub behaviour: Json,
    /// `ModelSettings` as JSON; null answers extractively.
    pub model_settings: Option<Json>,
    /// The model provider's API key, sealed by the engine's vault (never plaintext).
    pub model_api_key: Option<String>,
    /// `InsightSettings` (custom intents, thresholds); null means the defaults.
    pub insight_settings: Option<Json>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
