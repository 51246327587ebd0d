//! What a visitor sees of conversations and messages.

use crate::images::{self, Attachment};
use crate::routes::shared::{Citation, ConversationStatus, MessageRole, rfc3339};
use parley_store::repo::conversations::{Conversation, Message};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    id: Uuid,
    #[schema(value_type = ConversationStatus)]
    status: String,
    preview: String,
    message_count: i32,
    created_at: String,
    last_message_at: String,
}

/// A message of a conversation.
#[derive(Serialize, ToSchema)]
pub struct MessageView {
    id: Uuid,
    /// `visitor`, `bot`, `agent` or `system`.
    #[schema(value_type = MessageRole)]
    role: String,
    text: String,
    /// Where the answer came from: `{kind: "faq" | "passage", title, ...}`.
    #[schema(value_type = Vec<Citation>)]
    citations: serde_json::Value,
    /// Images the visitor sent with the message.
    attachments: Vec<Attachment>,
    created_at: String,
}

pub fn conversation_view(c: &Conversation) -> ConversationView {
    ConversationView {
        id: c.id,
        status: c.status.clone(),
        preview: c.preview.clone(),
        message_count: c.message_count,
        created_at: rfc3339(c.created_at),
        last_message_at: rfc3339(c.last_message_at),
    }
}

pub fn message_view(key: &[u8], m: &Message) -> MessageView {
    MessageView {
        attachments: images::attachments(key, m.attachments.as_ref()),
        id: m.id,
        role: m.role.clone(),
        text: m.body.clone(),
        citations: m.citations.clone(),
        created_at: rfc3339(m.created_at),
    }
}
