//! What the dashboard's execution console and workflows list read: executions across every
//! workflow, each workflow's recent runs, and per-day analytics with A/B branch outcomes.
//! Read-only; any role may call these.

use super::EXECUTION_STATUSES;
use crate::error::invalid;
use crate::{Actor, EngineResult};
use parley_store::repo::executions::{self as execs, BranchOutcome, Execution, ExecutionFilter};
use parley_store::repo::workflows as wfs;
use parley_store::{Store, now_ms};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const DAY_MS: i64 = 86_400_000;
/// The window of the workflows list's run counts.
pub const RECENT_DAYS: i64 = 7;
/// Analytics cover at most this many days.
pub const MAX_ANALYTICS_DAYS: i64 = 90;
/// Analytics read at most this many executions (the newest beyond it are left out, and
/// the answer says so).
const MAX_ANALYTICS_RUNS: u64 = 50_000;

/// Executions of the workspace, newest first, filtered by workflow, conversation, event
/// name, status and time.
pub async fn all_executions(
    store: &Store,
    actor: &Actor,
    filter: ExecutionFilter,
) -> EngineResult<Vec<Execution>> {
    if let Some(s) = &filter.status
        && !EXECUTION_STATUSES.contains(&s.as_str())
    {
        return Err(invalid(
            "status",
            &format!("must be one of {}", EXECUTION_STATUSES.join(", ")),
        ));
    }
    Ok(execs::list_all(store.db(), actor.workspace_id, &filter).await?)
}

/// A workflow's recent activity, for the workflows list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// When its newest execution started (epoch ms); `None` if it never ran.
    pub last_run_at: Option<i64>,
    /// Executions started in the last [`RECENT_DAYS`] days.
    pub runs: u64,
    /// Of those, how many failed.
    pub failed: u64,
}

/// Every workflow of the workspace that ever ran, with its recent activity.
pub async fn run_summaries(
    store: &Store,
    actor: &Actor,
) -> EngineResult<HashMap<Uuid, RunSummary>> {
    let mut out: HashMap<Uuid, RunSummary> = HashMap::new();
    for (id, last) in execs::last_runs(store.db(), actor.workspace_id).await? {
        out.entry(id).or_default().last_run_at = Some(last);
    }
    let since = now_ms() - RECENT_DAYS * DAY_MS;
    for c in execs::run_counts(store.db(), actor.workspace_id, since).await? {
        let s = out.entry(c.workflow_id).or_default();
        s.runs = c.runs;
        s.failed = c.failed;
    }
    Ok(out)
}

/// One UTC day of a workflow's executions (by the day they started).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStats {
    /// Midnight UTC of the day, epoch ms.
    pub day: i64,
    pub runs: u64,
    pub completed: u64,
    pub failed: u64,
    /// Median time from start to end of the day's finished (completed or failed) runs.
    pub median_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analytics {
    /// Every day of the window, oldest first (days without runs count zero).
    pub days: Vec<DayStats>,
    pub branches: Vec<BranchOutcome>,
    /// False when the window held more executions than analytics read.
    pub complete: bool,
}

/// A workflow's runs, completions, failures and median duration per day over the last
/// `days` days (1 to [`MAX_ANALYTICS_DAYS`]), and its A/B branches' outcomes.
pub async fn analytics(
    store: &Store,
    actor: &Actor,
    workflow_id: Uuid,
    days: i64,
) -> EngineResult<Analytics> {
    if !(1..=MAX_ANALYTICS_DAYS).contains(&days) {
        return Err(invalid(
            "days",
            &format!("must be 1 to {MAX_ANALYTICS_DAYS}"),
        ));
    }
    wfs::get(store.db(), actor.workspace_id, workflow_id).await?;
    let today = now_ms().div_euclid(DAY_MS) * DAY_MS;
    let since = today - (days - 1) * DAY_MS;
    let runs = execs::timings(
        store.db(),
        actor.workspace_id,
        workflow_id,
        since,
        MAX_ANALYTICS_RUNS,
    )
    .await?;
    let complete = (runs.len() as u64) < MAX_ANALYTICS_RUNS;
    let branches =
        execs::branch_outcomes(store.db(), actor.workspace_id, workflow_id, since).await?;
    Ok(Analytics {
        days: per_day(&runs, since, days),
        branches,
        complete,
    })
}

/// Buckets runs into `days` UTC days from `since` (a midnight).
fn per_day(runs: &[execs::RunTiming], since: i64, days: i64) -> Vec<DayStats> {
    let mut buckets: BTreeMap<i64, (DayStats, Vec<i64>)> = (0..days)
        .map(|i| {
            let day = since + i * DAY_MS;
            let empty = DayStats {
                day,
                runs: 0,
                completed: 0,
                failed: 0,
                median_ms: None,
            };
            (day, (empty, Vec::new()))
        })
        .collect();
    for r in runs {
        let day = r.created_at.div_euclid(DAY_MS) * DAY_MS;
        let Some((stats, durations)) = buckets.get_mut(&day) else {
            continue;
        };
        stats.runs += 1;
        match r.status.as_str() {
            execs::COMPLETED => stats.completed += 1,
            execs::FAILED => stats.failed += 1,
            _ => {}
        }
        if matches!(r.status.as_str(), execs::COMPLETED | execs::FAILED)
            && let Some(end) = r.finished_at
        {
            durations.push((end - r.created_at).max(0));
        }
    }
    buckets
        .into_values()
        .map(|(mut stats, mut durations)| {
            stats.median_ms = median(&mut durations);
            stats
        })
        .collect()
}

fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2
    } else {
        values[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use execs::RunTiming;

    fn run(status: &str, created_at: i64, took: Option<i64>) -> RunTiming {
        RunTiming {
            status: status.into(),
            created_at,
            finished_at: took.map(|t| created_at + t),
        }
    }

    #[test]
    fn days_bucket_runs_and_take_the_median_of_finished_ones() {
        let since = 10 * DAY_MS;
        let runs = [
            run("completed", since + 5, Some(100)),
            run("failed", since + 6, Some(300)),
            run("completed", since + 7, Some(200)),
            run("running", since + 8, None),
            run("completed", since + DAY_MS * 2 + 1, Some(40)),
            run("completed", since + DAY_MS * 2 + 2, Some(60)),
            run("completed", since - 1, Some(60)),
        ];
        let days = per_day(&runs, since, 3);
        assert_eq!(days.len(), 3);
        assert_eq!(
            (
                days[0].day,
                days[0].runs,
                days[0].completed,
                days[0].failed,
                days[0].median_ms
            ),
            (since, 4, 2, 1, Some(200))
        );
        assert_eq!((days[1].runs, days[1].median_ms), (0, None));
        assert_eq!((days[2].runs, days[2].median_ms), (2, Some(50)));
    }
}
