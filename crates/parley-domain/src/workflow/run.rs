//! The interpreter: pure, deterministic steps the executor drives and persists.
//!
//! The executor owns time, retries, storage and side effects; this module only says what a
//! state means. One execution is a walk of node visits, one step row each:
//!
//! ```text
//! state = compiled.initial()
//! loop {
//!     match compiled.enter(state, &ctx, seed)? {          // record a step row for `state`
//!         Step::Branch { next, .. } => state = next,       // resolved at once
//!         Step::Action { kind, input, retries, .. } => {
//!             let outcome = run the action (1 + retries attempts, with backoff);
//!             state = compiled.after(state, outcome)?;     // Done → next, Failed → error path
//!         }
//!         Step::Delay { ms, next, .. } => { schedule a job in `ms`; on wake-up state = next }
//!         Step::End { status, .. } => break,               // execution completed / failed / filtered
//!     }
//! }
//! ```
//!
//! Pass the context as it is at each step (it may be refreshed after a delay) and the same
//! `seed` throughout (the conversation or event id), so A/B splits are stable.

use super::program::{Compiled, EndStatus, Param, Render, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Most node visits a dry run makes (delay loops would otherwise run forever).
pub const MAX_DRY_RUN_VISITS: usize = 1_000;

/// What happened to an action (or a delay: `Done` once it elapsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    Failed,
}

/// What to do on entering a state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    /// A trigger, condition or split, resolved against the context: go to `next`.
    /// `branch` is `"true"`/`"false"` for a condition (or a filtered trigger), the branch id
    /// for a split, absent for a trigger without a filter.
    Branch {
        node_id: String,
        next: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        branch: Option<String>,
    },
    /// Run action `kind` with `input` (parameters rendered against the context); on failure
    /// retry up to `retries` more times, then report [`Outcome`] to [`Compiled::after`].
    Action {
        node_id: String,
        kind: String,
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        input: Value,
        retries: u32,
    },
    /// Wait `ms` milliseconds, then enter `next`.
    Delay {
        node_id: String,
        ms: u64,
        next: String,
    },
    /// The execution is over.
    End { node_id: String, status: EndStatus },
}

impl Step {
    pub fn node_id(&self) -> &str {
        match self {
            Step::Branch { node_id, .. }
            | Step::Action { node_id, .. }
            | Step::Delay { node_id, .. }
            | Step::End { node_id, .. } => node_id,
        }
    }
}

/// A misuse of the interpreter (a state id the workflow does not have, or an outcome
/// reported for a state that has none); never caused by context data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("the workflow has no state `{0}`")]
    UnknownState(String),
    #[error("state `{0}` is not an action or a delay; it takes no outcome")]
    NoOutcome(String),
    #[error("delay `{0}` cannot fail")]
    DelayFailed(String),
}

/// The path an event would take, for the builder's test panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRun {
    pub steps: Vec<Step>,
    /// False when the walk stopped at [`MAX_DRY_RUN_VISITS`] (a loop through a delay).
    pub complete: bool,
}

impl Compiled {
    /// Whether an event named `event` with context `ctx` starts this workflow: the name
    /// matches the trigger's and its filter (if any) holds.
    pub fn trigger_matches(&self, event: &str, ctx: &Value) -> bool {
        match self.states.get(&self.initial) {
            Some(State::Trigger {
                event: e, filter, ..
            }) => e.name() == event && filter.as_ref().is_none_or(|f| f.eval(ctx)),
            _ => false,
        }
    }

    /// What entering `state` means, given the context and the execution's `seed`.
    pub fn enter(&self, state: &str, ctx: &Value, seed: &str) -> Result<Step, RunError> {
        let s = self
            .states
            .get(state)
            .ok_or_else(|| RunError::UnknownState(state.to_owned()))?;
        let node_id = state.to_owned();
        Ok(match s {
            State::Trigger { filter, next, .. } => match filter {
                None => Step::Branch {
                    node_id,
                    next: next.clone(),
                    branch: None,
                },
                Some(f) => {
                    let pass = f.eval(ctx);
                    Step::Branch {
                        node_id,
                        next: if pass {
                            next.clone()
                        } else {
                            super::FILTERED_STATE.to_owned()
                        },
                        branch: Some(pass.to_string()),
                    }
                }
            },
            State::Condition {
                expr,
                on_true,
                on_false,
                ..
            } => {
                let pass = expr.eval(ctx);
                Step::Branch {
                    node_id,
                    next: if pass { on_true } else { on_false }.clone(),
                    branch: Some(pass.to_string()),
                }
            }
            State::Split { arms, .. } => {
                let total: u64 = arms.iter().map(|a| a.weight).sum();
                let mut bucket = split_bucket(seed, state, total);
                // Arms are non-empty with positive weights, so the bucket lands in one.
                let arm = arms
                    .iter()
                    .find(|a| {
                        if bucket < a.weight {
                            true
                        } else {
                            bucket -= a.weight;
                            false
                        }
                    })
                    .or(arms.last());
                let (next, branch) = arm.map_or((String::new(), None), |a| {
                    (a.target.clone(), Some(a.id.clone()))
                });
                Step::Branch {
                    node_id,
                    next,
                    branch,
                }
            }
            State::Action {
                kind,
                params,
                retries,
                ..
            } => Step::Action {
                node_id,
                kind: kind.clone(),
                input: render_params(params, ctx),
                retries: *retries,
            },
            State::Delay { ms, next, .. } => Step::Delay {
                node_id,
                ms: *ms,
                next: next.clone(),
            },
            State::End { status, .. } => Step::End {
                node_id,
                status: *status,
            },
        })
    }

    /// Where to go after the action (or delay) at `state` finished with `outcome`.
    pub fn after(&self, state: &str, outcome: Outcome) -> Result<&str, RunError> {
        match self.states.get(state) {
            None => Err(RunError::UnknownState(state.to_owned())),
            Some(State::Action {
                on_done, on_error, ..
            }) => Ok(match outcome {
                Outcome::Done => on_done,
                Outcome::Failed => on_error,
            }),
            Some(State::Delay { next, .. }) => match outcome {
                Outcome::Done => Ok(next),
                Outcome::Failed => Err(RunError::DelayFailed(state.to_owned())),
            },
            Some(_) => Err(RunError::NoOutcome(state.to_owned())),
        }
    }

    /// The path an event with context `ctx` would take from the trigger, every action
    /// succeeding and every delay elapsing, with each action's rendered input. Stops at an
    /// end state or after [`MAX_DRY_RUN_VISITS`] visits.
    pub fn dry_run(&self, ctx: &Value, seed: &str) -> DryRun {
        let mut steps = Vec::new();
        let mut state = self.initial.clone();
        while steps.len() < MAX_DRY_RUN_VISITS {
            let Ok(step) = self.enter(&state, ctx, seed) else {
                break;
            };
            let next = match &step {
                Step::Branch { next, .. } | Step::Delay { next, .. } => Some(next.clone()),
                Step::Action { .. } => self.after(&state, Outcome::Done).ok().map(str::to_owned),
                Step::End { .. } => None,
            };
            let ended = matches!(step, Step::End { .. });
            steps.push(step);
            if ended {
                return DryRun {
                    steps,
                    complete: true,
                };
            }
            match next {
                Some(n) => state = n,
                None => break,
            }
        }
        DryRun {
            steps,
            complete: false,
        }
    }
}

/// The A/B bucket of an execution at a split: `sha256(seed ␀ node id)` as a number mod
/// `total`. Stable across restarts and machines, independent between splits.
pub fn split_bucket(seed: &str, node_id: &str, total: u64) -> u64 {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update([0]);
    h.update(node_id.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % total.max(1)
}

/// Renders an action's parameters against the context.
fn render_params(params: &std::collections::BTreeMap<String, Param>, ctx: &Value) -> Value {
    let mut out = Map::new();
    for (name, p) in params {
        let value = match &p.template {
            None => p.value.clone(),
            Some(t) => match p.render {
                Render::Text => Value::String(t.render(ctx, super::Escape::Plain)),
                Render::Url => Value::String(t.render(ctx, super::Escape::Url)),
                Render::Json => {
                    let text = t.render_json_text(ctx);
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                Render::Number => {
                    let text = t.render(ctx, super::Escape::Plain);
                    let text = text.trim();
                    if text.is_empty() {
                        Value::Null
                    } else if let Ok(i) = text.parse::<i64>() {
                        Value::from(i)
                    } else {
                        text.parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or_else(|| Value::String(text.to_owned()), Value::Number)
                    }
                }
                Render::Bool => {
                    let text = t.render(ctx, super::Escape::Plain);
                    match text.trim() {
                        "" => Value::Null,
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        other => Value::String(other.to_owned()),
                    }
                }
            },
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}
