//! [`Compiled`]: a validated workflow in the typed form the interpreter walks. It is made by
//! [`super::compile`] from a graph, or re-loaded from its stored statechart with
//! [`Compiled::from_statechart`] (no graph or catalog needed, so an execution can resume
//! after a restart even if the catalog changed since).

use super::expr::Expr;
use super::graph::TriggerEvent;
use super::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The generated final state an action's failure leads to when it has no `error` edge.
pub const FAILED_STATE: &str = "$failed";
/// The generated final state a trigger whose filter does not match leads to.
pub const FILTERED_STATE: &str = "$filtered";

/// A compiled workflow. Serializes as its XState statechart (see [`Compiled::statechart`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub(crate) id: String,
    pub(crate) initial: String,
    pub(crate) states: BTreeMap<String, State>,
}

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndStatus {
    /// Reached an `end` node.
    Completed,
    /// An action failed (after its retries) and had no `error` edge.
    Failed,
    /// The trigger's filter did not match the event.
    Filtered,
}

/// How a parameter is rendered at run time (from the parameter's [`super::ParamKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Render {
    Text,
    Url,
    Json,
    Number,
    Bool,
}

/// One action parameter: the raw value and, for strings, its parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Param {
    pub value: Value,
    pub render: Render,
    pub template: Option<Template>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SplitArm {
    pub id: String,
    pub weight: u64,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum State {
    Trigger {
        event: TriggerEvent,
        filter: Option<Expr>,
        next: String,
        label: Option<String>,
    },
    Condition {
        expr: Expr,
        on_true: String,
        on_false: String,
        label: Option<String>,
    },
    Split {
        arms: Vec<SplitArm>,
        label: Option<String>,
    },
    Action {
        kind: String,
        params: BTreeMap<String, Param>,
        retries: u32,
        on_done: String,
        on_error: String,
        integration: Option<String>,
        label: Option<String>,
    },
    Delay {
        ms: u64,
        next: String,
        label: Option<String>,
    },
    End {
        status: EndStatus,
        label: Option<String>,
    },
}

impl State {
    /// Every state this one can move to.
    pub fn targets(&self) -> Vec<&str> {
        match self {
            State::Trigger { next, filter, .. } => {
                let mut t = vec![next.as_str()];
                if filter.is_some() {
                    t.push(FILTERED_STATE);
                }
                t
            }
            State::Condition {
                on_true, on_false, ..
            } => vec![on_true, on_false],
            State::Split { arms, .. } => arms.iter().map(|a| a.target.as_str()).collect(),
            State::Action {
                on_done, on_error, ..
            } => vec![on_done, on_error],
            State::Delay { next, .. } => vec![next],
            State::End { .. } => vec![],
        }
    }
}

impl Compiled {
    /// The statechart's id (`"workflow"` unless set with [`Compiled::with_id`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Sets the statechart's id, e.g. to the workflow's id, so XState tools show it.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The trigger node's id: where every execution starts.
    pub fn initial(&self) -> &str {
        &self.initial
    }

    /// The event that starts this workflow.
    pub fn event(&self) -> &TriggerEvent {
        match self.states.get(&self.initial) {
            Some(State::Trigger { event, .. }) => event,
            // Construction guarantees the initial state is the trigger.
            _ => unreachable!("compiled workflow without a trigger"),
        }
    }

    /// Whether `state` is a state of this workflow (for checking a persisted position).
    pub fn has_state(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }

    /// The integrations the workflow's actions need (`"slack"`, `"hubspot"`, ...), so the
    /// executor can refuse to activate it, or warn, until they are connected.
    pub fn integrations(&self) -> BTreeSet<&str> {
        self.states
            .values()
            .filter_map(|s| match s {
                State::Action { integration, .. } => integration.as_deref(),
                _ => None,
            })
            .collect()
    }
}

impl Serialize for Compiled {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.statechart().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Compiled {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Compiled::from_statechart(&v).map_err(serde::de::Error::custom)
    }
}
