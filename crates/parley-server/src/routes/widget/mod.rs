//! The widget API under `/widget/v1/`, called cross-origin from the host's pages.
//! Authenticated by the bot's public key (`X-Parley-Bot`) and its allowed origins; the
//! visitor by the signed session token (`X-Parley-Session`) Parley hands out.

mod conversations;
mod images;
mod messages;
pub(crate) mod views;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{WidgetBot, session_token};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use parley_domain::bot::Appearance;
use parley_domain::image::MAX_IMAGE_BYTES;
use parley_engine::chat;
use parley_store::repo::bots::Bot;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(config))
        .routes(routes!(
            conversations::start_conversation,
            conversations::history
        ))
        .routes(routes!(conversations::get_conversation))
        .routes(routes!(conversations::rate_conversation))
        .routes(routes!(messages::send_message))
        .routes(routes!(messages::conversation_stream))
        .merge(
            // Only the image upload may exceed the general body limit.
            OpenApiRouter::new()
                .routes(routes!(images::upload_image))
                .layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES + 64 * 1024)),
        )
        .routes(routes!(images::image))
}

#[derive(Serialize, ToSchema)]
pub struct WidgetConfig {
    name: String,
    appearance: Appearance,
    faqs: Vec<WidgetFaq>,
}

#[derive(Serialize, ToSchema)]
pub struct WidgetFaq {
    id: Uuid,
    question: String,
    answer: String,
}

/// The bot's look and FAQs, for rendering the widget.
#[utoipa::path(get, path = "/widget/v1/config", tag = "widget", responses(
    (status = 200, body = WidgetConfig), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
))]
async fn config(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
) -> ApiResult<Json<WidgetConfig>> {
    let faqs = parley_engine::widget_cache::enabled_faqs(&state.store, &bot).await?;
    Ok(Json(WidgetConfig {
        name: bot.name,
        appearance: bot.appearance,
        faqs: faqs
            .iter()
            .map(|f| WidgetFaq {
                id: f.id,
                question: f.question.clone(),
                answer: f.answer.clone(),
            })
            .collect(),
    }))
}

/// The visitor behind `X-Parley-Session`; without a valid one, 403.
pub(super) async fn visitor(
    state: &AppState,
    bot: &Bot,
    headers: &HeaderMap,
) -> ApiResult<parley_store::repo::conversations::Visitor> {
    let token = session_token(headers).ok_or_else(no_session)?;
    chat::visitor_from_token(&state.store, &state.visitor_key, bot, &token)
        .await
        .map_err(|_| invalid_session())
}

pub(super) fn no_session() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "no_session",
        "send the X-Parley-Session token this browser was given",
    )
}

pub(super) fn invalid_session() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "invalid_session",
        "the session token is not valid for this bot",
    )
}
