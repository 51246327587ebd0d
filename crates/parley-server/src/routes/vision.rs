//! Image analysis on demand: `POST /api/v1/vision/analyze` (an image and a kind, or a free
//! question; the dashboard's "Try it" box and API users) and a bot's "Test vision" button.

use super::images::{ImageAnalysisView, view};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::parse_id;
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use parley_domain::image::MAX_IMAGE_BYTES;
use parley_domain::throttle::{Limit, Throttle};
use parley_engine::vision::{self, DirectUpload, Kind, Task};
use serde::Serialize;
use std::sync::{LazyLock, Mutex};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// Analyses a workspace may run on demand per minute (on this node). Each one is seconds
/// of CPU (OCR) or a paid model call, and the box is for trying, not for bulk work.
pub const PER_MINUTE: usize = 20;
/// Longest free question or count target.
const MAX_QUESTION_CHARS: usize = 500;

static THROTTLE: LazyLock<Mutex<Throttle>> = LazyLock::new(Mutex::default);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(analyze))
        .routes(routes!(test_vision))
        // The image plus a few small text parts.
        .layer(DefaultBodyLimit::max(MAX_IMAGE_BYTES + 64 * 1024))
}

/// Counts one analysis for the workspace, or refuses it with 429 and `Retry-After`.
fn admit(workspace: Uuid) -> ApiResult<()> {
    let key = format!("vision/{workspace}");
    let limit = Limit {
        max_events: PER_MINUTE,
        window_ms: 60_000,
    };
    let keys = [(key.as_str(), limit)];
    let mut throttle = THROTTLE.lock().expect("vision throttle lock");
    let now = parley_store::now_ms();
    if let Err(wait_ms) = throttle.check(&keys, now) {
        let secs = (wait_ms as u64).div_ceil(1000).max(1);
        return Err(ApiError {
            retry_after_secs: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "at most {PER_MINUTE} images a minute may be analysed on demand; try again in {secs} seconds"
                ),
            )
        });
    }
    throttle.record(&keys, now);
    Ok(())
}

/// What an on-demand analysis gave.
#[derive(Serialize, ToSchema)]
pub struct VisionAnalysis {
    /// The stored analysis (`kind_source` `api`), with the typed `result`, method, provider,
    /// timings and tokens.
    /// A count's boxes are in `result.boxes`, as fractions of the image, for drawing the
    /// overlay over the image the caller already has.
    analysis: ImageAnalysisView,
}

/// Analyses one image now and returns the typed result (managers; 20 a minute per
/// workspace). Multipart: an `image` file part, `kind` (`condition`, `invoice`, `count`,
/// `describe`; default `describe` when a `question` is given), optional `question` (for
/// describe), `what` (what to count) and `bot_id` (whose vision model to use; without it,
/// or when that model does not see images, the offline analyzers answer). Stored in
/// `image_analyses`; no conversation, no event.
#[utoipa::path(post, path = "/api/v1/vision/analyze", tag = "vision",
    request_body(content_type = "multipart/form-data", description = "an `image` file part; `kind`, `question`, `what`, `bot_id` text parts"),
    responses(
        (status = 200, body = VisionAnalysis), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody),
    ),
)]
async fn analyze(
    State(state): State<AppState>,
    Caller(caller): Caller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<Json<VisionAnalysis>> {
    caller.actor.require_manager().map_err(ApiError::from)?;
    let mut multipart = multipart.map_err(|e| ApiError::invalid_field("body", e.body_text()))?;
    let (mut image, mut kind, mut question, mut what, mut bot_id) = (None, None, None, None, None);
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "image" => image = Some(field.bytes().await.map_err(upload_error)?.to_vec()),
            "kind" => kind = Some(field.text().await.map_err(upload_error)?),
            "question" => question = Some(field.text().await.map_err(upload_error)?),
            "what" => what = Some(field.text().await.map_err(upload_error)?),
            "bot_id" => bot_id = Some(field.text().await.map_err(upload_error)?),
            _ => {}
        }
    }
    let bytes = image.filter(|b| !b.is_empty()).ok_or_else(|| {
        ApiError::invalid_field("image", "send the image as an `image` file part")
    })?;
    let clean = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let (question, what) = (clean(question), clean(what));
    for (field, text) in [("question", &question), ("what", &what)] {
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_QUESTION_CHARS)
        {
            return Err(unprocessable(
                field,
                format!("may have at most {MAX_QUESTION_CHARS} characters"),
            ));
        }
    }
    let kind = match clean(kind) {
        Some(k) => Kind::parse(&k).ok_or_else(|| {
            unprocessable("kind", "must be condition, invoice, count or describe")
        })?,
        None if question.is_some() => Kind::Describe,
        None => {
            return Err(unprocessable(
                "kind",
                "say what to look for: condition, invoice, count or describe (or ask a question)",
            ));
        }
    };
    let task = match kind {
        Kind::Condition => Task::Condition,
        Kind::Invoice => Task::Invoice,
        Kind::Count => Task::Count { what },
        Kind::Describe => Task::Describe { question },
    };
    let bot_id = clean(bot_id).map(|id| parse_id(&id)).transpose()?;
    admit(caller.actor.workspace_id)?;
    let upload = DirectUpload {
        bytes,
        task,
        bot_id,
    };
    let done = vision::analyze_upload(&state.services, &caller.actor, upload).await?;
    Ok(Json(VisionAnalysis {
        analysis: view(done.row),
    }))
}

/// 422 with one field's message, as the engine's validation errors are.
fn unprocessable(field: &str, message: impl Into<String>) -> ApiError {
    let mut errors = parley_domain::FieldErrors::new();
    errors.add(field, message);
    parley_engine::EngineError::Invalid(errors).into()
}

fn upload_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "an image may have at most {} MiB",
                MAX_IMAGE_BYTES / (1024 * 1024)
            ),
        )
    } else {
        ApiError::invalid_field("image", e.body_text())
    }
}

/// Whether a bot's vision model sees images.
#[derive(Serialize, ToSchema)]
pub struct VisionCheckView {
    /// The model saw the test image (a red square) and said so.
    ok: bool,
    /// The model's answer.
    #[schema(required)]
    reply: Option<String>,
    /// What went wrong, in plain words.
    #[schema(required)]
    error: Option<String>,
    /// The model tested ("" when the bot has none).
    model: String,
    latency_ms: u64,
}

/// Sends the bot's saved vision model a small test image (a red square) and asks its colour:
/// the "Test vision" button (managers; one real call, no retries).
#[utoipa::path(post, path = "/api/v1/bots/{id}/vision/test", tag = "vision", params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = VisionCheckView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
async fn test_vision(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<VisionCheckView>> {
    let check = vision::check_vision(&state.services, &caller.actor, parse_id(&id)?).await?;
    let (reply, error) = match check.outcome {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    Ok(Json(VisionCheckView {
        ok: error.is_none(),
        reply,
        error,
        model: check.model,
        latency_ms: check.latency_ms,
    }))
}
