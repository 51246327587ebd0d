//! Liveness, readiness (database and queue) and Prometheus metrics.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Serialize, ToSchema)]
pub struct Live {
    status: &'static str,
    version: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready` or `unavailable`.
    status: &'static str,
    checks: ReadyChecks,
}

#[derive(Serialize, ToSchema)]
pub struct ReadyChecks {
    database: DependencyCheck,
    queue: QueueCheck,
    /// Invoice reading (OCR). Optional: without it the node is still ready, and invoice
    /// analyses end `unavailable` with `install` as the fix.
    ocr: OcrCheck,
}

#[derive(Serialize, ToSchema)]
pub struct OcrCheck {
    /// `up` or `missing`.
    status: &'static str,
    /// `tesseract 5.3.0`, when up.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The command that installs it, when missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    install: Option<String>,
}

async fn ocr_check() -> OcrCheck {
    use parley_engine::vision::Availability::{Available, Missing};
    match parley_engine::vision::tesseract().await {
        Available { version } => OcrCheck {
            status: "up",
            version: Some(version),
            error: None,
            install: None,
        },
        Missing { reason, install } => OcrCheck {
            status: "missing",
            version: None,
            error: Some(reason),
            install: Some(install),
        },
    }
}

#[derive(Serialize, ToSchema)]
pub struct DependencyCheck {
    /// `up` or `down`.
    status: &'static str,
    backend: &'static str,
    latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct QueueCheck {
    /// `up`, or `unknown` while the database is down.
    status: &'static str,
    queued: u64,
    running: u64,
    dead: u64,
}

/// The process is up and serving.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Live)))]
async fn live() -> Json<Live> {
    Json(Live {
        status: "live",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Whether this node can serve requests: the database answers within two seconds.
#[utoipa::path(get, path = "/health/ready", tag = "health", responses(
    (status = 200, body = Ready, description = "ready"),
    (status = 503, body = Ready, description = "a dependency is down"),
))]
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Ready>) {
    let backend = state.store.backend_name();
    let started = Instant::now();
    let ping = tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match ping {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("no answer within 2 s".to_string()),
    };
    let stats = match error {
        None => parley_store::jobs::stats(state.store.db()).await.ok(),
        Some(_) => None,
    };
    let up = error.is_none();
    let body = Ready {
        status: if up { "ready" } else { "unavailable" },
        checks: ReadyChecks {
            database: DependencyCheck {
                status: if up { "up" } else { "down" },
                backend,
                latency_ms,
                error,
            },
            queue: QueueCheck {
                status: if stats.is_some() { "up" } else { "unknown" },
                queued: stats.map_or(0, |s| s.queued),
                running: stats.map_or(0, |s| s.running),
                dead: stats.map_or(0, |s| s.dead),
            },
            ocr: ocr_check().await,
        },
    };
    (
        if up {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}

/// Prometheus text format. Queue depth is read from the database at scrape time.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(stats) = parley_store::jobs::stats(state.store.db()).await {
        for (status, n) in [
            ("queued", stats.queued),
            ("running", stats.running),
            ("dead", stats.dead),
        ] {
            metrics::gauge!("parley_jobs", "status" => status).set(n as f64);
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
