//! Chatbots: their keys and settings.

use super::{from_json, to_json};
use crate::entities::bot;
use crate::{StoreError, StoreResult, now_ms};
use parley_domain::bot::{Appearance, Behaviour, ModelSettings};
use parley_domain::insight::InsightSettings;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

/// A bot as the rest of the system sees it: settings decoded, keys included.
#[derive(Debug, Clone, PartialEq)]
pub struct Bot {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub public_key: String,
    /// Sealed; open it with the engine's vault (installations from before sealing hold it
    /// plainly until their next start seals it).
    pub identity_secret: String,
    pub allowed_origins: Vec<String>,
    pub appearance: Appearance,
    pub behaviour: Behaviour,
    pub model: Option<ModelSettings>,
    /// Sealed; open it with the engine's vault.
    pub model_api_key: Option<String>,
    pub insight: InsightSettings,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Everything a new bot needs; keys are generated (and the identity secret sealed) by the
/// caller.
pub struct NewBot {
    pub name: String,
    pub public_key: String,
    pub identity_secret: String,
    pub allowed_origins: Vec<String>,
    pub appearance: Appearance,
    pub behaviour: Behaviour,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct BotChanges {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub appearance: Option<Appearance>,
    pub behaviour: Option<Behaviour>,
    pub public_key: Option<String>,
    /// Already sealed.
    pub identity_secret: Option<String>,
    /// `Some(None)` removes the model (back to extractive answers).
    pub model: Option<Option<ModelSettings>>,
    /// `Some(None)` removes the key; the value is already sealed.
    pub model_api_key: Option<Option<String>>,
    /// Already validated by the caller.
    pub insight: Option<InsightSettings>,
}

impl TryFrom<bot::Model> for Bot {
    type Error = StoreError;
    fn try_from(m: bot::Model) -> StoreResult<Bot> {
        Ok(Bot {
            allowed_origins: from_json(&m.allowed_origins, "bot.allowed_origins")?,
            appearance: from_json(&m.appearance, "bot.appearance")?,
            behaviour: from_json(&m.behaviour, "bot.behaviour")?,
            model: m
                .model_settings
                .as_ref()
                .map(|v| from_json(v, "bot.model_settings"))
                .transpose()?,
            model_api_key: m.model_api_key,
            insight: m
                .insight_settings
                .as_ref()
                .map(|v| from_json(v, "bot.insight_settings"))
                .transpose()?
                .unwrap_or_default(),
            id: m.id,
            workspace_id: m.workspace_id,
            name: m.name,
            public_key: m.public_key,
            identity_secret: m.identity_secret,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

pub async fn create(c: &impl ConnectionTrait, workspace_id: Uuid, new: NewBot) -> StoreResult<Bot> {
    let now = now_ms();
    let model = bot::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        name: Set(new.name),
        public_key: Set(new.public_key),
        identity_secret: Set(new.identity_secret),
        allowed_origins: Set(to_json(&new.allowed_origins)),
        appearance: Set(to_json(&new.appearance)),
        behaviour: Set(to_json(&new.behaviour)),
        model_settings: Set(None),
        model_api_key: Set(None),
        insight_settings: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    model.insert(c).await?.try_into()
}

/// The workspace's bots, oldest first.
pub async fn list(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<Bot>> {
    bot::Entity::find()
        .filter(bot::Column::WorkspaceId.eq(workspace_id))
        .order_by_asc(bot::Column::CreatedAt)
        .all(c)
        .await?
        .into_iter()
        .map(Bot::try_from)
        .collect()
}

/// One bot of this workspace; another workspace's bot is [`StoreError::NotFound`].
pub async fn get(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<Bot> {
    find_model(c, workspace_id, id).await?.try_into()
}

/// The oldest bot of the installation (the demo bot on a fresh one), for the demo page.
pub async fn first(c: &impl ConnectionTrait) -> StoreResult<Option<Bot>> {
    bot::Entity::find()
        .order_by_asc(bot::Column::CreatedAt)
        .one(c)
        .await?
        .map(Bot::try_from)
        .transpose()
}

/// Every bot of the installation, for maintenance at start-up.
pub async fn all(c: &impl ConnectionTrait) -> StoreResult<Vec<Bot>> {
    bot::Entity::find()
        .all(c)
        .await?
        .into_iter()
        .map(Bot::try_from)
        .collect()
}

/// Finds a bot by the key its widget presents; the key alone says which workspace.
pub async fn find_by_public_key(c: &impl ConnectionTrait, key: &str) -> StoreResult<Option<Bot>> {
    bot::Entity::find()
        .filter(bot::Column::PublicKey.eq(key))
        .one(c)
        .await?
        .map(Bot::try_from)
        .transpose()
}

pub async fn update(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    changes: BotChanges,
) -> StoreResult<Bot> {
    let mut model: bot::ActiveModel = find_model(c, workspace_id, id).await?.into();
    if let Some(name) = changes.name {
        model.name = Set(name);
    }
    if let Some(origins) = changes.allowed_origins {
        model.allowed_origins = Set(to_json(&origins));
    }
    if let Some(appearance) = changes.appearance {
        model.appearance = Set(to_json(&appearance));
    }
    if let Some(behaviour) = changes.behaviour {
        model.behaviour = Set(to_json(&behaviour));
    }
    if let Some(key) = changes.public_key {
        model.public_key = Set(key);
    }
    if let Some(secret) = changes.identity_secret {
        model.identity_secret = Set(secret);
    }
    if let Some(settings) = changes.model {
        model.model_settings = Set(settings.map(|s| to_json(&s)));
    }
    if let Some(key) = changes.model_api_key {
        model.model_api_key = Set(key);
    }
    if let Some(insight) = changes.insight {
        model.insight_settings = Set(Some(to_json(&insight)));
    }
    model.updated_at = Set(now_ms());
    model.update(c).await?.try_into()
}

/// Deletes the bot with everything of it: its documents, chunks, FAQs and conversations go
/// by foreign key, its full-text rows (SQLite, which no key ties to it) by
/// [`super::knowledge::delete_search_slot`].
pub async fn delete(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<()> {
    let result = bot::Entity::delete_many()
        .filter(bot::Column::WorkspaceId.eq(workspace_id))
        .filter(bot::Column::Id.eq(id))
        .exec(c)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    super::knowledge::delete_search_slot(c, id).await
}

async fn find_model(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<bot::Model> {
    bot::Entity::find_by_id(id)
        .filter(bot::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}
