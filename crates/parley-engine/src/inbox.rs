//! The agent inbox: conversations with filters, transcripts, notes, tags, status and human
//! handoff. Agents may do all of it; it is their job.

use crate::error::invalid;
use crate::live::{Hub, conversation_event, publish_message};
use crate::{Actor, EngineError, EngineResult};
use parley_domain::FieldErrors;
use parley_domain::validation::required_text;
use parley_store::Store;
use parley_store::repo::conversations::{
    self as convs, Conversation, ConversationFilter, Message, NewMessage, Note,
};
use parley_store::repo::{accounts, audit, outbox};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// A conversation as the inbox lists it.
#[derive(Debug, Clone)]
pub struct InboxConversation {
    pub conversation: Conversation,
    pub visitor_email: Option<String>,
    pub tags: Vec<String>,
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    filter: ConversationFilter,
) -> EngineResult<Vec<InboxConversation>> {
    if filter
        .status
        .as_deref()
        .is_some_and(|s| s != convs::OPEN && s != convs::RESOLVED)
    {
        return Err(invalid("status", "must be open or resolved"));
    }
    let list = convs::list(store.db(), actor.workspace_id, &filter).await?;
    let ids: Vec<Uuid> = list.iter().map(|c| c.visitor_id).collect();
    let emails: HashMap<Uuid, Option<String>> =
        convs::visitors(store.db(), actor.workspace_id, &ids)
            .await?
            .into_iter()
            .map(|v| (v.id, v.email))
            .collect();
    list.into_iter()
        .map(|c| {
            let email = emails.get(&c.visitor_id).cloned().flatten();
            with_tags(c, email)
        })
        .collect()
}

fn with_tags(
    conversation: Conversation,
    visitor_email: Option<String>,
) -> EngineResult<InboxConversation> {
    let tags = convs::tags(&conversation)?;
    Ok(InboxConversation {
        conversation,
        visitor_email,
        tags,
    })
}

async fn load(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<InboxConversation> {
    let c = convs::get(store.db(), actor.workspace_id, id).await?;
    let email = convs::visitors(store.db(), actor.workspace_id, &[c.visitor_id])
        .await?
        .pop()
        .and_then(|v| v.email);
    with_tags(c, email)
}

pub async fn detail(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> EngineResult<(InboxConversation, Vec<Message>, Vec<Note>)> {
    let conv = load(store, actor, id).await?;
    let messages = convs::messages(store.db(), id).await?;
    let notes = convs::notes(store.db(), id).await?;
    Ok((conv, messages, notes))
}

/// Sets status and/or tags. Resolving writes `conversation.resolved` for workflows.
pub async fn update(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
    status: Option<String>,
    tags: Option<Vec<String>>,
) -> EngineResult<InboxConversation> {
    let mut errors = FieldErrors::new();
    if let Some(s) = &status {
        errors.check(
            s == convs::OPEN || s == convs::RESOLVED,
            "status",
            "must be open or resolved",
        );
    }
    let tags = tags.map(|t| {
        let mut clean: Vec<String> = t
            .iter()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        clean.dedup();
        errors.check(clean.len() <= 20, "tags", "at most 20 tags");
        errors.check(
            clean.iter().all(|t| t.chars().count() <= 40),
            "tags",
            "a tag has at most 40 characters",
        );
        clean
    });
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let tx = store.begin().await?;
    let before = convs::get(&tx, actor.workspace_id, id).await?;
    let resolving = status.as_deref() == Some(convs::RESOLVED) && before.status != convs::RESOLVED;
    let updated = convs::update(&tx, before, status.as_deref(), None, tags).await?;
    if resolving {
        outbox::append(
            &tx,
            actor.workspace_id,
            "conversation.resolved",
            json!({"conversation_id": id, "bot_id": updated.bot_id, "by_user_id": actor.user_id}),
        )
        .await?;
    }
    tx.commit().await?;
    let conv = load(store, actor, id).await?;
    publish_conversation(hub, &conv);
    Ok(conv)
}

pub async fn add_note(store: &Store, actor: &Actor, id: Uuid, text: &str) -> EngineResult<Note> {
    let mut errors = FieldErrors::new();
    required_text(&mut errors, "text", text, 5000);
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let conv = convs::get(store.db(), actor.workspace_id, id).await?;
    Ok(convs::add_note(&store.writer().await?, &conv, actor.user_id, text.trim()).await?)
}

/// An agent takes the conversation over (the bot stops answering) or hands it back. The
/// visitor is told with a system message.
pub async fn handoff(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
    take: bool,
) -> EngineResult<InboxConversation> {
    let user = accounts::find_user(store.db(), actor.user_id).await?;
    let tx = store.begin().await?;
    let conv = convs::get(&tx, actor.workspace_id, id).await?;
    let changed = conv.human_handoff != take;
    let conv = convs::update(&tx, conv, None, Some(take), None).await?;
    let notice = if take {
        format!("{} joined the conversation.", user.name)
    } else {
        "The assistant is back.".to_string()
    };
    let system = if changed {
        Some(
            convs::append_message(
                &tx,
                &conv,
                NewMessage {
                    role: "system".into(),
                    body: notice,
                    ..Default::default()
                },
            )
            .await?,
        )
    } else {
        None
    };
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            if take {
                "conversation.taken_over"
            } else {
                "conversation.handed_back"
            },
            Some(("conversation", id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await?;
    if let Some(m) = system {
        publish_message(hub, &conv, &m);
    }
    let conv = load(store, actor, id).await?;
    publish_conversation(hub, &conv);
    Ok(conv)
}

/// An agent's reply; only while the conversation is taken over.
pub async fn reply(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
    text: &str,
) -> EngineResult<Message> {
    let mut errors = FieldErrors::new();
    required_text(&mut errors, "text", text, crate::chat::MAX_MESSAGE_CHARS);
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let conv = convs::get(store.db(), actor.workspace_id, id).await?;
    if !conv.human_handoff {
        return Err(EngineError::Conflict(crate::Conflict::NotTakenOver));
    }
    // The message and its conversation's counters, together.
    let tx = store.begin().await?;
    let message = convs::append_message(
        &tx,
        &conv,
        NewMessage {
            role: "agent".into(),
            body: text.trim().to_string(),
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    publish_message(hub, &conv, &message);
    Ok(message)
}

fn publish_conversation(hub: &Hub, c: &InboxConversation) {
    hub.publish(conversation_event(&c.conversation));
}
