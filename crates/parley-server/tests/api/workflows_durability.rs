//! Durability of workflow executions with the real `parley` binary: a node killed with
//! SIGKILL mid-run loses no execution and its webhook steps keep their idempotency keys;
//! two nodes on one PostgreSQL database run every execution exactly once.

use crate::helpers;

use axum::body::Bytes;
use axum::http::HeaderMap;
use helpers::Session;
use parley_store::ConnectionTrait;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_parley");
const EMAIL: &str = "owner@example.com";
const PASSWORD: &str = "durable owner password";

/// A running `parley serve`, killed when dropped.
struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &std::path::Path, database_url: Option<&str>) -> Node {
    serve_with(data, database_url, &[])
}

fn serve_with(data: &std::path::Path, database_url: Option<&str>, env: &[(&str, String)]) -> Node {
    let mut cmd = Command::new(BIN);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .env("PARLEY_DATA_DIR", data)
        .env("PARLEY_LOG", "warn")
        .env("PARLEY_ADMIN_EMAIL", EMAIL)
        .env("PARLEY_ADMIN_PASSWORD", PASSWORD)
        .env("PARLEY_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
        .env(
            "PARLEY_SECRET_KEY",
            "a test secret key that is at least 32 characters",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match database_url {
        Some(url) => cmd.env("PARLEY_DATABASE_URL", url),
        None => cmd.env_remove("PARLEY_DATABASE_URL"),
    };
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut base = None;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("Parley is listening on ") {
            base = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Node {
        child,
        base: base.expect("parley serve printed its address"),
    }
}

async fn login(base: &str) -> Session {
    let mut s = Session {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: base.to_string(),
        csrf: None,
        bearer: None,
    };
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": EMAIL, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.csrf = body["csrf_token"].as_str().map(str::to_string);
    s
}

/// Counts webhook requests by idempotency key (and by the payload's `n`).
#[derive(Default)]
struct Counts {
    by_key: HashMap<String, usize>,
    by_n: HashMap<i64, usize>,
    requests: usize,
}

async fn receiver(delay: Duration) -> (String, Arc<Mutex<Counts>>) {
    let counts = Arc::new(Mutex::new(Counts::default()));
    let shared = counts.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let counts = shared.clone();
            async move {
                tokio::time::sleep(delay).await;
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let n = serde_json::from_slice::<Value>(&body).unwrap_or_default()["n"]
                    .as_i64()
                    .unwrap_or(-1);
                let mut c = counts.lock().unwrap();
                c.requests += 1;
                *c.by_key.entry(key).or_default() += 1;
                *c.by_n.entry(n).or_default() += 1;
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), counts)
}

/// trigger(external:<event>) → webhook(url, payload {n}) → end.
async fn webhook_workflow(s: &Session, event: &str, url: &str) -> String {
    let graph = json!({
        "nodes": [
            {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0}, "data": {"event": format!("external:{event}")}},
            {"id": "hook", "type": "action", "position": {"x": 0, "y": 100}, "data": {"action": "webhook", "retries": 5,
                "params": {"url": url, "payload": "{\"n\": {{event.payload.n}}}"}}},
            {"id": "end", "type": "end", "position": {"x": 0, "y": 200}, "data": {}},
        ],
        "edges": [{"source": "t", "target": "hook"}, {"source": "hook", "target": "end"}],
    });
    create_active(s, event, graph).await
}

/// Creates and activates a workflow; its id.
async fn create_active(s: &Session, name: &str, graph: Value) -> String {
    let (status, wf) = s
        .call(
            Method::POST,
            "/api/v1/workflows",
            Some(json!({"name": name, "graph": graph})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wf}");
    let id = wf["id"].as_str().unwrap().to_string();
    let (status, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/workflows/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    id
}

/// Every execution of the workflow (all pages).
async fn all_executions(s: &Session, workflow: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/workflows/{workflow}/executions?limit=200");
        if let Some(b) = &before {
            path.push_str(&format!("&before={b}"));
        }
        let (status, page) = s.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_before"].as_str() {
            Some(b) => before = Some(b.to_string()),
            None => return items,
        }
    }
}

async fn wait_all_completed(
    s: &Session,
    workflow: &str,
    expected: usize,
    within: Duration,
) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let items = all_executions(s, workflow).await;
        let completed = items.iter().filter(|e| e["status"] == "completed").count();
        if items.len() >= expected && completed == items.len() {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "{} executions, {completed} completed, expected {expected}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn post_events(s: &Session, event: &str, range: std::ops::Range<i64>) {
    for n in range {
        let (status, body) = s
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": event, "payload": {"n": n}})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_resumes_every_execution_with_stable_keys() {
    helpers::install_tls();
    let data = std::env::temp_dir().join(format!("parley-durable-{}", uuid::Uuid::new_v4()));
    let (url, counts) = receiver(Duration::from_millis(40)).await;
    let node = serve(&data, None);
    let s = login(&node.base).await;
    let workflow = webhook_workflow(&s, "ping", &url).await;
    post_events(&s, "ping", 0..50).await;
    // Kill it mid-way: some webhooks delivered, some in flight, some not started.
    let deadline = Instant::now() + Duration::from_secs(30);
    while counts.lock().unwrap().requests < 10 {
        assert!(Instant::now() < deadline, "the webhooks never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(node); // SIGKILL
    let delivered_before = counts.lock().unwrap().requests;
    assert!(delivered_before < 50, "killed too late to prove anything");

    let node = serve(&data, None);
    let s = login(&node.base).await;
    // In-flight jobs are taken over once the dead node's leases (30 s) expire.
    let items = wait_all_completed(&s, &workflow, 50, Duration::from_secs(55)).await;
    assert_eq!(items.len(), 50, "one execution per event");

    let mut keys = Vec::new();
    for e in &items {
        let (_, detail) = s
            .call(
                Method::GET,
                &format!("/api/v1/executions/{}", e["id"].as_str().unwrap()),
                None,
            )
            .await;
        let hooks: Vec<&Value> = detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|st| st["node_id"] == "hook")
            .collect();
        assert_eq!(hooks.len(), 1, "{detail}");
        keys.push(hooks[0]["idempotency_key"].as_str().unwrap().to_string());
    }
    let c = counts.lock().unwrap();
    let distinct: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), 50);
    assert!(
        keys.iter().all(|k| c.by_key.contains_key(k)),
        "every step's key reached the receiver"
    );
    assert_eq!(
        c.by_key.len(),
        50,
        "one key per execution, however often a request was repeated"
    );
    assert_eq!(c.by_n.len(), 50);
    drop(node);
    let _ = std::fs::remove_dir_all(&data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_run_every_execution_exactly_once() {
    let Ok(admin_url) = std::env::var("PARLEY_TEST_DATABASE_URL") else {
        return;
    };
    if admin_url.is_empty() {
        return;
    }
    helpers::install_tls();
    // A fresh database of its own, so both nodes start from an empty schema.
    let name = format!("parley_two_{}", uuid::Uuid::new_v4().simple());
    let admin = parley_store::Store::connect(&parley_store::StoreConfig::new(admin_url.clone()))
        .await
        .unwrap();
    admin
        .db()
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base_url, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base_url}/{name}");

    let data = std::env::temp_dir().join(format!("parley-two-{}", uuid::Uuid::new_v4()));
    let (hook, counts) = receiver(Duration::ZERO).await;
    let a = serve(&data.join("a"), Some(&url));
    let b = serve(&data.join("b"), Some(&url));
    let (sa, sb) = (login(&a.base).await, login(&b.base).await);
    let workflow = webhook_workflow(&sa, "tick", &hook).await;

    let started = Instant::now();
    let mut posting = Vec::new();
    for (i, s) in [sa, sb].into_iter().enumerate() {
        let s = Arc::new(s);
        for part in 0..4i64 {
            let s = s.clone();
            let from = (i as i64) * 500 + part * 125;
            posting.push(tokio::spawn(async move {
                post_events(&s, "tick", from..from + 125).await
            }));
        }
    }
    for p in posting {
        p.await.unwrap();
    }
    let sa = login(&a.base).await;
    let items = wait_all_completed(&sa, &workflow, 1000, Duration::from_secs(50)).await;
    let elapsed = started.elapsed();
    assert_eq!(items.len(), 1000);
    {
        let c = counts.lock().unwrap();
        assert_eq!(c.requests, 1000, "no webhook ran twice");
        assert_eq!(c.by_key.len(), 1000);
        assert_eq!(c.by_n.len(), 1000);
        assert!(c.by_n.values().all(|&n| n == 1));
    }
    eprintln!("two nodes: 1000 events posted and executed in {elapsed:?}");
    drop((a, b));
    let _ = std::fs::remove_dir_all(&data);
    let _ = admin
        .db()
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

/// The vendor-contract servers as a node's Slack and Google.
fn vendor_env(c: &parley_integrations::testing::Contracts) -> Vec<(&'static str, String)> {
    use parley_integrations::testing::{GOOGLE_CLIENT, SLACK_CLIENT};
    vec![
        ("PARLEY_SLACK_BASE_URL", c.slack_base()),
        ("PARLEY_GOOGLE_BASE_URL", c.google_base()),
        ("PARLEY_SLACK_CLIENT_ID", SLACK_CLIENT.0.into()),
        ("PARLEY_SLACK_CLIENT_SECRET", SLACK_CLIENT.1.into()),
        ("PARLEY_GOOGLE_CLIENT_ID", GOOGLE_CLIENT.0.into()),
        ("PARLEY_GOOGLE_CLIENT_SECRET", GOOGLE_CLIENT.1.into()),
        // The engine's own ceiling, not Google's default quota, is under test here.
        ("PARLEY_SHEETS_REQUESTS_PER_MINUTE", "1000000".into()),
    ]
}

/// Connects Google through the contract server's consent page, as a browser would.
async fn connect_google(s: &Session) {
    let (status, started) = s
        .call(Method::POST, "/api/v1/integrations/google/connect", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let page = reqwest::get(started["authorize_url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("id=\"allow\" href=\"").unwrap() + 17;
    let href = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let allow = reqwest::Url::parse(&href).unwrap();
    let path = format!(
        "/api/v1/integrations/google/callback?{}",
        allow.query().unwrap()
    );
    let landed = s.request(Method::GET, &path).send().await.unwrap();
    assert!(
        landed.url().as_str().contains("connected=google"),
        "{}",
        landed.url()
    );
}

/// SIGKILL while 200 executions post to Slack and append to Sheets (each write answered
/// 30 ms after it took effect, so some are done but unrecorded when the node dies): after
/// a restart every execution completes and each message and row exists exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_posts_each_slack_message_and_sheet_row_exactly_once() {
    helpers::install_tls();
    let contracts = parley_integrations::testing::start(0).await;
    {
        let mut world = contracts.world();
        world.rate_limits = false;
        world.write_latency = Duration::from_millis(30);
    }
    let env = vendor_env(&contracts);
    let data =
        std::env::temp_dir().join(format!("parley-durable-vendors-{}", uuid::Uuid::new_v4()));
    let node = serve_with(&data, None, &env);
    let s = login(&node.base).await;
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/integrations/slack/token",
            Some(json!({"token": parley_integrations::testing::SLACK_BOT_TOKEN})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    connect_google(&s).await;
    let graph = json!({
        "nodes": [
            {"id": "t", "type": "trigger", "position": {"x": 0, "y": 0}, "data": {"event": "external:burst"}},
            {"id": "post", "type": "action", "position": {"x": 0, "y": 100}, "data": {"action": "slack_message", "retries": 5,
                "params": {"channel": "C0GENERAL", "text": "n={{event.payload.n}}"}}},
            {"id": "row", "type": "action", "position": {"x": 0, "y": 200}, "data": {"action": "sheets_append_row", "retries": 5,
                "params": {"spreadsheet_id": parley_integrations::testing::SPREADSHEET_ID, "sheet": "Sheet1",
                    "values": "[\"{{event.payload.n}}\"]"}}},
            {"id": "end", "type": "end", "position": {"x": 0, "y": 300}, "data": {}},
        ],
        "edges": [{"source": "t", "target": "post"}, {"source": "post", "target": "row"}, {"source": "row", "target": "end"}],
    });
    let workflow = create_active(&s, "burst", graph).await;
    post_events(&s, "burst", 0..200).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while contracts.world().slack_messages.len() < 40 {
        assert!(Instant::now() < deadline, "the posts never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(node); // SIGKILL
    let posted_before = contracts.world().slack_messages.len();
    assert!(posted_before < 200, "killed too late to prove anything");

    let node = serve_with(&data, None, &env);
    let s = login(&node.base).await;
    let items = wait_all_completed(&s, &workflow, 200, Duration::from_secs(120)).await;
    assert_eq!(items.len(), 200, "one execution per event");
    {
        let world = contracts.world();
        let mut posts: HashMap<String, usize> = HashMap::new();
        for m in &world.slack_messages {
            *posts
                .entry(m["text"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        assert_eq!(posts.len(), 200, "every execution posted");
        assert!(
            posts.values().all(|n| *n == 1),
            "a message was posted twice: {posts:?}"
        );
        let mut rows: HashMap<String, usize> = HashMap::new();
        for r in &world.sheet_rows["Sheet1"] {
            *rows.entry(r[0].as_str().unwrap().to_string()).or_default() += 1;
        }
        assert_eq!(rows.len(), 200, "every execution wrote its row");
        assert!(
            rows.values().all(|n| *n == 1),
            "a row was written twice: {rows:?}"
        );
    }
    let mut reconciled = 0;
    for e in &items {
        let (_, detail) = s
            .call(
                Method::GET,
                &format!("/api/v1/executions/{}", e["id"].as_str().unwrap()),
                None,
            )
            .await;
        reconciled += detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|st| st["output"]["reconciled"] == true)
            .count();
    }
    eprintln!(
        "killed after {posted_before} of 200 posts; all 200 completed, each effect once; \
         {reconciled} step(s) found their effect already done"
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&data);
}
