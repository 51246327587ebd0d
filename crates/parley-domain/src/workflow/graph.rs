//! The stored source of a workflow: the React Flow graph the builder draws,
//! `{ "nodes": [...], "edges": [...] }`.
//!
//! Node objects tolerate React Flow's own keys (`width`, `selected`, `measured`, ...) because
//! the builder saves what React Flow gives it; the per-type `data` objects reject unknown
//! fields, so a typo (`expresion`) is an error rather than a silently ignored setting.
//! [`Graph::from_value`] reports every bad node and edge at once with its id; the serde
//! `Deserialize` impl does the same but joins them into one message.

use super::error::{ValidationError, codes, summary};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A workflow graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// A node: its id, where the builder drew it, and its typed data.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub position: Position,
    pub data: NodeData,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

/// An edge. `source_handle` selects the branch: `true`/`false` out of a condition, a branch
/// id out of a split, `error` for an action's failure path; none for the default out edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Edge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub source: String,
    pub target: String,
    #[serde(
        rename = "sourceHandle",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub source_handle: Option<String>,
}

/// The node types, as written in a node's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NodeType {
    Trigger,
    Condition,
    Action,
    Delay,
    Split,
    End,
}

impl NodeType {
    pub const ALL: [NodeType; 6] = [
        NodeType::Trigger,
        NodeType::Condition,
        NodeType::Action,
        NodeType::Delay,
        NodeType::Split,
        NodeType::End,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeType::Trigger => "trigger",
            NodeType::Condition => "condition",
            NodeType::Action => "action",
            NodeType::Delay => "delay",
            NodeType::Split => "split",
            NodeType::End => "end",
        }
    }
}

/// A node's data, by type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum NodeData {
    Trigger(TriggerData),
    Condition(ConditionData),
    Action(ActionData),
    Delay(DelayData),
    Split(SplitData),
    End(EndData),
}

impl NodeData {
    pub fn node_type(&self) -> NodeType {
        match self {
            NodeData::Trigger(_) => NodeType::Trigger,
            NodeData::Condition(_) => NodeType::Condition,
            NodeData::Action(_) => NodeType::Action,
            NodeData::Delay(_) => NodeType::Delay,
            NodeData::Split(_) => NodeType::Split,
            NodeData::End(_) => NodeType::End,
        }
    }

    /// The builder's label, if any (shown as the state's `description`).
    pub fn label(&self) -> Option<&str> {
        match self {
            NodeData::Trigger(d) => d.label.as_deref(),
            NodeData::Condition(d) => d.label.as_deref(),
            NodeData::Action(d) => d.label.as_deref(),
            NodeData::Delay(d) => d.label.as_deref(),
            NodeData::Split(d) => d.label.as_deref(),
            NodeData::End(d) => d.label.as_deref(),
        }
    }
}

/// `trigger`: which event starts the workflow, optionally filtered by an expression
/// (`intent == "bulk_order"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TriggerData {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "intent.detected"))]
    pub event: TriggerEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `condition`: two outgoing handles, `true` and `false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConditionData {
    pub expression: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Default extra attempts for a failing action.
pub const DEFAULT_RETRIES: u32 = 3;
/// Most extra attempts an action may ask for.
pub const MAX_RETRIES: u32 = 10;

/// `action`: the action kind, its parameters (strings may hold `{{templates}}`), and how
/// many times to retry it after a failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionData {
    pub action: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Shortest delay, in seconds.
pub const MIN_DELAY_SECS: u64 = 1;
/// Longest delay: 30 days.
pub const MAX_DELAY_SECS: u64 = 30 * 24 * 3600;

/// `delay`: either `seconds` or a `duration` such as `"10m"`, `"2h"`, `"1d"`, `"30s"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DelayData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl DelayData {
    /// The delay in seconds, checked against the 1 s .. 30 days range.
    pub fn seconds(&self) -> Result<u64, String> {
        let secs = match (self.seconds, &self.duration) {
            (Some(s), None) => s,
            (None, Some(d)) => parse_duration(d)?,
            (Some(_), Some(_)) => {
                return Err("give either `seconds` or `duration`, not both".into());
            }
            (None, None) => return Err("a delay needs `seconds` or `duration`".into()),
        };
        if !(MIN_DELAY_SECS..=MAX_DELAY_SECS).contains(&secs) {
            return Err(format!(
                "a delay must be between 1 second and 30 days, not {secs} s"
            ));
        }
        Ok(secs)
    }
}

/// `"30s"`, `"10m"`, `"2h"`, `"1d"` → seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a duration; write e.g. `30s`, `10m`, `2h` or `1d`");
    let t = text.trim();
    let unit = t.chars().last().ok_or_else(bad)?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(bad()),
    };
    let digits = &t[..t.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(factor).ok_or_else(bad)
}

/// `split`: an A/B(/C...) split; each branch is an outgoing handle named by its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SplitData {
    pub branches: Vec<SplitBranch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SplitBranch {
    pub id: String,
    /// Relative share; a positive integer.
    pub weight: u32,
}

/// `end`: the execution completes here.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The event that starts a workflow: a built-in one or `external:<name>` (posted to the
/// event API by another system).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TriggerEvent {
    MessageReceived,
    ConversationStarted,
    SentimentNegative,
    IntentDetected,
    LeadQualified,
    ImageUploaded,
    ImageAnalyzed,
    ConversationResolved,
    ConversationRated,
    ConversationReopened,
    HandoffRequested,
    /// A Slack, HubSpot or Google connection needs a person to reconnect it.
    IntegrationDisconnected,
    /// `external:<name>`; holds `<name>` (1-64 of `A-Z a-z 0-9 _ . -`).
    External(String),
}

impl TriggerEvent {
    /// The built-in events with their names.
    pub const BUILTIN: [(TriggerEvent, &'static str); 12] = [
        (TriggerEvent::MessageReceived, "message.received"),
        (TriggerEvent::ConversationStarted, "conversation.started"),
        (TriggerEvent::SentimentNegative, "sentiment.negative"),
        (TriggerEvent::IntentDetected, "intent.detected"),
        (TriggerEvent::LeadQualified, "lead.qualified"),
        (TriggerEvent::ImageUploaded, "image.uploaded"),
        (TriggerEvent::ImageAnalyzed, "image.analyzed"),
        (TriggerEvent::ConversationResolved, "conversation.resolved"),
        (TriggerEvent::ConversationRated, "conversation.rated"),
        (TriggerEvent::ConversationReopened, "conversation.reopened"),
        (TriggerEvent::HandoffRequested, "handoff.requested"),
        (
            TriggerEvent::IntegrationDisconnected,
            "integration.disconnected",
        ),
    ];

    /// The event name as emitted (`intent.detected`, `external:order_shipped`).
    pub fn name(&self) -> String {
        match self {
            TriggerEvent::External(n) => format!("external:{n}"),
            builtin => Self::BUILTIN
                .iter()
                .find(|(e, _)| e == builtin)
                .map(|(_, n)| (*n).to_owned())
                .unwrap_or_default(),
        }
    }
}

impl FromStr for TriggerEvent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some((e, _)) = Self::BUILTIN.iter().find(|(_, n)| *n == s) {
            return Ok(e.clone());
        }
        if let Some(name) = s.strip_prefix("external:") {
            let ok = (1..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            return if ok {
                Ok(TriggerEvent::External(name.to_owned()))
            } else {
                Err(format!(
                    "external event name `{name}` must be 1-64 letters, digits, `_`, `.` or `-`"
                ))
            };
        }
        let known: Vec<&str> = Self::BUILTIN.iter().map(|(_, n)| *n).collect();
        Err(format!(
            "unknown event `{s}`; expected one of {} or `external:<name>`",
            known.join(", ")
        ))
    }
}

impl fmt::Display for TriggerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for TriggerEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for TriggerEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The node keys we read; React Flow's other keys are ignored.
#[derive(Deserialize)]
struct RawNode {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    position: Position,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct RawGraph {
    nodes: Vec<Value>,
    #[serde(default)]
    edges: Vec<Value>,
}

impl Graph {
    /// Reads a graph from JSON, reporting every bad node and edge with its id.
    pub fn from_value(value: &Value) -> Result<Graph, Vec<ValidationError>> {
        let raw = RawGraph::deserialize(value).map_err(|e| {
            vec![ValidationError::graph(
                codes::INVALID_GRAPH,
                format!("a workflow is `{{\"nodes\": [...], \"edges\": [...]}}`: {e}"),
            )]
        })?;
        let mut errors = Vec::new();
        let mut nodes = Vec::with_capacity(raw.nodes.len());
        for (i, v) in raw.nodes.iter().enumerate() {
            match parse_node(v) {
                Ok(n) => nodes.push(n),
                Err(e) => errors.push(e.unwrap_or_else(|| {
                    ValidationError::graph(
                        codes::INVALID_NODE,
                        format!("node #{} needs a string `id` and `type`", i + 1),
                    )
                })),
            }
        }
        let mut edges = Vec::with_capacity(raw.edges.len());
        for (i, v) in raw.edges.iter().enumerate() {
            match Edge::deserialize(v) {
                Ok(e) => edges.push(e),
                Err(e) => {
                    let id = v.get("id").and_then(Value::as_str);
                    errors.push(ValidationError::edge(
                        id,
                        codes::INVALID_EDGE,
                        format!("edge #{}: {e}", i + 1),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(Graph { nodes, edges })
        } else {
            Err(errors)
        }
    }

    /// The node with `id`, if any.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// `Err(None)` when even the id is unreadable.
fn parse_node(v: &Value) -> Result<Node, Option<ValidationError>> {
    let raw = RawNode::deserialize(v).map_err(|_| None)?;
    let fail = |m: String| Some(ValidationError::node(&raw.id, codes::INVALID_NODE, m));
    let kind = NodeType::ALL
        .into_iter()
        .find(|t| t.as_str() == raw.kind)
        .ok_or_else(|| {
            fail(format!(
                "unknown node type `{}`; expected trigger, condition, action, delay, split or end",
                raw.kind
            ))
        })?;
    let data = if raw.data.is_null() {
        Value::Object(Default::default())
    } else {
        raw.data
    };
    fn typed<T: DeserializeOwned>(v: Value, kind: NodeType) -> Result<T, String> {
        serde_json::from_value(v).map_err(|e| format!("{} data: {e}", kind.as_str()))
    }
    let data = match kind {
        NodeType::Trigger => typed(data, kind).map(NodeData::Trigger),
        NodeType::Condition => typed(data, kind).map(NodeData::Condition),
        NodeType::Action => typed(data, kind).map(NodeData::Action),
        NodeType::Delay => typed(data, kind).map(NodeData::Delay),
        NodeType::Split => typed(data, kind).map(NodeData::Split),
        NodeType::End => typed(data, kind).map(NodeData::End),
    }
    .map_err(fail)?;
    Ok(Node {
        id: raw.id,
        position: raw.position,
        data,
    })
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Node", 4)?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("type", self.data.node_type().as_str())?;
        st.serialize_field("position", &self.position)?;
        st.serialize_field("data", &self.data)?;
        st.end()
    }
}

impl Serialize for Graph {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Graph", 2)?;
        st.serialize_field("nodes", &self.nodes)?;
        st.serialize_field("edges", &self.edges)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Graph {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Graph::from_value(&v).map_err(|errs| serde::de::Error::custom(summary(&errs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_react_flow_json_and_round_trips() {
        let v = json!({
            "nodes": [
                {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
                 "data": {"event": "external:order_shipped", "filter": "a == 1"},
                 "width": 150, "height": 40, "selected": true, "dragging": false,
                 "measured": {"width": 150, "height": 40}},
                {"id": "d", "type": "delay", "position": {"x": 1, "y": 2.5}, "data": {"duration": "2h"}},
                {"id": "e", "type": "end", "position": {"x": 0, "y": 0}},
            ],
            "edges": [
                {"id": "e1", "source": "t", "target": "d", "sourceHandle": null, "animated": true},
                {"source": "d", "target": "e"},
            ],
            "viewport": {"x": 0, "y": 0, "zoom": 1},
        });
        let g = Graph::from_value(&v).unwrap();
        assert_eq!(g.nodes.len(), 3);
        assert_eq!(g.edges[0].source_handle, None);
        match &g.nodes[0].data {
            NodeData::Trigger(t) => {
                assert_eq!(t.event, TriggerEvent::External("order_shipped".into()))
            }
            other => panic!("{other:?}"),
        }
        let text = serde_json::to_string(&g).unwrap();
        let back: Graph = serde_json::from_str(&text).unwrap();
        assert_eq!(back, g);
    }

    #[test]
    fn reports_each_bad_node_with_its_id() {
        let v = json!({
            "nodes": [
                {"id": "c", "type": "condition", "data": {"expresion": "a"}},
                {"id": "x", "type": "widget", "data": {}},
                {"id": "t", "type": "trigger", "data": {"event": "message.sent"}},
                {"type": "end"},
                {"id": "s", "type": "split", "data": {"branches": [{"id": "a", "weight": -1}]}},
            ],
            "edges": [{"id": "bad", "source": 1, "target": "c"}],
        });
        let errs = Graph::from_value(&v).unwrap_err();
        let ids: Vec<_> = errs.iter().map(|e| e.node_id.as_deref()).collect();
        assert_eq!(
            ids,
            [Some("c"), Some("x"), Some("t"), None, Some("s"), None]
        );
        assert!(
            errs[0].message.contains("unknown field `expresion`"),
            "{}",
            errs[0]
        );
        assert!(errs[2].message.contains("unknown event `message.sent`"));
        assert_eq!(errs[5].edge_id.as_deref(), Some("bad"));
        assert!(serde_json::from_value::<Graph>(v).is_err());
        assert!(Graph::from_value(&json!([1])).is_err());
    }

    #[test]
    fn durations() {
        let d = |s: &str| DelayData {
            seconds: None,
            duration: Some(s.into()),
            label: None,
        };
        assert_eq!(d("30s").seconds(), Ok(30));
        assert_eq!(d("10m").seconds(), Ok(600));
        assert_eq!(d("2h").seconds(), Ok(7200));
        assert_eq!(d("30d").seconds(), Ok(MAX_DELAY_SECS));
        for bad in [
            "31d",
            "0s",
            "m",
            "10",
            "1.5h",
            "-1m",
            "10w",
            "",
            "99999999999999999999d",
        ] {
            assert!(d(bad).seconds().is_err(), "{bad}");
        }
        let both = DelayData {
            seconds: Some(5),
            duration: Some("5s".into()),
            label: None,
        };
        assert!(both.seconds().is_err());
    }
}
