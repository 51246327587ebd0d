//! `POST /api/v1/events`: events from other systems, for workflows with an
//! `external:<name>` trigger.

use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use parley_engine::workflows;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_event))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPost {
    /// 1-64 letters, digits, `_`, `.` or `-`; triggers `external:<name>`.
    #[schema(min_length = 1, max_length = 64)]
    name: String,
    /// Any JSON object; `conversation_id` ties the event to a conversation (the context
    /// then has its conversation, visitor and lead).
    #[serde(default)]
    #[schema(value_type = Object)]
    payload: Value,
}

#[derive(Serialize, ToSchema)]
pub struct EventAccepted {
    id: Uuid,
    /// The stored event name, `external:<name>`.
    name: String,
}

/// Records an event; active workflows triggered by `external:<name>` start shortly after.
#[utoipa::path(post, path = "/api/v1/events", tag = "workflows", request_body = EventPost, responses(
    (status = 202, body = EventAccepted), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn post_event(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<EventPost>,
) -> ApiResult<(StatusCode, Json<EventAccepted>)> {
    let (id, name) =
        workflows::post_event(&state.store, &caller.actor, &body.name, body.payload).await?;
    Ok((StatusCode::ACCEPTED, Json(EventAccepted { id, name })))
}
