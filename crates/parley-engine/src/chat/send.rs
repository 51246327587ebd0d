//! A visitor's message: validated, scored and stored with its events in one transaction,
//! then answered on a task of its own.

use super::MAX_MESSAGE_CHARS;
use super::answer::{Replies, ReplyEvent, answer, say};
use super::handoff;
use crate::insight::classify;
use crate::knowledge::retrieve;
use crate::live::publish_message;
use crate::services::Services;
use crate::{EngineError, EngineResult};
use parley_domain::chat::handoff::{HandoffReason, email_noted, is_yes, requested};
use parley_domain::insight::{
    ConversationInsight, InsightConfig, MessageInsight, analyze_message, update_conversation,
};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{
    self as convs, Change, Conversation, InsightColumns, Message, NewMessage,
};
use parley_store::repo::outbox;
use parley_store::{Store, StoreResult};
use serde_json::json;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

/// Passages retrieved per question.
pub(super) const PASSAGES: u64 = 5;

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
    let incoming = Incoming {
        text,
        client_id,
        image: None,
    };
    receive(ctx, bot, conv, visits, incoming, tokens).await
}

/// A visitor's message as it arrived.
pub(super) struct Incoming<'a> {
    /// Trimmed; may be empty only with an image.
    pub(super) text: &'a str,
    pub(super) client_id: Option<&'a str>,
    /// The image attachment it carries (already stored), as the transcript shows it.
    pub(super) image: Option<serde_json::Value>,
}

/// Scores, stores and answers a checked message (see [`send`]).
pub(super) async fn receive(
    ctx: &Services,
    bot: &Bot,
    conv: &Conversation,
    visits: u64,
    incoming: Incoming<'_>,
    tokens: bool,
) -> EngineResult<(Message, mpsc::Receiver<ReplyEvent>)> {
    let Incoming {
        text,
        client_id,
        image,
    } = incoming;
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
    let retrieval = (!conv.human_handoff && !text.is_empty()).then(start_retrieval);
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
    let handoff_reason = match conv.human_handoff {
        true => None,
        false => {
            // The bot's last message matters only to a yes (an extra read otherwise).
            let previous = match is_yes(text) {
                true => last_bot_message(store, conv).await?,
                false => None,
            };
            let wanted = &bot.behaviour.handoff_intents;
            requested(
                text,
                &insight,
                wanted,
                config.intent_threshold,
                previous.as_deref(),
            )
        }
    };
    let visits = visits.clamp(1, u32::MAX as u64) as u32;
    let question = Question {
        text,
        insight: &insight,
        visits,
        client_id,
        image: image.as_ref(),
        handoff: handoff_reason.as_ref(),
    };
    let stored = store_question(store, bot, conv, question, config).await;
    let stored = match (stored, client_id) {
        // The same message arrived twice at once: the other request stored it.
        (Err(parley_store::StoreError::Conflict(_)), Some(id)) => {
            return already_sent(ctx, conv, id)
                .await?
                .ok_or(EngineError::Conflict(crate::Conflict::MessageInFlight));
        }
        (stored, _) => stored?,
    };
    let Stored {
        before: fresh,
        after,
        message: visitor_msg,
        email_given,
    } = stored;
    publish_message(hub, conv, &visitor_msg);
    if after.status != fresh.status || after.waiting_since != fresh.waiting_since {
        crate::live::publish_conversation(hub, &after, handoff_reason.is_some());
    }

    let (events, receiver) = mpsc::channel(64);
    let replies = Replies { events, tokens };
    let ctx = ctx.clone();
    let bot = bot.clone();
    // The visitor asked for a person: they hear what happens next, and the bot goes quiet.
    if handoff_reason.is_some() {
        tokio::spawn(async move {
            let told = handoff::tell_visitor(&ctx, &bot, &after).await;
            let text = told.unwrap_or_else(|e| {
                tracing::warn!(conversation = %after.id, error = %e, "reading who is online failed");
                "I've asked a person from our team to take over. They'll reply here.".into()
            });
            say(&ctx, &after, text, started, replies).await;
        });
        return Ok((visitor_msg, receiver));
    }
    // `fresh` is the conversation as this message's transaction saw it: the handoff flag and
    // the memory (summary) the answer builds on are the current ones.
    if fresh.human_handoff {
        match email_given {
            // Waiting for a person with no email known: the visitor just gave one.
            Some(email) => {
                tokio::spawn(async move {
                    say(&ctx, &after, email_noted(&email), started, replies).await;
                });
            }
            None => {
                let _ = replies.events.send(ReplyEvent::Handoff).await;
            }
        }
        return Ok((visitor_msg, receiver));
    }
    let image_id = image
        .as_ref()
        .and_then(|i| i["image_id"].as_str())
        .and_then(|id| id.parse().ok());
    let (conv, question) = (fresh, text.to_string());
    tokio::spawn(async move {
        // Not started if the conversation was handed off when the request read it.
        let retrieval = match question.is_empty() {
            true => None,
            false => Some(retrieval.unwrap_or_else(|| {
                let (c, b, q) = (ctx.clone(), bot.clone(), question.clone());
                AbortOnDropHandle::new(tokio::spawn(
                    async move { retrieve(&c, &b, &q, PASSAGES).await },
                ))
            })),
        };
        let asked = answer(
            &ctx, &bot, &conv, &question, image_id, started, retrieval, replies,
        );
        if let Err(e) = asked.await {
            tracing::warn!(conversation = %conv.id, error = %e, "answering failed");
            metrics::counter!("parley_answers_total", "outcome" => "error").increment(1);
        }
    });
    Ok((visitor_msg, receiver))
}

/// The bot's last message in the conversation, when the last message is the bot's.
async fn last_bot_message(store: &Store, conv: &Conversation) -> EngineResult<Option<String>> {
    let last = convs::recent_messages(store.db(), conv.id, 1).await?;
    Ok(last.into_iter().find(|m| m.role == "bot").map(|m| m.body))
}

/// A visitor's message with what storing it needs.
struct Question<'a> {
    text: &'a str,
    insight: &'a MessageInsight,
    visits: u32,
    client_id: Option<&'a str>,
    image: Option<&'a serde_json::Value>,
    handoff: Option<&'a HandoffReason>,
}

/// What storing a visitor's message did.
struct Stored {
    /// The conversation as the transaction first read it.
    before: Conversation,
    /// As the transaction left it (reopened, waiting for a person).
    after: Conversation,
    message: Message,
    /// An email the visitor gave while waiting for a person with none known.
    email_given: Option<String>,
}

/// Stores the visitor's message with its events, and folds it into the conversation's state
/// in the same transaction: a trigger is written exactly when its message is. A message in a
/// resolved conversation reopens it; a request for a person hands it off. Returns the
/// conversation before and after, and the message.
async fn store_question(
    store: &Store,
    bot: &Bot,
    conv: &Conversation,
    q: Question<'_>,
    config: &InsightConfig,
) -> StoreResult<Stored> {
    let tx = store.begin().await?;
    let fresh = convs::get(&tx, conv.workspace_id, conv.id).await?;
    let state: ConversationInsight = fresh
        .insight
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let (state, triggers) = update_conversation(&state, q.insight, q.visits, config);
    let columns = InsightColumns {
        sentiment_label: state.sentiment_label().map(str::to_string),
        lead_score: i32::from(state.lead.score),
        lead_priority: json!(state.lead.priority)
            .as_str()
            .unwrap_or("cold")
            .to_string(),
        intents: state.lead.intents.keys().cloned().collect(),
    };
    let message = convs::append_message(
        &tx,
        conv,
        NewMessage {
            role: "visitor".into(),
            body: q.text.to_string(),
            insight: Some(json!(q.insight)),
            client_id: q.client_id.map(str::to_string),
            conversation_insight: Some((json!(state), columns)),
            attachments: q.image.map(|image| json!([image])),
            ..Default::default()
        },
    )
    .await?;
    let base = json!({"conversation_id": conv.id, "bot_id": conv.bot_id, "message_id": message.id});
    outbox::append(
        &tx,
        conv.workspace_id,
        "message.received",
        with(
            &base,
            json!({"text": q.text, "sentiment": q.insight.sentiment}),
        ),
    )
    .await?;
    if let Some(image) = q.image {
        let event = with(&base, json!({"image": image, "caption": q.text}));
        outbox::append(&tx, conv.workspace_id, "image.uploaded", event).await?;
        // Analysed by a job written with the message: kind from the visitor's purpose or
        // the conversation's intents (this message's included).
        if let Some(image_id) = image["image_id"].as_str().and_then(|id| id.parse().ok()) {
            let intents: Vec<&str> = state.lead.intents.keys().map(String::as_str).collect();
            let choice = crate::vision::choose_kind(image["purpose"].as_str(), &intents);
            let upload = crate::vision::Upload {
                image_id,
                conversation_id: Some(conv.id),
                message_id: Some(message.id),
            };
            crate::vision::queue(&tx, conv.workspace_id, upload, &choice, choice.source, true)
                .await?;
        }
    }
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
    // What the visitor says about themselves, for the contact the team sees.
    let fields = &q.insight.fields;
    let mut email_given = None;
    if fields.name.is_some() || fields.company.is_some() || fields.email.is_some() {
        let visitor = convs::get_visitor(&tx, conv.bot_id, conv.visitor_id).await?;
        let unknown = visitor.email.is_none() && visitor.contact_email.is_none();
        if unknown && fresh.waiting_since.is_some() {
            email_given = fields.email.clone();
        }
        let (name, company) = (fields.name.as_deref(), fields.company.as_deref());
        convs::learn_about_visitor(&tx, visitor.id, name, company, fields.email.as_deref()).await?;
    }
    let mut after = fresh.clone();
    if fresh.status == convs::RESOLVED {
        let change = Change {
            status: Some(convs::OPEN),
            ..Default::default()
        };
        after = convs::update(&tx, after, change).await?;
        outbox::append(
            &tx,
            conv.workspace_id,
            "conversation.reopened",
            base.clone(),
        )
        .await?;
    }
    if let Some(reason) = q.handoff {
        after = handoff::begin(&tx, bot, after, reason).await?;
    }
    // On SQLite the message, the conversation's update and the events go with the commit
    // (see `ExecuteLater`): a message whose `client_id` is taken fails here.
    tx.commit().await?;
    Ok(Stored {
        before: fresh,
        after,
        message,
        email_given,
    })
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
