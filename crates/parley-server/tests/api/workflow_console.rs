//! What the dashboard's execution console and workflows list read: executions across all
//! workflows with their filters, each workflow's recent runs in the list, and per-day
//! analytics with A/B branch outcomes.

use crate::helpers;

use helpers::Widget;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn node(id: &str, kind: &str, data: Value) -> Value {
    json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data})
}

fn edge(source: &str, target: &str, handle: Option<&str>) -> Value {
    let mut e = json!({"id": format!("{source}-{target}-{}", handle.unwrap_or("")), "source": source, "target": target});
    if let Some(h) = handle {
        e["sourceHandle"] = json!(h);
    }
    e
}

/// trigger → add_note → end.
fn note(event: &str) -> Value {
    json!({
        "nodes": [
            node("t", "trigger", json!({"event": event})),
            node("n", "action", json!({"action": "add_note", "params": {"text": "seen"}, "retries": 0})),
            node("end", "end", json!({})),
        ],
        "edges": [edge("t", "n", None), edge("n", "end", None)],
    })
}

/// trigger → split a/b → end.
fn split(event: &str) -> Value {
    json!({
        "nodes": [
            node("t", "trigger", json!({"event": event})),
            node("ab", "split", json!({"branches": [{"id": "a", "weight": 50}, {"id": "b", "weight": 50}]})),
            node("end", "end", json!({})),
        ],
        "edges": [edge("t", "ab", None), edge("ab", "end", Some("a")), edge("ab", "end", Some("b"))],
    })
}

async fn create(s: &helpers::Session, name: &str, graph: Value, activate: bool) -> String {
    let (status, wf) = s
        .call(
            Method::POST,
            "/api/v1/workflows",
            Some(json!({"name": name, "graph": graph})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wf}");
    let id = wf["id"].as_str().unwrap().to_string();
    if activate {
        let (status, wf) = s
            .call(
                Method::POST,
                &format!("/api/v1/workflows/{id}/activate"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{wf}");
    }
    id
}

async fn post_event(s: &helpers::Session, name: &str, payload: Value) {
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/events",
            Some(json!({"name": name, "payload": payload})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

async fn get(s: &helpers::Session, path: &str) -> Value {
    let (status, body) = s.call(Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_console_filters_executions_across_workflows_and_the_list_counts_runs() {
    for db in test_stores().await {
        let app = helpers::start_with_workflows(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let mut widget = Widget::of(&app, &bots["items"][0]);
        let conv = widget.start().await;

        let noted = create(&owner, "Noted", note("external:shipped"), true).await;
        let broken = create(&owner, "Broken", note("external:lost"), true).await;
        let ab = create(&owner, "A/B", split("external:ab"), true).await;
        let idle = create(&owner, "Idle", note("external:never"), false).await;

        post_event(&owner, "shipped", json!({"conversation_id": conv})).await;
        post_event(&owner, "shipped", json!({"conversation_id": conv})).await;
        // No conversation: add_note cannot run, the execution fails.
        post_event(&owner, "lost", json!({})).await;
        // One A/B run has a conversation (never scored, so its mood counts as recovered).
        post_event(&owner, "ab", json!({"conversation_id": conv})).await;
        for _ in 0..4 {
            post_event(&owner, "ab", json!({})).await;
        }

        let deadline = Instant::now() + Duration::from_secs(15);
        let all = loop {
            let all = get(&owner, "/api/v1/executions?limit=200").await;
            let items = all["items"].as_array().unwrap();
            let finished = items.iter().all(|e| {
                ["completed", "failed"].contains(&e["status"].as_str().unwrap_or_default())
            });
            if items.len() == 8 && finished {
                break all;
            }
            assert!(Instant::now() < deadline, "{}: {all}", db.name);
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // Newest first across workflows.
        let listed = ids(&all);
        let mut sorted = listed.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(listed, sorted, "{}", db.name);

        let count = |q: &str| {
            let owner = &owner;
            let q = q.to_string();
            async move {
                get(owner, &format!("/api/v1/executions?{q}")).await["items"]
                    .as_array()
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(count(&format!("workflow_id={noted}")).await, 2);
        assert_eq!(count("status=failed").await, 1);
        assert_eq!(
            count(&format!("status=failed&workflow_id={noted}")).await,
            0
        );
        assert_eq!(count(&format!("conversation_id={conv}")).await, 3);
        assert_eq!(count("event=external:lost").await, 1);
        assert_eq!(count("event=external:ab").await, 5);
        assert_eq!(count("from=2099-01-01T00:00:00Z").await, 0);
        assert_eq!(count("to=2000-01-01T00:00:00Z").await, 0);

        // Pages: one at a time, following next_before, each once.
        let mut seen = Vec::new();
        let mut before = String::new();
        loop {
            let page = get(&owner, &format!("/api/v1/executions?limit=3{before}")).await;
            seen.extend(ids(&page));
            match page["next_before"].as_str() {
                Some(next) => before = format!("&before={next}"),
                None => break,
            }
        }
        assert_eq!(seen, listed, "{}", db.name);

        // Each bad filter is refused naming its field (400 for what does not parse, 422
        // for a status that is not one).
        for (bad, field) in [
            ("status=bogus", "status"),
            ("from=yesterday", "from"),
            ("limit=0", "limit"),
        ] {
            let (status, body) = owner
                .call(Method::GET, &format!("/api/v1/executions?{bad}"), None)
                .await;
            assert!(
                [StatusCode::BAD_REQUEST, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
                "{bad}: {status} {body}"
            );
            assert!(body["error"]["fields"][field].is_string(), "{bad}: {body}");
        }
        let (status, _) = app
            .anonymous()
            .call(Method::GET, "/api/v1/executions", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let list = get(&owner, "/api/v1/workflows").await;
        let row = |id: &str| {
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            (
                row(&noted)["runs_7d"].clone(),
                row(&noted)["failed_7d"].clone()
            ),
            (json!(2), json!(0))
        );
        assert_eq!(
            (
                row(&broken)["runs_7d"].clone(),
                row(&broken)["failed_7d"].clone()
            ),
            (json!(1), json!(1))
        );
        assert!(row(&noted)["last_run_at"].is_string(), "{list}");
        assert_eq!(row(&idle)["last_run_at"], Value::Null);
        assert_eq!(row(&idle)["runs_7d"], 0);
        assert_eq!(row(&idle)["name"], "Idle");

        // Analytics: today holds the runs; the split's branches add up to its runs.
        let a = get(
            &owner,
            &format!("/api/v1/workflows/{noted}/analytics?days=7"),
        )
        .await;
        let days = a["days"].as_array().unwrap();
        assert_eq!(days.len(), 7, "{a}");
        let today = days.last().unwrap();
        assert_eq!(
            (
                today["runs"].clone(),
                today["completed"].clone(),
                today["failed"].clone()
            ),
            (json!(2), json!(2), json!(0)),
            "{a}"
        );
        assert!(today["median_ms"].is_i64(), "{a}");
        assert_eq!(days[0]["runs"], 0);
        assert!(days[0]["median_ms"].is_null());
        assert_eq!(today["date"].as_str().unwrap().len(), 10);
        assert_eq!(a["branches"], json!([]));
        assert_eq!(a["complete"], true);

        let a = get(&owner, &format!("/api/v1/workflows/{ab}/analytics")).await;
        assert_eq!(
            a["days"].as_array().unwrap().len(),
            14,
            "the default window"
        );
        let branches = a["branches"].as_array().unwrap();
        let runs: u64 = branches.iter().map(|b| b["runs"].as_u64().unwrap()).sum();
        let completed: u64 = branches
            .iter()
            .map(|b| b["completed"].as_u64().unwrap())
            .sum();
        let sum = |key: &str| -> u64 { branches.iter().map(|b| b[key].as_u64().unwrap()).sum() };
        assert_eq!((runs, completed), (5, 5), "{a}");
        assert_eq!(
            (
                sum("recovered"),
                sum("resolved"),
                sum("qualified"),
                sum("failed")
            ),
            (1, 0, 0, 0),
            "{a}"
        );
        assert!(
            branches.iter().all(
                |b| b["node_id"] == "ab" && ["a", "b"].contains(&b["branch"].as_str().unwrap())
            ),
            "{a}"
        );

        for bad in ["days=0", "days=91"] {
            let (status, body) = owner
                .call(
                    Method::GET,
                    &format!("/api/v1/workflows/{ab}/analytics?{bad}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        }
        let (status, _) = owner
            .call(
                Method::GET,
                "/api/v1/workflows/0190a0b0-0000-7000-8000-000000000009/analytics",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
