//! Live events for dashboards and widgets: new messages, conversation changes, document
//! progress, executions. Subscribers on a node see the events of every node: each event is
//! broadcast in-process at once and, on PostgreSQL, relayed to the other nodes through
//! LISTEN/NOTIFY. Subscribers filter by workspace or conversation.

use parley_store::repo::conversations::{Conversation, Message};
use parley_store::{MAX_PAYLOAD_BYTES, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A visitor asked for a person: dashboards notify agents.
pub const HANDOFF_REQUESTED: &str = "handoff.requested";
/// A connection to Slack, HubSpot or Google changed: the Integrations page refreshes.
pub const INTEGRATION_UPDATED: &str = "integration.updated";
/// An image's analysis ended, was re-run or corrected: the inbox updates the line under the
/// image and its analysis panel without a reload.
pub const IMAGE_ANALYZED: &str = "image.analyzed";
/// Events kept for slow subscribers before they start missing some (they then refetch).
const CAPACITY: usize = 1024;
/// The PostgreSQL channel live events cross nodes on.
const CHANNEL: &str = "parley_live";
/// An event too large for a notification crosses as this: "refetch what you show".
pub const RESYNC: &str = "resync";
/// Every kind of live event; a relayed event of another kind is ignored.
const KINDS: &[&str] = &[
    "message.created",
    "conversation.updated",
    HANDOFF_REQUESTED,
    "document.updated",
    "execution.updated",
    INTEGRATION_UPDATED,
    IMAGE_ANALYZED,
    RESYNC,
];

#[derive(Debug, Clone, Serialize)]
pub struct LiveEvent {
    #[serde(skip)]
    pub workspace_id: Uuid,
    #[serde(skip)]
    pub conversation_id: Option<Uuid>,
    /// One of `KINDS`.
    #[serde(skip)]
    pub kind: &'static str,
    pub data: serde_json::Value,
}

/// An event as it crosses nodes.
#[derive(Serialize, Deserialize)]
struct Relayed {
    node: Uuid,
    workspace_id: Uuid,
    conversation_id: Option<Uuid>,
    kind: String,
    data: serde_json::Value,
}

#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<LiveEvent>,
    /// Set on PostgreSQL: events to NOTIFY, in publishing order.
    relay: Option<mpsc::UnboundedSender<String>>,
    /// This node, so its own relayed events are not delivered twice.
    node: Uuid,
}

impl Default for Hub {
    /// A hub for this process only.
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            relay: None,
            node: Uuid::now_v7(),
        }
    }
}

impl Hub {
    /// A hub that also relays through the database when it can (PostgreSQL), until
    /// `shutdown`. On SQLite (one node) it is the in-process hub.
    pub fn connected(store: &Store, shutdown: CancellationToken) -> Hub {
        let mut hub = Hub::default();
        if !store.can_notify() {
            return hub;
        }
        let (relay, outgoing) = mpsc::unbounded_channel();
        hub.relay = Some(relay);
        tokio::spawn(send_notifications(store.clone(), outgoing));
        tokio::spawn(receive_notifications(store.clone(), hub.clone(), shutdown));
        hub
    }

    /// Publishes to current subscribers on every node; with none, the event is dropped.
    pub fn publish(&self, event: LiveEvent) {
        if let Some(relay) = &self.relay {
            let _ = relay.send(self.encode(&event));
        }
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// The notification payload: the event, or a resync for its scope when too large.
    fn encode(&self, event: &LiveEvent) -> String {
        let relayed = |kind: &str, data: serde_json::Value| Relayed {
            node: self.node,
            workspace_id: event.workspace_id,
            conversation_id: event.conversation_id,
            kind: kind.to_string(),
            data,
        };
        let full =
            serde_json::to_string(&relayed(event.kind, event.data.clone())).unwrap_or_default();
        if full.len() <= MAX_PAYLOAD_BYTES {
            return full;
        }
        serde_json::to_string(&relayed(RESYNC, serde_json::json!({}))).unwrap_or_default()
    }

    /// Delivers another node's event to this node's subscribers.
    fn deliver(&self, payload: &str) {
        let Ok(r) = serde_json::from_str::<Relayed>(payload) else {
            return;
        };
        let Some(kind) = KINDS.iter().find(|k| **k == r.kind) else {
            return;
        };
        if r.node != self.node {
            let _ = self.sender.send(LiveEvent {
                workspace_id: r.workspace_id,
                conversation_id: r.conversation_id,
                kind,
                data: r.data,
            });
        }
    }
}

async fn send_notifications(store: Store, mut outgoing: mpsc::UnboundedReceiver<String>) {
    while let Some(payload) = outgoing.recv().await {
        if let Err(e) = store.notify(CHANNEL, &payload).await {
            tracing::debug!(error = %e, "a live event could not be relayed to other nodes");
        }
    }
}

async fn receive_notifications(store: Store, hub: Hub, shutdown: CancellationToken) {
    while !shutdown.is_cancelled() {
        match store.listen(CHANNEL).await {
            Ok(Some(mut listener)) => loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    received = listener.recv() => match received {
                        Ok(payload) => hub.deliver(&payload),
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the live-event listener; reconnecting");
                            break;
                        }
                    },
                }
            },
            Ok(None) => return,
            Err(e) => tracing::warn!(error = %e, "cannot listen for live events; retrying"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

/// Announces a new message to the workspace's dashboards and the conversation's widget.
pub fn publish_message(hub: &Hub, conv: &Conversation, m: &Message) {
    hub.publish(message_event(conv, m));
}

/// Publishes an agent's message with their name, as the visitor sees them.
pub fn publish_authored(hub: &Hub, conv: &Conversation, m: &Message, author: &str) {
    let mut event = message_event(conv, m);
    event.data["message"]["author"] = json!({"name": author, "avatar_url": null});
    hub.publish(event);
}

/// The live event for a new message (published once its transaction committed).
pub fn message_event(conv: &Conversation, m: &Message) -> LiveEvent {
    LiveEvent {
        workspace_id: conv.workspace_id,
        conversation_id: Some(conv.id),
        kind: "message.created",
        data: json!({
            "conversation_id": conv.id,
            "message": {
                "id": m.id, "role": m.role, "text": m.body, "citations": m.citations, "model": m.model,
                "latency_ms": m.latency_ms, "created_at": rfc3339(m.created_at), "insight": m.insight,
                "attachments": m.attachments,
            },
        }),
    }
}

/// The live event for a changed conversation: the fields an agent changes (status,
/// handoff, tags), so other agents' inboxes follow. The widget's stream passes the visitor
/// only [`VISITOR_CONVERSATION_FIELDS`] of it: tags are the team's own.
pub fn conversation_event(conv: &Conversation) -> LiveEvent {
    LiveEvent {
        workspace_id: conv.workspace_id,
        conversation_id: Some(conv.id),
        kind: "conversation.updated",
        data: json!({
            "conversation_id": conv.id, "status": conv.status, "human_handoff": conv.human_handoff,
            "tags": conv.tags, "waiting_since": conv.waiting_since.map(rfc3339),
            "assignee_id": conv.assignee_id, "rating": conv.rating,
        }),
    }
}

/// Publishes a conversation's change and, when the visitor just asked for a person,
/// `handoff.requested` for the agents' notifications.
pub fn publish_conversation(hub: &Hub, conv: &Conversation, handoff_requested: bool) {
    hub.publish(conversation_event(conv));
    if handoff_requested {
        hub.publish(LiveEvent {
            workspace_id: conv.workspace_id,
            conversation_id: Some(conv.id),
            kind: HANDOFF_REQUESTED,
            data: json!({
                "conversation_id": conv.id, "bot_id": conv.bot_id, "preview": conv.preview,
                "waiting_since": conv.waiting_since.map(rfc3339), "assignee_id": conv.assignee_id,
            }),
        });
    }
}

/// The fields of `conversation.updated` a visitor's widget may see.
pub const VISITOR_CONVERSATION_FIELDS: [&str; 3] = ["conversation_id", "status", "human_handoff"];

/// Epoch milliseconds as RFC 3339 UTC, the API's time format.
pub(crate) fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: serde_json::Value) -> LiveEvent {
        LiveEvent {
            workspace_id: Uuid::now_v7(),
            conversation_id: None,
            kind: "message.created",
            data,
        }
    }

    #[test]
    fn relayed_events_reach_other_nodes_once_and_oversized_ones_become_resyncs() {
        let (a, b) = (Hub::default(), Hub::default());
        let mut on_b = b.subscribe();
        let mut on_a = a.subscribe();
        let sent = event(serde_json::json!({"text": "hi"}));
        b.deliver(&a.encode(&sent));
        assert_eq!(on_b.try_recv().unwrap().data, sent.data);
        a.deliver(&a.encode(&sent));
        assert!(
            on_a.try_recv().is_err(),
            "a node ignores its own relayed events"
        );

        let big = event(serde_json::json!({"text": "x".repeat(MAX_PAYLOAD_BYTES)}));
        let payload = a.encode(&big);
        assert!(payload.len() <= MAX_PAYLOAD_BYTES);
        b.deliver(&payload);
        let got = on_b.try_recv().unwrap();
        assert_eq!((got.kind, got.workspace_id), (RESYNC, big.workspace_id));

        b.deliver("not json");
        b.deliver(&payload.replace(RESYNC, "made.up"));
        assert!(
            on_b.try_recv().is_err(),
            "malformed and unknown events are ignored"
        );
    }
}
