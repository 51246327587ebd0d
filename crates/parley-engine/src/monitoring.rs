//! What the System page and `/health/ready` show: nodes, database, queue, outbox, providers, integrations, failed executions.
//!
//! Tenancy: node, database, queue and outbox figures are the instance's (every workspace
//! shares them, and an admin needs them to tell whether their own trouble is the
//! platform's). Dead-lettered jobs are listed only when they work for the caller's
//! workspace (see [`parley_store::jobs::workspace_of`]), without their payloads; the others
//! are only counted. Providers, integrations and executions are the caller's workspace's.
//!
//! Model calls are counted here in memory ([`record_model_call`], a map update under a
//! mutex, no I/O) and flushed per minute by [`flush_provider_stats`], so the chat path pays
//! no database write for them.

use crate::{Actor, EngineError, EngineResult};
use parley_store::jobs::{self, KindDepth};
use parley_store::repo::provider_stats::{self, BOUNDS_MS, MinuteStats, bucket_of, quantile};
use parley_store::repo::{audit, bots, executions, integrations, nodes, outbox, workflows};
use parley_store::{PoolStats, Store, StoreResult, now_ms};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// This process's node id (a fresh one per start: a restarted node is a new row).
pub static NODE_ID: LazyLock<Uuid> = LazyLock::new(Uuid::now_v7);

// ---------------------------------------------------------------------------------------
// Model provider calls

#[derive(Debug, Clone, Default)]
struct Calls {
    requests: i64,
    errors: i64,
    latency_ms_sum: i64,
    buckets: Vec<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
}

type CallKey = (Uuid, Uuid, i64);

static CALLS: LazyLock<Mutex<HashMap<CallKey, Calls>>> = LazyLock::new(Default::default);

fn minute_of(ms: i64) -> i64 {
    ms - ms.rem_euclid(60_000)
}

/// Counts one model call of `bot_id` (its outcome and how long it took) in this node's
/// memory and in the Prometheus counters; written to the database by the next
/// [`flush_provider_stats`]. Errors are kept without secrets: the model client's error
/// text names the host and status, never the key.
pub fn record_model_call(workspace_id: Uuid, bot_id: Uuid, latency: Duration, error: Option<&str>) {
    let now = now_ms();
    let ms = latency.as_millis() as i64;
    let bot = bot_id.to_string();
    metrics::counter!("parley_provider_requests_total", "bot" => bot.clone()).increment(1);
    if error.is_some() {
        metrics::counter!("parley_provider_errors_total", "bot" => bot.clone()).increment(1);
    }
    metrics::histogram!("parley_provider_latency_seconds", "bot" => bot)
        .record(latency.as_secs_f64());
    let mut calls = CALLS.lock().unwrap_or_else(|e| e.into_inner());
    let c = calls
        .entry((workspace_id, bot_id, minute_of(now)))
        .or_default();
    if c.buckets.is_empty() {
        c.buckets = vec![0; BOUNDS_MS.len() + 1];
    }
    c.requests += 1;
    c.latency_ms_sum += ms;
    c.buckets[bucket_of(ms)] += 1;
    if let Some(e) = error {
        c.errors += 1;
        c.last_error = Some(e.chars().take(500).collect());
        c.last_error_at = Some(now);
    }
}

/// Writes this node's counted model calls (each minute's running totals) and forgets the
/// minutes that are over once written. Returns the rows written.
pub async fn flush_provider_stats(store: &Store) -> StoreResult<usize> {
    let snapshot: Vec<(CallKey, Calls)> = {
        let calls = CALLS.lock().unwrap_or_else(|e| e.into_inner());
        calls.iter().map(|(k, v)| (*k, v.clone())).collect()
    };
    if snapshot.is_empty() {
        return Ok(0);
    }
    let rows: Vec<MinuteStats> = snapshot
        .iter()
        .map(|((ws, bot, minute), c)| MinuteStats {
            workspace_id: *ws,
            bot_id: *bot,
            minute: *minute,
            node_id: *NODE_ID,
            requests: c.requests,
            errors: c.errors,
            latency_ms_sum: c.latency_ms_sum,
            buckets: c.buckets.clone(),
            last_error: c.last_error.clone(),
            last_error_at: c.last_error_at,
        })
        .collect();
    let writer = store.writer().await?;
    provider_stats::save(&writer, &rows).await?;
    drop(writer);
    // Past minutes receive no more calls (a call counts in the minute it ended).
    let current = minute_of(now_ms());
    let mut calls = CALLS.lock().unwrap_or_else(|e| e.into_inner());
    calls.retain(|(_, _, minute), _| *minute >= current);
    Ok(rows.len())
}

/// One bot's model calls over a period, summed over minutes and nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSummary {
    pub workspace_id: Uuid,
    pub bot_id: Uuid,
    pub requests: i64,
    pub errors: i64,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

impl ProviderSummary {
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

/// Model calls since `since` per bot (of one workspace, or all), from the minute rollup.
pub async fn provider_summaries(
    store: &Store,
    workspace_id: Option<Uuid>,
    since: i64,
) -> StoreResult<Vec<ProviderSummary>> {
    let rows = provider_stats::since(store.db(), workspace_id, minute_of(since)).await?;
    let mut by_bot: HashMap<(Uuid, Uuid), (ProviderSummary, Vec<i64>)> = HashMap::new();
    for r in rows {
        let (s, buckets) = by_bot.entry((r.workspace_id, r.bot_id)).or_insert_with(|| {
            (
                ProviderSummary {
                    workspace_id: r.workspace_id,
                    bot_id: r.bot_id,
                    requests: 0,
                    errors: 0,
                    p50_ms: None,
                    p95_ms: None,
                    last_error: None,
                    last_error_at: None,
                },
                vec![0; BOUNDS_MS.len() + 1],
            )
        });
        s.requests += r.requests;
        s.errors += r.errors;
        for (i, n) in r.buckets.iter().enumerate() {
            if let Some(b) = buckets.get_mut(i) {
                *b += n;
            }
        }
        if r.last_error_at > s.last_error_at {
            s.last_error_at = r.last_error_at;
            s.last_error = r.last_error.clone();
        }
    }
    let mut out: Vec<ProviderSummary> = by_bot
        .into_values()
        .map(|(mut s, buckets)| {
            s.p50_ms = quantile(&buckets, 0.5);
            s.p95_ms = quantile(&buckets, 0.95);
            s
        })
        .collect();
    out.sort_by_key(|s| (s.workspace_id, s.bot_id));
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Heartbeats

/// What this node reports about itself.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub version: String,
    pub hostname: String,
    pub started_at: i64,
    pub workers: i32,
}

/// Writes this node's heartbeat row.
pub async fn heartbeat(store: &Store, info: &NodeInfo) -> StoreResult<()> {
    let node = nodes::Node {
        id: *NODE_ID,
        version: info.version.clone(),
        hostname: info.hostname.clone(),
        started_at: info.started_at,
        last_seen_at: now_ms(),
        workers: info.workers,
        workers_busy: crate::worker::workers_busy() as i32,
    };
    let writer = store.writer().await?;
    nodes::beat(&writer, &node).await
}

// ---------------------------------------------------------------------------------------
// The System page

#[derive(Debug, Clone)]
pub struct DatabaseInfo {
    pub backend: &'static str,
    /// `up` or `down`.
    pub status: &'static str,
    pub latency_ms: f64,
    pub error: Option<String>,
    pub size_bytes: Option<i64>,
    pub pool: PoolStats,
    pub last_checkpoint_at: Option<i64>,
}

/// The database's state: a ping within two seconds, its size, the pool.
pub async fn database(store: &Store) -> DatabaseInfo {
    let started = Instant::now();
    let ping = tokio::time::timeout(Duration::from_secs(2), store.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match ping {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("no answer within 2 s".to_string()),
    };
    let size_bytes = match error {
        None => nodes::database_size(store.db()).await.ok().flatten(),
        Some(_) => None,
    };
    DatabaseInfo {
        backend: store.backend_name(),
        status: if error.is_none() { "up" } else { "down" },
        latency_ms,
        error,
        size_bytes,
        pool: store.db().pool_stats(),
        last_checkpoint_at: store.last_checkpoint(),
    }
}

#[derive(Debug, Clone)]
pub struct DeadJob {
    pub id: Uuid,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub failed_at: i64,
}

#[derive(Debug, Clone)]
pub struct QueueInfo {
    pub kinds: Vec<KindDepth>,
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
    /// How long the oldest due job has waited (ms), 0 when none is due.
    pub oldest_due_age_ms: i64,
    /// The caller's workspace's dead letters (newest 50).
    pub dead_jobs: Vec<DeadJob>,
    /// Dead letters of other workspaces or of the instance, counted only.
    pub dead_elsewhere: u64,
}

/// Most dead letters looked at for one page.
const DEAD_SCAN: u64 = 500;

/// The queue instance-wide; dead letters of `workspace_id` listed.
pub async fn queue(store: &Store, workspace_id: Option<Uuid>) -> StoreResult<QueueInfo> {
    let kinds = jobs::depth_by_kind(store.db()).await?;
    let now = now_ms();
    let oldest = kinds.iter().filter_map(|k| k.oldest_due_at).min();
    let mut dead_jobs = Vec::new();
    let dead_total: u64 = kinds.iter().map(|k| k.dead).sum();
    if let Some(ws) = workspace_id {
        for job in jobs::dead(store.db(), DEAD_SCAN).await? {
            if dead_jobs.len() >= 50 {
                break;
            }
            if jobs::workspace_of(store.db(), &job).await? == Some(ws) {
                dead_jobs.push(DeadJob {
                    id: job.id,
                    kind: job.kind,
                    attempts: job.attempts,
                    last_error: job.last_error,
                    failed_at: job.finished_at.unwrap_or(job.updated_at),
                });
            }
        }
    }
    Ok(QueueInfo {
        queued: kinds.iter().map(|k| k.queued).sum(),
        running: kinds.iter().map(|k| k.running).sum(),
        dead: dead_total,
        oldest_due_age_ms: oldest.map_or(0, |t| (now - t).max(0)),
        dead_elsewhere: dead_total.saturating_sub(dead_jobs.len() as u64),
        dead_jobs,
        kinds,
    })
}

/// A workspace's dead letters (up to `limit`), for alerting.
pub async fn workspace_dead_jobs(
    store: &Store,
    workspace_id: Uuid,
    limit: usize,
) -> StoreResult<Vec<DeadJob>> {
    Ok(queue(store, Some(workspace_id))
        .await?
        .dead_jobs
        .into_iter()
        .take(limit)
        .collect())
}

#[derive(Debug, Clone)]
pub struct OutboxInfo {
    pub undispatched: u64,
    /// How long the oldest undispatched event has waited (ms), 0 when none.
    pub oldest_age_ms: i64,
}

pub async fn outbox_lag(store: &Store) -> StoreResult<OutboxInfo> {
    let (n, oldest) = outbox::lag(store.db()).await?;
    Ok(OutboxInfo {
        undispatched: n,
        oldest_age_ms: oldest.map_or(0, |t| (now_ms() - t).max(0)),
    })
}

#[derive(Debug, Clone)]
pub struct ProviderInfo {
    pub bot_id: Uuid,
    pub bot_name: String,
    pub model: Option<String>,
    pub summary: ProviderSummary,
}

#[derive(Debug, Clone)]
pub struct IntegrationInfo {
    pub provider: String,
    pub state: String,
    pub account_name: String,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct FailedExecution {
    pub id: Uuid,
    pub workflow_id: Uuid,
    pub workflow_name: String,
    pub event_name: String,
    pub error: Option<String>,
    pub failed_at: i64,
}

/// Everything the System page shows.
#[derive(Debug, Clone)]
pub struct System {
    pub now: i64,
    pub nodes: Vec<nodes::Node>,
    pub database: DatabaseInfo,
    pub queue: QueueInfo,
    pub outbox: OutboxInfo,
    pub providers: Vec<ProviderInfo>,
    pub integrations: Vec<IntegrationInfo>,
    pub failed_executions: Vec<FailedExecution>,
}

/// The System page for `actor`'s workspace (owners and admins).
pub async fn system(store: &Store, actor: &Actor) -> EngineResult<System> {
    actor.require_manager()?;
    let database = database(store).await;
    if let Some(error) = &database.error {
        return Err(EngineError::Unavailable(error.clone()));
    }
    let ws = actor.workspace_id;
    let now = now_ms();
    let db = store.db();
    let summaries = provider_summaries(store, Some(ws), now - 3_600_000).await?;
    let bot_rows = bots::list(db, ws).await?;
    let providers = bot_rows
        .iter()
        .map(|b| ProviderInfo {
            bot_id: b.id,
            bot_name: b.name.clone(),
            model: b.model.as_ref().map(|m| m.model.clone()),
            summary: summaries
                .iter()
                .find(|s| s.bot_id == b.id)
                .cloned()
                .unwrap_or(ProviderSummary {
                    workspace_id: ws,
                    bot_id: b.id,
                    requests: 0,
                    errors: 0,
                    p50_ms: None,
                    p95_ms: None,
                    last_error: None,
                    last_error_at: None,
                }),
        })
        .collect();
    let integrations = integrations::list(db, ws)
        .await?
        .into_iter()
        .map(|c| IntegrationInfo {
            provider: c.provider,
            state: c.state,
            account_name: c.account_name,
            last_success_at: c.last_success_at,
            last_error: c.last_error,
            last_error_at: c.last_error_at,
        })
        .collect();
    let failed = executions::list_all(
        db,
        ws,
        &executions::ExecutionFilter {
            status: Some("failed".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await?;
    let names: HashMap<Uuid, String> = workflows::list(db, ws)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let failed_executions = failed
        .into_iter()
        .map(|e| FailedExecution {
            id: e.id,
            workflow_name: names.get(&e.workflow_id).cloned().unwrap_or_default(),
            workflow_id: e.workflow_id,
            event_name: e.event_name,
            error: e.error,
            failed_at: e.finished_at.unwrap_or(e.updated_at),
        })
        .collect();
    Ok(System {
        now,
        nodes: nodes::list(db).await?,
        queue: queue(store, Some(ws)).await?,
        outbox: outbox_lag(store).await?,
        database,
        providers,
        integrations,
        failed_executions,
    })
}

/// Sends a dead-lettered job of the actor's workspace back to the queue (audited).
/// `NotFound` for a job that is not dead or works for another workspace.
pub async fn retry_dead_job(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.require_manager()?;
    let job = jobs::get(store.db(), id)
        .await?
        .ok_or(EngineError::NotFound)?;
    if job.status != jobs::DEAD
        || jobs::workspace_of(store.db(), &job).await? != Some(actor.workspace_id)
    {
        return Err(EngineError::NotFound);
    }
    let tx = store.begin().await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "job.retried",
            Some(("job", id.to_string())),
            json!({"kind": job.kind, "last_error": job.last_error}),
        ),
    )
    .await?;
    // Requeued only while still dead: a concurrent retry finds nothing and rolls back.
    if !jobs::requeue_dead(&tx, id).await? {
        return Err(EngineError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}
