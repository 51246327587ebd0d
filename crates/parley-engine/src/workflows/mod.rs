//! The automation engine's use cases: workflows (saved as React Flow graphs, compiled on
//! every save into immutable versions), their executions, and events posted from outside.
//!
//! Managers create, edit, activate, pause, resume and cancel; agents read. Each change to
//! a workflow writes an audit entry in its transaction. How events become executions is
//! in [`dispatch`]; how executions run is in [`executor`]; the actions are in [`actions`].

pub mod actions;
pub mod console;
pub mod context;
pub mod dispatch;
pub mod executor;
pub mod programs;

use crate::error::invalid;
use crate::live::{Hub, LiveEvent};
use crate::secrets::random_secret;
use crate::vault::Vault;
use crate::{Actor, EngineError, EngineResult};
use context::EventRef;
use parley_domain::FieldErrors;
use parley_domain::validation::{max_text, required_text};
use parley_domain::workflow::{
    ActionCatalog, BuiltinCatalog, Compiled, DryRun, Graph, TriggerEvent, compile,
    templates as library,
};
use parley_store::repo::executions::{self as execs, Execution, ExecutionFilter, Step};
use parley_store::repo::workflows::{
    self as wfs, NewVersion, NewWorkflow, Workflow, WorkflowVersion,
};
use parley_store::repo::{audit, outbox};
use parley_store::{Store, jobs, now_ms};
use serde_json::{Value, json};
use std::str::FromStr;
use uuid::Uuid;

/// The `format` of exported workflow documents.
pub const EXPORT_FORMAT: &str = "parley.workflow/1";
const MAX_NAME_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Prefix of webhook signing secrets.
const SIGNING_PREFIX: &str = "whsec_";

/// A workflow with its current version and the integrations that version needs but the
/// workspace has not connected.
#[derive(Debug, Clone)]
pub struct WorkflowDetail {
    pub workflow: Workflow,
    pub version: Option<WorkflowVersion>,
    pub missing_integrations: Vec<String>,
}

/// What a manager may set. `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct WorkflowInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub graph: Option<Value>,
}

/// The catalog the compiler checks against: the built-in actions, including those that
/// need an integration (they compile; the step fails until it is connected).
fn catalog() -> impl ActionCatalog {
    BuiltinCatalog
}

/// Compiles a graph, or every problem with it (HTTP 422 with node and edge ids).
pub fn compile_graph(graph: &Value) -> EngineResult<(Graph, Compiled)> {
    let parsed = Graph::from_value(graph).map_err(EngineError::InvalidWorkflow)?;
    let compiled = compile(&parsed, &catalog()).map_err(EngineError::InvalidWorkflow)?;
    Ok((parsed, compiled))
}

/// The integrations a version needs that the workspace has not connected (or that need
/// reconnecting): its steps would fail with "connect <integration> first".
async fn missing_integrations(
    store: &Store,
    workspace_id: Uuid,
    version: Option<&WorkflowVersion>,
) -> EngineResult<Vec<String>> {
    let needed: Vec<String> = version
        .and_then(|v| serde_json::from_value(v.integrations.clone()).ok())
        .unwrap_or_default();
    if needed.is_empty() {
        return Ok(needed);
    }
    let connected: Vec<String> = parley_store::repo::integrations::list(store.db(), workspace_id)
        .await?
        .into_iter()
        .filter(|c| c.state != parley_store::repo::integrations::NEEDS_RECONNECT)
        .map(|c| c.provider)
        .collect();
    Ok(needed
        .into_iter()
        .filter(|name| {
            let provider = if name == "google_sheets" {
                "google"
            } else {
                name.as_str()
            };
            !connected.iter().any(|c| c == provider)
        })
        .collect())
}

fn validate_meta(input: &WorkflowInput, creating: bool) -> EngineResult<()> {
    let mut errors = FieldErrors::new();
    match &input.name {
        Some(name) => required_text(&mut errors, "name", name, MAX_NAME_CHARS),
        None if creating => errors.add("name", "is required"),
        None => {}
    }
    if let Some(d) = &input.description {
        max_text(&mut errors, "description", d, MAX_DESCRIPTION_CHARS);
    }
    if creating && input.graph.is_none() {
        errors.add("graph", "is required");
    }
    errors.into_result(()).map_err(EngineError::Invalid)
}

async fn detail(store: &Store, workflow: Workflow) -> EngineResult<WorkflowDetail> {
    let version = match workflow.current_version_id {
        Some(id) => Some(wfs::version(store.db(), workflow.workspace_id, id).await?),
        None => None,
    };
    Ok(WorkflowDetail {
        missing_integrations: missing_integrations(store, workflow.workspace_id, version.as_ref())
            .await?,
        workflow,
        version,
    })
}

pub async fn list(store: &Store, actor: &Actor) -> EngineResult<Vec<Workflow>> {
    Ok(wfs::list(store.db(), actor.workspace_id).await?)
}

pub async fn get(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<WorkflowDetail> {
    let workflow = wfs::get(store.db(), actor.workspace_id, id).await?;
    detail(store, workflow).await
}

/// Creates a draft workflow with its first version.
pub async fn create(
    store: &Store,
    vault: &Vault,
    actor: &Actor,
    input: WorkflowInput,
) -> EngineResult<WorkflowDetail> {
    actor.require_manager()?;
    validate_meta(&input, true)?;
    let graph = input.graph.clone().unwrap_or(Value::Null);
    let (_, compiled) = compile_graph(&graph)?;
    let name = input.name.as_deref().unwrap_or_default().trim();
    let tx = store.begin().await?;
    let workflow = wfs::create(
        &tx,
        actor.workspace_id,
        NewWorkflow {
            name,
            description: input.description.as_deref().unwrap_or("").trim(),
            signing_secret: &vault.seal(&random_secret(SIGNING_PREFIX)),
        },
    )
    .await?;
    let (workflow, version) =
        wfs::add_version(&tx, workflow, new_version(graph, &compiled, actor)).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "workflow.created",
            Some(("workflow", workflow.id.to_string())),
            json!({"name": workflow.name, "version": version.version}),
        ),
    )
    .await?;
    tx.commit().await?;
    detail(store, workflow).await
}

fn new_version(graph: Value, compiled: &Compiled, actor: &Actor) -> NewVersion {
    NewVersion {
        statechart: compiled.statechart(),
        integrations: compiled
            .integrations()
            .into_iter()
            .map(str::to_string)
            .collect(),
        trigger_event: compiled.event().name(),
        created_by: Some(actor.user_id),
        graph,
    }
}

/// Renames, re-describes and, when the graph changed, stores it as a new version (which
/// becomes the one that runs; executions already started finish on their own version).
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    input: WorkflowInput,
) -> EngineResult<WorkflowDetail> {
    actor.require_manager()?;
    validate_meta(&input, false)?;
    let compiled = match &input.graph {
        Some(g) => Some(compile_graph(g)?),
        None => None,
    };
    let tx = store.begin().await?;
    let workflow = wfs::get(&tx, actor.workspace_id, id).await?;
    let current = match workflow.current_version_id {
        Some(v) => Some(wfs::version(&tx, actor.workspace_id, v).await?),
        None => None,
    };
    let graph_changed = match (&compiled, &current) {
        (Some((parsed, _)), Some(v)) => Graph::from_value(&v.graph)
            .map(|old| serde_json::to_value(&old).ok() != serde_json::to_value(parsed).ok())
            .unwrap_or(true),
        (Some(_), None) => true,
        (None, _) => false,
    };
    let workflow = wfs::update(
        &tx,
        workflow,
        input.name.as_deref().map(str::trim),
        input.description.as_deref().map(str::trim),
        None,
    )
    .await?;
    let (workflow, version) = match (graph_changed, compiled, input.graph) {
        (true, Some((_, compiled)), Some(graph)) => {
            let (w, v) =
                wfs::add_version(&tx, workflow, new_version(graph, &compiled, actor)).await?;
            (w, Some(v.version))
        }
        _ => (workflow, None),
    };
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "workflow.updated",
            Some(("workflow", id.to_string())),
            json!({"name": workflow.name, "new_version": version}),
        ),
    )
    .await?;
    tx.commit().await?;
    detail(store, workflow).await
}

/// `active` (start executions for matching events), `paused` or `draft` (do not).
/// Executions already started go on either way.
pub async fn set_status(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    status: &str,
) -> EngineResult<WorkflowDetail> {
    actor.require_manager()?;
    if ![wfs::ACTIVE, wfs::PAUSED, wfs::DRAFT].contains(&status) {
        return Err(invalid("status", "must be active, paused or draft"));
    }
    let tx = store.begin().await?;
    let workflow = wfs::get(&tx, actor.workspace_id, id).await?;
    if status == wfs::ACTIVE && workflow.current_version_id.is_none() {
        return Err(invalid(
            "status",
            "a workflow without a version cannot be activated",
        ));
    }
    let before = workflow.status.clone();
    let workflow = wfs::update(&tx, workflow, None, None, Some(status)).await?;
    if before != status {
        audit::record(
            &tx,
            actor.workspace_id,
            actor.audit(
                &format!(
                    "workflow.{}",
                    match status {
                        wfs::ACTIVE => "activated",
                        wfs::PAUSED => "paused",
                        _ => "drafted",
                    }
                ),
                Some(("workflow", id.to_string())),
                json!({"from": before, "to": status, "version": workflow.version}),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    detail(store, workflow).await
}

pub async fn delete(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let workflow = wfs::get(&tx, actor.workspace_id, id).await?;
    wfs::delete(&tx, actor.workspace_id, id).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "workflow.deleted",
            Some(("workflow", id.to_string())),
            json!({"name": workflow.name}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn versions(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> EngineResult<Vec<WorkflowVersion>> {
    wfs::get(store.db(), actor.workspace_id, id).await?;
    Ok(wfs::versions(store.db(), actor.workspace_id, id).await?)
}

/// The portable document: name, description and the current graph.
pub async fn export(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<Value> {
    let d = get(store, actor, id).await?;
    Ok(json!({
        "format": EXPORT_FORMAT,
        "name": d.workflow.name,
        "description": d.workflow.description,
        "graph": d.version.map(|v| v.graph),
    }))
}

/// The workflow's webhook signing secret in the clear, for its managers and the webhook
/// action; `None` when it cannot be opened (the master secret changed).
pub fn signing_secret(vault: &Vault, workflow: &Workflow) -> Option<String> {
    if workflow.signing_secret.starts_with(SIGNING_PREFIX) {
        return Some(workflow.signing_secret.clone()); // not sealed yet: see below
    }
    vault.open(&workflow.signing_secret)
}

/// Seals signing secrets stored in the clear (by versions before they were sealed); run at
/// start-up. Returns how many it sealed; a second run seals none.
pub async fn seal_signing_secrets(store: &Store, vault: &Vault) -> EngineResult<usize> {
    let plain = wfs::plaintext_signing_secrets(store.db(), SIGNING_PREFIX).await?;
    for (id, secret) in &plain {
        wfs::set_signing_secret(&store.writer().await?, *id, &vault.seal(secret)).await?;
    }
    Ok(plain.len())
}

/// Creates a draft from an exported document.
pub async fn import(
    store: &Store,
    vault: &Vault,
    actor: &Actor,
    document: Value,
) -> EngineResult<WorkflowDetail> {
    if let Some(format) = document.get("format")
        && format != EXPORT_FORMAT
    {
        return Err(invalid("format", &format!("must be {EXPORT_FORMAT}")));
    }
    let text = |k: &str| document.get(k).and_then(Value::as_str).map(str::to_string);
    create(
        store,
        vault,
        actor,
        WorkflowInput {
            name: text("name"),
            description: text("description"),
            graph: document.get("graph").cloned(),
        },
    )
    .await
}

/// An importable template and the integrations it needs.
pub struct TemplateInfo {
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub graph: Value,
    pub integrations: Vec<String>,
}

pub fn templates() -> Vec<TemplateInfo> {
    library()
        .into_iter()
        .map(|t| {
            let integrations = compile(&t.graph, &catalog())
                .map(|c| c.integrations().into_iter().map(str::to_string).collect())
                .unwrap_or_default();
            TemplateInfo {
                slug: t.slug,
                name: t.name,
                description: t.description,
                graph: serde_json::to_value(&t.graph).unwrap_or_default(),
                integrations,
            }
        })
        .collect()
}

/// Creates a draft workflow from the template `slug`.
pub async fn import_template(
    store: &Store,
    vault: &Vault,
    actor: &Actor,
    slug: &str,
) -> EngineResult<WorkflowDetail> {
    let t = templates()
        .into_iter()
        .find(|t| t.slug == slug)
        .ok_or(EngineError::NotFound)?;
    create(
        store,
        vault,
        actor,
        WorkflowInput {
            name: Some(t.name.to_string()),
            description: Some(t.description.to_string()),
            graph: Some(t.graph),
        },
    )
    .await
}

/// What an event would do, with nothing done: the trigger decision, the path, each
/// action's rendered input, and the context used.
pub struct TestRun {
    pub trigger_matches: bool,
    pub dry_run: DryRun,
    pub context: Value,
}

/// Walks the current version for an imagined event. Reads the conversation the payload
/// names (if any) and writes nothing. `overrides` replace top-level context keys.
pub async fn test(
    store: &Store,
    actor: &Actor,
    id: Uuid,
    event_name: &str,
    payload: Value,
    overrides: Option<Value>,
) -> EngineResult<TestRun> {
    TriggerEvent::from_str(event_name).map_err(|e| invalid("event.name", &e))?;
    if !payload.is_object() {
        return Err(invalid("event.payload", "must be an object"));
    }
    let d = get(store, actor, id).await?;
    let version = d
        .version
        .ok_or_else(|| invalid("workflow", "has no version to test"))?;
    let program = Compiled::from_statechart(&version.statechart)
        .map_err(|e| EngineError::Internal(format!("stored statechart: {e}")))?;
    let event_id = Uuid::now_v7();
    let event = EventRef {
        id: event_id,
        name: event_name,
        payload: &payload,
        at: now_ms(),
    };
    let mut ctx = context::build(store.db(), actor.workspace_id, &event).await?;
    match overrides {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                ctx[k] = v;
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => return Err(invalid("context", "must be an object")),
    }
    let conversation_id = ctx["conversation"]["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok());
    let seed = context::seed(conversation_id, event_id);
    Ok(TestRun {
        trigger_matches: program.trigger_matches(event_name, &ctx),
        dry_run: program.dry_run(&ctx, &seed),
        context: ctx,
    })
}

const EXECUTION_STATUSES: [&str; 6] = [
    execs::RUNNING,
    execs::WAITING,
    execs::COMPLETED,
    execs::FAILED,
    execs::CANCELLED,
    execs::FILTERED,
];

pub async fn executions(
    store: &Store,
    actor: &Actor,
    workflow_id: Uuid,
    filter: ExecutionFilter,
) -> EngineResult<Vec<Execution>> {
    if let Some(s) = &filter.status
        && !EXECUTION_STATUSES.contains(&s.as_str())
    {
        return Err(invalid(
            "status",
            &format!("must be one of {}", EXECUTION_STATUSES.join(", ")),
        ));
    }
    wfs::get(store.db(), actor.workspace_id, workflow_id).await?;
    Ok(execs::list(store.db(), actor.workspace_id, workflow_id, &filter).await?)
}

pub async fn execution(
    store: &Store,
    actor: &Actor,
    id: Uuid,
) -> EngineResult<(Execution, Vec<Step>)> {
    let exec = execs::get(store.db(), actor.workspace_id, id).await?;
    let steps = execs::steps(store.db(), id).await?;
    Ok((exec, steps))
}

fn publish_execution(hub: &Hub, exec: &Execution) {
    hub.publish(LiveEvent {
        workspace_id: exec.workspace_id,
        conversation_id: exec.conversation_id,
        kind: "execution.updated",
        data: json!({
            "execution_id": exec.id, "workflow_id": exec.workflow_id,
            "status": exec.status, "state": exec.state, "error": exec.error,
        }),
    });
}

/// Resumes a failed execution from its failed step, with a fresh set of attempts and the
/// same idempotency key (the receiver may have seen an earlier attempt).
pub async fn resume(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
) -> EngineResult<(Execution, Vec<Step>)> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let exec = execs::get(&tx, actor.workspace_id, id).await?;
    if exec.status != execs::FAILED {
        return Err(EngineError::Conflict(crate::Conflict::NotFailed));
    }
    let steps = execs::steps(&tx, id).await?;
    let failed = steps
        .iter()
        .rev()
        .find(|s| {
            (s.status == execs::FAILED || s.status == execs::UNKNOWN) && s.node_type == "action"
        })
        .ok_or(EngineError::Conflict(crate::Conflict::NotFailed))?;
    execs::delete_steps_after(&tx, id, failed.seq).await?;
    execs::save_step(
        &tx,
        Step {
            status: execs::RETRYING.into(),
            attempt: 0,
            finished_at: None,
            run_after: Some(now_ms()),
            ..failed.clone()
        },
    )
    .await?;
    execs::reopen(&tx, actor.workspace_id, id, &failed.node_id, failed.seq).await?;
    jobs::enqueue(&tx, executor::step_job(id, now_ms())).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "execution.resumed",
            Some(("execution", id.to_string())),
            json!({"workflow_id": exec.workflow_id, "node_id": failed.node_id}),
        ),
    )
    .await?;
    tx.commit().await?;
    let detail = execution(store, actor, id).await?;
    publish_execution(hub, &detail.0);
    Ok(detail)
}

/// Resolves a step whose outcome is unknown: `retry` runs it again (it first looks for the
/// effect of the earlier attempt where the action can), `done` records that the effect
/// happened (a person checked the other system) and the execution goes on after it.
pub async fn resolve(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
    done: bool,
) -> EngineResult<(Execution, Vec<Step>)> {
    if !done {
        return resume(store, hub, actor, id).await;
    }
    actor.require_manager()?;
    let tx = store.begin().await?;
    let exec = execs::get(&tx, actor.workspace_id, id).await?;
    let steps = execs::steps(&tx, id).await?;
    let unknown = steps
        .iter()
        .rev()
        .find(|s| s.status == execs::UNKNOWN)
        .filter(|_| exec.status == execs::FAILED)
        .ok_or(EngineError::Conflict(crate::Conflict::NotFailed))?;
    let version = wfs::version(&tx, actor.workspace_id, exec.workflow_version_id).await?;
    let program =
        programs::Program::from_statechart(&version.statechart).map_err(EngineError::Internal)?;
    let next = program
        .compiled
        .after(&unknown.node_id, parley_domain::workflow::Outcome::Done)
        .map_err(|e| EngineError::Internal(e.to_string()))?
        .to_string();
    execs::save_step(
        &tx,
        Step {
            status: execs::DONE.into(),
            output: Some(json!({"resolved": "marked done by a person", "by": actor.user_id})),
            finished_at: Some(now_ms()),
            ..unknown.clone()
        },
    )
    .await?;
    execs::reopen(&tx, actor.workspace_id, id, &next, unknown.seq + 1).await?;
    jobs::enqueue(&tx, executor::step_job(id, now_ms())).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "execution.resolved",
            Some(("execution", id.to_string())),
            json!({"workflow_id": exec.workflow_id, "node_id": unknown.node_id, "as": "done"}),
        ),
    )
    .await?;
    tx.commit().await?;
    let detail = execution(store, actor, id).await?;
    publish_execution(hub, &detail.0);
    Ok(detail)
}

/// Stops a running or waiting execution; a step in flight finishes, nothing after it runs.
pub async fn cancel(
    store: &Store,
    hub: &Hub,
    actor: &Actor,
    id: Uuid,
) -> EngineResult<(Execution, Vec<Step>)> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let exec = execs::get(&tx, actor.workspace_id, id).await?;
    if !execs::cancel(&tx, actor.workspace_id, id).await? {
        return Err(EngineError::Conflict(crate::Conflict::AlreadyFinished));
    }
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "execution.cancelled",
            Some(("execution", id.to_string())),
            json!({"workflow_id": exec.workflow_id}),
        ),
    )
    .await?;
    tx.commit().await?;
    let detail = execution(store, actor, id).await?;
    publish_execution(hub, &detail.0);
    Ok(detail)
}

/// Largest external event payload, in bytes of JSON.
pub const MAX_EVENT_PAYLOAD_BYTES: usize = 64 * 1024;

/// Records an event from another system (`external:<name>`) for workflows to pick up.
pub async fn post_event(
    store: &Store,
    actor: &Actor,
    name: &str,
    payload: Value,
) -> EngineResult<(Uuid, String)> {
    let event = TriggerEvent::from_str(&format!("external:{}", name.trim()))
        .map_err(|e| invalid("name", &e))?;
    let payload = match payload {
        Value::Null => json!({}),
        Value::Object(_) => payload,
        _ => return Err(invalid("payload", "must be an object")),
    };
    if payload.to_string().len() > MAX_EVENT_PAYLOAD_BYTES {
        return Err(EngineError::TooLarge(format!(
            "an event payload may have at most {} KiB",
            MAX_EVENT_PAYLOAD_BYTES / 1024
        )));
    }
    let name = event.name();
    let id = outbox::append(&store.writer().await?, actor.workspace_id, &name, payload).await?;
    Ok((id, name))
}
