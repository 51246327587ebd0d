//! The durable job queue: events, workflow steps, delays and ingestion all run as jobs.
//!
//! A job is claimed with a lease. The claim stamps a fresh lease token; completing, failing or
//! extending needs that token, so a worker that stalled past its lease cannot overwrite what
//! the worker that took the job over decided. On PostgreSQL, claims skip rows other nodes
//! have locked (`FOR UPDATE SKIP LOCKED`); on SQLite the claim is one UPDATE statement, which
//! SQLite runs under its single write lock.

use crate::entities::job;
use crate::{StoreResult, now_ms, raw};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, QueryResult, Value,
    sea_query::OnConflict,
};
use uuid::Uuid;

pub type JobRow = job::Model;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const DEAD: &str = "dead";

/// A job to enqueue. Defaults: priority 0, due now, 5 attempts, no deduplication.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub priority: i32,
    pub run_at: i64,
    pub max_attempts: i32,
    pub unique_key: Option<String>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            priority: 0,
            run_at: now_ms(),
            max_attempts: 5,
            unique_key: None,
        }
    }

    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// Not before this time (epoch ms).
    pub fn run_at(mut self, run_at: i64) -> Self {
        self.run_at = run_at;
        self
    }

    pub fn max_attempts(mut self, max_attempts: i32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Enqueuing another job with the same key while this one exists does nothing.
    pub fn unique_key(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Counting this claim.
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_token: Uuid,
}

/// How many jobs are in each state, for health checks and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
}

/// The row of a job about to be queued.
fn queued_row(id: Uuid, job: NewJob, now: i64) -> job::ActiveModel {
    job::ActiveModel {
        id: Set(id),
        kind: Set(job.kind),
        payload: Set(job.payload),
        priority: Set(job.priority),
        run_at: Set(job.run_at),
        status: Set(QUEUED.into()),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        lease_token: Set(None),
        lease_until: Set(None),
        last_error: Set(None),
        unique_key: Set(job.unique_key),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    }
}

/// Adds a job. Returns its id, or `None` when a job with the same unique key already exists.
pub async fn enqueue(c: &impl ConnectionTrait, job: NewJob) -> StoreResult<Option<Uuid>> {
    let id = Uuid::now_v7();
    let inserted = job::Entity::insert(queued_row(id, job, now_ms()))
        .on_conflict(
            OnConflict::column(job::Column::UniqueKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// Adds several jobs in one statement (jobs whose unique key exists are skipped).
pub async fn enqueue_many(c: &impl ConnectionTrait, jobs: Vec<NewJob>) -> StoreResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let models = jobs
        .into_iter()
        .map(|job| queued_row(Uuid::now_v7(), job, now));
    job::Entity::insert_many(models)
        .on_conflict(
            OnConflict::column(job::Column::UniqueKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// Claims up to `limit` jobs that are due, or whose previous lease expired (their worker
/// died), highest priority first, and leases them until `now + lease_ms`.
pub async fn claim(
    c: &impl ConnectionTrait,
    limit: u64,
    lease_ms: i64,
) -> StoreResult<Vec<ClaimedJob>> {
    let backend = c.get_database_backend();
    let lock = match backend {
        DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let now = now_ms();
    let token = Uuid::new_v4();
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_token = $1, \
                lease_until = $2, updated_at = $3 \
         WHERE id IN (SELECT id FROM jobs \
                      WHERE (status = 'queued' AND run_at <= $3) \
                         OR (status = 'running' AND lease_until < $3) \
                      ORDER BY priority DESC, run_at ASC LIMIT $4 {lock}) \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    let values: Vec<Value> = vec![
        token.into(),
        (now + lease_ms).into(),
        now.into(),
        (limit as i64).into(),
    ];
    let rows = c.query_all_raw(raw(backend, &sql, values)).await?;
    rows.iter().map(|row| claimed(row, token)).collect()
}

fn claimed(row: &QueryResult, lease_token: Uuid) -> StoreResult<ClaimedJob> {
    Ok(ClaimedJob {
        id: row.try_get("", "id")?,
        kind: row.try_get("", "kind")?,
        payload: row.try_get("", "payload")?,
        attempts: row.try_get("", "attempts")?,
        max_attempts: row.try_get("", "max_attempts")?,
        lease_token,
    })
}

/// Marks a job done. `false` when the lease was lost (another worker owns the job now).
pub async fn complete(c: &impl ConnectionTrait, job: &ClaimedJob) -> StoreResult<bool> {
    finish(c, job, DONE, None, None).await
}

/// Puts a failed job back in the queue, due at `run_at`, keeping the error.
pub async fn retry_at(
    c: &impl ConnectionTrait,
    job: &ClaimedJob,
    error: &str,
    run_at: i64,
) -> StoreResult<bool> {
    finish(c, job, QUEUED, Some(error), Some(run_at)).await
}

/// Dead-letters a job: it will not run again unless an operator requeues it.
pub async fn bury(c: &impl ConnectionTrait, job: &ClaimedJob, error: &str) -> StoreResult<bool> {
    finish(c, job, DEAD, Some(error), None).await
}

async fn finish(
    c: &impl ConnectionTrait,
    job: &ClaimedJob,
    status: &str,
    error: Option<&str>,
    run_at: Option<i64>,
) -> StoreResult<bool> {
    let now = now_ms();
    let finished_at = (status != QUEUED).then_some(now);
    let sql = "UPDATE jobs SET status = $1, last_error = COALESCE($2, last_error), \
                   run_at = COALESCE($3, run_at), finished_at = $4, updated_at = $5, \
                   lease_token = NULL, lease_until = NULL \
               WHERE id = $6 AND lease_token = $7";
    let values: Vec<Value> = vec![
        status.into(),
        error.map(truncate_error).into(),
        run_at.into(),
        finished_at.into(),
        now.into(),
        job.id.into(),
        job.lease_token.into(),
    ];
    let result = c
        .execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Extends a lease held by a long-running job. `false` when the lease was already lost.
pub async fn extend_lease(
    c: &impl ConnectionTrait,
    job: &ClaimedJob,
    lease_ms: i64,
) -> StoreResult<bool> {
    let now = now_ms();
    let sql = "UPDATE jobs SET lease_until = $1, updated_at = $2 \
               WHERE id = $3 AND lease_token = $4 AND status = 'running'";
    let values: Vec<Value> = vec![
        (now + lease_ms).into(),
        now.into(),
        job.id.into(),
        job.lease_token.into(),
    ];
    let result = c
        .execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Sends a dead job back to the queue, due now, with its attempts reset.
pub async fn requeue_dead(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<bool> {
    let now = now_ms();
    let sql = "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $1, updated_at = $1, \
                   finished_at = NULL WHERE id = $2 AND status = 'dead'";
    let result = c
        .execute_raw(raw(
            c.get_database_backend(),
            sql,
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes finished jobs older than `before` (epoch ms); dead jobs are kept for operators.
pub async fn purge_done(c: &impl ConnectionTrait, before: i64) -> StoreResult<u64> {
    let sql = "DELETE FROM jobs WHERE status = 'done' AND finished_at < $1";
    let result = c
        .execute_raw(raw(c.get_database_backend(), sql, vec![before.into()]))
        .await?;
    Ok(result.rows_affected())
}

pub async fn get(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<JobRow>> {
    Ok(job::Entity::find_by_id(id).one(c).await?)
}

pub async fn stats(c: &impl ConnectionTrait) -> StoreResult<QueueStats> {
    let sql = "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status";
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), sql, vec![]))
        .await?;
    let mut stats = QueueStats::default();
    for row in rows {
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        let n = n.max(0) as u64;
        match status.as_str() {
            QUEUED => stats.queued = n,
            RUNNING => stats.running = n,
            DONE => stats.done = n,
            DEAD => stats.dead = n,
            _ => {}
        }
    }
    Ok(stats)
}

/// Errors are kept for operators; a runaway message (a whole HTML page) is cut.
fn truncate_error(error: &str) -> String {
    const MAX: usize = 4000;
    if error.len() <= MAX {
        return error.to_string();
    }
    let mut end = MAX;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &error[..end])
}

/// Queued jobs per kind, and when the oldest due one was due (for the System page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindDepth {
    pub kind: String,
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
    /// `run_at` of the oldest queued job that is due now (epoch ms).
    pub oldest_due_at: Option<i64>,
}

/// Queued, running and dead jobs by kind (done jobs are not read: the index on
/// `(status, run_at)` serves each status).
pub async fn depth_by_kind(c: &impl ConnectionTrait) -> StoreResult<Vec<KindDepth>> {
    let sql = "SELECT kind, status, COUNT(*) AS n, \
                      MIN(CASE WHEN status = 'queued' AND run_at <= $1 THEN run_at END) AS due \
               FROM jobs WHERE status IN ('queued', 'running', 'dead') \
               GROUP BY kind, status ORDER BY kind";
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), sql, vec![now_ms().into()]))
        .await?;
    let mut out: Vec<KindDepth> = Vec::new();
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        let due: Option<i64> = row.try_get("", "due")?;
        if out.last().is_none_or(|d| d.kind != kind) {
            out.push(KindDepth {
                kind: kind.clone(),
                queued: 0,
                running: 0,
                dead: 0,
                oldest_due_at: None,
            });
        }
        let d = out.last_mut().expect("pushed above");
        let n = n.max(0) as u64;
        match status.as_str() {
            QUEUED => {
                d.queued = n;
                d.oldest_due_at = due;
            }
            RUNNING => d.running = n,
            _ => d.dead = n,
        }
    }
    Ok(out)
}

/// The newest dead-lettered jobs (payload and last error kept for operators).
pub async fn dead(c: &impl ConnectionTrait, limit: u64) -> StoreResult<Vec<JobRow>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(job::Entity::find()
        .filter(job::Column::Status.eq(DEAD))
        .order_by_desc(job::Column::UpdatedAt)
        .limit(limit)
        .all(c)
        .await?)
}

/// The workspace a job works for, read from its payload: `workspace_id` itself, or the
/// workflow execution (`execution_id`) or document (`document_id`) it runs; `None` for
/// instance-wide jobs. The System page lists a workspace's dead letters by it, so one
/// workspace never sees another's.
pub async fn workspace_of(c: &impl ConnectionTrait, job: &JobRow) -> StoreResult<Option<Uuid>> {
    let field = |name: &str| {
        job.payload
            .get(name)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    if let Some(ws) = field("workspace_id") {
        return Ok(Some(ws));
    }
    let (table, id) = match (field("execution_id"), field("document_id")) {
        (Some(id), _) => ("executions", id),
        (None, Some(id)) => ("documents", id),
        _ => return Ok(None),
    };
    let sql = format!("SELECT workspace_id FROM {table} WHERE id = $1");
    let row = c
        .query_one_raw(raw(c.get_database_backend(), &sql, vec![id.into()]))
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("", "workspace_id")?),
        None => None,
    })
}
