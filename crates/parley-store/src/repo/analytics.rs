//! The analytics rollup (`analytics_hourly`): counters per workspace, bot, hour, metric and
//! dimension. The dispatcher adds each batch of outbox events in the transaction that
//! claims them (so a counted event is a dispatched event, exactly once); [`rebuild`]
//! recomputes everything from the outbox. What an event counts is defined once, in
//! `parley_domain::analytics::increments`.

use crate::repo::outbox::OutboxEvent;
use crate::{Store, StoreResult, raw};
use parley_domain::analytics::{self, Totals};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Counter changes keyed by (workspace, bot, hour, metric, dim).
pub type Deltas = HashMap<(Uuid, Uuid, i64, &'static str, String), i64>;

/// What `events` add to the rollup, summed per row (a batch of a busy conversation turns
/// into a few upserts, not one per event).
pub fn deltas(events: &[OutboxEvent], into: &mut Deltas) {
    for e in events {
        let Some(bot) = analytics::bot_of(&e.payload) else {
            continue;
        };
        let hour = analytics::hour_of(e.created_at);
        for i in analytics::increments(&e.event_type, &e.payload) {
            *into
                .entry((e.workspace_id, bot, hour, i.metric, i.dim))
                .or_default() += i.value;
        }
    }
}

/// Adds `deltas` to the rollup: one multi-row upsert per 200 rows, on both databases
/// (`ON CONFLICT … DO UPDATE` with `excluded`).
pub async fn add(c: &impl ConnectionTrait, deltas: &Deltas) -> StoreResult<()> {
    let rows: Vec<_> = deltas.iter().filter(|(_, v)| **v != 0).collect();
    for chunk in rows.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO analytics_hourly (workspace_id, bot_id, hour, metric, dim, value) VALUES ",
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 6);
        for (i, ((ws, bot, hour, metric, dim), v)) in chunk.iter().enumerate() {
            let n = i * 6;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6
            ));
            values.extend([
                (*ws).into(),
                (*bot).into(),
                (*hour).into(),
                (*metric).into(),
                dim.clone().into(),
                (**v).into(),
            ]);
        }
        sql.push_str(
            " ON CONFLICT (workspace_id, hour, bot_id, metric, dim) \
             DO UPDATE SET value = analytics_hourly.value + excluded.value",
        );
        c.execute_raw(raw(c.get_database_backend(), &sql, values))
            .await?;
    }
    Ok(())
}

/// Recomputes the whole rollup from the dispatched events in the outbox, in one
/// transaction; returns how many events it read. On PostgreSQL the rollup is locked first,
/// so a dispatcher committing meanwhile waits and then adds only events this rebuild did
/// not see as dispatched; on SQLite the transaction holds the only write lock.
pub async fn rebuild(store: &Store) -> StoreResult<u64> {
    let tx = store.begin().await?;
    let backend = tx.get_database_backend();
    if backend == DbBackend::Postgres {
        tx.execute_raw(raw(
            backend,
            "LOCK TABLE analytics_hourly IN EXCLUSIVE MODE",
            vec![],
        ))
        .await?;
    }
    tx.execute_raw(raw(backend, "DELETE FROM analytics_hourly", vec![]))
        .await?;
    let mut after = Uuid::nil();
    let mut read = 0u64;
    let mut all = Deltas::new();
    loop {
        let rows = tx
            .query_all_raw(raw(
                backend,
                "SELECT id, workspace_id, event_type, payload, created_at, dispatched_at \
                 FROM outbox WHERE dispatched_at IS NOT NULL AND id > $1 ORDER BY id LIMIT 5000",
                vec![after.into()],
            ))
            .await?;
        if rows.is_empty() {
            break;
        }
        let events = rows
            .iter()
            .map(|row| OutboxEvent::from_query_result(row, ""))
            .collect::<Result<Vec<_>, _>>()?;
        read += events.len() as u64;
        after = events.last().map(|e| e.id).unwrap_or(after);
        deltas(&events, &mut all);
    }
    add(&tx, &all).await?;
    tx.commit().await?;
    Ok(read)
}

/// Filters every analytics query takes.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub workspace_id: Uuid,
    pub bot_id: Option<Uuid>,
    /// Inclusive, UTC epoch milliseconds; rounded down to the hour by the rollup.
    pub from: i64,
    /// Exclusive.
    pub to: i64,
}

impl Range {
    fn filter(&self, values: &mut Vec<Value>) -> String {
        values.extend([self.workspace_id.into(), self.from.into(), self.to.into()]);
        let mut sql = String::from("workspace_id = $1 AND hour >= $2 AND hour < $3");
        if let Some(bot) = self.bot_id {
            values.push(bot.into());
            sql.push_str(&format!(" AND bot_id = ${}", values.len()));
        }
        sql
    }
}

/// Every counter summed over the range.
pub async fn totals(c: &impl ConnectionTrait, r: Range) -> StoreResult<Totals> {
    let mut values = vec![];
    let filter = r.filter(&mut values);
    let sql = format!(
        "SELECT metric, dim, CAST(SUM(value) AS BIGINT) AS v FROM analytics_hourly WHERE {filter} \
         GROUP BY metric, dim"
    );
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), &sql, values))
        .await?;
    let mut t = Totals::default();
    for row in rows {
        let metric: String = row.try_get("", "metric")?;
        let dim: String = row.try_get("", "dim")?;
        t.add(&metric, &dim, sum_of(&row)?);
    }
    Ok(t)
}

/// One metric per hour over the range (hours without counts are absent), optionally
/// only one dimension of it.
pub async fn hourly(
    c: &impl ConnectionTrait,
    r: Range,
    metric: &str,
    dim: Option<&str>,
) -> StoreResult<Vec<(i64, i64)>> {
    let mut values = vec![];
    let filter = r.filter(&mut values);
    values.push(metric.into());
    let mut sql = format!(
        "SELECT hour, CAST(SUM(value) AS BIGINT) AS v FROM analytics_hourly WHERE {filter} AND metric = ${}",
        values.len()
    );
    if let Some(dim) = dim {
        values.push(dim.into());
        sql.push_str(&format!(" AND dim = ${}", values.len()));
    }
    sql.push_str(" GROUP BY hour ORDER BY hour");
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "hour")?, sum_of(row)?)))
        .collect()
}

/// Sums are cast back to BIGINT in SQL (PostgreSQL sums BIGINT into NUMERIC).
fn sum_of(row: &sea_orm::QueryResult) -> StoreResult<i64> {
    Ok(row.try_get::<i64>("", "v")?)
}

/// Executions started in the range, by status (from the executions table: a workspace
/// has far fewer executions than messages, and they are indexed by workspace).
pub async fn executions_by_status(
    c: &impl ConnectionTrait,
    r: Range,
) -> StoreResult<Vec<(String, i64)>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT status, COUNT(*) AS v FROM executions WHERE workspace_id = $1 \
             AND created_at >= $2 AND created_at < $3 GROUP BY status ORDER BY status",
            vec![r.workspace_id.into(), r.from.into(), r.to.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "status")?, row.try_get::<i64>("", "v")?)))
        .collect()
}

/// Distinct visitors who started a conversation in the range (not additive over hours, so
/// read from conversations, never from messages).
pub async fn unique_visitors(c: &impl ConnectionTrait, r: Range) -> StoreResult<i64> {
    let mut values: Vec<Value> = vec![r.workspace_id.into(), r.from.into(), r.to.into()];
    let mut sql = String::from(
        "SELECT COUNT(DISTINCT visitor_id) AS v FROM conversations WHERE workspace_id = $1 \
         AND created_at >= $2 AND created_at < $3",
    );
    if let Some(bot) = r.bot_id {
        values.push(bot.into());
        sql.push_str(" AND bot_id = $4");
    }
    let row = c
        .query_one_raw(raw(c.get_database_backend(), &sql, values))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "v")?,
        None => 0,
    })
}

/// The questions the bot could not answer in the range (its `reply.unanswered` events),
/// newest first, at most `limit`: the input of the knowledge-gap clusters.
pub async fn unanswered_questions(
    c: &impl ConnectionTrait,
    r: Range,
    limit: u64,
) -> StoreResult<Vec<String>> {
    let values: Vec<Value> = vec![
        r.workspace_id.into(),
        "reply.unanswered".into(),
        r.from.into(),
        r.to.into(),
        // Other bots' questions are skipped below (the bot is inside the payload), so read
        // more rows when filtering by one.
        (if r.bot_id.is_some() { limit * 4 } else { limit } as i64).into(),
    ];
    let sql = "SELECT payload FROM outbox WHERE workspace_id = $1 AND event_type = $2 \
               AND created_at >= $3 AND created_at < $4 ORDER BY created_at DESC LIMIT $5";
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let payload: serde_json::Value = row.try_get("", "payload")?;
        if r.bot_id.is_some() && analytics::bot_of(&payload) != r.bot_id {
            continue;
        }
        if let Some(q) = payload.get("question").and_then(serde_json::Value::as_str) {
            out.push(q.to_string());
        }
        if out.len() as u64 >= limit {
            break;
        }
    }
    Ok(out)
}
