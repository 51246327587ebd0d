//! Answering a stored question: a close FAQ, the bot's model with the retrieved passages and
//! the conversation's memory, or the extractive answer offline; the reply streams as it is made.

use super::EXTRACTIVE_MODEL;
use super::handoff;
use super::memory::{SUMMARY_CHARS, turn};
use super::memory::{left_window, save_summary, update_memory};
use crate::EngineResult;
use crate::knowledge::Retrieved;
use crate::live::publish_message;
use crate::services::Services;
use futures::StreamExt;
use parley_ai::openai::Delta;
use parley_ai::tokenizer::count_tokens_cached;
use parley_domain::bot::ModelSettings;
use parley_domain::chat::handoff::HandoffReason;
use parley_domain::chat::memory::{PromptInput, assemble};
use parley_domain::chat::memory::{Turn, fold_into_summary, to_summarize, unsummarized};
use parley_domain::chat::relevance::{RELEVANCE_BAR, relevance};
use parley_domain::chat::small_talk;
use parley_domain::chat::{Passage, extractive};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{self as convs, Change, Conversation, Message, NewMessage};
use parley_store::repo::knowledge::ChunkHit;
use parley_store::repo::outbox;
use serde_json::json;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

/// Longest extractive answer, in words.
const MAX_ANSWER_WORDS: usize = 90;
/// How much of an unanswered question analytics keeps (enough to cluster and to read).
const GAP_QUESTION_CHARS: usize = 300;

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

/// What the visitor hears at once after sending only a photo: the `image.analyze` job
/// reports what it saw in a message of its own a moment later.
const PHOTO_ONLY: &str = "Thanks for the photo! I'm taking a look at it now; a person from our \
                          team can see it too.";
/// Put before the answer to a photo's caption.
const PHOTO_WITH_TEXT: &str = "Thanks for the photo, our team can see it too. ";

/// Stores a bot message that is not an answer (what happens after a handoff, a thank-you)
/// and sends it to the visitor as a reply.
pub(super) async fn say(
    ctx: &Services,
    conv: &Conversation,
    text: String,
    started: Instant,
    replies: Replies,
) {
    replies.token(text.clone()).await;
    let new = NewMessage {
        role: "bot".into(),
        body: text,
        latency_ms: Some(started.elapsed().as_millis() as i32),
        ..Default::default()
    };
    let stored = async {
        let tx = ctx.store.begin().await?;
        let message = convs::append_message(&tx, conv, new).await?;
        tx.commit().await?;
        Ok::<_, crate::EngineError>(message)
    };
    match stored.await {
        Ok(message) => {
            publish_message(&ctx.hub, conv, &message);
            let _ = replies
                .events
                .send(ReplyEvent::Done(Box::new(message)))
                .await;
        }
        Err(e) => tracing::warn!(conversation = %conv.id, error = %e, "storing a reply failed"),
    }
}

/// Answers the stored `question`, which arrived at `started` (the reply's latency counts
/// from there) and whose `retrieval` started then (none for a photo without text).
#[allow(clippy::too_many_arguments)]
pub(super) async fn answer(
    ctx: &Services,
    bot: &Bot,
    conv: &Conversation,
    question: &str,
    image: Option<uuid::Uuid>,
    started: Instant,
    retrieval: Option<AbortOnDropHandle<EngineResult<Retrieved>>>,
    replies: Replies,
) -> EngineResult<()> {
    // A model that sees images is shown the photo; other bots acknowledge it.
    let seen = match (image, bot.model.as_ref().is_some_and(|m| m.vision)) {
        (Some(id), true) => Some(photo_url(ctx, id).await?),
        _ => None,
    };
    let with_image = image.is_some() && seen.is_none();
    if retrieval.is_none() && seen.is_none() {
        say(ctx, conv, PHOTO_ONLY.to_string(), started, replies).await;
        return Ok(());
    }
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
    let retrieved = match retrieval {
        None => Ok(Ok(Retrieved::default())),
        Some(retrieval) => retrieval.await,
    };
    let retrieved = match retrieved {
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
    if with_image {
        replies.token(PHOTO_WITH_TEXT).await;
    }
    let text = match (question.is_empty(), &seen) {
        (true, Some(_)) => "(The visitor sent this photo without a message.)",
        _ => question,
    };
    let asked = Question {
        text,
        summary: &conv.summary,
        history: &history,
        retrieved: &retrieved,
        image: seen.as_deref(),
    };
    let reply = compose(ctx, bot, asked, &replies).await?.message;
    // Fallbacks in a row: after too many, a person takes over.
    let fell_back = reply.body == bot.behaviour.fallback_message;
    let fallbacks = if fell_back { conv.fallbacks + 1 } else { 0 };
    let limit = bot.behaviour.fallbacks_before_handoff as i32;
    let hand_off = limit > 0 && fallbacks >= limit;
    let mut body = reply.body;
    if hand_off {
        let next = handoff::tell_visitor(ctx, bot, conv).await?;
        body = format!("I'm sorry I couldn't answer that. {next}");
        replies.token(body.clone()).await;
    }
    if with_image {
        body = format!("{PHOTO_WITH_TEXT}{body}");
    }
    let tx = store.begin().await?;
    let reply = convs::append_message(
        &tx,
        conv,
        NewMessage {
            body,
            latency_ms: Some(started.elapsed().as_millis() as i32),
            ..reply
        },
    )
    .await?;
    // For analytics: what the bot could not answer (the knowledge gaps) and how long a
    // conversation's first reply took; a few conversations' events, not every reply's.
    if fell_back {
        let question: String = question.chars().take(GAP_QUESTION_CHARS).collect();
        let payload = json!({"conversation_id": conv.id, "bot_id": bot.id, "question": question});
        outbox::append(&tx, conv.workspace_id, "reply.unanswered", payload).await?;
    }
    if conv.message_count == 0 {
        let payload = json!({
            "conversation_id": conv.id, "bot_id": bot.id,
            "ms": started.elapsed().as_millis() as i64,
        });
        outbox::append(&tx, conv.workspace_id, "conversation.first_reply", payload).await?;
    }
    let mut handed_off = None;
    if fallbacks != conv.fallbacks || hand_off {
        let current = convs::get(&tx, conv.workspace_id, conv.id).await?;
        let change = Change {
            fallbacks: Some(if hand_off { 0 } else { fallbacks }),
            ..Default::default()
        };
        let current = convs::update(&tx, current, change).await?;
        if hand_off && !current.human_handoff {
            let reason = HandoffReason::RepeatedFallbacks;
            handed_off = Some(handoff::begin(&tx, bot, current, &reason).await?);
        }
    }
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
    if let Some(conv) = &handed_off {
        crate::live::publish_conversation(hub, conv, true);
    }
    let _ = replies.events.send(ReplyEvent::Done(Box::new(reply))).await;
    // The visitor has the answer: end the stream before the model summarises (below).
    drop(replies);
    match &bot.model {
        Some(settings) if fold_due => update_memory(ctx, bot, settings, conv.id).await,
        _ => Ok(()),
    }
}

/// Where a reply's events go.
pub(super) struct Replies {
    pub(super) events: mpsc::Sender<ReplyEvent>,
    /// Whether the text also goes piece by piece (see [`send`]).
    pub(super) tokens: bool,
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
    /// The conversation's rolling summary.
    summary: &'a str,
    /// The turns before it that the memory window carries.
    history: &'a [Turn],
    retrieved: &'a Retrieved,
    /// The visitor's photo as a `data:` URL, for a model that sees images.
    image: Option<&'a str>,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Faq,
    Passages,
    Model,
    Fallback,
    /// A greeting, thanks or goodbye, answered in kind (without a model).
    SmallTalk,
    /// The question asks for a person: the conversation would be handed off.
    Handoff,
}

/// How a model's prompt was filled.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub context_tokens: u32,
    pub answer_tokens: u32,
    pub prompt_tokens: usize,
    pub passages_sent: usize,
}

/// An answer before it is stored, with how it was made.
pub(crate) struct Composed {
    pub(crate) message: NewMessage,
    pub(crate) outcome: Outcome,
    /// How well the best passage covers the question (see `chat::relevance`).
    pub(crate) relevance: f32,
    pub(crate) budget: Option<Budget>,
}

/// Answers `q` from a close FAQ, else from the passages when they clear the relevance bar
/// (through the model when the bot has one, else quoted), else the model without passages
/// (told to say it does not know) or the fallback. Text pieces go to `replies` as made.
async fn compose(
    ctx: &Services,
    bot: &Bot,
    q: Question<'_>,
    replies: &Replies,
) -> EngineResult<Composed> {
    let mut composed = compose_text(ctx, bot, q, replies).await?;
    link_sources(ctx, &mut composed.message.citations).await;
    Ok(composed)
}

/// Gives cited passages the web address of their document, when it came with one. Without
/// it (the read failed) the citations still open the quoted passage.
async fn link_sources(ctx: &Services, citations: &mut serde_json::Value) {
    let Some(list) = citations.as_array_mut() else {
        return;
    };
    let ids: Vec<uuid::Uuid> = list
        .iter()
        .filter_map(|c| c["document_id"].as_str()?.parse().ok())
        .collect();
    if ids.is_empty() {
        return;
    }
    match parley_store::repo::knowledge::source_urls(ctx.store.db(), &ids).await {
        Ok(urls) => {
            for c in list.iter_mut() {
                let id = c["document_id"].as_str().and_then(|i| i.parse().ok());
                if let Some(url) = id.and_then(|i: uuid::Uuid| urls.get(&i)) {
                    c["url"] = json!(url);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "reading documents' addresses failed"),
    }
}

/// The answer's text and citations (see [`compose`]).
async fn compose_text(
    ctx: &Services,
    bot: &Bot,
    q: Question<'_>,
    replies: &Replies,
) -> EngineResult<Composed> {
    let passages: Vec<Passage> = q
        .retrieved
        .passages
        .iter()
        .map(|p| Passage {
            heading: &p.heading,
            text: &p.body,
            tokens: usize::try_from(p.token_count).ok(),
        })
        .collect();
    let relevance = relevance(q.text, &passages);
    let relevant = relevance >= RELEVANCE_BAR;
    let faq = q.retrieved.faq_answer();
    if let (Some(settings), None) = (&bot.model, faq) {
        let sent = if relevant { passages.len() } else { 0 };
        let (message, budget, failed) =
            model_reply(ctx, bot, settings, &q, &passages[..sent], replies).await?;
        let outcome = if failed {
            Outcome::Fallback
        } else {
            Outcome::Model
        };
        return Ok(Composed {
            message,
            outcome,
            relevance,
            budget: Some(budget),
        });
    }
    let shown = if relevant {
        q.retrieved.passages.len()
    } else {
        0
    };
    let (mut text, citations) = extractive_reply(bot, q.text, q.retrieved, shown);
    let outcome = match (faq, citations.as_array().is_some_and(|c| !c.is_empty())) {
        (Some(_), _) => Outcome::Faq,
        (None, true) => Outcome::Passages,
        // "Hi" or "thanks!" matches no passage, and is no question the bot failed.
        (None, false) => match small_talk::classify(q.text) {
            Some(kind) => {
                text = small_talk::reply(kind).to_string();
                Outcome::SmallTalk
            }
            None => Outcome::Fallback,
        },
    };
    // Word by word, so the widget renders it the way it renders a model's.
    for piece in text.split_inclusive(' ') {
        if !replies.token(piece).await {
            break; // the visitor left; the reply is still stored
        }
    }
    let message = NewMessage {
        role: "bot".into(),
        body: text,
        citations,
        model: Some(EXTRACTIVE_MODEL.into()),
        ..Default::default()
    };
    Ok(Composed {
        message,
        outcome,
        relevance,
        budget: None,
    })
}

/// What trying a question on the bot gives (nothing is stored).
pub struct Trial {
    pub answer: String,
    pub outcome: Outcome,
    pub relevance: f32,
    pub retrieved: Retrieved,
    /// Passages sent to the model (or quoted), best first.
    pub passages_sent: usize,
    pub budget: Option<Budget>,
    pub model: String,
    pub latency_ms: u64,
}

/// Answers `question` as the bot would for a new visitor, without storing anything or
/// emitting events: what the dashboard's "try the bot" panel shows.
pub async fn trial(ctx: &Services, bot: &Bot, question: &str) -> EngineResult<Trial> {
    let question = question.trim();
    if question.is_empty() || question.chars().count() > super::MAX_MESSAGE_CHARS {
        return Err(crate::error::invalid(
            "question",
            "must be 1 to 4000 characters",
        ));
    }
    let started = Instant::now();
    let retrieved = crate::knowledge::retrieve(ctx, bot, question, super::send::PASSAGES).await?;
    let matcher = ctx.intents.matcher(bot);
    let insight = parley_domain::insight::analyze_message(question, &matcher);
    let threshold = bot.insight.config.intent_threshold;
    let wanted = &bot.behaviour.handoff_intents;
    let asks = parley_domain::chat::handoff::requested(question, &insight, wanted, threshold, None);
    if asks.is_some() {
        let offer = handoff::availability(ctx, bot, None, false).await?;
        return Ok(Trial {
            answer: parley_domain::chat::handoff::next_steps(offer),
            outcome: Outcome::Handoff,
            relevance: 0.0,
            passages_sent: 0,
            budget: None,
            model: String::new(),
            latency_ms: started.elapsed().as_millis() as u64,
            retrieved,
        });
    }
    let (events, _ignored) = mpsc::channel(1);
    let replies = Replies {
        events,
        tokens: false,
    };
    let q = Question {
        text: question,
        summary: "",
        history: &[],
        retrieved: &retrieved,
        image: None,
    };
    let composed = compose(ctx, bot, q, &replies).await?;
    let passages_sent = match (composed.budget, composed.relevance >= RELEVANCE_BAR) {
        (Some(b), _) => b.passages_sent,
        (None, true) => retrieved.passages.len(),
        (None, false) => 0,
    };
    Ok(Trial {
        answer: composed.message.body,
        outcome: composed.outcome,
        relevance: composed.relevance,
        passages_sent,
        budget: composed.budget,
        model: composed.message.model.unwrap_or_default(),
        latency_ms: started.elapsed().as_millis() as u64,
        retrieved,
    })
}

/// Asks the bot's model, with `passages` (those that cleared the bar) and the
/// conversation's memory in the prompt, streaming its tokens. Any failure gives the visitor
/// the bot's fallback message (their own message is already stored) and is logged and
/// counted; the flag returned says so.
async fn model_reply(
    ctx: &Services,
    bot: &Bot,
    settings: &ModelSettings,
    q: &Question<'_>,
    passages: &[Passage<'_>],
    replies: &Replies,
) -> EngineResult<(NewMessage, Budget, bool)> {
    let (question, retrieved) = (q.text, q.retrieved);
    let prompt = assemble(
        &PromptInput {
            system_prompt: &bot.behaviour.system_prompt,
            summary: q.summary,
            history: q.history,
            passages,
            question,
            budget: settings.context_tokens.saturating_sub(settings.max_tokens) as usize,
        },
        &count_tokens_cached,
    );
    let budget = Budget {
        context_tokens: settings.context_tokens,
        answer_tokens: settings.max_tokens,
        prompt_tokens: prompt.tokens,
        passages_sent: prompt.passages_used,
    };
    let endpoint = ctx.endpoint(bot, settings);
    let mut text = String::new();
    let mut usage = None;
    let called = std::time::Instant::now();
    let outcome = async {
        let mut stream = ctx
            .ai
            .chat_stream(
                &endpoint,
                &prompt.messages,
                q.image,
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
    // Counted in memory (no database write here); flushed once a minute.
    let failure = outcome.as_ref().err().map(|e| e.to_string());
    crate::monitoring::record_model_call(
        bot.workspace_id,
        bot.id,
        called.elapsed(),
        failure.as_deref(),
    );
    if let Err(error) = outcome {
        tracing::warn!(bot = %bot.id, model = %settings.model, %error, "the model failed; sent the fallback");
        metrics::counter!("parley_model_errors_total").increment(1);
        let fallback = NewMessage {
            role: "bot".into(),
            body: bot.behaviour.fallback_message.clone(),
            citations: json!([]),
            model: Some(settings.model.clone()),
            ..Default::default()
        };
        return Ok((fallback, budget, true));
    }
    // Cite the passages the answer refers to as [n].
    let citations: Vec<serde_json::Value> = (0..prompt.passages_used)
        .filter(|i| text.contains(&format!("[{}]", i + 1)))
        .map(|i| citation(&retrieved.passages[i], Some(i + 1)))
        .collect();
    let message = NewMessage {
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
    };
    Ok((message, budget, false))
}

/// A stored photo as a `data:` URL, the form every OpenAI-compatible vision model takes.
async fn photo_url(ctx: &Services, id: uuid::Uuid) -> EngineResult<String> {
    use base64::Engine;
    let (content_type, bytes) = super::stored_image(&ctx.store, id).await?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!("data:{content_type};base64,{encoded}"))
}

/// Characters of a passage quoted in its citation, for the widget to show on demand.
const QUOTE_CHARS: usize = 300;

/// A passage's citation; `n` is the marker a model's answer used (`[n]`).
fn citation(p: &ChunkHit, n: Option<usize>) -> serde_json::Value {
    let quote: String = p.body.chars().take(QUOTE_CHARS).collect();
    json!({
        "kind": "passage", "n": n, "chunk_id": p.id, "document_id": p.document_id,
        "title": p.document_name, "heading": p.heading, "quote": quote,
    })
}

/// The turns before the stored question that the memory window carries into the prompt.
async fn recent_turns(ctx: &Services, bot: &Bot, conv: &Conversation) -> EngineResult<Vec<Turn>> {
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

/// The offline answer: a close FAQ's answer, else quoted passages (of the first `shown`,
/// those that cleared the relevance bar), else the bot's fallback.
fn extractive_reply(
    bot: &Bot,
    question: &str,
    retrieved: &Retrieved,
    shown: usize,
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
        .take(shown)
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
                .map(|&i| citation(&retrieved.passages[i], None))
                .collect();
            (answer.text, json!(citations))
        }
        None => (bot.behaviour.fallback_message.clone(), json!([])),
    }
}
