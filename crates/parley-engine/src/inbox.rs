//! The agent inbox: conversations with filters, transcripts, notes, tags, status and human
//! handoff. Agents may do all of it; it is their job.

use crate::error::invalid;
use crate::live::{Hub, publish_authored, publish_conversation, publish_message};
use crate::{Actor, EngineError, EngineResult};
use parley_domain::FieldErrors;
use parley_domain::validation::required_text;
use parley_store::Store;
use parley_store::now_ms;
use parley_store::repo::conversations::{
    self as convs, Change, Conversation, ConversationFilter, Message, NewMessage, Note, ViewCounts,
};
use parley_store::repo::presence::{self, Agent};
use parley_store::repo::{accounts, audit, outbox};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// A conversation as the inbox lists it.
#[derive(Debug, Clone)]
pub struct InboxConversation {
    pub conversation: Conversation,
    /// Proven by the host page, or else typed by the visitor in chat.
    pub visitor_email: Option<String>,
    pub visitor_name: Option<String>,
    /// The assigned agent's id and name.
    pub assignee: Option<(Uuid, String)>,
    pub tags: Vec<String>,
}

/// Who the inbox shows: visitors by id, agents by id.
struct Names {
    visitors: HashMap<Uuid, (Option<String>, Option<String>)>,
    agents: HashMap<Uuid, String>,
}

impl Names {
    async fn load(store: &Store, workspace_id: Uuid, list: &[Conversation]) -> EngineResult<Names> {
        let ids: Vec<Uuid> = list.iter().map(|c| c.visitor_id).collect();
        let visitors = convs::visitors(store.db(), workspace_id, &ids)
            .await?
            .into_iter()
            .map(|v| (v.id, (v.email.or(v.contact_email), v.name)))
            .collect();
        let agents = match list.iter().any(|c| c.assignee_id.is_some()) {
            true => presence::agents(store.db(), workspace_id)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect(),
            false => HashMap::new(),
        };
        Ok(Names { visitors, agents })
    }

    fn inbox(&self, c: Conversation) -> EngineResult<InboxConversation> {
        let (visitor_email, visitor_name) = self
            .visitors
            .get(&c.visitor_id)
            .cloned()
            .unwrap_or_default();
        let assignee = c
            .assignee_id
            .and_then(|id| self.agents.get(&id).map(|name| (id, name.clone())));
        let tags = convs::tags(&c)?;
        Ok(InboxConversation {
            conversation: c,
            visitor_email,
            visitor_name,
            assignee,
            tags,
        })
    }
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
    with_names(store, actor.workspace_id, list).await
}

/// Conversations with their visitors' and assignees' names.
pub async fn with_names(
    store: &Store,
    workspace_id: Uuid,
    list: Vec<Conversation>,
) -> EngineResult<Vec<InboxConversation>> {
    let names = Names::load(store, workspace_id, &list).await?;
    list.into_iter().map(|c| names.inbox(c)).collect()
}

async fn load(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<InboxConversation> {
    let c = convs::get(store.db(), actor.workspace_id, id).await?;
    let names = Names::load(store, actor.workspace_id, std::slice::from_ref(&c)).await?;
    names.inbox(c)
}

/// Open conversations per inbox view.
pub async fn counts(
    store: &Store,
    actor: &Actor,
    bot_id: Option<Uuid>,
) -> EngineResult<ViewCounts> {
    Ok(convs::view_counts(store.db(), actor.workspace_id, bot_id, actor.user_id).await?)
}

/// The workspace's agents with their presence.
pub async fn agents(store: &Store, actor: &Actor) -> EngineResult<Vec<Agent>> {
    Ok(presence::agents(store.db(), actor.workspace_id).await?)
}

/// The agent's dashboard is open (`online`) or hidden (`away`).
pub async fn report_presence(store: &Store, actor: &Actor, status: &str) -> EngineResult<()> {
    if status != "online" && status != "away" {
        return Err(invalid("status", "must be online or away"));
    }
    let writer = store.writer().await?;
    Ok(presence::report(&writer, actor.workspace_id, actor.user_id, status).await?)
}

/// Assigns the conversation to a member of the workspace, or to nobody.
pub async fn assign(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
    user_id: Option<Uuid>,
) -> EngineResult<InboxConversation> {
    if let Some(user) = user_id
        && accounts::role_in(store.db(), actor.workspace_id, user)
            .await?
            .is_none()
    {
        return Err(invalid("user_id", "is not a member of this workspace"));
    }
    let tx = store.begin().await?;
    let conv = convs::get(&tx, actor.workspace_id, id).await?;
    let change = Change {
        assignee_id: Some(user_id),
        ..Default::default()
    };
    let conv = convs::update(&tx, conv, change).await?;
    let details = json!({"assignee_id": user_id});
    let entry = actor.audit(
        "conversation.assigned",
        Some(("conversation", id.to_string())),
        details,
    );
    audit::record(&tx, actor.workspace_id, entry).await?;
    tx.commit().await?;
    publish_conversation(hub, &conv, false);
    load(store, actor, id).await
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
    let before_handoff =
        before.human_handoff || before.assignee_id.is_some() || before.handoff_wait_ms.is_some();
    let (open_ms, handoff_wait_ms) = (now_ms() - before.created_at, before.handoff_wait_ms);
    let mut change = Change {
        status: status.as_deref().map(|s| match s {
            convs::RESOLVED => convs::RESOLVED,
            _ => convs::OPEN,
        }),
        tags,
        ..Default::default()
    };
    if resolving {
        // Resolved means nobody is handling it: the bot answers if the visitor writes again.
        change.human_handoff = Some(false);
        change.waiting_since = Some(None);
        change.fallbacks = Some(0);
    }
    let updated = convs::update(&tx, before, change).await?;
    let mut asked = None;
    if resolving {
        outbox::append(
            &tx,
            actor.workspace_id,
            "conversation.resolved",
            json!({
                "conversation_id": id, "bot_id": updated.bot_id, "by_user_id": actor.user_id,
                // For analytics' bot-only resolution: no human was ever asked to take it.
                "handed_off": before_handoff,
                // For analytics' times: how long it was open, how long a person took to reply.
                "open_ms": open_ms,
                "handoff_wait_ms": handoff_wait_ms,
            }),
        )
        .await?;
        let ask = NewMessage {
            role: "system".into(),
            body: RESOLVED_NOTICE.into(),
            attachments: Some(json!([{"kind": "rating_request"}])),
            ..Default::default()
        };
        asked = Some(convs::append_message(&tx, &updated, ask).await?);
    }
    tx.commit().await?;
    if let Some(m) = asked {
        publish_message(hub, &updated, &m);
    }
    publish_conversation(hub, &updated, false);
    load(store, actor, id).await
}

/// What the visitor reads when their conversation is resolved, above the rating card.
const RESOLVED_NOTICE: &str =
    "This conversation has been marked as resolved. How did we do? Writing again reopens it.";

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
    // Joining is news to the visitor when the bot was answering or another agent was.
    let changed = match take {
        true => !conv.human_handoff || conv.assignee_id != Some(actor.user_id),
        false => conv.human_handoff,
    };
    let change = Change {
        human_handoff: Some(take),
        waiting_since: Some(None),
        assignee_id: take.then_some(Some(actor.user_id)),
        handoff_wait_ms: conv.waiting_since.filter(|_| take).map(|w| now_ms() - w),
        ..Default::default()
    };
    let conv = convs::update(&tx, conv, change).await?;
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
                    author_id: take.then_some(actor.user_id),
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
        publish_authored(hub, &conv, &m, &user.name);
    }
    publish_conversation(hub, &conv, false);
    load(store, actor, id).await
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
    // The message and its conversation's counters, together; the first reply ends the wait.
    let tx = store.begin().await?;
    let message = convs::append_message(
        &tx,
        &conv,
        NewMessage {
            role: "agent".into(),
            body: text.trim().to_string(),
            author_id: Some(actor.user_id),
            ..Default::default()
        },
    )
    .await?;
    let answered = match conv.waiting_since {
        Some(since) => {
            let change = Change {
                waiting_since: Some(None),
                handoff_wait_ms: Some(now_ms() - since),
                assignee_id: Some(Some(conv.assignee_id.unwrap_or(actor.user_id))),
                ..Default::default()
            };
            Some(convs::update(&tx, conv.clone(), change).await?)
        }
        None => None,
    };
    tx.commit().await?;
    let user = accounts::find_user(store.db(), actor.user_id).await?;
    publish_authored(hub, &conv, &message, &user.name);
    if let Some(conv) = answered {
        publish_conversation(hub, &conv, false);
    }
    Ok(message)
}
