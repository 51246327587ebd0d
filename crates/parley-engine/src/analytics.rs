//! Analytics use cases: KPIs of a period (with the previous period to compare), time
//! series, intents and CSV exports, all read from the hourly rollup
//! (`repo::analytics`) and never from messages. Days are UTC days: a workspace has no time
//! zone setting yet (see docs/analytics.md).

use crate::{Actor, EngineResult};
use parley_domain::analytics::{self as def, DAY_MS, HOUR_MS, Kpis, Totals, metric};
use parley_store::Store;
use parley_store::repo::analytics::{self as rollup, Range};
use std::fmt::Write;
use uuid::Uuid;

/// The only zone days are counted in, until workspaces have their own.
pub const TIME_ZONE: &str = "UTC";

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
) -> EngineResult<Vec<(i64, i64)>> {
    let hours = rollup::hourly(store.db(), p.range(actor), name, dim).await?;
    let start = |at: i64| match bucket {
        Bucket::Hour => def::hour_of(at),
        Bucket::Day => def::day_of(at, 0),
    };
    let step = match bucket {
        Bucket::Hour => HOUR_MS,
        Bucket::Day => DAY_MS,
    };
    let mut out = Vec::new();
    let mut t = start(p.from);
    while t < p.to && out.len() < 10_000 {
        out.push((t, 0));
        t += step;
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
];

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
            let mut series = Vec::new();
            for c in cols {
                series.push(timeseries(store, actor, p, c, None, Bucket::Day).await?);
            }
            csv.push_str("day");
            for c in cols {
                let _ = write!(csv, ",{c}");
            }
            csv.push('\n');
            for (i, (day, _)) in series[0].iter().enumerate() {
                let _ = write!(csv, "{}", iso_day(*day));
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

/// `YYYY-MM-DD` of a UTC day start.
pub fn iso_day(ms: i64) -> String {
    // Civil-from-days (Howard Hinnant's algorithm), to keep this crate free of a date
    // library for one format.
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Quotes a field that holds a comma, quote or newline; neutralises spreadsheet formulas.
fn csv_field(s: &str) -> String {
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
    fn iso_days() {
        assert_eq!(iso_day(0), "1970-01-01");
        assert_eq!(iso_day(1_796_083_200_000), "2026-12-01");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
