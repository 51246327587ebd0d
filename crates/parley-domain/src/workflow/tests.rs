//! Cross-module tests: compile rules, the statechart, the interpreter, templates, the docs
//! example, and random graphs.

use super::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn graph(v: Value) -> Graph {
    Graph::from_value(&v).unwrap_or_else(|e| panic!("{}", error::summary(&e)))
}

fn compiled(v: Value) -> Compiled {
    compile(&graph(v), &BuiltinCatalog).unwrap_or_else(|e| panic!("{}", error::summary(&e)))
}

fn errors(v: Value) -> Vec<ValidationError> {
    match compile(&graph(v), &BuiltinCatalog) {
        Ok(_) => panic!("expected validation errors"),
        Err(e) => e,
    }
}

/// The single error with `code`, asserting it points at `node`.
fn expect_error(v: Value, code: &str, node: Option<&str>) -> ValidationError {
    let errs = errors(v);
    let found: Vec<_> = errs.iter().filter(|e| e.code == code).collect();
    assert!(!found.is_empty(), "no `{code}` in {errs:#?}");
    assert_eq!(found[0].node_id.as_deref(), node, "{errs:#?}");
    found[0].clone()
}

fn n(id: &str, kind: &str, data: Value) -> Value {
    json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data})
}

fn e(source: &str, target: &str) -> Value {
    json!({"id": format!("{source}-{target}"), "source": source, "target": target})
}

fn eh(source: &str, handle: &str, target: &str) -> Value {
    json!({"id": format!("{source}-{handle}"), "source": source, "target": target, "sourceHandle": handle})
}

fn trig() -> Value {
    n("t", "trigger", json!({"event": "message.received"}))
}

fn end(id: &str) -> Value {
    n(id, "end", json!({}))
}

fn reply(id: &str, text: &str) -> Value {
    n(
        id,
        "action",
        json!({"action": "reply", "params": {"text": text}}),
    )
}

/// trigger → condition → (true) reply → end, (false) end.
fn simple() -> Value {
    json!({
        "nodes": [
            n("t", "trigger", json!({"event": "intent.detected", "filter": "intent == \"bulk_order\""})),
            n("c", "condition", json!({"expression": "lead.score >= 80"})),
            reply("r", "Hi {{visitor.name}}"),
            end("end"),
        ],
        "edges": [e("t", "c"), eh("c", "true", "r"), eh("c", "false", "end"), e("r", "end")],
    })
}

// ---------------------------------------------------------------------------------------
// Compile: the statechart

#[test]
fn compiles_to_xstate_shape() {
    let c = compiled(simple()).with_id("wf-1");
    let chart = c.statechart();
    assert_eq!(chart["id"], "wf-1");
    assert_eq!(chart["initial"], "t");
    let states = &chart["states"];
    assert_eq!(
        states["t"]["always"],
        json!([
            {"target": "c", "guard": {"type": "expr", "params": {"expression": "intent == \"bulk_order\""}}},
            {"target": "$filtered"},
        ])
    );
    assert_eq!(
        states["c"]["always"],
        json!([
            {"target": "r", "guard": {"type": "expr", "params": {"expression": "lead.score >= 80"}}},
            {"target": "end"},
        ])
    );
    assert_eq!(
        states["r"]["invoke"],
        json!({"id": "r", "src": "reply", "input": {"text": "Hi {{visitor.name}}"},
               "onDone": {"target": "end"}, "onError": {"target": "$failed"}})
    );
    assert_eq!(states["r"]["meta"], json!({"node": "action", "retries": 3}));
    assert_eq!(states["end"]["type"], "final");
    assert_eq!(states["$failed"]["type"], "final");
    assert_eq!(states["$filtered"]["type"], "final");
    assert_eq!(c.integrations().len(), 0);
}

#[test]
fn statechart_round_trips_without_the_graph() {
    for t in templates() {
        let c = compile(&t.graph, &BuiltinCatalog).unwrap();
        let stored = serde_json::to_string(&c.statechart()).unwrap();
        let loaded = Compiled::from_statechart(&serde_json::from_str(&stored).unwrap()).unwrap();
        assert_eq!(loaded, c, "{}", t.slug);
        let via_serde: Compiled =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(via_serde, c);
    }
}

#[test]
fn rejects_tampered_statecharts() {
    let chart = compiled(simple()).statechart();
    let mut bad = chart.clone();
    bad["states"]["c"]["always"][1]["target"] = json!("nowhere");
    assert!(
        Compiled::from_statechart(&bad)
            .unwrap_err()
            .0
            .contains("nowhere")
    );
    let mut bad = chart.clone();
    bad["initial"] = json!("c");
    assert!(Compiled::from_statechart(&bad).is_err());
    let mut bad = chart.clone();
    bad["states"]["c"]["always"][0]["guard"]["params"]["expression"] = json!("a >=");
    assert!(Compiled::from_statechart(&bad).is_err());
    let mut bad = chart;
    bad["states"]["r"]["invoke"]["input"]["text"] = json!("{{oops");
    assert!(Compiled::from_statechart(&bad).is_err());
    assert!(Compiled::from_statechart(&json!({"id": 1})).is_err());
}

#[test]
fn action_error_edge_delay_and_split_states() {
    let c = compiled(json!({
        "nodes": [
            trig(),
            n("s", "split", json!({"branches": [{"id": "a", "weight": 70}, {"id": "b", "weight": 30}]})),
            n("w", "action", json!({"action": "webhook", "retries": 0, "params": {
                "url": "https://hooks.example.com/x?e={{visitor.email}}",
                "payload": "{\"email\": \"{{visitor.email}}\", \"score\": {{lead.score}}}"}})),
            n("d", "delay", json!({"duration": "10m"})),
            n("slack", "action", json!({"action": "slack_message", "params": {"channel": "#x", "text": "hi"}})),
            end("end"),
        ],
        "edges": [e("t", "s"), eh("s", "a", "w"), eh("s", "b", "end"), e("w", "d"),
                  eh("w", "error", "slack"), e("d", "end"), json!({"source": "slack", "target": "end", "sourceHandle": "done"})],
    }));
    let chart = c.statechart();
    let st = &chart["states"];
    assert_eq!(
        st["s"]["always"],
        json!([
            {"target": "w", "guard": {"type": "split", "params": {"branch": "a", "weight": 70, "from": 0, "total": 100}}},
            {"target": "end", "guard": {"type": "split", "params": {"branch": "b", "weight": 30, "from": 70, "total": 100}}},
        ])
    );
    assert_eq!(st["w"]["invoke"]["onError"], json!({"target": "slack"}));
    assert_eq!(
        st["w"]["meta"],
        json!({"node": "action", "retries": 0, "render": {"payload": "json", "url": "url"}})
    );
    assert_eq!(st["d"]["after"], json!({"600000": {"target": "end"}}));
    assert_eq!(st["slack"]["meta"]["integration"], "slack");
    assert!(st.get("$failed").is_some(), "slack has no error edge");
    assert!(st.get("$filtered").is_none(), "no filter");
    assert_eq!(c.integrations().into_iter().collect::<Vec<_>>(), ["slack"]);
}

// ---------------------------------------------------------------------------------------
// Compile: every validation rule points at the node

#[test]
fn needs_exactly_one_trigger() {
    let v = json!({"nodes": [end("end")], "edges": []});
    expect_error(v, codes::NO_TRIGGER, None);
    let v = json!({
        "nodes": [trig(), n("t2", "trigger", json!({"event": "lead.qualified"})), end("end")],
        "edges": [e("t", "end"), e("t2", "end")],
    });
    expect_error(v, codes::MULTIPLE_TRIGGERS, Some("t2"));
}

#[test]
fn edges_need_existing_endpoints() {
    let mut v = simple();
    v["edges"].as_array_mut().unwrap().push(e("r", "ghost"));
    let err = expect_error(v, codes::UNKNOWN_NODE, None);
    assert_eq!(err.edge_id.as_deref(), Some("r-ghost"));
    assert!(err.message.contains("ghost"));
}

#[test]
fn nothing_leads_into_the_trigger() {
    let mut v = simple();
    v["edges"][3] = e("r", "t");
    expect_error(v, codes::TRIGGER_HAS_INCOMING, Some("t"));
}

#[test]
fn handles_match_the_node_type() {
    // Unknown handle on a condition.
    let mut v = simple();
    v["edges"][2] = eh("c", "maybe", "end");
    let err = expect_error(v.clone(), codes::INVALID_HANDLE, Some("c"));
    assert!(err.message.contains("`true`, `false`"), "{err}");
    // ... and then the `false` edge is missing.
    expect_error(v, codes::MISSING_HANDLE, Some("c"));
    // Two default edges out of an action.
    let mut v = simple();
    v["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({"source": "r", "target": "c"}));
    expect_error(v, codes::DUPLICATE_HANDLE, Some("r"));
    // An action without its out edge.
    let mut v = simple();
    v["edges"].as_array_mut().unwrap().remove(3);
    let err = expect_error(v, codes::MISSING_HANDLE, Some("r"));
    assert!(err.message.contains("outgoing edge"));
    // A handle on a trigger.
    let mut v = simple();
    v["edges"][0] = eh("t", "true", "c");
    expect_error(v, codes::INVALID_HANDLE, Some("t"));
    // End nodes lead nowhere.
    let mut v = simple();
    v["edges"].as_array_mut().unwrap().push(e("end", "r"));
    expect_error(v, codes::END_HAS_OUTGOING, Some("end"));
    // A split branch left unwired.
    let v = json!({
        "nodes": [trig(), n("s", "split", json!({"branches": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}]})), end("end")],
        "edges": [e("t", "s"), eh("s", "a", "end")],
    });
    let err = expect_error(v, codes::MISSING_HANDLE, Some("s"));
    assert!(err.message.contains("branch `b`"));
}

#[test]
fn every_node_is_reachable() {
    let mut v = simple();
    v["nodes"]
        .as_array_mut()
        .unwrap()
        .push(reply("orphan", "x"));
    v["edges"].as_array_mut().unwrap().push(e("orphan", "end"));
    expect_error(v, codes::UNREACHABLE, Some("orphan"));
}

#[test]
fn every_path_reaches_an_end() {
    // trigger → a → delay → a: loops forever (legal loop), but never ends.
    let v = json!({
        "nodes": [trig(), reply("a", "x"), n("d", "delay", json!({"seconds": 60})), end("end")],
        "edges": [e("t", "a"), e("a", "d"), e("d", "a")],
    });
    let errs = errors(v);
    assert!(
        errs.iter()
            .any(|e| e.code == codes::NO_PATH_TO_END && e.node_id.as_deref() == Some("a")),
        "{errs:#?}"
    );
}

#[test]
fn loops_need_a_delay() {
    let looped = |via_delay: bool| {
        let back = if via_delay { "d" } else { "c" };
        json!({
            "nodes": [trig(), n("c", "condition", json!({"expression": "x > 1"})), reply("a", "x"),
                      n("d", "delay", json!({"seconds": 60})), end("end")],
            "edges": [e("t", "c"), eh("c", "true", "a"), eh("c", "false", "end"), e("a", back), e("d", "c")],
        })
    };
    let errs = errors(looped(false));
    let err = errs
        .iter()
        .find(|e| e.code == codes::CYCLE_WITHOUT_DELAY)
        .expect("cycle error");
    assert_eq!(err.node_id.as_deref(), Some("c"));
    assert!(err.message.contains("c → a → c"), "{err}");
    // `d` is then unreachable, which is reported too; the delayed loop is fine.
    let c = compiled(looped(true));
    let run = c.dry_run(&json!({"x": 5}), "seed");
    assert!(!run.complete, "the loop never ends while x > 1");
    assert_eq!(run.steps.len(), MAX_DRY_RUN_VISITS);
    let run = c.dry_run(&json!({"x": 0}), "seed");
    assert!(run.complete);
}

#[test]
fn actions_are_known_and_configured() {
    let with = |data: Value| {
        json!({
            "nodes": [trig(), n("a", "action", data), end("end")],
            "edges": [e("t", "a"), e("a", "end")],
        })
    };
    expect_error(
        with(json!({"action": "launch"})),
        codes::UNKNOWN_ACTION,
        Some("a"),
    );
    let err = expect_error(
        with(json!({"action": "reply"})),
        codes::MISSING_PARAM,
        Some("a"),
    );
    assert!(err.message.contains("`text`"));
    expect_error(
        with(json!({"action": "reply", "params": {"text": "x", "tone": "warm"}})),
        codes::UNKNOWN_PARAM,
        Some("a"),
    );
    let err = expect_error(
        with(json!({"action": "set_lead_stage", "params": {"stage": "hot"}})),
        codes::INVALID_PARAM,
        Some("a"),
    );
    assert!(
        err.message.contains("new, qualified, contacted, won, lost"),
        "{err}"
    );
    expect_error(
        with(json!({"action": "reply", "params": {"text": ["x"]}})),
        codes::INVALID_PARAM,
        Some("a"),
    );
    let err = expect_error(
        with(json!({"action": "reply", "params": {"text": "Hi {{visitor.name"}})),
        codes::INVALID_TEMPLATE,
        Some("a"),
    );
    assert!(err.message.contains("column 4"), "{err}");
    expect_error(
        with(json!({"action": "webhook", "params": {"url": "{{lead.url}}"}})),
        codes::INVALID_PARAM,
        Some("a"),
    );
    expect_error(
        with(
            json!({"action": "webhook", "params": {"url": "https://x.test/", "payload": "{\"a\": }"}}),
        ),
        codes::INVALID_PARAM,
        Some("a"),
    );
    expect_error(
        with(json!({"action": "reply", "params": {"text": "x"}, "retries": 11})),
        codes::INVALID_RETRIES,
        Some("a"),
    );
    // Integration actions are valid without a connection.
    compiled(with(json!({"action": "sheets_append_row", "params": {
        "spreadsheet_id": "abc", "sheet": "Leads", "values": "[\"{{visitor.email}}\", {{lead.score}}]"}})));
}

#[test]
fn expressions_delays_splits_and_ids_are_checked() {
    let mut v = simple();
    v["nodes"][1]["data"]["expression"] = json!("lead.score >= ");
    let err = expect_error(v, codes::INVALID_EXPRESSION, Some("c"));
    assert_eq!(err.message, "expected a value after `>=` at column 15");
    let mut v = simple();
    v["nodes"][0]["data"]["filter"] = json!("intent = 'x'");
    let err = expect_error(v, codes::INVALID_EXPRESSION, Some("t"));
    assert!(err.message.starts_with("filter:"));

    let delay = |data: Value| {
        json!({
            "nodes": [trig(), n("d", "delay", data), end("end")],
            "edges": [e("t", "d"), e("d", "end")],
        })
    };
    expect_error(
        delay(json!({"seconds": 0})),
        codes::INVALID_DELAY,
        Some("d"),
    );
    expect_error(
        delay(json!({"duration": "31d"})),
        codes::INVALID_DELAY,
        Some("d"),
    );
    expect_error(delay(json!({})), codes::INVALID_DELAY, Some("d"));

    let split = |branches: Value| {
        json!({
            "nodes": [trig(), n("s", "split", json!({"branches": branches})), end("end")],
            "edges": [e("t", "s"), eh("s", "a", "end"), eh("s", "b", "end")],
        })
    };
    expect_error(
        split(json!([{"id": "a", "weight": 1}])),
        codes::INVALID_SPLIT,
        Some("s"),
    );
    expect_error(
        split(json!([{"id": "a", "weight": 0}, {"id": "b", "weight": 1}])),
        codes::INVALID_SPLIT,
        Some("s"),
    );
    expect_error(
        split(
            json!([{"id": "a", "weight": 1}, {"id": "a", "weight": 1}, {"id": "b", "weight": 1}]),
        ),
        codes::INVALID_SPLIT,
        Some("s"),
    );

    let mut v = simple();
    v["nodes"][2]["id"] = json!("r.1");
    expect_error(v, codes::INVALID_ID, Some("r.1"));
    let mut v = simple();
    v["nodes"].as_array_mut().unwrap().push(end("end"));
    expect_error(v, codes::DUPLICATE_ID, Some("end"));
}

#[test]
fn limits_size() {
    let nodes: Vec<Value> = (0..=MAX_NODES).map(|i| end(&format!("n{i}"))).collect();
    expect_error(
        json!({"nodes": nodes, "edges": []}),
        codes::TOO_MANY_NODES,
        None,
    );
    let edges: Vec<Value> = (0..=MAX_EDGES).map(|_| e("t", "end")).collect();
    expect_error(
        json!({"nodes": [trig(), end("end")], "edges": edges}),
        codes::TOO_MANY_EDGES,
        None,
    );
}

// ---------------------------------------------------------------------------------------
// Running

fn ctx() -> Value {
    json!({
        "intent": "bulk_order",
        "lead": {"score": 91, "budget": 1200, "company": "Acme"},
        "visitor": {"name": "Ann \"A\"", "email": "ann+x@example.com"},
        "event": {"payload": {"condition": "like_new", "confidence": 0.9}},
    })
}

#[test]
fn trigger_matches_event_and_filter() {
    let c = compiled(simple());
    assert!(c.trigger_matches("intent.detected", &ctx()));
    assert!(!c.trigger_matches("message.received", &ctx()));
    assert!(!c.trigger_matches("intent.detected", &json!({"intent": "refund"})));
    assert_eq!(c.event(), &TriggerEvent::IntentDetected);
}

#[test]
fn steps_through_a_workflow() {
    let c = compiled(simple());
    assert_eq!(c.initial(), "t");
    let s = c.enter("t", &ctx(), "conv-1").unwrap();
    assert_eq!(
        s,
        Step::Branch {
            node_id: "t".into(),
            next: "c".into(),
            branch: Some("true".into())
        }
    );
    let s = c.enter("t", &json!({}), "conv-1").unwrap();
    assert_eq!(s.node_id(), "t");
    let Step::Branch { next, .. } = s else {
        panic!()
    };
    assert_eq!(next, FILTERED_STATE);
    assert_eq!(
        c.enter(&next, &json!({}), "x").unwrap(),
        Step::End {
            node_id: FILTERED_STATE.into(),
            status: EndStatus::Filtered
        }
    );
    let Step::Branch { next, branch, .. } = c.enter("c", &ctx(), "conv-1").unwrap() else {
        panic!()
    };
    assert_eq!((next.as_str(), branch.as_deref()), ("r", Some("true")));
    let Step::Branch { next, .. } = c
        .enter("c", &json!({"lead": {"score": "91"}}), "s")
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(next, "end", "a string score is not >= 80");
    assert_eq!(
        c.enter("r", &ctx(), "conv-1").unwrap(),
        Step::Action {
            node_id: "r".into(),
            kind: "reply".into(),
            input: json!({"text": "Hi Ann \"A\""}),
            retries: 3,
        }
    );
    assert_eq!(c.after("r", Outcome::Done), Ok("end"));
    assert_eq!(c.after("r", Outcome::Failed), Ok(FAILED_STATE));
    assert_eq!(
        c.enter(FAILED_STATE, &ctx(), "x").unwrap(),
        Step::End {
            node_id: FAILED_STATE.into(),
            status: EndStatus::Failed
        }
    );
    assert_eq!(
        c.after("c", Outcome::Done),
        Err(RunError::NoOutcome("c".into()))
    );
    assert_eq!(
        c.enter("zz", &ctx(), "x"),
        Err(RunError::UnknownState("zz".into()))
    );
    assert!(c.has_state("end") && !c.has_state("zz"));
}

#[test]
fn renders_action_inputs_by_param_kind() {
    let c = compiled(json!({
        "nodes": [
            trig(),
            n("w", "action", json!({"action": "webhook", "params": {
                "url": "https://hooks.example.com/in?email={{visitor.email}}",
                "payload": "{\"who\": \"{{visitor.name}}\", \"score\": {{lead.score}}, \"missing\": {{nope}}, \"name\": {{visitor.name}}}",
                "secret_name": "hook_secret"}})),
            n("h", "action", json!({"action": "hubspot_deal", "params": {"name": "{{lead.company}} deal", "amount": "{{lead.budget}}"}})),
            n("h2", "action", json!({"action": "hubspot_deal", "params": {"name": "x", "amount": "{{lead.none}}"}})),
            end("end"),
        ],
        "edges": [e("t", "w"), e("w", "h"), e("h", "h2"), e("h2", "end")],
    }));
    let Step::Action { input, .. } = c.enter("w", &ctx(), "s").unwrap() else {
        panic!()
    };
    assert_eq!(
        input,
        json!({
            "url": "https://hooks.example.com/in?email=ann%2Bx%40example.com",
            "payload": {"who": "Ann \"A\"", "score": 91, "missing": null, "name": "Ann \"A\""},
            "secret_name": "hook_secret",
        })
    );
    let Step::Action { input, .. } = c.enter("h", &ctx(), "s").unwrap() else {
        panic!()
    };
    assert_eq!(input, json!({"name": "Acme deal", "amount": 1200}));
    let Step::Action { input, .. } = c.enter("h2", &ctx(), "s").unwrap() else {
        panic!()
    };
    assert_eq!(input, json!({"name": "x", "amount": null}));
}

fn split_graph(weights: &[(&str, u32)]) -> Compiled {
    let branches: Vec<Value> = weights
        .iter()
        .map(|(id, w)| json!({"id": id, "weight": w}))
        .collect();
    let mut nodes = vec![trig(), n("s", "split", json!({"branches": branches}))];
    let mut edges = vec![e("t", "s")];
    for (id, _) in weights {
        nodes.push(end(&format!("end_{id}")));
        edges.push(eh("s", id, &format!("end_{id}")));
    }
    compiled(json!({"nodes": nodes, "edges": edges}))
}

#[test]
fn splits_are_deterministic_and_follow_weights() {
    let c = split_graph(&[("a", 70), ("b", 20), ("c", 10)]);
    let branch = |seed: &str| match c.enter("s", &json!({}), seed).unwrap() {
        Step::Branch {
            branch: Some(b),
            next,
            ..
        } => {
            assert_eq!(next, format!("end_{b}"));
            b
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(branch("conv-42"), branch("conv-42"));
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for i in 0..10_000 {
        *counts
            .entry(branch(&format!("conversation-{i}")))
            .or_default() += 1;
    }
    for (b, expected) in [("a", 7_000.0), ("b", 2_000.0), ("c", 1_000.0)] {
        let got = f64::from(counts[b]);
        assert!(
            (got - expected).abs() < 300.0,
            "{b}: {got} vs {expected} ({counts:?})"
        );
    }
    // Independent of the node id's split elsewhere, and stable across versions of the code.
    assert_eq!(
        split_bucket("conv-42", "s", 100),
        split_bucket("conv-42", "s", 100)
    );
    assert_ne!(
        (0..20)
            .map(|i| split_bucket(&i.to_string(), "s", 100))
            .collect::<Vec<_>>(),
        (0..20)
            .map(|i| split_bucket(&i.to_string(), "s2", 100))
            .collect::<Vec<_>>()
    );
}

#[test]
fn dry_run_walks_the_path_with_rendered_inputs() {
    let t = templates()
        .into_iter()
        .find(|t| t.slug == "auto-return-approval")
        .unwrap();
    let c = compile(&t.graph, &BuiltinCatalog).unwrap();
    let ctx = json!({
        "intent": "return_request",
        "visitor": {"email": "ann@example.com"},
        "event": {"payload": {"condition": "damaged", "confidence": 0.93,
                              "summary": "Damaged: a crack on the left hinge"}},
    });
    assert!(c.trigger_matches("image.analyzed", &ctx));
    let run = c.dry_run(&ctx, "conv-1");
    assert!(run.complete);
    let path: Vec<&str> = run.steps.iter().map(Step::node_id).collect();
    assert_eq!(path, ["trigger", "check_condition", "approve", "done"]);
    assert_eq!(
        run.steps[2],
        Step::Action {
            node_id: "approve".into(),
            kind: "approve_return".into(),
            input: json!({"reason": "Photo shows damage: Damaged: a crack on the left hinge"}),
            retries: 3,
        }
    );
    // Like new, or unsure: a person decides.
    let worn = json!({"intent": "return_request", "event": {"payload": {"condition": "like_new", "confidence": 0.95}}});
    let path: Vec<String> = c
        .dry_run(&worn, "c")
        .steps
        .iter()
        .map(|s| s.node_id().to_owned())
        .collect();
    assert_eq!(
        path,
        ["trigger", "check_condition", "handoff", "done_manual"]
    );
    let json = serde_json::to_value(&run).unwrap();
    assert_eq!(
        json["steps"][1],
        json!({"type": "branch", "node_id": "check_condition", "next": "approve", "branch": "true"})
    );
}

// ---------------------------------------------------------------------------------------
// Templates

#[test]
fn templates_compile_against_the_builtin_catalog() {
    let all = templates();
    let slugs: Vec<&str> = all.iter().map(|t| t.slug).collect();
    assert_eq!(
        slugs,
        [
            "auto-return-approval",
            "lead-prioritization",
            "support-escalation"
        ]
    );
    for t in &all {
        let c = compile(&t.graph, &BuiltinCatalog)
            .unwrap_or_else(|e| panic!("{}: {}", t.slug, error::summary(&e)));
        assert!(!t.name.is_empty() && !t.description.is_empty());
        let needs: Vec<&str> = c.integrations().into_iter().collect();
        let expected: &[&str] = match t.slug {
            "lead-prioritization" => &["hubspot", "slack"],
            "support-escalation" => &["slack"],
            _ => &[],
        };
        assert_eq!(needs, expected, "{}", t.slug);
    }
}

#[test]
fn lead_and_escalation_templates_route_as_described() {
    let all = templates();
    let lead = compile(&all[1].graph, &BuiltinCatalog).unwrap();
    let path = |c: &Compiled, ctx: Value| -> Vec<String> {
        c.dry_run(&ctx, "s")
            .steps
            .iter()
            .map(|s| s.node_id().to_owned())
            .collect()
    };
    let hot = json!({"visitor": {"email": "a@acme.com"},
        "lead": {"score": 85, "budget": 5000, "company": "Acme", "crm_priority": "urgent"}});
    assert_eq!(
        path(&lead, hot),
        [
            "trigger",
            "has_email",
            "crm_contact",
            "owner",
            "stage_qualified",
            "wants_deal",
            "deal",
            "is_urgent",
            "tell_sales",
            "note",
            "done"
        ]
    );
    let warm =
        json!({"visitor": {"email": "a@acme.com"}, "lead": {"score": 60, "crm_priority": "high"}});
    assert_eq!(
        path(&lead, warm),
        [
            "trigger",
            "has_email",
            "crm_contact",
            "owner",
            "stage_qualified",
            "wants_deal",
            "is_urgent",
            "note",
            "done"
        ]
    );
    assert_eq!(
        path(&lead, json!({"lead": {"score": 90}})),
        ["trigger", "has_email", "tag_no_email", "done_no_email"]
    );
    let esc = compile(&all[2].graph, &BuiltinCatalog).unwrap();
    let run = esc.dry_run(&json!({"conversation": {"status": "open"}}), "s");
    assert!(
        run.steps
            .iter()
            .any(|s| matches!(s, Step::Delay { ms: 900_000, .. }))
    );
    assert_eq!(run.steps[run.steps.len() - 2].node_id(), "remind");
}

// ---------------------------------------------------------------------------------------
// The docs example

const DOC: &str = include_str!("../../../../docs/workflows.md");

/// The JSON code block right after `marker`.
fn doc_block(doc: &str, marker: &str) -> Option<(usize, usize)> {
    let at = doc.find(marker)?;
    let start = doc[at..].find("```json\n")? + at + "```json\n".len();
    let end = doc[start..].find("```")? + start;
    Some((start, end))
}

#[test]
fn docs_example_compiles_to_the_documented_statechart() {
    let (gs, ge) = doc_block(DOC, "<!-- example-graph -->").expect("example graph block");
    let (ss, se) = doc_block(DOC, "<!-- example-statechart -->").expect("statechart block");
    let g: Value = serde_json::from_str(&DOC[gs..ge]).expect("example graph is JSON");
    let chart = compiled(g).with_id("lead-follow-up").statechart();
    if std::env::var_os("PARLEY_UPDATE_DOCS").is_some() {
        let pretty = serde_json::to_string_pretty(&chart).unwrap();
        let updated = format!("{}{pretty}\n{}", &DOC[..ss], &DOC[se..]);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/workflows.md");
        std::fs::write(path, updated).unwrap();
        return;
    }
    let documented: Value = serde_json::from_str(&DOC[ss..se]).expect("statechart is JSON");
    assert_eq!(
        documented, chart,
        "docs/workflows.md is stale; rerun with PARLEY_UPDATE_DOCS=1"
    );
}

// ---------------------------------------------------------------------------------------
// Random graphs

/// Reads choices from a byte string (0 once it runs out), so proptest can shrink graphs.
struct Choices<'a>(&'a [u8], usize);

impl Choices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.0.get(self.1).copied().unwrap_or(0);
        self.1 += 1;
        usize::from(b) % n.max(1)
    }

    fn one<'v>(&mut self, options: &[&'v str]) -> &'v str {
        options[self.pick(options.len())]
    }
}

const TYPES: [&str; 6] = ["trigger", "condition", "action", "delay", "split", "end"];

fn random_data(kind: &str, c: &mut Choices, garbage: &str, clean: bool) -> Value {
    let g = garbage.to_owned();
    // In clean mode only valid choices, so wired graphs often compile.
    let mut pick = |n: usize, valid: usize| if clean { c.pick(valid) } else { c.pick(n) };
    match kind {
        "trigger" => {
            let events = [
                "message.received",
                "lead.qualified",
                "external:shop.order",
                "bogus",
                "",
            ];
            let event = events[pick(events.len(), 3)];
            let filters = ["a == 1", "x in [1,2]", "", "((", "a >="];
            match pick(4, 2) {
                0 => json!({"event": event}),
                1 => json!({"event": event, "filter": filters[pick(filters.len(), 3)]}),
                2 => json!({"event": event, "filter": g}),
                _ => json!({"event": event, "extra": 1}),
            }
        }
        "condition" => {
            let exprs = ["lead.score >= 80", "a contains 'x'", "not b", ">=", "'"];
            match pick(3, 1) {
                0 => json!({"expression": exprs[pick(exprs.len(), 3)]}),
                1 => json!({"expression": g}),
                _ => json!({"expresion": "x"}),
            }
        }
        "action" => {
            let retries = pick(13, 11);
            match pick(7, 4) {
                0 => {
                    json!({"action": "reply", "params": {"text": "Hi {{visitor.name}}"}, "retries": retries})
                }
                1 => {
                    json!({"action": "webhook", "params": {"url": "https://x.test/{{a}}", "payload": "{\"a\": {{b}}}"}})
                }
                2 => json!({"action": "set_lead_stage", "params": {"stage": "won"}}),
                3 => json!({"action": "handoff"}),
                4 => json!({"action": "reply", "params": {"text": g}}),
                5 => json!({"action": "set_lead_stage", "params": {"stage": "hot"}}),
                _ => json!({"action": "nope", "params": {}}),
            }
        }
        "delay" => match pick(3, 2) {
            0 => {
                let secs = [1u64, 60, 0, 99_999_999][pick(4, 2)];
                json!({"seconds": secs})
            }
            1 => {
                let duration = ["10m", "2h", "x", "40d"][pick(4, 2)];
                json!({"duration": duration})
            }
            _ => json!({"duration": g}),
        },
        "split" => {
            let count = if clean { 2 + c.pick(2) } else { c.pick(5) };
            let branches: Vec<Value> = (0..count)
                .map(|i| {
                    let id = if clean {
                        ["a", "b", "c"][i % 3]
                    } else {
                        c.one(&["a", "b", "c", "a", "", "error"])
                    };
                    let weight = if clean {
                        1 + c.pick(3) * 25
                    } else {
                        c.pick(3) * 25
                    };
                    json!({"id": id, "weight": weight})
                })
                .collect();
            json!({"branches": branches})
        }
        _ => json!({}),
    }
}

/// Out handles a node's data asks for (to wire plausible graphs).
fn wants(node: &Value) -> Vec<Option<String>> {
    let d = &node["data"];
    match node["type"].as_str() {
        Some("condition") => vec![Some("true".into()), Some("false".into())],
        Some("split") => d["branches"]
            .as_array()
            .map(|b| {
                b.iter()
                    .map(|b| b["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        Some("end") => vec![],
        Some("action") => vec![None, Some("error".into())],
        _ => vec![None],
    }
}

fn random_graph(bytes: &[u8], garbage: &str) -> Value {
    let mut c = Choices(bytes, 0);
    let clean = c.pick(3) != 0;
    let count = 1 + c.pick(12);
    let mut nodes = Vec::new();
    for i in 0..count {
        let kind = if i == 0 && (clean || c.pick(8) != 0) {
            "trigger"
        } else if i == count - 1 && (clean || c.pick(4) != 0) {
            "end"
        } else if clean {
            TYPES[1 + c.pick(TYPES.len() - 1)]
        } else {
            TYPES[c.pick(TYPES.len())]
        };
        let id = if !clean && c.pick(20) == 0 {
            garbage.to_owned()
        } else {
            format!("n{i}")
        };
        let data = random_data(kind, &mut c, garbage, clean);
        nodes.push(json!({"id": id, "type": kind, "position": {"x": i, "y": 0}, "data": data, "selected": false}));
    }
    let ids: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut edges = Vec::new();
    let mode = if clean { 0 } else { c.pick(3) };
    if mode != 1 {
        // Wire each node's handles: the first to the next node (so all are reachable), the
        // others forward at random; when not clean, sometimes backward or not at all.
        for (i, node) in nodes.iter().enumerate() {
            for (k, handle) in wants(node).into_iter().enumerate() {
                if handle.as_deref() == Some("error") && c.pick(2) == 0 {
                    continue;
                }
                if !clean && c.pick(12) == 0 {
                    continue;
                }
                let target = if i + 1 < count && (clean || c.pick(6) != 0) {
                    if k == 0 {
                        i + 1
                    } else {
                        i + 1 + c.pick(count - i - 1)
                    }
                } else {
                    c.pick(count)
                };
                edges
                    .push(json!({"source": ids[i], "target": ids[target], "sourceHandle": handle}));
            }
        }
    }
    if mode != 0 {
        for _ in 0..c.pick(20) {
            let source = if c.pick(10) == 0 {
                "ghost".to_owned()
            } else {
                ids[c.pick(count)].clone()
            };
            let handle = [
                None,
                Some("true"),
                Some("false"),
                Some("error"),
                Some("a"),
                Some("b"),
                Some(garbage),
            ][c.pick(7)];
            edges.push(json!({"id": format!("e{}", edges.len()), "source": source, "target": ids[c.pick(count)], "sourceHandle": handle}));
        }
    }
    json!({"nodes": nodes, "edges": edges})
}

/// Returns whether the graph compiled.
fn check_invariants(v: &Value) -> bool {
    let graph = match Graph::from_value(v) {
        Ok(g) => g,
        Err(errs) => {
            assert!(!errs.is_empty());
            return false;
        }
    };
    match compile(&graph, &BuiltinCatalog) {
        Ok(c) => {
            let chart = c.statechart();
            let states = chart["states"].as_object().expect("states");
            assert!(states.contains_key(chart["initial"].as_str().expect("initial")));
            for (id, s) in states {
                let mut targets: Vec<&Value> = Vec::new();
                targets.extend(
                    s["always"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|t| &t["target"]),
                );
                targets.extend(
                    s["after"]
                        .as_object()
                        .into_iter()
                        .flat_map(|a| a.values())
                        .map(|t| &t["target"]),
                );
                targets.push(&s["invoke"]["onDone"]["target"]);
                targets.push(&s["invoke"]["onError"]["target"]);
                for t in targets.into_iter().filter(|t| !t.is_null()) {
                    let t = t.as_str().expect("target is a string");
                    assert!(states.contains_key(t), "{id} → {t} missing in {chart:#}");
                }
            }
            assert_eq!(Compiled::from_statechart(&chart).as_ref(), Ok(&c));
            let run = c.dry_run(&json!({"a": 1, "lead": {"score": 90}}), "seed");
            assert!(!run.steps.is_empty());
            true
        }
        Err(errs) => {
            assert!(!errs.is_empty());
            false
        }
    }
}

#[test]
fn random_graphs_compile_or_explain() {
    // A fixed sweep (xorshift bytes) that must produce both outcomes, so the property test
    // below is known to exercise the Ok side too.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let (mut ok, mut err) = (0, 0);
    for _ in 0..1_500 {
        let bytes: Vec<u8> = (0..120)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        if check_invariants(&random_graph(&bytes, "x.y")) {
            ok += 1;
        } else {
            err += 1;
        }
    }
    assert!(ok >= 20 && err >= 20, "ok {ok}, err {err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn compile_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..160), garbage in "\\PC{0,12}") {
        check_invariants(&random_graph(&bytes, &garbage));
    }

    #[test]
    fn graph_parse_never_panics(text in "\\PC{0,200}") {
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let _ = Graph::from_value(&v);
        }
    }
}
