//! `/api/v1/bots`: create, read, update, delete and re-key chatbots.

use super::shared::rfc3339;
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_domain::bot::{Appearance, Behaviour, ModelSettings, embed_snippet};
use parley_domain::insight::{InsightSettings, MAX_TEXT_BYTES, MessageInsight};
use parley_engine::bots::{self, Bot, BotInput, BotKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bots, create_bot))
        .routes(routes!(get_bot, update_bot, delete_bot))
        .routes(routes!(rotate_key))
        .routes(routes!(set_model, clear_model))
        .routes(routes!(check_model))
        .routes(routes!(try_bot))
        .routes(routes!(get_insight, set_insight))
        .routes(routes!(analyze))
}

/// A chatbot.
#[derive(Serialize, ToSchema)]
#[schema(as = Bot)]
pub struct BotView {
    id: Uuid,
    name: String,
    /// Public: identifies the bot to the widget.
    public_key: String,
    /// Signs visitor emails on the host's server. Null for agents.
    #[schema(required)]
    identity_secret: Option<String>,
    /// Origins the widget may run on; empty allows any.
    allowed_origins: Vec<String>,
    appearance: Appearance,
    behaviour: Behaviour,
    /// The `<script>` tag to paste into the host's pages.
    embed_snippet: String,
    /// The language model it answers with; null answers extractively from its knowledge.
    #[schema(required)]
    model: Option<ModelView>,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct BotList {
    items: Vec<BotView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotCreate {
    #[schema(min_length = 1)]
    name: String,
    allowed_origins: Option<Vec<String>>,
    appearance: Option<Appearance>,
    behaviour: Option<Behaviour>,
}

/// Fields to change; absent fields stay. `appearance` and `behaviour` are replaced whole.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BotUpdate {
    #[schema(min_length = 1)]
    name: Option<String>,
    allowed_origins: Option<Vec<String>>,
    appearance: Option<Appearance>,
    behaviour: Option<Behaviour>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyName {
    PublicKey,
    IdentitySecret,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKey {
    key: KeyName,
}

/// A bot's model settings; the API key is never shown, only whether one is stored.
#[derive(Serialize, ToSchema)]
pub struct ModelView {
    #[serde(flatten)]
    settings: ModelSettings,
    has_api_key: bool,
}

fn view(state: &AppState, caller: &Caller, bot: Bot) -> BotView {
    let identity_secret = caller
        .0
        .actor
        .role
        .can_manage()
        .then(|| bots::identity_secret(&state.services.vault, &bot))
        .flatten();
    BotView {
        model: bot.model.map(|settings| ModelView {
            settings,
            has_api_key: bot.model_api_key.is_some(),
        }),
        embed_snippet: embed_snippet(&state.config.public_url, &bot.public_key),
        identity_secret,
        id: bot.id,
        name: bot.name,
        public_key: bot.public_key,
        allowed_origins: bot.allowed_origins,
        appearance: bot.appearance,
        behaviour: bot.behaviour,
        created_at: rfc3339(bot.created_at),
        updated_at: rfc3339(bot.updated_at),
    }
}

/// The workspace's bots, oldest first.
#[utoipa::path(get, path = "/api/v1/bots", tag = "bots", responses((status = 200, body = BotList), (status = 401, body = ErrorBody)))]
async fn list_bots(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<BotList>> {
    let items = bots::list(&state.store, &caller.0.actor).await?;
    Ok(Json(BotList {
        items: items
            .into_iter()
            .map(|b| view(&state, &caller, b))
            .collect(),
    }))
}

/// Creates a bot with a fresh public key and identity secret.
#[utoipa::path(post, path = "/api/v1/bots", tag = "bots", request_body = BotCreate, responses(
    (status = 201, body = BotView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn create_bot(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<BotCreate>,
) -> ApiResult<(StatusCode, Json<BotView>)> {
    let input = BotInput {
        name: Some(body.name),
        allowed_origins: body.allowed_origins,
        appearance: body.appearance,
        behaviour: body.behaviour,
    };
    let bot = bots::create(&state.store, &state.services.vault, &caller.0.actor, input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &caller, bot))))
}

#[utoipa::path(get, path = "/api/v1/bots/{id}", tag = "bots", params(("id" = Uuid, Path)), responses(
    (status = 200, body = BotView), (status = 404, body = ErrorBody),
))]
async fn get_bot(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BotView>> {
    let bot = bots::get(&state.store, &caller.0.actor, parse_id(&id)?).await?;
    Ok(Json(view(&state, &caller, bot)))
}

#[utoipa::path(patch, path = "/api/v1/bots/{id}", tag = "bots", params(("id" = Uuid, Path)), request_body = BotUpdate, responses(
    (status = 200, body = BotView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn update_bot(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BotUpdate>,
) -> ApiResult<Json<BotView>> {
    let input = BotInput {
        name: body.name,
        allowed_origins: body.allowed_origins,
        appearance: body.appearance,
        behaviour: body.behaviour,
    };
    let bot = bots::update(&state.store, &caller.0.actor, parse_id(&id)?, input).await?;
    Ok(Json(view(&state, &caller, bot)))
}

#[utoipa::path(delete, path = "/api/v1/bots/{id}", tag = "bots", params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn delete_bot(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    bots::delete(&state.store, &caller.0.actor, id).await?;
    state.services.word_counts.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the public key (every embed must be updated) or the identity secret.
#[utoipa::path(post, path = "/api/v1/bots/{id}/rotate", tag = "bots", params(("id" = Uuid, Path)), request_body = RotateKey, responses(
    (status = 200, body = BotView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn rotate_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RotateKey>,
) -> ApiResult<Json<BotView>> {
    let key = match body.key {
        KeyName::PublicKey => BotKey::PublicKey,
        KeyName::IdentitySecret => BotKey::IdentitySecret,
    };
    let bot = bots::rotate(
        &state.store,
        &state.services.vault,
        &caller.0.actor,
        parse_id(&id)?,
        key,
    )
    .await?;
    Ok(Json(view(&state, &caller, bot)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelUpdate {
    #[serde(flatten)]
    settings: ModelSettings,
    /// Stored encrypted and never shown again. Omit to keep the stored key; empty removes it.
    api_key: Option<String>,
}

/// Sets the OpenAI-compatible model the bot answers with.
#[utoipa::path(put, path = "/api/v1/bots/{id}/model", tag = "bots", params(("id" = Uuid, Path)), request_body = ModelUpdate, responses(
    (status = 200, body = BotView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn set_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ModelUpdate>,
) -> ApiResult<Json<BotView>> {
    let bot = bots::set_model(
        &state.store,
        &state.services.vault,
        &state.services.ai,
        &caller.0.actor,
        parse_id(&id)?,
        body.settings,
        body.api_key,
    )
    .await?;
    Ok(Json(view(&state, &caller, bot)))
}

/// Removes the model: the bot answers extractively from its knowledge again.
#[utoipa::path(delete, path = "/api/v1/bots/{id}/model", tag = "bots", params(("id" = Uuid, Path)), responses(
    (status = 200, body = BotView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn clear_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BotView>> {
    let bot = bots::clear_model(&state.store, &caller.0.actor, parse_id(&id)?).await?;
    Ok(Json(view(&state, &caller, bot)))
}

/// The bot's custom intents and insight thresholds (defaults until set).
#[utoipa::path(get, path = "/api/v1/bots/{id}/intents", tag = "bots", params(("id" = Uuid, Path)), responses(
    (status = 200, body = InsightSettings), (status = 404, body = ErrorBody),
))]
async fn get_insight(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<InsightSettings>> {
    let bot = bots::get(&state.store, &caller.0.actor, parse_id(&id)?).await?;
    Ok(Json(bot.insight))
}

/// Replaces the bot's custom intents and thresholds. Every intent is compiled first: a bad
/// name, an empty intent or a pattern without a word is refused with the reason (422).
#[utoipa::path(put, path = "/api/v1/bots/{id}/intents", tag = "bots", params(("id" = Uuid, Path)), request_body = InsightSettings, responses(
    (status = 200, body = InsightSettings), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn set_insight(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InsightSettings>,
) -> ApiResult<Json<InsightSettings>> {
    let bot = bots::set_insight(&state.store, &caller.0.actor, parse_id(&id)?, body).await?;
    Ok(Json(bot.insight))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    #[schema(min_length = 1)]
    text: String,
}

/// What the bot would learn from a message (sentiment, its intents, lead fields), without
/// storing anything: the "try a message" box next to the intents editor.
#[utoipa::path(post, path = "/api/v1/bots/{id}/analyze", tag = "bots", params(("id" = Uuid, Path)), request_body = AnalyzeRequest, responses(
    (status = 200, body = MessageInsight), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
))]
async fn analyze(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnalyzeRequest>,
) -> ApiResult<Json<MessageInsight>> {
    if body.text.len() > MAX_TEXT_BYTES {
        return Err(crate::error::ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a message may have at most {MAX_TEXT_BYTES} bytes"),
        ));
    }
    let bot = bots::get(&state.store, &caller.0.actor, parse_id(&id)?).await?;
    Ok(Json(state.services.intents.analyze(&bot, &body.text)))
}

#[derive(Serialize, ToSchema)]
pub struct ModelCheck {
    /// Whether the model answered.
    ok: bool,
    #[schema(required)]
    reply: Option<String>,
    /// The provider's error in plain words.
    #[schema(required)]
    error: Option<String>,
    latency_ms: u64,
}

/// Makes one real call with these settings (not saved) and shows the answer or the
/// provider's error. Without `api_key` the stored key is used, only for the stored server.
#[utoipa::path(post, path = "/api/v1/bots/{id}/model/test", tag = "bots", params(("id" = Uuid, Path)), request_body = ModelUpdate, responses(
    (status = 200, body = ModelCheck), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn check_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ModelUpdate>,
) -> ApiResult<Json<ModelCheck>> {
    let check = bots::check_model(
        &state.services,
        &caller.0.actor,
        parse_id(&id)?,
        body.settings,
        body.api_key,
    )
    .await?;
    let (reply, error) = match check.reply {
        Ok(text) => (Some(text), None),
        Err(e) => (None, Some(e)),
    };
    Ok(Json(ModelCheck {
        ok: error.is_none(),
        reply,
        error,
        latency_ms: check.latency_ms,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TryQuestion {
    #[schema(min_length = 1, max_length = 4000)]
    question: String,
}

super::shared::vocabulary!(
    /// Where a tried answer came from.
    TryOutcome { Faq, Passages, Model, Fallback, SmallTalk, Handoff }
);

#[derive(Serialize, ToSchema)]
pub struct TriedPassage {
    document_id: Uuid,
    title: String,
    heading: String,
    text: String,
    /// Its rank score in retrieval (higher is better).
    score: f32,
    /// Whether it went to the model (or could be quoted): it cleared the relevance bar and fit.
    sent: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TryBudget {
    /// The model's context window.
    context_tokens: u32,
    /// Kept for the answer.
    answer_tokens: u32,
    /// The prompt as sent.
    prompt_tokens: usize,
    passages_sent: usize,
}

#[derive(Serialize, ToSchema)]
pub struct TryAnswer {
    answer: String,
    #[schema(value_type = TryOutcome)]
    outcome: &'static str,
    /// 0 to 1: how much of the question the best passage covers.
    relevance: f32,
    /// What `relevance` must reach for passages to be used.
    relevance_bar: f32,
    passages: Vec<TriedPassage>,
    #[schema(required)]
    budget: Option<TryBudget>,
    /// `extractive` or the model's name.
    model: String,
    latency_ms: u64,
}

/// Answers a question as the bot would for a new visitor, showing what it drew on; nothing
/// is stored and no event fires.
#[utoipa::path(post, path = "/api/v1/bots/{id}/try", tag = "bots", params(("id" = Uuid, Path)), request_body = TryQuestion, responses(
    (status = 200, body = TryAnswer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn try_bot(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TryQuestion>,
) -> ApiResult<Json<TryAnswer>> {
    let bot = bots::get(&state.store, &caller.0.actor, parse_id(&id)?).await?;
    let t = parley_engine::chat::trial(&state.services, &bot, &body.question).await?;
    use parley_engine::chat::Outcome;
    Ok(Json(TryAnswer {
        outcome: match t.outcome {
            Outcome::Faq => "faq",
            Outcome::Passages => "passages",
            Outcome::Model => "model",
            Outcome::Fallback => "fallback",
            Outcome::SmallTalk => "small_talk",
            Outcome::Handoff => "handoff",
        },
        passages: t
            .retrieved
            .passages
            .iter()
            .enumerate()
            .map(|(i, p)| TriedPassage {
                document_id: p.document_id,
                title: p.document_name.clone(),
                heading: p.heading.clone(),
                text: p.body.clone(),
                score: p.score as f32,
                sent: i < t.passages_sent,
            })
            .collect(),
        budget: t.budget.map(|b| TryBudget {
            context_tokens: b.context_tokens,
            answer_tokens: b.answer_tokens,
            prompt_tokens: b.prompt_tokens,
            passages_sent: b.passages_sent,
        }),
        answer: t.answer,
        relevance: t.relevance,
        relevance_bar: parley_domain::chat::relevance::RELEVANCE_BAR,
        model: t.model,
        latency_ms: t.latency_ms,
    }))
}
