//! The agent inbox over HTTP, on every test database: lists, transcripts, notes, tags,
//! status, handoff, agent replies and live events.

use crate::helpers;

use futures::StreamExt;
use helpers::start;
use parley_store::repo::outbox;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn widget(
    app: &helpers::TestApp,
    key: &str,
    path: &str,
    session: Option<&str>,
    body: Value,
) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("x-parley-bot", key)
        .json(&body);
    if let Some(s) = session {
        req = req.header("x-parley-session", s);
    }
    req.send().await.unwrap().json().await.unwrap()
}

/// The data of the next `kind` event on an SSE stream (events of other kinds skipped).
async fn next_event<B: AsRef<[u8]>>(
    live: &mut (impl futures::Stream<Item = reqwest::Result<B>> + Unpin),
    kind: &str,
) -> Value {
    let mut buffer = String::new();
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if event.lines().any(|l| l == format!("event: {kind}")) {
                let data = event.lines().find_map(|l| l.strip_prefix("data: "));
                return serde_json::from_str(data.expect("data")).expect("JSON");
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), live.next())
            .await
            .unwrap_or_else(|_| panic!("a {kind} event"))
            .expect("the stream goes on")
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(chunk.as_ref()));
    }
}

#[tokio::test]
async fn agents_work_conversations_and_see_them_live() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let bot = &bots["items"][0];
        let key = bot["public_key"].as_str().unwrap();

        // A live subscription before anything happens.
        let stream = owner
            .request(Method::GET, "/api/v1/stream")
            .send()
            .await
            .unwrap();
        assert_eq!(stream.headers()["content-type"], "text/event-stream");
        let mut live = stream.bytes_stream();

        let started = widget(&app, key, "/widget/v1/conversations", None, json!({})).await;
        let session = started["session_token"].as_str().unwrap().to_string();
        let conv = started["conversation"]["id"].as_str().unwrap().to_string();
        widget(
            &app,
            key,
            &format!("/widget/v1/conversations/{conv}/messages"),
            Some(&session),
            json!({"text": "My tent pole snapped"}),
        )
        .await;

        let mut seen = String::new();
        while !seen.contains("My tent pole snapped") {
            let chunk = tokio::time::timeout(Duration::from_secs(10), live.next())
                .await
                .expect("a live event")
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(
            seen.contains("event: message.created"),
            "{}: {seen}",
            db.name
        );

        let (status, list) = owner
            .call(
                Method::GET,
                "/api/v1/conversations?q=tent%20pole&status=open",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            1,
            "{}: {list}",
            db.name
        );
        assert_eq!(list["items"][0]["id"], conv);
        assert!(list["items"][0]["visitor_email"].is_null());
        let (status, _) = owner
            .call(Method::GET, "/api/v1/conversations?status=closed", None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let path = format!("/api/v1/conversations/{conv}");
        let (status, body) = owner
            .call(
                Method::POST,
                &format!("{path}/messages"),
                Some(json!({"text": "hi"})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("not_taken_over"))
        );

        let (_, taken) = owner
            .call(
                Method::POST,
                &format!("{path}/handoff"),
                Some(json!({"action": "take"})),
            )
            .await;
        assert_eq!(taken["human_handoff"], true);
        // The bot stays quiet while an agent has the conversation.
        let sent = widget(
            &app,
            key,
            &format!("/widget/v1/conversations/{conv}/messages"),
            Some(&session),
            json!({"text": "Hello?"}),
        )
        .await;
        assert!(sent["reply"].is_null(), "{}: {sent}", db.name);
        let (status, reply) = owner
            .call(
                Method::POST,
                &format!("{path}/messages"),
                Some(json!({"text": "Sorry! A new pole ships today."})),
            )
            .await;
        assert_eq!(
            (status, reply["role"].as_str()),
            (StatusCode::CREATED, Some("agent"))
        );

        let (status, note) = owner
            .call(
                Method::POST,
                &format!("{path}/notes"),
                Some(json!({"text": "Warranty case"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{note}");
        // The visitor's own live stream, opened before the agent tags and resolves.
        let mut visitor_live = reqwest::Client::new()
            .get(format!(
                "{}/widget/v1/conversations/{conv}/stream",
                app.base
            ))
            .header("x-parley-bot", key)
            .header("x-parley-session", &session)
            .send()
            .await
            .unwrap()
            .bytes_stream();
        let (_, updated) = owner
            .call(
                Method::PATCH,
                &path,
                Some(json!({"tags": ["Warranty", "warranty", " "], "status": "resolved"})),
            )
            .await;
        assert_eq!(updated["tags"], json!(["warranty"]));
        assert_eq!(updated["status"], "resolved");
        // Other agents see the change live, tags included; the visitor sees the status only.
        let mut staff = next_event(&mut live, "conversation.updated").await;
        while staff["status"] != "resolved" {
            // the handoff's update came first
            staff = next_event(&mut live, "conversation.updated").await;
        }
        assert_eq!(staff["tags"], json!(["warranty"]), "{}", db.name);
        let visitor = next_event(&mut visitor_live, "conversation.updated").await;
        assert_eq!(
            visitor,
            json!({"conversation_id": conv, "status": "resolved", "human_handoff": false}),
            "{}",
            db.name
        );
        let events = outbox::pending(app.store.db(), 100).await.unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.event_type == "conversation.resolved"),
            "{}",
            db.name
        );

        let (_, detail) = owner.call(Method::GET, &path, None).await;
        let roles: Vec<&str> = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(
            roles,
            // The last notice asks the visitor to rate the resolved conversation.
            ["visitor", "bot", "system", "visitor", "agent", "system"],
            "{}",
            db.name
        );
        assert_eq!(detail["notes"][0]["text"], "Warranty case");

        // The visitor sees the agent's reply.
        let transcript: Value = reqwest::Client::new()
            .get(format!("{}/widget/v1/conversations/{conv}", app.base))
            .header("x-parley-bot", key)
            .header("x-parley-session", &session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            transcript["messages"][4]["text"],
            "Sorry! A new pole ships today."
        );

        let (_, back) = owner
            .call(
                Method::POST,
                &format!("{path}/handoff"),
                Some(json!({"action": "release"})),
            )
            .await;
        assert_eq!(back["human_handoff"], false);

        // Another workspace cannot see it.
        let other = app.owner_of_another_workspace().await;
        assert_eq!(
            other.call(Method::GET, &path, None).await.0,
            StatusCode::NOT_FOUND
        );
        let (_, list) = other.call(Method::GET, "/api/v1/conversations", None).await;
        assert!(list["items"].as_array().unwrap().is_empty(), "{}", db.name);
    }
}

#[tokio::test]
async fn every_visitor_message_is_scored_and_triggers_fire_once() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let key = bots["items"][0]["public_key"].as_str().unwrap();
        let started = widget(&app, key, "/widget/v1/conversations", None, json!({})).await;
        let session = started["session_token"].as_str().unwrap().to_string();
        let conv = started["conversation"]["id"].as_str().unwrap().to_string();
        let send = |text: &'static str| {
            let (session, conv) = (session.clone(), conv.clone());
            let app = &app;
            async move {
                widget(
                    app,
                    key,
                    &format!("/widget/v1/conversations/{conv}/messages"),
                    Some(&session),
                    json!({"text": text}),
                )
                .await
            }
        };
        send("This is the third time I ask and still no refund. Worst service ever!").await;
        send("Still waiting, this is ridiculous.").await;
        send("We need 500 units for a team of 40 by next month, budget $20k. I'm Ada at ada@acme-outdoors.com").await;
        send("Also please send a quote for the 500 units soon").await;

        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        let first = &detail["messages"][0];
        assert_eq!(
            first["insight"]["sentiment"]["label"], "negative",
            "{}: {first}",
            db.name
        );
        let intents: Vec<&str> = first["insight"]["intents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["intent"].as_str().unwrap())
            .collect();
        assert!(intents.contains(&"refund"), "{intents:?}");
        assert!(
            detail["messages"][1]["insight"].is_null(),
            "bot replies are not scored"
        );
        let lead = &detail["insight"]["lead"];
        assert!(lead["score"].as_u64().unwrap() >= 60, "{}: {lead}", db.name);
        assert_eq!(lead["fields"]["email"], "ada@acme-outdoors.com");
        let sum: i64 = lead["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["points"].as_i64().unwrap())
            .sum();
        assert_eq!(
            sum,
            lead["score"].as_i64().unwrap(),
            "every point is attributed"
        );

        let events = outbox::pending(app.store.db(), 1000).await.unwrap();
        let count = |kind: &str| {
            events
                .iter()
                .filter(|e| e.event_type == kind && e.payload["conversation_id"] == conv.as_str())
                .count()
        };
        assert_eq!(count("message.received"), 4);
        assert_eq!(
            count("sentiment.negative"),
            1,
            "{}: once per episode",
            db.name
        );
        assert_eq!(
            count("lead.qualified"),
            1,
            "{}: once per conversation",
            db.name
        );
        assert!(count("intent.detected") >= 2);
        let (_, list) = owner.call(Method::GET, "/api/v1/conversations", None).await;
        assert!(list["items"][0]["lead_score"].as_u64().unwrap() >= 60);
        assert!(list["items"][0]["sentiment"].as_f64().unwrap() < 0.0);
    }
}

#[tokio::test]
async fn a_transcript_downloads_as_json_and_as_csv() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let mut w = helpers::Widget::of(&app, &bots["items"][0]);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let text = "=HYPERLINK(\"x\"), what does the tent cost?";
        let (status, body) = w
            .call(Method::POST, &path, Some(json!({"text": text})))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let base = format!("/api/v1/conversations/{conv}/transcript");
        let (status, t) = owner.call(Method::GET, &base, None).await;
        assert_eq!(status, StatusCode::OK, "{}: {t}", db.name);
        let lines = t["lines"].as_array().unwrap();
        assert_eq!(lines[0]["role"], "visitor");
        assert_eq!(lines[0]["text"], text);
        assert_eq!(lines[1]["role"], "bot", "{t}");

        let csv = owner
            .request(Method::GET, &format!("{base}?format=csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        let disposition = csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.contains(&format!("conversation-{conv}.csv")),
            "{disposition}"
        );
        let csv = csv.text().await.unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows[0], "at,role,author,text");
        // The formula is defused and the quotes and comma kept inside one cell.
        assert!(
            rows[1]
                .ends_with(",visitor,visitor,\"'=HYPERLINK(\"\"x\"\"), what does the tent cost?\""),
            "{csv}"
        );

        let (status, bad) = owner
            .call(Method::GET, &format!("{base}?format=pdf"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        let missing = format!("/api/v1/conversations/{}/transcript", uuid::Uuid::now_v7());
        let (status, _) = owner.call(Method::GET, &missing, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
