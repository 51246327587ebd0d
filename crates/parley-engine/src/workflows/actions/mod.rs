//! The action registry: a map from action kind to a handler object. The executor only
//! knows the [`Action`] trait, so integrations (Slack, HubSpot, Sheets) plug in by
//! registering another handler, without touching the executor.
//!
//! Every call carries the step's idempotency key. A [`Effect::Local`] action writes its
//! effect through the executor's transaction, which also records the effect under the key
//! (`action_effects`) and marks the step done: the effect, its record and the step's
//! progress commit together or not at all, and a re-run finds the record and returns the
//! first result instead of acting again. A [`Effect::Remote`] action calls another system
//! outside any transaction and passes the key along (the webhook sends `Idempotency-Key`)
//! so the receiver can drop a repeat after a crash.

mod builtin;
mod hubspot;
mod sheets;
mod slack;
mod vendor;
mod webhook;

pub use parley_domain::egress::AllowHosts;
pub use webhook::{SIGNATURE_HEADER, Webhook, sign};

use crate::live::LiveEvent;
use async_trait::async_trait;
use parley_store::Tx;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Where an action's effect happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// In Parley's database, inside the executor's transaction.
    Local,
    /// In another system; runs outside any transaction.
    Remote,
}

/// One run of one action step.
pub struct ActionCall<'a> {
    pub workspace_id: Uuid,
    pub workflow_id: Uuid,
    pub execution_id: Uuid,
    /// The conversation the event concerns, if any.
    pub conversation_id: Option<Uuid>,
    pub node_id: &'a str,
    pub kind: &'a str,
    /// Hex SHA-256 of (execution, node, visit): the same on every attempt of this step.
    pub idempotency_key: &'a str,
    pub attempt: i32,
    /// An earlier attempt of this step exists whose effect may have happened (it failed
    /// ambiguously, or the run was cut short while it was in flight): a remote action
    /// without an idempotency key looks for that effect before acting again.
    pub uncertain: bool,
    /// The parameters, rendered against the context when the step was first entered.
    pub input: &'a Value,
    /// The workflow's webhook signing secret.
    pub signing_secret: &'a str,
}

impl ActionCall<'_> {
    /// A text parameter, trimmed; `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.input
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The conversation, or a permanent error naming why there is none.
    pub fn conversation(&self) -> Result<Uuid, ActionError> {
        self.conversation_id.ok_or_else(|| {
            ActionError::Permanent(format!(
                "`{}` acts on a conversation, and this event has none (send `conversation_id` in its payload)",
                self.kind
            ))
        })
    }
}

/// What a successful action produced.
#[derive(Debug, Default)]
pub struct Done {
    /// Recorded on the step (and under the idempotency key for local actions).
    pub output: Value,
    /// Live events to publish once the step's transaction has committed.
    pub publish: Vec<LiveEvent>,
}

impl Done {
    pub fn output(output: Value) -> Self {
        Done {
            output,
            publish: Vec::new(),
        }
    }
}

/// Why an action failed, which decides whether it is retried.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ActionError {
    /// May succeed later (a timeout, a 5xx, a database hiccup): retried with backoff.
    #[error("{0}")]
    Retry(String),
    /// Will fail the same way every time (bad input, a missing connection): not retried.
    #[error("{0}")]
    Permanent(String),
    /// Not attempted: Parley held the call back to stay under a vendor's quota. Tried again
    /// after the delay, without using up one of the step's retries (a deferred call sent
    /// nothing, and a burst of steps must not fail for waiting its turn).
    #[error("{1}")]
    Defer(std::time::Duration, String),
    /// May succeed after the delay (a vendor's 429 with `Retry-After`): retried no sooner,
    /// counting as an attempt.
    #[error("{1}")]
    RetryAfter(std::time::Duration, String),
    /// Nobody knows whether the effect happened, and it cannot be checked: the step waits
    /// for a person to mark it done or retry it (`unknown`), rather than risk a repeat.
    #[error("{0}")]
    Unknown(String),
}

impl From<parley_store::StoreError> for ActionError {
    fn from(e: parley_store::StoreError) -> Self {
        match e {
            parley_store::StoreError::NotFound => {
                ActionError::Permanent("the conversation no longer exists".into())
            }
            other => ActionError::Retry(other.to_string()),
        }
    }
}

impl From<parley_store::DbErr> for ActionError {
    fn from(e: parley_store::DbErr) -> Self {
        parley_store::StoreError::from(e).into()
    }
}

/// A kind of action step.
#[async_trait]
pub trait Action: Send + Sync + 'static {
    fn effect(&self) -> Effect;

    /// Whether the effect can change what the context shows (the conversation, its lead):
    /// the executor then re-reads the context before the next step.
    fn changes_context(&self) -> bool {
        true
    }

    /// Runs the action. Local actions get the executor's transaction in `tx` and must write
    /// through it; remote ones get `None`.
    async fn run(&self, call: &ActionCall<'_>, tx: Option<&Tx>) -> Result<Done, ActionError>;
}

/// Action kinds and their handlers.
#[derive(Clone, Default)]
pub struct Actions {
    handlers: HashMap<String, Arc<dyn Action>>,
}

impl Actions {
    /// The built-in actions, with webhooks allowed to reach `allow_hosts` even when they
    /// resolve to private addresses.
    pub fn builtin(allow_hosts: AllowHosts) -> Self {
        let mut actions = Actions::default();
        builtin::register(&mut actions);
        actions.register("webhook", Webhook::new(allow_hosts));
        actions
    }

    /// Adds the Slack, HubSpot and Google Sheets actions, which send through the
    /// workspace's connections.
    pub fn with_integrations(
        mut self,
        integrations: &Arc<crate::integrations::Integrations>,
    ) -> Self {
        self.register("slack_message", slack::SlackMessage(integrations.clone()));
        self.register(
            "hubspot_contact",
            hubspot::HubspotContact(integrations.clone()),
        );
        self.register(
            "hubspot_deal",
            hubspot::HubspotDeal::new(integrations.clone()),
        );
        self.register(
            "sheets_append_row",
            sheets::SheetsAppend(integrations.clone()),
        );
        self.register(
            "sheets_read_range",
            sheets::SheetsRead(integrations.clone()),
        );
        self
    }

    pub fn register(&mut self, kind: &str, action: impl Action) -> &mut Self {
        self.handlers.insert(kind.to_string(), Arc::new(action));
        self
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Action>> {
        self.handlers.get(kind).cloned()
    }

    pub fn has(&self, kind: &str) -> bool {
        self.handlers.contains_key(kind)
    }
}
