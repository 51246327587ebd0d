//! Housekeeping that keeps tables small: expired sessions and old finished jobs.

use parley_store::repo::sessions;
use parley_store::{Store, jobs, now_ms};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Finished jobs are kept this long for inspection, then deleted.
const KEEP_DONE_JOBS: Duration = Duration::from_secs(7 * 24 * 3600);

/// Runs the sweep every `every` until shutdown. Failures are logged and retried next round.
pub async fn run(store: Store, every: Duration, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = sweep(&store).await {
            tracing::warn!(error = %e, "maintenance sweep failed");
        }
        if let Err(e) = crate::privacy::schedule_retention(&store).await {
            tracing::warn!(error = %e, "queueing the daily retention job failed");
        }
    }
}

pub async fn sweep(store: &Store) -> parley_store::StoreResult<(u64, u64)> {
    let now = now_ms();
    let writer = store.writer().await?;
    let sessions = sessions::purge_expired(&writer, now).await?;
    let jobs = jobs::purge_done(&writer, now - KEEP_DONE_JOBS.as_millis() as i64).await?;
    if sessions + jobs > 0 {
        tracing::info!(sessions, jobs, "maintenance removed expired rows");
    }
    Ok((sessions, jobs))
}
