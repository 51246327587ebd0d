//! Assembling the application: state, router and middleware, and running `parley serve`.

use crate::config::Config;
use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routes::{self, health};
use crate::{assets, metrics};
use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderName;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use parley_engine::auth::Auth;
use parley_engine::bootstrap::{FirstStart, ensure_initialized};
use parley_engine::bots::seal_identity_secrets;
use parley_engine::chat::ChatContext;
use parley_engine::live::Hub;
use parley_engine::maintenance;
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
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub auth: Arc<Auth>,
    pub config: Arc<Config>,
    pub metrics: PrometheusHandle,
    /// Signs and checks visitor session tokens.
    pub visitor_key: Arc<[u8]>,
    /// Wakes this node's workers after a request enqueued a job.
    pub jobs_wake: Arc<Notify>,
    /// Live events for dashboards and widgets.
    pub hub: Hub,
    /// What answering visitors needs (store, hub, vault, model client).
    pub chat: ChatContext,
    /// Widget writes per address and bot.
    pub widget_limiter: Arc<crate::routes::widget::WidgetLimiter>,
}

impl AppState {
    /// `chat` carries the store and the live hub the rest of the state shares.
    pub fn new(
        config: Config,
        visitor_key: Vec<u8>,
        jobs_wake: Arc<Notify>,
        chat: ChatContext,
    ) -> Self {
        let auth = Arc::new(Auth::new(chat.store.clone(), config.session_ttl));
        Self {
            auth,
            widget_limiter: Arc::new(crate::routes::widget::WidgetLimiter::new(
                config.widget_rate_per_minute,
            )),
            config: Arc::new(config),
            metrics: metrics::handle(),
            store: chat.store.clone(),
            hub: chat.hub.clone(),
            chat,
            visitor_key: visitor_key.into(),
            jobs_wake,
        }
    }
}

/// Every job kind this node's workers run.
pub fn job_registry(chat: &ChatContext, config: &Config) -> Registry {
    let mut registry = Registry::default();
    registry.register(
        parley_engine::knowledge::INGEST_JOB,
        parley_engine::knowledge::IngestHandler { chat: chat.clone() },
    );
    registry.register(STEP_JOB, executor(chat, config));
    registry
}

/// The workflow executor, with the built-in actions (webhooks limited by the config's
/// allow-list).
pub fn executor(chat: &ChatContext, config: &Config) -> Executor {
    Executor {
        store: chat.store.clone(),
        hub: chat.hub.clone(),
        actions: Arc::new(Actions::builtin(config.webhook_allow_hosts.clone())),
        programs: Programs::default(),
        config: ExecutorConfig::default(),
    }
}

/// The outbox dispatcher, waking `jobs_wake` (this node's workers) when it starts
/// executions.
pub fn dispatcher(chat: &ChatContext, jobs_wake: Arc<Notify>) -> Dispatcher {
    Dispatcher {
        store: chat.store.clone(),
        hub: chat.hub.clone(),
        programs: Programs::default(),
        jobs_wake,
        config: DispatchConfig::default(),
    }
}

/// Every documented route: health and the admin API.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(routes::api_v1())
        .merge(routes::widget::router())
}

pub fn build_router(state: AppState) -> Router {
    let (api, doc) = api_routes().split_for_parts();
    let doc = Arc::new(doc);
    let request_id = HeaderName::from_static("x-request-id");
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
        )
        .layer(PropagateRequestIdLayer::new(request_id));

    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(doc.as_ref().clone()) }),
        )
        .route("/metrics", get(health::metrics))
        .route("/", get(assets::root))
        .route("/widget.js", get(assets::widget_js))
        .route("/app", get(|| async { Redirect::permanent("/app/") }))
        .route("/app/", get(assets::index))
        .route("/app/{*path}", get(assets::asset))
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                "no such route",
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn(routes::widget::cors))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(middleware)
        .with_state(state)
}

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
    let chat = ChatContext::new(store.clone(), hub, &visitor_key);
    let sealed = seal_identity_secrets(&store, &chat.vault)
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
        &chat.vault,
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
        job_registry(&chat, &config),
        WorkerConfig {
            concurrency: config.workers,
            ..WorkerConfig::default()
        },
    );
    let jobs_wake = pool.waker();
    let workers = (config.workers > 0).then(|| tokio::spawn(pool.run(shutdown.clone())));
    // Events become executions on nodes that run workers (any number of them at once).
    if config.workers > 0 {
        tokio::spawn(dispatcher(&chat, jobs_wake.clone()).run(shutdown.clone()));
    }
    tokio::spawn(maintenance::run(
        store.clone(),
        Duration::from_secs(600),
        shutdown.clone(),
    ));

    let state = AppState::new(config.clone(), visitor_key, jobs_wake, chat);
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
