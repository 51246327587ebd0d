//! Retrieval: FAQ matches first, then passages: full text, fused by reciprocal rank with the
//! chunks nearest in meaning when the bot has an embedding model.

use super::vectors;
use crate::EngineResult;
use crate::services::Services;
use parley_domain::chat::Passage;
use parley_domain::chat::relevance::{RELEVANCE_BAR, relevance};
use parley_domain::knowledge::faq::{CLOSE_MATCH, rank_faqs};
use parley_domain::knowledge::fusion::reciprocal_rank_fusion;
use parley_domain::knowledge::terms::query_words;
use parley_store::repo::bots::Bot;
use parley_store::repo::faqs::Faq;
use parley_store::repo::knowledge::{self, ChunkHit};
use std::collections::HashMap;
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

    /// How well the best passage covers `question`, in [0, 1] (see
    /// [`parley_domain::chat::relevance`]); answers draw on the passages only at
    /// [`RELEVANCE_BAR`] or above.
    pub fn relevance(&self, question: &str) -> f32 {
        let passages: Vec<Passage> = self
            .passages
            .iter()
            .map(|p| Passage {
                heading: &p.heading,
                text: &p.body,
                tokens: None,
            })
            .collect();
        relevance(question, &passages)
    }

    /// Drops the passages unless they clear [`RELEVANCE_BAR`] for `question`, so that
    /// neither the extractive answer nor a model's prompt draws on passages that only share
    /// a word or two with it (a close FAQ still answers). Returns the relevance.
    pub fn keep_relevant(&mut self, question: &str) -> f32 {
        let relevance = self.relevance(question);
        if relevance < RELEVANCE_BAR {
            self.passages.clear();
        }
        relevance
    }
}

/// Ranked lists fused by reciprocal rank are read this deep, so a passage second-best in
/// both lists can still win.
const FUSION_DEPTH: u64 = 20;

/// FAQs and passages for a question: full text, fused with the nearest chunks by meaning
/// when the bot has an embedding model.
pub async fn retrieve(
    ctx: &Services,
    bot: &Bot,
    question: &str,
    limit: u64,
) -> EngineResult<Retrieved> {
    let db = ctx.store.db();
    let all_faqs = crate::widget_cache::enabled_faqs(&ctx.store, bot).await?;
    let ranked = rank_faqs(question, all_faqs.iter().map(|f| f.question.as_str()));
    let faqs = ranked
        .into_iter()
        .take(5)
        .map(|s| (all_faqs[s.index].clone(), s.score))
        .collect();
    let semantic = vectors::endpoint(ctx, bot);
    let depth = if semantic.is_some() {
        limit.max(FUSION_DEPTH)
    } else {
        limit
    };
    let words = query_words(question, MAX_QUERY_WORDS);
    let by_text = knowledge::search(
        db,
        &ctx.word_counts,
        bot.workspace_id,
        bot.id,
        &words,
        depth,
    )
    .await?;
    let by_meaning = match semantic {
        Some(endpoint) => {
            vectors::nearest_chunks(ctx, bot, endpoint, question, depth as usize).await?
        }
        None => None,
    };
    let passages = match by_meaning {
        Some(by_meaning) => fuse(ctx, bot, by_text, by_meaning, limit).await?,
        None => by_text.into_iter().take(limit as usize).collect(),
    };
    Ok(Retrieved { faqs, passages })
}

/// Merges the full-text and by-meaning rankings by reciprocal rank; each passage's score
/// becomes its fused score.
async fn fuse(
    ctx: &Services,
    bot: &Bot,
    by_text: Vec<ChunkHit>,
    by_meaning: Vec<Uuid>,
    limit: u64,
) -> EngineResult<Vec<ChunkHit>> {
    let text_ids: Vec<Uuid> = by_text.iter().map(|h| h.id).collect();
    let fused = reciprocal_rank_fusion(&[text_ids, by_meaning]);
    let fused = &fused[..fused.len().min(limit as usize)];
    let mut hits: HashMap<Uuid, ChunkHit> = by_text.into_iter().map(|h| (h.id, h)).collect();
    let missing: Vec<Uuid> = fused
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !hits.contains_key(id))
        .collect();
    for hit in knowledge::chunks_by_ids(ctx.store.db(), bot.workspace_id, &missing).await? {
        hits.insert(hit.id, hit);
    }
    Ok(fused
        .iter()
        .filter_map(|(id, score)| {
            hits.remove(id).map(|h| ChunkHit {
                score: *score as f64,
                ..h
            })
        })
        .collect())
}
