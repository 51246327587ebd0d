//! The `image.analyze` job: normalise the image off the async threads, ask the bot's vision
//! model when its settings say it sees images (else the offline analyzers), record the
//! result, write `image.analyzed`, and tell the visitor what was seen.

use super::reply::{bot_text, event_payload};
use super::{ANALYZED_EVENT, Payload};
use crate::live::publish_message;
use crate::services::Services;
use crate::worker::{JobError, JobHandler};
use async_trait::async_trait;
use parley_domain::bot::ModelSettings;
use parley_store::StoreError;
use parley_store::jobs::ClaimedJob;
use parley_store::repo::bots::{self, Bot};
use parley_store::repo::conversations::{self as convs, NewMessage};
use parley_store::repo::image_analyses::{
    self as analyses, DONE, FAILED, Finished, ImageAnalysis, QUEUED, UNAVAILABLE,
};
use parley_store::repo::{images, outbox};
use parley_vision::offline::{OfflineAnalyzer, OfflineError, OfflineOutcome};
use parley_vision::openai::{VisionRequest, build_request, parse_response};
use parley_vision::{Analysis, Kind, NormalizeOptions, Normalized, Task, normalize};
use serde_json::json;
use std::time::Instant;

/// Runs `image.analyze` jobs.
#[derive(Clone)]
pub struct AnalyzeHandler {
    pub services: Services,
    pub offline: OfflineAnalyzer,
}

impl AnalyzeHandler {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            offline: OfflineAnalyzer::default(),
        }
    }
}

/// How an analysis ended, before it is recorded.
pub(super) struct Ended {
    pub(super) finished: Finished,
    pub(super) analysis: Option<Analysis>,
    /// What the visitor is told (nothing when the deployment lacks a capability: that is
    /// the admin's to fix, and the visitor's photo is still there for a person).
    visitor_text: Option<String>,
}

impl Ended {
    pub(super) fn failed(status: &str, error: String, visitor_text: Option<String>) -> Ended {
        Ended {
            finished: Finished {
                status: status.to_string(),
                error: Some(error),
                ..Default::default()
            },
            analysis: None,
            visitor_text,
        }
    }
}

#[async_trait]
impl JobHandler for AnalyzeHandler {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let p: Payload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad image.analyze payload: {e}")))?;
        let db = self.services.store.db();
        let row = match analyses::get(db, p.workspace_id, p.analysis_id).await {
            Err(StoreError::NotFound) => return Ok(()), // erased with its conversation
            row => row?,
        };
        if row.status != QUEUED {
            return Ok(()); // recorded by an attempt whose worker died before completing
        }
        let last_attempt = job.attempts >= job.max_attempts;
        let ended = match self.analyze(&row, last_attempt).await {
            Ok(ended) => ended,
            Err(JobError::Retry(e)) if last_attempt => Ended::failed(FAILED, e, None),
            Err(e) => return Err(e),
        };
        self.record(&row, &p, ended).await
    }

    async fn abandoned(&self, job: &ClaimedJob, reason: &str) -> Result<(), JobError> {
        let Ok(p) = serde_json::from_value::<Payload>(job.payload.clone()) else {
            return Ok(());
        };
        let db = self.services.store.db();
        if let Ok(row) = analyses::get(db, p.workspace_id, p.analysis_id).await
            && row.status == QUEUED
        {
            let ended = Ended::failed(FAILED, format!("analysis stopped: {reason}"), None);
            self.record(&row, &p, ended).await?;
        }
        Ok(())
    }
}

impl AnalyzeHandler {
    async fn analyze(&self, row: &ImageAnalysis, last_attempt: bool) -> Result<Ended, JobError> {
        let db = self.services.store.db();
        let kind = Kind::parse(&row.kind)
            .ok_or_else(|| JobError::Permanent(format!("unknown kind {}", row.kind)))?;
        let task = task_of(kind);
        let bot = match row.conversation_id {
            Some(id) => {
                let conv = convs::get(db, row.workspace_id, id).await?;
                Some(bots::get(db, row.workspace_id, conv.bot_id).await?)
            }
            None => None,
        };
        let (_, bytes) = images::get(db, row.image_id).await?;
        self.run_task(bot.as_ref(), &task, bytes, last_attempt)
            .await
    }

    /// Normalises `bytes` and answers `task` with `bot`'s vision model when its settings
    /// say it sees images, else with the offline analyzers. Shared by the job and by
    /// `POST /api/v1/vision/analyze` (which passes `last_attempt`: it has no job to retry).
    pub(super) async fn run_task(
        &self,
        bot: Option<&Bot>,
        task: &Task,
        bytes: Vec<u8>,
        last_attempt: bool,
    ) -> Result<Ended, JobError> {
        let model = bot.and_then(|b| b.model.clone().filter(|m| m.vision));
        let (analyzer, uses_model, blocking_task) =
            (self.offline.clone(), model.is_some(), task.clone());
        // Decoding and OCR are CPU work (and a subprocess): off the async threads.
        let prepared = tokio::task::spawn_blocking(move || {
            let normalized = normalize(&bytes, &NormalizeOptions::default())?;
            // With a model, only what helps it: the OCR text of an invoice, and the photo
            // gate of a condition (a poor photo is sent back without spending a call).
            let offline = match (uses_model, blocking_task.kind()) {
                (false, _) | (true, Kind::Invoice | Kind::Condition) => {
                    Some(analyzer.analyze(&blocking_task, &normalized))
                }
                _ => None,
            };
            Ok::<_, parley_vision::NormalizeError>((normalized, offline))
        })
        .await
        .map_err(|e| JobError::Retry(format!("image analysis task failed: {e}")))?;
        let (normalized, offline) = match prepared {
            Ok(p) => p,
            // A file we cannot read is the visitor's to replace (HEIC, cut off, too big).
            Err(e) => return Ok(Ended::failed(FAILED, e.to_string(), Some(e.to_string()))),
        };
        let normalize_ms = Some(normalized.elapsed.as_millis() as i32);
        let mut ended = match (model, bot) {
            (Some(settings), Some(bot)) => {
                self.with_model(bot, &settings, task, &normalized, offline, last_attempt)
                    .await?
            }
            _ => offline_ended(offline.expect("offline runs without a model")),
        };
        ended.finished.normalize_ms = normalize_ms;
        Ok(ended)
    }

    /// Asks the bot's vision model, with the OCR text for an invoice; a condition photo
    /// that fails the quality gate is answered by the gate alone.
    async fn with_model(
        &self,
        bot: &Bot,
        settings: &ModelSettings,
        task: &Task,
        image: &Normalized,
        offline: Option<Result<OfflineOutcome, OfflineError>>,
        last_attempt: bool,
    ) -> Result<Ended, JobError> {
        let mut ocr_text = None;
        match offline {
            Some(Ok(o)) if matches!(&o.analysis, Analysis::Condition(c) if !c.quality_issues.is_empty()) =>
            {
                return Ok(offline_ended(Ok(o)));
            }
            Some(Ok(o)) => ocr_text = o.ocr_text,
            _ => {}
        }
        let request = VisionRequest {
            model: &settings.model,
            task,
            image: image.part(),
            ocr_text: ocr_text.as_deref(),
            max_tokens: settings.max_tokens.max(1024),
        };
        let body = build_request(&request).map_err(|e| JobError::Permanent(e.to_string()))?;
        let started = Instant::now();
        let endpoint = self.services.endpoint(bot, settings);
        let answer = match self.services.ai.chat_json(&endpoint, &body).await {
            Ok(bytes) => parse_response(task, &bytes).map_err(|e| (e.retryable(), e.to_string())),
            Err(e) => Err((true, e.to_string())),
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err((true, e)) if !last_attempt => return Err(JobError::Retry(e)),
            Err((_, e)) => return Ok(Ended::failed(FAILED, e, None)),
        };
        let usage = answer.usage;
        Ok(Ended {
            visitor_text: Some(bot_text(&answer.analysis)),
            finished: Finished {
                status: DONE.into(),
                method: Some("model".into()),
                provider: Some(answer.model.unwrap_or_else(|| settings.model.clone())),
                result: Some(json!(answer.analysis)),
                summary: Some(answer.analysis.summary()),
                analyze_ms: Some(started.elapsed().as_millis() as i32),
                prompt_tokens: usage.map(|u| u.prompt_tokens.min(i32::MAX as u64) as i32),
                completion_tokens: usage.map(|u| u.completion_tokens.min(i32::MAX as u64) as i32),
                ..Default::default()
            },
            analysis: Some(answer.analysis),
        })
    }

    /// Stores the result, `image.analyzed` and the bot's message in one transaction, then
    /// publishes the message live.
    async fn record(&self, row: &ImageAnalysis, p: &Payload, ended: Ended) -> Result<(), JobError> {
        let (store, ws) = (&self.services.store, row.workspace_id);
        let tx = store.begin().await?;
        let status = ended.finished.status.clone();
        let stored = analyses::finish(&tx, ws, row.id, ended.finished).await?;
        let conv = match row.conversation_id {
            Some(id) => Some(convs::get(&tx, ws, id).await?),
            None => None,
        };
        let base = json!({
            "conversation_id": row.conversation_id,
            "bot_id": conv.as_ref().map(|c| c.bot_id),
            "message_id": row.message_id,
            "image_id": row.image_id,
            "analysis_id": row.id,
            "kind": row.kind,
            "kind_source": row.kind_source,
            "status": status,
            "method": stored.method,
            "summary": stored.summary,
            "error": stored.error,
        });
        let payload = event_payload(base, ended.analysis.as_ref(), p.intent.as_deref());
        outbox::append(&tx, ws, ANALYZED_EVENT, payload).await?;
        let mut message = None;
        if let (Some(conv), Some(text), true) = (&conv, ended.visitor_text, p.reply) {
            let note = json!([{"kind": "analysis", "analysis": {
                "id": row.id, "image_id": row.image_id, "kind": row.kind,
                "status": status, "summary": stored.summary,
            }}]);
            let new = NewMessage {
                role: "bot".into(),
                body: text,
                attachments: Some(note),
                latency_ms: Some(
                    (parley_store::now_ms() - row.created_at).clamp(0, i32::MAX as i64) as i32,
                ),
                ..Default::default()
            };
            message = Some(convs::append_message(&tx, conv, new).await?);
        }
        tx.commit()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        if let (Some(conv), Some(message)) = (&conv, &message) {
            publish_message(&self.services.hub, conv, message);
        }
        super::publish_analysis(&self.services.hub, &stored);
        metrics::counter!("parley_image_analyses_total", "kind" => row.kind.clone(), "status" => status.clone())
            .increment(1);
        tracing::info!(analysis = %row.id, kind = %row.kind, %status, "image analysed");
        Ok(())
    }
}

/// The task for a stored kind (no count target or free question: the job has neither).
pub(super) fn task_of(kind: Kind) -> Task {
    match kind {
        Kind::Condition => Task::Condition,
        Kind::Invoice => Task::Invoice,
        Kind::Count => Task::Count { what: None },
        Kind::Describe => Task::Describe { question: None },
    }
}

/// The offline analyzers' outcome as a recorded ending: a result, or `unavailable` with
/// what to install (never a made-up result).
fn offline_ended(outcome: Result<OfflineOutcome, OfflineError>) -> Ended {
    match outcome {
        Ok(o) => Ended {
            visitor_text: Some(bot_text(&o.analysis)),
            finished: Finished {
                status: DONE.into(),
                method: Some("offline".into()),
                provider: Some(o.method.as_str().into()),
                result: Some(json!(o.analysis)),
                summary: Some(o.analysis.summary()),
                analyze_ms: Some(o.elapsed.as_millis() as i32),
                ..Default::default()
            },
            analysis: Some(o.analysis),
        },
        Err(OfflineError::NotAvailable(why)) => Ended::failed(UNAVAILABLE, why, None),
        Err(e) => Ended::failed(FAILED, e.to_string(), None),
    }
}
