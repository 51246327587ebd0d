//! Workflow executions, their step rows, the effects built-in actions record under their
//! idempotency keys, and return authorizations.
//!
//! An execution's `seq` is the sequence number of its next visit and doubles as an
//! optimistic lock: every transaction that advances an execution ends with [`advance`],
//! which only succeeds while `seq` is what the runner read. Two runners of one execution
//! (a worker that stalled past its lease, and the one that took over) therefore never
//! both advance it; the loser rolls back, effects included.

use crate::entities::{action_effect, execution, execution_step, return_authorization};
use crate::{StoreError, StoreResult, now_ms, raw};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Value, sea_query::OnConflict,
};
use uuid::Uuid;

pub type Execution = execution::Model;
pub type Step = execution_step::Model;
pub type ActionEffect = action_effect::Model;
pub type ReturnAuthorization = return_authorization::Model;

pub const RUNNING: &str = "running";
pub const WAITING: &str = "waiting";
pub const COMPLETED: &str = "completed";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";
pub const FILTERED: &str = "filtered";

/// Step statuses besides the shared `running`, `waiting`, `failed`, `cancelled`.
pub const RETRYING: &str = "retrying";
pub const DONE: &str = "done";
/// A remote step whose effect may or may not have happened, waiting for a person.
pub const UNKNOWN: &str = "unknown";

/// Whether an execution is over.
pub fn is_final(status: &str) -> bool {
    matches!(status, COMPLETED | FAILED | CANCELLED | FILTERED)
}

pub struct NewExecution {
    pub workspace_id: Uuid,
    pub workflow_id: Uuid,
    pub workflow_version_id: Uuid,
    pub event_id: Uuid,
    pub event_name: String,
    pub event_payload: serde_json::Value,
    pub event_at: i64,
    pub conversation_id: Option<Uuid>,
    pub seed: String,
    pub initial_state: String,
}

/// Creates the execution unless this version already has one for this event. Returns it
/// when created.
pub async fn create(c: &impl ConnectionTrait, new: NewExecution) -> StoreResult<Option<Execution>> {
    Ok(create_many(c, vec![new]).await?.pop())
}

/// Creates executions in one statement. One whose (version, event) already has an
/// execution is skipped by the database; it is still returned when others were inserted,
/// so callers must treat the result as "at most these" (a job for a skipped one finds no
/// execution and ends).
pub async fn create_many(
    c: &impl ConnectionTrait,
    new: Vec<NewExecution>,
) -> StoreResult<Vec<Execution>> {
    let now = now_ms();
    let models: Vec<Execution> = new
        .into_iter()
        .map(|new| Execution {
            id: Uuid::now_v7(),
            workspace_id: new.workspace_id,
            workflow_id: new.workflow_id,
            workflow_version_id: new.workflow_version_id,
            event_id: new.event_id,
            event_name: new.event_name,
            event_payload: new.event_payload,
            event_at: new.event_at,
            conversation_id: new.conversation_id,
            seed: new.seed,
            status: RUNNING.into(),
            state: new.initial_state,
            seq: 1,
            error: None,
            created_at: now,
            updated_at: now,
            finished_at: None,
        })
        .collect();
    if models.is_empty() {
        return Ok(models);
    }
    let active: Vec<execution::ActiveModel> = models.iter().cloned().map(Into::into).collect();
    let inserted = execution::Entity::insert_many(active)
        .on_conflict(
            OnConflict::columns([
                execution::Column::WorkflowVersionId,
                execution::Column::EventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(if inserted == 0 { Vec::new() } else { models })
}

/// An execution of this workspace.
pub async fn get(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<Execution> {
    execution::Entity::find_by_id(id)
        .filter(execution::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// An execution by id alone: only for the executor's own jobs, whose payload names an
/// execution it created; everything it then reads uses the execution's workspace.
pub async fn get_for_job(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<Execution>> {
    Ok(execution::Entity::find_by_id(id).one(c).await?)
}

#[derive(Debug, Default, Clone)]
pub struct ExecutionFilter {
    pub status: Option<String>,
    /// Created at or after / at or before, epoch ms.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Paging: only executions with ids below this (ids sort by creation).
    pub before: Option<Uuid>,
    pub limit: u64,
    /// Only this workflow's (the console across all workflows leaves it unset).
    pub workflow_id: Option<Uuid>,
    /// Only those a conversation's events started.
    pub conversation_id: Option<Uuid>,
    /// Only those started by this event name (`sentiment.negative`, `external:x`).
    pub event_name: Option<String>,
}

/// A workflow's executions, newest first.
pub async fn list(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    workflow_id: Uuid,
    f: &ExecutionFilter,
) -> StoreResult<Vec<Execution>> {
    let f = ExecutionFilter {
        workflow_id: Some(workflow_id),
        ..f.clone()
    };
    list_all(c, workspace_id, &f).await
}

/// The workspace's executions matching `f`, newest first.
pub async fn list_all(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    f: &ExecutionFilter,
) -> StoreResult<Vec<Execution>> {
    let mut q = execution::Entity::find().filter(execution::Column::WorkspaceId.eq(workspace_id));
    if let Some(w) = f.workflow_id {
        q = q.filter(execution::Column::WorkflowId.eq(w));
    }
    if let Some(conv) = f.conversation_id {
        q = q.filter(execution::Column::ConversationId.eq(conv));
    }
    if let Some(e) = &f.event_name {
        q = q.filter(execution::Column::EventName.eq(e.as_str()));
    }
    if let Some(s) = &f.status {
        q = q.filter(execution::Column::Status.eq(s.as_str()));
    }
    if let Some(from) = f.from {
        q = q.filter(execution::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(execution::Column::CreatedAt.lte(to));
    }
    if let Some(before) = f.before {
        q = q.filter(execution::Column::Id.lt(before));
    }
    Ok(q.order_by_desc(execution::Column::Id)
        .limit(f.limit.clamp(1, 200))
        .all(c)
        .await?)
}

/// Where an execution stands after a transaction of the executor.
pub struct Progress<'a> {
    pub state: &'a str,
    pub seq: i32,
    pub status: &'a str,
    pub error: Option<&'a str>,
}

/// Records progress, but only while the execution is still at visit `expected_seq` and not
/// over. `false`: another runner advanced it or it was cancelled, and the caller must roll
/// back (its effects included). On PostgreSQL the row lock this takes also makes a second
/// runner wait until the first commits, then find `seq` moved on.
pub async fn advance(
    c: &impl ConnectionTrait,
    id: Uuid,
    expected_seq: i32,
    p: Progress<'_>,
) -> StoreResult<bool> {
    let now = now_ms();
    let finished = is_final(p.status).then_some(now);
    let sql = "UPDATE executions SET state = $1, seq = $2, status = $3, error = $4, \
                   updated_at = $5, finished_at = $6 \
               WHERE id = $7 AND seq = $8 AND status IN ('running', 'waiting')";
    let values: Vec<Value> = vec![
        p.state.into(),
        p.seq.into(),
        p.status.into(),
        p.error.map(str::to_string).into(),
        now.into(),
        finished.into(),
        id.into(),
        expected_seq.into(),
    ];
    let result = c
        .execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Cancels a running or waiting execution. `false` when it was already over.
pub async fn cancel(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<bool> {
    let now = now_ms();
    let sql = "UPDATE executions SET status = 'cancelled', updated_at = $1, finished_at = $1 \
               WHERE id = $2 AND workspace_id = $3 AND status IN ('running', 'waiting')";
    let values: Vec<Value> = vec![now.into(), id.into(), workspace_id.into()];
    let result = c
        .execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    if result.rows_affected() == 1 {
        let sql = "UPDATE execution_steps SET status = 'cancelled', finished_at = $1 \
                   WHERE execution_id = $2 AND status IN ('running', 'retrying', 'waiting')";
        c.execute_raw(raw(
            c.get_database_backend(),
            sql,
            vec![now.into(), id.into()],
        ))
        .await?;
    }
    Ok(result.rows_affected() == 1)
}

/// Fails a running or waiting execution, and its unfinished steps, with `error`: for one
/// whose job was given up (its worker was lost on every attempt). It can then be resumed
/// from its failed step like any failed execution. Returns it as failed; `None` when it was
/// already over.
pub async fn fail_unfinished(
    c: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
) -> StoreResult<Option<Execution>> {
    let now = now_ms();
    let backend = c.get_database_backend();
    let sql = "UPDATE executions SET status = 'failed', error = $1, updated_at = $2, \
                   finished_at = $2 \
               WHERE id = $3 AND status IN ('running', 'waiting')";
    let values: Vec<Value> = vec![error.into(), now.into(), id.into()];
    if c.execute_raw(raw(backend, sql, values))
        .await?
        .rows_affected()
        == 0
    {
        return Ok(None);
    }
    let sql = "UPDATE execution_steps SET status = 'failed', error = $1, finished_at = $2 \
               WHERE execution_id = $3 AND status IN ('running', 'retrying', 'waiting')";
    let values: Vec<Value> = vec![error.into(), now.into(), id.into()];
    c.execute_raw(raw(backend, sql, values)).await?;
    get_for_job(c, id).await
}

/// Sends a failed execution back to `state` at visit `seq` (its failed step), running.
pub async fn reopen(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    state: &str,
    seq: i32,
) -> StoreResult<bool> {
    let sql = "UPDATE executions SET status = 'running', state = $1, seq = $2, error = NULL, \
                   finished_at = NULL, updated_at = $3 \
               WHERE id = $4 AND workspace_id = $5 AND status = 'failed'";
    let values: Vec<Value> = vec![
        state.into(),
        seq.into(),
        now_ms().into(),
        id.into(),
        workspace_id.into(),
    ];
    let result = c
        .execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// The execution's steps in visit order.
pub async fn steps(c: &impl ConnectionTrait, execution_id: Uuid) -> StoreResult<Vec<Step>> {
    Ok(execution_step::Entity::find()
        .filter(execution_step::Column::ExecutionId.eq(execution_id))
        .order_by_asc(execution_step::Column::Seq)
        .all(c)
        .await?)
}

/// The step of visit `seq`, if it was recorded (a retry, or a run cut short by a crash).
pub async fn step_at(
    c: &impl ConnectionTrait,
    execution_id: Uuid,
    seq: i32,
) -> StoreResult<Option<Step>> {
    Ok(execution_step::Entity::find()
        .filter(execution_step::Column::ExecutionId.eq(execution_id))
        .filter(execution_step::Column::Seq.eq(seq))
        .one(c)
        .await?)
}

/// Inserts step rows, replacing those of the same visits, in one statement.
pub async fn save_steps(c: &impl ConnectionTrait, steps: Vec<Step>) -> StoreResult<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let models: Vec<execution_step::ActiveModel> = steps.into_iter().map(Into::into).collect();
    execution_step::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                execution_step::Column::ExecutionId,
                execution_step::Column::Seq,
            ])
            .update_columns([
                execution_step::Column::Status,
                execution_step::Column::Attempt,
                execution_step::Column::Branch,
                execution_step::Column::Input,
                execution_step::Column::Output,
                execution_step::Column::Error,
                execution_step::Column::RunAfter,
                execution_step::Column::FinishedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(c)
        .await?;
    Ok(())
}

/// Inserts a step row, or replaces the one of the same visit.
pub async fn save_step(c: &impl ConnectionTrait, step: Step) -> StoreResult<()> {
    save_steps(c, vec![step]).await
}

/// Marks the execution's waiting delay step done (its time came).
pub async fn finish_waiting(c: &impl ConnectionTrait, execution_id: Uuid) -> StoreResult<()> {
    let sql = "UPDATE execution_steps SET status = 'done', finished_at = $1 \
               WHERE execution_id = $2 AND status = 'waiting'";
    c.execute_raw(raw(
        c.get_database_backend(),
        sql,
        vec![now_ms().into(), execution_id.into()],
    ))
    .await?;
    Ok(())
}

/// Removes the steps after visit `seq` (the `$failed` marker, when resuming).
pub async fn delete_steps_after(
    c: &impl ConnectionTrait,
    execution_id: Uuid,
    seq: i32,
) -> StoreResult<()> {
    execution_step::Entity::delete_many()
        .filter(execution_step::Column::ExecutionId.eq(execution_id))
        .filter(execution_step::Column::Seq.gt(seq))
        .exec(c)
        .await?;
    Ok(())
}

/// The effect recorded under `key`, if the action already ran.
pub async fn effect(c: &impl ConnectionTrait, key: &str) -> StoreResult<Option<ActionEffect>> {
    Ok(action_effect::Entity::find_by_id(key.to_string())
        .one(c)
        .await?)
}

/// Records what an action did under its key, in the transaction of the effect.
pub async fn record_effect(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    execution_id: Uuid,
    key: &str,
    action: &str,
    output: serde_json::Value,
) -> StoreResult<()> {
    action_effect::ActiveModel {
        idempotency_key: Set(key.to_string()),
        workspace_id: Set(workspace_id),
        execution_id: Set(execution_id),
        action: Set(action.to_string()),
        output: Set(output),
        created_at: Set(now_ms()),
    }
    .insert(c)
    .await?;
    Ok(())
}

pub async fn create_return(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    conversation_id: Uuid,
    rma_number: &str,
    reason: &str,
    key: &str,
) -> StoreResult<ReturnAuthorization> {
    Ok(return_authorization::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        conversation_id: Set(conversation_id),
        rma_number: Set(rma_number.to_string()),
        reason: Set(reason.to_string()),
        status: Set("approved".into()),
        idempotency_key: Set(key.to_string()),
        created_at: Set(now_ms()),
    }
    .insert(c)
    .await?)
}

/// The conversation's return authorizations, oldest first.
pub async fn returns(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    conversation_id: Uuid,
) -> StoreResult<Vec<ReturnAuthorization>> {
    Ok(return_authorization::Entity::find()
        .filter(return_authorization::Column::WorkspaceId.eq(workspace_id))
        .filter(return_authorization::Column::ConversationId.eq(conversation_id))
        .order_by_asc(return_authorization::Column::Id)
        .all(c)
        .await?)
}

/// Whether a return authorization already has this number.
pub async fn rma_taken(c: &impl ConnectionTrait, rma_number: &str) -> StoreResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(return_authorization::Entity::find()
        .filter(return_authorization::Column::RmaNumber.eq(rma_number))
        .count(c)
        .await?
        > 0)
}

/// How many of a workflow's executions are in each status.
pub async fn count_by_status(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    workflow_id: Uuid,
) -> StoreResult<Vec<(String, u64)>> {
    let sql = "SELECT status, COUNT(*) AS n FROM executions \
               WHERE workspace_id = $1 AND workflow_id = $2 GROUP BY status";
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            sql,
            vec![workspace_id.into(), workflow_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let n: i64 = row.try_get("", "n")?;
            Ok((row.try_get("", "status")?, n.max(0) as u64))
        })
        .collect()
}

/// A workflow's runs since some time, for the workflows list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCounts {
    pub workflow_id: Uuid,
    pub runs: u64,
    pub failed: u64,
}

/// Per workflow of the workspace: executions created at or after `since` (epoch ms), and
/// how many of them failed. Workflows without runs in that time are absent.
pub async fn run_counts(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    since: i64,
) -> StoreResult<Vec<RunCounts>> {
    let sql = "SELECT workflow_id, COUNT(*) AS n, \
               SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed \
               FROM executions WHERE workspace_id = $1 AND created_at >= $2 GROUP BY workflow_id";
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            sql,
            vec![workspace_id.into(), since.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| {
            let n: i64 = row.try_get("", "n")?;
            let failed: Option<i64> = row.try_get("", "failed")?;
            Ok(RunCounts {
                workflow_id: row.try_get("", "workflow_id")?,
                runs: n.max(0) as u64,
                failed: failed.unwrap_or(0).max(0) as u64,
            })
        })
        .collect()
}

/// Per workflow of the workspace: when its newest execution was created (epoch ms).
pub async fn last_runs(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> StoreResult<Vec<(Uuid, i64)>> {
    let sql = "SELECT workflow_id, MAX(created_at) AS last FROM executions \
               WHERE workspace_id = $1 GROUP BY workflow_id";
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            sql,
            vec![workspace_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "workflow_id")?, row.try_get("", "last")?)))
        .collect()
}

/// One execution as analytics sees it: when it started and ended, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTiming {
    pub status: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// A workflow's executions created at or after `since` (epoch ms), oldest first, at most
/// `limit`: what per-day analytics are computed from.
pub async fn timings(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    workflow_id: Uuid,
    since: i64,
    limit: u64,
) -> StoreResult<Vec<RunTiming>> {
    let rows = execution::Entity::find()
        .filter(execution::Column::WorkspaceId.eq(workspace_id))
        .filter(execution::Column::WorkflowId.eq(workflow_id))
        .filter(execution::Column::CreatedAt.gte(since))
        .order_by_asc(execution::Column::Id)
        .limit(limit)
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|e| RunTiming {
            status: e.status,
            created_at: e.created_at,
            finished_at: e.finished_at,
        })
        .collect())
}

/// One A/B split branch's executions and how they came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchOutcome {
    pub node_id: String,
    pub branch: String,
    pub runs: u64,
    pub completed: u64,
    pub failed: u64,
    /// Runs whose conversation is now resolved.
    pub resolved: u64,
    /// Runs whose conversation's lead stage is now `qualified` or `won`.
    pub qualified: u64,
    /// Runs whose conversation's sentiment is not negative now (scored, or never scored).
    pub recovered: u64,
}

/// For each split node and branch of a workflow, the executions created at or after
/// `since` that took it, and their outcomes (execution status; the conversation as it is
/// now). An execution that visits a split twice (a loop) counts once per visit.
pub async fn branch_outcomes(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    workflow_id: Uuid,
    since: i64,
) -> StoreResult<Vec<BranchOutcome>> {
    let sql = "SELECT s.node_id AS node_id, s.branch AS branch, COUNT(*) AS n, \
               SUM(CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END) AS completed, \
               SUM(CASE WHEN e.status = 'failed' THEN 1 ELSE 0 END) AS failed, \
               SUM(CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END) AS resolved, \
               SUM(CASE WHEN c.lead_stage IN ('qualified', 'won') THEN 1 ELSE 0 END) AS qualified, \
               SUM(CASE WHEN c.id IS NOT NULL AND (c.sentiment_label IS NULL \
               OR c.sentiment_label <> 'negative') THEN 1 ELSE 0 END) AS recovered \
               FROM execution_steps s JOIN executions e ON e.id = s.execution_id \
               LEFT JOIN conversations c ON c.id = e.conversation_id \
               WHERE e.workspace_id = $1 AND e.workflow_id = $2 AND e.created_at >= $3 \
               AND s.node_type = 'split' AND s.branch IS NOT NULL \
               GROUP BY s.node_id, s.branch ORDER BY s.node_id, s.branch";
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            sql,
            vec![workspace_id.into(), workflow_id.into(), since.into()],
        ))
        .await?;
    let count = |row: &sea_orm::QueryResult, col: &str| -> StoreResult<u64> {
        let v: Option<i64> = row.try_get("", col)?;
        Ok(v.unwrap_or(0).max(0) as u64)
    };
    rows.iter()
        .map(|row| {
            Ok(BranchOutcome {
                node_id: row.try_get("", "node_id")?,
                branch: row.try_get("", "branch")?,
                runs: count(row, "n")?,
                completed: count(row, "completed")?,
                failed: count(row, "failed")?,
                resolved: count(row, "resolved")?,
                qualified: count(row, "qualified")?,
                recovered: count(row, "recovered")?,
            })
        })
        .collect()
}
