//! Integrations over HTTP against the vendor-contract servers, on every test database: the
//! OAuth dance (state checked once, PKCE for Google), pasted tokens, single-flight refresh
//! across two nodes, a dead grant marking `needs_reconnect`, and the Slack and Sheets actions'
//! receipts, retries, reconciliation and `unknown` steps.

use crate::helpers::{self, Session, TestApp};
use parley_engine::integrations::Integrations;
use parley_integrations::Provider;
use parley_integrations::testing::{self, Contracts};
use parley_server::config::{Config, Settings};
use parley_store::repo::integrations as repo;
use parley_store::testing::{TestDb, test_stores};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn settings(c: &Contracts) -> Settings {
    Settings {
        public_url: Some("https://chat.example".into()),
        max_body_bytes: Some(64 * 1024),
        webhook_allow_hosts: Some("127.0.0.1".into()),
        slack_client_id: Some(testing::SLACK_CLIENT.0.into()),
        slack_client_secret: Some(testing::SLACK_CLIENT.1.into()),
        hubspot_client_id: Some(testing::HUBSPOT_CLIENT.0.into()),
        hubspot_client_secret: Some(testing::HUBSPOT_CLIENT.1.into()),
        google_client_id: Some(testing::GOOGLE_CLIENT.0.into()),
        google_client_secret: Some(testing::GOOGLE_CLIENT.1.into()),
        slack_base_url: Some(c.slack_base()),
        hubspot_base_url: Some(c.hubspot_base()),
        google_base_url: Some(c.google_base()),
        ..Default::default()
    }
}

fn config(c: &Contracts) -> Config {
    Config::resolve(settings(c), None).unwrap()
}

async fn start(db: &TestDb, c: &Contracts) -> TestApp {
    helpers::start_with_config_and_workflows(db, config(c)).await
}

/// Follows the OAuth dance through the contract server's consent page: the final URL the
/// browser lands on in the dashboard.
async fn connect(owner: &Session, provider: &str) -> reqwest::Url {
    let (status, started) = owner
        .call(
            Method::POST,
            &format!("/api/v1/integrations/{provider}/connect"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let (code, state) = consent(started["authorize_url"].as_str().unwrap()).await;
    callback(owner, provider, &code, &state).await
}

async fn consent(authorize_url: &str) -> (String, String) {
    let page = reqwest::get(authorize_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("id=\"allow\" href=\"").expect("an Allow link") + 17;
    let href = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let url = reqwest::Url::parse(&href).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .unwrap()
            .1
            .to_string()
    };
    (get("code"), get("state"))
}

async fn callback(s: &Session, provider: &str, code: &str, state: &str) -> reqwest::Url {
    let response = s
        .request(
            Method::GET,
            &format!("/api/v1/integrations/{provider}/callback?code={code}&state={state}"),
        )
        .send()
        .await
        .unwrap();
    response.url().clone()
}

fn query(url: &reqwest::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
}

async fn provider(s: &Session, id: &str) -> Value {
    let (status, list) = s.call(Method::GET, "/api/v1/integrations", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == id)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn oauth_connects_once_per_state_and_never_shows_a_token() {
    helpers::install_tls();
    for db in test_stores().await {
        let c = testing::start(0).await;
        let app = start(&db, &c).await;
        let owner = app.owner().await;
        let slack = provider(&owner, "slack").await;
        assert_eq!(slack["state"], "disconnected");
        assert_eq!(
            slack["callback_url"],
            "https://chat.example/api/v1/integrations/slack/callback"
        );

        let (status, started) = owner
            .call(Method::POST, "/api/v1/integrations/slack/connect", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let authorize = started["authorize_url"].as_str().unwrap();
        assert!(!authorize.contains("code_challenge"), "no PKCE for Slack");
        let (code, state) = consent(authorize).await;
        let landed = callback(&owner, "slack", &code, &state).await;
        assert_eq!(
            query(&landed, "connected").as_deref(),
            Some("slack"),
            "{landed}"
        );
        // The same state again is refused (and says so in the dashboard).
        let again = callback(&owner, "slack", &code, &state).await;
        assert!(
            query(&again, "error").unwrap().contains("already used"),
            "{again}"
        );
        let (_, list) = owner.call(Method::GET, "/api/v1/integrations", None).await;
        let text = list.to_string();
        assert!(!text.contains("xoxe"), "no token in {text}");
        let slack = provider(&owner, "slack").await;
        assert_eq!(slack["state"], "connected");
        assert_eq!(slack["method"], "oauth");
        assert_eq!(slack["account"]["name"], "Contract Team");
        assert!(slack["expires_at"].as_i64().unwrap() > 0);
        let stored = repo::get(app.store.db(), workspace(&app).await, "slack")
            .await
            .unwrap()
            .unwrap();
        assert!(!stored.access_token.starts_with("xoxe"), "sealed at rest");

        // Google: PKCE S256 (the contract server refuses a wrong verifier).
        let (_, started) = owner
            .call(Method::POST, "/api/v1/integrations/google/connect", None)
            .await;
        assert!(
            started["authorize_url"]
                .as_str()
                .unwrap()
                .contains("code_challenge_method=S256")
        );
        let landed = connect(&owner, "google").await;
        assert_eq!(query(&landed, "connected").as_deref(), Some("google"));
        let (status, book) = owner
            .call(
                Method::GET,
                &format!(
                    "/api/v1/integrations/google/spreadsheets/{}/sheets",
                    testing::SPREADSHEET_ID
                ),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{book}");
        assert_eq!(book["sheets"][1]["title"], "Prices");
        let (status, tested) = owner
            .call(
                Method::POST,
                "/api/v1/integrations/google/test",
                Some(json!({"spreadsheet_id": testing::SPREADSHEET_ID, "sheet": "Sheet1"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tested}");
        assert_eq!(tested["receipt"]["updatedRange"], "Sheet1!A1:C1");

        // Pickers and a test message in Slack.
        let (_, channels) = owner
            .call(Method::GET, "/api/v1/integrations/slack/channels", None)
            .await;
        assert_eq!(channels["channels"][0]["name"], "general");
        let (status, tested) = owner
            .call(
                Method::POST,
                "/api/v1/integrations/slack/test",
                Some(json!({"channel": "C0GENERAL"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tested}");
        assert_eq!(c.world().slack_messages.len(), 1);

        // Disconnecting revokes at the vendor and forgets the tokens.
        let (status, _) = owner
            .call(Method::DELETE, "/api/v1/integrations/slack", None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(provider(&owner, "slack").await["state"], "disconnected");
        let (status, err) = owner
            .call(Method::GET, "/api/v1/integrations/slack/channels", None)
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert_eq!(err["error"]["code"], "not_connected");
    }
}

async fn workspace(app: &TestApp) -> uuid::Uuid {
    let owner = app.owner().await;
    let (_, me) = owner.call(Method::GET, "/api/v1/auth/me", None).await;
    me["workspace"]["id"]
        .as_str()
        .or(me["workspace_id"].as_str())
        .map(|s| s.parse().unwrap())
        .expect("the session's workspace")
}

#[tokio::test]
async fn pasted_tokens_are_checked_with_the_vendor_first() {
    helpers::install_tls();
    for db in test_stores().await {
        let c = testing::start(0).await;
        let app = start(&db, &c).await;
        let owner = app.owner().await;
        let (status, err) = owner
            .call(
                Method::POST,
                "/api/v1/integrations/slack/token",
                Some(json!({"token": "not-a-bot-token"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        let (status, err) = owner
            .call(
                Method::POST,
                "/api/v1/integrations/slack/token",
                Some(json!({"token": "xoxb-wrong"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["error"]["code"], "integration_rejected");
        let (status, view) = owner
            .call(
                Method::POST,
                "/api/v1/integrations/hubspot/token",
                Some(json!({"token": testing::HUBSPOT_SERVICE_KEY})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["state"], "connected");
        assert_eq!(view["method"], "token");
        let (_, pipelines) = owner
            .call(Method::GET, "/api/v1/integrations/hubspot/pipelines", None)
            .await;
        assert_eq!(
            pipelines["pipelines"][0]["stages"][1]["label"],
            "Qualified to buy"
        );
        // An agent sees the state and cannot change it.
        let (status, _) = owner
            .call(Method::DELETE, "/api/v1/integrations/google", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// Two nodes sharing one database race to refresh an expiring Slack token: the single-use
/// refresh token is used once, and every call on both nodes gets a working token.
#[tokio::test]
async fn concurrent_refreshes_on_two_nodes_use_the_refresh_token_once() {
    helpers::install_tls();
    for db in test_stores().await {
        let c = testing::start(0).await;
        let app = start(&db, &c).await;
        let owner = app.owner().await;
        connect(&owner, "slack").await;
        let ws = workspace(&app).await;
        // The token is about to expire.
        expire_soon(&app).await;
        let before = c.world().refreshes;
        let cfg = config(&c);
        let node = |_: u8| {
            Integrations::new(
                app.store.clone(),
                parley_engine::live::Hub::default(),
                parley_engine::vault::Vault::new(helpers::SIGNING_KEY),
                cfg.integrations.clone(),
            )
        };
        let (a, b) = (node(1), node(2));
        let mut calls = Vec::new();
        for i in 0..8 {
            let n = if i % 2 == 0 { a.clone() } else { b.clone() };
            calls.push(tokio::spawn(async move {
                let n2 = n.clone();
                n.with_token(ws, Provider::Slack, |t| {
                    let n2 = n2.clone();
                    async move { n2.slack.auth_test(&t).await }
                })
                .await
                .map(|acc| acc.id)
            }));
        }
        for call in calls {
            let team = call.await.unwrap().unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(team, "T0CONTRACT");
        }
        assert_eq!(
            c.world().refreshes - before,
            1,
            "one refresh for {} calls",
            8
        );
        let after = repo::get(app.store.db(), ws, "slack")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after.version % 2, 0, "settled");
        assert!(after.expires_at.unwrap() > parley_store::now_ms() + 3_600_000);
    }
}

/// The grant is revoked at the vendor: the next refresh fails for good, the connection
/// needs reconnecting, and workflows get `integration.disconnected`.
#[tokio::test]
async fn a_revoked_grant_needs_reconnecting_and_emits_an_event() {
    helpers::install_tls();
    for db in test_stores().await {
        let c = testing::start(0).await;
        let app = helpers::start_with_config(&db, config(&c)).await;
        let owner = app.owner().await;
        connect(&owner, "slack").await;
        let ws = workspace(&app).await;
        expire_soon(&app).await;
        c.revoke_all();
        let (status, err) = owner
            .call(Method::GET, "/api/v1/integrations/slack/channels", None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        let slack = provider(&owner, "slack").await;
        assert_eq!(slack["state"], "needs_reconnect");
        assert!(
            slack["last_error"]
                .as_str()
                .unwrap()
                .contains("invalid_refresh_token")
        );
        let events = parley_store::repo::outbox::pending(app.store.db(), 100)
            .await
            .unwrap();
        let disconnected: Vec<_> = events
            .iter()
            .filter(|e| e.event_type == "integration.disconnected" && e.workspace_id == ws)
            .collect();
        assert_eq!(disconnected.len(), 1);
        assert_eq!(disconnected[0].payload["provider"], "slack");
        // Reconnecting heals it.
        connect(&owner, "slack").await;
        assert_eq!(provider(&owner, "slack").await["state"], "connected");
    }
}

/// Every connection's access token expires in a second (so the next call refreshes).
async fn expire_soon(app: &TestApp) {
    use parley_store::ConnectionTrait;
    let writer = app.store.writer().await.unwrap();
    writer
        .execute_unprepared(&format!(
            "UPDATE integration_connections SET expires_at = {}",
            parley_store::now_ms() + 1000
        ))
        .await
        .unwrap();
}

fn node(id: &str, kind: &str, data: Value) -> Value {
    json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data})
}

fn edge(source: &str, target: &str) -> Value {
    json!({"id": format!("{source}-{target}"), "source": source, "target": target})
}

/// trigger → each action in turn → end.
fn chain(event: &str, actions: &[(&str, Value)]) -> Value {
    let mut nodes = vec![node("t", "trigger", json!({"event": event}))];
    let mut edges = Vec::new();
    let mut prev = "t".to_string();
    for (id, action) in actions {
        nodes.push(node(id, "action", action.clone()));
        edges.push(edge(&prev, id));
        prev = id.to_string();
    }
    nodes.push(node("end", "end", json!({})));
    edges.push(edge(&prev, "end"));
    json!({"nodes": nodes, "edges": edges})
}

async fn activate(s: &Session, graph: Value) -> String {
    let (status, wf) = s
        .call(
            Method::POST,
            "/api/v1/workflows",
            Some(json!({"name": "Integrations", "graph": graph})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wf}");
    let id = wf["id"].as_str().unwrap().to_string();
    activate_existing(s, &id).await;
    id
}

async fn activate_existing(s: &Session, id: &str) {
    let (status, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/workflows/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn fire(s: &Session, name: &str, payload: Value) {
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/events",
            Some(json!({"name": name, "payload": payload})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// Waits for the workflow's latest execution to reach `status`; returns its detail.
async fn settled(s: &Session, workflow: &str, count: usize, status: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, list) = s
            .call(
                Method::GET,
                &format!("/api/v1/workflows/{workflow}/executions?limit=200"),
                None,
            )
            .await;
        let items = list["items"].as_array().cloned().unwrap_or_default();
        if items.len() == count && items.iter().all(|e| e["status"] == status) {
            let mut details = Vec::new();
            for e in items {
                let (_, d) = s
                    .call(
                        Method::GET,
                        &format!("/api/v1/executions/{}", e["id"].as_str().unwrap()),
                        None,
                    )
                    .await;
                details.push(d);
            }
            return details;
        }
        assert!(
            Instant::now() < deadline,
            "executions never all {status}: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn step<'a>(detail: &'a Value, node: &str) -> &'a Value {
    detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|s| s["node_id"] == node)
        .unwrap_or_else(|| panic!("no step {node} in {detail}"))
}

#[tokio::test]
async fn slack_and_sheets_actions_record_receipts_and_never_repeat_an_effect() {
    helpers::install_tls();
    for db in test_stores().await {
        let c = testing::start(0).await;
        let app = start(&db, &c).await;
        let owner = app.owner().await;
        connect(&owner, "slack").await;
        connect(&owner, "google").await;
        let graph = chain(
            "external:lead",
            &[
                (
                    "post",
                    json!({"action": "slack_message", "params": {
                    "channel": "#sales", "text": "New lead {{event.payload.email}}", "style": "qualified_lead"}}),
                ),
                (
                    "row",
                    json!({"action": "sheets_append_row", "params": {
                    "spreadsheet_id": testing::SPREADSHEET_ID, "sheet": "Sheet1",
                    "values": "[\"{{event.payload.email}}\", \"=1+1\"]"}}),
                ),
            ],
        );
        let wf = activate(&owner, graph).await;

        // 1. Success: receipts in the step outputs.
        fire(&owner, "lead", json!({"email": "ann@example.com"})).await;
        let done = settled(&owner, &wf, 1, "completed").await;
        let post = step(&done[0], "post");
        assert_eq!(post["output"]["channel"], "C0SALES");
        assert!(
            post["output"]["ts"]
                .as_str()
                .unwrap()
                .starts_with("1765000000.")
        );
        let row = step(&done[0], "row");
        assert_eq!(row["output"]["updatedRange"], "Sheet1!A1:C1");

        // 2. A 429 with Retry-After, then an answer lost after the post landed, then a
        //    500 after the row landed: retried or reconciled, each effect exactly once.
        c.fail("slack.chat.postMessage", "ratelimit", 1);
        c.fail("slack.chat.postMessage", "internal_error_after_apply", 1);
        c.fail("sheets.append", "status_500_after_apply", 1);
        fire(&owner, "lead", json!({"email": "bo@example.com"})).await;
        let done = settled(&owner, &wf, 2, "completed").await;
        let latest = &done[0];
        assert_eq!(
            step(latest, "post")["output"]["reconciled"],
            true,
            "{latest}"
        );
        assert_eq!(
            step(latest, "row")["output"]["reconciled"],
            true,
            "{latest}"
        );
        {
            let world = c.world();
            let bo_posts = world
                .slack_messages
                .iter()
                .filter(|m| m["text"] == "New lead bo@example.com")
                .count();
            assert_eq!(bo_posts, 1);
            let rows = &world.sheet_rows["Sheet1"];
            assert_eq!(rows.iter().filter(|r| r[0] == "bo@example.com").count(), 1);
            assert_eq!(rows.last().unwrap()[1], "=1+1", "RAW: text, not a formula");
        }

        // 3. A definite failure (an archived channel) fails the step without retrying.
        let wf2 = activate(
            &owner,
            chain(
                "external:old",
                &[(
                    "post",
                    json!({"action": "slack_message", "params": {"channel": "C0OLD", "text": "x"}}),
                )],
            ),
        )
        .await;
        fire(&owner, "old", json!({})).await;
        let failed = settled(&owner, &wf2, 1, "failed").await;
        let post = step(&failed[0], "post");
        assert_eq!(post["status"], "failed");
        assert_eq!(post["attempt"], 1);
        assert!(
            post["error"].as_str().unwrap().contains("archived"),
            "{post}"
        );

        // 4. Unknown: the post's answer is lost and the history may not be read. The step
        //    waits for a person, who marks it done; the execution then completes.
        c.fail("slack.chat.postMessage", "internal_error_after_apply", 1);
        c.fail("slack.conversations.history", "rejected", 1);
        let wf3 = activate(
            &owner,
            chain("external:unknown", &[("post", json!({"action": "slack_message", "params": {"channel": "C0GENERAL", "text": "maybe"}}))]),
        )
        .await;
        fire(&owner, "unknown", json!({})).await;
        let parked = settled(&owner, &wf3, 1, "failed").await;
        assert_eq!(
            step(&parked[0], "post")["status"],
            "unknown",
            "{}",
            parked[0]
        );
        let id = parked[0]["execution"]["id"].as_str().unwrap();
        let (status, resolved) = owner
            .call(
                Method::POST,
                &format!("/api/v1/executions/{id}/resolve"),
                Some(json!({"action": "done"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        let done = settled(&owner, &wf3, 1, "completed").await;
        assert_eq!(step(&done[0], "post")["status"], "done");
        assert_eq!(
            c.world()
                .slack_messages
                .iter()
                .filter(|m| m["text"] == "maybe")
                .count(),
            1
        );
    }
}

/// Seed 10.2: a qualified lead reaches HubSpot once (contact and deal), gets an owner and
/// a priority, #sales hears about it, and the conversation carries a note with the links.
#[tokio::test]
async fn a_qualified_lead_lands_in_the_crm_once_with_an_owner_and_a_note() {
    helpers::install_tls();
    for db in test_stores().await {
        let c = testing::start(0).await;
        let app = start(&db, &c).await;
        let owner = app.owner().await;
        for (p, token) in [
            ("hubspot", testing::HUBSPOT_SERVICE_KEY),
            ("slack", testing::SLACK_BOT_TOKEN),
        ] {
            let (status, view) = owner
                .call(
                    Method::POST,
                    &format!("/api/v1/integrations/{p}/token"),
                    Some(json!({"token": token})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{view}");
        }
        let (status, wf) = owner
            .call(
                Method::POST,
                "/api/v1/workflow-templates/lead-prioritization/import",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{wf}");
        assert_eq!(wf["missing_integrations"], json!([]), "{wf}");
        let id = wf["id"].as_str().unwrap().to_string();
        activate_existing(&owner, &id).await;

        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let mut widget = helpers::Widget::of(&app, &bots["items"][0]);
        let conv = widget.start().await;
        for text in [
            "We need 500 units for a team of 40 by next month, budget $20k. I'm Ada at ada@acme-outdoors.com",
            "Also please send a quote for the 500 units soon",
        ] {
            let (status, sent) = widget
                .call(
                    Method::POST,
                    &format!("/widget/v1/conversations/{conv}/messages"),
                    Some(json!({"text": text})),
                )
                .await;
            assert!(status.is_success(), "{sent}");
        }
        let done = settled(&owner, &id, 1, "completed").await;
        let run = &done[0];
        let contact = step(run, "crm_contact");
        assert_eq!(contact["output"]["email"], "ada@acme-outdoors.com", "{run}");
        assert!(
            contact["output"]["url"]
                .as_str()
                .unwrap()
                .contains("/record/0-1/")
        );
        assert_eq!(
            step(run, "deal")["output"]["properties"]["hs_priority"],
            "high"
        );
        assert_eq!(step(run, "tell_sales")["output"]["channel"], "C0SALES");
        {
            let world = c.world();
            assert_eq!(world.contacts.len(), 1, "{:?}", world.contacts);
            assert_eq!(world.deals.len(), 1);
            assert_eq!(world.associations.len(), 1);
            let told = world
                .slack_messages
                .iter()
                .filter(|m| m["channel"] == "C0SALES")
                .count();
            assert_eq!(told, 1);
        }
        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        assert_eq!(
            detail["conversation"]["assignee"]["name"], "Owner",
            "an owner was assigned"
        );
        let notes = detail["notes"].as_array().unwrap();
        assert!(
            notes.iter().any(|n| n["text"]
                .as_str()
                .unwrap_or("")
                .contains("app.hubspot.com/contacts/4242/record/0-3/")),
            "{notes:?}"
        );
    }
}
