//! `/api/v1/conversations` (the agent inbox) and `/api/v1/stream` (live events).

use super::shared::parse_time;
use super::shared::{ConversationStatus, MessageRole, rfc3339};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, page_limit, parse_id};
use crate::images::{self, Attachment};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use parley_domain::insight::lead::Priority;
use parley_domain::insight::{ConversationInsight, MessageInsight};
use parley_engine::inbox::{self, InboxConversation};
use parley_store::repo::conversations::{AssigneeFilter, ConversationFilter, Message, Note, Sort};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(view_counts))
        .routes(routes!(assign))
        .routes(routes!(get_conversation, update_conversation))
        .routes(routes!(transcript))
        .routes(routes!(add_note))
        .routes(routes!(handoff))
        .routes(routes!(agent_reply))
        .routes(routes!(stream))
}

#[derive(Serialize, ToSchema)]
pub struct ConversationSummary {
    id: Uuid,
    bot_id: Uuid,
    visitor_id: Uuid,
    /// Proven by the host page, or else typed by the visitor in chat.
    #[schema(required)]
    visitor_email: Option<String>,
    /// As the visitor gave it.
    #[schema(required)]
    visitor_name: Option<String>,
    /// When the visitor asked for a person; null once an agent has answered.
    #[schema(required)]
    waiting_since: Option<String>,
    #[schema(required)]
    assignee: Option<AgentRef>,
    #[schema(required)]
    rating: Option<super::widget::views::Rating>,
    /// The rolling sentiment in words; null before any visitor message.
    #[schema(required, value_type = Option<SentimentLabel>)]
    sentiment_label: Option<String>,
    #[schema(value_type = ConversationStatus)]
    status: String,
    /// True while an agent answers instead of the bot.
    human_handoff: bool,
    preview: String,
    message_count: i32,
    tags: Vec<String>,
    /// Rolling average sentiment of the visitor's messages, -1 to 1; null before any.
    #[schema(required)]
    sentiment: Option<f32>,
    /// Lead score 0 to 100 and its priority.
    lead_score: u8,
    lead_priority: Priority,
    created_at: String,
    last_message_at: String,
}

fn insight_of(conv: &parley_store::repo::conversations::Conversation) -> ConversationInsight {
    conv.insight
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// An agent, by id and name.
#[derive(Serialize, ToSchema)]
pub struct AgentRef {
    id: Uuid,
    name: String,
}

super::shared::vocabulary!(
    /// A conversation's rolling sentiment in words.
    SentimentLabel { Negative, Neutral, Positive }
);

pub(crate) fn summary(c: InboxConversation) -> ConversationSummary {
    let insight = insight_of(&c.conversation);
    let conv = c.conversation;
    ConversationSummary {
        visitor_name: c.visitor_name,
        waiting_since: conv.waiting_since.map(rfc3339),
        assignee: c.assignee.map(|(id, name)| AgentRef { id, name }),
        rating: super::widget::views::rating(&conv),
        sentiment_label: conv.sentiment_label.clone(),
        sentiment: (insight.sentiment.count > 0).then_some(insight.sentiment.average),
        lead_score: insight.lead.score,
        lead_priority: insight.lead.priority,
        id: conv.id,
        bot_id: conv.bot_id,
        visitor_id: conv.visitor_id,
        visitor_email: c.visitor_email,
        status: conv.status,
        human_handoff: conv.human_handoff,
        preview: conv.preview,
        message_count: conv.message_count,
        tags: c.tags,
        created_at: rfc3339(conv.created_at),
        last_message_at: rfc3339(conv.last_message_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationList {
    items: Vec<ConversationSummary>,
    /// Pass as `before` for the next page; null on the last page.
    #[schema(required)]
    next_before: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    bot_id: Option<Uuid>,
    #[param(value_type = Option<ConversationStatus>)]
    status: Option<String>,
    /// Text in the preview or any message.
    q: Option<String>,
    /// Last activity on or after (RFC 3339).
    from: Option<String>,
    /// Last activity on or before (RFC 3339).
    to: Option<String>,
    /// Page: last activity strictly before (RFC 3339), from `next_before`.
    before: Option<String>,
    /// 1 to 200, default 50.
    limit: Option<u64>,
    /// `waiting` (asked for a person), `mine` (assigned to me), `unassigned`; default all.
    #[param(value_type = Option<InboxView>)]
    view: Option<String>,
    #[param(value_type = Option<SentimentLabel>)]
    sentiment: Option<String>,
    /// Lead priority.
    #[param(value_type = Option<Priority>)]
    lead: Option<String>,
    /// An intent seen in the conversation.
    intent: Option<String>,
    tag: Option<String>,
    /// `recent` (default), `waiting` (longest waiting first; the default of the waiting
    /// view) or `lead` (highest score first). Only `recent` pages with `before`.
    #[param(value_type = Option<InboxSort>)]
    sort: Option<String>,
}

super::shared::vocabulary!(
    /// The inbox's views.
    InboxView { All, Waiting, Mine, Unassigned }
);
super::shared::vocabulary!(
    /// How the inbox is ordered.
    InboxSort { Recent, Waiting, Lead }
);

/// Checks a value against a fixed vocabulary; 400 naming the field otherwise.
fn one_of(field: &str, value: Option<String>, allowed: &[&str]) -> ApiResult<Option<String>> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(crate::error::ApiError::invalid_field(
            field,
            format!("must be one of {}", allowed.join(", ")),
        )),
        v => Ok(v),
    }
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "inbox", params(InboxQuery), responses(
    (status = 200, body = ConversationList), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn list_conversations(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<ConversationList>> {
    let limit = page_limit(q.limit)?;
    let view = one_of("view", q.view, &["all", "waiting", "mine", "unassigned"])?;
    let sort = match one_of("sort", q.sort, &["recent", "waiting", "lead"])?.as_deref() {
        Some("waiting") => Sort::Waiting,
        Some("lead") => Sort::Lead,
        Some(_) => Sort::Recent,
        None if view.as_deref() == Some("waiting") => Sort::Waiting,
        None => Sort::Recent,
    };
    let filter = ConversationFilter {
        bot_id: q.bot_id,
        status: q.status,
        text: q.q,
        from: parse_time("from", q.from.as_deref())?,
        to: parse_time("to", q.to.as_deref())?,
        before: parse_time("before", q.before.as_deref())?,
        waiting: view.as_deref() == Some("waiting"),
        assignee: match view.as_deref() {
            Some("mine") => Some(AssigneeFilter::User(caller.actor.user_id)),
            Some("unassigned") => Some(AssigneeFilter::Nobody),
            _ => None,
        },
        sentiment_label: one_of(
            "sentiment",
            q.sentiment,
            &["negative", "neutral", "positive"],
        )?,
        lead_priority: one_of("lead", q.lead, &["hot", "warm", "cold"])?,
        intent: q.intent.filter(|i| !i.trim().is_empty()),
        tag: q.tag.filter(|t| !t.trim().is_empty()),
        sort,
        limit,
        visitor_id: None,
    };
    let items: Vec<ConversationSummary> = inbox::list(&state.store, &caller.actor, filter)
        .await?
        .into_iter()
        .map(summary)
        .collect();
    let next_before = (items.len() as u64 == limit && sort == Sort::Recent)
        .then(|| items.last().map(|c| c.last_message_at.clone()))
        .flatten();
    Ok(Json(ConversationList { items, next_before }))
}

#[derive(Serialize, ToSchema)]
pub struct InboxMessage {
    id: Uuid,
    #[schema(value_type = MessageRole)]
    role: String,
    text: String,
    #[schema(value_type = Vec<super::shared::Citation>)]
    citations: serde_json::Value,
    #[schema(required)]
    model: Option<String>,
    #[schema(required)]
    latency_ms: Option<i32>,
    /// Sentiment, intents and lead fields of a visitor message; null for others.
    #[schema(required)]
    insight: Option<MessageInsight>,
    attachments: Vec<Attachment>,
    /// The agent who wrote it.
    #[schema(required)]
    author: Option<AgentRef>,
    /// This notice asked the visitor to rate the resolved conversation.
    rating_request: bool,
    /// The bot's report on an image it analysed.
    #[schema(required)]
    analysis: Option<images::AnalysisNote>,
    created_at: String,
}

fn message(key: &[u8], m: Message, authors: &super::widget::views::Authors) -> InboxMessage {
    InboxMessage {
        author: m.author_id.and_then(|id| {
            authors.get(&id).map(|name| AgentRef {
                id,
                name: name.clone(),
            })
        }),
        rating_request: images::asks_rating(m.attachments.as_ref()),
        analysis: images::analysis_note(m.attachments.as_ref()),
        attachments: images::attachments(key, m.attachments.as_ref()),
        insight: m
            .insight
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
        id: m.id,
        role: m.role,
        text: m.body,
        citations: m.citations,
        model: m.model,
        latency_ms: m.latency_ms,
        created_at: rfc3339(m.created_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    id: Uuid,
    author_user_id: Uuid,
    text: String,
    created_at: String,
}

fn note(n: Note) -> NoteView {
    NoteView {
        id: n.id,
        author_user_id: n.author_user_id,
        text: n.body,
        created_at: rfc3339(n.created_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationDetail {
    conversation: ConversationSummary,
    /// The rolling summary of turns older than the memory window.
    summary: String,
    /// Sentiment over the conversation and the lead: score, attributed breakdown, fields.
    insight: ConversationInsight,
    messages: Vec<InboxMessage>,
    notes: Vec<NoteView>,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "inbox", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ConversationDetail), (status = 404, body = ErrorBody),
))]
async fn get_conversation(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationDetail>> {
    let (conv, messages, notes) =
        inbox::detail(&state.store, &caller.actor, parse_id(&id)?).await?;
    let rolling = conv.conversation.summary.clone();
    let insight = insight_of(&conv.conversation);
    let authors = parley_engine::chat::authors(&state.store, &messages).await?;
    let analyses = parley_engine::vision::for_conversation(
        &state.services,
        &caller.actor,
        conv.conversation.id,
    )
    .await?;
    let mut messages: Vec<InboxMessage> = messages
        .into_iter()
        .map(|m| message(&state.visitor_key, m, &authors))
        .collect();
    // The newest analysis of each image (an agent's re-run replaces the upload's).
    for m in &mut messages {
        for a in &mut m.attachments {
            a.analysis = analyses
                .iter()
                .rev()
                .find(|x| x.image_id == a.image_id)
                .map(super::images::note);
        }
    }
    Ok(Json(ConversationDetail {
        insight,
        conversation: summary(conv),
        summary: rolling,
        messages,
        notes: notes.into_iter().map(note).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptQuery {
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// One line of a transcript.
#[derive(Serialize, ToSchema)]
pub struct TranscriptLine {
    /// RFC 3339.
    at: String,
    #[schema(value_type = MessageRole)]
    role: String,
    /// The agent's name for agent messages, `visitor`, `bot` or `system` otherwise.
    author: String,
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct Transcript {
    conversation_id: Uuid,
    #[schema(required)]
    visitor_email: Option<String>,
    started_at: String,
    lines: Vec<TranscriptLine>,
}

/// The conversation's transcript as a download: JSON, or CSV (`at,role,author,text`, cells
/// that look like spreadsheet formulas prefixed with `'`).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/transcript", tag = "inbox", params(("id" = Uuid, Path), TranscriptQuery), responses(
    (status = 200, body = Transcript), (status = 200, content_type = "text/csv", body = String),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn transcript(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TranscriptQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::invalid_field("format", "must be json or csv")),
    };
    let (conv, messages, _) = inbox::detail(&state.store, &caller.actor, parse_id(&id)?).await?;
    let authors = parley_engine::chat::authors(&state.store, &messages).await?;
    let lines: Vec<TranscriptLine> = messages
        .into_iter()
        .map(|m| TranscriptLine {
            at: rfc3339(m.created_at),
            author: m
                .author_id
                .and_then(|a| authors.get(&a).cloned())
                .unwrap_or_else(|| m.role.clone()),
            role: m.role,
            text: m.body,
        })
        .collect();
    let id = conv.conversation.id;
    let name = format!("conversation-{id}.{}", if csv { "csv" } else { "json" });
    let disposition = format!("attachment; filename=\"{name}\"");
    if csv {
        let mut body = String::from("at,role,author,text\n");
        for l in &lines {
            let cells = [&l.at, &l.role, &l.author, &l.text]
                .map(|c| parley_engine::analytics::csv_field(c));
            body.push_str(&cells.join(","));
            body.push('\n');
        }
        let headers = [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ];
        return Ok((headers, body).into_response());
    }
    let body = Transcript {
        conversation_id: id,
        visitor_email: conv.visitor_email,
        started_at: rfc3339(conv.conversation.created_at),
        lines,
    };
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(body)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationUpdate {
    #[schema(value_type = Option<ConversationStatus>)]
    status: Option<String>,
    tags: Option<Vec<String>>,
}

#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "inbox", params(("id" = Uuid, Path)), request_body = ConversationUpdate, responses(
    (status = 200, body = ConversationSummary), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn update_conversation(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConversationUpdate>,
) -> ApiResult<Json<ConversationSummary>> {
    let conv = inbox::update(
        &state.store,
        &state.hub,
        &caller.actor,
        parse_id(&id)?,
        body.status,
        body.tags,
    )
    .await?;
    Ok(Json(summary(conv)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteCreate {
    #[schema(min_length = 1)]
    text: String,
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", tag = "inbox", params(("id" = Uuid, Path)), request_body = NoteCreate, responses(
    (status = 201, body = NoteView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn add_note(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteCreate>,
) -> ApiResult<(StatusCode, Json<NoteView>)> {
    let n = inbox::add_note(&state.store, &caller.actor, parse_id(&id)?, &body.text).await?;
    Ok((StatusCode::CREATED, Json(note(n))))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoffAction {
    Take,
    Release,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handoff {
    action: HandoffAction,
}

/// Takes the conversation over from the bot (`take`) or hands it back (`release`).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/handoff", tag = "inbox", params(("id" = Uuid, Path)), request_body = Handoff, responses(
    (status = 200, body = ConversationSummary), (status = 404, body = ErrorBody),
))]
async fn handoff(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Handoff>,
) -> ApiResult<Json<ConversationSummary>> {
    let take = matches!(body.action, HandoffAction::Take);
    let conv = inbox::handoff(
        &state.store,
        &state.hub,
        &caller.actor,
        parse_id(&id)?,
        take,
    )
    .await?;
    Ok(Json(summary(conv)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentReply {
    #[schema(min_length = 1)]
    text: String,
}

/// An agent's reply to the visitor; the conversation must be taken over first.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "inbox", params(("id" = Uuid, Path)), request_body = AgentReply, responses(
    (status = 201, body = InboxMessage), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn agent_reply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AgentReply>,
) -> ApiResult<(StatusCode, Json<InboxMessage>)> {
    match inbox::reply(
        &state.store,
        &state.hub,
        &caller.actor,
        parse_id(&id)?,
        &body.text,
    )
    .await
    {
        Ok(m) => {
            let authors =
                parley_engine::chat::authors(&state.store, std::slice::from_ref(&m)).await?;
            Ok((
                StatusCode::CREATED,
                Json(message(&state.visitor_key, m, &authors)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// Live events of the workspace as Server-Sent Events: `message.created`,
/// `conversation.updated`, `document.updated`.
#[utoipa::path(get, path = "/api/v1/stream", tag = "inbox", responses(
    (status = 200, content_type = "text/event-stream", description = "an endless event stream"), (status = 401, body = ErrorBody),
    (status = 503, body = ErrorBody, description = "too many streams open on this node"),
))]
async fn stream(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let workspace = caller.actor.workspace_id;
    let slots = state.streams.open(None, None)?;
    let key = state.visitor_key.clone();
    let events = BroadcastStream::new(state.hub.subscribe()).filter_map(move |e| {
        let _open_while_streaming = &slots;
        match e {
            Ok(mut e) if e.workspace_id == workspace => {
                images::link_live_message(&key, &mut e.data);
                Some(Ok(Event::default().event(e.kind).data(e.data.to_string())))
            }
            Ok(_) => None,
            // A slow client missed events: tell it to refetch.
            Err(_) => Some(Ok(Event::default().event("resync").data("{}"))),
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

#[derive(Serialize, ToSchema)]
pub struct ViewCounts {
    all: u64,
    waiting: u64,
    mine: u64,
    unassigned: u64,
    negative: u64,
    hot: u64,
    warm: u64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountsQuery {
    bot_id: Option<Uuid>,
}

/// Open conversations per inbox view.
#[utoipa::path(get, path = "/api/v1/conversations/counts", tag = "inbox", params(CountsQuery), responses(
    (status = 200, body = ViewCounts), (status = 400, body = ErrorBody),
))]
async fn view_counts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<CountsQuery>,
) -> ApiResult<Json<ViewCounts>> {
    let c = inbox::counts(&state.store, &caller.actor, q.bot_id).await?;
    Ok(Json(ViewCounts {
        all: c.all,
        waiting: c.waiting,
        mine: c.mine,
        unassigned: c.unassigned,
        negative: c.negative,
        hot: c.hot,
        warm: c.warm,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// A member of the workspace, or null for nobody.
    #[schema(required)]
    user_id: Option<Uuid>,
}

/// Assigns the conversation to an agent, or to nobody.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/assignee", tag = "inbox", params(("id" = Uuid, Path)), request_body = Assignment, responses(
    (status = 200, body = ConversationSummary), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn assign(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Assignment>,
) -> ApiResult<Json<ConversationSummary>> {
    let conv = inbox::assign(
        &state.store,
        &state.hub,
        &caller.actor,
        parse_id(&id)?,
        body.user_id,
    )
    .await?;
    Ok(Json(summary(conv)))
}
