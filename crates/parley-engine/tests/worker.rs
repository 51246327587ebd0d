//! The worker pool on every test database: retries, panics, dead letters, no double runs,
//! graceful shutdown.

use async_trait::async_trait;
use parley_engine::worker::{JobError, JobHandler, Registry, WorkerConfig, WorkerPool};
use parley_store::Store;
use parley_store::jobs::{self, ClaimedJob, NewJob};
use parley_store::testing::test_stores;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn fast() -> WorkerConfig {
    WorkerConfig {
        concurrency: 4,
        lease: Duration::from_secs(10),
        poll_interval: Duration::from_millis(20),
        shutdown_grace: Duration::from_secs(10),
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
    }
}

/// Counts runs per job id; panics or fails on the first `fail_first` attempts.
#[derive(Clone, Default)]
struct Recorder {
    runs: Arc<Mutex<HashMap<Uuid, u32>>>,
    /// Jobs given up without running, with the reason.
    abandoned: Arc<Mutex<Vec<(Uuid, String)>>>,
    fail_first: i32,
    panic: bool,
    sleep: Duration,
}

#[async_trait]
impl JobHandler for Recorder {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        tokio::time::sleep(self.sleep).await;
        if job.attempts <= self.fail_first {
            if self.panic {
                panic!("handler blew up on attempt {}", job.attempts);
            }
            return Err(JobError::Retry(format!("failed attempt {}", job.attempts)));
        }
        *self.runs.lock().unwrap().entry(job.id).or_default() += 1;
        Ok(())
    }

    async fn abandoned(&self, job: &ClaimedJob, reason: &str) -> Result<(), JobError> {
        self.abandoned.lock().unwrap().push((job.id, reason.into()));
        Ok(())
    }
}

fn start(
    store: &Store,
    kind: &str,
    handler: Recorder,
    config: WorkerConfig,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let mut registry = Registry::default();
    registry.register(kind, handler);
    let pool = WorkerPool::new(store.clone(), registry, config);
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(pool.run(shutdown.clone()));
    (shutdown, handle)
}

async fn wait_until(store: &Store, done: impl Fn(jobs::QueueStats) -> bool) -> jobs::QueueStats {
    for _ in 0..500 {
        let stats = jobs::stats(store.db()).await.unwrap();
        if done(stats) {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "queue did not settle: {:?}",
        jobs::stats(store.db()).await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_job_is_retried_and_the_pool_survives() {
    for db in test_stores().await {
        let handler = Recorder {
            fail_first: 2,
            panic: true,
            ..Default::default()
        };
        let runs = handler.runs.clone();
        let (stop, pool) = start(&db.store, "p", handler, fast());
        let a = jobs::enqueue(db.store.db(), NewJob::new("p", json!({})))
            .await
            .unwrap()
            .unwrap();
        let b = jobs::enqueue(db.store.db(), NewJob::new("p", json!({})))
            .await
            .unwrap()
            .unwrap();
        wait_until(&db.store, |s| s.done == 2).await;
        let runs = runs.lock().unwrap().clone();
        assert_eq!(
            (runs.get(&a), runs.get(&b)),
            (Some(&1), Some(&1)),
            "{}",
            db.name
        );
        let row = jobs::get(db.store.db(), a).await.unwrap().unwrap();
        assert_eq!(row.attempts, 3);
        assert!(
            row.last_error
                .unwrap()
                .contains("panicked: handler blew up on attempt 2")
        );
        stop.cancel();
        pool.await.unwrap();
    }
}

#[tokio::test]
async fn exhausted_and_unknown_jobs_are_dead_lettered_with_their_error() {
    for db in test_stores().await {
        let handler = Recorder {
            fail_first: 100,
            ..Default::default()
        };
        let (stop, pool) = start(&db.store, "f", handler, fast());
        let failing = jobs::enqueue(db.store.db(), NewJob::new("f", json!({})).max_attempts(3))
            .await
            .unwrap()
            .unwrap();
        let unknown = jobs::enqueue(db.store.db(), NewJob::new("nobody", json!({})))
            .await
            .unwrap()
            .unwrap();
        wait_until(&db.store, |s| s.dead == 2).await;
        let row = jobs::get(db.store.db(), failing).await.unwrap().unwrap();
        assert_eq!(
            (row.attempts, row.last_error.as_deref()),
            (3, Some("failed attempt 3")),
            "{}",
            db.name
        );
        let row = jobs::get(db.store.db(), unknown).await.unwrap().unwrap();
        assert_eq!(row.attempts, 1);
        assert!(row.last_error.unwrap().contains("no handler"));
        stop.cancel();
        pool.await.unwrap();
    }
}

/// A job whose worker died on every attempt (its lease ran out each time) is dead-lettered
/// the next time it is claimed, without running again, and its handler is told why.
#[tokio::test]
async fn a_job_lost_on_every_attempt_is_dead_lettered_and_its_handler_told() {
    for db in test_stores().await {
        let id = jobs::enqueue(db.store.db(), NewJob::new("f", json!({})).max_attempts(2))
            .await
            .unwrap()
            .unwrap();
        // Two workers claim it and vanish: leases that are over at once.
        for _ in 0..2 {
            let claimed = jobs::claim(&db.store.writer().await.unwrap(), 1, -1)
                .await
                .unwrap();
            assert_eq!(claimed.len(), 1, "{}", db.name);
        }
        let handler = Recorder::default();
        let (stop, pool) = start(&db.store, "f", handler.clone(), fast());
        wait_until(&db.store, |s| s.dead == 1).await;
        stop.cancel();
        pool.await.unwrap();
        assert!(handler.runs.lock().unwrap().is_empty(), "{}", db.name);
        let told = handler.abandoned.lock().unwrap().clone();
        assert_eq!(told.len(), 1, "{}", db.name);
        assert_eq!(told[0].0, id);
        assert!(
            told[0].1.contains("lost on all 2 attempts"),
            "{}",
            told[0].1
        );
        let row = jobs::get(db.store.db(), id).await.unwrap().unwrap();
        assert_eq!(row.last_error, Some(told[0].1.clone()), "{}", db.name);
    }
}

/// Two pools on two connection pools (two nodes) share one queue: each job runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_pools_never_run_one_job_twice() {
    for db in test_stores().await {
        let handler = Recorder::default();
        let runs = handler.runs.clone();
        let other = db.another_pool().await;
        let (stop_a, pool_a) = start(&db.store, "n", handler.clone(), fast());
        let (stop_b, pool_b) = start(&other, "n", handler, fast());
        let total = 200;
        for i in 0..total {
            jobs::enqueue(db.store.db(), NewJob::new("n", json!({ "i": i })))
                .await
                .unwrap();
        }
        wait_until(&db.store, |s| s.done == total).await;
        stop_a.cancel();
        stop_b.cancel();
        pool_a.await.unwrap();
        pool_b.await.unwrap();
        let runs = runs.lock().unwrap().clone();
        assert_eq!(runs.len(), total as usize, "{}", db.name);
        assert!(
            runs.values().all(|&n| n == 1),
            "{}: a job ran twice",
            db.name
        );
        other.close().await;
    }
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish_and_stops_claiming() {
    for db in test_stores().await {
        let handler = Recorder {
            sleep: Duration::from_millis(300),
            ..Default::default()
        };
        let runs = handler.runs.clone();
        let config = WorkerConfig {
            concurrency: 1,
            ..fast()
        };
        let (stop, pool) = start(&db.store, "s", handler, config);
        let first = jobs::enqueue(db.store.db(), NewJob::new("s", json!({})))
            .await
            .unwrap()
            .unwrap();
        wait_until(&db.store, |s| s.running == 1).await;
        let second = jobs::enqueue(db.store.db(), NewJob::new("s", json!({})))
            .await
            .unwrap()
            .unwrap();
        stop.cancel();
        pool.await.unwrap();
        assert_eq!(
            jobs::get(db.store.db(), first)
                .await
                .unwrap()
                .unwrap()
                .status,
            jobs::DONE,
            "{}",
            db.name
        );
        assert_eq!(
            jobs::get(db.store.db(), second)
                .await
                .unwrap()
                .unwrap()
                .status,
            jobs::QUEUED,
            "{}",
            db.name
        );
        assert_eq!(runs.lock().unwrap().len(), 1);
    }
}
