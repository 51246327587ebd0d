//! Outbox → executions. The dispatcher takes undispatched events in batches and, in one
//! transaction per batch, creates an execution (and its first job) for every active
//! workflow whose trigger matches, then marks the events dispatched. So an event either
//! started all its executions or none, and is never dispatched twice:
//! - PostgreSQL: the batch is locked `FOR UPDATE SKIP LOCKED`, so several nodes dispatch
//!   different events side by side;
//! - SQLite: the transaction is IMMEDIATE (the store's `begin`), so one writer at a time;
//! - both: `executions` is unique on (workflow version, event), so even a replayed event
//!   cannot start a version twice.
//!
//! The same transaction adds the batch to the analytics rollup (`repo::analytics`).

use super::context::{self, EventRef};
use super::executor::step_job;
use super::programs::Programs;
use crate::live::Hub;
use parley_store::repo::conversations as convs;
use parley_store::repo::executions::{self as execs, NewExecution};
use parley_store::repo::{analytics, outbox, workflows};
use parley_store::{Store, StoreResult, jobs, now_ms};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Events per transaction. Small enough that a SQLite batch does not hold the write
    /// lock long; large enough to amortise the commit under load.
    pub batch: u64,
    /// How often to look when nothing signalled (events written by other nodes).
    pub poll: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            batch: 64,
            poll: Duration::from_millis(250),
        }
    }
}

#[derive(Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub hub: Hub,
    pub programs: Programs,
    /// Wakes this node's worker pool once executions (and their jobs) exist.
    pub jobs_wake: Arc<Notify>,
    pub config: DispatchConfig,
}

/// After a signal, how long to wait for the writer's commit before looking again: the
/// signal is sent when the event is appended, before its transaction commits.
const SETTLE: [Duration; 3] = [
    Duration::from_millis(1),
    Duration::from_millis(5),
    Duration::from_millis(20),
];

impl Dispatcher {
    /// Dispatches until shutdown: at once when this process appends an event, otherwise
    /// every `poll`. Database errors are logged and retried with a growing pause.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut appended = outbox::appended();
        let mut failures = 0u32;
        let mut settle = 0usize;
        loop {
            match self.dispatch_once().await {
                Ok(n) => {
                    failures = 0;
                    if n as u64 >= self.config.batch {
                        continue; // more are waiting
                    }
                    if n > 0 {
                        settle = 0;
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, "dispatching events failed");
                    let pause = self.config.poll * failures.min(20);
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = shutdown.cancelled() => return,
                    }
                    continue;
                }
            }
            // A signal whose event was not committed yet: look again shortly.
            if settle < SETTLE.len() {
                let pause = SETTLE[settle];
                settle += 1;
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown.cancelled() => return,
                }
                continue;
            }
            tokio::select! {
                changed = appended.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep(self.config.poll).await;
                    }
                    settle = 0;
                    tokio::time::sleep(SETTLE[0]).await;
                }
                _ = tokio::time::sleep(self.config.poll) => { settle = SETTLE.len(); }
                _ = shutdown.cancelled() => return,
            }
        }
    }

    /// Dispatches one batch; returns how many events it took.
    pub async fn dispatch_once(&self) -> StoreResult<usize> {
        let tx = self.store.begin().await?;
        let events = outbox::claim(&tx, self.config.batch).await?;
        if events.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let workspaces: Vec<_> = events
            .iter()
            .map(|e| e.workspace_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let names: Vec<_> = events
            .iter()
            .map(|e| e.event_type.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let candidates = workflows::active_for(&tx, &workspaces, &names).await?;
        // The conversations the events name, read in one query (events of one batch often
        // concern the same conversation); each counts only for its own workspace.
        let wanted: Vec<_> = events
            .iter()
            .filter(|e| {
                candidates
                    .iter()
                    .any(|w| w.workspace_id == e.workspace_id && w.trigger_event == e.event_type)
            })
            .filter_map(|e| context::conversation_id(&e.payload))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let conversations: HashMap<_, _> = convs::with_emails(&tx, &wanted)
            .await?
            .into_iter()
            .map(|(c, email)| (c.id, (c, email)))
            .collect();
        let mut new = Vec::new();
        for event in &events {
            let matching: Vec<_> = candidates
                .iter()
                .filter(|w| {
                    w.workspace_id == event.workspace_id && w.trigger_event == event.event_type
                })
                .collect();
            if matching.is_empty() {
                continue;
            }
            let event_ref = EventRef {
                id: event.id,
                name: &event.event_type,
                payload: &event.payload,
                at: event.created_at,
            };
            let loaded = context::conversation_id(&event.payload)
                .and_then(|id| conversations.get(&id))
                .filter(|(c, _)| c.workspace_id == event.workspace_id);
            let ctx = context::assemble(
                &event_ref,
                loaded.map(|(c, _)| c),
                loaded.and_then(|(_, email)| email.clone()),
            );
            let conversation_id = loaded.map(|(c, _)| c.id);
            for workflow in matching {
                let Some(version_id) = workflow.current_version_id else {
                    continue;
                };
                let program = self
                    .programs
                    .load(&tx, workflow.workspace_id, version_id)
                    .await?;
                if !program.compiled.trigger_matches(&event.event_type, &ctx) {
                    continue;
                }
                new.push(NewExecution {
                    workspace_id: event.workspace_id,
                    workflow_id: workflow.id,
                    workflow_version_id: version_id,
                    event_id: event.id,
                    event_name: event.event_type.clone(),
                    event_payload: event.payload.clone(),
                    event_at: event.created_at,
                    conversation_id,
                    seed: context::seed(conversation_id, event.id),
                    initial_state: program.compiled.initial().to_string(),
                });
            }
        }
        let created = execs::create_many(&tx, new).await?;
        let now = now_ms();
        jobs::enqueue_many(&tx, created.iter().map(|e| step_job(e.id, now)).collect()).await?;
        // The analytics rollup counts an event exactly when it is dispatched: same
        // transaction, off the chat path (the chat request only appended the event).
        let mut counts = analytics::Deltas::new();
        analytics::deltas(&events, &mut counts);
        analytics::add(&tx, &counts).await?;
        let ids: Vec<_> = events.iter().map(|e| e.id).collect();
        outbox::mark_dispatched(&tx, &ids).await?;
        tx.commit().await?;
        if !created.is_empty() {
            self.jobs_wake.notify_one();
            metrics::counter!("parley_workflow_executions_started_total")
                .increment(created.len() as u64);
        }
        for exec in &created {
            super::publish_execution(&self.hub, exec);
        }
        Ok(events.len())
    }
}
