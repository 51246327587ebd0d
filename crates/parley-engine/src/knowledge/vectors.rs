//! Passages by meaning: chunk embeddings from the bot's OpenAI-compatible embedding model,
//! and an exact nearest-neighbour search over the bot's vectors in the
//! [`VectorCache`](crate::vector_cache::VectorCache).

use crate::EngineResult;
use crate::services::Services;
use parley_ai::openai::{AiError, Endpoint};
use parley_domain::knowledge::vector::{encode, nearest, normalized};
use parley_store::repo::bots::Bot;
use std::time::Duration;
use uuid::Uuid;

/// Inputs per embeddings request: providers cap the batch (OpenAI at 2,048 inputs).
const BATCH: usize = 64;
/// How long embedding a question may take before retrieval goes on with full text alone.
const QUESTION_TIMEOUT: Duration = Duration::from_secs(5);

/// The bot's embedding endpoint, when it has an embedding model.
pub(crate) fn endpoint(ctx: &Services, bot: &Bot) -> Option<Endpoint> {
    let settings = bot.model.as_ref()?;
    let model = settings.embedding_model.clone()?;
    Some(Endpoint {
        model,
        ..ctx.endpoint(bot, settings)
    })
}

/// Embeds `texts` in batches, in order, as stored bytes.
pub(crate) async fn embed_all(
    ctx: &Services,
    endpoint: &Endpoint,
    texts: &[String],
) -> Result<Vec<Vec<u8>>, AiError> {
    let mut out = Vec::with_capacity(texts.len());
    for batch in texts.chunks(BATCH) {
        for vector in ctx.ai.embed(endpoint, batch).await? {
            out.push(encode(&vector));
        }
    }
    Ok(out)
}

/// The `k` chunks closest in meaning to the question, best first, by the bot's embedding
/// `endpoint`. `None` when the question could not be embedded (logged): full text then
/// answers alone.
pub(crate) async fn nearest_chunks(
    ctx: &Services,
    bot: &Bot,
    endpoint: Endpoint,
    question: &str,
    k: usize,
) -> EngineResult<Option<Vec<Uuid>>> {
    let endpoint = Endpoint {
        timeout: QUESTION_TIMEOUT,
        max_attempts: 1,
        ..endpoint
    };
    let query = match ctx.ai.embed(&endpoint, &[question.to_string()]).await {
        Ok(mut v) => v.pop().and_then(normalized),
        Err(error) => {
            tracing::info!(bot = %bot.id, %error, "could not embed the question; full text only");
            metrics::counter!("parley_model_errors_total", "use" => "embed").increment(1);
            None
        }
    };
    let Some(query) = query else {
        return Ok(None);
    };
    let loaded = ctx.vectors.load(&ctx.store, bot.id).await?;
    Ok(Some(
        nearest(&query, &loaded.vectors, k)
            .into_iter()
            .map(|(i, _)| loaded.ids[i])
            .collect(),
    ))
}
