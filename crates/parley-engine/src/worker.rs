//! The worker pool that runs queued jobs inside `parley serve`.
//!
//! One claimer loop leases as many due jobs as there are free slots and runs each on its own
//! task. A running job's lease is extended while it runs; if the process dies, the lease
//! expires and another worker takes the job over. So a job runs at least once: handlers make
//! their effects idempotent, keyed by the job id. A handler that panics is caught and treated
//! like an error: retried with backoff, then dead-lettered with the last error kept.

use async_trait::async_trait;
use futures::FutureExt;
use parley_domain::retry::backoff_ms;
use parley_store::jobs::{self, ClaimedJob};
use parley_store::{Store, StoreResult, now_ms};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Why a job failed, which decides what happens next.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JobError {
    /// Worth trying again later (a timeout, a 503, a database hiccup).
    #[error("{0}")]
    Retry(String),
    /// Will fail the same way every time (bad payload): dead-letter at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<parley_store::StoreError> for JobError {
    fn from(e: parley_store::StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

/// Runs jobs of one kind.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError>;

    /// Called instead of [`JobHandler::run`] when the job is dead-lettered without running
    /// because its worker was lost (the process died) on every attempt, so the handler can
    /// record the failure where people look for it. Does nothing by default.
    async fn abandoned(&self, _job: &ClaimedJob, _reason: &str) -> Result<(), JobError> {
        Ok(())
    }
}

/// Job kinds and their handlers.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn JobHandler>>,
}

impl Registry {
    pub fn register(&mut self, kind: &str, handler: impl JobHandler) -> &mut Self {
        self.handlers.insert(kind.to_string(), Arc::new(handler));
        self
    }
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once by this pool.
    pub concurrency: usize,
    /// How long a claim holds a job before others may take it over; extended while running.
    pub lease: Duration,
    /// How often an idle pool looks for due jobs (enqueues on this node wake it at once).
    pub poll_interval: Duration,
    /// On shutdown, how long running jobs get to finish before they are abandoned (their
    /// leases then expire and another node or the next start runs them).
    pub shutdown_grace: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(20),
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(15 * 60),
        }
    }
}

pub struct WorkerPool {
    store: Store,
    registry: Arc<Registry>,
    config: WorkerConfig,
    wake: Arc<Notify>,
}

impl WorkerPool {
    pub fn new(store: Store, registry: Registry, config: WorkerConfig) -> Self {
        Self {
            store,
            registry: Arc::new(registry),
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// A handle that wakes the pool right away (call after enqueuing on this node).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Claims and runs jobs until `shutdown`, then waits for running jobs (bounded by the
    /// grace period) and returns.
    pub async fn run(self, shutdown: CancellationToken) {
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut running = JoinSet::new();
        let lease_ms = self.config.lease.as_millis() as i64;
        let mut db_failures = 0u32;
        loop {
            while running.try_join_next().is_some() {}
            if shutdown.is_cancelled() {
                break;
            }
            let free = slots.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = running.join_next() => {}
                    _ = shutdown.cancelled() => break,
                }
                continue;
            }
            let claimed = async {
                let writer = self.store.writer().await?;
                jobs::claim(&writer, free as u64, lease_ms).await
            }
            .await;
            match claimed {
                Ok(batch) if !batch.is_empty() => {
                    db_failures = 0;
                    for job in batch {
                        let permit = slots.clone().acquire_owned().await.expect("semaphore open");
                        let ctx = RunContext {
                            store: self.store.clone(),
                            registry: self.registry.clone(),
                            config: self.config.clone(),
                        };
                        running.spawn(async move {
                            let _busy = busy_worker();
                            ctx.run_one(job).await;
                            drop(permit);
                        });
                    }
                }
                Ok(_) => {
                    db_failures = 0;
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll_interval) => {}
                        _ = self.wake.notified() => {}
                        _ = shutdown.cancelled() => break,
                    }
                }
                Err(e) => {
                    // The database is down or busy: back off, keep trying, never crash.
                    db_failures = db_failures.saturating_add(1);
                    tracing::warn!(error = %e, "claiming jobs failed");
                    let wait = self.config.poll_interval * db_failures.min(10);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = shutdown.cancelled() => break,
                    }
                }
            }
        }
        let drained = tokio::time::timeout(self.config.shutdown_grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                abandoned = running.len(),
                "shutdown grace period over; abandoning running jobs to their leases"
            );
            running.abort_all();
        }
    }
}

struct RunContext {
    store: Store,
    registry: Arc<Registry>,
    config: WorkerConfig,
}

impl RunContext {
    async fn run_one(&self, job: ClaimedJob) {
        let started = Instant::now();
        let outcome = match self.registry.handlers.get(&job.kind).cloned() {
            // Claimed again after its worker vanished, more times than it may be tried.
            Some(handler) if job.attempts > job.max_attempts => {
                let reason = format!(
                    "abandoned: its worker was lost on all {} attempts",
                    job.max_attempts
                );
                if let Err(JobError::Retry(e) | JobError::Permanent(e)) =
                    handler.abandoned(&job, &reason).await
                {
                    tracing::warn!(job = %job.id, kind = %job.kind, error = %e, "could not record the abandoned job's failure");
                }
                Err(JobError::Permanent(reason))
            }
            Some(handler) => self.run_with_heartbeat(&*handler, &job).await,
            None => Err(JobError::Permanent(format!(
                "no handler for job kind {:?}",
                job.kind
            ))),
        };
        let label = match &outcome {
            Ok(()) => "done",
            Err(JobError::Retry(_)) if job.attempts < job.max_attempts => "retried",
            Err(_) => "dead",
        };
        metrics::counter!("parley_jobs_total", "kind" => job.kind.clone(), "outcome" => label)
            .increment(1);
        metrics::histogram!("parley_job_duration_seconds", "kind" => job.kind.clone())
            .record(started.elapsed().as_secs_f64());

        let recorded = self.record(&job, outcome).await;
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = %job.id, "lease lost before the outcome was recorded; the new holder decides")
            }
            Err(e) => {
                tracing::warn!(job = %job.id, error = %e, "could not record the outcome; the job will run again after its lease")
            }
        }
    }

    /// Records the job's outcome: done, retried after a backoff, or dead-lettered. `false`
    /// when the lease was lost meanwhile.
    async fn record(&self, job: &ClaimedJob, outcome: Result<(), JobError>) -> StoreResult<bool> {
        let writer = self.store.writer().await?;
        match outcome {
            Ok(()) => jobs::complete(&writer, job).await,
            Err(JobError::Retry(error)) if job.attempts < job.max_attempts => {
                let delay = backoff_ms(
                    job.attempts as u32,
                    self.config.backoff_base.as_millis() as i64,
                    self.config.backoff_max.as_millis() as i64,
                    rand::random::<f64>(),
                );
                tracing::info!(job = %job.id, kind = %job.kind, attempt = job.attempts, delay_ms = delay, %error, "job failed; will retry");
                jobs::retry_at(&writer, job, &error, now_ms() + delay).await
            }
            Err(JobError::Retry(error) | JobError::Permanent(error)) => {
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, %error, "job dead-lettered");
                jobs::bury(&writer, job, &error).await
            }
        }
    }

    /// Runs the handler, catching panics, while a heartbeat extends the lease.
    async fn run_with_heartbeat(
        &self,
        handler: &dyn JobHandler,
        job: &ClaimedJob,
    ) -> Result<(), JobError> {
        let lease_ms = self.config.lease.as_millis() as i64;
        let heartbeat = async {
            let mut tick = tokio::time::interval(self.config.lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                // In the write turn (after a transaction of the job's own, if one is open).
                let extended =
                    async { jobs::extend_lease(&self.store.writer().await?, job, lease_ms).await };
                match extended.await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = %job.id, "lease lost while running"),
                    Err(e) => tracing::warn!(job = %job.id, error = %e, "could not extend lease"),
                }
            }
        };
        let work = AssertUnwindSafe(handler.run(job)).catch_unwind();
        tokio::select! {
            result = work => result.unwrap_or_else(|panic| Err(JobError::Retry(format!("panicked: {}", panic_message(&*panic))))),
            _ = heartbeat => unreachable!("the heartbeat never ends"),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Jobs this node's workers are running now (the heartbeat reports it).
static BUSY: AtomicI64 = AtomicI64::new(0);

/// Counts a worker slot as busy until dropped.
pub struct BusyWorker(());

impl Drop for BusyWorker {
    fn drop(&mut self) {
        BUSY.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Marks one of this node's workers busy while the guard lives.
pub fn busy_worker() -> BusyWorker {
    BUSY.fetch_add(1, Ordering::Relaxed);
    BusyWorker(())
}

/// This node's workers running a job now.
pub fn workers_busy() -> i64 {
    BUSY.load(Ordering::Relaxed).max(0)
}
