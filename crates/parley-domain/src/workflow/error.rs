//! Validation errors for a workflow graph, each pointing at the node or edge to fix so the
//! builder can highlight it.

use serde::Serialize;
use std::fmt;

/// Stable error codes (the builder may key messages or help links on them).
pub mod codes {
    pub const INVALID_GRAPH: &str = "invalid_graph";
    pub const INVALID_NODE: &str = "invalid_node";
    pub const INVALID_EDGE: &str = "invalid_edge";
    pub const TOO_MANY_NODES: &str = "too_many_nodes";
    pub const TOO_MANY_EDGES: &str = "too_many_edges";
    pub const INVALID_ID: &str = "invalid_id";
    pub const DUPLICATE_ID: &str = "duplicate_id";
    pub const NO_TRIGGER: &str = "no_trigger";
    pub const MULTIPLE_TRIGGERS: &str = "multiple_triggers";
    pub const UNKNOWN_NODE: &str = "unknown_node";
    pub const TRIGGER_HAS_INCOMING: &str = "trigger_has_incoming";
    pub const INVALID_HANDLE: &str = "invalid_handle";
    pub const DUPLICATE_HANDLE: &str = "duplicate_handle";
    pub const MISSING_HANDLE: &str = "missing_handle";
    pub const END_HAS_OUTGOING: &str = "end_has_outgoing";
    pub const UNREACHABLE: &str = "unreachable";
    pub const NO_PATH_TO_END: &str = "no_path_to_end";
    pub const CYCLE_WITHOUT_DELAY: &str = "cycle_without_delay";
    pub const INVALID_EXPRESSION: &str = "invalid_expression";
    pub const UNKNOWN_ACTION: &str = "unknown_action";
    pub const MISSING_PARAM: &str = "missing_param";
    pub const UNKNOWN_PARAM: &str = "unknown_param";
    pub const INVALID_PARAM: &str = "invalid_param";
    pub const INVALID_TEMPLATE: &str = "invalid_template";
    pub const INVALID_RETRIES: &str = "invalid_retries";
    pub const INVALID_DELAY: &str = "invalid_delay";
    pub const INVALID_SPLIT: &str = "invalid_split";
}

/// One problem with a workflow graph. `node_id`/`edge_id` say where; `code` is stable (see
/// [`codes`]); `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_id: Option<String>,
    pub code: &'static str,
    pub message: String,
}

impl ValidationError {
    /// A problem with the graph as a whole.
    pub fn graph(code: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            node_id: None,
            edge_id: None,
            code,
            message: message.into(),
        }
    }

    /// A problem with node `node_id`.
    pub fn node(node_id: &str, code: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            node_id: Some(node_id.to_owned()),
            ..Self::graph(code, message)
        }
    }

    /// A problem with an edge (`edge_id` is `None` when the edge has no id).
    pub fn edge(edge_id: Option<&str>, code: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            edge_id: edge_id.map(str::to_owned),
            ..Self::graph(code, message)
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.node_id, &self.edge_id) {
            (Some(n), _) => write!(f, "node `{n}`: {}", self.message),
            (None, Some(e)) => write!(f, "edge `{e}`: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// All messages on one line, for logs and for a serde error.
pub fn summary(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
