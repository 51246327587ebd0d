//! `/api/v1/agents` (the workspace's agents with their presence), `/api/v1/presence` (an
//! open dashboard's heartbeat) and `/api/v1/canned-replies`.

use super::shared::{rfc3339, vocabulary};
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_engine::{canned_replies, inbox};
use parley_store::repo::canned_replies::CannedReply;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agents))
        .routes(routes!(report_presence))
        .routes(routes!(list_canned, create_canned))
        .routes(routes!(update_canned, delete_canned))
}

vocabulary!(
    /// Whether an agent's dashboard is open and visible (`online`), open but hidden
    /// (`away`), or closed for 90 s (`offline`).
    Presence { Online, Away, Offline }
);

#[derive(Serialize, ToSchema)]
pub struct AgentView {
    id: Uuid,
    name: String,
    email: String,
    /// `owner`, `admin` or `agent`.
    role: String,
    #[schema(value_type = Presence)]
    presence: &'static str,
}

/// The workspace's members with their presence, by name.
#[utoipa::path(get, path = "/api/v1/agents", tag = "team", responses((status = 200, body = Vec<AgentView>)))]
async fn list_agents(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<Vec<AgentView>>> {
    let agents = inbox::agents(&state.store, &caller.actor).await?;
    Ok(Json(
        agents
            .into_iter()
            .map(|a| AgentView {
                id: a.id,
                name: a.name,
                email: a.email,
                role: a.role,
                presence: a.presence,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceReport {
    /// `online` while the dashboard is visible, `away` while hidden.
    #[schema(value_type = Presence)]
    status: String,
}

/// The dashboard is open: sent on load, every 30 s, and when it is hidden or shown.
#[utoipa::path(post, path = "/api/v1/presence", tag = "team", request_body = PresenceReport, responses(
    (status = 204), (status = 422, body = ErrorBody),
))]
async fn report_presence(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<PresenceReport>,
) -> ApiResult<StatusCode> {
    inbox::report_presence(&state.store, &caller.actor, &body.status).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct CannedReplyView {
    id: Uuid,
    /// Typed after `/` in the reply box.
    shortcut: String,
    /// May hold `{{visitor.name}}`, `{{visitor.email}}` and `{{agent.name}}`, filled in
    /// by the dashboard.
    body: String,
    created_at: String,
}

fn canned_view(c: CannedReply) -> CannedReplyView {
    CannedReplyView {
        id: c.id,
        shortcut: c.shortcut,
        body: c.body,
        created_at: rfc3339(c.created_at),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyInput {
    /// 1 to 32 letters, digits, `-` or `_`; unique in the workspace.
    #[schema(min_length = 1, max_length = 32)]
    shortcut: String,
    #[schema(min_length = 1, max_length = 2000)]
    body: String,
}

#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "team", responses((status = 200, body = Vec<CannedReplyView>)))]
async fn list_canned(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<Vec<CannedReplyView>>> {
    let list = canned_replies::list(&state.store, &caller.actor).await?;
    Ok(Json(list.into_iter().map(canned_view).collect()))
}

#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "team", request_body = CannedReplyInput, responses(
    (status = 201, body = CannedReplyView), (status = 403, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "the shortcut is taken"), (status = 422, body = ErrorBody),
))]
async fn create_canned(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CannedReplyInput>,
) -> ApiResult<(StatusCode, Json<CannedReplyView>)> {
    let c = canned_replies::create(&state.store, &caller.actor, &body.shortcut, &body.body).await?;
    Ok((StatusCode::CREATED, Json(canned_view(c))))
}

#[utoipa::path(put, path = "/api/v1/canned-replies/{id}", tag = "team", params(("id" = Uuid, Path)), request_body = CannedReplyInput, responses(
    (status = 200, body = CannedReplyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 409, body = ErrorBody, description = "the shortcut is taken"), (status = 422, body = ErrorBody),
))]
async fn update_canned(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CannedReplyInput>,
) -> ApiResult<Json<CannedReplyView>> {
    let id = parse_id(&id)?;
    let c =
        canned_replies::update(&state.store, &caller.actor, id, &body.shortcut, &body.body).await?;
    Ok(Json(canned_view(c)))
}

#[utoipa::path(delete, path = "/api/v1/canned-replies/{id}", tag = "team", params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn delete_canned(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    canned_replies::delete(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
