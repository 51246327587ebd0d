//! Analytics use cases: KPIs of a period (with the previous period to compare), time
//! series, intents, knowledge gaps and CSV exports, all read from the hourly rollup
//! (`repo::analytics`) and never from messages. Days are the workspace's days, in its time
//! zone (UTC when it has none; see docs/analytics.md).

use crate::{Actor, EngineResult};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use parley_domain::analytics::{self as def, DAY_MS, HOUR_MS, Kpis, Totals, metric};
use parley_store::Store;
use parley_store::repo::analytics::{self as rollup, Range};
use std::fmt::Write;
use uuid::Uuid;

/// The zone a workspace's days are counted in: its setting, else UTC.
pub async fn time_zone(store: &Store, actor: &Actor) -> EngineResult<(String, TimeZone)> {
    let name = crate::workspaces::time_zone(store, actor.workspace_id).await?;
    Ok(
        match name.and_then(|n| TimeZone::get(&n).ok().map(|tz| (n, tz))) {
            Some(zone) => zone,
            None => ("UTC".to_string(), TimeZone::UTC),
        },
    )
}

/// The start (UTC epoch milliseconds) of the day in `tz` that contains `at_ms`. The
/// rollup's hours are UTC hours, so in a zone whose offset is not whole hours (India,
/// Nepal) an hour counts in the day its start falls in.
pub fn day_start(at_ms: i64, tz: &TimeZone) -> i64 {
    Timestamp::from_millisecond(at_ms)
        .and_then(|t| t.to_zoned(tz.clone()).start_of_day())
        .map(|d| d.timestamp().as_millisecond())
        .unwrap_or_else(|_| at_ms.div_euclid(DAY_MS) * DAY_MS)
}

/// The start of the day after the one starting at `day_ms` in `tz` (23 or 25 hours later
/// across a daylight-saving change).
fn next_day(day_ms: i64, tz: &TimeZone) -> i64 {
    Timestamp::from_millisecond(day_ms)
        .and_then(|t| t.to_zoned(tz.clone()).tomorrow())
        .and_then(|d| d.start_of_day())
        .map(|d| d.timestamp().as_millisecond())
        .unwrap_or(day_ms + DAY_MS)
}

/// A period of one workspace, optionally one bot.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub bot_id: Option<Uuid>,
    pub from: i64,
    pub to: i64,
}

impl Period {
    fn range(&self, actor: &Actor) -> Range {
        Range {
            workspace_id: actor.workspace_id,
            bot_id: self.bot_id,
            from: self.from,
            to: self.to,
        }
    }
}

/// Everything the KPI cards show for one period.
#[derive(Debug, Clone)]
pub struct PeriodSummary {
    pub kpis: Kpis,
    pub totals: Totals,
    pub unique_visitors: i64,
    pub executions: Vec<(String, i64)>,
}

impl PeriodSummary {
    /// Failed ÷ finished executions (completed, failed or cancelled).
    pub fn execution_failure_rate(&self) -> Option<f64> {
        let count = |s: &str| {
            self.executions
                .iter()
                .filter(|(k, _)| k == s)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        let failed = count("failed");
        def::ratio(failed, failed + count("completed") + count("cancelled"))
    }
}

/// The three reads of a period run side by side (separate pooled connections): the exact
/// distinct-visitor count is the slowest of them (see docs/performance.md).
pub async fn period(store: &Store, actor: &Actor, p: Period) -> EngineResult<PeriodSummary> {
    let r = p.range(actor);
    let (totals, unique_visitors, executions) = tokio::try_join!(
        rollup::totals(store.db(), r),
        rollup::unique_visitors(store.db(), r),
        rollup::executions_by_status(store.db(), r),
    )?;
    Ok(PeriodSummary {
        kpis: def::kpis(&totals),
        unique_visitors,
        executions,
        totals,
    })
}

/// The rollup's counters summed over the period.
pub async fn totals(store: &Store, actor: &Actor, p: Period) -> EngineResult<Totals> {
    Ok(rollup::totals(store.db(), p.range(actor)).await?)
}

/// The period and, when asked, the one of the same length just before it.
pub async fn summary(
    store: &Store,
    actor: &Actor,
    p: Period,
    compare: bool,
) -> EngineResult<(PeriodSummary, Option<PeriodSummary>)> {
    let (from, to) = def::previous_period(p.from, p.to);
    let previous = async {
        match compare {
            true => period(store, actor, Period { from, to, ..p })
                .await
                .map(Some),
            false => Ok(None),
        }
    };
    Ok(tokio::try_join!(period(store, actor, p), previous)?)
}

/// Bucket sizes of a time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
}

/// One metric per bucket from `from` to `to`, zero-filled, so a chart has every point.
pub async fn timeseries(
    store: &Store,
    actor: &Actor,
    p: Period,
    name: &str,
    dim: Option<&str>,
    bucket: Bucket,
    tz: &TimeZone,
) -> EngineResult<Vec<(i64, i64)>> {
    let hours = rollup::hourly(store.db(), p.range(actor), name, dim).await?;
    let start = |at: i64| match bucket {
        Bucket::Hour => def::hour_of(at),
        Bucket::Day => day_start(at, tz),
    };
    let step = |t: i64| match bucket {
        Bucket::Hour => t + HOUR_MS,
        Bucket::Day => next_day(t, tz),
    };
    let mut out = Vec::new();
    let mut t = start(p.from);
    while t < p.to && out.len() < 10_000 {
        out.push((t, 0));
        t = step(t);
    }
    for (hour, v) in hours {
        let b = start(hour);
        if let Some(slot) = out.iter_mut().find(|(s, _)| *s == b) {
            slot.1 += v;
        }
    }
    Ok(out)
}

/// Metrics a time series can show (the rollup's counter names).
pub const SERIES: &[&str] = &[
    metric::CONVERSATIONS,
    metric::MESSAGES,
    metric::HANDOFFS,
    metric::RESOLVED,
    metric::LEADS,
    metric::TURNED_NEGATIVE,
    metric::INTENT,
    metric::SENTIMENT_BAND,
    metric::RATINGS,
    metric::REOPENED,
    metric::IMAGES,
    metric::UNANSWERED,
];

/// Unanswered questions clustered per request: the newest this many of the period.
const GAP_QUESTIONS: u64 = 2_000;

/// The period's knowledge gaps: the questions the bot gave its fallback to, grouped by the
/// word they share, largest group first (the list a team writes its next FAQs from).
pub async fn gaps(store: &Store, actor: &Actor, p: Period) -> EngineResult<Vec<def::GapCluster>> {
    let questions = rollup::unanswered_questions(store.db(), p.range(actor), GAP_QUESTIONS).await?;
    Ok(def::cluster_gaps(&questions))
}

/// Tables the CSV export knows.
pub const TABLES: &[&str] = &["daily", "intents", "executions"];

/// A table as CSV: `daily` (one row per day with the main counters), `intents` or
/// `executions` (by status).
pub async fn export_csv(
    store: &Store,
    actor: &Actor,
    p: Period,
    table: &str,
) -> EngineResult<String> {
    let mut csv = String::new();
    match table {
        "daily" => {
            let cols = [
                metric::CONVERSATIONS,
                metric::MESSAGES,
                metric::HANDOFFS,
                metric::RESOLVED,
                metric::LEADS,
                metric::TURNED_NEGATIVE,
            ];
            let (_, tz) = time_zone(store, actor).await?;
            let mut series = Vec::new();
            for c in cols {
                series.push(timeseries(store, actor, p, c, None, Bucket::Day, &tz).await?);
            }
            csv.push_str("day");
            for c in cols {
                let _ = write!(csv, ",{c}");
            }
            csv.push('\n');
            for (i, (day, _)) in series[0].iter().enumerate() {
                let _ = write!(csv, "{}", local_day(*day, &tz));
                for s in &series {
                    let _ = write!(csv, ",{}", s[i].1);
                }
                csv.push('\n');
            }
        }
        "intents" => {
            let t = rollup::totals(store.db(), p.range(actor)).await?;
            csv.push_str("intent,count\n");
            for (name, n) in t.by_dim(metric::INTENT) {
                let _ = writeln!(csv, "{},{n}", csv_field(&name));
            }
        }
        _ => {
            csv.push_str("status,count\n");
            for (status, n) in rollup::executions_by_status(store.db(), p.range(actor)).await? {
                let _ = writeln!(csv, "{},{n}", csv_field(&status));
            }
        }
    }
    Ok(csv)
}

/// `YYYY-MM-DD` of a day start in `tz`.
fn local_day(ms: i64, tz: &TimeZone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default()
}

/// Quotes a field that holds a comma, quote or newline; neutralises spreadsheet formulas.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Recomputes the rollup from the outbox; returns the events read.
pub async fn rebuild(store: &Store) -> EngineResult<u64> {
    Ok(rollup::rebuild(store).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_the_zones_days() {
        let utc = TimeZone::UTC;
        assert_eq!(local_day(0, &utc), "1970-01-01");
        assert_eq!(local_day(1_796_083_200_000, &utc), "2026-12-01");
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // 2026-12-01 00:30 UTC is 01:30 in Berlin: its day began at 23:00 UTC the day before.
        let at = 1_796_083_200_000 + 30 * 60_000;
        assert_eq!(day_start(at, &berlin), 1_796_083_200_000 - HOUR_MS);
        // The day the clocks go back (2026-10-25) has 25 hours.
        let before = day_start(1_792_800_000_000, &berlin);
        assert_eq!(local_day(before, &berlin), "2026-10-24");
        let change = next_day(before, &berlin);
        assert_eq!(local_day(change, &berlin), "2026-10-25");
        assert_eq!(next_day(change, &berlin) - change, 25 * HOUR_MS);
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
