//! `parley serve`: open and migrate the database, set up the first workspace, start this
//! node's workers, dispatcher and housekeeping, serve HTTP until a signal, then drain.

use crate::config::Config;
use crate::router::build_router;
use crate::state::AppState;
use anyhow::Context;
use parley_engine::bootstrap::{FirstStart, ensure_initialized, seal_plaintext_secrets};
use parley_engine::live::Hub;
use parley_engine::maintenance;
use parley_engine::services::Services;
use parley_engine::worker::{Registry, WorkerConfig, WorkerPool};
use parley_engine::workflows::actions::Actions;
use parley_engine::workflows::dispatch::{DispatchConfig, Dispatcher};
use parley_engine::workflows::executor::{Executor, ExecutorConfig, STEP_JOB};
use parley_engine::workflows::programs::Programs;
use parley_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// `parley serve`: migrate, set up the first workspace, start the workers and serve until
/// SIGINT or SIGTERM, then drain.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    secure_data_dir(&config)
        .with_context(|| format!("preparing the data directory {}", config.data_dir.display()))?;
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
    )
    .with_integrations(config.integrations.clone());
    seal_plaintext_secrets(&store, &services.vault)
        .await
        .map_err(|e| anyhow::anyhow!("sealing secrets stored in the clear: {e}"))?;
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
    tokio::spawn(parley_engine::node::run(
        crate::node::alerting(&services, &config),
        parley_engine::monitoring::NodeInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            hostname: crate::node::hostname(),
            started_at: parley_store::now_ms(),
            workers: config.workers as i32,
        },
        config.heartbeat,
        config.alert_interval,
        jobs_wake.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(maintenance::run(
        store.clone(),
        Duration::from_secs(600),
        shutdown.clone(),
    ));

    let state = AppState::new(config.clone(), visitor_key, jobs_wake, services);
    let limits = config.connections;
    let app = build_router(state);
    tracing::info!(%address, ready_ms = started.elapsed().as_millis() as u64, "parley is ready");
    // Starting ran code it will not run again (migrations, the first start's seeding).
    crate::memory::page_out_code();
    println!(
        "Parley is listening on http://{address} (dashboard: {}/app/)",
        config.public_url
    );

    crate::listener::serve(listener, app, limits, shutdown.clone()).await;
    if let Some(workers) = workers {
        let _ = workers.await;
    }
    store.close().await;
    tracing::info!("parley stopped");
    Ok(())
}

/// Makes the data directory readable by Parley's user alone: it holds the SQLite database
/// and the secret key. The directory becomes 0700 (tightened if it was looser) and the
/// database file 0600 before SQLite opens it; SQLite gives its `-wal` and `-shm` files the
/// database file's permissions.
fn secure_data_dir(config: &Config) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::fs::{DirBuilder, OpenOptions, Permissions, set_permissions};
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        let dir = &config.data_dir;
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        set_permissions(dir, Permissions::from_mode(0o700))?;
        if let Some(db) = config.sqlite_path() {
            OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&db)?;
            for suffix in ["", "-wal", "-shm"] {
                let file = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
                if file.exists() {
                    set_permissions(&file, Permissions::from_mode(0o600))?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(&config.data_dir)?;
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
    registry.register(
        parley_engine::vision::ANALYZE_JOB,
        parley_engine::vision::AnalyzeHandler::new(services.clone()),
    );
    registry.register(
        parley_engine::privacy::ERASE_JOB,
        parley_engine::privacy::EraseHandler {
            store: services.store.clone(),
        },
    );
    registry.register(
        parley_engine::privacy::RETENTION_JOB,
        parley_engine::privacy::RetentionHandler {
            store: services.store.clone(),
        },
    );
    registry.register(
        parley_engine::alerts::EVALUATE_JOB,
        parley_engine::alerts::EvaluateHandler(crate::node::alerting(services, config)),
    );
    registry.register(
        parley_engine::alerts::DELIVER_JOB,
        parley_engine::alerts::DeliverHandler(crate::node::alerting(services, config)),
    );
    registry.register(
        parley_engine::mail::SEND_JOB,
        parley_engine::mail::SendHandler {
            mailer: config.mail.clone(),
        },
    );
    registry
}

/// The workflow executor, with the built-in actions (webhooks limited by the config's
/// allow-list).
pub fn executor(services: &Services, config: &Config) -> Executor {
    Executor {
        store: services.store.clone(),
        hub: services.hub.clone(),
        vault: services.vault.clone(),
        actions: Arc::new(
            Actions::builtin(config.webhook_allow_hosts.clone())
                .with_integrations(&services.integrations),
        ),
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    /// The directory, the database and the WAL SQLite writes beside it are Parley's user's
    /// alone, also when the directory was made looser before.
    #[tokio::test]
    async fn the_data_directory_and_database_files_are_private() {
        let dir = std::env::temp_dir().join(format!("parley-perm-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let settings = crate::config::Settings {
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let config = Config::resolve(settings, None).unwrap();
        secure_data_dir(&config).unwrap();
        let store = Store::connect(&config.store()).await.unwrap();
        store.migrate().await.unwrap();
        let db = config.sqlite_path().unwrap();
        let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert!(wal.exists(), "WAL mode writes a -wal file");
        assert_eq!(mode(&wal), 0o600);
        store.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
