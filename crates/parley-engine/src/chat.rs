//! The chat path for widget visitors: identify the visitor, start or resume a conversation,
//! store each message with its events in one transaction, retrieve knowledge, answer, and
//! keep the conversation's memory (recent turns plus a rolling summary).
//!
//! Answers stream as a sequence of text pieces; the reply is stored once complete, whether or
//! not the visitor is still connected.

use crate::inbox::publish_message;
use crate::insight::classify;
use crate::knowledge::{Retrieved, retrieve};
use crate::live::Hub;
use crate::vault::Vault;
use crate::{EngineError, EngineResult};
use futures::StreamExt;
use parley_ai::openai::{Delta, Endpoint};
use parley_ai::tokenizer::count_tokens_cached;
use parley_domain::account::normalize_email;
use parley_domain::bot::ModelSettings;
use parley_domain::chat::memory::{PromptInput, assemble};
use parley_domain::chat::memory::{
    Speaker, Turn, fold_into_summary, summary_prompt, to_summarize, unsummarized,
};
use parley_domain::chat::{Passage, extractive};
use parley_domain::identity::{
    VisitorClaims, sign_visitor_token, verify_user_hash, verify_visitor_token,
};
use parley_domain::image::{self, MAX_IMAGE_BYTES};
use parley_domain::insight::{
    ConversationInsight, InsightConfig, MessageInsight, analyze_message, update_conversation,
};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{
    self as convs, Conversation, ConversationFilter, Message, NewMessage, Visitor,
};
use parley_store::repo::{images, outbox};
use parley_store::{ConnectionTrait, Store, StoreResult, now_ms};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;
use uuid::Uuid;

/// Longest visitor message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Passages retrieved per question.
const PASSAGES: u64 = 5;
/// Longest extractive answer, in words.
const MAX_ANSWER_WORDS: usize = 90;
/// The rolling summary's size limit, in characters.
const SUMMARY_CHARS: usize = 2000;
/// The model name recorded on answers written without a model.
pub const EXTRACTIVE_MODEL: &str = "extractive";

/// What answering needs: storage, live events, the vault for model keys, the model client.
#[derive(Clone)]
pub struct ChatContext {
    pub store: Store,
    pub hub: Hub,
    pub vault: Vault,
    pub ai: parley_ai::openai::Client,
    pub intents: crate::insight::IntentCache,
    pub vectors: crate::knowledge::VectorCache,
    /// Word counts full-text search reuses while the bot's chunks are unchanged (SQLite).
    pub word_counts: parley_store::repo::knowledge::WordCounts,
}

impl ChatContext {
    /// `key` is the server's secret; model keys are sealed under it.
    pub fn new(store: Store, hub: Hub, key: &[u8]) -> Self {
        Self {
            store,
            hub,
            vault: Vault::new(key),
            ai: parley_ai::openai::Client::new(),
            intents: Default::default(),
            vectors: Default::default(),
            word_counts: Default::default(),
        }
    }

    /// Where the bot's model is, with its key opened.
    pub(crate) fn endpoint(&self, bot: &Bot, settings: &ModelSettings) -> Endpoint {
        Endpoint {
            base_url: settings.base_url.clone(),
            api_key: bot
                .model_api_key
                .as_deref()
                .and_then(|k| self.vault.open(k)),
            model: settings.model.clone(),
            timeout: MODEL_TIMEOUT,
            max_attempts: 3,
        }
    }
}

/// How long a model may take to start (and continue) answering.
const MODEL_TIMEOUT: Duration = Duration::from_secs(30);

/// How a widget request proves who the visitor is.
#[derive(Debug, Clone, Default)]
pub struct VisitorProof {
    /// The signed session token Parley gave this browser.
    pub session_token: Option<String>,
    /// An email the host page vouches for with `user_hash`.
    pub email: Option<String>,
    pub user_hash: Option<String>,
}

/// A visitor recognised for this bot, and the token to keep for next time.
pub struct Identified {
    pub visitor: Visitor,
    pub session_token: String,
    /// True when the email was proven with `userHash`: history by email is open.
    pub email_verified: bool,
}

/// Recognises the visitor: a valid `userHash` for the email wins (the same person on any
/// device); then this browser's session token; otherwise a new anonymous visitor. An email
/// without a valid hash is not trusted and identifies nobody.
pub async fn identify(
    chat: &ChatContext,
    key: &[u8],
    bot: &Bot,
    proof: &VisitorProof,
) -> EngineResult<Identified> {
    let store = &chat.store;
    let email = proof.email.as_deref().and_then(normalize_email);
    let verified_email = match (&email, &proof.user_hash) {
        (Some(email), Some(hash)) => crate::bots::identity_secret(&chat.vault, bot)
            .filter(|secret| verify_user_hash(secret, email, hash))
            .map(|_| email.clone()),
        _ => None,
    };
    let visitor = if let Some(email) = &verified_email {
        convs::visitor_by_email(store.db(), bot.workspace_id, bot.id, email).await?
    } else if let Some(claims) = proof
        .session_token
        .as_deref()
        .and_then(|t| verify_visitor_token(key, t))
        .filter(|c| c.bot_id == bot.id)
    {
        match convs::get_visitor(store.db(), bot.id, claims.visitor_id).await {
            Ok(v) => v,
            Err(parley_store::StoreError::NotFound) => {
                convs::create_visitor(&store.writer().await?, bot.workspace_id, bot.id, None)
                    .await?
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        convs::create_visitor(&store.writer().await?, bot.workspace_id, bot.id, None).await?
    };
    let claims = VisitorClaims {
        visitor_id: visitor.id,
        bot_id: bot.id,
        issued_at: now_ms(),
    };
    Ok(Identified {
        session_token: sign_visitor_token(key, &claims),
        email_verified: verified_email.is_some(),
        visitor,
    })
}

/// The visitor named by a session token, or 401-style `Unauthenticated`.
pub async fn visitor_from_token(
    store: &Store,
    key: &[u8],
    bot: &Bot,
    token: &str,
) -> EngineResult<Visitor> {
    let claims = verify_visitor_token(key, token)
        .filter(|c| c.bot_id == bot.id)
        .ok_or(EngineError::Unauthenticated)?;
    convs::get_visitor(store.db(), bot.id, claims.visitor_id)
        .await
        .map_err(|_| EngineError::Unauthenticated)
}

/// Resumes the visitor's conversation `id`, or starts a new one (writing
/// `conversation.started` in the same transaction).
pub async fn start(
    store: &Store,
    visitor: &Visitor,
    resume: Option<Uuid>,
) -> EngineResult<Conversation> {
    if let Some(id) = resume {
        return own_conversation(store, visitor, id).await;
    }
    let tx = store.begin().await?;
    let conv = convs::create_conversation(&tx, visitor).await?;
    outbox::append(
        &tx,
        conv.workspace_id,
        "conversation.started",
        json!({"conversation_id": conv.id, "bot_id": conv.bot_id, "visitor_id": visitor.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(conv)
}

/// A conversation the widget asks about, checked in one read: the session token must name a
/// visitor of this bot (`Unauthenticated` otherwise) and the conversation must be theirs
/// (`NotFound` otherwise, as for anyone else's). Also returns how many conversations the
/// visitor has had, which scoring a message needs.
pub async fn visitor_conversation(
    store: &Store,
    key: &[u8],
    bot: &Bot,
    token: &str,
    id: Uuid,
) -> EngineResult<(Conversation, u64)> {
    let claims = verify_visitor_token(key, token)
        .filter(|c| c.bot_id == bot.id)
        .ok_or(EngineError::Unauthenticated)?;
    match convs::visitor_conversation(store.db(), bot.id, claims.visitor_id, id).await? {
        None => Err(EngineError::Unauthenticated),
        Some((None, _)) => Err(EngineError::NotFound),
        Some((Some(conv), visits)) => Ok((conv, visits)),
    }
}

/// One of the visitor's own conversations; anyone else's is `NotFound`.
pub async fn own_conversation(
    store: &Store,
    visitor: &Visitor,
    id: Uuid,
) -> EngineResult<Conversation> {
    let conv = convs::get(store.db(), visitor.workspace_id, id).await?;
    if conv.visitor_id != visitor.id {
        return Err(EngineError::NotFound);
    }
    Ok(conv)
}

/// The visitor's past conversations, newest first, optionally filtered.
pub async fn history(
    store: &Store,
    visitor: &Visitor,
    text: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
) -> EngineResult<Vec<Conversation>> {
    let filter = ConversationFilter {
        visitor_id: Some(visitor.id),
        bot_id: Some(visitor.bot_id),
        text,
        from,
        to,
        limit: 100,
        ..Default::default()
    };
    Ok(convs::list(store.db(), visitor.workspace_id, &filter).await?)
}

pub async fn transcript(store: &Store, conv: &Conversation) -> EngineResult<Vec<Message>> {
    Ok(convs::messages(store.db(), conv.id).await?)
}

/// What the visitor sees while a reply is produced.
#[derive(Debug, Clone)]
pub enum ReplyEvent {
    /// The next piece of the answer's text.
    Token(String),
    /// The stored reply, with citations.
    Done(Box<Message>),
    /// An agent has taken over: no bot reply will come.
    Handoff,
}

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
    ctx: &ChatContext,
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
                .ok_or_else(|| EngineError::Conflict("the message is being stored".into()));
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
    ctx: &ChatContext,
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

/// An image the visitor sends, as the browser gave it.
pub struct ImageUpload {
    pub bytes: Vec<u8>,
    /// The file's name on the visitor's device, shown in the transcript.
    pub name: String,
    /// Optional text sent with the image.
    pub caption: String,
}

/// Stores an uploaded image (once per workspace, by hash) and the visitor message that
/// carries it, with `image.uploaded` in the same transaction for the automation engine.
/// The type is judged by the bytes; the bot does not answer an image by itself.
pub async fn attach_image(
    ctx: &ChatContext,
    conv: &Conversation,
    upload: ImageUpload,
) -> EngineResult<Message> {
    if upload.bytes.len() > MAX_IMAGE_BYTES {
        return Err(EngineError::TooLarge(format!(
            "an image may have at most {} MiB",
            MAX_IMAGE_BYTES / (1024 * 1024)
        )));
    }
    let content_type = image::sniff(&upload.bytes).ok_or_else(|| {
        EngineError::Unsupported("only JPEG, PNG, GIF and WebP images are accepted".into())
    })?;
    let caption = upload.caption.trim();
    if caption.chars().count() > MAX_MESSAGE_CHARS {
        return Err(EngineError::TooLarge(format!(
            "a caption may have at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    let name: String = upload
        .name
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let sha256 = crate::knowledge::content_hash(&upload.bytes);
    let bytes = upload.bytes.len();
    let tx = ctx.store.begin().await?;
    let stored = images::put(&tx, conv.workspace_id, &sha256, content_type, upload.bytes).await?;
    let attachment = json!({
        "kind": "image", "image_id": stored.id, "content_type": content_type,
        "bytes": bytes, "name": name, "sha256": sha256,
    });
    let message = convs::append_message(
        &tx,
        conv,
        NewMessage {
            role: "visitor".into(),
            body: caption.to_string(),
            attachments: Some(json!([attachment])),
            ..Default::default()
        },
    )
    .await?;
    outbox::append(
        &tx,
        conv.workspace_id,
        "image.uploaded",
        json!({
            "conversation_id": conv.id, "bot_id": conv.bot_id, "message_id": message.id,
            "image": attachment, "caption": caption,
        }),
    )
    .await?;
    tx.commit().await?;
    publish_message(&ctx.hub, conv, &message);
    Ok(message)
}

/// Answers the stored `question`, which arrived at `started` (the reply's latency counts
/// from there) and whose `retrieval` started then.
async fn answer(
    ctx: &ChatContext,
    bot: &Bot,
    conv: &Conversation,
    question: &str,
    started: Instant,
    retrieval: AbortOnDropHandle<EngineResult<Retrieved>>,
    replies: Replies,
) -> EngineResult<()> {
    let (store, hub) = (&ctx.store, &ctx.hub);
    // A model's prompt carries the recent turns: read them while retrieval finishes (a
    // close FAQ's answer then leaves them unused). Without them the model still answers.
    let history = match &bot.model {
        Some(_) => recent_turns(ctx, bot, conv).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "reading the recent turns failed; answering without");
            Vec::new()
        }),
        None => Vec::new(),
    };
    let retrieved = match retrieval.await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "retrieval failed; answering with the fallback");
            Retrieved::default()
        }
        Err(e) => {
            tracing::warn!(error = %e, "retrieval panicked; answering with the fallback");
            Retrieved::default()
        }
    };
    let reply = match (&bot.model, retrieved.faq_answer()) {
        (Some(settings), None) => {
            let asked = Question {
                text: question,
                history: &history,
                retrieved: &retrieved,
            };
            model_reply(ctx, bot, settings, conv, asked, &replies).await?
        }
        _ => {
            let (text, citations) = extractive_reply(bot, question, &retrieved);
            // Word by word, so the widget renders it the way it renders a model's.
            for piece in text.split_inclusive(' ') {
                if !replies.token(piece).await {
                    break; // the visitor left; the reply is still stored below
                }
            }
            NewMessage {
                role: "bot".into(),
                body: text,
                citations,
                model: Some(EXTRACTIVE_MODEL.into()),
                ..Default::default()
            }
        }
    };
    let tx = store.begin().await?;
    let reply = convs::append_message(
        &tx,
        conv,
        NewMessage {
            latency_ms: Some(started.elapsed().as_millis() as i32),
            ..reply
        },
    )
    .await?;
    // Whether this reply completes a batch of turns for the summary, as `conv` counted
    // before the question (a message added meanwhile only moves the fold to a later reply).
    let fold_due = to_summarize(
        conv.message_count.max(0) as usize + 2,
        conv.summarized_count.max(0) as usize,
        bot.behaviour.memory_turns as usize,
    ) > 0;
    // Without a model the summary is a quick fold: it goes in with the reply, so the next
    // question always finds memory matching its window, at no extra transaction.
    if bot.model.is_none()
        && fold_due
        && let Some((conv, turns)) = left_window(&tx, bot, conv.id).await?
    {
        let summary = fold_into_summary(&conv.summary, &turns, SUMMARY_CHARS);
        save_summary(&tx, &conv, &summary, turns.len()).await?;
    }
    tx.commit().await?;
    metrics::counter!("parley_answers_total", "outcome" => "ok").increment(1);
    publish_message(hub, conv, &reply);
    let _ = replies.events.send(ReplyEvent::Done(Box::new(reply))).await;
    // The visitor has the answer: end the stream before the model summarises (below).
    drop(replies);
    match &bot.model {
        Some(settings) if fold_due => update_memory(ctx, bot, settings, conv.id).await,
        _ => Ok(()),
    }
}

/// Where a reply's events go.
struct Replies {
    events: mpsc::Sender<ReplyEvent>,
    /// Whether the text also goes piece by piece (see [`send`]).
    tokens: bool,
}

impl Replies {
    /// Sends the next piece of the text, when pieces are wanted (it becomes a `String`
    /// only then); false once the visitor has left.
    async fn token(&self, piece: impl Into<String>) -> bool {
        !self.tokens
            || self
                .events
                .send(ReplyEvent::Token(piece.into()))
                .await
                .is_ok()
    }
}

/// A question with what its answer draws on.
struct Question<'a> {
    text: &'a str,
    /// The turns before it that the memory window carries.
    history: &'a [Turn],
    retrieved: &'a Retrieved,
}

/// Asks the bot's model, with the retrieved passages and the conversation's memory in the
/// prompt, streaming its tokens. Any failure gives the visitor the bot's fallback message
/// (their own message is already stored) and is logged and counted.
async fn model_reply(
    ctx: &ChatContext,
    bot: &Bot,
    settings: &ModelSettings,
    conv: &Conversation,
    Question {
        text: question,
        history,
        retrieved,
    }: Question<'_>,
    replies: &Replies,
) -> EngineResult<NewMessage> {
    let passages: Vec<Passage> = retrieved
        .passages
        .iter()
        .map(|p| Passage {
            heading: &p.heading,
            text: &p.body,
            tokens: usize::try_from(p.token_count).ok(),
        })
        .collect();
    let prompt = assemble(
        &PromptInput {
            system_prompt: &bot.behaviour.system_prompt,
            summary: &conv.summary,
            history,
            passages: &passages,
            question,
            budget: settings.context_tokens.saturating_sub(settings.max_tokens) as usize,
        },
        &count_tokens_cached,
    );
    let endpoint = ctx.endpoint(bot, settings);
    let mut text = String::new();
    let mut usage = None;
    let outcome = async {
        let mut stream = ctx
            .ai
            .chat_stream(
                &endpoint,
                &prompt.messages,
                settings.max_tokens,
                settings.temperature,
            )
            .await?;
        while let Some(delta) = stream.next().await {
            match delta? {
                Delta::Text(piece) => {
                    text.push_str(&piece);
                    // A visitor who left still gets the whole reply stored.
                    replies.token(piece).await;
                }
                Delta::Usage(u) => usage = Some(u),
            }
        }
        Ok::<(), parley_ai::openai::AiError>(())
    }
    .await;
    if let Err(error) = outcome {
        tracing::warn!(bot = %bot.id, model = %settings.model, %error, "the model failed; sent the fallback");
        metrics::counter!("parley_model_errors_total").increment(1);
        return Ok(NewMessage {
            role: "bot".into(),
            body: bot.behaviour.fallback_message.clone(),
            citations: json!([]),
            model: Some(settings.model.clone()),
            ..Default::default()
        });
    }
    // Cite the passages the answer refers to as [n].
    let citations: Vec<serde_json::Value> = (0..prompt.passages_used)
        .filter(|i| text.contains(&format!("[{}]", i + 1)))
        .map(|i| {
            let p = &retrieved.passages[i];
            json!({"kind": "passage", "n": i + 1, "chunk_id": p.id, "document_id": p.document_id, "title": p.document_name, "heading": p.heading})
        })
        .collect();
    Ok(NewMessage {
        role: "bot".into(),
        prompt_tokens: Some(usage.map_or(prompt.tokens as u32, |u| u.prompt_tokens) as i32),
        // Counted only when the server reported no usage.
        completion_tokens: Some(usage.map_or_else(
            || count_tokens_cached(&text) as u32,
            |u| u.completion_tokens,
        ) as i32),
        body: text,
        citations: json!(citations),
        model: Some(settings.model.clone()),
        ..Default::default()
    })
}

/// The turns before the stored question that the memory window carries into the prompt.
async fn recent_turns(
    ctx: &ChatContext,
    bot: &Bot,
    conv: &Conversation,
) -> EngineResult<Vec<Turn>> {
    // `conv` is as the question's transaction read it, before the question was counted.
    let carried = unsummarized(
        conv.message_count.max(0) as usize + 1,
        conv.summarized_count.max(0) as usize,
        bot.behaviour.memory_turns as usize,
    );
    let mut recent = convs::recent_messages(ctx.store.db(), conv.id, carried as u64).await?;
    recent.pop(); // the question itself, just stored
    Ok(recent
        .iter()
        .filter(|m| m.role != "system")
        .map(turn)
        .collect())
}

/// The offline answer: a close FAQ's answer, else quoted passages, else the bot's fallback.
fn extractive_reply(
    bot: &Bot,
    question: &str,
    retrieved: &Retrieved,
) -> (String, serde_json::Value) {
    if let Some(faq) = retrieved.faq_answer() {
        return (
            faq.answer.clone(),
            json!([{"kind": "faq", "faq_id": faq.id, "title": faq.question}]),
        );
    }
    let passages: Vec<Passage> = retrieved
        .passages
        .iter()
        .map(|p| Passage {
            heading: &p.heading,
            text: &p.body,
            tokens: None,
        })
        .collect();
    match extractive::answer(question, &passages, MAX_ANSWER_WORDS) {
        Some(answer) => {
            let citations: Vec<serde_json::Value> = answer
                .cited
                .iter()
                .map(|&i| {
                    let p = &retrieved.passages[i];
                    json!({"kind": "passage", "chunk_id": p.id, "document_id": p.document_id, "title": p.document_name, "heading": p.heading})
                })
                .collect();
            (answer.text, json!(citations))
        }
        None => (bot.behaviour.fallback_message.clone(), json!([])),
    }
}

/// The conversation as it stands and the turns to fold into its summary now (see
/// [`to_summarize`]); `None` when there are none.
async fn left_window(
    c: &impl ConnectionTrait,
    bot: &Bot,
    conversation_id: Uuid,
) -> EngineResult<Option<(Conversation, Vec<Turn>)>> {
    let conv = convs::get(c, bot.workspace_id, conversation_id).await?;
    let pending = to_summarize(
        conv.message_count.max(0) as usize,
        conv.summarized_count.max(0) as usize,
        bot.behaviour.memory_turns as usize,
    );
    if pending == 0 {
        return Ok(None);
    }
    let old = convs::messages_range(
        c,
        conv.id,
        conv.summarized_count.max(0) as u64,
        pending as u64,
    )
    .await?;
    let turns = old.iter().map(turn).collect();
    Ok(Some((conv, turns)))
}

/// Saves `summary` as now covering `folded` more of the conversation's messages.
async fn save_summary(
    c: &impl ConnectionTrait,
    conv: &Conversation,
    summary: &str,
    folded: usize,
) -> EngineResult<()> {
    let summarized = conv.summarized_count + folded as i32;
    Ok(convs::set_summary(c, conv.id, summary, summarized).await?)
}

/// Has the bot's model fold the turns that left the memory window into the conversation's
/// rolling summary (the extractive fold when the model fails). Runs after the visitor has
/// the reply, since it waits for the model.
async fn update_memory(
    ctx: &ChatContext,
    bot: &Bot,
    settings: &ModelSettings,
    conversation_id: Uuid,
) -> EngineResult<()> {
    let Some((conv, turns)) = left_window(ctx.store.db(), bot, conversation_id).await? else {
        return Ok(());
    };
    let summary = model_summary(ctx, bot, settings, &conv.summary, &turns)
        .await
        .unwrap_or_else(|| fold_into_summary(&conv.summary, &turns, SUMMARY_CHARS));
    let tx = ctx.store.begin().await?;
    save_summary(&tx, &conv, &summary, turns.len()).await?;
    tx.commit().await?;
    Ok(())
}

pub fn turn(m: &Message) -> Turn {
    let speaker = match m.role.as_str() {
        "visitor" => Speaker::Visitor,
        "agent" => Speaker::Agent,
        _ => Speaker::Bot,
    };
    Turn {
        speaker,
        text: m.body.clone(),
    }
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

/// The model's merge of `turns` into the summary; `None` (and the extractive fold is used)
/// when the model fails or answers with nothing.
async fn model_summary(
    ctx: &ChatContext,
    bot: &Bot,
    settings: &ModelSettings,
    summary: &str,
    turns: &[Turn],
) -> Option<String> {
    let prompt = summary_prompt(summary, turns, SUMMARY_CHARS);
    let endpoint = ctx.endpoint(bot, settings);
    let max_tokens = (SUMMARY_CHARS / 3) as u32;
    match ctx.ai.chat_text(&endpoint, &prompt, max_tokens).await {
        Ok(text) if !text.trim().is_empty() => {
            Some(text.trim().chars().take(SUMMARY_CHARS).collect())
        }
        Ok(_) => None,
        Err(error) => {
            tracing::info!(bot = %bot.id, %error, "the model could not summarise; folding extractively");
            metrics::counter!("parley_model_errors_total", "use" => "summary").increment(1);
            None
        }
    }
}
