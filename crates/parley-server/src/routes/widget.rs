//! The widget API under `/widget/v1/`, called cross-origin from the host's pages.
//! Authenticated by the bot's public key (`X-Parley-Bot`) and its allowed origins; the
//! visitor by the signed session token (`X-Parley-Session`) Parley hands out.

use super::rfc3339;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ClientIp, parse_id};
use crate::images::{self, Attachment};
use axum::Json;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use parley_domain::bot::Appearance;
use parley_domain::identity::verify_image_link;
use parley_domain::image::MAX_IMAGE_BYTES;
use parley_domain::throttle::{Limit, Throttle};
use parley_engine::EngineError;
use parley_engine::chat::{self, ImageUpload, ReplyEvent, VisitorProof};
use parley_engine::inbox::VISITOR_CONVERSATION_FIELDS;
use parley_engine::live::{LiveEvent, RESYNC};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{Conversation, Message};
use parley_store::repo::{faqs, images as stored_images};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::convert::Infallible;
use std::sync::Mutex;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub const BOT_HEADER: &str = "x-parley-bot";
pub const SESSION_HEADER: &str = "x-parley-session";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(config))
        .routes(routes!(start_conversation, history))
        .routes(routes!(get_conversation))
        .routes(routes!(send_message))
        .routes(routes!(conversation_stream))
        .merge(
            // Only the image upload may exceed the general body limit.
            OpenApiRouter::new()
                .routes(routes!(upload_image))
                .layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES + 64 * 1024)),
        )
        .routes(routes!(image))
}

/// Caps widget writes (conversations started, messages, images) per bot and client address
/// in a sliding minute, so one address cannot flood a bot's inbox or spend its model
/// budget. Kept per node: behind N nodes an address gets up to N times the limit.
pub struct WidgetLimiter {
    limit: Option<Limit>,
    throttle: Mutex<Throttle>,
}

impl WidgetLimiter {
    /// `per_minute` writes per address and bot; 0: unlimited.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limit: (per_minute > 0).then_some(Limit {
                max_events: per_minute as usize,
                window_ms: 60_000,
            }),
            throttle: Mutex::default(),
        }
    }

    /// Counts one write, or refuses it with 429 and `Retry-After` when the address is over
    /// its limit (a refused write does not count).
    fn admit(&self, bot: &Bot, ip: Option<&str>) -> ApiResult<()> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let key = format!("{}/{}", bot.id, ip.unwrap_or("unknown"));
        let keys = [(key.as_str(), limit)];
        let mut throttle = self.throttle.lock().expect("widget limiter lock");
        let now = parley_store::now_ms();
        if let Err(wait_ms) = throttle.check(&keys, now) {
            metrics::counter!("parley_widget_rate_limited_total").increment(1);
            let secs = (wait_ms as u64).div_ceil(1000).max(1);
            return Err(ApiError {
                retry_after_secs: Some(secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many messages from this address; try again in {secs} seconds"),
                )
            });
        }
        throttle.record(&keys, now);
        Ok(())
    }
}

/// CORS for the widget API: host pages on other origins call it. Preflights are answered
/// here; the allowed-origins check itself happens per bot in [`WidgetBot`].
pub async fn cors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/widget/") {
        return next.run(req).await;
    }
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut response = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    if let Some(origin) = origin {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, accept, x-parley-bot, x-parley-session"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// The bot a widget request is for, after the key and origin checks.
pub struct WidgetBot(pub Bot);

impl FromRequestParts<AppState> for WidgetBot {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get(BOT_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let bot = match key {
            "" => None,
            key => parley_engine::held::bot_by_key(&state.store, key).await?,
        };
        let bot = bot.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_bot_key",
                "unknown or missing X-Parley-Bot key",
            )
        })?;
        if !bot.allowed_origins.is_empty() {
            let origin = parts
                .headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase());
            if !origin.is_some_and(|o| bot.allowed_origins.contains(&o)) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "origin_not_allowed",
                    "this page's origin is not allowed for this bot",
                ));
            }
        }
        Ok(WidgetBot(bot))
    }
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|t| !t.is_empty())
}

/// The visitor behind `X-Parley-Session`; without a valid one, 403.
async fn visitor(
    state: &AppState,
    bot: &Bot,
    headers: &HeaderMap,
) -> ApiResult<parley_store::repo::conversations::Visitor> {
    let token = session_token(headers).ok_or_else(no_session)?;
    chat::visitor_from_token(&state.store, &state.visitor_key, bot, &token)
        .await
        .map_err(|_| invalid_session())
}

fn no_session() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "no_session",
        "send the X-Parley-Session token this browser was given",
    )
}

fn invalid_session() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "invalid_session",
        "the session token is not valid for this bot",
    )
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
    let faqs = faqs::list(state.store.db(), bot.workspace_id, bot.id, true).await?;
    Ok(Json(WidgetConfig {
        name: bot.name,
        appearance: bot.appearance,
        faqs: faqs
            .into_iter()
            .map(|f| WidgetFaq {
                id: f.id,
                question: f.question,
                answer: f.answer,
            })
            .collect(),
    }))
}

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

#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    id: Uuid,
    status: String,
    preview: String,
    message_count: i32,
    created_at: String,
    last_message_at: String,
}

/// A message of a conversation.
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    id: Uuid,
    /// `visitor`, `bot`, `agent` or `system`.
    role: String,
    text: String,
    /// Where the answer came from: `{kind: "faq" | "passage", title, ...}`.
    #[schema(value_type = Vec<Citation>)]
    citations: serde_json::Value,
    /// Images the visitor sent with the message.
    attachments: Vec<Attachment>,
    created_at: String,
}

/// Where an answer came from (documentation of the stored JSON; never built in Rust).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Citation {
    /// `faq` or `passage`.
    kind: String,
    /// The FAQ's question, or the document's name.
    title: String,
    /// The passage's heading path.
    heading: Option<String>,
    /// The marker number the answer uses (`[n]`), for passages a model cited.
    n: Option<u32>,
    faq_id: Option<Uuid>,
    chunk_id: Option<Uuid>,
    document_id: Option<Uuid>,
}

pub fn conversation_view(c: &Conversation) -> ConversationView {
    ConversationView {
        id: c.id,
        status: c.status.clone(),
        preview: c.preview.clone(),
        message_count: c.message_count,
        created_at: rfc3339(c.created_at),
        last_message_at: rfc3339(c.last_message_at),
    }
}

pub fn message_view(key: &[u8], m: &Message) -> MessageView {
    MessageView {
        attachments: images::attachments(key, m.attachments.as_ref()),
        id: m.id,
        role: m.role.clone(),
        text: m.body.clone(),
        citations: m.citations.clone(),
        created_at: rfc3339(m.created_at),
    }
}

/// Starts a conversation, or resumes one of the visitor's, and returns the session token.
#[utoipa::path(post, path = "/widget/v1/conversations", tag = "widget", request_body = StartConversation, responses(
    (status = 200, body = StartedConversation), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
))]
async fn start_conversation(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StartConversation>,
) -> ApiResult<Json<StartedConversation>> {
    state.widget_limiter.admit(&bot, ip.as_deref())?;
    let proof = VisitorProof {
        session_token: session_token(&headers),
        email: body.email,
        user_hash: body.user_hash,
    };
    let who = chat::identify(&state.chat, &state.visitor_key, &bot, &proof).await?;
    let conv = chat::start(&state.store, &who.visitor, body.conversation_id).await?;
    let messages = chat::transcript(&state.store, &conv).await?;
    Ok(Json(StartedConversation {
        conversation: conversation_view(&conv),
        session_token: who.session_token,
        email_verified: who.email_verified,
        messages: messages
            .iter()
            .map(|m| message_view(&state.visitor_key, m))
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

pub fn parse_time(field: &str, value: Option<&str>) -> ApiResult<Option<i64>> {
    value
        .map(|v| {
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
                .map_err(|_| {
                    ApiError::invalid_field(
                        field,
                        "must be an RFC 3339 time like 2026-11-24T10:00:00Z",
                    )
                })
        })
        .transpose()
}

/// The visitor's past conversations (this browser's, or the verified email's), newest first.
#[utoipa::path(get, path = "/widget/v1/conversations", tag = "widget", params(HistoryQuery), responses(
    (status = 200, body = ConversationList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
))]
async fn history(
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
async fn get_conversation(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<ConversationDetail>> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let messages = chat::transcript(&state.store, &conv).await?;
    Ok(Json(ConversationDetail {
        conversation: conversation_view(&conv),
        messages: messages
            .iter()
            .map(|m| message_view(&state.visitor_key, m))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    text: String,
    /// The widget's own id for this message (1-64 letters, digits, `-`, `_`). A retry with
    /// the same id returns the stored message and its answer instead of storing it twice.
    client_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SentMessage {
    message: MessageView,
    /// The bot's answer; null while an agent has taken over.
    #[schema(required)]
    reply: Option<MessageView>,
}

/// Sends the visitor's message. With `Accept: text/event-stream` the answer streams as SSE
/// events: `message` (the stored visitor message), `token` (`{"text"}` pieces), then `done`
/// (the stored answer with citations) or `handoff`. Otherwise one JSON response.
#[utoipa::path(post, path = "/widget/v1/conversations/{id}/messages", tag = "widget", params(("id" = Uuid, Path)), request_body = SendMessage, responses(
    (status = 200, body = SentMessage, description = "JSON, or an SSE stream with Accept: text/event-stream"),
    (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 429, body = ErrorBody),
))]
async fn send_message(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendMessage>,
) -> ApiResult<Response> {
    state.widget_limiter.admit(&bot, ip.as_deref())?;
    let token = session_token(&headers).ok_or_else(no_session)?;
    let (conv, visits) = chat::visitor_conversation(
        &state.store,
        &state.visitor_key,
        &bot,
        &token,
        parse_id(&id)?,
    )
    .await
    .map_err(|e| match e {
        EngineError::Unauthenticated => invalid_session(),
        e => e.into(),
    })?;
    let wants_stream = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/event-stream"));
    let (message, mut replies) = chat::send(
        &state.chat,
        &bot,
        &conv,
        visits,
        &body.text,
        body.client_id.as_deref(),
        wants_stream,
    )
    .await?;
    let key = state.visitor_key.clone();
    if !wants_stream {
        let mut reply = None;
        while let Some(event) = replies.recv().await {
            match event {
                ReplyEvent::Done(m) => reply = Some(message_view(&key, &m)),
                ReplyEvent::Handoff | ReplyEvent::Token(_) => {}
            }
        }
        return Ok(Json(SentMessage {
            message: message_view(&key, &message),
            reply,
        })
        .into_response());
    }
    let first = json_event("message", &message_view(&key, &message));
    let first = futures::stream::once(async move { Ok::<_, Infallible>(first) });
    let rest = futures::stream::unfold(replies, move |mut rx| {
        let key = key.clone();
        async move {
            let event = match rx.recv().await? {
                ReplyEvent::Token(text) => {
                    json_event("token", &serde_json::json!({ "text": text }))
                }
                ReplyEvent::Done(m) => json_event("done", &message_view(&key, &m)),
                ReplyEvent::Handoff => Event::default().event("handoff").data("{}"),
            };
            Some((Ok::<_, Infallible>(event), rx))
        }
    });
    Ok(Sse::new(first.chain(rest))
        .keep_alive(KeepAlive::default())
        .into_response())
}

fn json_event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(data).unwrap_or_default())
}

/// Live updates of one conversation for the widget, as Server-Sent Events: `message.created`
/// for agent, system and bot messages (an agent's replies after handoff appear live) and
/// `conversation.updated` (its status and handoff only). Read it with `fetch` (it needs the
/// widget's headers).
#[utoipa::path(get, path = "/widget/v1/conversations/{id}/stream", tag = "widget", params(("id" = Uuid, Path)), responses(
    (status = 200, content_type = "text/event-stream", description = "an endless event stream"),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn conversation_stream(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let key = state.visitor_key.clone();
    let events =
        tokio_stream::wrappers::BroadcastStream::new(state.hub.subscribe()).filter_map(move |e| {
            let event = match e {
                Ok(e) if e.conversation_id == Some(conv.id) => for_visitor(&key, e),
                Ok(_) => None,
                Err(_) => Some((RESYNC, json!({}))),
            };
            std::future::ready(event.map(|(kind, data)| {
                Ok::<_, Infallible>(Event::default().event(kind).data(data.to_string()))
            }))
        });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// A message's fields a visitor sees: [`MessageView`]'s (not the model, its latency or the
/// message's scores).
const MESSAGE_VIEW_FIELDS: [&str; 6] = [
    "id",
    "role",
    "text",
    "citations",
    "attachments",
    "created_at",
];

/// What of a live event about their conversation a visitor sees: others' messages (their
/// own they have), the conversation's status and handoff, and resyncs. Nothing else, such
/// as its workflows' executions or the team's tags, leaves the team.
fn for_visitor(key: &[u8], mut e: LiveEvent) -> Option<(&'static str, Value)> {
    match e.kind {
        "message.created" if e.data["message"]["role"] != "visitor" => {
            images::link_live_message(key, &mut e.data);
            let data = e.data.as_object_mut()?;
            data.retain(|k, _| k == "conversation_id" || k == "message");
            data.get_mut("message")?
                .as_object_mut()?
                .retain(|k, _| MESSAGE_VIEW_FIELDS.contains(&k.as_str()));
        }
        "conversation.updated" => {
            e.data
                .as_object_mut()?
                .retain(|k, _| VISITOR_CONVERSATION_FIELDS.contains(&k.as_str()));
        }
        RESYNC => {}
        _ => return None,
    }
    Some((e.kind, e.data))
}

#[derive(Serialize, ToSchema)]
pub struct UploadedImage {
    /// The visitor's message carrying the image (its text is the caption).
    message: MessageView,
}

/// Sends an image (multipart: one `image` file part, optional `caption` text part). The
/// type is judged by the bytes (JPEG, PNG, GIF, WebP), at most 5 MiB; `image.uploaded` is
/// written for the automation engine. The bot does not answer an image by itself.
#[utoipa::path(post, path = "/widget/v1/conversations/{id}/images", tag = "widget", params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "an `image` file part and an optional `caption` part"),
    responses(
        (status = 201, body = UploadedImage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ),
)]
async fn upload_image(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadedImage>)> {
    state.widget_limiter.admit(&bot, ip.as_deref())?;
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let mut multipart = multipart.map_err(|e| ApiError::invalid_field("body", e.body_text()))?;
    let (mut image, mut caption) = (None, String::new());
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        match field.name() {
            Some("image") => {
                let name = field.file_name().unwrap_or("image").to_string();
                let bytes = field.bytes().await.map_err(upload_error)?;
                image = Some((name, bytes.to_vec()));
            }
            Some("caption") => caption = field.text().await.map_err(upload_error)?,
            _ => {}
        }
    }
    let (name, bytes) = image.ok_or_else(|| {
        ApiError::invalid_field("image", "send the image as an `image` file part")
    })?;
    let upload = ImageUpload {
        bytes,
        name,
        caption,
    };
    let message = chat::attach_image(&state.chat, &conv, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(UploadedImage {
            message: message_view(&state.visitor_key, &message),
        }),
    ))
}

fn upload_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "an image may have at most 5 MiB",
        )
    } else {
        ApiError::invalid_field("image", e.body_text())
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageLink {
    /// Expiry, epoch seconds.
    exp: i64,
    sig: String,
}

/// An image, through the signed link a message view carries. No other credentials: the
/// link is the permission, and it expires.
#[utoipa::path(get, path = "/widget/v1/images/{id}", tag = "widget", params(("id" = Uuid, Path), ImageLink), responses(
    (status = 200, content_type = "image/*", description = "the image's bytes"),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn image(
    State(state): State<AppState>,
    Path(id): Path<String>,
    link: Result<Query<ImageLink>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let valid =
        link.is_ok_and(|Query(l)| verify_image_link(&state.visitor_key, id, l.exp, &l.sig, now));
    if !valid {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_link",
            "this image link is not valid or has expired",
        ));
    }
    let (content_type, data) = stored_images::get(state.store.db(), id).await?;
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (
            header::CACHE_CONTROL,
            format!("private, max-age={}", images::LINK_TTL_SECS),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox".into(),
        ),
    ];
    Ok((headers, data).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &'static str, data: Value) -> LiveEvent {
        LiveEvent {
            workspace_id: Uuid::nil(),
            conversation_id: Some(Uuid::nil()),
            kind,
            data,
        }
    }

    #[test]
    fn visitors_see_others_messages_status_and_handoff_and_nothing_of_the_teams() {
        let key = b"key";
        let view = json!({"id": "m", "role": "bot", "text": "Hi", "citations": [], "attachments": [], "created_at": "t"});
        let mut bot = json!({"conversation_id": "c", "message": view.clone()});
        bot["message"]["model"] = json!("gpt-4o-mini");
        bot["message"]["latency_ms"] = json!(12);
        bot["message"]["insight"] = json!({"sentiment": 0.2});
        assert_eq!(
            for_visitor(key, event("message.created", bot)),
            Some((
                "message.created",
                json!({"conversation_id": "c", "message": view})
            ))
        );
        let own = json!({"message": {"role": "visitor", "text": "Hello"}});
        assert_eq!(for_visitor(key, event("message.created", own)), None);
        let updated = json!({"conversation_id": "c", "status": "open", "human_handoff": true, "tags": ["vip"]});
        assert_eq!(
            for_visitor(key, event("conversation.updated", updated)),
            Some((
                "conversation.updated",
                json!({"conversation_id": "c", "status": "open", "human_handoff": true})
            ))
        );
        let execution = json!({"execution_id": "e", "state": {"deal_id": "42"}});
        assert_eq!(
            for_visitor(key, event("execution.updated", execution)),
            None
        );
        assert_eq!(
            for_visitor(key, event(RESYNC, json!({}))),
            Some((RESYNC, json!({})))
        );
    }
}
