//! A visitor's message: validated, scored and stored with its events in one transaction,
//! then answered on a task of its own.

use super::MAX_MESSAGE_CHARS;
use super::answer::{Replies, ReplyEvent, answer};
use crate::insight::classify;
use crate::knowledge::retrieve;
use crate::live::publish_message;
use crate::services::Services;
use crate::{EngineError, EngineResult};
use parley_domain::insight::{
    ConversationInsight, InsightConfig, MessageInsight, analyze_message, update_conversation,
};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{self as convs, Conversation, Message, NewMessage};
use parley_store::repo::outbox;
use parley_store::{Store, StoreResult};
use serde_json::json;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

/// Passages retrieved per question.
const PASSAGES: u64 = 5;

/// Stores the visitor's message (with `message.received`) and, unless an agent has taken
/// over, answers it. Returns the stored visitor message and a stream of reply events; the
/// answer is produced and stored on its own task, so it completes even if nobody reads.
///
/// `client_id` is the sender's own id for the message: a retry with the same id (after a
/// network failure) gets the stored message and its answer back instead of a second copy.
/// `visits` is how many conversations the visitor has had (see [`visitor_conversation`]).
/// With `tokens`, the reply's text also arrives piece by piece as it is produced
/// ([`ReplyEvent::Token`]); without, only whole once stored, which spares a client that
/// waits for the whole reply a message per word.
pub async fn send(
    ctx: &Services,
    bot: &Bot,
    conv: &Conversation,
    visits: u64,
    text: &str,
    client_id: Option<&str>,
    tokens: bool,
) -> EngineResult<(Message, mpsc::Receiver<ReplyEvent>)> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::error::invalid("text", "must not be empty"));
    }
    if let Some(id) = client_id {
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(crate::error::invalid(
                "client_id",
                "must be 1-64 letters, digits, '-' or '_'",
            ));
        }
        if let Some(sent) = already_sent(ctx, conv, id).await? {
            return Ok(sent);
        }
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(EngineError::TooLarge(format!(
            "a message may have at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    let started = Instant::now();
    // Retrieval needs only the question, so it starts now and runs on other connections
    // while the message is scored and stored: the answer waits for the longer of the two
    // rather than for both. Dropped (and so stopped) if nothing is answered.
    let start_retrieval = || {
        let (ctx, bot, question) = (ctx.clone(), bot.clone(), text.to_string());
        AbortOnDropHandle::new(tokio::spawn(async move {
            retrieve(&ctx, &bot, &question, PASSAGES).await
        }))
    };
    let retrieval = (!conv.human_handoff).then(start_retrieval);
    let (store, hub) = (&ctx.store, &ctx.hub);
    let config = &bot.insight.config;
    let matcher = ctx.intents.matcher(bot);
    let mut insight = analyze_message(text, &matcher);
    if let Some(settings) = &bot.model
        && insight.needs_model(config)
    {
        let names = matcher.intent_names();
        if let Some(found) = classify(&ctx.ai, &ctx.endpoint(bot, settings), names, text).await {
            insight.merge_model_intents(&found);
        }
    }
    let visits = visits.clamp(1, u32::MAX as u64) as u32;
    let stored = store_question(store, conv, text, &insight, visits, client_id, config).await;
    let (fresh, visitor_msg) = match (stored, client_id) {
        // The same message arrived twice at once: the other request stored it.
        (Err(parley_store::StoreError::Conflict(_)), Some(id)) => {
            return already_sent(ctx, conv, id)
                .await?
                .ok_or(EngineError::Conflict(crate::Conflict::MessageInFlight));
        }
        (stored, _) => stored?,
    };
    publish_message(hub, conv, &visitor_msg);

    let (events, receiver) = mpsc::channel(64);
    // `fresh` is the conversation as this message's transaction saw it: the handoff flag and
    // the memory (summary) the answer builds on are the current ones.
    if fresh.human_handoff {
        let _ = events.send(ReplyEvent::Handoff).await;
        return Ok((visitor_msg, receiver));
    }
    // Not started if the conversation was handed off when the request read it.
    let retrieval = retrieval.unwrap_or_else(start_retrieval);
    let (ctx, bot, conv, question) = (ctx.clone(), bot.clone(), fresh, text.to_string());
    let replies = Replies { events, tokens };
    tokio::spawn(async move {
        if let Err(e) = answer(&ctx, &bot, &conv, &question, started, retrieval, replies).await {
            tracing::warn!(conversation = %conv.id, error = %e, "answering failed");
            metrics::counter!("parley_answers_total", "outcome" => "error").increment(1);
        }
    });
    Ok((visitor_msg, receiver))
}

/// Stores the visitor's message with its events, and folds it into the conversation's state
/// in the same transaction: a trigger is written exactly when its message is. Returns the
/// conversation as the transaction saw it, and the message.
async fn store_question(
    store: &Store,
    conv: &Conversation,
    text: &str,
    insight: &MessageInsight,
    visits: u32,
    client_id: Option<&str>,
    config: &InsightConfig,
) -> StoreResult<(Conversation, Message)> {
    let tx = store.begin().await?;
    let fresh = convs::get(&tx, conv.workspace_id, conv.id).await?;
    let state: ConversationInsight = fresh
        .insight
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let (state, triggers) = update_conversation(&state, insight, visits, config);
    let message = convs::append_message(
        &tx,
        conv,
        NewMessage {
            role: "visitor".into(),
            body: text.to_string(),
            insight: Some(json!(insight)),
            client_id: client_id.map(str::to_string),
            conversation_insight: Some(json!(state)),
            ..Default::default()
        },
    )
    .await?;
    let base = json!({"conversation_id": conv.id, "bot_id": conv.bot_id, "message_id": message.id});
    outbox::append(
        &tx,
        conv.workspace_id,
        "message.received",
        with(&base, json!({"text": text, "sentiment": insight.sentiment})),
    )
    .await?;
    for trigger in &triggers {
        let mut payload = json!(trigger);
        let kind = payload["type"].as_str().unwrap_or("insight").to_string();
        if let Some(map) = payload.as_object_mut() {
            map.remove("type");
        }
        if kind == "lead.qualified" {
            payload["lead"] = json!(state.lead);
        }
        outbox::append(&tx, conv.workspace_id, &kind, with(&base, payload)).await?;
    }
    // On SQLite the message, the conversation's update and the events go with the commit
    // (see `ExecuteLater`): a message whose `client_id` is taken fails here.
    tx.commit().await?;
    Ok((fresh, message))
}

/// A message already stored under `client_id`, with a stream holding its answer when one is
/// stored (a retry while the answer is still being written gets the message alone; the
/// answer arrives on the conversation's live stream).
async fn already_sent(
    ctx: &Services,
    conv: &Conversation,
    client_id: &str,
) -> EngineResult<Option<(Message, mpsc::Receiver<ReplyEvent>)>> {
    let Some((sent, reply)) = convs::find_sent(ctx.store.db(), conv.id, client_id).await? else {
        return Ok(None);
    };
    let (events, receiver) = mpsc::channel(1);
    if let Some(reply) = reply {
        let _ = events.try_send(ReplyEvent::Done(Box::new(reply)));
    }
    Ok(Some((sent, receiver)))
}

/// `base` with the fields of `extra` added.
fn with(base: &serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    let mut out = base.clone();
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}
