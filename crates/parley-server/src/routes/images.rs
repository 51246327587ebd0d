//! What was read from visitors' images: a conversation's analyses with their full results,
//! an agent's re-run with another kind, and an agent's correction of a result.

use crate::caller::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::images::AnalysisNote;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_engine::vision::{self, Kind};
use parley_store::repo::image_analyses::ImageAnalysis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(conversation_images))
        .routes(routes!(analyze_image))
        .routes(routes!(correct_analysis))
}

/// One analysis of an image.
#[derive(Serialize, ToSchema)]
pub struct ImageAnalysisView {
    id: Uuid,
    image_id: Uuid,
    #[schema(required)]
    message_id: Option<Uuid>,
    /// `condition`, `invoice`, `count` or `describe`.
    kind: String,
    /// Why this kind: `purpose` (the visitor chose), `intent`, `default` or `agent`.
    kind_source: String,
    /// `queued`, `done`, `failed` or `unavailable` (this server cannot do the kind; `error`
    /// says what to install or set up).
    status: String,
    /// `offline` or `model`.
    #[schema(required)]
    method: Option<String>,
    /// The model's name, or the offline method (`tesseract`, `classical`, `quality_gate`).
    #[schema(required)]
    provider: Option<String>,
    /// The typed result, tagged by kind (`{"kind": "invoice", "total": 58.85, ...}`).
    #[schema(required, value_type = Option<Object>)]
    result: Option<serde_json::Value>,
    #[schema(required)]
    summary: Option<String>,
    #[schema(required)]
    error: Option<String>,
    #[schema(required)]
    normalize_ms: Option<i32>,
    #[schema(required)]
    analyze_ms: Option<i32>,
    created_at: String,
    #[schema(required)]
    finished_at: Option<String>,
    /// Tokens the model used (a model analysis).
    #[schema(required)]
    prompt_tokens: Option<i32>,
    #[schema(required)]
    completion_tokens: Option<i32>,
    /// An agent's correction, stored beside `result` (which stays what was read).
    #[schema(required)]
    correction: Option<CorrectionView>,
}

/// An agent's correction of an analysis.
#[derive(Serialize, ToSchema)]
pub struct CorrectionView {
    /// The corrected typed result, checked like a model's answer.
    #[schema(value_type = Object)]
    result: serde_json::Value,
    summary: String,
    /// The agent's name when they corrected it.
    by: String,
    #[schema(required)]
    by_id: Option<Uuid>,
    at: String,
    #[schema(required)]
    note: Option<String>,
}

pub(crate) fn view(a: ImageAnalysis) -> ImageAnalysisView {
    let correction = match (a.corrected_result, a.corrected_at) {
        (Some(result), Some(at)) => Some(CorrectionView {
            result,
            summary: a.corrected_summary.unwrap_or_default(),
            by: a.corrected_by_name.unwrap_or_default(),
            by_id: a.corrected_by,
            at: super::shared::rfc3339(at),
            note: a.correction_note,
        }),
        _ => None,
    };
    ImageAnalysisView {
        id: a.id,
        image_id: a.image_id,
        message_id: a.message_id,
        kind: a.kind,
        kind_source: a.kind_source,
        status: a.status,
        method: a.method,
        provider: a.provider,
        result: a.result,
        summary: a.summary,
        error: a.error,
        normalize_ms: a.normalize_ms,
        analyze_ms: a.analyze_ms,
        created_at: super::shared::rfc3339(a.created_at),
        finished_at: a.finished_at.map(super::shared::rfc3339),
        prompt_tokens: a.prompt_tokens,
        completion_tokens: a.completion_tokens,
        correction,
    }
}

/// The short form shown under an image.
pub fn note(a: &ImageAnalysis) -> AnalysisNote {
    AnalysisNote {
        id: a.id,
        image_id: a.image_id,
        kind: a.kind.clone(),
        status: a.status.clone(),
        summary: a.corrected_summary.clone().or_else(|| a.summary.clone()),
        corrected_by: a.corrected_by_name.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImageAnalysisList {
    /// Oldest first; an image analysed again has a row per run.
    items: Vec<ImageAnalysisView>,
}

/// The analyses of a conversation's images, with their full results.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/images", tag = "inbox", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ImageAnalysisList), (status = 404, body = ErrorBody),
))]
async fn conversation_images(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ImageAnalysisList>> {
    let list = vision::for_conversation(&state.services, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(ImageAnalysisList {
        items: list.into_iter().map(view).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeRequest {
    /// `condition`, `invoice`, `count` or `describe`.
    kind: String,
}

/// Analyses a visitor's image again with the chosen kind (managers). Queued as a job: the
/// answer is the queued analysis; `image.analyzed` follows when it ends, and
/// `GET /api/v1/conversations/{id}/images` shows the result. The visitor is not messaged.
#[utoipa::path(post, path = "/api/v1/images/{id}/analyze", tag = "inbox", params(("id" = Uuid, Path)),
    request_body = AnalyzeRequest,
    responses(
        (status = 202, body = ImageAnalysisView), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
)]
async fn analyze_image(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnalyzeRequest>,
) -> ApiResult<(StatusCode, Json<ImageAnalysisView>)> {
    let kind = Kind::parse(body.kind.trim()).ok_or_else(|| {
        ApiError::invalid_field("kind", "must be condition, invoice, count or describe")
    })?;
    let queued = vision::reanalyze(&state.services, &caller.actor, parse_id(&id)?, kind).await?;
    state.jobs_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(view(queued))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The whole corrected result of the analysis's kind, as `result` has it
    /// (`{"verdict": "damaged", "damages": [...], "reasons": [...], "quality_issues": []}`);
    /// `kind` may be left out, `confidence` defaults to 1.
    #[schema(value_type = Object)]
    result: serde_json::Value,
    /// Why (optional, at most 1000 characters).
    #[serde(default)]
    note: Option<String>,
}

/// Corrects the newest finished analysis of an image (any member). The correction is
/// checked by the kind's rules (422 with the problems), stored beside the original result,
/// audited (`image_analysis.corrected`), and written as `image.analyzed` with
/// `corrected: true`, so workflows act on what the agent decided. The inbox updates live.
#[utoipa::path(put, path = "/api/v1/images/{id}/analysis", tag = "inbox", params(("id" = Uuid, Path)),
    request_body = CorrectionRequest,
    responses(
        (status = 200, body = ImageAnalysisView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    ),
)]
async fn correct_analysis(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CorrectionRequest>,
) -> ApiResult<Json<ImageAnalysisView>> {
    let input = vision::CorrectionInput {
        result: body.result,
        note: body.note,
    };
    let stored = vision::correct(&state.services, &caller.actor, parse_id(&id)?, input).await?;
    state.jobs_wake.notify_one();
    Ok(Json(view(stored)))
}
