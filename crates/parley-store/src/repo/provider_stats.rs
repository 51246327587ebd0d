//! Model provider calls per bot and minute: requests, errors, latencies.
//!
//! The chat path never writes here: each node counts calls in memory and flushes its
//! totals per (workspace, bot, minute) about once a minute (see `parley_engine::monitoring`).
//! A node owns its rows (`node_id` is in the key) and rewrites them with its running
//! totals, so a flush repeated after a failure counts nothing twice and nodes never add to
//! each other's rows. Latencies are kept as a fixed-bucket histogram ([`BOUNDS_MS`]),
//! which adds up across minutes and nodes, so the p50/p95 over an hour are read from the
//! summed buckets (to the bucket's upper bound).

use crate::{StoreResult, now_ms, raw};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

/// Upper bounds (ms) of the latency buckets; one more bucket counts everything slower.
pub const BOUNDS_MS: [i64; 12] = [
    100, 250, 500, 1_000, 2_000, 3_000, 5_000, 8_000, 13_000, 20_000, 30_000, 60_000,
];
/// Minutes of statistics kept.
const KEEP_MS: i64 = 2 * 24 * 3600 * 1000;

/// One node's calls for one bot in one minute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinuteStats {
    pub workspace_id: Uuid,
    pub bot_id: Uuid,
    /// Epoch ms at the start of the minute.
    pub minute: i64,
    pub node_id: Uuid,
    pub requests: i64,
    pub errors: i64,
    pub latency_ms_sum: i64,
    /// Counts per bucket of [`BOUNDS_MS`], plus the overflow bucket.
    pub buckets: Vec<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

/// Writes these rows with their current totals (replacing what the node wrote before for
/// the same minute) and deletes statistics older than two days.
pub async fn save(c: &impl ConnectionTrait, rows: &[MinuteStats]) -> StoreResult<()> {
    let backend = c.get_database_backend();
    for r in rows {
        let sql = "INSERT INTO provider_stats (workspace_id, bot_id, minute, node_id, requests, \
                     errors, latency_ms_sum, buckets, last_error, last_error_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                   ON CONFLICT (workspace_id, minute, bot_id, node_id) DO UPDATE SET \
                     requests = excluded.requests, errors = excluded.errors, \
                     latency_ms_sum = excluded.latency_ms_sum, buckets = excluded.buckets, \
                     last_error = excluded.last_error, last_error_at = excluded.last_error_at";
        let values: Vec<Value> = vec![
            r.workspace_id.into(),
            r.bot_id.into(),
            r.minute.into(),
            r.node_id.into(),
            r.requests.into(),
            r.errors.into(),
            r.latency_ms_sum.into(),
            serde_json::to_string(&r.buckets)
                .expect("numbers serialize")
                .into(),
            r.last_error.clone().into(),
            r.last_error_at.into(),
        ];
        c.execute_raw(raw(backend, sql, values)).await?;
    }
    c.execute_raw(raw(
        backend,
        "DELETE FROM provider_stats WHERE minute < $1",
        vec![(now_ms() - KEEP_MS).into()],
    ))
    .await?;
    Ok(())
}

/// Every row from `since` (epoch ms) on, of one workspace or (None) of all.
pub async fn since(
    c: &impl ConnectionTrait,
    workspace_id: Option<Uuid>,
    since: i64,
) -> StoreResult<Vec<MinuteStats>> {
    let columns = "workspace_id, bot_id, minute, node_id, requests, errors, latency_ms_sum, \
                   buckets, last_error, last_error_at";
    let (sql, values): (String, Vec<Value>) = match workspace_id {
        Some(ws) => (
            format!(
                "SELECT {columns} FROM provider_stats WHERE workspace_id = $1 AND minute >= $2"
            ),
            vec![ws.into(), since.into()],
        ),
        None => (
            format!("SELECT {columns} FROM provider_stats WHERE minute >= $1"),
            vec![since.into()],
        ),
    };
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| {
            let buckets: String = r.try_get("", "buckets")?;
            Ok(MinuteStats {
                workspace_id: r.try_get("", "workspace_id")?,
                bot_id: r.try_get("", "bot_id")?,
                minute: r.try_get("", "minute")?,
                node_id: r.try_get("", "node_id")?,
                requests: r.try_get("", "requests")?,
                errors: r.try_get("", "errors")?,
                latency_ms_sum: r.try_get("", "latency_ms_sum")?,
                buckets: serde_json::from_str(&buckets).map_err(|e| {
                    crate::StoreError::Corrupt(format!("provider_stats.buckets: {e}"))
                })?,
                last_error: r.try_get("", "last_error")?,
                last_error_at: r.try_get("", "last_error_at")?,
            })
        })
        .collect()
}

/// The bucket index of a latency.
pub fn bucket_of(latency_ms: i64) -> usize {
    BOUNDS_MS
        .iter()
        .position(|b| latency_ms <= *b)
        .unwrap_or(BOUNDS_MS.len())
}

/// The `q` quantile (0..=1) of a histogram, as its bucket's upper bound (the overflow
/// bucket reads as the last bound); `None` when it counts nothing.
pub fn quantile(buckets: &[i64], q: f64) -> Option<i64> {
    let total: i64 = buckets.iter().sum();
    if total <= 0 {
        return None;
    }
    let rank = ((total as f64) * q).ceil().max(1.0) as i64;
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return Some(BOUNDS_MS[i.min(BOUNDS_MS.len() - 1)]);
        }
    }
    Some(BOUNDS_MS[BOUNDS_MS.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_read_the_bucket_upper_bound() {
        let mut b = vec![0; BOUNDS_MS.len() + 1];
        for ms in [50, 60, 70, 80, 90, 120, 130, 140, 400, 9_000] {
            b[bucket_of(ms)] += 1;
        }
        assert_eq!(quantile(&b, 0.5), Some(100));
        assert_eq!(quantile(&b, 0.95), Some(13_000));
        assert_eq!(quantile(&[0, 0], 0.5), None);
        assert_eq!(bucket_of(999_999), BOUNDS_MS.len());
    }

    #[tokio::test]
    async fn a_repeated_flush_replaces_the_node_s_minute() {
        for db in crate::testing::test_stores().await {
            let (ws, bot, node) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
            let minute = now_ms() / 60_000 * 60_000;
            let mut row = MinuteStats {
                workspace_id: ws,
                bot_id: bot,
                minute,
                node_id: node,
                requests: 2,
                errors: 1,
                latency_ms_sum: 300,
                buckets: vec![1, 1],
                last_error: Some("503".into()),
                last_error_at: Some(minute),
            };
            save(db.store.db(), std::slice::from_ref(&row))
                .await
                .unwrap();
            row.requests = 3;
            save(db.store.db(), std::slice::from_ref(&row))
                .await
                .unwrap();
            let read = since(db.store.db(), Some(ws), minute).await.unwrap();
            assert_eq!(read, vec![row]);
            assert!(
                since(db.store.db(), Some(Uuid::now_v7()), 0)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
