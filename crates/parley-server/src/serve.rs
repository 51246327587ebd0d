//! `parley serve`: open and migrate the database, set up the first workspace, start this
//! node's workers, dispatcher and housekeeping, serve HTTP until a signal, then drain.

use crate::config::Config;
use crate::router::build_router;
use crate::state::AppState;
use anyhow::Context;
use parley_engine::bootstrap::{FirstStart, ensure_initialized};
use parley_engine::bots::seal_identity_secrets;
use parley_engine::live::Hub;
use parley_engine::maintenance;
use parley_engine::services::Services;
use parley_engine::worker::{Registry, WorkerConfig, WorkerPool};
use parley_engine::workflows::actions::Actions;
use parley_engine::workflows::dispatch::{DispatchConfig, Dispatcher};
use parley_engine::workflows::executor::{Executor, ExecutorConfig, STEP_JOB};
use parley_engine::workflows::programs::Programs;
use parley_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// `parley serve`: migrate, set up the first workspace, start the workers and serve until
/// SIGINT or SIGTERM, then drain.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
    }
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));

    let store = Store::connect(&config.store())
        .await
        .context("opening the database")?;
    migrate_when_reachable(&store, &shutdown).await?;
    let visitor_key = config.signing_key()?;
    let hub = Hub::connected(&store, shutdown.clone());
    let services = Services::new(
        store.clone(),
        hub,
        &visitor_key,
        config.webhook_allow_hosts.clone(),
    );
    let sealed = seal_identity_secrets(&store, &services.vault)
        .await
        .map_err(|e| anyhow::anyhow!("sealing identity secrets: {e}"))?;
    if sealed > 0 {
        tracing::info!(
            bots = sealed,
            "identity secrets stored in the clear are now sealed"
        );
    }
    if let Some(first) = ensure_initialized(
        &store,
        &services.vault,
        config.admin_email.as_deref(),
        config.admin_password.as_deref(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the first account: {e}"))?
    {
        print_first_start(&config, &first);
    }

    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let address = listener.local_addr()?;

    let pool = WorkerPool::new(
        store.clone(),
        job_registry(&services, &config),
        WorkerConfig {
            concurrency: config.workers,
            ..WorkerConfig::default()
        },
    );
    let jobs_wake = pool.waker();
    let workers = (config.workers > 0).then(|| tokio::spawn(pool.run(shutdown.clone())));
    // Events become executions on nodes that run workers (any number of them at once).
    if config.workers > 0 {
        tokio::spawn(dispatcher(&services, jobs_wake.clone()).run(shutdown.clone()));
    }
    tokio::spawn(maintenance::run(
        store.clone(),
        Duration::from_secs(600),
        shutdown.clone(),
    ));

    let state = AppState::new(config.clone(), visitor_key, jobs_wake, services);
    let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
    tracing::info!(%address, ready_ms = started.elapsed().as_millis() as u64, "parley is ready");
    println!(
        "Parley is listening on http://{address} (dashboard: {}/app/)",
        config.public_url
    );

    let stop = shutdown.clone();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .context("serving HTTP")?;
    if let Some(workers) = workers {
        let _ = workers.await;
    }
    store.close().await;
    tracing::info!("parley stopped");
    Ok(())
}

/// Applies migrations, waiting for the database if it is not reachable yet (a PostgreSQL
/// that starts after Parley), until shutdown.
async fn migrate_when_reachable(store: &Store, shutdown: &CancellationToken) -> anyhow::Result<()> {
    let mut wait = Duration::from_millis(250);
    loop {
        match store.migrate().await {
            Ok(()) => return Ok(()),
            Err(parley_store::StoreError::Unavailable(e)) => {
                tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "database unreachable; waiting");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.cancelled() => anyhow::bail!("stopped while waiting for the database"),
                }
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(anyhow::anyhow!("migrating the database: {e}")),
        }
    }
}

fn print_first_start(config: &Config, first: &FirstStart) {
    println!();
    println!(
        "  First start: created the workspace \"{}\" and its owner.",
        parley_engine::bootstrap::DEMO_WORKSPACE
    );
    println!("  Log in at   {}/app/", config.public_url);
    println!("  Email       {}", first.email);
    match &first.generated_password {
        Some(password) => println!("  Password    {password}   (generated; shown only this once)"),
        None => println!("  Password    the one in PARLEY_ADMIN_PASSWORD"),
    }
    println!("  Demo bot    {}", first.bot_public_key);
    println!();
}

async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: finishing requests and running jobs");
    token.cancel();
}

/// Every job kind this node's workers run.
pub fn job_registry(services: &Services, config: &Config) -> Registry {
    let mut registry = Registry::default();
    registry.register(
        parley_engine::knowledge::INGEST_JOB,
        parley_engine::knowledge::IngestHandler {
            services: services.clone(),
        },
    );
    registry.register(STEP_JOB, executor(services, config));
    registry
}

/// The workflow executor, with the built-in actions (webhooks limited by the config's
/// allow-list).
pub fn executor(services: &Services, config: &Config) -> Executor {
    Executor {
        store: services.store.clone(),
        hub: services.hub.clone(),
        actions: Arc::new(Actions::builtin(config.webhook_allow_hosts.clone())),
        programs: Programs::default(),
        config: ExecutorConfig::default(),
    }
}

/// The outbox dispatcher, waking `jobs_wake` (this node's workers) when it starts
/// executions.
pub fn dispatcher(services: &Services, jobs_wake: Arc<Notify>) -> Dispatcher {
    Dispatcher {
        store: services.store.clone(),
        hub: services.hub.clone(),
        programs: Programs::default(),
        jobs_wake,
        config: DispatchConfig::default(),
    }
}
