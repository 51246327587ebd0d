//! Integration actions per second against the vendor-contract servers, with the real
//! dispatcher, worker pool and executor in-process on SQLite: one workflow per provider
//! (trigger → one action → end), `BENCH_EVENTS` events at once.
//!
//! - vendor limits off: the engine's own ceiling;
//! - vendor limits on (Slack 20 posts per channel per 10 s, HubSpot 100 calls per 10 s,
//!   Google 60 per user per minute): Parley must ride them, with at most one 429 per
//!   `Retry-After` window.
//!
//! ```sh
//! cargo run --release -p parley-engine --example integrations_bench
//! ```

use parley_domain::Role;
use parley_engine::Actor;
use parley_engine::integrations::{IntegrationSettings, Integrations};
use parley_engine::live::Hub;
use parley_engine::vault::Vault;
use parley_engine::worker::{Registry, WorkerConfig, WorkerPool};
use parley_engine::workflows::actions::{Actions, AllowHosts};
use parley_engine::workflows::dispatch::{DispatchConfig, Dispatcher};
use parley_engine::workflows::executor::{Executor, ExecutorConfig, STEP_JOB};
use parley_engine::workflows::programs::Programs;
use parley_engine::workflows::{self, WorkflowInput};
use parley_integrations::testing::{self, Contracts};
use parley_integrations::{Endpoints, Provider, oauth::OAuthApp};
use parley_store::repo::accounts;
use parley_store::repo::executions as execs;
use parley_store::testing::{TestDb, sqlite};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const KEY: &[u8] = b"integrations bench key, 32 bytes";

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn action(provider: Provider) -> Value {
    match provider {
        Provider::Slack => {
            json!({"action": "slack_message", "retries": 10, "params": {"channel": "C0GENERAL", "text": "n={{event.payload.n}}"}})
        }
        Provider::Hubspot => {
            json!({"action": "hubspot_contact", "retries": 10, "params": {"email": "lead{{event.payload.n}}@example.com"}})
        }
        Provider::Google => {
            json!({"action": "sheets_append_row", "retries": 10, "params": {"spreadsheet_id": testing::SPREADSHEET_ID,
                "sheet": "Sheet1", "values": "[\"{{event.payload.n}}\"]"}})
        }
    }
}

fn graph(provider: Provider) -> Value {
    let node = |id: &str, kind: &str, data: Value| json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data});
    json!({
        "nodes": [
            node("t", "trigger", json!({"event": format!("external:{}", provider.id())})),
            node("act", "action", action(provider)),
            node("end", "end", json!({})),
        ],
        "edges": [{"source": "t", "target": "act"}, {"source": "act", "target": "end"}],
    })
}

async fn run(
    db: &TestDb,
    c: &Contracts,
    limits: bool,
    events: &[(Provider, u64)],
) -> anyhow::Result<Vec<Value>> {
    let store = &db.store;
    parley_engine::bootstrap::ensure_initialized(
        store,
        &Vault::new(KEY),
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
    let actor = Actor {
        user_id: user.id,
        workspace_id: ws.id,
        role: Role::Owner,
        token_id: None,
        ip: None,
    };
    let hub = Hub::default();
    let mut apps = std::collections::HashMap::new();
    apps.insert(
        Provider::Google,
        OAuthApp {
            client_id: testing::GOOGLE_CLIENT.0.into(),
            client_secret: testing::GOOGLE_CLIENT.1.into(),
        },
    );
    // Limits on: Google's default quotas; off: the engine's own ceiling.
    let sheets_quota = if limits {
        (300, 60)
    } else {
        (10_000_000, 10_000_000)
    };
    let integrations = Integrations::new(
        store.clone(),
        hub.clone(),
        Vault::new(KEY),
        IntegrationSettings {
            endpoints: Endpoints::with_bases(
                Some(&c.slack_base()),
                Some(&c.hubspot_base()),
                Some(&c.google_base()),
            ),
            apps,
            sheets_quota,
            ..Default::default()
        },
    );
    integrations
        .connect_token(&actor, Provider::Slack, testing::SLACK_BOT_TOKEN)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    integrations
        .connect_token(&actor, Provider::Hubspot, testing::HUBSPOT_SERVICE_KEY)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let url = integrations
        .begin_connect(&actor, Provider::Google)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let page = reqwest::get(&url).await?.text().await?;
    let start = page.find("id=\"allow\" href=\"").expect("allow link") + 17;
    let href = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let back = reqwest::Url::parse(&href)?;
    let q = |k: &str| {
        back.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_string())
            .unwrap()
    };
    integrations
        .finish_connect(user.id, Provider::Google, &q("state"), &q("code"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let executor = Executor {
        store: store.clone(),
        hub: hub.clone(),
        vault: Vault::new(KEY),
        actions: Arc::new(Actions::builtin(AllowHosts::default()).with_integrations(&integrations)),
        programs: Programs::default(),
        config: ExecutorConfig {
            retry_base: Duration::from_millis(200),
            ..ExecutorConfig::default()
        },
    };
    let mut registry = Registry::default();
    registry.register(STEP_JOB, executor);
    let pool = WorkerPool::new(
        store.clone(),
        registry,
        WorkerConfig {
            concurrency: env("BENCH_WORKERS", 16),
            poll_interval: Duration::from_millis(50),
            ..WorkerConfig::default()
        },
    );
    let stop = CancellationToken::new();
    let dispatcher = Dispatcher {
        store: store.clone(),
        hub,
        programs: Programs::default(),
        jobs_wake: pool.waker(),
        config: DispatchConfig::default(),
    };
    tokio::spawn(pool.run(stop.clone()));
    tokio::spawn(dispatcher.run(stop.clone()));

    let mut report = Vec::new();
    for &(provider, n) in events {
        let wf = workflows::create(
            store,
            &Vault::new(KEY),
            &actor,
            WorkflowInput {
                name: Some(format!("bench {}", provider.id())),
                description: None,
                graph: Some(graph(provider)),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        workflows::set_status(store, &actor, wf.workflow.id, "active")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let limited_before = c.world().rate_limited;
        let started = Instant::now();
        for i in 0..n {
            workflows::post_event(store, &actor, provider.id(), json!({"n": i}))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            let counts = execs::count_by_status(store.db(), ws.id, wf.workflow.id).await?;
            let done: u64 = counts
                .iter()
                .filter(|(s, _)| s == "completed")
                .map(|(_, n)| n)
                .sum();
            let failed: u64 = counts
                .iter()
                .filter(|(s, _)| s == "failed")
                .map(|(_, n)| n)
                .sum();
            if failed > 0 {
                let filter = execs::ExecutionFilter {
                    status: Some("failed".into()),
                    limit: 5,
                    ..Default::default()
                };
                for e in execs::list(store.db(), ws.id, wf.workflow.id, &filter).await? {
                    for st in execs::steps(store.db(), e.id).await? {
                        eprintln!(
                            "failed step {} attempt {}: {:?}",
                            st.node_id, st.attempt, st.error
                        );
                    }
                }
                anyhow::bail!("{failed} executions failed");
            }
            if done >= n {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "timed out");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = started.elapsed().as_secs_f64();
        let limited = c.world().rate_limited - limited_before;
        let line = json!({
            "provider": provider.id(), "vendor_limits": limits, "actions": n,
            "seconds": (secs * 100.0).round() / 100.0, "actions_per_s": (n as f64 / secs * 10.0).round() / 10.0,
            "rate_limited_429s": limited,
        });
        println!("{line}");
        report.push(line);
    }
    stop.cancel();
    Ok(report)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let off: u64 = env("BENCH_EVENTS", 500);
    let c = testing::start(0).await;
    c.world().rate_limits = false;
    let db = sqlite().await;
    let mut all = run(
        &db,
        &c,
        false,
        &[
            (Provider::Slack, off),
            (Provider::Hubspot, off),
            (Provider::Google, off),
        ],
    )
    .await?;
    let c = testing::start(0).await;
    let db = sqlite().await;
    // Enough to cross several windows: Slack 20 per 10 s, HubSpot 100 per 10 s, Google 60/min.
    all.extend(
        run(
            &db,
            &c,
            true,
            &[
                (Provider::Slack, 60),
                (Provider::Hubspot, 250),
                (Provider::Google, 90),
            ],
        )
        .await?,
    );
    let path =
        std::env::var("BENCH_REPORT").unwrap_or_else(|_| "target/integrations-bench.json".into());
    std::fs::write(&path, serde_json::to_string_pretty(&all)?)?;
    println!("wrote {path}");
    Ok(())
}
