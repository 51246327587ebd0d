//! The durable step loop. One job (`workflow.step`) advances one execution as far as it
//! can go without waiting: through branches, actions and into a delay (which schedules the
//! next job), a retry (likewise) or an end.
//!
//! What is durable, and when:
//! - Branch steps (trigger, condition, split) are pure; their rows are written with the
//!   next transaction, so a crash before it simply re-evaluates them.
//! - A local action's effect, its `action_effects` record, its step row and the
//!   execution's progress commit in one transaction. A re-run after a crash either finds
//!   nothing (the transaction never committed: run it) or the record (return its output).
//! - A remote action's step row is committed as `running` before the call, with its
//!   idempotency key. A crash during the call re-runs the step with the same key and the
//!   same input, so the receiver can recognise the repeat.
//! - Every transaction ends with `executions::advance`, which records progress only while
//!   the execution's `seq` is what this runner read, or rolls everything back: a stalled
//!   runner whose job was taken over cannot advance the execution a second time.

use super::actions::{ActionCall, ActionError, Actions, Done, Effect};
use super::context::{self, EventRef};
use super::programs::{Program, Programs};
use crate::live::{Hub, LiveEvent};
use crate::vault::Vault;
use crate::worker::{JobError, JobHandler};
use async_trait::async_trait;
use parley_domain::retry::backoff_ms;
use parley_domain::workflow::ActionCatalog;
use parley_domain::workflow::{BuiltinCatalog, EndStatus, Outcome, Step};
use parley_store::jobs::{self, ClaimedJob, NewJob};
use parley_store::repo::executions::{
    self as execs, COMPLETED, DONE, Execution, FAILED, FILTERED, Progress, RETRYING, RUNNING,
    UNKNOWN, WAITING,
};
use parley_store::repo::workflows;
use parley_store::{Store, Tx, now_ms};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The job kind that advances an execution; its payload is `{"execution_id": ...}`.
pub const STEP_JOB: &str = "workflow.step";

/// The job that advances `execution_id`, due at `run_at` (epoch ms).
pub fn step_job(execution_id: Uuid, run_at: i64) -> NewJob {
    NewJob::new(STEP_JOB, json!({ "execution_id": execution_id })).run_at(run_at)
}

/// The step's idempotency key: hex SHA-256 of (execution, node, visit). The same on every
/// attempt of the visit and across restarts; different for a later visit of the node.
pub fn idempotency_key(execution_id: Uuid, node_id: &str, seq: i32) -> String {
    let mut h = Sha256::new();
    h.update(execution_id.as_bytes());
    h.update([0]);
    h.update(node_id.as_bytes());
    h.update([0]);
    h.update(seq.to_be_bytes());
    hex::encode(h.finalize())
}

#[derive(Debug, Clone)]
pub struct ExecutorConfig {
    /// First retry delay of a failed action; doubles per attempt (with jitter).
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Longest an action may run before it counts as a (retryable) failure.
    pub action_timeout: Duration,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(10 * 60),
            action_timeout: Duration::from_secs(30),
        }
    }
}

/// Runs `workflow.step` jobs.
#[derive(Clone)]
pub struct Executor {
    pub store: Store,
    pub hub: Hub,
    /// Opens workflows' webhook signing secrets.
    pub vault: Vault,
    pub actions: Arc<Actions>,
    pub programs: Programs,
    pub config: ExecutorConfig,
}

#[async_trait]
impl JobHandler for Executor {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        self.advance(execution_id(job)?).await
    }

    /// The execution's runner died on every attempt (a crash while it advanced): the
    /// execution fails with the reason instead of staying "running" for good, and can be
    /// resumed from its failed step.
    async fn abandoned(&self, job: &ClaimedJob, reason: &str) -> Result<(), JobError> {
        let tx = self.store.begin().await?;
        let failed = execs::fail_unfinished(&tx, execution_id(job)?, reason).await?;
        tx.commit().await.map_err(parley_store::StoreError::from)?;
        if let Some(exec) = failed {
            super::publish_execution(&self.hub, &exec);
        }
        Ok(())
    }
}

fn execution_id(job: &ClaimedJob) -> Result<Uuid, JobError> {
    job.payload
        .get("execution_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| JobError::Permanent("payload has no execution_id".into()))
}

/// Whether the loop goes on after a transaction.
enum Flow {
    Continue,
    Stop,
}

/// One runner's view of an execution while it advances it.
struct Run {
    exec: Execution,
    program: Arc<Program>,
    /// The execution's `seq` in the database: what [`execs::advance`] checks.
    stored_seq: i32,
    /// The state to enter and the visit number it gets.
    state: String,
    seq: i32,
    /// Branch steps evaluated but not written yet.
    pending: Vec<execs::Step>,
    /// The execution was waiting for a delay: the next transaction closes that step.
    waking: bool,
    error: Option<String>,
    ctx: Value,
    ctx_stale: bool,
    /// A transaction kept open across consecutive local actions, so they commit together.
    tx: Option<Tx>,
    /// Local actions done in `tx` and not committed yet, and their live events.
    uncommitted: usize,
    publish: Vec<LiveEvent>,
    /// The state at the last commit (where to start over if `tx` rolls back).
    committed_state: String,
    /// One action per transaction (after a combined transaction rolled back).
    single: bool,
}

impl Executor {
    /// Advances the execution until it waits, ends, or another runner has it.
    pub async fn advance(&self, id: Uuid) -> Result<(), JobError> {
        let db = self.store.db();
        let Some(exec) = execs::get_for_job(db, id).await? else {
            return Ok(()); // deleted with its workflow
        };
        if execs::is_final(&exec.status) {
            return Ok(());
        }
        let program = self
            .programs
            .load(db, exec.workspace_id, exec.workflow_version_id)
            .await?;
        let mut run = Run {
            stored_seq: exec.seq,
            state: exec.state.clone(),
            seq: exec.seq,
            pending: Vec::new(),
            waking: exec.status == WAITING,
            error: exec.error.clone(),
            ctx: Value::Null,
            ctx_stale: true,
            tx: None,
            uncommitted: 0,
            publish: Vec::new(),
            committed_state: exec.state.clone(),
            single: false,
            program,
            exec,
        };
        loop {
            // Only states that evaluate or render read the context.
            let reads_context = matches!(
                run.program.node_type(&run.state),
                "trigger" | "condition" | "action"
            );
            if run.ctx_stale && reads_context {
                let event = EventRef {
                    id: run.exec.event_id,
                    name: &run.exec.event_name,
                    payload: &run.exec.event_payload,
                    at: run.exec.event_at,
                };
                // Through the open transaction, to see its own uncommitted effects.
                run.ctx = match &run.tx {
                    Some(tx) => context::build(tx, run.exec.workspace_id, &event).await?,
                    None => context::build(self.store.db(), run.exec.workspace_id, &event).await?,
                };
                if run.program.reads_steps {
                    let steps = match &run.tx {
                        Some(tx) => execs::steps(tx, run.exec.id).await?,
                        None => execs::steps(self.store.db(), run.exec.id).await?,
                    };
                    run.ctx["steps"] = context::step_outputs(&steps);
                }
                run.ctx_stale = false;
            }
            let step = match run
                .program
                .compiled
                .enter(&run.state, &run.ctx, &run.exec.seed)
            {
                Ok(step) => step,
                Err(e) => return self.abort(&mut run, &e.to_string()).await,
            };
            let flow = match step {
                Step::Branch {
                    node_id,
                    next,
                    branch,
                } => {
                    let row = self.row(&run, &node_id, DONE, branch, None);
                    run.pending.push(execs::Step {
                        finished_at: Some(now_ms()),
                        ..row
                    });
                    run.seq += 1;
                    run.state = next;
                    Flow::Continue
                }
                Step::End { .. } => {
                    let tx = self.begin(&mut run).await?;
                    let (status, rows) = self.fold_end(&mut run)?;
                    self.finish(&mut run, tx, rows, status, Vec::new()).await?;
                    Flow::Stop
                }
                Step::Delay { node_id, ms, next } => {
                    self.delay(&mut run, &node_id, ms, &next).await?;
                    Flow::Stop
                }
                Step::Action {
                    node_id,
                    kind,
                    input,
                    retries,
                } => {
                    self.action(&mut run, &node_id, &kind, input, retries)
                        .await?
                }
            };
            if let Flow::Stop = flow {
                return Ok(());
            }
        }
    }

    /// A step row of the current visit.
    fn row(
        &self,
        run: &Run,
        node_id: &str,
        status: &str,
        branch: Option<String>,
        action: Option<&str>,
    ) -> execs::Step {
        execs::Step {
            id: Uuid::now_v7(),
            execution_id: run.exec.id,
            workspace_id: run.exec.workspace_id,
            seq: run.seq,
            node_id: node_id.to_string(),
            node_type: run.program.node_type(node_id).to_string(),
            action: action.map(str::to_string),
            status: status.to_string(),
            attempt: 0,
            branch,
            input: None,
            output: None,
            error: None,
            idempotency_key: idempotency_key(run.exec.id, node_id, run.seq),
            run_after: None,
            started_at: now_ms(),
            finished_at: None,
        }
    }

    /// The open transaction, or a new one for the next piece of progress (closing a delay
    /// that elapsed).
    async fn begin(&self, run: &mut Run) -> Result<Tx, JobError> {
        if let Some(tx) = run.tx.take() {
            return Ok(tx);
        }
        let tx = self.store.begin().await?;
        if run.waking {
            execs::finish_waiting(&tx, run.exec.id).await?;
        }
        Ok(tx)
    }

    /// Writes the pending branch steps and `rows`, records the progress if the execution
    /// is still where this runner found it, and commits. `false` (rolled back): another
    /// runner advanced it or it was cancelled, and this runner stops.
    async fn finish(
        &self,
        run: &mut Run,
        tx: Tx,
        rows: Vec<execs::Step>,
        status: &str,
        publish: Vec<LiveEvent>,
    ) -> Result<bool, JobError> {
        let mut all = run.pending.clone();
        all.extend(rows);
        execs::save_steps(&tx, all).await?;
        let progress = Progress {
            state: &run.state,
            seq: run.seq,
            status,
            error: run.error.as_deref(),
        };
        if !execs::advance(&tx, run.exec.id, run.stored_seq, progress).await? {
            tx.rollback().await.ok();
            return Ok(false);
        }
        tx.commit().await.map_err(parley_store::StoreError::from)?;
        run.stored_seq = run.seq;
        run.committed_state = run.state.clone();
        run.uncommitted = 0;
        run.pending.clear();
        run.waking = false;
        run.exec.status = status.to_string();
        for event in std::mem::take(&mut run.publish).into_iter().chain(publish) {
            self.hub.publish(event);
        }
        self.hub.publish(LiveEvent {
            workspace_id: run.exec.workspace_id,
            conversation_id: run.exec.conversation_id,
            kind: "execution.updated",
            data: json!({
                "execution_id": run.exec.id, "workflow_id": run.exec.workflow_id,
                "status": status, "state": run.state, "error": run.error,
            }),
        });
        Ok(true)
    }

    /// When the runner stands on an end state, its step row and the final status; else
    /// `running` and no row. An end evaluates nothing, so it is folded into the
    /// transaction of whatever led to it: one commit fewer per execution.
    fn fold_end(&self, run: &mut Run) -> Result<(&'static str, Vec<execs::Step>), JobError> {
        let Ok(Step::End { node_id, status }) =
            run.program
                .compiled
                .enter(&run.state, &run.ctx, &run.exec.seed)
        else {
            return Ok((RUNNING, Vec::new()));
        };
        let status = match status {
            EndStatus::Completed => COMPLETED,
            EndStatus::Failed => FAILED,
            EndStatus::Filtered => FILTERED,
        };
        if status != FAILED {
            run.error = None;
        }
        let row = execs::Step {
            finished_at: Some(now_ms()),
            ..self.row(run, &node_id, DONE, None, None)
        };
        run.state = node_id;
        run.seq += 1;
        Ok((status, vec![row]))
    }

    async fn delay(
        &self,
        run: &mut Run,
        node_id: &str,
        ms: u64,
        next: &str,
    ) -> Result<(), JobError> {
        let tx = self.begin(run).await?;
        let due = now_ms().saturating_add(ms.min(i64::MAX as u64) as i64);
        let row = execs::Step {
            input: Some(json!({ "ms": ms })),
            run_after: Some(due),
            ..self.row(run, node_id, WAITING, None, None)
        };
        run.state = next.to_string();
        run.seq += 1;
        jobs::enqueue(&tx, step_job(run.exec.id, due)).await?;
        self.finish(run, tx, vec![row], WAITING, Vec::new()).await?;
        Ok(())
    }

    /// Runs one action step (one attempt).
    async fn action(
        &self,
        run: &mut Run,
        node_id: &str,
        kind: &str,
        rendered: Value,
        retries: u32,
    ) -> Result<Flow, JobError> {
        // Only the visit the execution stopped at can have a row already (a retry, or a
        // run cut short); its stored input is reused so every attempt sends the same thing.
        let earlier = if run.seq == run.stored_seq {
            execs::step_at(self.store.db(), run.exec.id, run.seq)
                .await?
                .filter(|s| s.node_id == node_id)
        } else {
            None
        };
        // A deferred attempt sent nothing (see `failed`); any other may have landed.
        let uncertain = earlier.as_ref().is_some_and(|s| {
            s.output
                .as_ref()
                .is_none_or(|o| o.get("deferred").is_none())
        });
        let (input, attempt) = match earlier {
            Some(s) => (s.input.unwrap_or(rendered), s.attempt + 1),
            None => (rendered, 1),
        };
        let key = idempotency_key(run.exec.id, node_id, run.seq);
        let step = execs::Step {
            attempt,
            input: Some(input.clone()),
            ..self.row(run, node_id, RUNNING, None, Some(kind))
        };
        let Some(handler) = self.actions.get(kind) else {
            let error = ActionError::Permanent(missing_action(kind));
            return self.failed(run, step, retries, error).await;
        };
        let signing_secret = match handler.effect() {
            Effect::Remote => {
                let workflow =
                    workflows::get(self.store.db(), run.exec.workspace_id, run.exec.workflow_id)
                        .await?;
                match super::signing_secret(&self.vault, &workflow) {
                    Some(secret) => secret,
                    None => {
                        let error = ActionError::Permanent(
                            "the workflow's signing secret cannot be opened: was PARLEY_SECRET_KEY changed?".into(),
                        );
                        return self.failed(run, step, retries, error).await;
                    }
                }
            }
            Effect::Local => String::new(),
        };
        let call = ActionCall {
            workspace_id: run.exec.workspace_id,
            workflow_id: run.exec.workflow_id,
            execution_id: run.exec.id,
            conversation_id: run.exec.conversation_id,
            node_id,
            kind,
            idempotency_key: &key,
            attempt,
            uncertain,
            input: &input,
            signing_secret: &signing_secret,
        };
        let timeout = self.config.action_timeout;
        let timed_out = || ActionError::Retry(format!("timed out after {} s", timeout.as_secs()));
        match handler.effect() {
            Effect::Local => {
                let tx = self.begin(run).await?;
                let result = match execs::effect(&tx, &key).await? {
                    // Done before (the step's progress was lost): the effect stands.
                    Some(done) => Ok(Done::output(done.output)),
                    None => {
                        match tokio::time::timeout(timeout, handler.run(&call, Some(&tx))).await {
                            Ok(Ok(done)) => {
                                execs::record_effect(
                                    &tx,
                                    run.exec.workspace_id,
                                    run.exec.id,
                                    &key,
                                    kind,
                                    done.output.clone(),
                                )
                                .await?;
                                Ok(done)
                            }
                            Ok(Err(e)) => Err(e),
                            Err(_) => Err(timed_out()),
                        }
                    }
                };
                match result {
                    Ok(done) => {
                        self.succeeded(run, tx, step, done, handler.changes_context())
                            .await
                    }
                    Err(e) => {
                        tx.rollback().await.ok();
                        if run.uncommitted > 0 {
                            // Earlier actions of this transaction were rolled back with it:
                            // start over from the last commit, one action per transaction.
                            run.state = run.committed_state.clone();
                            run.seq = run.stored_seq;
                            run.pending.clear();
                            run.publish.clear();
                            run.uncommitted = 0;
                            run.single = true;
                            run.ctx_stale = true;
                            return Ok(Flow::Continue);
                        }
                        self.failed(run, step, retries, e).await
                    }
                }
            }
            Effect::Remote => {
                // Record the attempt (and its key) before calling out.
                let tx = self.begin(run).await?;
                run.state = node_id.to_string();
                if !self
                    .finish(run, tx, vec![step.clone()], RUNNING, Vec::new())
                    .await?
                {
                    return Ok(Flow::Stop);
                }
                let result = tokio::time::timeout(timeout, handler.run(&call, None))
                    .await
                    .unwrap_or_else(|_| Err(timed_out()));
                match result {
                    Ok(done) => {
                        let tx = self.begin(run).await?;
                        self.succeeded(run, tx, step, done, handler.changes_context())
                            .await
                    }
                    Err(e) => self.failed(run, step, retries, e).await,
                }
            }
        }
    }

    /// The action succeeded: its step, the next state (and an end right after) commit.
    async fn succeeded(
        &self,
        run: &mut Run,
        tx: Tx,
        mut step: execs::Step,
        done: Done,
        changes_context: bool,
    ) -> Result<Flow, JobError> {
        step.status = DONE.into();
        if run.program.reads_steps && run.ctx.is_object() {
            // Later templates see this output at once, without re-reading the context.
            run.ctx["steps"][step.node_id.as_str()] = done.output.clone();
        }
        step.output = Some(done.output);
        step.error = None;
        step.run_after = None;
        step.finished_at = Some(now_ms());
        let node_id = step.node_id.clone();
        self.next(run, &node_id, Outcome::Done)?;
        run.ctx_stale |= changes_context;
        let (status, end) = self.fold_end(run)?;
        // Another local action next may join this transaction: one commit for the run of
        // them. Anything else (branches are pure and wait for the next write) commits now.
        if status == RUNNING && !run.single && self.local_ahead(run) {
            run.pending.push(step);
            run.publish.extend(done.publish);
            run.uncommitted += 1;
            run.tx = Some(tx);
            return Ok(Flow::Continue);
        }
        let mut rows = vec![step];
        rows.extend(end);
        if !self.finish(run, tx, rows, status, done.publish).await? {
            return Ok(Flow::Stop);
        }
        Ok(if status == RUNNING {
            Flow::Continue
        } else {
            Flow::Stop
        })
    }

    /// Whether the next state is an action with a local effect.
    fn local_ahead(&self, run: &Run) -> bool {
        run.program.node_type(&run.state) == "action"
            && run
                .program
                .compiled
                .enter(&run.state, &Value::Null, &run.exec.seed)
                .ok()
                .and_then(|step| match step {
                    Step::Action { kind, .. } => self.actions.get(&kind),
                    _ => None,
                })
                .is_some_and(|a| a.effect() == Effect::Local)
    }

    /// Moves the runner past the action at `node_id` (state and visit number).
    fn next(&self, run: &mut Run, node_id: &str, outcome: Outcome) -> Result<(), JobError> {
        let next = run
            .program
            .compiled
            .after(node_id, outcome)
            .map_err(|e| JobError::Permanent(e.to_string()))?;
        run.state = next.to_string();
        run.seq += 1;
        Ok(())
    }

    /// An attempt failed: schedule the next attempt, or give up and take the error path.
    async fn failed(
        &self,
        run: &mut Run,
        mut step: execs::Step,
        retries: u32,
        error: ActionError,
    ) -> Result<Flow, JobError> {
        let node_id = step.node_id.clone();
        let message = error.to_string();
        let retry = match &error {
            ActionError::Retry(_) | ActionError::RetryAfter(..) => step.attempt <= retries as i32,
            // Held back, never sent: the pace's own refill always frees a turn.
            ActionError::Defer(..) => true,
            _ => false,
        };
        tracing::info!(execution = %run.exec.id, node = %node_id, attempt = step.attempt, retry, error = %message, "workflow action failed");
        let tx = self.begin(run).await?;
        step.error = Some(message.clone());
        if matches!(error, ActionError::Unknown(_)) {
            // Parked at this step: the execution fails without taking the error path, and
            // a person resolves the step (marks it done, or retries it).
            step.status = UNKNOWN.into();
            step.finished_at = Some(now_ms());
            run.state = node_id;
            run.error = Some(format!(
                "the outcome of this step is unknown: {message}. Check the other system, then mark it done or retry it"
            ));
            self.finish(run, tx, vec![step], FAILED, Vec::new()).await?;
            return Ok(Flow::Stop);
        }
        if retry {
            let backoff = || {
                backoff_ms(
                    step.attempt.max(1) as u32,
                    self.config.retry_base.as_millis() as i64,
                    self.config.retry_max.as_millis() as i64,
                    rand::random::<f64>(),
                )
            };
            let jitter = |ms: i64| ms + (rand::random::<f64>() * 250.0) as i64;
            let delay = match &error {
                ActionError::RetryAfter(after, _) => {
                    backoff().max(jitter(after.as_millis() as i64))
                }
                ActionError::Defer(after, reason) => {
                    // The attempt did not happen: the next one keeps its number and need
                    // not look for an effect.
                    step.attempt -= 1;
                    step.output = Some(json!({"deferred": reason}));
                    jitter(after.as_millis() as i64)
                }
                _ => backoff(),
            };
            let due = now_ms() + delay;
            step.status = RETRYING.into();
            step.run_after = Some(due);
            run.state = node_id;
            jobs::enqueue(&tx, step_job(run.exec.id, due)).await?;
            self.finish(run, tx, vec![step], RUNNING, Vec::new())
                .await?;
            return Ok(Flow::Stop);
        }
        step.status = FAILED.into();
        step.finished_at = Some(now_ms());
        run.error = Some(message);
        self.next(run, &node_id, Outcome::Failed)?;
        let (status, end) = self.fold_end(run)?;
        let mut rows = vec![step];
        rows.extend(end);
        if !self.finish(run, tx, rows, status, Vec::new()).await? {
            return Ok(Flow::Stop);
        }
        Ok(if status == RUNNING {
            Flow::Continue
        } else {
            Flow::Stop
        })
    }

    /// The program cannot go on (a stored chart that names a missing state): the execution
    /// fails with the reason, rather than the job retrying forever.
    async fn abort(&self, run: &mut Run, reason: &str) -> Result<(), JobError> {
        run.error = Some(format!("the workflow version cannot run: {reason}"));
        let tx = self.begin(run).await?;
        self.finish(run, tx, Vec::new(), FAILED, Vec::new()).await?;
        Ok(())
    }
}

/// Why an action kind cannot run here: it needs an integration that is not connected, or
/// nothing implements it.
pub fn missing_action(kind: &str) -> String {
    match BuiltinCatalog.spec(kind).and_then(|s| s.needs_integration) {
        Some(integration) => format!(
            "connect {integration} first: the `{kind}` action sends through the {integration} integration, which is not connected"
        ),
        None => format!("no action `{kind}` is available"),
    }
}
