//! Analysis on demand, outside any conversation: `POST /api/v1/vision/analyze` (the
//! dashboard's "Try it" box and API users) and the bot settings' "Test vision" button.
//!
//! The analysis runs in the request, not as a job: the caller waits for the typed result.
//! At most [`CONCURRENT`] run at once on a node (decoding, OCR and counting are CPU work on
//! small machines); later callers wait up to [`WAIT`] for a slot, then get 503.

use super::job::{AnalyzeHandler, Ended};
use crate::services::Services;
use crate::worker::JobError;
use crate::{Actor, EngineError, EngineResult};
use parley_ai::openai::AiError;
use parley_domain::image::{self, MAX_IMAGE_BYTES};
use parley_store::repo::bots;
use parley_store::repo::image_analyses::{self as analyses, ImageAnalysis, NewAnalysis};
use parley_store::repo::images;
use parley_vision::openai::{check_probe, probe_request};
use parley_vision::{Analysis, Task};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use uuid::Uuid;

/// Analyses running in requests at once on this node.
pub const CONCURRENT: usize = 2;
/// How long a request waits for a free slot.
const WAIT: Duration = Duration::from_secs(20);
static SLOTS: Semaphore = Semaphore::const_new(CONCURRENT);

/// An image to analyse now.
pub struct DirectUpload {
    pub bytes: Vec<u8>,
    pub task: Task,
    /// Whose vision model to use; without one (or when its model does not see images) the
    /// offline analyzers answer.
    pub bot_id: Option<Uuid>,
}

/// What came out: the stored analysis row, and the typed result (with a count's boxes).
pub struct DirectResult {
    pub row: ImageAnalysis,
    pub analysis: Option<Analysis>,
}

/// Stores the image and an `image_analyses` row (`kind_source` `api`, no conversation),
/// analyses it in this request, and records the result with its timings and tokens. No
/// `image.analyzed` event: there is no conversation for a workflow to act in.
pub async fn analyze_upload(
    ctx: &Services,
    actor: &Actor,
    upload: DirectUpload,
) -> EngineResult<DirectResult> {
    actor.require_manager()?;
    if upload.bytes.len() > MAX_IMAGE_BYTES {
        return Err(EngineError::TooLarge(format!(
            "an image may have at most {} MiB",
            MAX_IMAGE_BYTES / (1024 * 1024)
        )));
    }
    // HEIC and friends pass: the normaliser refuses them with a message that says what to do.
    let content_type = image::sniff(&upload.bytes).unwrap_or("application/octet-stream");
    let db = ctx.store.db();
    let ws = actor.workspace_id;
    let bot = match upload.bot_id {
        Some(id) => Some(bots::get(db, ws, id).await?),
        None => None,
    };
    let _slot = tokio::time::timeout(WAIT, SLOTS.acquire())
        .await
        .map_err(|_| {
            EngineError::Unavailable(
                "the server is busy analysing other images; try again in a minute".into(),
            )
        })?
        .expect("the semaphore is never closed");
    // Stored once per workspace by hash, as the widget's uploads are (same hex SHA-256).
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&upload.bytes))
    };
    let tx = ctx.store.begin().await?;
    let stored = images::put(&tx, ws, &sha256, content_type, upload.bytes.clone()).await?;
    let new = NewAnalysis {
        image_id: stored.id,
        conversation_id: None,
        message_id: None,
        kind: upload.task.kind().as_str().to_string(),
        kind_source: "api".into(),
    };
    let row = analyses::queue(&tx, ws, new).await?;
    tx.commit().await?;

    let handler = AnalyzeHandler::new(ctx.clone());
    let ended = match handler
        .run_task(bot.as_ref(), &upload.task, upload.bytes, true)
        .await
    {
        Ok(ended) => ended,
        Err(JobError::Retry(e) | JobError::Permanent(e)) => {
            Ended::failed(analyses::FAILED, e, None)
        }
    };
    let analysis = ended.analysis;
    let row = analyses::finish(db, ws, row.id, ended.finished).await?;
    metrics::counter!("parley_image_analyses_total", "kind" => row.kind.clone(), "status" => row.status.clone())
        .increment(1);
    Ok(DirectResult { row, analysis })
}

/// The outcome of the "Test vision" button.
pub struct VisionCheck {
    /// `Ok(answer)`: the model saw the red square; `Err`: what went wrong, in plain words.
    pub outcome: Result<String, String>,
    pub latency_ms: u64,
    pub model: String,
}

/// Sends the probe (a red square on white, "what colour is it?") to the bot's saved vision
/// model, once, and says whether it saw it (managers).
pub async fn check_vision(
    ctx: &Services,
    actor: &Actor,
    bot_id: Uuid,
) -> EngineResult<VisionCheck> {
    actor.require_manager()?;
    let bot = bots::get(ctx.store.db(), actor.workspace_id, bot_id).await?;
    let Some(settings) = bot.model.clone() else {
        return Ok(VisionCheck {
            outcome: Err("This bot has no model configured: set one up under Model first.".into()),
            latency_ms: 0,
            model: String::new(),
        });
    };
    if !settings.vision {
        return Ok(VisionCheck {
            outcome: Err(format!(
                "The model {} is not marked as seeing images: turn on \"Sees images\" in the model settings and save.",
                settings.model
            )),
            latency_ms: 0,
            model: settings.model,
        });
    }
    let mut endpoint = ctx.endpoint(&bot, &settings);
    endpoint.max_attempts = 1;
    let started = Instant::now();
    let sent = ctx
        .ai
        .chat_json(&endpoint, &probe_request(&settings.model))
        .await;
    let outcome = match sent {
        Ok(body) => check_probe(&body)
            .map(|a| match a.analysis {
                Analysis::Describe(d) => d.answer.unwrap_or(d.description),
                other => other.summary(),
            })
            .map_err(|e| format!("The model answered, but: {e}")),
        Err(e) => Err(plain_words(&e)),
    };
    Ok(VisionCheck {
        outcome,
        latency_ms: started.elapsed().as_millis() as u64,
        model: settings.model,
    })
}

/// A provider error as an admin can act on it, with the vision-specific cases first.
fn plain_words(e: &AiError) -> String {
    match e {
        AiError::Http {
            status: 400,
            message,
        } => format!(
            "The provider refused the image request (400): the model may not support images, or the server limits images per request. It said: {message}"
        ),
        AiError::Http {
            status: status @ (401 | 403),
            ..
        } => {
            format!(
                "The provider refused the API key ({status}): check that it is correct and active."
            )
        }
        AiError::Http {
            status: 404,
            message,
        } => format!("The provider does not know this model or URL (404). It said: {message}"),
        AiError::Http { status, message } => format!("The provider answered {status}: {message}"),
        AiError::RateLimited { .. } => {
            "The provider is rate limiting this key; try again in a minute.".into()
        }
        AiError::Timeout(d) => format!("The model did not answer within {} s.", d.as_secs()),
        AiError::Network(detail) => format!("Could not reach the provider: {detail}"),
        other => other.to_string(),
    }
}
