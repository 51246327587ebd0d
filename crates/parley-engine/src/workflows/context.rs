//! The context a workflow's expressions and templates see: the event, plus the
//! conversation, visitor, lead and sentiment it concerns, read fresh at each step (after a
//! delay, "is it still open?" must see the conversation as it is now).
//!
//! ```json
//! { "event": { "id", "name", "payload", "at" },
//!   "conversation": { "id", "bot_id", "status", "tags", "human_handoff", "assigned_agent",
//!                     "message_count", "preview", "lead_stage", "created_at", "last_message_at" },
//!   "visitor": { "id", "email", "name" },
//!   "lead": { "score", "priority", "stage", "name", "email", "company", "phone", "budget",
//!             "currency", "quantity", "team_size", "timeline", "urgent", "intents" },
//!   "sentiment": { "average", "recent", "last", "trend", "negative", "count" },
//!   "intent": "bulk_order" }
//! ```
//!
//! `conversation`, `visitor`, `lead` and `sentiment` are null when the event names no
//! conversation of the workspace (`payload.conversation_id`). `intent` is the event's
//! `payload.intent` when it has one.

use parley_domain::insight::ConversationInsight;
use parley_store::repo::conversations::{self as convs, Conversation};
use parley_store::{ConnectionTrait, StoreResult};
use serde_json::{Value, json};
use uuid::Uuid;

/// The event as the context shows it.
pub struct EventRef<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub payload: &'a Value,
    /// Epoch ms.
    pub at: i64,
}

/// The conversation an event payload names, if it is one of the workspace's.
pub fn conversation_id(payload: &Value) -> Option<Uuid> {
    payload
        .get("conversation_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
}

/// Reads the conversation and visitor and assembles the context.
pub async fn build(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    event: &EventRef<'_>,
) -> StoreResult<Value> {
    let (conversation, email) = load(c, workspace_id, conversation_id(event.payload)).await?;
    Ok(assemble(event, conversation.as_ref(), email))
}

/// The conversation (when it is one of the workspace's) and its visitor's email.
pub async fn load(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    conversation_id: Option<Uuid>,
) -> StoreResult<(Option<Conversation>, Option<String>)> {
    let Some(id) = conversation_id else {
        return Ok((None, None));
    };
    Ok(match convs::get_with_email(c, workspace_id, id).await? {
        Some((conversation, email)) => (Some(conversation), email),
        None => (None, None),
    })
}

/// The context from rows already read (pure, for tests and the dry run).
pub fn assemble(
    event: &EventRef<'_>,
    conversation: Option<&Conversation>,
    visitor_email: Option<String>,
) -> Value {
    let intent = event
        .payload
        .get("intent")
        .filter(|v| v.is_string())
        .cloned()
        .unwrap_or(Value::Null);
    let event_json = json!({
        "id": event.id, "name": event.name, "payload": event.payload, "at": event.at,
    });
    let Some(conv) = conversation else {
        return json!({
            "event": event_json, "conversation": null, "visitor": null, "lead": null,
            "sentiment": null, "intent": intent,
        });
    };
    let insight: ConversationInsight = conv
        .insight
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let tags = convs::tags(conv).unwrap_or_default();
    let lead = &insight.lead;
    let fields = &lead.fields;
    let email = visitor_email.or_else(|| fields.email.clone());
    let sentiment = &insight.sentiment;
    json!({
        "event": event_json,
        "conversation": {
            "id": conv.id, "bot_id": conv.bot_id, "status": conv.status, "tags": tags,
            "human_handoff": conv.human_handoff,
            // Parley records a takeover, not who took it: an agent is "assigned" while the
            // conversation is handed off.
            "assigned_agent": if conv.human_handoff { json!("agent") } else { Value::Null },
            "message_count": conv.message_count, "preview": conv.preview,
            "lead_stage": conv.lead_stage, "created_at": conv.created_at,
            "last_message_at": conv.last_message_at,
        },
        "visitor": { "id": conv.visitor_id, "email": email, "name": fields.name },
        "lead": {
            "score": lead.score, "priority": lead.priority,
            "stage": conv.lead_stage.as_deref().unwrap_or("new"),
            "name": fields.name, "email": email, "company": fields.company,
            "phone": fields.phone,
            "budget": fields.budget.as_ref().map(|b| b.amount),
            "currency": fields.budget.as_ref().map(|b| b.currency.clone()),
            "quantity": fields.quantity.as_ref().map(|q| q.value),
            "team_size": fields.team_size, "timeline": fields.timeline, "urgent": fields.urgent,
            "intents": lead.intents.keys().collect::<Vec<_>>(),
            "crm_priority": parley_domain::insight::lead::crm_priority(
                lead.score,
                &lead.intents.keys().map(String::as_str).collect::<Vec<_>>(),
                fields.budget.as_ref().map(|b| b.amount as f64),
                fields.quantity.as_ref().map(|q| q.value as f64),
                fields.urgent,
            ),
        },
        "sentiment": (sentiment.count > 0).then(|| json!({
            "average": sentiment.average, "recent": sentiment.recent, "last": sentiment.last,
            "trend": sentiment.trend, "negative": sentiment.in_negative_episode,
            "count": sentiment.count,
        })),
        "intent": intent,
    })
}

/// The A/B seed: the conversation, so one visitor always sees the same branch; else the
/// event.
pub fn seed(conversation_id: Option<Uuid>, event_id: Uuid) -> String {
    conversation_id.unwrap_or(event_id).to_string()
}

/// Earlier steps' outputs by node id (`steps.lookup.values.0.1`), the last visit's winning.
pub fn step_outputs(steps: &[parley_store::repo::executions::Step]) -> Value {
    let mut out = serde_json::Map::new();
    for step in steps {
        if let (Some(output), "done") = (&step.output, step.status.as_str()) {
            out.insert(step.node_id.clone(), output.clone());
        }
    }
    Value::Object(out)
}
