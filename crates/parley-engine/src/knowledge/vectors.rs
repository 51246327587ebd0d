//! Passages by meaning: chunk embeddings from the bot's OpenAI-compatible embedding model,
//! and an exact nearest-neighbour search over a per-bot in-memory copy of them that is
//! reloaded only when the bot's knowledge changes.

use crate::EngineResult;
use crate::chat::ChatContext;
use parley_ai::openai::{AiError, Endpoint};
use parley_domain::knowledge::vector::{decode, encode, nearest, normalized};
use parley_store::repo::bots::Bot;
use parley_store::repo::knowledge;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Inputs per embeddings request: providers cap the batch (OpenAI at 2,048 inputs).
const BATCH: usize = 64;
/// How long embedding a question may take before retrieval goes on with full text alone.
const QUESTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Each bot's unit-length chunk vectors, with the knowledge version they were loaded at.
#[derive(Clone, Default)]
pub struct VectorCache {
    bots: Arc<Mutex<HashMap<Uuid, Arc<Loaded>>>>,
}

struct Loaded {
    version: (i64, i64),
    ids: Vec<Uuid>,
    vectors: Vec<Vec<f32>>,
}

/// The bot's embedding endpoint, when it has an embedding model.
pub(crate) fn endpoint(ctx: &ChatContext, bot: &Bot) -> Option<Endpoint> {
    let settings = bot.model.as_ref()?;
    let model = settings.embedding_model.clone()?;
    Some(Endpoint {
        model,
        ..ctx.endpoint(bot, settings)
    })
}

/// Embeds `texts` in batches, in order, as stored bytes.
pub(crate) async fn embed_all(
    ctx: &ChatContext,
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
    ctx: &ChatContext,
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
    let loaded = ctx.vectors.load(ctx, bot.id).await?;
    Ok(Some(
        nearest(&query, &loaded.vectors, k)
            .into_iter()
            .map(|(i, _)| loaded.ids[i])
            .collect(),
    ))
}

impl VectorCache {
    /// The bot's vectors, reloaded from the database only when its knowledge changed.
    async fn load(&self, ctx: &ChatContext, bot_id: Uuid) -> EngineResult<Arc<Loaded>> {
        let db = ctx.store.db();
        let version = knowledge::knowledge_version(db, bot_id).await?;
        let cached = self.lock().get(&bot_id).cloned();
        if let Some(loaded) = cached.filter(|l| l.version == version) {
            return Ok(loaded);
        }
        let rows = knowledge::embeddings(db, bot_id).await?;
        let (ids, vectors) = rows
            .into_iter()
            .filter_map(|(id, bytes)| Some((id, normalized(decode(&bytes)?)?)))
            .unzip();
        let loaded = Arc::new(Loaded {
            version,
            ids,
            vectors,
        });
        self.lock().insert(bot_id, loaded.clone());
        Ok(loaded)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Loaded>>> {
        self.bots.lock().unwrap_or_else(|e| e.into_inner())
    }
}
