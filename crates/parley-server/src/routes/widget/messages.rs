//! A visitor's messages, answered as JSON or streamed as Server-Sent Events, and the
//! conversation's live stream.

use super::views::{Authors, MessageView, message_view};
use super::{invalid_session, no_session, visitor};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::extract::{WidgetBot, session_token};
use crate::images::{self};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use parley_engine::EngineError;
use parley_engine::chat::{self, ReplyEvent};
use parley_engine::live::VISITOR_CONVERSATION_FIELDS;
use parley_engine::live::{LiveEvent, RESYNC};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::convert::Infallible;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    #[schema(min_length = 1)]
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
pub(super) async fn send_message(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendMessage>,
) -> ApiResult<Response> {
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
        &state.services,
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
                ReplyEvent::Done(m) => reply = Some(message_view(&key, &m, &Authors::new())),
                ReplyEvent::Handoff | ReplyEvent::Token(_) => {}
            }
        }
        return Ok(Json(SentMessage {
            message: message_view(&key, &message, &Authors::new()),
            reply,
        })
        .into_response());
    }
    let first = json_event("message", &message_view(&key, &message, &Authors::new()));
    let first = futures::stream::once(async move { Ok::<_, Infallible>(first) });
    let rest = futures::stream::unfold(replies, move |mut rx| {
        let key = key.clone();
        async move {
            let event = match rx.recv().await? {
                ReplyEvent::Token(text) => {
                    json_event("token", &serde_json::json!({ "text": text }))
                }
                ReplyEvent::Done(m) => json_event("done", &message_view(&key, &m, &Authors::new())),
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
    (status = 429, body = ErrorBody, description = "too many streams open for this visitor or bot"),
    (status = 503, body = ErrorBody, description = "too many streams open on this node"),
))]
pub(super) async fn conversation_stream(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let slots = state.streams.open(Some(bot.id), Some(visitor.id))?;
    let key = state.visitor_key.clone();
    let events =
        tokio_stream::wrappers::BroadcastStream::new(state.hub.subscribe()).filter_map(move |e| {
            let _open_while_streaming = &slots;
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
const MESSAGE_VIEW_FIELDS: [&str; 9] = [
    "id",
    "role",
    "text",
    "citations",
    "attachments",
    "author",
    "rating_request",
    "analysis",
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

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

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
        let mut view = view;
        view["rating_request"] = json!(false);
        // The bot's report on an image names it; other messages carry null.
        view["analysis"] = json!(null);
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
