//! The automation engine over HTTP, on every test database: compiling and versioning,
//! events (widget messages and the event API) starting executions, filters, delays,
//! retries, resume, cancel, dry runs and idempotent re-runs.

use crate::helpers;

use helpers::{TestApp, Widget};

/// Every test here needs events dispatched to workflows.
async fn start(db: &parley_store::testing::TestDb) -> TestApp {
    helpers::start_with_workflows(db).await
}
use futures::StreamExt;
use parley_store::ConnectionTrait;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn node(id: &str, kind: &str, data: Value) -> Value {
    json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data})
}

fn edge(source: &str, target: &str, handle: Option<&str>) -> Value {
    let mut e = json!({"id": format!("{source}-{target}"), "source": source, "target": target});
    if let Some(h) = handle {
        e["sourceHandle"] = json!(h);
    }
    e
}

/// trigger → condition → add_note → tag → end (false: end).
fn note_and_tag(event: &str, filter: Option<&str>, condition: &str, tag: &str) -> Value {
    let mut trigger = json!({"event": event});
    if let Some(f) = filter {
        trigger["filter"] = json!(f);
    }
    json!({
        "nodes": [
            node("t", "trigger", trigger),
            node("check", "condition", json!({"expression": condition})),
            node("note", "action", json!({"action": "add_note", "params": {"text": "Asked: {{event.payload.text}}"}})),
            node("tag", "action", json!({"action": "tag_conversation", "params": {"tag": tag}})),
            node("end", "end", json!({})),
        ],
        "edges": [
            edge("t", "check", None),
            edge("check", "note", Some("true")),
            edge("check", "end", Some("false")),
            edge("note", "tag", None),
            edge("tag", "end", None),
        ],
    })
}

/// trigger → `action` (one node) → end.
fn single(event: &str, action: Value) -> Value {
    json!({
        "nodes": [node("t", "trigger", json!({"event": event})), node("act", "action", action), node("end", "end", json!({}))],
        "edges": [edge("t", "act", None), edge("act", "end", None)],
    })
}

async fn create_active(s: &helpers::Session, name: &str, graph: Value) -> Value {
    let (status, wf) = s
        .call(
            Method::POST,
            "/api/v1/workflows",
            Some(json!({"name": name, "graph": graph})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wf}");
    let id = wf["id"].as_str().unwrap();
    let (status, wf) = s
        .call(
            Method::POST,
            &format!("/api/v1/workflows/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{wf}");
    assert_eq!(wf["status"], "active");
    wf
}

/// Polls the workflow's executions until `done` holds for the list (10 s at most).
async fn wait_executions(
    s: &helpers::Session,
    workflow: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, list) = s
            .call(
                Method::GET,
                &format!("/api/v1/workflows/{workflow}/executions?limit=200"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let items = list["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for executions: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn execution(s: &helpers::Session, id: &str) -> Value {
    let (status, body) = s
        .call(Method::GET, &format!("/api/v1/executions/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn wait_status(s: &helpers::Session, id: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let e = execution(s, id).await;
        if e["execution"]["status"] == want {
            return e;
        }
        assert!(Instant::now() < deadline, "never became {want}: {e}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn first_bot(app: &TestApp) -> (helpers::Session, Value) {
    let owner = app.owner().await;
    let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
    (owner, bots["items"][0].clone())
}

async fn conversation(s: &helpers::Session, id: &str) -> Value {
    let (status, c) = s
        .call(Method::GET, &format!("/api/v1/conversations/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    c
}

fn step_summary(detail: &Value) -> Vec<(String, String, Option<String>)> {
    detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["node_id"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
                s["branch"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test]
async fn compile_errors_point_at_nodes_and_versions_are_immutable() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bad = json!({
            "nodes": [
                node("t", "trigger", json!({"event": "message.received"})),
                node("check", "condition", json!({"expression": "lead.score >="})),
                node("note", "action", json!({"action": "add_note", "params": {}})),
                node("lost", "end", json!({})),
                node("end", "end", json!({})),
            ],
            "edges": [edge("t", "check", None), edge("check", "note", Some("true")), edge("check", "end", Some("false")), edge("note", "end", None)],
        });
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/workflows",
                Some(json!({"name": "Broken", "graph": bad})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {body}",
            db.name
        );
        assert_eq!(body["error"]["code"], "invalid_workflow");
        let errors = body["error"]["errors"].as_array().unwrap();
        let at = |node: &str, code: &str| {
            errors
                .iter()
                .any(|e| e["node_id"] == node && e["code"] == code)
        };
        assert!(at("check", "invalid_expression"), "{body}");
        assert!(at("note", "missing_param"), "{body}");
        assert!(at("lost", "unreachable"), "{body}");
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/workflows",
                Some(json!({"name": " ", "graph": bad})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"]["name"].is_string(), "{body}");

        // Versions: only a changed graph makes one; old versions keep their graph.
        let graph = note_and_tag("message.received", None, "true", "seen");
        let (status, wf) = owner
            .call(
                Method::POST,
                "/api/v1/workflows",
                Some(json!({"name": "Tagger", "graph": graph})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{wf}");
        assert_eq!(
            (wf["version"].as_i64(), wf["status"].as_str()),
            (Some(1), Some("draft"))
        );
        assert_eq!(wf["statechart"]["initial"], "t");
        let secret = wf["signing_secret"].as_str().unwrap();
        assert!(secret.starts_with("whsec_"));
        let id = wf["id"].as_str().unwrap().to_string();
        let plain =
            parley_store::repo::workflows::plaintext_signing_secrets(app.store.db(), "whsec_")
                .await
                .unwrap();
        assert!(
            plain.iter().all(|(wid, _)| wid.to_string() != id),
            "{}: the signing secret is stored sealed",
            db.name
        );
        // A secret stored in the clear by an older version is sealed at start-up and reads
        // back the same.
        let uuid = id.parse().unwrap();
        let writer = app.store.writer().await.unwrap();
        parley_store::repo::workflows::set_signing_secret(&writer, uuid, "whsec_legacy")
            .await
            .unwrap();
        drop(writer);
        let vault = parley_engine::vault::Vault::new(helpers::SIGNING_KEY);
        let sealed = parley_engine::workflows::seal_signing_secrets(&app.store, &vault).await;
        assert_eq!(sealed.unwrap(), 1, "{}", db.name);
        let (_, read) = owner
            .call(Method::GET, &format!("/api/v1/workflows/{id}"), None)
            .await;
        assert_eq!(read["signing_secret"], "whsec_legacy", "{}", db.name);
        let path = format!("/api/v1/workflows/{id}");
        let (_, same) = owner
            .call(
                Method::PATCH,
                &path,
                Some(json!({"graph": graph, "name": "Tagger 2"})),
            )
            .await;
        assert_eq!(
            (same["version"].as_i64(), same["name"].as_str()),
            (Some(1), Some("Tagger 2"))
        );
        let changed = note_and_tag("message.received", None, "true", "seen-twice");
        let (_, v2) = owner
            .call(Method::PATCH, &path, Some(json!({"graph": changed})))
            .await;
        assert_eq!(v2["version"], 2);
        let (_, bad_update) = owner
            .call(Method::PATCH, &path, Some(json!({"graph": bad})))
            .await;
        assert_eq!(bad_update["error"]["code"], "invalid_workflow");
        let (_, versions) = owner
            .call(Method::GET, &format!("{path}/versions"), None)
            .await;
        let versions = versions["items"].as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1]["version"], 1);
        assert_eq!(
            versions[1]["graph"]["nodes"][3]["data"]["params"]["tag"],
            "seen"
        );
        assert_eq!(
            versions[0]["graph"]["nodes"][3]["data"]["params"]["tag"],
            "seen-twice"
        );

        // Export and import round-trip; templates import with their integrations listed.
        let (_, doc) = owner
            .call(Method::GET, &format!("{path}/export"), None)
            .await;
        assert_eq!(doc["format"], "parley.workflow/1");
        let (status, copy) = owner
            .call(Method::POST, "/api/v1/workflows/import", Some(doc))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{copy}");
        assert_eq!(
            copy["graph"]["nodes"][3]["data"]["params"]["tag"],
            "seen-twice"
        );
        let (_, templates) = owner
            .call(Method::GET, "/api/v1/workflow-templates", None)
            .await;
        assert_eq!(templates["items"].as_array().unwrap().len(), 3);
        let (status, imported) = owner
            .call(
                Method::POST,
                "/api/v1/workflow-templates/support-escalation/import",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{imported}");
        assert_eq!(imported["missing_integrations"], json!(["slack"]));
        let (status, _) = owner
            .call(Method::POST, "/api/v1/workflow-templates/nope/import", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, actions) = owner
            .call(Method::GET, "/api/v1/workflow-actions", None)
            .await;
        assert!(
            actions["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["kind"] == "webhook")
        );

        // Agents read but do not change; other workspaces see nothing.
        let (_, token) = owner
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "agent", "role": "agent"})),
            )
            .await;
        let agent = app.with_token(token["secret"].as_str().unwrap());
        let (status, seen) = agent.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            seen["signing_secret"].is_null(),
            "agents do not see the secret"
        );
        let (status, _) = agent
            .call(Method::POST, &format!("{path}/activate"), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = agent
            .call(
                Method::POST,
                "/api/v1/workflows",
                Some(json!({"name": "x", "graph": graph})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let other = app.owner_of_another_workspace().await;
        let (status, _) = other.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = other
            .call(Method::POST, &format!("{path}/activate"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (_, audit) = owner.call(Method::GET, "/api/v1/audit", None).await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(
            actions.contains(&"workflow.created") && actions.contains(&"workflow.updated"),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn a_widget_message_runs_the_workflow_and_filtered_ones_do_not_start() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot) = first_bot(&app).await;
        let stream = owner
            .request(Method::GET, "/api/v1/stream")
            .send()
            .await
            .unwrap();
        let mut live = stream.bytes_stream();
        let wf = create_active(
            &owner,
            "Refunds",
            note_and_tag(
                "message.received",
                Some("event.payload.text contains \"refund\""),
                "conversation.status == \"open\"",
                "refund",
            ),
        )
        .await;
        let wf_id = wf["id"].as_str().unwrap();

        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let (status, _) = widget
            .call(Method::POST, &path, Some(json!({"text": "hello there"})))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = widget
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "I want a REFUND please"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        let items = wait_executions(&owner, wf_id, |items| {
            items.iter().any(|e| e["status"] == "completed")
        })
        .await;
        let detail = execution(&owner, items[0]["id"].as_str().unwrap()).await;
        assert_eq!(
            step_summary(&detail),
            vec![
                ("t".into(), "done".into(), Some("true".into())),
                ("check".into(), "done".into(), Some("true".into())),
                ("note".into(), "done".into(), None),
                ("tag".into(), "done".into(), None),
                ("end".into(), "done".into(), None),
            ],
            "{}: {detail}",
            db.name
        );
        let note_step = &detail["steps"][2];
        assert_eq!(note_step["input"]["text"], "Asked: I want a REFUND please");
        assert_eq!(note_step["attempt"], 1);
        assert_eq!(note_step["idempotency_key"].as_str().unwrap().len(), 64);
        assert!(note_step["finished_at"].is_string());
        assert_eq!(detail["execution"]["conversation_id"], conv);

        let c = conversation(&owner, &conv).await;
        assert_eq!(c["conversation"]["tags"], json!(["refund"]));
        let notes = c["notes"].as_array().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["text"], "Asked: I want a REFUND please");

        // Only the message that passed the filter started an execution.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let items = wait_executions(&owner, wf_id, |_| true).await;
        assert_eq!(items.len(), 1, "{}: {items:?}", db.name);

        let mut seen = String::new();
        while !seen.contains("\"completed\"") {
            let chunk = tokio::time::timeout(Duration::from_secs(10), live.next())
                .await
                .expect("live")
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(seen.contains("event: execution.updated"), "{seen}");

        let (status, list) = owner
            .call(Method::GET, &format!("/api/v1/workflows/{wf_id}/executions?status=completed&from=2020-01-01T00:00:00Z"), None)
            .await;
        assert_eq!(
            (status, list["items"].as_array().unwrap().len()),
            (StatusCode::OK, 1)
        );
        let (status, _) = owner
            .call(
                Method::GET,
                &format!("/api/v1/workflows/{wf_id}/executions?status=nope"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let other = app.owner_of_another_workspace().await;
        let (status, _) = other
            .call(
                Method::GET,
                &format!("/api/v1/executions/{}", items[0]["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn external_events_start_workflows_when_their_filter_holds() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot) = first_bot(&app).await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let wf = create_active(
            &owner,
            "Big orders",
            note_and_tag(
                "external:order.shipped",
                Some("event.payload.amount > 10"),
                "event.payload.amount >= 100",
                "big-order",
            ),
        )
        .await;
        let wf_id = wf["id"].as_str().unwrap();
        for amount in [5, 50, 500] {
            let (status, accepted) = owner
                .call(Method::POST, "/api/v1/events", Some(json!({"name": "order.shipped", "payload": {"conversation_id": conv, "amount": amount, "text": format!("order of {amount}")}})))
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
            assert_eq!(accepted["name"], "external:order.shipped");
        }
        let items = wait_executions(&owner, wf_id, |items| {
            items.len() == 2 && items.iter().all(|e| e["status"] == "completed")
        })
        .await;
        let mut paths = Vec::new();
        for e in &items {
            let d = execution(&owner, e["id"].as_str().unwrap()).await;
            paths.push((
                d["execution"]["event_payload"]["amount"].as_i64().unwrap(),
                step_summary(&d).len(),
            ));
        }
        paths.sort();
        // 50: trigger, condition (false), end; 500: trigger, condition, note, tag, end.
        assert_eq!(paths, vec![(50, 3), (500, 5)], "{}", db.name);
        let c = conversation(&owner, &conv).await;
        assert_eq!(c["notes"].as_array().unwrap().len(), 1);

        for bad in [
            json!({"name": "has space"}),
            json!({"name": ""}),
            json!({"name": "ok", "payload": [1]}),
        ] {
            let (status, body) = owner.call(Method::POST, "/api/v1/events", Some(bad)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        }
        let (status, _) = app
            .anonymous()
            .call(Method::POST, "/api/v1/events", Some(json!({"name": "x"})))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_delay_schedules_a_job_and_the_execution_completes_later() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot) = first_bot(&app).await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let graph = json!({
            "nodes": [
                node("t", "trigger", json!({"event": "external:later"})),
                node("wait", "delay", json!({"seconds": 1})),
                node("say", "action", json!({"action": "reply", "params": {"text": "Following up on {{event.payload.topic}}"}})),
                node("end", "end", json!({})),
            ],
            "edges": [edge("t", "wait", None), edge("wait", "say", None), edge("say", "end", None)],
        });
        let wf = create_active(&owner, "Follow up", graph).await;
        let wf_id = wf["id"].as_str().unwrap();
        let posted = Instant::now();
        owner.call(Method::POST, "/api/v1/events", Some(json!({"name": "later", "payload": {"conversation_id": conv, "topic": "your order"}}))).await;
        let items = wait_executions(&owner, wf_id, |items| {
            items.first().is_some_and(|e| e["status"] == "waiting")
        })
        .await;
        let id = items[0]["id"].as_str().unwrap().to_string();
        let waiting = execution(&owner, &id).await;
        let wait_step = &waiting["steps"][1];
        assert_eq!(
            (wait_step["node_id"].as_str(), wait_step["status"].as_str()),
            (Some("wait"), Some("waiting"))
        );
        assert!(wait_step["run_after"].is_string());
        let queued = parley_store::jobs::stats(app.store.db())
            .await
            .unwrap()
            .queued;
        assert!(queued >= 1, "the delay is a scheduled job");

        let done = wait_status(&owner, &id, "completed").await;
        assert!(
            posted.elapsed() >= Duration::from_millis(900),
            "{}",
            db.name
        );
        assert_eq!(done["steps"][1]["status"], "done");
        let c = conversation(&owner, &conv).await;
        let last = c["messages"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["role"].as_str(), last["text"].as_str()),
            (Some("bot"), Some("Following up on your order"))
        );
    }
}

/// An execution whose runner died on every attempt of its job is failed with the reason
/// (not left "running"), its waiting step with it.
#[tokio::test]
async fn an_execution_whose_runner_was_lost_on_every_attempt_fails() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, _) = first_bot(&app).await;
        let graph = json!({
            "nodes": [
                node("t", "trigger", json!({"event": "external:later"})),
                node("wait", "delay", json!({"seconds": 3600})),
                node("end", "end", json!({})),
            ],
            "edges": [edge("t", "wait", None), edge("wait", "end", None)],
        });
        let wf = create_active(&owner, "Lost", graph).await;
        let wf_id = wf["id"].as_str().unwrap();
        owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "later", "payload": {}})),
            )
            .await;
        let items = wait_executions(&owner, wf_id, |items| {
            items.first().is_some_and(|e| e["status"] == "waiting")
        })
        .await;
        let id = items[0]["id"].as_str().unwrap().to_string();
        // As if runners had claimed its job on every attempt and died: a lease long over.
        let sql = "UPDATE jobs SET status = 'running', attempts = max_attempts, lease_until = 0 \
                   WHERE kind = 'workflow.step' AND status = 'queued'";
        let backend = app.store.db().get_database_backend();
        let done = app
            .store
            .writer()
            .await
            .unwrap()
            .execute_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1, "{}", db.name);
        let failed = wait_status(&owner, &id, "failed").await;
        assert!(
            failed["execution"]["error"]
                .as_str()
                .unwrap()
                .contains("worker was lost"),
            "{failed}"
        );
        assert_eq!(failed["steps"][1]["status"], "failed", "{}", db.name);
    }
}

/// A webhook receiver that fails until told otherwise, recording what it got.
#[derive(Default)]
struct Receiver {
    healthy: AtomicBool,
    calls: AtomicUsize,
    seen: std::sync::Mutex<Vec<(String, String, Vec<u8>)>>,
}

async fn receiver() -> (String, Arc<Receiver>) {
    use axum::body::Bytes;
    use axum::http::HeaderMap;
    let state = Arc::new(Receiver::default());
    let shared = state.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move {
                state.calls.fetch_add(1, Ordering::SeqCst);
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string()
                };
                state.seen.lock().unwrap().push((
                    header("idempotency-key"),
                    header("x-parley-signature"),
                    body.to_vec(),
                ));
                if state.healthy.load(Ordering::SeqCst) {
                    (StatusCode::OK, "{\"ok\":true}")
                } else {
                    (StatusCode::SERVICE_UNAVAILABLE, "down")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), state)
}

#[tokio::test]
async fn a_failing_webhook_retries_then_fails_and_resumes_once_the_receiver_is_fixed() {
    use hmac::{Hmac, Mac};
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (url, hook) = receiver().await;
        let graph = single(
            "external:crm",
            json!({"action": "webhook", "retries": 1, "params": {"url": url, "payload": "{\"email\": \"{{event.payload.email}}\"}"}}),
        );
        let wf = create_active(&owner, "CRM", graph).await;
        let wf_id = wf["id"].as_str().unwrap();
        let secret = wf["signing_secret"].as_str().unwrap().to_string();
        owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "crm", "payload": {"email": "ann@example.com"}})),
            )
            .await;
        let items = wait_executions(&owner, wf_id, |items| {
            items.first().is_some_and(|e| e["status"] == "failed")
        })
        .await;
        let id = items[0]["id"].as_str().unwrap().to_string();
        let failed = execution(&owner, &id).await;
        assert_eq!(
            hook.calls.load(Ordering::SeqCst),
            2,
            "{}: one try and one retry",
            db.name
        );
        let step = &failed["steps"][1];
        assert_eq!(
            (step["status"].as_str(), step["attempt"].as_i64()),
            (Some("failed"), Some(2))
        );
        assert!(
            failed["execution"]["error"]
                .as_str()
                .unwrap()
                .contains("503"),
            "{failed}"
        );
        assert_eq!(
            failed["steps"].as_array().unwrap().last().unwrap()["node_id"],
            "$failed"
        );

        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/executions/{id}/cancel"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "a failed execution is over");
        hook.healthy.store(true, Ordering::SeqCst);
        let (status, resumed) = owner
            .call(
                Method::POST,
                &format!("/api/v1/executions/{id}/resume"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{resumed}");
        let done = wait_status(&owner, &id, "completed").await;
        assert!(done["execution"]["error"].is_null());
        assert_eq!(
            step_summary(&done)
                .iter()
                .map(|s| s.0.as_str())
                .collect::<Vec<_>>(),
            vec!["t", "act", "end"]
        );
        assert_eq!(done["steps"][1]["output"]["status"], 200);
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/executions/{id}/resume"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        let seen = hook.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3);
        let key = &seen[0].0;
        assert_eq!(key.len(), 64);
        assert!(
            seen.iter().all(|(k, _, _)| k == key),
            "every attempt carries the step's key"
        );
        for (_, signature, body) in &seen {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(body);
            assert_eq!(
                signature,
                &format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
            );
            assert_eq!(
                serde_json::from_slice::<Value>(body).unwrap(),
                json!({"email": "ann@example.com"})
            );
        }

        // Loopback by name is not on the allow-list: refused without a retry.
        let blocked = single(
            "external:ssrf",
            json!({"action": "webhook", "params": {"url": url.replace("127.0.0.1", "localhost")}}),
        );
        let wf = create_active(&owner, "SSRF", blocked).await;
        owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "ssrf"})),
            )
            .await;
        let items = wait_executions(&owner, wf["id"].as_str().unwrap(), |items| {
            items.first().is_some_and(|e| e["status"] == "failed")
        })
        .await;
        assert!(
            items[0]["error"]
                .as_str()
                .unwrap()
                .contains("refusing to call localhost"),
            "{items:?}"
        );
        assert_eq!(hook.calls.load(Ordering::SeqCst), 3);
    }
}

#[tokio::test]
async fn cancel_stops_a_waiting_execution_and_missing_integrations_fail_clearly() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot) = first_bot(&app).await;
        let graph = json!({
            "nodes": [
                node("t", "trigger", json!({"event": "external:slow"})),
                node("wait", "delay", json!({"duration": "10m"})),
                node("end", "end", json!({})),
            ],
            "edges": [edge("t", "wait", None), edge("wait", "end", None)],
        });
        let wf = create_active(&owner, "Slow", graph).await;
        owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "slow"})),
            )
            .await;
        let items = wait_executions(&owner, wf["id"].as_str().unwrap(), |items| {
            items.first().is_some_and(|e| e["status"] == "waiting")
        })
        .await;
        let id = items[0]["id"].as_str().unwrap();
        let (status, cancelled) = owner
            .call(
                Method::POST,
                &format!("/api/v1/executions/{id}/cancel"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["execution"]["status"], "cancelled");
        assert_eq!(cancelled["steps"][1]["status"], "cancelled");
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/executions/{id}/cancel"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);

        // The Slack template's action compiles, and its step says what to connect.
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let slack = single(
            "external:alert",
            json!({"action": "slack_message", "params": {"channel": "#support", "text": "hi"}}),
        );
        let wf = create_active(&owner, "Slack", slack).await;
        assert_eq!(wf["missing_integrations"], json!(["slack"]));
        owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "alert", "payload": {"conversation_id": conv}})),
            )
            .await;
        let items = wait_executions(&owner, wf["id"].as_str().unwrap(), |items| {
            items.first().is_some_and(|e| e["status"] == "failed")
        })
        .await;
        assert!(
            items[0]["error"]
                .as_str()
                .unwrap()
                .starts_with("connect Slack first"),
            "{}: {items:?}",
            db.name
        );

        // Consecutive local actions share a transaction; when the second fails, the first
        // is redone on its own and kept once, and the execution fails with the reason.
        let graph = json!({
            "nodes": [
                node("t", "trigger", json!({"event": "external:tagit"})),
                node("note", "action", json!({"action": "add_note", "params": {"text": "Before tagging"}})),
                node("tag", "action", json!({"action": "tag_conversation", "params": {"tag": "{{event.payload.tag}}"}})),
                node("end", "end", json!({})),
            ],
            "edges": [edge("t", "note", None), edge("note", "tag", None), edge("tag", "end", None)],
        });
        let wf = create_active(&owner, "Tag it", graph).await;
        let long = "x".repeat(50);
        owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "tagit", "payload": {"conversation_id": conv, "tag": long}})),
            )
            .await;
        let items = wait_executions(&owner, wf["id"].as_str().unwrap(), |items| {
            items.first().is_some_and(|e| e["status"] == "failed")
        })
        .await;
        assert!(
            items[0]["error"].as_str().unwrap().contains("at most 40"),
            "{items:?}"
        );
        let detail = execution(&owner, items[0]["id"].as_str().unwrap()).await;
        assert_eq!(
            step_summary(&detail)
                .into_iter()
                .map(|s| (s.0, s.1))
                .collect::<Vec<_>>(),
            vec![
                ("t".into(), "done".into()),
                ("note".into(), "done".into()),
                ("tag".into(), "failed".into()),
                ("$failed".into(), "done".into())
            ],
            "{detail}"
        );
        let c = conversation(&owner, &conv).await;
        assert_eq!(
            c["notes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["text"] == "Before tagging")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn a_dry_run_shows_the_path_and_does_nothing() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot) = first_bot(&app).await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let wf = create_active(
            &owner,
            "Dry",
            note_and_tag("external:x", None, "lead.score >= 50", "warm"),
        )
        .await;
        let id = wf["id"].as_str().unwrap();
        let (status, result) = owner
            .call(
                Method::POST,
                &format!("/api/v1/workflows/{id}/test"),
                Some(json!({"event": {"name": "external:x", "payload": {"conversation_id": conv, "text": "hi"}}, "context": {"lead": {"score": 80}}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{result}");
        assert_eq!(result["trigger_matches"], true);
        assert_eq!(result["dry_run"]["complete"], true);
        let steps = result["dry_run"]["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 5, "{result}");
        assert_eq!(steps[2]["input"]["text"], "Asked: hi");
        assert_eq!(result["context"]["conversation"]["id"], conv);
        let (_, result) = owner
            .call(
                Method::POST,
                &format!("/api/v1/workflows/{id}/test"),
                Some(json!({"event": {"name": "external:y", "payload": {}}})),
            )
            .await;
        assert_eq!(result["trigger_matches"], false);
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/workflows/{id}/test"),
                Some(json!({"event": {"name": "nope"}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        tokio::time::sleep(Duration::from_millis(300)).await;
        let items = wait_executions(&owner, id, |_| true).await;
        assert!(items.is_empty(), "{}: {items:?}", db.name);
        let c = conversation(&owner, &conv).await;
        assert!(c["notes"].as_array().unwrap().is_empty());
        assert_eq!(c["conversation"]["tags"], json!([]));
    }
}

#[tokio::test]
async fn re_running_a_step_whose_progress_was_lost_does_not_repeat_its_effect() {
    use parley_store::entities::{execution, execution_step};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot) = first_bot(&app).await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let graph = json!({
            "nodes": [
                node("t", "trigger", json!({"event": "external:return"})),
                node("approve", "action", json!({"action": "approve_return", "params": {"reason": "{{event.payload.reason}}"}})),
                node("note", "action", json!({"action": "add_note", "params": {"text": "Return approved"}})),
                node("stage", "action", json!({"action": "set_lead_stage", "params": {"stage": "won"}})),
                node("handoff", "action", json!({"action": "handoff", "params": {"reason": "check the parcel"}})),
                node("end", "end", json!({})),
            ],
            "edges": [edge("t", "approve", None), edge("approve", "note", None), edge("note", "stage", None), edge("stage", "handoff", None), edge("handoff", "end", None)],
        });
        let wf = create_active(&owner, "Returns", graph).await;
        owner.call(Method::POST, "/api/v1/events", Some(json!({"name": "return", "payload": {"conversation_id": conv, "reason": "too small"}}))).await;
        let items = wait_executions(&owner, wf["id"].as_str().unwrap(), |items| {
            items.first().is_some_and(|e| e["status"] == "completed")
        })
        .await;
        let id: uuid::Uuid = items[0]["id"].as_str().unwrap().parse().unwrap();
        let first = execution(&owner, &id.to_string()).await;
        let rma = first["steps"][1]["output"]["rma_number"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            rma.starts_with("RMA-20") && rma.len() == "RMA-2026-XXXXXX".len(),
            "{rma}"
        );

        // Simulate a crash that lost the progress after the effects: the execution is back
        // at the approval step, as if nothing after it had been recorded.
        let c = app.store.db();
        execution_step::Entity::delete_many()
            .filter(execution_step::Column::ExecutionId.eq(id))
            .filter(execution_step::Column::Seq.gt(1))
            .exec(c)
            .await
            .unwrap();
        execution::ActiveModel {
            id: Set(id),
            status: Set("running".into()),
            state: Set("approve".into()),
            seq: Set(2),
            finished_at: Set(None),
            ..Default::default()
        }
        .update(c)
        .await
        .unwrap();
        parley_store::jobs::enqueue(c, parley_engine::workflows::executor::step_job(id, 0))
            .await
            .unwrap();
        let again = wait_status(&owner, &id.to_string(), "completed").await;
        assert_eq!(
            again["steps"][1]["output"]["rma_number"],
            rma.as_str(),
            "{}: the recorded output is returned",
            db.name
        );
        assert_eq!(
            again["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["idempotency_key"].clone())
                .collect::<Vec<_>>(),
            first["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["idempotency_key"].clone())
                .collect::<Vec<_>>(),
            "keys are stable across the re-run"
        );

        let detail = conversation(&owner, &conv).await;
        assert_eq!(
            detail["notes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["text"] == "Return approved")
                .count(),
            1
        );
        let replies: Vec<_> = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["text"].as_str().unwrap_or("").contains(&rma))
            .collect();
        assert_eq!(replies.len(), 1, "the visitor is told once");
        let handoffs = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "system")
            .count();
        assert_eq!(handoffs, 1);
        assert_eq!(detail["conversation"]["human_handoff"], true);
        let conv_id: uuid::Uuid = conv.parse().unwrap();
        let row = parley_store::entities::conversation::Entity::find_by_id(conv_id)
            .one(c)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.lead_stage.as_deref(), Some("won"));
        let returns = parley_store::repo::executions::returns(c, row.workspace_id, conv_id)
            .await
            .unwrap();
        assert_eq!(returns.len(), 1);
        assert_eq!(returns[0].reason, "too small");
    }
}
