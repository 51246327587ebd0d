//! Graph → [`Compiled`]: every validation rule, then the typed states.
//!
//! All problems are collected (not just the first) and each names the node or edge to fix.
//! Structural checks that depend on a sound wiring (reachability, paths to an end, loops)
//! run only once the edges themselves are valid, so one missing edge does not produce a
//! cascade of follow-on errors.

use super::catalog::{ActionCatalog, ParamKind, check_param};
use super::error::{ValidationError, codes};
use super::expr::Expr;
use super::graph::{DEFAULT_RETRIES, Edge, Graph, MAX_RETRIES, Node, NodeData, NodeType};
use super::program::{
    Compiled, EndStatus, FAILED_STATE, FILTERED_STATE, Param, Render, SplitArm, State,
};
use super::template::Template;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Most nodes in one workflow.
pub const MAX_NODES: usize = 200;
/// Most edges in one workflow.
pub const MAX_EDGES: usize = 400;
/// Fewest and most branches of a split.
pub const MIN_BRANCHES: usize = 2;
pub const MAX_BRANCHES: usize = 10;
/// Longest node, edge or branch id.
pub const MAX_ID_CHARS: usize = 64;

/// The statechart id used until [`Compiled::with_id`] sets one.
pub const DEFAULT_ID: &str = "workflow";

/// Validates `graph` against `catalog` and compiles it, or returns every problem found.
pub fn compile(
    graph: &Graph,
    catalog: &dyn ActionCatalog,
) -> Result<Compiled, Vec<ValidationError>> {
    let mut errors = Vec::new();
    if graph.nodes.len() > MAX_NODES {
        errors.push(ValidationError::graph(
            codes::TOO_MANY_NODES,
            format!(
                "a workflow may have at most {MAX_NODES} nodes, not {}",
                graph.nodes.len()
            ),
        ));
    }
    if graph.edges.len() > MAX_EDGES {
        errors.push(ValidationError::graph(
            codes::TOO_MANY_EDGES,
            format!(
                "a workflow may have at most {MAX_EDGES} edges, not {}",
                graph.edges.len()
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let nodes = check_ids(graph, &mut errors);
    let trigger = check_trigger(graph, &mut errors);
    let checked: Vec<Option<Checked>> = graph
        .nodes
        .iter()
        .map(|n| check_data(n, catalog, &mut errors))
        .collect();
    let wiring_errors_before = errors.len();
    let outs = check_edges(graph, &nodes, &mut errors);
    let wiring_ok = errors.len() == wiring_errors_before;

    if let (Some(trigger), true) = (trigger, wiring_ok) {
        check_structure(graph, &nodes, &outs, trigger, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(trigger) = trigger else {
        return Err(errors);
    };

    let mut states = BTreeMap::new();
    let mut needs_failed = false;
    let mut needs_filtered = false;
    for (node, checked) in graph.nodes.iter().zip(checked) {
        let Some(checked) = checked else { continue };
        let out = |handle: &str| outs.get(&(node.id.as_str(), handle)).map(|s| s.to_string());
        let next = out("").unwrap_or_default();
        let state = match (checked, &node.data) {
            (Checked::Trigger(filter), NodeData::Trigger(d)) => {
                needs_filtered |= filter.is_some();
                State::Trigger {
                    event: d.event.clone(),
                    filter,
                    next,
                    label: d.label.clone(),
                }
            }
            (Checked::Condition(expr), NodeData::Condition(d)) => State::Condition {
                expr,
                on_true: out("true").unwrap_or_default(),
                on_false: out("false").unwrap_or_default(),
                label: d.label.clone(),
            },
            (Checked::Split, NodeData::Split(d)) => State::Split {
                arms: d
                    .branches
                    .iter()
                    .map(|b| SplitArm {
                        id: b.id.clone(),
                        weight: u64::from(b.weight),
                        target: out(&b.id).unwrap_or_default(),
                    })
                    .collect(),
                label: d.label.clone(),
            },
            (Checked::Action(params, integration), NodeData::Action(d)) => {
                let on_error = out("error").unwrap_or_else(|| {
                    needs_failed = true;
                    FAILED_STATE.to_owned()
                });
                State::Action {
                    kind: d.action.clone(),
                    params,
                    retries: d.retries.unwrap_or(DEFAULT_RETRIES),
                    on_done: next,
                    on_error,
                    integration,
                    label: d.label.clone(),
                }
            }
            (Checked::Delay(secs), NodeData::Delay(d)) => State::Delay {
                ms: secs * 1000,
                next,
                label: d.label.clone(),
            },
            (_, data) => State::End {
                status: EndStatus::Completed,
                label: data.label().map(str::to_owned),
            },
        };
        states.insert(node.id.clone(), state);
    }
    for (needed, id, status) in [
        (needs_failed, FAILED_STATE, EndStatus::Failed),
        (needs_filtered, FILTERED_STATE, EndStatus::Filtered),
    ] {
        if needed {
            states.insert(
                id.to_owned(),
                State::End {
                    status,
                    label: None,
                },
            );
        }
    }
    Ok(Compiled {
        id: DEFAULT_ID.to_owned(),
        initial: trigger.to_owned(),
        states,
    })
}

/// What a node's data check produced (parsed pieces reused when building states).
enum Checked {
    Trigger(Option<Expr>),
    Condition(Expr),
    Split,
    Action(BTreeMap<String, Param>, Option<String>),
    Delay(u64),
    End,
}

/// Node and edge ids: well formed and unique. Returns id → node type.
fn check_ids<'g>(
    graph: &'g Graph,
    errors: &mut Vec<ValidationError>,
) -> HashMap<&'g str, NodeType> {
    let mut nodes = HashMap::new();
    for n in &graph.nodes {
        if !valid_id(&n.id) {
            errors.push(ValidationError::node(
                &n.id,
                codes::INVALID_ID,
                format!("node ids are 1-{MAX_ID_CHARS} letters, digits, `_` or `-`"),
            ));
        }
        if nodes.insert(n.id.as_str(), n.data.node_type()).is_some() {
            errors.push(ValidationError::node(
                &n.id,
                codes::DUPLICATE_ID,
                "another node has the same id",
            ));
        }
    }
    let mut edge_ids = HashSet::new();
    for e in &graph.edges {
        if let Some(id) = &e.id
            && !edge_ids.insert(id.as_str())
        {
            errors.push(ValidationError::edge(
                Some(id),
                codes::DUPLICATE_ID,
                "another edge has the same id",
            ));
        }
    }
    nodes
}

/// Ids become statechart keys: no `.` or `#` (XState reads them as paths), no `$` (ours).
fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Exactly one trigger; returns its id.
fn check_trigger<'g>(graph: &'g Graph, errors: &mut Vec<ValidationError>) -> Option<&'g str> {
    let triggers: Vec<&Node> = graph
        .nodes
        .iter()
        .filter(|n| n.data.node_type() == NodeType::Trigger)
        .collect();
    match triggers.as_slice() {
        [] => {
            errors.push(ValidationError::graph(
                codes::NO_TRIGGER,
                "a workflow needs a trigger node",
            ));
            None
        }
        [one] => Some(&one.id),
        [_, rest @ ..] => {
            for extra in rest {
                errors.push(ValidationError::node(
                    &extra.id,
                    codes::MULTIPLE_TRIGGERS,
                    "a workflow has exactly one trigger; remove this one or make it a separate workflow",
                ));
            }
            None
        }
    }
}

/// The node's own settings (expressions, action parameters, delay, split branches).
fn check_data(
    node: &Node,
    catalog: &dyn ActionCatalog,
    errors: &mut Vec<ValidationError>,
) -> Option<Checked> {
    let before = errors.len();
    let mut err =
        |code, message: String| errors.push(ValidationError::node(&node.id, code, message));
    let checked = match &node.data {
        NodeData::Trigger(d) => {
            let filter = match d.filter.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(f) => match Expr::parse(f) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        err(codes::INVALID_EXPRESSION, format!("filter: {e}"));
                        None
                    }
                },
            };
            Checked::Trigger(filter)
        }
        NodeData::Condition(d) => match Expr::parse(&d.expression) {
            Ok(e) => Checked::Condition(e),
            Err(e) => {
                err(codes::INVALID_EXPRESSION, e.to_string());
                return None;
            }
        },
        NodeData::Action(d) => {
            if d.retries.is_some_and(|r| r > MAX_RETRIES) {
                err(
                    codes::INVALID_RETRIES,
                    format!("retries may be at most {MAX_RETRIES}"),
                );
            }
            let Some(spec) = catalog.spec(&d.action) else {
                err(
                    codes::UNKNOWN_ACTION,
                    format!("unknown action `{}`", d.action),
                );
                return None;
            };
            for p in &spec.required {
                if !d.params.contains_key(&p.name) {
                    err(
                        codes::MISSING_PARAM,
                        format!("`{}` needs the parameter `{}`", d.action, p.name),
                    );
                }
            }
            let mut params = BTreeMap::new();
            for (name, value) in &d.params {
                let Some(p) = spec.param(name) else {
                    err(
                        codes::UNKNOWN_PARAM,
                        format!("`{}` has no parameter `{name}`", d.action),
                    );
                    continue;
                };
                if let Err(problem) = check_param(&p.kind, value) {
                    let code = if problem.template {
                        codes::INVALID_TEMPLATE
                    } else {
                        codes::INVALID_PARAM
                    };
                    err(code, format!("`{name}` {}", problem.message));
                    continue;
                }
                let template = value.as_str().and_then(|s| Template::parse(s).ok());
                params.insert(
                    name.clone(),
                    Param {
                        value: value.clone(),
                        render: render_of(&p.kind),
                        template,
                    },
                );
            }
            Checked::Action(params, spec.needs_integration)
        }
        NodeData::Delay(d) => match d.seconds() {
            Ok(s) => Checked::Delay(s),
            Err(m) => {
                err(codes::INVALID_DELAY, m);
                return None;
            }
        },
        NodeData::Split(d) => {
            let n = d.branches.len();
            if !(MIN_BRANCHES..=MAX_BRANCHES).contains(&n) {
                err(
                    codes::INVALID_SPLIT,
                    format!("a split has {MIN_BRANCHES}-{MAX_BRANCHES} branches, not {n}"),
                );
            }
            let mut seen = HashSet::new();
            for b in &d.branches {
                if !valid_id(&b.id) || b.id == "error" {
                    err(
                        codes::INVALID_SPLIT,
                        format!(
                            "branch id `{}` must be 1-{MAX_ID_CHARS} letters, digits, `_` or `-`",
                            b.id
                        ),
                    );
                }
                if !seen.insert(b.id.as_str()) {
                    err(
                        codes::INVALID_SPLIT,
                        format!("branch `{}` appears twice", b.id),
                    );
                }
                if b.weight == 0 {
                    err(
                        codes::INVALID_SPLIT,
                        format!("branch `{}` needs a positive weight", b.id),
                    );
                }
            }
            Checked::Split
        }
        NodeData::End(_) => Checked::End,
    };
    (errors.len() == before).then_some(checked)
}

fn render_of(kind: &ParamKind) -> Render {
    match kind {
        ParamKind::Text | ParamKind::Enum(_) => Render::Text,
        ParamKind::Number => Render::Number,
        ParamKind::Bool => Render::Bool,
        ParamKind::Url => Render::Url,
        ParamKind::Json => Render::Json,
    }
}

/// The handles a node type may have; `""` is the default (unnamed) out edge.
fn handles(node: &Node) -> (Vec<&str>, Vec<&str>) {
    // (required, optional)
    match &node.data {
        NodeData::Trigger(_) | NodeData::Delay(_) => (vec![""], vec![]),
        NodeData::Action(_) => (vec![""], vec!["error"]),
        NodeData::Condition(_) => (vec!["true", "false"], vec![]),
        NodeData::Split(d) => (d.branches.iter().map(|b| b.id.as_str()).collect(), vec![]),
        NodeData::End(_) => (vec![], vec![]),
    }
}

/// Edge endpoints and handles. Returns `(source, handle) → target` for the valid edges.
fn check_edges<'g>(
    graph: &'g Graph,
    nodes: &HashMap<&str, NodeType>,
    errors: &mut Vec<ValidationError>,
) -> HashMap<(&'g str, &'g str), &'g str> {
    let mut outs: HashMap<(&str, &str), &str> = HashMap::new();
    for e in &graph.edges {
        let edge_err = |node: Option<&str>, code, message: String| ValidationError {
            node_id: node.map(str::to_owned),
            edge_id: e.id.clone(),
            code,
            message,
        };
        let mut ok = true;
        for (end, id) in [("source", &e.source), ("target", &e.target)] {
            if !nodes.contains_key(id.as_str()) {
                errors.push(edge_err(
                    None,
                    codes::UNKNOWN_NODE,
                    format!("edge {} has {end} `{id}`, which is not a node", describe(e)),
                ));
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        if nodes.get(e.target.as_str()) == Some(&NodeType::Trigger) {
            errors.push(edge_err(
                Some(&e.target),
                codes::TRIGGER_HAS_INCOMING,
                format!(
                    "edge {} leads into the trigger; a workflow starts only there",
                    describe(e)
                ),
            ));
            continue;
        }
        let Some(source) = graph.node(&e.source) else {
            continue;
        };
        let handle = normalize_handle(source, e.source_handle.as_deref());
        let (required, optional) = handles(source);
        if source.data.node_type() == NodeType::End {
            errors.push(edge_err(
                Some(&e.source),
                codes::END_HAS_OUTGOING,
                format!("an end node has no outgoing edges (edge {})", describe(e)),
            ));
            continue;
        }
        if !required.contains(&handle) && !optional.contains(&handle) {
            let expected = required
                .iter()
                .chain(&optional)
                .map(|h| {
                    if h.is_empty() {
                        "none".to_string()
                    } else {
                        format!("`{h}`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            errors.push(edge_err(
                Some(&e.source),
                codes::INVALID_HANDLE,
                format!(
                    "edge {} uses handle `{}`; a {} node has {expected}",
                    describe(e),
                    e.source_handle.as_deref().unwrap_or("none"),
                    source.data.node_type().as_str()
                ),
            ));
            continue;
        }
        if outs.insert((&e.source, handle), &e.target).is_some() {
            let what = if handle.is_empty() {
                "outgoing edge".to_string()
            } else {
                format!("`{handle}` edge")
            };
            errors.push(edge_err(
                Some(&e.source),
                codes::DUPLICATE_HANDLE,
                format!("more than one {what}; keep one"),
            ));
        }
    }
    for node in &graph.nodes {
        for h in handles(node).0 {
            if !outs.contains_key(&(node.id.as_str(), h)) {
                let message = match (node.data.node_type(), h) {
                    (_, "") => "needs an outgoing edge to the next step".to_string(),
                    (NodeType::Split, b) => format!("branch `{b}` needs an outgoing edge"),
                    (_, h) => format!("needs a `{h}` edge"),
                };
                errors.push(ValidationError::node(
                    &node.id,
                    codes::MISSING_HANDLE,
                    message,
                ));
            }
        }
    }
    outs
}

/// Maps the handle names React Flow may send onto ours: actions accept `done` for the default
/// edge; a handle is otherwise taken as written.
fn normalize_handle<'a>(node: &Node, handle: Option<&'a str>) -> &'a str {
    match (node.data.node_type(), handle) {
        (_, None) => "",
        (NodeType::Action, Some("done")) => "",
        (_, Some(h)) => h,
    }
}

fn describe(e: &Edge) -> String {
    match &e.id {
        Some(id) => format!("`{id}` ({} → {})", e.source, e.target),
        None => format!("{} → {}", e.source, e.target),
    }
}

/// Reachability from the trigger, a way to an end from every node, and loops only through
/// delays (a loop without one would spin without ever yielding).
fn check_structure(
    graph: &Graph,
    nodes: &HashMap<&str, NodeType>,
    outs: &HashMap<(&str, &str), &str>,
    trigger: &str,
    errors: &mut Vec<ValidationError>,
) {
    let mut succ: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut pred: HashMap<&str, Vec<&str>> = HashMap::new();
    for (&(s, _), &t) in outs {
        succ.entry(s).or_default().push(t);
        pred.entry(t).or_default().push(s);
    }
    for list in succ.values_mut().chain(pred.values_mut()) {
        list.sort_unstable();
    }
    let reachable = walk(trigger, &succ);
    // Actions without an error edge can also end in `$failed`, a final state, but that is not
    // a way to *complete*: every node must be able to reach a real end.
    let ends: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.data.node_type() == NodeType::End)
        .map(|n| n.id.as_str())
        .collect();
    let mut can_end = HashSet::new();
    for end in &ends {
        can_end.extend(walk(end, &pred));
    }
    for n in &graph.nodes {
        if !reachable.contains(n.id.as_str()) {
            errors.push(ValidationError::node(
                &n.id,
                codes::UNREACHABLE,
                "cannot be reached from the trigger",
            ));
        } else if !can_end.contains(n.id.as_str()) {
            errors.push(ValidationError::node(
                &n.id,
                codes::NO_PATH_TO_END,
                "no path from here reaches an end node",
            ));
        }
    }
    // Loops: drop the edges out of delays; any cycle left has no delay on it.
    let mut no_delay: HashMap<&str, Vec<&str>> = HashMap::new();
    for (&s, ts) in &succ {
        if nodes.get(s) != Some(&NodeType::Delay) {
            no_delay.insert(s, ts.clone());
        }
    }
    let mut reported = HashSet::new();
    for cycle in find_cycles(graph, &no_delay) {
        if cycle.iter().any(|n| reported.contains(n)) {
            continue;
        }
        reported.extend(cycle.iter().copied());
        errors.push(ValidationError::node(
            cycle[0],
            codes::CYCLE_WITHOUT_DELAY,
            format!(
                "loop without a delay: {} → {}; put a delay node on it",
                cycle.join(" → "),
                cycle[0]
            ),
        ));
    }
}

/// Nodes reachable from `start` along `next`.
fn walk<'g>(start: &'g str, next: &HashMap<&'g str, Vec<&'g str>>) -> HashSet<&'g str> {
    let mut seen = HashSet::from([start]);
    let mut stack = vec![start];
    while let Some(n) = stack.pop() {
        for &m in next.get(n).into_iter().flatten() {
            if seen.insert(m) {
                stack.push(m);
            }
        }
    }
    seen
}

/// Cycles found by depth-first search (one per back edge), each as its node ids in order.
fn find_cycles<'g>(graph: &'g Graph, succ: &HashMap<&'g str, Vec<&'g str>>) -> Vec<Vec<&'g str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark: HashMap<&str, Mark> = graph
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), Mark::New))
        .collect();
    let mut cycles = Vec::new();
    for root in graph.nodes.iter().map(|n| n.id.as_str()) {
        if mark.get(root) != Some(&Mark::New) {
            continue;
        }
        // Iterative DFS: (node, index of next successor to visit).
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        mark.insert(root, Mark::Open);
        while let Some(&mut (n, ref mut i)) = stack.last_mut() {
            let next = succ.get(n).and_then(|s| s.get(*i)).copied();
            *i += 1;
            match next {
                None => {
                    mark.insert(n, Mark::Done);
                    stack.pop();
                }
                Some(m) => match mark.get(m).copied() {
                    Some(Mark::New) => {
                        mark.insert(m, Mark::Open);
                        stack.push((m, 0));
                    }
                    Some(Mark::Open) => {
                        let from = stack.iter().position(|(s, _)| *s == m).unwrap_or(0);
                        cycles.push(stack[from..].iter().map(|(s, _)| *s).collect());
                    }
                    _ => {}
                },
            }
        }
    }
    cycles
}
