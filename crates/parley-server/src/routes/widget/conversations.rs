//! Starting, resuming and listing a visitor's conversations.

use super::views::Rating;
use super::views::{ConversationView, MessageView, conversation_view, message_view};
use super::visitor;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, parse_id};
use crate::extract::{WidgetBot, session_token};
use crate::routes::shared::parse_time;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use parley_engine::chat::{self, VisitorProof};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StartConversation {
    /// Resume this conversation (it must be the visitor's own).
    conversation_id: Option<Uuid>,
    /// The visitor's email, as the host page knows it.
    email: Option<String>,
    /// HMAC-SHA256 of the email under the bot's identity secret, from the host's backend.
    user_hash: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StartedConversation {
    conversation: ConversationView,
    /// Keep it (localStorage) and send it as `X-Parley-Session` from now on.
    session_token: String,
    /// Whether the email was proven with `user_hash` (history by email is available).
    email_verified: bool,
    messages: Vec<MessageView>,
}

/// Starts a conversation, or resumes one of the visitor's, and returns the session token.
#[utoipa::path(post, path = "/widget/v1/conversations", tag = "widget", request_body = StartConversation, responses(
    (status = 200, body = StartedConversation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
))]
pub(super) async fn start_conversation(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartConversation>,
) -> ApiResult<Json<StartedConversation>> {
    let proof = VisitorProof {
        session_token: session_token(&headers),
        email: body.email,
        user_hash: body.user_hash,
    };
    let who = chat::identify(&state.services, &state.visitor_key, &bot, &proof).await?;
    let conv = chat::start(&state.store, &who.visitor, body.conversation_id).await?;
    let messages = chat::transcript(&state.store, &conv).await?;
    let authors = chat::authors(&state.store, &messages).await?;
    Ok(Json(StartedConversation {
        conversation: conversation_view(&conv),
        session_token: who.session_token,
        email_verified: who.email_verified,
        messages: messages
            .iter()
            .map(|m| message_view(&state.visitor_key, m, &authors))
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Text in any message.
    q: Option<String>,
    /// Last activity on or after this time (RFC 3339).
    from: Option<String>,
    /// Last activity on or before this time (RFC 3339).
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = VisitorConversationList)]
pub struct ConversationList {
    items: Vec<ConversationView>,
}

/// The visitor's past conversations (this browser's, or the verified email's), newest first.
#[utoipa::path(get, path = "/widget/v1/conversations", tag = "widget", params(HistoryQuery), responses(
    (status = 200, body = ConversationList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
))]
pub(super) async fn history(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<ConversationList>> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let (from, to) = (
        parse_time("from", q.from.as_deref())?,
        parse_time("to", q.to.as_deref())?,
    );
    let list = chat::history(&state.store, &visitor, q.q, from, to).await?;
    Ok(Json(ConversationList {
        items: list.iter().map(conversation_view).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = VisitorConversationDetail)]
pub struct ConversationDetail {
    conversation: ConversationView,
    messages: Vec<MessageView>,
}

#[utoipa::path(get, path = "/widget/v1/conversations/{id}", tag = "widget", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ConversationDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
pub(super) async fn get_conversation(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationDetail>> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let messages = chat::transcript(&state.store, &conv).await?;
    let authors = chat::authors(&state.store, &messages).await?;
    Ok(Json(ConversationDetail {
        conversation: conversation_view(&conv),
        messages: messages
            .iter()
            .map(|m| message_view(&state.visitor_key, m, &authors))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// 1 (bad) to 5 (great).
    #[schema(minimum = 1, maximum = 5)]
    score: i32,
    /// At most 1000 characters.
    comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Rated {
    rating: Rating,
}

/// Rates a resolved conversation (a second rating replaces the first); writes
/// `conversation.rated` for workflows and analytics.
#[utoipa::path(post, path = "/widget/v1/conversations/{id}/rating", tag = "widget", params(("id" = Uuid, Path)), request_body = RatingRequest, responses(
    (status = 200, body = Rated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "the conversation is not resolved (`not_resolved`)"), (status = 422, body = ErrorBody),
))]
pub(super) async fn rate_conversation(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RatingRequest>,
) -> ApiResult<Json<Rated>> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let conv = chat::rate(&state.services, &conv, body.score, body.comment.as_deref()).await?;
    let rating = Rating {
        score: conv.rating.unwrap_or(body.score),
        comment: conv.rating_comment,
    };
    Ok(Json(Rated { rating }))
}
