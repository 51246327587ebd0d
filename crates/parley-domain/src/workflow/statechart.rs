//! The stored form: a [`Compiled`] workflow as XState JSON, and back.
//!
//! ```text
//! { "id": "workflow", "initial": "<trigger id>", "states": {
//!     "<trigger>":   { "always": [{ "target", "guard": { "type": "expr", "params": { "expression" } } },
//!                                 { "target": "$filtered" }] }          (no filter: [{ "target" }])
//!     "<condition>": { "always": [{ "target": <true>, "guard": {"type": "expr", ...} }, { "target": <false> }] }
//!     "<split>":     { "always": [{ "target", "guard": { "type": "split",
//!                                   "params": { "branch", "weight", "from", "total" } } }, ...] }
//!     "<action>":    { "invoke": { "id", "src": "<kind>", "input": {params},
//!                                  "onDone": { "target" }, "onError": { "target" } } }
//!     "<delay>":     { "after": { "<ms>": { "target" } } }
//!     "<end>":       { "type": "final" }
//!     "$failed":     { "type": "final" }      (when an action has no error edge)
//!     "$filtered":   { "type": "final" }      (when the trigger has a filter)
//! } }
//! ```
//!
//! Every state also has `meta.node` (its node type, for re-loading) and, for labelled
//! nodes, a `description`. Action `meta` holds `retries`, `integration` and `render` (the
//! parameters not rendered as plain text); XState ignores `meta`, so the chart still opens in
//! XState's own tools. A split guard passes when the execution's bucket
//! (`sha256(seed, node id) mod total`) is in `from .. from + weight`.

use super::expr::Expr;
use super::graph::TriggerEvent;
use super::program::{Compiled, EndStatus, FILTERED_STATE, Param, Render, SplitArm, State};
use super::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a stored statechart could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid workflow statechart: {0}")]
pub struct LoadError(pub String);

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct XChart {
    id: String,
    initial: String,
    states: BTreeMap<String, XState>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct XState {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    meta: XMeta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    always: Vec<XTransition>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    after: BTreeMap<String, XTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invoke: Option<XInvoke>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct XMeta {
    node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<TriggerEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    integration: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    render: BTreeMap<String, Render>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct XTransition {
    target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    guard: Option<XGuard>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "params", rename_all = "snake_case")]
enum XGuard {
    Expr {
        expression: String,
    },
    Split {
        branch: String,
        weight: u64,
        from: u64,
        total: u64,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct XTarget {
    target: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct XInvoke {
    id: String,
    src: String,
    input: BTreeMap<String, Value>,
    on_done: XTarget,
    on_error: XTarget,
}

fn target(t: &str) -> XTarget {
    XTarget {
        target: t.to_owned(),
    }
}

fn meta(node: &str) -> XMeta {
    XMeta {
        node: node.to_owned(),
        event: None,
        retries: None,
        integration: None,
        render: BTreeMap::new(),
    }
}

fn expr_guard(expr: &Expr) -> Option<XGuard> {
    Some(XGuard::Expr {
        expression: expr.source().to_owned(),
    })
}

fn blank(kind: Option<&str>, label: &Option<String>, meta: XMeta) -> XState {
    XState {
        kind: kind.map(str::to_owned),
        description: label.clone(),
        meta,
        always: Vec::new(),
        after: BTreeMap::new(),
        invoke: None,
    }
}

impl Compiled {
    /// The workflow as an XState statechart (the form to store; see the module docs).
    pub fn statechart(&self) -> Value {
        let states = self
            .states
            .iter()
            .map(|(id, s)| (id.clone(), to_x(id, s)))
            .collect();
        let chart = XChart {
            id: self.id.clone(),
            initial: self.initial.clone(),
            states,
        };
        // Plain structs, string keys: serializing to a Value cannot fail.
        serde_json::to_value(chart).unwrap_or(Value::Null)
    }

    /// Re-loads a statechart made by [`Compiled::statechart`], re-parsing its expressions and
    /// templates and checking that every target exists.
    pub fn from_statechart(chart: &Value) -> Result<Compiled, LoadError> {
        let x = XChart::deserialize(chart).map_err(|e| LoadError(e.to_string()))?;
        let mut states = BTreeMap::new();
        for (id, s) in x.states {
            let state = from_x(s).map_err(|m| LoadError(format!("state `{id}`: {m}")))?;
            states.insert(id, state);
        }
        if !matches!(states.get(&x.initial), Some(State::Trigger { .. })) {
            return Err(LoadError(format!(
                "initial state `{}` is not a trigger",
                x.initial
            )));
        }
        for (id, s) in &states {
            for t in s.targets() {
                if !states.contains_key(t) {
                    return Err(LoadError(format!(
                        "state `{id}` targets `{t}`, which does not exist"
                    )));
                }
            }
        }
        Ok(Compiled {
            id: x.id,
            initial: x.initial,
            states,
        })
    }
}

fn to_x(id: &str, state: &State) -> XState {
    match state {
        State::Trigger {
            event,
            filter,
            next,
            label,
        } => {
            let mut m = meta("trigger");
            m.event = Some(event.clone());
            let mut x = blank(None, label, m);
            x.always.push(XTransition {
                target: next.clone(),
                guard: filter.as_ref().and_then(expr_guard),
            });
            if filter.is_some() {
                x.always.push(XTransition {
                    target: FILTERED_STATE.to_owned(),
                    guard: None,
                });
            }
            x
        }
        State::Condition {
            expr,
            on_true,
            on_false,
            label,
        } => {
            let mut x = blank(None, label, meta("condition"));
            x.always = vec![
                XTransition {
                    target: on_true.clone(),
                    guard: expr_guard(expr),
                },
                XTransition {
                    target: on_false.clone(),
                    guard: None,
                },
            ];
            x
        }
        State::Split { arms, label } => {
            let mut x = blank(None, label, meta("split"));
            let total = arms.iter().map(|a| a.weight).sum();
            let mut from = 0;
            for arm in arms {
                x.always.push(XTransition {
                    target: arm.target.clone(),
                    guard: Some(XGuard::Split {
                        branch: arm.id.clone(),
                        weight: arm.weight,
                        from,
                        total,
                    }),
                });
                from += arm.weight;
            }
            x
        }
        State::Action {
            kind,
            params,
            retries,
            on_done,
            on_error,
            integration,
            label,
        } => {
            let mut m = meta("action");
            m.retries = Some(*retries);
            m.integration = integration.clone();
            m.render = params
                .iter()
                .filter(|(_, p)| p.render != Render::Text)
                .map(|(n, p)| (n.clone(), p.render))
                .collect();
            let mut x = blank(None, label, m);
            x.invoke = Some(XInvoke {
                id: id.to_owned(),
                src: kind.clone(),
                input: params
                    .iter()
                    .map(|(n, p)| (n.clone(), p.value.clone()))
                    .collect(),
                on_done: target(on_done),
                on_error: target(on_error),
            });
            x
        }
        State::Delay { ms, next, label } => {
            let mut x = blank(None, label, meta("delay"));
            x.after.insert(ms.to_string(), target(next));
            x
        }
        State::End { status, label } => {
            let node = match status {
                EndStatus::Completed => "end",
                EndStatus::Failed => "failed",
                EndStatus::Filtered => "filtered",
            };
            blank(Some("final"), label, meta(node))
        }
    }
}

fn from_x(x: XState) -> Result<State, String> {
    let label = x.description;
    let parse_expr = |g: &Option<XGuard>| -> Result<Option<Expr>, String> {
        match g {
            None => Ok(None),
            Some(XGuard::Expr { expression }) => {
                Expr::parse(expression).map(Some).map_err(|e| e.to_string())
            }
            Some(XGuard::Split { .. }) => Err("unexpected split guard".into()),
        }
    };
    let final_state = |status| {
        if x.kind.as_deref() == Some("final") {
            Ok(State::End {
                status,
                label: label.clone(),
            })
        } else {
            Err("an end state must have `type: final`".to_string())
        }
    };
    match x.meta.node.as_str() {
        "trigger" => {
            let event = x.meta.event.ok_or("a trigger needs `meta.event`")?;
            let (next, filter) = match x.always.as_slice() {
                [only] if only.guard.is_none() => (only.target.clone(), None),
                [first, rest] if rest.guard.is_none() && rest.target == FILTERED_STATE => {
                    let filter = parse_expr(&first.guard)?.ok_or("a filter needs a guard")?;
                    (first.target.clone(), Some(filter))
                }
                _ => {
                    return Err(
                        "a trigger has one transition, or a guarded one and `$filtered`".into(),
                    );
                }
            };
            Ok(State::Trigger {
                event,
                filter,
                next,
                label,
            })
        }
        "condition" => match x.always.as_slice() {
            [t, f] if f.guard.is_none() => Ok(State::Condition {
                expr: parse_expr(&t.guard)?.ok_or("a condition needs an expr guard")?,
                on_true: t.target.clone(),
                on_false: f.target.clone(),
                label,
            }),
            _ => Err("a condition has a guarded and an unguarded transition".into()),
        },
        "split" => {
            let mut arms = Vec::new();
            for t in &x.always {
                match &t.guard {
                    Some(XGuard::Split { branch, weight, .. }) if *weight > 0 => {
                        arms.push(SplitArm {
                            id: branch.clone(),
                            weight: *weight,
                            target: t.target.clone(),
                        })
                    }
                    _ => return Err("every split transition needs a split guard".into()),
                }
            }
            if arms.len() < 2 {
                return Err("a split needs at least two branches".into());
            }
            Ok(State::Split { arms, label })
        }
        "action" => {
            let inv = x.invoke.ok_or("an action needs `invoke`")?;
            let mut params = BTreeMap::new();
            for (name, value) in inv.input {
                let render = x.meta.render.get(&name).copied().unwrap_or(Render::Text);
                let template = match &value {
                    Value::String(s) => {
                        Some(Template::parse(s).map_err(|e| format!("param `{name}`: {e}"))?)
                    }
                    _ => None,
                };
                params.insert(
                    name,
                    Param {
                        value,
                        render,
                        template,
                    },
                );
            }
            Ok(State::Action {
                kind: inv.src,
                params,
                retries: x.meta.retries.unwrap_or(super::graph::DEFAULT_RETRIES),
                on_done: inv.on_done.target,
                on_error: inv.on_error.target,
                integration: x.meta.integration,
                label,
            })
        }
        "delay" => {
            let mut after = x.after.into_iter();
            match (after.next(), after.next()) {
                (Some((ms, t)), None) => Ok(State::Delay {
                    ms: ms
                        .parse()
                        .map_err(|_| format!("`{ms}` is not milliseconds"))?,
                    next: t.target,
                    label,
                }),
                _ => Err("a delay has exactly one `after` entry".into()),
            }
        }
        "end" => final_state(EndStatus::Completed),
        "failed" => final_state(EndStatus::Failed),
        "filtered" => final_state(EndStatus::Filtered),
        other => Err(format!("unknown node type `{other}`")),
    }
}
