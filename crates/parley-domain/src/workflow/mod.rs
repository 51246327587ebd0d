//! Workflows: the pure half of the automation engine.
//!
//! A bot owner draws a workflow in the builder as a React Flow [`Graph`]. Saving it runs
//! [`compile`], which validates every rule (one trigger, every node reachable, every path
//! ends, loops only through delays, every action known and configured) and yields a
//! [`Compiled`] workflow. Its [`Compiled::statechart`] is XState JSON: the form to store as
//! an immutable version, re-loaded with [`Compiled::from_statechart`] without the graph.
//!
//! The executor (database, jobs, HTTP) drives executions with [`Compiled::trigger_matches`],
//! [`Compiled::enter`] and [`Compiled::after`], and offers a test panel with
//! [`Compiled::dry_run`]. Nothing here does IO, reads a clock or draws random numbers: A/B
//! splits hash a seed, so the same execution always takes the same branch.
//!
//! Conditions use a small expression language ([`Expr`]); action parameters use `{{path}}`
//! templates ([`Template`]). See `docs/workflows.md` for the formats.

mod catalog;
mod compile;
mod error;
mod expr;
mod graph;
mod library;
mod path;
mod program;
mod run;
mod statechart;
mod template;

pub use catalog::{ActionCatalog, ActionSpec, BuiltinCatalog, MAX_URL_CHARS, ParamKind, ParamSpec};
pub use compile::{
    DEFAULT_ID, MAX_BRANCHES, MAX_EDGES, MAX_ID_CHARS, MAX_NODES, MIN_BRANCHES, compile,
};
pub use error::{ValidationError, codes};
pub use expr::{Expr, ExprError, MAX_DEPTH, MAX_EXPR_CHARS};
pub use graph::{
    ActionData, ConditionData, DEFAULT_RETRIES, DelayData, Edge, EndData, Graph, MAX_DELAY_SECS,
    MAX_RETRIES, MIN_DELAY_SECS, Node, NodeData, NodeType, Position, SplitBranch, SplitData,
    TriggerData, TriggerEvent,
};
pub use library::{WorkflowTemplate, templates};
pub use path::Path;
pub use program::{Compiled, EndStatus, FAILED_STATE, FILTERED_STATE};
pub use run::{DryRun, MAX_DRY_RUN_VISITS, Outcome, RunError, Step, split_bucket};
pub use statechart::LoadError;
pub use template::{Escape, MAX_TEMPLATE_CHARS, Template, TemplateError};

#[cfg(test)]
mod tests;
