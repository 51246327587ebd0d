//! This node's background loop: its heartbeat and model-call flush (see
//! [`crate::monitoring`]) and the alert ticks (see [`crate::alerts`]).

use crate::alerts::{Alerting, DatabaseWatch, evaluate_job};
use crate::monitoring::{NodeInfo, flush_provider_stats, heartbeat};
use parley_store::{jobs, now_ms};
use std::time::Duration;

/// Runs until `shutdown`: every `heartbeat` this node's heartbeat and model-call flush;
/// every `alert_every` a database check ([`DatabaseWatch`]) and the tick's
/// alert evaluation job (the same unique key on every node, so one node evaluates it).
pub async fn run(
    alerting: Alerting,
    info: NodeInfo,
    heartbeat_every: Duration,
    alert_every: Duration,
    wake: std::sync::Arc<tokio::sync::Notify>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let store = alerting.store.clone();
    let watch = DatabaseWatch::new(alerting);
    let mut beats = tokio::time::interval(heartbeat_every);
    let mut ticks = tokio::time::interval(alert_every);
    beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = beats.tick() => {
                if let Err(error) = heartbeat(&store, &info).await {
                    tracing::warn!(%error, "writing the heartbeat failed");
                }
                if let Err(error) = flush_provider_stats(&store).await {
                    tracing::warn!(%error, "writing model call statistics failed");
                }
            }
            _ = ticks.tick() => {
                watch.tick().await;
                let job = evaluate_job(now_ms(), alert_every);
                match store.writer().await {
                    Ok(w) => match jobs::enqueue(&w, job).await {
                        Ok(Some(_)) => wake.notify_one(),
                        Ok(None) => {}
                        Err(error) => tracing::debug!(%error, "queueing the alert evaluation failed"),
                    },
                    Err(error) => tracing::debug!(%error, "queueing the alert evaluation failed"),
                }
            }
            _ = shutdown.cancelled() => break,
        }
    }
    // A final flush so a clean stop loses no counted calls.
    let _ = flush_provider_stats(&store).await;
}
