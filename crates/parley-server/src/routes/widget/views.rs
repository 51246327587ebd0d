//! What a visitor sees of conversations and messages.

use crate::images::{self, Attachment};
use crate::routes::shared::{Citation, ConversationStatus, MessageRole, rfc3339};
use parley_store::repo::conversations::{Conversation, Message};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Agents' names by user id, for the messages they wrote.
pub type Authors = HashMap<Uuid, String>;

#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    id: Uuid,
    #[schema(value_type = ConversationStatus)]
    status: String,
    preview: String,
    message_count: i32,
    /// The visitor's rating after it was resolved.
    #[schema(required)]
    rating: Option<Rating>,
    created_at: String,
    last_message_at: String,
}

/// A visitor's satisfaction with a resolved conversation.
#[derive(Serialize, ToSchema)]
pub struct Rating {
    /// 1 (bad) to 5 (great).
    pub score: i32,
    #[schema(required)]
    pub comment: Option<String>,
}

pub fn rating(c: &Conversation) -> Option<Rating> {
    c.rating.map(|score| Rating {
        score,
        comment: c.rating_comment.clone(),
    })
}

/// Who wrote an agent's message, as the visitor sees them: a name, never a role.
#[derive(Serialize, ToSchema)]
pub struct Author {
    name: String,
    #[schema(required)]
    avatar_url: Option<String>,
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
    /// The agent who wrote it (agent messages and their joining notice).
    #[schema(required)]
    author: Option<Author>,
    /// This notice asks the visitor to rate the resolved conversation.
    rating_request: bool,
    /// The bot's report on an image: show `summary` under the image `image_id`.
    #[schema(required)]
    analysis: Option<images::AnalysisNote>,
    created_at: String,
}

pub fn conversation_view(c: &Conversation) -> ConversationView {
    ConversationView {
        id: c.id,
        status: c.status.clone(),
        preview: c.preview.clone(),
        message_count: c.message_count,
        rating: rating(c),
        created_at: rfc3339(c.created_at),
        last_message_at: rfc3339(c.last_message_at),
    }
}

pub fn message_view(key: &[u8], m: &Message, authors: &Authors) -> MessageView {
    MessageView {
        author: m
            .author_id
            .and_then(|id| authors.get(&id))
            .map(|name| Author {
                name: name.clone(),
                avatar_url: None,
            }),
        rating_request: images::asks_rating(m.attachments.as_ref()),
        analysis: images::analysis_note(m.attachments.as_ref()),
        attachments: images::attachments(key, m.attachments.as_ref()),
        id: m.id,
        role: m.role.clone(),
        text: m.body.clone(),
        citations: m.citations.clone(),
        created_at: rfc3339(m.created_at),
    }
}
