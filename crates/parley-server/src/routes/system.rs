//! `/api/v1/system`: the System page's data, dead-letter retries.
//!
//! Owners and admins only. Nodes, database, queue totals and the outbox are instance-wide
//! (every workspace shares them); dead-lettered jobs are listed only for the caller's
//! workspace and never with their payloads, other dead letters are only counted (see
//! `parley_engine::monitoring`). The page polls this every 5 seconds.

use super::shared::rfc3339;
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::parse_id;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_engine::monitoring;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_system))
        .routes(routes!(retry_job))
}

#[derive(Serialize, ToSchema)]
pub struct SystemView {
    /// When this was read.
    now: String,
    nodes: Vec<NodeView>,
    database: DatabaseView,
    queue: QueueView,
    outbox: OutboxView,
    /// Model calls per bot over the last hour.
    providers: Vec<ProviderView>,
    integrations: Vec<IntegrationStateView>,
    /// The newest failed workflow executions (10).
    failed_executions: Vec<FailedExecutionView>,
    /// Alerts firing now in this workspace.
    firing_alerts: Vec<FiringAlertView>,
}

#[derive(Serialize, ToSchema)]
pub struct NodeView {
    id: Uuid,
    version: String,
    hostname: String,
    started_at: String,
    last_seen_at: String,
    /// `up`, or `down` when not seen for 60 s.
    status: &'static str,
    workers: i32,
    workers_busy: i32,
    /// This node answered this request.
    this_node: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PoolView {
    in_use: u32,
    idle: u32,
    max: u32,
}

#[derive(Serialize, ToSchema)]
pub struct DatabaseView {
    /// `sqlite` or `postgres`.
    backend: &'static str,
    /// `up` or `down`.
    status: &'static str,
    latency_ms: f64,
    #[schema(required)]
    size_bytes: Option<i64>,
    /// Reading connections (SQLite) or the pool (PostgreSQL).
    pool: PoolView,
    /// SQLite: when this node last checkpointed the WAL.
    #[schema(required)]
    last_checkpoint_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct KindView {
    kind: String,
    queued: u64,
    running: u64,
    dead: u64,
    /// Seconds the oldest due job of this kind has waited (0: none due).
    oldest_due_age_secs: f64,
}

#[derive(Serialize, ToSchema)]
pub struct DeadJobView {
    id: Uuid,
    kind: String,
    attempts: i32,
    #[schema(required)]
    last_error: Option<String>,
    failed_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueueView {
    queued: u64,
    running: u64,
    dead: u64,
    /// Seconds the oldest due job has waited (0: none due).
    oldest_due_age_secs: f64,
    by_kind: Vec<KindView>,
    /// This workspace's dead-lettered jobs (newest 50), retryable.
    dead_jobs: Vec<DeadJobView>,
    /// Dead-lettered jobs of other workspaces or of the instance (counted only).
    dead_elsewhere: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxView {
    undispatched: u64,
    /// Seconds the oldest undispatched event has waited (0: none).
    oldest_age_secs: f64,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderView {
    bot_id: Uuid,
    bot_name: String,
    #[schema(required)]
    model: Option<String>,
    requests: i64,
    errors: i64,
    /// Latency percentiles in ms (to the histogram bucket's upper bound).
    #[schema(required)]
    p50_ms: Option<i64>,
    #[schema(required)]
    p95_ms: Option<i64>,
    #[schema(required)]
    last_error: Option<String>,
    #[schema(required)]
    last_error_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IntegrationStateView {
    provider: String,
    /// `connected`, `needs_reconnect` or `error`.
    state: String,
    account_name: String,
    #[schema(required)]
    last_success_at: Option<String>,
    #[schema(required)]
    last_error: Option<String>,
    #[schema(required)]
    last_error_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FailedExecutionView {
    id: Uuid,
    workflow_id: Uuid,
    workflow_name: String,
    event_name: String,
    #[schema(required)]
    error: Option<String>,
    failed_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct FiringAlertView {
    alert_key: String,
    kind: String,
    summary: String,
    fired_at: String,
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Everything the System page shows, for owners and admins.
#[utoipa::path(get, path = "/api/v1/system", tag = "system", responses(
    (status = 200, body = SystemView), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody),
))]
async fn get_system(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<SystemView>> {
    let s = monitoring::system(&state.store, &caller.actor).await?;
    let alerting = crate::node::alerting(&state.services, &state.config);
    let firing = parley_engine::alerts::firing(&alerting, &caller.actor).await?;
    let now = s.now;
    Ok(Json(SystemView {
        now: rfc3339(now),
        nodes: s
            .nodes
            .into_iter()
            .map(|n| NodeView {
                status: if n.is_up(now) { "up" } else { "down" },
                this_node: n.id == *monitoring::NODE_ID,
                id: n.id,
                version: n.version,
                hostname: n.hostname,
                started_at: rfc3339(n.started_at),
                last_seen_at: rfc3339(n.last_seen_at),
                workers: n.workers,
                workers_busy: n.workers_busy,
            })
            .collect(),
        database: DatabaseView {
            backend: s.database.backend,
            status: s.database.status,
            latency_ms: s.database.latency_ms,
            size_bytes: s.database.size_bytes,
            pool: PoolView {
                in_use: s.database.pool.in_use,
                idle: s.database.pool.idle,
                max: s.database.pool.max,
            },
            last_checkpoint_at: s.database.last_checkpoint_at.map(rfc3339),
        },
        queue: QueueView {
            queued: s.queue.queued,
            running: s.queue.running,
            dead: s.queue.dead,
            oldest_due_age_secs: secs(s.queue.oldest_due_age_ms),
            by_kind: s
                .queue
                .kinds
                .into_iter()
                .map(|k| KindView {
                    oldest_due_age_secs: k.oldest_due_at.map_or(0.0, |t| secs((now - t).max(0))),
                    kind: k.kind,
                    queued: k.queued,
                    running: k.running,
                    dead: k.dead,
                })
                .collect(),
            dead_jobs: s
                .queue
                .dead_jobs
                .into_iter()
                .map(|j| DeadJobView {
                    id: j.id,
                    kind: j.kind,
                    attempts: j.attempts,
                    last_error: j.last_error,
                    failed_at: rfc3339(j.failed_at),
                })
                .collect(),
            dead_elsewhere: s.queue.dead_elsewhere,
        },
        outbox: OutboxView {
            undispatched: s.outbox.undispatched,
            oldest_age_secs: secs(s.outbox.oldest_age_ms),
        },
        providers: s
            .providers
            .into_iter()
            .map(|p| ProviderView {
                bot_id: p.bot_id,
                bot_name: p.bot_name,
                model: p.model,
                requests: p.summary.requests,
                errors: p.summary.errors,
                p50_ms: p.summary.p50_ms,
                p95_ms: p.summary.p95_ms,
                last_error: p.summary.last_error,
                last_error_at: p.summary.last_error_at.map(rfc3339),
            })
            .collect(),
        integrations: s
            .integrations
            .into_iter()
            .map(|i| IntegrationStateView {
                provider: i.provider,
                state: i.state,
                account_name: i.account_name,
                last_success_at: i.last_success_at.map(rfc3339),
                last_error: i.last_error,
                last_error_at: i.last_error_at.map(rfc3339),
            })
            .collect(),
        failed_executions: s
            .failed_executions
            .into_iter()
            .map(|e| FailedExecutionView {
                id: e.id,
                workflow_id: e.workflow_id,
                workflow_name: e.workflow_name,
                event_name: e.event_name,
                error: e.error,
                failed_at: rfc3339(e.failed_at),
            })
            .collect(),
        firing_alerts: firing
            .into_iter()
            .map(|a| FiringAlertView {
                alert_key: a.alert_key,
                kind: a.kind,
                summary: a.summary,
                fired_at: rfc3339(a.fired_at),
            })
            .collect(),
    }))
}

/// Sends a dead-lettered job of this workspace back to the queue, due now, with its
/// attempts reset (audited as `job.retried`).
#[utoipa::path(post, path = "/api/v1/system/jobs/{id}/retry", tag = "system", params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn retry_job(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    monitoring::retry_dead_job(&state.store, &caller.actor, parse_id(&id)?).await?;
    state.jobs_wake.notify_one();
    Ok(StatusCode::NO_CONTENT)
}
