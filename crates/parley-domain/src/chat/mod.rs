//! The conversation's rules: memory (a window of recent turns plus a rolling summary),
//! prompt assembly under a token budget, and the offline extractive answerer.

pub mod extractive;
pub mod handoff;
pub mod memory;
pub mod relevance;
pub mod small_talk;

/// A passage retrieved for a question, as the answerers see it.
#[derive(Debug, Clone, Copy)]
pub struct Passage<'a> {
    pub heading: &'a str,
    pub text: &'a str,
    /// The text's token count when already known (stored with the chunk at ingestion),
    /// so assembling a prompt does not tokenize every passage again.
    pub tokens: Option<usize>,
}
