//! `/api/v1/privacy`: a visitor's export and erasure, and the workspace's retention.
//! Managers only (owners and admins); every action is audited without the email.

use super::shared::rfc3339;
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use parley_engine::privacy;
use parley_store::repo::privacy::PrivacyRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(erase))
        .routes(routes!(list_requests))
        .routes(routes!(get_request))
        .routes(routes!(get_settings, put_settings))
}

#[derive(Deserialize, ToSchema)]
pub struct EmailRequest {
    /// The visitor's email: the one the host page proved, or the one they typed in chat.
    email: String,
}

/// Everything stored about one visitor, as a ZIP: `manifest.json`, `visitor.json`,
/// `conversations/<id>.json` (messages with insight, tags, notes, image analyses),
/// `executions.json` (workflow runs with their steps) and `images/`. Built in the request:
/// one visitor's data is small, and no copy of it is kept on the server.
#[utoipa::path(post, path = "/api/v1/privacy/export", tag = "privacy", request_body = EmailRequest,
    responses(
        (status = 200, content_type = "application/zip", body = Vec<u8>),
        (status = 403, body = ErrorBody),
        (status = 404, description = "No visitor with this email", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<EmailRequest>,
) -> ApiResult<impl IntoResponse> {
    let export = privacy::export(&state.store, &caller.actor, &body.email).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        export.bytes,
    ))
}

/// An erasure request and how far it got.
#[derive(Serialize, ToSchema)]
pub struct ErasureView {
    id: Uuid,
    /// `queued`, `running`, `done` or `failed`.
    status: String,
    /// Identifies the email without holding it (SHA-256, bound to the workspace).
    email_hash: String,
    conversations_total: i32,
    conversations_done: i32,
    #[schema(required)]
    error: Option<String>,
    created_at: String,
    #[schema(required)]
    finished_at: Option<String>,
}

fn view(r: PrivacyRequest) -> ErasureView {
    ErasureView {
        id: r.id,
        status: r.status,
        email_hash: r.email_hash,
        conversations_total: r.conversations_total,
        conversations_done: r.conversations_done,
        error: r.error,
        created_at: rfc3339(r.created_at),
        finished_at: r.finished_at.map(rfc3339),
    }
}

/// Erases everything about one visitor: conversations, messages, insight, notes, images,
/// contact rows, the events and workflow executions about them, and their analytics
/// counts; their widget sessions stop working. Runs as a job: follow it with
/// `GET /api/v1/privacy/erasures/{id}`.
#[utoipa::path(post, path = "/api/v1/privacy/erase", tag = "privacy", request_body = EmailRequest,
    responses(
        (status = 202, body = ErasureView),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn erase(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<EmailRequest>,
) -> ApiResult<impl IntoResponse> {
    let request = privacy::request_erasure(&state.store, &caller.actor, &body.email).await?;
    state.jobs_wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(view(request))))
}

#[derive(Serialize, ToSchema)]
pub struct ErasureList {
    items: Vec<ErasureView>,
}

/// The workspace's latest erasure requests, newest first.
#[utoipa::path(get, path = "/api/v1/privacy/erasures", tag = "privacy", responses(
    (status = 200, body = ErasureList), (status = 403, body = ErrorBody),
))]
async fn list_requests(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<ErasureList>> {
    let items = privacy::requests(&state.store, &caller.actor)
        .await?
        .into_iter()
        .map(view)
        .collect();
    Ok(Json(ErasureList { items }))
}

/// One erasure request.
#[utoipa::path(get, path = "/api/v1/privacy/erasures/{id}", tag = "privacy",
    params(("id" = Uuid, Path)), responses(
        (status = 200, body = ErasureView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
async fn get_request(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ErasureView>> {
    let request = privacy::request(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(view(request)))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PrivacySettings {
    /// Conversations with no message for this many days are deleted (with everything
    /// about them) by a daily job; null keeps everything. 1 to 3650.
    #[schema(required, minimum = 1, maximum = 3650)]
    retention_days: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/privacy/settings", tag = "privacy", responses(
    (status = 200, body = PrivacySettings), (status = 403, body = ErrorBody),
))]
async fn get_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<PrivacySettings>> {
    let retention_days = privacy::retention(&state.store, &caller.actor).await?;
    Ok(Json(PrivacySettings { retention_days }))
}

#[utoipa::path(put, path = "/api/v1/privacy/settings", tag = "privacy", request_body = PrivacySettings,
    responses(
        (status = 200, body = PrivacySettings), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn put_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<PrivacySettings>,
) -> ApiResult<Json<PrivacySettings>> {
    let retention_days =
        privacy::set_retention(&state.store, &caller.actor, body.retention_days).await?;
    Ok(Json(PrivacySettings { retention_days }))
}
