//! Retrieval: FAQ matches first, then full-text passages (fused with vector results by
//! reciprocal rank once embeddings are configured).

use crate::EngineResult;
use parley_domain::knowledge::faq::{CLOSE_MATCH, rank_faqs};
use parley_domain::knowledge::terms::query_words;
use parley_store::Store;
use parley_store::repo::faqs::{self, Faq};
use parley_store::repo::knowledge::{self, ChunkHit};
use uuid::Uuid;

/// Words of a question used in a full-text query, at most.
const MAX_QUERY_WORDS: usize = 24;

/// What a question retrieves.
#[derive(Debug, Clone, Default)]
pub struct Retrieved {
    /// Enabled FAQs sharing terms with the question, best first, with their similarity.
    pub faqs: Vec<(Faq, f32)>,
    /// Passages, best first.
    pub passages: Vec<ChunkHit>,
}

impl Retrieved {
    /// The FAQ close enough to answer the question by itself.
    pub fn faq_answer(&self) -> Option<&Faq> {
        self.faqs
            .first()
            .filter(|(_, score)| *score >= CLOSE_MATCH)
            .map(|(f, _)| f)
    }
}

pub async fn retrieve(
    store: &Store,
    workspace_id: Uuid,
    bot_id: Uuid,
    question: &str,
    limit: u64,
) -> EngineResult<Retrieved> {
    let all_faqs = faqs::list(store.db(), workspace_id, bot_id, true).await?;
    let ranked = rank_faqs(question, all_faqs.iter().map(|f| f.question.as_str()));
    let faqs = ranked
        .into_iter()
        .take(5)
        .map(|s| (all_faqs[s.index].clone(), s.score))
        .collect();
    let words = query_words(question, MAX_QUERY_WORDS);
    let passages = knowledge::search(store.db(), workspace_id, bot_id, &words, limit).await?;
    Ok(Retrieved { faqs, passages })
}
