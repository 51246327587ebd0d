//! Liveness, readiness (database and queue) and Prometheus metrics.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use parley_engine::monitoring;
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
    /// The instance's nodes by their heartbeats. Informational: readiness depends on the
    /// database alone.
    nodes: NodesCheck,
    /// Events waiting for the dispatcher.
    outbox: OutboxCheck,
    /// Model calls of every bot over the last 15 minutes.
    providers: ProvidersCheck,
    /// Integration connections of every workspace.
    integrations: IntegrationsCheck,
    /// Outgoing email (alerts, invitations).
    smtp: SmtpCheck,
}

#[derive(Serialize, ToSchema)]
pub struct NodesCheck {
    /// `up` (every node beats), `degraded` (a node stopped beating) or `unknown`.
    status: &'static str,
    up: u64,
    down: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OutboxCheck {
    /// `up`, `degraded` (the oldest event waited over a minute) or `unknown`.
    status: &'static str,
    undispatched: u64,
    oldest_age_secs: f64,
}

#[derive(Serialize, ToSchema)]
pub struct ProvidersCheck {
    /// `up`, `degraded` (a bot's model failed 20% or more of 5+ calls), `down` (every call
    /// of a bot failed) or `unknown`.
    status: &'static str,
    requests: i64,
    errors: i64,
}

#[derive(Serialize, ToSchema)]
pub struct IntegrationsCheck {
    /// `up`, `degraded` (a connection needs reconnecting or failed) or `unknown`.
    status: &'static str,
    connected: i64,
    needs_reconnect: i64,
    error: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SmtpCheck {
    /// `configured` or `not_configured`.
    status: &'static str,
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
    /// Seconds the oldest due job has waited (0: none due).
    oldest_due_age_secs: f64,
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
    let facts = match up {
        true => Some(facts(&state).await),
        false => None,
    };
    let oldest_due_age_secs = facts
        .as_ref()
        .and_then(|f| f.queue.as_ref())
        .map_or(0.0, |q| q.oldest_due_age_ms as f64 / 1000.0);
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
                oldest_due_age_secs,
            },
            ocr: ocr_check().await,
            nodes: nodes_check(facts.as_ref()),
            outbox: outbox_check(facts.as_ref()),
            providers: providers_check(facts.as_ref()),
            integrations: integrations_check(facts.as_ref()),
            smtp: SmtpCheck {
                status: if state.config.mail.configured() {
                    "configured"
                } else {
                    "not_configured"
                },
            },
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

/// The instance's state beyond the database, read for readiness and metrics; a part that
/// cannot be read is `None` (shown `unknown`).
struct Facts {
    nodes: Option<Vec<parley_store::repo::nodes::Node>>,
    queue: Option<monitoring::QueueInfo>,
    outbox: Option<monitoring::OutboxInfo>,
    providers: Option<Vec<monitoring::ProviderSummary>>,
    integrations: Option<Vec<(String, String, i64)>>,
}

async fn facts(state: &AppState) -> Facts {
    let store = &state.store;
    let since = parley_store::now_ms() - 15 * 60_000;
    Facts {
        nodes: parley_store::repo::nodes::list(store.db()).await.ok(),
        queue: monitoring::queue(store, None).await.ok(),
        outbox: monitoring::outbox_lag(store).await.ok(),
        providers: monitoring::provider_summaries(store, None, since)
            .await
            .ok(),
        integrations: parley_store::repo::nodes::integration_states(store.db())
            .await
            .ok(),
    }
}

fn nodes_check(f: Option<&Facts>) -> NodesCheck {
    let Some(nodes) = f.and_then(|f| f.nodes.as_ref()) else {
        return NodesCheck {
            status: "unknown",
            up: 0,
            down: 0,
        };
    };
    let now = parley_store::now_ms();
    let up = nodes.iter().filter(|n| n.is_up(now)).count() as u64;
    let down = nodes.len() as u64 - up;
    NodesCheck {
        status: if down == 0 { "up" } else { "degraded" },
        up,
        down,
    }
}

fn outbox_check(f: Option<&Facts>) -> OutboxCheck {
    match f.and_then(|f| f.outbox.as_ref()) {
        Some(o) => OutboxCheck {
            status: if o.oldest_age_ms > 60_000 {
                "degraded"
            } else {
                "up"
            },
            undispatched: o.undispatched,
            oldest_age_secs: o.oldest_age_ms as f64 / 1000.0,
        },
        None => OutboxCheck {
            status: "unknown",
            undispatched: 0,
            oldest_age_secs: 0.0,
        },
    }
}

fn providers_check(f: Option<&Facts>) -> ProvidersCheck {
    let Some(ps) = f.and_then(|f| f.providers.as_ref()) else {
        return ProvidersCheck {
            status: "unknown",
            requests: 0,
            errors: 0,
        };
    };
    let down = ps.iter().any(|p| p.requests >= 5 && p.errors == p.requests);
    let degraded = ps.iter().any(|p| p.requests >= 5 && p.error_rate() >= 0.2);
    ProvidersCheck {
        status: if down {
            "down"
        } else if degraded {
            "degraded"
        } else {
            "up"
        },
        requests: ps.iter().map(|p| p.requests).sum(),
        errors: ps.iter().map(|p| p.errors).sum(),
    }
}

fn integrations_check(f: Option<&Facts>) -> IntegrationsCheck {
    let Some(rows) = f.and_then(|f| f.integrations.as_ref()) else {
        return IntegrationsCheck {
            status: "unknown",
            connected: 0,
            needs_reconnect: 0,
            error: 0,
        };
    };
    let count = |state: &str| -> i64 {
        rows.iter()
            .filter(|(_, s, _)| s == state)
            .map(|(_, _, n)| n)
            .sum()
    };
    let (connected, needs_reconnect, error) =
        (count("connected"), count("needs_reconnect"), count("error"));
    IntegrationsCheck {
        status: if needs_reconnect + error > 0 {
            "degraded"
        } else {
            "up"
        },
        connected,
        needs_reconnect,
        error,
    }
}

/// Prometheus text format. Queue depth and age, the outbox, nodes, integrations and firing
/// alerts are read from the database at scrape time; model calls are counted as they
/// happen (on the node that made them).
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let up = matches!(
        tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await,
        Ok(Ok(()))
    );
    metrics::gauge!("parley_database_up").set(if up { 1.0 } else { 0.0 });
    if state.config.is_sqlite()
        && let Some(free) = crate::node::disk_free_percent(&state.config.data_dir)
    {
        metrics::gauge!("parley_data_dir_free_percent").set(free);
    }
    if let Ok(stats) = parley_store::jobs::stats(state.store.db()).await {
        for (status, n) in [
            ("queued", stats.queued),
            ("running", stats.running),
            ("dead", stats.dead),
        ] {
            metrics::gauge!("parley_jobs", "status" => status).set(n as f64);
        }
        metrics::gauge!("parley_jobs_dead_letters").set(stats.dead as f64);
    }
    let f = facts(&state).await;
    if let Some(q) = &f.queue {
        metrics::gauge!("parley_jobs_oldest_due_age_seconds")
            .set(q.oldest_due_age_ms as f64 / 1000.0);
        for k in &q.kinds {
            metrics::gauge!("parley_jobs_queued_by_kind", "kind" => k.kind.clone())
                .set(k.queued as f64);
        }
    }
    if let Some(o) = &f.outbox {
        metrics::gauge!("parley_outbox_undispatched").set(o.undispatched as f64);
        metrics::gauge!("parley_outbox_oldest_age_seconds").set(o.oldest_age_ms as f64 / 1000.0);
    }
    if let Some(nodes) = &f.nodes {
        let now = parley_store::now_ms();
        let up = nodes.iter().filter(|n| n.is_up(now)).count();
        metrics::gauge!("parley_nodes", "status" => "up").set(up as f64);
        metrics::gauge!("parley_nodes", "status" => "down").set((nodes.len() - up) as f64);
        for n in nodes {
            let id = n.id.to_string();
            metrics::gauge!("parley_node_last_seen_timestamp_seconds", "node" => id.clone(), "hostname" => n.hostname.clone())
                .set(n.last_seen_at as f64 / 1000.0);
            metrics::gauge!("parley_node_workers_busy", "node" => id).set(n.workers_busy as f64);
        }
    }
    if let Some(rows) = &f.integrations {
        for state in ["connected", "needs_reconnect", "error"] {
            for provider in ["slack", "hubspot", "google"] {
                let n: i64 = rows
                    .iter()
                    .filter(|(p, s, _)| p == provider && s == state)
                    .map(|(_, _, n)| n)
                    .sum();
                metrics::gauge!("parley_integration_connections", "provider" => provider, "state" => state)
                    .set(n as f64);
            }
        }
    }
    if let Ok(firing) = parley_store::repo::nodes::firing_alerts(state.store.db()).await {
        for kind in parley_engine::alerts::KINDS {
            let n = firing
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(0, |(_, n)| *n);
            metrics::gauge!("parley_alerts_firing", "kind" => kind).set(n as f64);
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
