//! Knowledge and the widget chat path end to end over HTTP, on every test database.

use crate::helpers;

use helpers::{Widget, start};
use parley_domain::identity::user_hash;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// Waits (bounded) until every document of the bot is ingested or failed.
async fn wait_ingested(owner: &helpers::Session, bot: &str) -> Value {
    for _ in 0..200 {
        let (_, list) = owner
            .call(Method::GET, &format!("/api/v1/bots/{bot}/documents"), None)
            .await;
        let p = &list["progress"];
        if p["documents_total"].as_u64() > Some(0)
            && p["documents_done"].as_u64().unwrap() + p["documents_failed"].as_u64().unwrap()
                == p["documents_total"].as_u64().unwrap()
        {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("ingestion did not finish");
}

/// A bot for `https://shop.example` and an upload of five files: Markdown, HTML with a
/// script, a program, a damaged PDF and text with stray NULs. Returns the owner's session,
/// the bot and the upload's answer.
async fn shop_with_uploads(app: &helpers::TestApp) -> (helpers::Session, Value, reqwest::Response) {
    let owner = app.owner().await;
    let (_, bot) = owner
        .call(
            Method::POST,
            "/api/v1/bots",
            Some(json!({"name": "Shop", "allowed_origins": ["https://shop.example"]})),
        )
        .await;
    let bot_id = bot["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("source_url", "https://shop.example/policies")
        .part("files", reqwest::multipart::Part::bytes(b"# Returns\n\nYou can return unworn boots within 60 days for a full refund.\n\n# Shipping\n\nStandard shipping takes 3 to 5 business days.".to_vec()).file_name("policies.md"))
        .part("files", reqwest::multipart::Part::bytes(b"<html><body><h1>Warranty</h1><p>Tents carry a lifetime warranty.</p><script>evil()</script></body></html>".to_vec()).file_name("warranty.html"))
        .part("files", reqwest::multipart::Part::bytes(b"\x7fELF\x02\x01".to_vec()).file_name("program.exe"))
        .part("files", reqwest::multipart::Part::bytes(b"%PDF-1.4 broken".to_vec()).file_name("broken.pdf"))
        // A stray NUL (which PostgreSQL refuses in text) does not fail the document.
        .part("files", reqwest::multipart::Part::bytes(b"# Stakes\0\n\nSteel\0stakes come with every tent.".to_vec()).file_name("stakes.txt"));
    let response = owner
        .request(Method::POST, &format!("/api/v1/bots/{bot_id}/documents"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (owner, bot, response)
}

/// The shop's widget, from its allowed origin.
fn shop_widget(app: &helpers::TestApp, bot: &Value) -> Widget {
    Widget {
        client: reqwest::Client::new(),
        base: app.base.clone(),
        key: bot["public_key"].as_str().unwrap().into(),
        origin: Some("https://shop.example".into()),
        session: None,
    }
}

#[tokio::test]
async fn uploads_are_checked_ingested_with_clear_failures_and_searchable() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot, response) = shop_with_uploads(&app).await;
        let bot_id = bot["id"].as_str().unwrap().to_string();
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{}", db.name);
        let upload: Value = response.json().await.unwrap();
        let items = upload["items"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        assert!(items[0]["document"]["id"].is_string() && items[1]["error"].is_null());
        assert!(
            items[2]["error"].as_str().unwrap().contains("unsupported"),
            "{upload}"
        );
        assert!(
            items[3]["document"].is_object(),
            "a PDF by its signature is accepted, then fails in ingestion"
        );

        let list = wait_ingested(&owner, &bot_id).await;
        let docs = list["items"].as_array().unwrap();
        let broken = docs.iter().find(|d| d["name"] == "broken.pdf").unwrap();
        assert_eq!(broken["status"], "failed", "{}", db.name);
        assert!(
            broken["error"].as_str().unwrap().contains("damaged"),
            "{broken}"
        );
        let md = docs.iter().find(|d| d["name"] == "policies.md").unwrap();
        assert_eq!(
            (md["status"].as_str(), md["chunk_count"].as_i64()),
            (Some("ready"), Some(2))
        );
        let stakes = docs.iter().find(|d| d["name"] == "stakes.txt").unwrap();
        assert_eq!(stakes["status"], "ready", "{}: {stakes}", db.name);
        assert_eq!(list["progress"]["documents_failed"], 1);

        let (status, found) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/search"),
                Some(json!({"query": "how long does shipping take"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            found["passages"][0]["heading"], "Shipping",
            "{}: {found}",
            db.name
        );
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/search"),
                Some(json!({"query": " "})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn the_widget_answers_from_knowledge_and_faqs_with_citations_as_json_and_sse() {
    for db in test_stores().await {
        let app = start(&db).await;
        let (owner, bot, response) = shop_with_uploads(&app).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{}", db.name);
        let bot_id = bot["id"].as_str().unwrap().to_string();
        wait_ingested(&owner, &bot_id).await;
        let (_, faq) = owner.call(Method::POST, &format!("/api/v1/bots/{bot_id}/faqs"), Some(json!({"question": "Do you ship to Canada?", "answer": "Yes, in 7 to 14 business days."}))).await;
        assert!(faq["id"].is_string(), "{faq}");

        // The widget, from an allowed origin.
        let mut w = shop_widget(&app, &bot);
        let (status, config) = w.call(Method::GET, "/widget/v1/config", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(config["faqs"][0]["question"], "Do you ship to Canada?");
        let (status, started) = w
            .call(Method::POST, "/widget/v1/conversations", Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        w.session = Some(started["session_token"].as_str().unwrap().to_string());
        let conv = started["conversation"]["id"].as_str().unwrap().to_string();

        let path = format!("/widget/v1/conversations/{conv}/messages");
        let (status, sent) = w
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "Can I return unworn boots?"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        let reply = &sent["reply"];
        assert!(
            reply["text"].as_str().unwrap().contains("within 60 days"),
            "{}: {reply}",
            db.name
        );
        assert_eq!(reply["citations"][0]["kind"], "passage");
        assert_eq!(reply["citations"][0]["title"], "policies.md");
        // The document came with its address: the citation links there.
        assert_eq!(
            reply["citations"][0]["url"],
            "https://shop.example/policies"
        );

        let (_, sent) = w
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "do you ship to canada"})),
            )
            .await;
        assert_eq!(
            sent["reply"]["text"], "Yes, in 7 to 14 business days.",
            "FAQ answers first"
        );
        let (_, sent) = w
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "Do you sell kayaks?"})),
            )
            .await;
        assert_eq!(
            sent["reply"]["text"], bot["behaviour"]["fallback_message"],
            "says plainly when it does not know"
        );

        // Streamed: SSE events, then the stored message.
        let r = w
            .client
            .post(format!("{}{path}", app.base))
            .header("x-parley-bot", &w.key)
            .header("origin", "https://shop.example")
            .header("x-parley-session", w.session.as_deref().unwrap())
            .header("accept", "text/event-stream")
            .json(&json!({"text": "Is there a warranty on tents?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        let body = r.text().await.unwrap();
        let events: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .collect();
        assert_eq!(events.first(), Some(&"message"));
        assert!(events.contains(&"token"));
        assert_eq!(events.last(), Some(&"done"), "{body}");
        assert!(body.contains("lifetime warranty") && !body.contains("evil"));

        let (_, detail) = w
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv}"),
                None,
            )
            .await;
        assert_eq!(
            detail["messages"].as_array().unwrap().len(),
            8,
            "{}: every message stored",
            db.name
        );
    }
}

#[tokio::test]
async fn the_widget_refuses_blank_or_long_messages_other_origins_and_wrong_keys() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (_, bot) = owner
            .call(
                Method::POST,
                "/api/v1/bots",
                Some(json!({"name": "Shop", "allowed_origins": ["https://shop.example"]})),
            )
            .await;
        let mut w = shop_widget(&app, &bot);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let (status, _) = w
            .call(Method::POST, &path, Some(json!({"text": "   "})))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = w
            .call(Method::POST, &path, Some(json!({"text": "x".repeat(5000)})))
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let other_origin = Widget {
            origin: Some("https://evil.example".into()),
            ..Widget {
                client: w.client.clone(),
                base: w.base.clone(),
                key: w.key.clone(),
                origin: None,
                session: w.session.clone(),
            }
        };
        assert_eq!(
            other_origin
                .call(Method::GET, "/widget/v1/config", None)
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let wrong_key = Widget {
            key: "pk_nope".into(),
            client: w.client.clone(),
            base: w.base.clone(),
            origin: w.origin.clone(),
            session: None,
        };
        assert_eq!(
            wrong_key
                .call(Method::GET, "/widget/v1/config", None)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
}

/// Rotating a bot's identity secret revokes its visitors' session tokens: a browser that
/// kept one is a stranger afterwards (and starts over as a new visitor).
#[tokio::test]
async fn rotating_the_identity_secret_revokes_visitor_tokens() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Rotated").await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let path = format!("/widget/v1/conversations/{conv}");
        let (status, _) = widget.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{}", db.name);
        let bot_path = format!("/api/v1/bots/{}/rotate", bot["id"].as_str().unwrap());
        let rotate = json!({"key": "identity_secret"});
        let (status, _) = owner.call(Method::POST, &bot_path, Some(rotate)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, refused) = widget.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {refused}", db.name);
        assert_eq!(refused["error"]["code"], "invalid_session");
        let again = widget.start().await;
        assert_ne!(again, conv, "a new visitor starts a new conversation");
    }
}

#[tokio::test]
async fn history_needs_proof_of_identity() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let secret = bot["identity_secret"].as_str().unwrap();
        let new_widget = || Widget {
            client: reqwest::Client::new(),
            base: app.base.clone(),
            key: bot["public_key"].as_str().unwrap().into(),
            origin: None,
            session: None,
        };

        // Ada, vouched for by the host's backend, on her laptop.
        let mut laptop = new_widget();
        let hash = user_hash(secret, "ada@example.com");
        let (_, started) = laptop
            .call(
                Method::POST,
                "/widget/v1/conversations",
                Some(json!({"email": "Ada@Example.com", "user_hash": hash})),
            )
            .await;
        assert_eq!(started["email_verified"], true, "{}: {started}", db.name);
        laptop.session = started["session_token"].as_str().map(str::to_string);
        let conv = started["conversation"]["id"].as_str().unwrap().to_string();
        laptop
            .call(
                Method::POST,
                &format!("/widget/v1/conversations/{conv}/messages"),
                Some(json!({"text": "hello from the laptop"})),
            )
            .await;

        // Her phone, same proof: the same history, resumable.
        let mut phone = new_widget();
        let (_, started) = phone
            .call(
                Method::POST,
                "/widget/v1/conversations",
                Some(json!({"email": "ada@example.com", "user_hash": hash})),
            )
            .await;
        phone.session = started["session_token"].as_str().map(str::to_string);
        let (status, history) = phone
            .call(Method::GET, "/widget/v1/conversations?q=laptop", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            history["items"].as_array().unwrap().len(),
            1,
            "{}: {history}",
            db.name
        );
        assert_eq!(history["items"][0]["id"], conv);
        let (status, resumed) = phone
            .call(
                Method::POST,
                "/widget/v1/conversations",
                Some(json!({"conversation_id": conv})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(resumed["messages"][0]["text"], "hello from the laptop");

        // Someone typing Ada's email without the hash gets a fresh, empty identity.
        let mut eve = new_widget();
        let (_, started) = eve
            .call(
                Method::POST,
                "/widget/v1/conversations",
                Some(json!({"email": "ada@example.com", "user_hash": "00"})),
            )
            .await;
        assert_eq!(started["email_verified"], false);
        eve.session = started["session_token"].as_str().map(str::to_string);
        let (_, history) = eve
            .call(Method::GET, "/widget/v1/conversations", None)
            .await;
        assert_eq!(
            history["items"].as_array().unwrap().len(),
            1,
            "only the conversation just started"
        );
        assert_ne!(history["items"][0]["id"], conv);
        assert_eq!(
            eve.call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv}"),
                None
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            eve.call(
                Method::POST,
                "/widget/v1/conversations",
                Some(json!({"conversation_id": conv}))
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );

        // No token at all, or a forged one: 403.
        assert_eq!(
            new_widget()
                .call(Method::GET, "/widget/v1/conversations", None)
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let forged = Widget {
            session: Some("eyJ2IjoiMSJ9.AAAA".into()),
            ..new_widget()
        };
        assert_eq!(
            forged
                .call(Method::GET, "/widget/v1/conversations", None)
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (status, _) = phone
            .call(Method::GET, "/widget/v1/conversations?from=yesterday", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

/// The stored model key goes only to the base URL it was given for: moving the URL without
/// the key again is refused (it would send the key to a host of the caller's choosing),
/// while other changes keep it.
#[tokio::test]
async fn a_new_model_base_url_needs_the_key_again() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Keyed").await;
        let path = format!("/api/v1/bots/{}/model", bot["id"].as_str().unwrap());
        let model = |base: &str, key: Option<&str>| {
            let mut m = json!({"base_url": base, "model": "gpt-test", "temperature": 0.2,
                "max_tokens": 256, "context_tokens": 4096});
            if let Some(key) = key {
                m["api_key"] = json!(key);
            }
            m
        };
        let put = |body: Value| owner.call(Method::PUT, &path, Some(body));
        let (status, _) = put(model("https://models.example/v1", Some("sk-secret"))).await;
        assert_eq!(status, StatusCode::OK, "{}", db.name);
        let (status, moved) = put(model("https://attacker.example/v1", None)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {moved}",
            db.name
        );
        assert!(moved["error"]["fields"]["api_key"].is_string(), "{moved}");
        let (status, same) = put(model("https://models.example/v1/", None)).await;
        assert_eq!(status, StatusCode::OK, "{}: {same}", db.name);
        assert_eq!(same["model"]["has_api_key"], true, "the key is kept");
        let (status, rekeyed) = put(model("https://other.example/v1", Some("sk-other"))).await;
        assert_eq!(status, StatusCode::OK, "{}: {rekeyed}", db.name);
        assert_eq!(rekeyed["model"]["has_api_key"], true);
    }
}

#[tokio::test]
async fn a_configured_model_answers_with_knowledge_and_memory_and_fails_gracefully() {
    let mock = parley_ai::testing::start().await;
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Modelled").await;
        let bot_id = bot["id"].as_str().unwrap().to_string();
        let form = reqwest::multipart::Form::new().part(
            "files",
            reqwest::multipart::Part::bytes(
                b"# Sizing\n\nHiking boots run true to size; between sizes, choose the larger."
                    .to_vec(),
            )
            .file_name("sizing.md"),
        );
        owner
            .request(Method::POST, &format!("/api/v1/bots/{bot_id}/documents"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        wait_ingested(&owner, &bot_id).await;

        let settings = json!({"base_url": mock.base_url, "model": "gpt-test", "temperature": 0.2, "max_tokens": 256, "context_tokens": 4096});
        let mut with_key = settings.clone();
        with_key["api_key"] = json!(mock.api_key);
        let (status, updated) = owner
            .call(
                Method::PUT,
                &format!("/api/v1/bots/{bot_id}/model"),
                Some(with_key),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {updated}", db.name);
        assert_eq!(updated["model"]["model"], "gpt-test");
        assert_eq!(updated["model"]["has_api_key"], true);
        assert!(
            !updated.to_string().contains(&mock.api_key),
            "the key is never shown"
        );
        let raw = parley_store::repo::bots::find_by_public_key(
            app.store.db(),
            bot["public_key"].as_str().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(
            !raw.model_api_key.unwrap().contains("sk-test"),
            "{}: the key is sealed at rest",
            db.name
        );
        let (status, bad) = owner.call(Method::PUT, &format!("/api/v1/bots/{bot_id}/model"), Some(json!({"base_url": "ftp://x", "model": "", "temperature": 5, "max_tokens": 0, "context_tokens": 10}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            bad["error"]["fields"].as_object().unwrap().len(),
            5,
            "{bad}"
        );

        let w = Widget {
            client: reqwest::Client::new(),
            base: app.base.clone(),
            key: bot["public_key"].as_str().unwrap().into(),
            origin: None,
            session: None,
        };
        let (_, started) = w
            .call(Method::POST, "/widget/v1/conversations", Some(json!({})))
            .await;
        let w = Widget {
            session: started["session_token"].as_str().map(str::to_string),
            ..w
        };
        let path = format!(
            "/widget/v1/conversations/{}/messages",
            started["conversation"]["id"].as_str().unwrap()
        );
        let (_, first) = w
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "My name is Ada."})),
            )
            .await;
        assert_eq!(first["reply"]["text"], "You asked: My name is Ada.");
        let (_, sent) = w
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "What size hiking boots should I buy?"})),
            )
            .await;
        assert_eq!(
            sent["reply"]["text"], "You asked: What size hiking boots should I buy?",
            "{}",
            db.name
        );
        let prompt = mock
            .recorded
            .lock()
            .unwrap()
            .chat_requests
            .last()
            .unwrap()
            .clone();
        let system = prompt["messages"][0]["content"].as_str().unwrap();
        assert!(
            system.contains("[1] Sizing") && system.contains("true to size"),
            "the passage is in the prompt: {system}"
        );
        assert!(
            prompt["messages"].to_string().contains("My name is Ada."),
            "memory carries the earlier turn"
        );

        // A failing model: the visitor gets the fallback, their message is kept.
        let mut broken = settings.clone();
        broken["model"] = json!("broken");
        owner
            .call(
                Method::PUT,
                &format!("/api/v1/bots/{bot_id}/model"),
                Some(broken),
            )
            .await;
        let (status, sent) = w
            .call(Method::POST, &path, Some(json!({"text": "Hello?"})))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            sent["reply"]["text"], bot["behaviour"]["fallback_message"],
            "{}",
            db.name
        );
        assert_eq!(sent["message"]["text"], "Hello?");

        let (_, cleared) = owner
            .call(
                Method::DELETE,
                &format!("/api/v1/bots/{bot_id}/model"),
                None,
            )
            .await;
        assert!(cleared["model"].is_null());
    }
}

#[tokio::test]
async fn an_embedding_model_adds_passages_by_meaning_and_its_failure_loses_nothing() {
    let mock = parley_ai::testing::start().await;
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Vectors").await;
        let bot_id = bot["id"].as_str().unwrap().to_string();
        let settings = |key: &str| {
            json!({"base_url": mock.base_url, "model": "gpt-test", "temperature": 0.2,
                "max_tokens": 256, "context_tokens": 4096, "embedding_model": "embed-test", "api_key": key})
        };
        let (status, set) = owner
            .call(
                Method::PUT,
                &format!("/api/v1/bots/{bot_id}/model"),
                Some(settings(&mock.api_key)),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(set["model"]["embedding_model"], "embed-test");
        let upload = |name: &'static str, text: &'static str| {
            let form = reqwest::multipart::Form::new().part(
                "files",
                reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name),
            );
            owner
                .request(Method::POST, &format!("/api/v1/bots/{bot_id}/documents"))
                .multipart(form)
                .send()
        };
        upload("boots.md", "# Boots\n\nHiking boots run true to size.")
            .await
            .unwrap();
        upload("tents.md", "# Tents\n\nOur tents sleep two to four people.")
            .await
            .unwrap();
        let list = wait_ingested(&owner, &bot_id).await;
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["error"].is_null()),
            "{list}"
        );
        let embedded = parley_store::repo::knowledge::embeddings(
            app.store.db(),
            uuid::Uuid::parse_str(&bot_id).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(embedded.len(), 2, "{}: every chunk is embedded", db.name);
        assert_eq!(embedded[0].1.len(), 64 * 4, "64 f32s, stored little-endian");

        // Fused: both rankings agree on the boots passage; scores are reciprocal-rank sums.
        let (_, found) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/search"),
                Some(json!({"query": "Do hiking boots run true to size?"})),
            )
            .await;
        let passages = found["passages"].as_array().unwrap();
        assert_eq!(passages[0]["heading"], "Boots", "{found}");
        let top = passages[0]["score"].as_f64().unwrap();
        assert!(
            (top - 2.0 / 61.0).abs() < 1e-4,
            "first in both lists: {top}"
        );
        // The by-meaning ranking covers every embedded chunk, so the tents passage comes too.
        assert_eq!(passages.len(), 2, "{found}");

        // A provider that refuses: the document is still searchable by text, and says so.
        owner
            .call(
                Method::PUT,
                &format!("/api/v1/bots/{bot_id}/model"),
                Some(settings("sk-wrong")),
            )
            .await;
        upload("socks.md", "# Socks\n\nMerino socks keep feet dry.")
            .await
            .unwrap();
        let list = wait_ingested(&owner, &bot_id).await;
        let socks = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "socks.md")
            .unwrap();
        assert_eq!(socks["status"], "ready", "{socks}");
        assert!(
            socks["error"]
                .as_str()
                .unwrap()
                .contains("full-text search only"),
            "{socks}"
        );
        let (status, found) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/search"),
                Some(json!({"query": "merino socks"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            found["passages"][0]["heading"], "Socks",
            "{}: {found}",
            db.name
        );
    }
}

#[tokio::test]
async fn a_retried_message_is_stored_once() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Retry").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let body = json!({"text": "Where is my order?", "client_id": "c-123"});
        let (status, first) = w.call(Method::POST, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        let (status, again) = w.call(Method::POST, &path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(
            again["message"]["id"], first["message"]["id"],
            "{}",
            db.name
        );
        assert_eq!(
            again["reply"]["id"], first["reply"]["id"],
            "the same answer back"
        );
        let (_, transcript) = w
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv}"),
                None,
            )
            .await;
        assert_eq!(
            transcript["messages"].as_array().unwrap().len(),
            2,
            "one question, one answer"
        );

        // Several copies at once (a flaky network replaying): still one.
        let sends = (0..4).map(|_| {
            w.call(
                Method::POST,
                &path,
                Some(json!({"text": "Do you ship to Oslo?", "client_id": "c-456"})),
            )
        });
        let results = futures::future::join_all(sends).await;
        assert!(
            results.iter().all(|(s, _)| *s == StatusCode::OK),
            "{results:?}"
        );
        let ids: std::collections::HashSet<String> = results
            .iter()
            .map(|(_, b)| b["message"]["id"].to_string())
            .collect();
        assert_eq!(ids.len(), 1, "{}: {results:?}", db.name);

        let (status, bad) = w
            .call(
                Method::POST,
                &path,
                Some(json!({"text": "hi", "client_id": "no spaces allowed"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

/// Behind a trusted proxy the address is the one the proxy appended: a client that writes
/// its own `X-Forwarded-For` entries cannot get a fresh budget by rotating them.
#[tokio::test]
async fn forged_forwarded_addresses_share_the_clients_limit() {
    for db in test_stores().await {
        let config = parley_server::config::Config {
            widget_rate_per_minute: 2,
            proxy_hops: 1,
            ..helpers::config()
        };
        let app = helpers::start_with_config(&db, config).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Proxied").await;
        let widget = Widget::of(&app, &bot);
        let start = |forwarded: &'static str| {
            widget
                .request(Method::POST, "/widget/v1/conversations")
                .header("x-forwarded-for", forwarded)
                .json(&json!({}))
                .send()
        };
        for forged in ["1.1.1.1, 203.0.113.7", "2.2.2.2, 203.0.113.7"] {
            assert_eq!(
                start(forged).await.unwrap().status(),
                StatusCode::OK,
                "{}",
                db.name
            );
        }
        let third = start("3.3.3.3, 203.0.113.7").await.unwrap();
        assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS, "{}", db.name);
        // Another client behind the same proxy has its own budget.
        let other = start("203.0.113.8").await.unwrap();
        assert_eq!(other.status(), StatusCode::OK, "{}", db.name);
    }
}

#[tokio::test]
async fn widget_writes_are_limited_per_address_and_bot() {
    for db in test_stores().await {
        let app = helpers::start_with_widget_rate(&db, 3).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Limited").await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await; // write 1
        let path = format!("/widget/v1/conversations/{conv}/messages");
        for text in ["first", "second"] {
            let (status, body) = widget
                .call(Method::POST, &path, Some(json!({"text": text})))
                .await;
            assert_eq!(status, StatusCode::OK, "{}: {body}", db.name);
        }
        let refused = widget
            .request(Method::POST, &path)
            .json(&json!({"text": "third"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            db.name
        );
        let wait: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "Retry-After {wait}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "rate_limited", "{body}");

        let (_, transcript) = widget
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv}"),
                None,
            )
            .await;
        let texts: Vec<&str> = transcript["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "visitor")
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts,
            ["first", "second"],
            "the refused message was not stored"
        );

        let other = owner.create_bot("Other").await;
        Widget::of(&app, &other).start().await; // another bot's limit is its own
    }
}

/// Widget requests use the bot and its FAQs as read moments ago, yet a change made through
/// the admin API reaches the widget at once: a new FAQ, allowed origins, a rotated key, a
/// deleted bot. Messages to a conversation need its visitor's session.
#[tokio::test]
async fn bot_and_faq_changes_reach_the_widget_at_once() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let id = bot["id"].as_str().unwrap();
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let ask = || Some(json!({"text": "Do you ship to Canada?"}));
        let answer = "Yes, in 7 to 14 business days.";

        let (status, sent) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(status, StatusCode::OK, "{}: {sent}", db.name);
        assert!(sent["reply"]["text"].is_string(), "{sent}");
        assert_ne!(sent["reply"]["text"], answer, "{}: no FAQ yet", db.name);
        let faq = json!({"question": "Do you ship to Canada?", "answer": answer});
        let (status, _) = owner
            .call(Method::POST, &format!("/api/v1/bots/{id}/faqs"), Some(faq))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, sent) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(sent["reply"]["text"], answer, "{}: the new FAQ", db.name);

        let origins = json!({"allowed_origins": ["https://shop.example"]});
        let (status, _) = owner
            .call(Method::PATCH, &format!("/api/v1/bots/{id}"), Some(origins))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, refused) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {refused}", db.name);
        assert_eq!(refused["error"]["code"], "origin_not_allowed");
        widget.origin = Some("https://shop.example".into());
        let (status, _) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(status, StatusCode::OK, "{}", db.name);

        // Someone else's session, or none, may not write to the conversation.
        let mut stranger = Widget::of(&app, &bot);
        stranger.origin = widget.origin.clone();
        stranger.start().await;
        let (status, body) = stranger.call(Method::POST, &path, ask()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}: {body}", db.name);
        stranger.session = Some("forged".into());
        let (status, body) = stranger.call(Method::POST, &path, ask()).await;
        assert_eq!(body["error"]["code"], "invalid_session", "{}", db.name);
        assert_eq!(status, StatusCode::FORBIDDEN);
        stranger.session = None;
        let (_, body) = stranger.call(Method::POST, &path, ask()).await;
        assert_eq!(body["error"]["code"], "no_session", "{}", db.name);

        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{id}/rotate"),
                Some(json!({"key": "public_key"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}: the old key", db.name);
        let (_, rotated) = owner
            .call(Method::GET, &format!("/api/v1/bots/{id}"), None)
            .await;
        widget.key = rotated["public_key"].as_str().unwrap().into();
        let (status, _) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(status, StatusCode::OK, "{}: the new key", db.name);
        let (status, _) = owner
            .call(Method::DELETE, &format!("/api/v1/bots/{id}"), None)
            .await;
        assert!(status.is_success(), "{status}");
        let (status, _) = widget.call(Method::POST, &path, ask()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{}: a deleted bot",
            db.name
        );
    }
}
