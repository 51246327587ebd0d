//! Workflow engine throughput and latency, on SQLite and (when `PARLEY_TEST_DATABASE_URL`
//! is set) PostgreSQL, with the real dispatcher, worker pool and executor in-process.
//!
//! The workflow: trigger (`external:bench`) → condition → `add_note` → `tag_conversation`
//! → end, over 50 conversations.
//!
//! 1. Throughput: `BENCH_EVENTS` events (default 2,000) are written at once; executions/s
//!    is events over the time until the last execution completed.
//! 2. Latency: events are written at `BENCH_RATE` per second (default 330) for
//!    `BENCH_SECONDS` (default 5); reported is the time from an event's outbox row to its
//!    first action's committed effect (p50/p95/p99/max).
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-exec cargo run --release -p parley-engine --example workflow_bench
//! ```
//! Writes a JSON report to `target/workflow-bench.json` (or `BENCH_REPORT`).

use parley_domain::Role;
use parley_engine::Actor;
use parley_engine::live::Hub;
use parley_engine::vault::Vault;
use parley_engine::worker::{Registry, WorkerConfig, WorkerPool};
use parley_engine::workflows::actions::{Actions, AllowHosts};
use parley_engine::workflows::dispatch::{DispatchConfig, Dispatcher};
use parley_engine::workflows::executor::{Executor, ExecutorConfig, STEP_JOB};
use parley_engine::workflows::programs::Programs;
use parley_engine::workflows::{self, WorkflowInput};
use parley_store::repo::conversations as convs;
use parley_store::repo::executions as execs;
use parley_store::repo::{accounts, bots};
use parley_store::testing::{TestDb, postgres, sqlite};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The master secret the benchmark's workflows are sealed under.
const BENCH_KEY: &[u8] = b"workflow bench key of 32 bytes..";

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn graph() -> Value {
    let node = |id: &str, kind: &str, data: Value| json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data});
    json!({
        "nodes": [
            node("t", "trigger", json!({"event": "external:bench"})),
            node("check", "condition", json!({"expression": "event.payload.n >= 0 and conversation.status == \"open\""})),
            node("note", "action", json!({"action": "add_note", "params": {"text": "Event {{event.payload.n}}"}})),
            node("tag", "action", json!({"action": "tag_conversation", "params": {"tag": "benchmarked"}})),
            node("end", "end", json!({})),
        ],
        "edges": [
            {"source": "t", "target": "check"},
            {"source": "check", "sourceHandle": "true", "target": "note"},
            {"source": "check", "sourceHandle": "false", "target": "end"},
            {"source": "note", "target": "tag"},
            {"source": "tag", "target": "end"},
        ],
    })
}

struct Setup {
    actor: Actor,
    workflow: Uuid,
    conversations: Vec<Uuid>,
}

async fn setup(db: &TestDb) -> anyhow::Result<Setup> {
    let store = &db.store;
    parley_engine::bootstrap::ensure_initialized(
        store,
        &parley_engine::vault::Vault::new(b"bench master secret"),
        Some("bench@example.com"),
        Some("bench password 123"),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ws = accounts::oldest_workspace(store.db())
        .await?
        .expect("workspace");
    let user = accounts::find_user_by_email(store.db(), "bench@example.com")
        .await?
        .expect("user");
    let bot = bots::first(store.db()).await?.expect("bot");
    let actor = Actor {
        user_id: user.id,
        workspace_id: ws.id,
        role: Role::Owner,
        token_id: None,
        ip: None,
    };
    let mut conversations = Vec::new();
    for _ in 0..50 {
        let visitor = convs::create_visitor(store.db(), ws.id, bot.id, None).await?;
        conversations.push(convs::create_conversation(store.db(), &visitor).await?.id);
    }
    let input = WorkflowInput {
        name: Some("Bench".into()),
        description: None,
        graph: Some(graph()),
    };
    let wf = workflows::create(store, &Vault::new(BENCH_KEY), &actor, input)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    workflows::set_status(store, &actor, wf.workflow.id, "active")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Setup {
        actor,
        workflow: wf.workflow.id,
        conversations,
    })
}

async fn completed(db: &TestDb, s: &Setup) -> anyhow::Result<u64> {
    let counts = execs::count_by_status(db.store.db(), s.actor.workspace_id, s.workflow).await?;
    Ok(counts
        .into_iter()
        .filter(|(st, _)| st == "completed")
        .map(|(_, n)| n)
        .sum())
}

async fn post(db: &TestDb, s: &Setup, n: u64) -> anyhow::Result<()> {
    let conv = s.conversations[(n as usize) % s.conversations.len()];
    workflows::post_event(
        &db.store,
        &s.actor,
        "bench",
        json!({"n": n, "conversation_id": conv}),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

async fn wait_for(db: &TestDb, s: &Setup, target: u64, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while completed(db, s).await? < target {
        anyhow::ensure!(
            Instant::now() < deadline,
            "timed out waiting for {target} completed executions"
        );
        // Not too often: counting is itself load on the database under test.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

async fn bench(db: TestDb) -> anyhow::Result<Value> {
    let name = db.name;
    let workers: usize = env("BENCH_WORKERS", 8);
    let events: u64 = env("BENCH_EVENTS", 2000);
    let rate: u64 = env("BENCH_RATE", 330);
    let seconds: u64 = env("BENCH_SECONDS", 5);
    let s = setup(&db).await?;
    let hub = Hub::default();
    let executor = Executor {
        store: db.store.clone(),
        hub: hub.clone(),
        vault: Vault::new(BENCH_KEY),
        actions: std::sync::Arc::new(Actions::builtin(AllowHosts::default())),
        programs: Programs::default(),
        config: ExecutorConfig::default(),
    };
    let mut registry = Registry::default();
    registry.register(STEP_JOB, executor);
    let pool = WorkerPool::new(
        db.store.clone(),
        registry,
        WorkerConfig {
            concurrency: workers,
            poll_interval: Duration::from_millis(100),
            ..WorkerConfig::default()
        },
    );
    let stop = CancellationToken::new();
    let dispatcher = Dispatcher {
        store: db.store.clone(),
        hub,
        programs: Programs::default(),
        jobs_wake: pool.waker(),
        config: DispatchConfig::default(),
    };
    tokio::spawn(pool.run(stop.clone()));
    tokio::spawn(dispatcher.run(stop.clone()));

    let db = std::sync::Arc::new(db);
    let s = std::sync::Arc::new(s);

    // 1. Throughput: a burst, written by 8 concurrent writers.
    let started = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..8u64 {
        let (db, s) = (db.clone(), s.clone());
        writers.spawn(async move {
            for n in (w..events).step_by(8) {
                post(&db, &s, n).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = writers.join_next().await {
        r??;
    }
    let posted = started.elapsed();
    wait_for(&db, &s, events, Duration::from_secs(300)).await?;
    let burst = started.elapsed();
    let throughput = events as f64 / burst.as_secs_f64();

    // 2. Latency at a steady rate.
    let since = parley_store::now_ms();
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let begin = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = begin + interval * i as u32;
        tokio::time::sleep_until(due.into()).await;
        let (db, s) = (db.clone(), s.clone());
        writers.spawn(async move { post(&db, &s, events + i).await });
    }
    while let Some(r) = writers.join_next().await {
        r??;
    }
    let offered = total as f64 / begin.elapsed().as_secs_f64();
    wait_for(&db, &s, events + total, Duration::from_secs(120)).await?;
    let mut latencies = Vec::new();
    let filter = execs::ExecutionFilter {
        from: Some(since),
        limit: 200,
        ..Default::default()
    };
    let mut before = None;
    loop {
        let page = execs::list(
            db.store.db(),
            s.actor.workspace_id,
            s.workflow,
            &execs::ExecutionFilter {
                before,
                ..filter.clone()
            },
        )
        .await?;
        for e in &page {
            let steps = execs::steps(db.store.db(), e.id).await?;
            if let Some(first) = steps.iter().find(|st| st.node_type == "action") {
                latencies.push(first.finished_at.unwrap_or(first.started_at) - e.event_at);
            }
        }
        match page.last() {
            Some(last) if page.len() == 200 => before = Some(last.id),
            _ => break,
        }
    }
    latencies.sort_unstable();
    stop.cancel();
    let report = json!({
        "backend": name,
        "workers": workers,
        "throughput": {
            "events": events,
            "posted_ms": posted.as_millis() as u64,
            "completed_ms": burst.as_millis() as u64,
            "executions_per_sec": (throughput * 10.0).round() / 10.0,
        },
        "latency_event_to_first_action_ms": {
            "offered_rate_per_sec": (offered * 10.0).round() / 10.0,
            "samples": latencies.len(),
            "p50": percentile(&latencies, 0.50),
            "p95": percentile(&latencies, 0.95),
            "p99": percentile(&latencies, 0.99),
            "max": latencies.last().copied().unwrap_or(0),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    tokio::time::sleep(Duration::from_millis(200)).await;
    if let Ok(db) = std::sync::Arc::try_unwrap(db) {
        db.close().await;
    }
    Ok(report)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut reports = vec![bench(sqlite().await).await?];
    if let Ok(url) = std::env::var("PARLEY_TEST_DATABASE_URL")
        && !url.is_empty()
    {
        reports.push(bench(postgres(&url).await).await?);
    }
    let path =
        std::env::var("BENCH_REPORT").unwrap_or_else(|_| "target/workflow-bench.json".into());
    std::fs::write(&path, serde_json::to_string_pretty(&reports)?)?;
    eprintln!("report written to {path}");
    Ok(())
}
