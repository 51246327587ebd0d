//! Live events for dashboards and widgets: new messages, conversation changes, document
//! progress. In-process broadcast: every subscriber on this node sees every event of this
//! node; subscribers filter by workspace or conversation.

use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events kept for slow subscribers before they start missing some (they then refetch).
const CAPACITY: usize = 1024;

#[derive(Debug, Clone, Serialize)]
pub struct LiveEvent {
    #[serde(skip)]
    pub workspace_id: Uuid,
    #[serde(skip)]
    pub conversation_id: Option<Uuid>,
    /// `message.created`, `conversation.updated` or `document.updated`.
    #[serde(skip)]
    pub kind: &'static str,
    pub data: serde_json::Value,
}

#[derive(Clone)]
pub struct Hub {
    sender: broadcast::Sender<LiveEvent>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Hub {
    /// Publishes to current subscribers; with none, the event is simply dropped.
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }
}
