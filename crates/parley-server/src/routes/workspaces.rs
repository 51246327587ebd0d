//! `/api/v1/workspaces`: the caller's workspaces, switching, creating, settings.

use super::auth::Me;
use crate::caller::{Caller, SessionCookie};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_domain::Role;
use parley_engine::workspaces::{self, SettingsUpdate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workspaces, create_workspace))
        .routes(routes!(switch_workspace))
        .routes(routes!(get_settings, update_settings))
}

/// A workspace the caller belongs to.
#[derive(Serialize, ToSchema)]
pub struct WorkspaceEntry {
    id: Uuid,
    name: String,
    role: Role,
    /// The workspace this session acts in.
    current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceList {
    items: Vec<WorkspaceEntry>,
    /// Whether the caller may create a workspace (an owner, when the instance allows it).
    can_create: bool,
}

#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces", responses(
    (status = 200, body = WorkspaceList), (status = 401, body = ErrorBody),
))]
async fn list_workspaces(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<WorkspaceList>> {
    let list = workspaces::list(&state.store, &caller.actor).await?;
    Ok(Json(WorkspaceList {
        items: list
            .into_iter()
            .map(|(w, role)| WorkspaceEntry {
                current: w.id == caller.actor.workspace_id,
                id: w.id,
                name: w.name,
                role,
            })
            .collect(),
        can_create: state.config.allow_workspace_creation
            && caller.actor.role == Role::Owner
            && caller.actor.token_id.is_none(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceCreate {
    name: String,
}

/// Creates a workspace owned by the caller (owners, when `PARLEY_ALLOW_WORKSPACE_CREATION`
/// is on). The session stays where it is; switch to the new one to work there.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", request_body = WorkspaceCreate, responses(
    (status = 201, body = WorkspaceEntry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn create_workspace(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<WorkspaceCreate>,
) -> ApiResult<(StatusCode, Json<WorkspaceEntry>)> {
    let w = workspaces::create(
        &state.store,
        &caller.actor,
        state.config.allow_workspace_creation,
        &body.name,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(WorkspaceEntry {
            id: w.id,
            name: w.name,
            role: Role::Owner,
            current: false,
        }),
    ))
}

/// Moves this session to another workspace the caller belongs to; returns who they are there.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/switch", tag = "workspaces", params(("id" = Uuid, Path)), responses(
    (status = 200, body = Me), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn switch_workspace(
    State(state): State<AppState>,
    Caller(caller): Caller,
    SessionCookie(cookie): SessionCookie,
    Path(id): Path<String>,
) -> ApiResult<Json<Me>> {
    let (workspace, role) = workspaces::switch(
        &state.store,
        &caller.actor,
        cookie.as_deref(),
        parse_id(&id)?,
    )
    .await?;
    let mut me = state.auth.me(&caller).await?;
    me.workspace = workspace;
    me.role = role;
    Ok(Json(me.into()))
}

/// The current workspace's settings.
#[derive(Serialize, ToSchema)]
pub struct WorkspaceSettings {
    id: Uuid,
    name: String,
    /// IANA time zone analytics days are counted in; null: UTC.
    #[schema(required)]
    time_zone: Option<String>,
    /// Default language of bots (BCP 47, e.g. `en`, `pt-BR`); null: not set.
    #[schema(required)]
    bot_language: Option<String>,
}

impl From<parley_store::repo::accounts::Workspace> for WorkspaceSettings {
    fn from(w: parley_store::repo::accounts::Workspace) -> Self {
        WorkspaceSettings {
            id: w.id,
            name: w.name,
            time_zone: w.time_zone,
            bot_language: w.bot_language,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/workspace", tag = "workspaces", responses(
    (status = 200, body = WorkspaceSettings), (status = 401, body = ErrorBody),
))]
async fn get_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<WorkspaceSettings>> {
    Ok(Json(
        workspaces::get(&state.store, &caller.actor).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettingsUpdate {
    name: String,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    bot_language: Option<String>,
}

/// Saves the workspace's name, time zone and default bot language (owners and admins).
#[utoipa::path(put, path = "/api/v1/workspace", tag = "workspaces", request_body = WorkspaceSettingsUpdate, responses(
    (status = 200, body = WorkspaceSettings), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn update_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<WorkspaceSettingsUpdate>,
) -> ApiResult<Json<WorkspaceSettings>> {
    let saved = workspaces::update(
        &state.store,
        &caller.actor,
        SettingsUpdate {
            name: body.name,
            time_zone: body.time_zone,
            bot_language: body.bot_language,
        },
    )
    .await?;
    Ok(Json(saved.into()))
}
