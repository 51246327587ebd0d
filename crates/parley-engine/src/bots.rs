//! Chatbots: creating, configuring and re-keying them.

use crate::secrets::{random_id, random_secret};
use crate::services::Services;
use crate::vault::Vault;
use crate::{Actor, EngineError, EngineResult};
use parley_ai::openai::AiError;
use parley_domain::FieldErrors;
use parley_domain::bot::{Appearance, Behaviour, ModelSettings, normalize_origins, validate_name};
use parley_domain::chat::memory::PromptMessage;
use parley_domain::insight::InsightSettings;
use parley_store::Store;
use parley_store::repo::{audit, bots};
use serde_json::json;
use uuid::Uuid;

pub use parley_store::repo::bots::Bot;

/// Public keys are visible in every host page's source.
pub const PUBLIC_KEY_PREFIX: &str = "pk_";
/// Identity secrets sign visitor emails; they belong on the host's server only. Stored
/// sealed: a sealed value is base64, which has no `_`, so the prefix also tells a plain one.
pub const IDENTITY_SECRET_PREFIX: &str = "is_";

/// A new identity secret, sealed for storage.
pub(crate) fn new_identity_secret(vault: &Vault) -> String {
    vault.seal(&random_secret(IDENTITY_SECRET_PREFIX))
}

/// The bot's identity secret in the clear; `None` when it was sealed under another master
/// secret.
pub fn identity_secret(vault: &Vault, bot: &Bot) -> Option<String> {
    if bot.identity_secret.starts_with(IDENTITY_SECRET_PREFIX) {
        return Some(bot.identity_secret.clone()); // not sealed yet: see `seal_identity_secrets`
    }
    vault.open(&bot.identity_secret)
}

/// Seals identity secrets stored in the clear (by versions before they were sealed); run at
/// start-up. Returns how many it sealed; a second run seals none.
pub async fn seal_identity_secrets(store: &Store, vault: &Vault) -> EngineResult<usize> {
    let plain: Vec<Bot> = bots::all(store.db())
        .await?
        .into_iter()
        .filter(|b| b.identity_secret.starts_with(IDENTITY_SECRET_PREFIX))
        .collect();
    for bot in &plain {
        let changes = bots::BotChanges {
            identity_secret: Some(vault.seal(&bot.identity_secret)),
            ..Default::default()
        };
        bots::update(store.db(), bot.workspace_id, bot.id, changes).await?;
        crate::widget_cache::forget(bot.id);
    }
    Ok(plain.len())
}

/// What a manager may set on a bot. `None` keeps the current value (or the default, when
/// creating).
#[derive(Debug, Default, Clone)]
pub struct BotInput {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub appearance: Option<Appearance>,
    pub behaviour: Option<Behaviour>,
}

/// Which credential to replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotKey {
    PublicKey,
    IdentitySecret,
}

impl BotInput {
    /// Validates every given field at once and normalizes the origins.
    fn validate(mut self, creating: bool) -> EngineResult<BotInput> {
        let mut errors = FieldErrors::new();
        match &self.name {
            Some(name) => validate_name(&mut errors, name),
            None if creating => errors.add("name", "is required"),
            None => {}
        }
        if let Some(origins) = &self.allowed_origins {
            self.allowed_origins = Some(normalize_origins(&mut errors, origins));
        }
        if let Some(a) = &self.appearance {
            a.validate(&mut errors);
        }
        if let Some(b) = &self.behaviour {
            b.validate(&mut errors);
            if let Some(hours) = &b.business_hours {
                hours.validate(&mut errors, crate::business_hours::known_time_zone);
            }
        }
        self.name = self.name.map(|n| n.trim().to_string());
        errors.into_result(self).map_err(EngineError::Invalid)
    }
}

pub async fn list(store: &Store, actor: &Actor) -> EngineResult<Vec<Bot>> {
    Ok(bots::list(store.db(), actor.workspace_id).await?)
}

pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<Bot> {
    Ok(bots::get(store.db(), actor.workspace_id, id).await?)
}

pub async fn create(
    store: &Store,
    vault: &Vault,
    actor: &Actor,
    input: BotInput,
) -> EngineResult<Bot> {
    actor.require_manager()?;
    let input = input.validate(true)?;
    let new = bots::NewBot {
        name: input.name.unwrap_or_default(),
        public_key: random_id(PUBLIC_KEY_PREFIX),
        identity_secret: new_identity_secret(vault),
        allowed_origins: input.allowed_origins.unwrap_or_default(),
        appearance: input.appearance.unwrap_or_default(),
        behaviour: input.behaviour.unwrap_or_default(),
    };
    let tx = store.begin().await?;
    let bot = bots::create(&tx, actor.workspace_id, new).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "bot.created",
            Some(("bot", bot.id.to_string())),
            json!({"name": bot.name}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(bot)
}

pub async fn update(store: &Store, actor: &Actor, id: Uuid, input: BotInput) -> EngineResult<Bot> {
    actor.require_manager()?;
    let input = input.validate(false)?;
    let changed: Vec<&str> = [
        ("name", input.name.is_some()),
        ("allowed_origins", input.allowed_origins.is_some()),
        ("appearance", input.appearance.is_some()),
        ("behaviour", input.behaviour.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, set)| set.then_some(field))
    .collect();
    let changes = bots::BotChanges {
        name: input.name,
        allowed_origins: input.allowed_origins,
        appearance: input.appearance,
        behaviour: input.behaviour,
        ..Default::default()
    };
    change(
        store,
        actor,
        id,
        changes,
        "bot.updated",
        json!({"fields": changed}),
    )
    .await
}

/// Replaces a key. The old public key stops working at once: every embed must be updated.
pub async fn rotate(
    store: &Store,
    vault: &Vault,
    actor: &Actor,
    id: Uuid,
    key: BotKey,
) -> EngineResult<Bot> {
    actor.require_manager()?;
    let (changes, name) = match key {
        BotKey::PublicKey => (
            bots::BotChanges {
                public_key: Some(random_id(PUBLIC_KEY_PREFIX)),
                ..Default::default()
            },
            "public_key",
        ),
        BotKey::IdentitySecret => (
            bots::BotChanges {
                identity_secret: Some(new_identity_secret(vault)),
                ..Default::default()
            },
            "identity_secret",
        ),
    };
    change(
        store,
        actor,
        id,
        changes,
        "bot.key_rotated",
        json!({"key": name}),
    )
    .await
}

/// Applies `changes` to one of the workspace's bots and audits it as `action`, in one
/// transaction: what every change to a bot's settings or keys does.
async fn change(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    changes: bots::BotChanges,
    action: &str,
    details: serde_json::Value,
) -> EngineResult<Bot> {
    let tx = store.begin().await?;
    let bot = bots::update(&tx, actor.workspace_id, id, changes).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(action, Some(("bot", id.to_string())), details),
    )
    .await?;
    tx.commit().await?;
    crate::widget_cache::forget(id);
    Ok(bot)
}

pub async fn delete(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let bot = bots::get(&tx, actor.workspace_id, id).await?;
    bots::delete(&tx, actor.workspace_id, id).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "bot.deleted",
            Some(("bot", id.to_string())),
            json!({"name": bot.name}),
        ),
    )
    .await?;
    tx.commit().await?;
    crate::widget_cache::forget(id);
    Ok(())
}

/// Sets the bot's language model. `api_key`: `Some(key)` stores it sealed, `Some("")` removes
/// it, `None` keeps the stored one, but only while the base URL stays the same: the key is
/// sent to whatever host the URL names, so a new URL needs the key given again (otherwise
/// anyone who may change the URL could have the key sent to a host of their choosing).
pub async fn set_model(
    store: &Store,
    vault: &Vault,
    ai: &parley_ai::openai::Client,
    actor: &Actor,
    id: Uuid,
    settings: parley_domain::bot::ModelSettings,
    api_key: Option<String>,
) -> EngineResult<Bot> {
    actor.require_manager()?;
    let mut errors = FieldErrors::new();
    settings.validate(&mut errors);
    refuse_private(ai, &settings, &mut errors);
    if let Some(key) = &api_key {
        errors.check(
            key.len() <= 500 && !key.chars().any(char::is_control),
            "api_key",
            "must be at most 500 printable characters",
        );
    }
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    if api_key.is_none() {
        let bot = bots::get(store.db(), actor.workspace_id, id).await?;
        stored_key_may_go(&bot, &settings)?;
    }
    let sealed = api_key.map(|k| {
        if k.trim().is_empty() {
            None
        } else {
            Some(vault.seal(k.trim()))
        }
    });
    let changes = bots::BotChanges {
        model: Some(Some(settings.clone())),
        model_api_key: sealed,
        ..Default::default()
    };
    let details = json!({"base_url": settings.base_url, "model": settings.model});
    change(store, actor, id, changes, "bot.model_set", details).await
}

/// Removes the bot's model and key: it answers extractively again.
pub async fn clear_model(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<Bot> {
    actor.require_manager()?;
    let changes = bots::BotChanges {
        model: Some(None),
        model_api_key: Some(None),
        ..Default::default()
    };
    change(store, actor, id, changes, "bot.model_cleared", json!({})).await
}

/// Replaces the bot's custom intents and insight thresholds. They are compiled here, so a
/// definition that would not match is refused with the reason instead of being stored.
pub async fn set_insight(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    settings: InsightSettings,
) -> EngineResult<Bot> {
    actor.require_manager()?;
    let (settings, _) = settings.validated()?;
    let names: Vec<&str> = settings.intents.iter().map(|i| i.name.as_str()).collect();
    let details = json!({"intents": names});
    let changes = bots::BotChanges {
        insight: Some(settings),
        ..Default::default()
    };
    change(store, actor, id, changes, "bot.insight_updated", details).await
}

/// The stored key goes only to the server it was given for: without a new key, the base
/// URL and provider must be the stored ones (or no key is stored).
fn stored_key_may_go(bot: &Bot, settings: &ModelSettings) -> EngineResult<()> {
    let moved = bot.model.as_ref().is_some_and(|m| {
        m.base_url.trim_end_matches('/') != settings.base_url.trim_end_matches('/')
            || m.provider != settings.provider
    });
    if bot.model_api_key.is_some() && moved {
        return Err(crate::error::invalid(
            "api_key",
            "send the API key again (or an empty one to remove it): the base URL or provider changed, and the stored key goes only to the server it was given for",
        ));
    }
    Ok(())
}

/// What one real call to a model said.
#[derive(Debug, Clone)]
pub struct ModelCheck {
    pub reply: Result<String, String>,
    pub latency_ms: u64,
}

/// Makes one short real call with `settings` (and `api_key`, or the stored key when the
/// server is the stored one) and reports the answer or the provider's error in plain words.
pub async fn check_model(
    ctx: &Services,
    actor: &Actor,
    id: Uuid,
    settings: ModelSettings,
    api_key: Option<String>,
) -> EngineResult<ModelCheck> {
    actor.require_manager()?;
    let mut errors = FieldErrors::new();
    settings.validate(&mut errors);
    refuse_private(&ctx.ai, &settings, &mut errors);
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let bot = bots::get(ctx.store.db(), actor.workspace_id, id).await?;
    if api_key.is_none() {
        stored_key_may_go(&bot, &settings)?;
    }
    let mut endpoint = ctx.endpoint(&bot, &settings);
    if let Some(key) = api_key {
        endpoint.api_key = Some(key.trim().to_string()).filter(|k| !k.is_empty());
    }
    endpoint.max_attempts = 1;
    let messages = [PromptMessage {
        role: "user",
        content: "Say hello in five words.".into(),
    }];
    let started = std::time::Instant::now();
    let reply = ctx.ai.chat_text(&endpoint, &messages, 32).await;
    Ok(ModelCheck {
        latency_ms: started.elapsed().as_millis() as u64,
        reply: reply.map_err(|e| plain_words(&e)),
    })
}

/// A model error as an admin can act on it.
fn plain_words(e: &AiError) -> String {
    match e {
        AiError::Http {
            status: status @ (401 | 403),
            ..
        } => format!(
            "The provider refused the API key ({status}): check that it is correct and active."
        ),
        AiError::Http {
            status: 404,
            message,
        } => format!(
            "The provider does not know this model or URL (404). Check the model name and that the base URL ends with /v1. It said: {message}"
        ),
        AiError::Http { status, message } => format!("The provider answered {status}: {message}"),
        AiError::RateLimited { .. } => {
            "The provider is rate limiting this key; try again in a minute or check its quota."
                .into()
        }
        AiError::Timeout(d) => format!("The model did not answer within {} s.", d.as_secs()),
        AiError::Network(detail) => format!(
            "Could not reach the provider at that URL: is the address right and the server running? ({detail})"
        ),
        AiError::Protocol(detail) => format!(
            "The server answered, but not as an OpenAI-compatible API does: check the base URL. ({detail})"
        ),
        AiError::Refused(detail) => format!("{detail}."),
    }
}

/// A base URL on a private or loopback address is refused when saved, not only when the
/// bot first answers, unless the operator allowed the host.
fn refuse_private(
    ai: &parley_ai::openai::Client,
    settings: &ModelSettings,
    errors: &mut FieldErrors,
) {
    if let Some(why) = ai.refusal(&settings.base_url) {
        errors.add("model.base_url", why);
    }
}
