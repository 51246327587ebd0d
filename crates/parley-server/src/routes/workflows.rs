//! `/api/v1/workflows` (builder, versions, activation, import/export, templates, dry run,
//! execution log) and `/api/v1/executions/{id}` (detail, resume, cancel).

use super::shared::parse_time;
use super::shared::{ExecutionStatus, StepStatus, WorkflowStatus, rfc3339};
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, page_limit, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_domain::workflow::{ActionSpec, BuiltinCatalog, DryRun};
use parley_engine::vault::Vault;
use parley_engine::workflows::{self, WorkflowDetail, WorkflowInput, console};
use parley_store::repo::executions::{Execution, ExecutionFilter, Step};
use parley_store::repo::workflows::{Workflow, WorkflowVersion};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workflows, create_workflow))
        .routes(routes!(all_executions))
        .routes(routes!(workflow_analytics))
        .routes(routes!(get_workflow, update_workflow, delete_workflow))
        .routes(routes!(activate))
        .routes(routes!(pause))
        .routes(routes!(list_versions))
        .routes(routes!(export_workflow))
        .routes(routes!(import_workflow))
        .routes(routes!(test_workflow))
        .routes(routes!(list_executions))
        .routes(routes!(list_templates))
        .routes(routes!(import_template))
        .routes(routes!(list_actions))
        .routes(routes!(get_execution))
        .routes(routes!(resume_execution))
        .routes(routes!(cancel_execution))
        .routes(routes!(resolve_execution))
}

/// A workflow as lists show it.
#[derive(Serialize, ToSchema)]
pub struct WorkflowSummary {
    id: Uuid,
    name: String,
    description: String,
    #[schema(value_type = WorkflowStatus)]
    status: String,
    /// The current version's number (the one that runs).
    version: i32,
    /// The current version's trigger event.
    trigger_event: String,
    created_at: String,
    updated_at: String,
}

fn summary(w: &Workflow) -> WorkflowSummary {
    WorkflowSummary {
        id: w.id,
        name: w.name.clone(),
        description: w.description.clone(),
        status: w.status.clone(),
        version: w.version,
        trigger_event: w.trigger_event.clone(),
        created_at: rfc3339(w.created_at),
        updated_at: rfc3339(w.updated_at),
    }
}

/// A workflow with its current version.
#[derive(Serialize, ToSchema)]
pub struct WorkflowView {
    #[serde(flatten)]
    workflow: WorkflowSummary,
    /// The React Flow graph of the current version.
    #[schema(value_type = Object)]
    graph: Value,
    /// The compiled XState statechart of the current version.
    #[schema(value_type = Object)]
    statechart: Value,
    /// Integrations the current version's actions need that are not connected: those
    /// steps fail with "connect ... first" until they are.
    missing_integrations: Vec<String>,
    /// Signs this workflow's webhooks (`X-Parley-Signature: sha256=<hex HMAC-SHA256>`);
    /// shown to managers only.
    #[schema(required)]
    signing_secret: Option<String>,
}

fn view(vault: &Vault, d: WorkflowDetail, manager: bool) -> WorkflowView {
    let signing_secret = manager
        .then(|| workflows::signing_secret(vault, &d.workflow))
        .flatten();
    let (graph, statechart) = d
        .version
        .map(|v| (v.graph, v.statechart))
        .unwrap_or((Value::Null, Value::Null));
    WorkflowView {
        workflow: summary(&d.workflow),
        graph,
        statechart,
        missing_integrations: d.missing_integrations,
        signing_secret,
    }
}

/// A workflow in the list, with its recent runs.
#[derive(Serialize, ToSchema)]
pub struct WorkflowListItem {
    #[serde(flatten)]
    workflow: WorkflowSummary,
    /// When its newest execution started; null if it never ran.
    #[schema(required)]
    last_run_at: Option<String>,
    /// Executions started in the last 7 days.
    runs_7d: u64,
    /// Of those, how many failed.
    failed_7d: u64,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowList {
    items: Vec<WorkflowListItem>,
}

#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", responses(
    (status = 200, body = WorkflowList), (status = 401, body = ErrorBody),
))]
async fn list_workflows(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<WorkflowList>> {
    let items = workflows::list(&state.store, &caller.actor).await?;
    let mut runs = console::run_summaries(&state.store, &caller.actor).await?;
    Ok(Json(WorkflowList {
        items: items
            .iter()
            .map(|w| {
                let r = runs.remove(&w.id).unwrap_or_default();
                WorkflowListItem {
                    workflow: summary(w),
                    last_run_at: r.last_run_at.map(rfc3339),
                    runs_7d: r.runs,
                    failed_7d: r.failed,
                }
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowCreate {
    #[schema(min_length = 1)]
    name: String,
    description: Option<String>,
    /// A React Flow graph (`{nodes, edges}`); see docs/workflows.md.
    #[schema(value_type = Object)]
    graph: Value,
}

/// Creates a draft workflow; its graph is compiled and stored as version 1. A graph that
/// does not compile is a 422 `invalid_workflow` listing every problem with its node or edge.
#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows", request_body = WorkflowCreate, responses(
    (status = 201, body = WorkflowView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn create_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<WorkflowCreate>,
) -> ApiResult<(StatusCode, Json<WorkflowView>)> {
    let input = WorkflowInput {
        name: Some(body.name),
        description: body.description,
        graph: Some(body.graph),
    };
    let d = workflows::create(&state.store, &state.services.vault, &caller.actor, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state.services.vault, d, true)),
    ))
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = WorkflowView), (status = 404, body = ErrorBody),
))]
async fn get_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkflowView>> {
    let d = workflows::get(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(view(
        &state.services.vault,
        d,
        caller.actor.role.can_manage(),
    )))
}

/// Fields to change; absent fields stay. A changed graph becomes a new version.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowUpdate {
    #[schema(min_length = 1)]
    name: Option<String>,
    description: Option<String>,
    #[schema(value_type = Option<Object>)]
    graph: Option<Value>,
}

/// Saves changes. A graph different from the current version's is compiled and stored as
/// the next version, which is the one new executions run; running executions keep theirs.
#[utoipa::path(patch, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = Uuid, Path)), request_body = WorkflowUpdate, responses(
    (status = 200, body = WorkflowView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn update_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WorkflowUpdate>,
) -> ApiResult<Json<WorkflowView>> {
    let input = WorkflowInput {
        name: body.name,
        description: body.description,
        graph: body.graph,
    };
    let d = workflows::update(&state.store, &caller.actor, parse_id(&id)?, input).await?;
    Ok(Json(view(&state.services.vault, d, true)))
}

/// Deletes the workflow with its versions and executions.
#[utoipa::path(delete, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn delete_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    workflows::delete(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts executions for matching events from now on.
#[utoipa::path(post, path = "/api/v1/workflows/{id}/activate", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = WorkflowView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn activate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkflowView>> {
    let d = workflows::set_status(&state.store, &caller.actor, parse_id(&id)?, "active").await?;
    Ok(Json(view(&state.services.vault, d, true)))
}

/// Stops starting executions; running ones finish.
#[utoipa::path(post, path = "/api/v1/workflows/{id}/pause", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = WorkflowView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn pause(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkflowView>> {
    let d = workflows::set_status(&state.store, &caller.actor, parse_id(&id)?, "paused").await?;
    Ok(Json(view(&state.services.vault, d, true)))
}

/// An immutable version.
#[derive(Serialize, ToSchema)]
pub struct VersionView {
    id: Uuid,
    version: i32,
    #[schema(value_type = Object)]
    graph: Value,
    #[schema(value_type = Object)]
    statechart: Value,
    integrations: Vec<String>,
    #[schema(required)]
    created_by: Option<Uuid>,
    created_at: String,
}

fn version_view(v: WorkflowVersion) -> VersionView {
    VersionView {
        integrations: serde_json::from_value(v.integrations).unwrap_or_default(),
        id: v.id,
        version: v.version,
        graph: v.graph,
        statechart: v.statechart,
        created_by: v.created_by,
        created_at: rfc3339(v.created_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionList {
    items: Vec<VersionView>,
}

/// Every version, newest first.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/versions", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = VersionList), (status = 404, body = ErrorBody),
))]
async fn list_versions(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<VersionList>> {
    let items = workflows::versions(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(VersionList {
        items: items.into_iter().map(version_view).collect(),
    }))
}

/// A portable workflow document (what export returns and import takes).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDocument {
    /// `parley.workflow/1`.
    format: Option<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[schema(value_type = Object)]
    graph: Value,
}

#[utoipa::path(get, path = "/api/v1/workflows/{id}/export", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = WorkflowDocument), (status = 404, body = ErrorBody),
))]
async fn export_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        workflows::export(&state.store, &caller.actor, parse_id(&id)?).await?,
    ))
}

/// Creates a draft workflow from an exported document.
#[utoipa::path(post, path = "/api/v1/workflows/import", tag = "workflows", request_body = WorkflowDocument, responses(
    (status = 201, body = WorkflowView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn import_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<WorkflowDocument>,
) -> ApiResult<(StatusCode, Json<WorkflowView>)> {
    let document = serde_json::to_value(&body).unwrap_or_default();
    let d = workflows::import(&state.store, &state.services.vault, &caller.actor, document).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state.services.vault, d, true)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEvent {
    /// `intent.detected`, `external:order_shipped`, ...
    name: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    payload: Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowTest {
    event: TestEvent,
    /// Replaces top-level keys of the context (`lead`, `visitor`, ...).
    #[schema(value_type = Option<Object>)]
    context: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowTestResult {
    /// Whether the event would start the workflow (name and trigger filter).
    trigger_matches: bool,
    /// The path from the trigger, each action's rendered input, every action succeeding.
    dry_run: DryRun,
    /// The context the expressions and templates saw.
    #[schema(value_type = Object)]
    context: Value,
}

/// Walks the current version for an imagined event and does nothing: no execution, no
/// action, no write.
#[utoipa::path(post, path = "/api/v1/workflows/{id}/test", tag = "workflows", params(("id" = Uuid, Path)), request_body = WorkflowTest, responses(
    (status = 200, body = WorkflowTestResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn test_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WorkflowTest>,
) -> ApiResult<Json<WorkflowTestResult>> {
    let payload = if body.event.payload.is_null() {
        serde_json::json!({})
    } else {
        body.event.payload
    };
    let run = workflows::test(
        &state.store,
        &caller.actor,
        parse_id(&id)?,
        &body.event.name,
        payload,
        body.context,
    )
    .await?;
    Ok(Json(WorkflowTestResult {
        trigger_matches: run.trigger_matches,
        dry_run: run.dry_run,
        context: run.context,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ExecutionView {
    id: Uuid,
    workflow_id: Uuid,
    workflow_version_id: Uuid,
    event_id: Uuid,
    event_name: String,
    #[schema(value_type = Object)]
    event_payload: Value,
    #[schema(required)]
    conversation_id: Option<Uuid>,
    #[schema(value_type = ExecutionStatus)]
    status: String,
    /// The state it is in or enters next.
    state: String,
    #[schema(required)]
    error: Option<String>,
    created_at: String,
    updated_at: String,
    #[schema(required)]
    finished_at: Option<String>,
}

fn execution_view(e: Execution) -> ExecutionView {
    ExecutionView {
        id: e.id,
        workflow_id: e.workflow_id,
        workflow_version_id: e.workflow_version_id,
        event_id: e.event_id,
        event_name: e.event_name,
        event_payload: e.event_payload,
        conversation_id: e.conversation_id,
        status: e.status,
        state: e.state,
        error: e.error,
        created_at: rfc3339(e.created_at),
        updated_at: rfc3339(e.updated_at),
        finished_at: e.finished_at.map(rfc3339),
    }
}

/// One node visit.
#[derive(Serialize, ToSchema)]
pub struct StepView {
    id: Uuid,
    /// Visit number, from 1.
    seq: i32,
    node_id: String,
    /// `trigger`, `condition`, `split`, `action`, `delay`, `end`, `failed` or `filtered`.
    node_type: String,
    #[schema(required)]
    action: Option<String>,
    #[schema(value_type = StepStatus)]
    status: String,
    attempt: i32,
    /// `true`/`false` for a condition or trigger filter, the branch id for a split.
    #[schema(required)]
    branch: Option<String>,
    #[schema(value_type = Option<Object>)]
    input: Option<Value>,
    #[schema(value_type = Option<Object>)]
    output: Option<Value>,
    #[schema(required)]
    error: Option<String>,
    /// Hex SHA-256 of (execution, node, visit): what the action deduplicates by.
    idempotency_key: String,
    /// When a waiting delay or a retry is due.
    #[schema(required)]
    run_after: Option<String>,
    started_at: String,
    #[schema(required)]
    finished_at: Option<String>,
}

fn step_view(s: Step) -> StepView {
    StepView {
        id: s.id,
        seq: s.seq,
        node_id: s.node_id,
        node_type: s.node_type,
        action: s.action,
        status: s.status,
        attempt: s.attempt,
        branch: s.branch,
        input: s.input,
        output: s.output,
        error: s.error,
        idempotency_key: s.idempotency_key,
        run_after: s.run_after.map(rfc3339),
        started_at: rfc3339(s.started_at),
        finished_at: s.finished_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExecutionList {
    items: Vec<ExecutionView>,
    /// Pass as `before` for the next page; null on the last page.
    #[schema(required)]
    next_before: Option<Uuid>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExecutionQuery {
    #[param(value_type = Option<ExecutionStatus>)]
    status: Option<String>,
    /// Started on or after (RFC 3339).
    from: Option<String>,
    /// Started on or before (RFC 3339).
    to: Option<String>,
    /// Page: executions older than this one, from `next_before`.
    before: Option<Uuid>,
    /// 1 to 200, default 50.
    limit: Option<u64>,
}

/// The workflow's executions, newest first.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/executions", tag = "workflows", params(("id" = Uuid, Path), ExecutionQuery), responses(
    (status = 200, body = ExecutionList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn list_executions(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ExecutionQuery>,
) -> ApiResult<Json<ExecutionList>> {
    let limit = page_limit(q.limit)?;
    let filter = ExecutionFilter {
        status: q.status,
        from: parse_time("from", q.from.as_deref())?,
        to: parse_time("to", q.to.as_deref())?,
        before: q.before,
        limit,
        ..Default::default()
    };
    let items = workflows::executions(&state.store, &caller.actor, parse_id(&id)?, filter).await?;
    let next_before = (items.len() as u64 == limit)
        .then(|| items.last().map(|e| e.id))
        .flatten();
    Ok(Json(ExecutionList {
        items: items.into_iter().map(execution_view).collect(),
        next_before,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    slug: String,
    name: String,
    description: String,
    /// Integrations its actions need.
    integrations: Vec<String>,
    #[schema(value_type = Object)]
    graph: Value,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateList {
    items: Vec<TemplateView>,
}

#[utoipa::path(get, path = "/api/v1/workflow-templates", tag = "workflows", responses(
    (status = 200, body = TemplateList),
))]
async fn list_templates(Caller(_caller): Caller) -> Json<TemplateList> {
    Json(TemplateList {
        items: workflows::templates()
            .into_iter()
            .map(|t| TemplateView {
                slug: t.slug.into(),
                name: t.name.into(),
                description: t.description.into(),
                integrations: t.integrations,
                graph: t.graph,
            })
            .collect(),
    })
}

/// Creates a draft workflow from a template.
#[utoipa::path(post, path = "/api/v1/workflow-templates/{slug}/import", tag = "workflows", params(("slug" = String, Path)), responses(
    (status = 201, body = WorkflowView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn import_template(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(slug): Path<String>,
) -> ApiResult<(StatusCode, Json<WorkflowView>)> {
    let d = workflows::import_template(&state.store, &state.services.vault, &caller.actor, &slug)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state.services.vault, d, true)),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ActionList {
    items: Vec<ActionSpec>,
}

/// The actions a workflow may use, with their parameters (the builder's palette).
#[utoipa::path(get, path = "/api/v1/workflow-actions", tag = "workflows", responses(
    (status = 200, body = ActionList),
))]
async fn list_actions(Caller(_caller): Caller) -> Json<ActionList> {
    Json(ActionList {
        items: BuiltinCatalog::specs(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct ExecutionDetail {
    execution: ExecutionView,
    steps: Vec<StepView>,
}

fn detail((e, steps): (Execution, Vec<Step>)) -> ExecutionDetail {
    ExecutionDetail {
        execution: execution_view(e),
        steps: steps.into_iter().map(step_view).collect(),
    }
}

/// An execution with every step.
#[utoipa::path(get, path = "/api/v1/executions/{id}", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ExecutionDetail), (status = 404, body = ErrorBody),
))]
async fn get_execution(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExecutionDetail>> {
    let found = workflows::execution(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(detail(found)))
}

/// Resumes a failed execution from its failed step (fresh attempts, same idempotency key).
#[utoipa::path(post, path = "/api/v1/executions/{id}/resume", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ExecutionDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
))]
async fn resume_execution(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExecutionDetail>> {
    let found = workflows::resume(&state.store, &state.hub, &caller.actor, parse_id(&id)?).await?;
    state.jobs_wake.notify_one();
    Ok(Json(detail(found)))
}

/// Cancels a running or waiting execution.
#[utoipa::path(post, path = "/api/v1/executions/{id}/cancel", tag = "workflows", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ExecutionDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
))]
async fn cancel_execution(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExecutionDetail>> {
    let found = workflows::cancel(&state.store, &state.hub, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(detail(found)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllExecutionsQuery {
    #[param(value_type = Option<ExecutionStatus>)]
    status: Option<String>,
    /// Only this workflow's.
    workflow_id: Option<Uuid>,
    /// Only those this conversation's events started.
    conversation_id: Option<Uuid>,
    /// Only those started by this event (`sentiment.negative`, `external:order.shipped`).
    event: Option<String>,
    /// Started on or after (RFC 3339).
    from: Option<String>,
    /// Started on or before (RFC 3339).
    to: Option<String>,
    /// Page: executions older than this one, from `next_before`.
    before: Option<Uuid>,
    /// 1 to 200, default 50.
    limit: Option<u64>,
}

/// Executions of every workflow, newest first: the execution console.
#[utoipa::path(get, path = "/api/v1/executions", tag = "workflows", params(AllExecutionsQuery), responses(
    (status = 200, body = ExecutionList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn all_executions(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<AllExecutionsQuery>,
) -> ApiResult<Json<ExecutionList>> {
    let limit = page_limit(q.limit)?;
    let filter = ExecutionFilter {
        status: q.status,
        from: parse_time("from", q.from.as_deref())?,
        to: parse_time("to", q.to.as_deref())?,
        before: q.before,
        limit,
        workflow_id: q.workflow_id,
        conversation_id: q.conversation_id,
        event_name: q.event.filter(|e| !e.trim().is_empty()),
    };
    let items = console::all_executions(&state.store, &caller.actor, filter).await?;
    let next_before = (items.len() as u64 == limit)
        .then(|| items.last().map(|e| e.id))
        .flatten();
    Ok(Json(ExecutionList {
        items: items.into_iter().map(execution_view).collect(),
        next_before,
    }))
}

/// One UTC day of a workflow's executions, by the day they started.
#[derive(Serialize, ToSchema)]
pub struct DayView {
    /// The day, `YYYY-MM-DD` (UTC).
    date: String,
    runs: u64,
    completed: u64,
    failed: u64,
    /// Median milliseconds from start to end of the day's completed and failed runs.
    #[schema(required)]
    median_ms: Option<i64>,
}

/// One branch of an A/B split: the runs that took it and how they came out.
#[derive(Serialize, ToSchema)]
pub struct BranchView {
    /// The split node.
    node_id: String,
    branch: String,
    runs: u64,
    completed: u64,
    failed: u64,
    /// Runs whose conversation is now resolved.
    resolved: u64,
    /// Runs whose conversation's lead stage is now `qualified` or `won`.
    qualified: u64,
    /// Runs whose conversation's sentiment is not negative now.
    recovered: u64,
}

#[derive(Serialize, ToSchema)]
pub struct AnalyticsView {
    /// Every day of the window, oldest first.
    days: Vec<DayView>,
    branches: Vec<BranchView>,
    /// False when the window held more executions than were counted (50,000).
    complete: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// 1 to 90, default 14: the window, ending today (UTC).
    days: Option<i64>,
}

/// A workflow's runs, completions, failures and median duration per day, and its A/B
/// split branches side by side.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/analytics", tag = "workflows", params(("id" = Uuid, Path), AnalyticsQuery), responses(
    (status = 200, body = AnalyticsView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn workflow_analytics(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AnalyticsQuery>,
) -> ApiResult<Json<AnalyticsView>> {
    let a = console::analytics(
        &state.store,
        &caller.actor,
        parse_id(&id)?,
        q.days.unwrap_or(14),
    )
    .await?;
    Ok(Json(AnalyticsView {
        days: a
            .days
            .into_iter()
            .map(|d| DayView {
                date: rfc3339(d.day).get(..10).unwrap_or_default().to_string(),
                runs: d.runs,
                completed: d.completed,
                failed: d.failed,
                median_ms: d.median_ms,
            })
            .collect(),
        branches: a
            .branches
            .into_iter()
            .map(|b| BranchView {
                node_id: b.node_id,
                branch: b.branch,
                runs: b.runs,
                completed: b.completed,
                failed: b.failed,
                resolved: b.resolved,
                qualified: b.qualified,
                recovered: b.recovered,
            })
            .collect(),
        complete: a.complete,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// `done`: the effect happened (checked in the other system), go on after the step;
    /// `retry`: run the step again.
    #[schema(value_type = ResolutionAction)]
    action: String,
}

crate::routes::shared::vocabulary!(
    /// How a person resolves a step whose outcome is unknown.
    ResolutionAction { Done, Retry }
);

/// Resolves a step whose outcome is `unknown` (a send that may or may not have happened).
#[utoipa::path(post, path = "/api/v1/executions/{id}/resolve", tag = "workflows", params(("id" = Uuid, Path)), request_body = Resolution, responses(
    (status = 200, body = ExecutionDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn resolve_execution(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Resolution>,
) -> ApiResult<Json<ExecutionDetail>> {
    let done = match body.action.as_str() {
        "done" => true,
        "retry" => false,
        _ => {
            return Err(crate::error::ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "`action` must be `done` or `retry`",
            ));
        }
    };
    let found = workflows::resolve(
        &state.store,
        &state.hub,
        &caller.actor,
        parse_id(&id)?,
        done,
    )
    .await?;
    state.jobs_wake.notify_one();
    Ok(Json(detail(found)))
}
