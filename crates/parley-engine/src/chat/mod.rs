//! The chat path for widget visitors: identify the visitor, start or resume a conversation,
//! store each message with its events in one transaction, retrieve knowledge, answer, and
//! keep the conversation's memory (recent turns plus a rolling summary).
//!
//! Answers stream as a sequence of text pieces; the reply is stored once complete, whether or
//! not the visitor is still connected.

mod answer;
mod conversations;
pub(crate) mod handoff;
mod identity;
mod images;
mod memory;
mod send;

pub use answer::{Budget, Outcome, ReplyEvent, Trial, trial};
pub use conversations::{
    authors, history, own_conversation, rate, start, transcript, visitor_conversation,
};
pub use identity::{Identified, VisitorProof, identify, visitor_from_token};
pub use images::{ImageUpload, attach_image, stored_image};
pub use send::send;

/// Longest visitor message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// The model name recorded on answers written without a model.
pub const EXTRACTIVE_MODEL: &str = "extractive";
