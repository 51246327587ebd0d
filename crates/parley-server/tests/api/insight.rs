//! Per-bot insight settings over HTTP: custom intents, the try-a-message box, and a model's
//! second opinion on messages the phrases leave unsure; on every test database.

use crate::helpers;

use helpers::{Widget, start};
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn events_named(app: &helpers::TestApp, name: &str) -> Vec<Value> {
    let rows = parley_store::repo::outbox::pending(app.store.db(), 1000)
        .await
        .unwrap();
    rows.into_iter()
        .filter(|e| e.event_type == name)
        .map(|e| e.payload)
        .collect()
}

#[tokio::test]
async fn custom_intents_are_validated_saved_and_detected_on_messages() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Rentals").await;
        let path = format!("/api/v1/bots/{}/intents", bot["id"].as_str().unwrap());

        let (status, defaults) = owner.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(defaults["intents"], json!([]));
        assert_eq!(defaults["config"]["lead"]["qualified"], 60);

        let (status, refused) = owner
            .call(
                Method::PUT,
                &path,
                Some(json!({"intents": [{"name": "refund", "phrases": ["money back"]}]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["error"]["fields"]["intents"]
                .as_str()
                .unwrap()
                .contains("built-in"),
            "{refused}"
        );
        let (status, refused) = owner
            .call(
                Method::PUT,
                &path,
                Some(json!({"config": {"lead": {"qualified": 0, "hot": 70, "warm": 40}}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused["error"]["fields"]["lead.qualified"].is_string());

        let rental = json!({"name": "kayak_rental", "phrases": ["rent a kayak"], "patterns": ["rent # kayaks"], "lead_points": 15});
        let (status, saved) = owner
            .call(Method::PUT, &path, Some(json!({"intents": [rental]})))
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {saved}", db.name);
        assert_eq!(saved["intents"][0]["name"], "kayak_rental");

        // The try-it box sees it without storing anything.
        let (status, tried) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{}/analyze", bot["id"].as_str().unwrap()),
                Some(json!({"text": "Could we rent 12 kayaks for Saturday?"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tried}");
        assert_eq!(tried["intents"][0]["intent"], "kayak_rental", "{tried}");

        // A visitor's message is scored with it and fires intent.detected.
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let (status, _) = w
            .call(
                Method::POST,
                &format!("/widget/v1/conversations/{conv}/messages"),
                Some(json!({"text": "I'd like to rent a kayak tomorrow"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let detected = events_named(&app, "intent.detected").await;
        assert!(
            detected.iter().any(|e| e["intent"] == "kayak_rental"),
            "{}: {detected:?}",
            db.name
        );
        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        let signals = detail["insight"]["lead"]["breakdown"].to_string();
        assert!(
            signals.contains("kayak_rental"),
            "lead points count: {signals}"
        );
    }
}

#[tokio::test]
async fn a_model_decides_what_the_phrases_leave_unsure() {
    let mock = parley_ai::testing::start().await;
    mock.recorded.lock().unwrap().scripted.insert(
        "labeler".into(),
        r#"{"intents": [{"intent": "demo_request", "confidence": 0.9}]}"#.into(),
    );
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Sales").await;
        owner.use_model(&bot, &mock, "labeler").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let before = mock.recorded.lock().unwrap().chat_requests.len();
        // "trial" alone is a weak cue (0.35): unsure, so the model is asked.
        w.call(
            Method::POST,
            &path,
            Some(json!({"text": "Is there a trial?"})),
        )
        .await;
        let requests = mock.recorded.lock().unwrap().chat_requests.clone();
        let classify = &requests[before];
        assert!(
            classify["messages"][0]["content"]
                .as_str()
                .unwrap()
                .contains("demo_request"),
            "the model is offered the intents: {classify}"
        );
        assert_eq!(classify["messages"][1]["content"], "Is there a trial?");
        let detected = events_named(&app, "intent.detected").await;
        let demo = detected
            .iter()
            .find(|e| e["intent"] == "demo_request")
            .unwrap_or_else(|| panic!("{}: {detected:?}", db.name));
        assert!(demo["evidence"].to_string().contains("model"), "{demo}");

        // A sure message is not sent to the model for classification.
        let before = mock.recorded.lock().unwrap().chat_requests.len();
        w.call(
            Method::POST,
            &path,
            Some(json!({"text": "I want to book a demo"})),
        )
        .await;
        let after = mock.recorded.lock().unwrap().chat_requests.clone();
        assert!(
            after[before..].iter().all(|r| !r["messages"][0]["content"]
                .to_string()
                .contains("You label")),
            "no classification for a sure intent"
        );
    }
}

/// A bot that keeps one exchange in its window, so the second one already summarises.
async fn one_turn_memory_bot(owner: &helpers::Session, name: &str) -> Value {
    memory_bot(owner, name, 1).await
}

/// The requests that asked the model to summarise, oldest first.
fn summary_requests(mock: &parley_ai::testing::MockOpenAi) -> Vec<Value> {
    mock.recorded
        .lock()
        .unwrap()
        .chat_requests
        .iter()
        .filter(|r| {
            r["messages"][0]["content"]
                .to_string()
                .contains("running memory")
        })
        .cloned()
        .collect()
}

async fn memory_bot(owner: &helpers::Session, name: &str, turns: u32) -> Value {
    let behaviour = json!({"system_prompt": "Be brief.", "memory_turns": turns, "fallback_message": "Sorry.",
               "fallbacks_before_handoff": 0});
    let (_, bot) = owner
        .call(
            Method::POST,
            "/api/v1/bots",
            Some(json!({"name": name, "behaviour": behaviour})),
        )
        .await;
    bot
}

#[tokio::test]
async fn a_configured_model_writes_the_rolling_summary() {
    let mock = parley_ai::testing::start().await;
    mock.recorded
        .lock()
        .unwrap()
        .scripted
        .insert("summarizer".into(), "Ada wants boots in size 42.".into());
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = one_turn_memory_bot(&owner, "Memory").await;
        owner.use_model(&bot, &mock, "summarizer").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        for text in [
            "My name is Ada.",
            "I need boots in size 42.",
            "Do you ship to Oslo?",
        ] {
            w.call(Method::POST, &path, Some(json!({"text": text})))
                .await;
        }
        // The model summarises after the visitor has the reply: wait for it to be saved.
        let mut summary = Value::Null;
        for _ in 0..200 {
            let (_, detail) = owner
                .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
                .await;
            summary = detail["summary"].clone();
            if summary != "" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(summary, "Ada wants boots in size 42.", "{}", db.name);
        let asked = summary_requests(&mock)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{}: the model was asked to summarise", db.name));
        assert!(
            asked["messages"][1]["content"]
                .to_string()
                .contains("My name is Ada.")
        );
    }
}

/// With four exchanges kept, turns are summarised two exchanges at a time; until then the
/// ones that left the window stay in the prompt, so the model never loses them.
#[tokio::test]
async fn turns_wait_in_the_prompt_until_their_summary_batch() {
    let mock = parley_ai::testing::start().await;
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = memory_bot(&owner, "Batched memory", 4).await;
        owner.use_model(&bot, &mock, "gpt-test").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let before = summary_requests(&mock).len();
        for n in 1..=6 {
            let text = format!("Question number {n} about boots.");
            w.call(Method::POST, &path, Some(json!({ "text": text })))
                .await;
        }
        // The sixth question's prompt still holds the first one, which left the window of
        // four exchanges after the fifth reply but did not make a batch of two yet.
        let sixth = mock
            .recorded
            .lock()
            .unwrap()
            .chat_requests
            .iter()
            .rev()
            .find(|r| r["messages"].to_string().contains("Question number 6"))
            .cloned()
            .expect("the sixth question reached the model");
        let carried = sixth["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "user" && m["content"] == "Question number 1 about boots.");
        assert!(carried, "{}: {sixth}", db.name);
        // After the sixth reply two exchanges have left the window: one summary for both.
        let mut summaries = 0;
        for _ in 0..200 {
            summaries = summary_requests(&mock).len() - before;
            if summaries > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(summaries, 1, "{}", db.name);
        let asked = summary_requests(&mock)
            .last()
            .map(|r| r["messages"][1]["content"].to_string())
            .unwrap();
        for (n, folded) in [(1, true), (2, true), (3, false)] {
            let turn = format!("Question number {n} about");
            assert_eq!(asked.contains(&turn), folded, "{}: {n} in {asked}", db.name);
        }
    }
}

/// Without a model the summary is folded with each reply, so it is there as soon as the
/// reply is: the oldest turns that left the window, a line each.
#[tokio::test]
async fn without_a_model_the_rolling_summary_is_kept_with_each_reply() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = one_turn_memory_bot(&owner, "Offline memory").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let path = format!("/widget/v1/conversations/{conv}/messages");
        let detail_path = format!("/api/v1/conversations/{conv}");
        // (what the visitor says, the summary right after the reply)
        for (text, expected) in [
            ("My name is Ada.", ""),
            (
                "I need boots in size 42. Thanks!",
                "Visitor: My name is Ada.\nBot: Sorry.",
            ),
            (
                "Do you ship to Oslo?",
                "Visitor: My name is Ada.\nBot: Sorry.\nVisitor: I need boots in size 42.\nBot: Sorry.",
            ),
        ] {
            w.call(Method::POST, &path, Some(json!({ "text": text })))
                .await;
            let (_, detail) = owner.call(Method::GET, &detail_path, None).await;
            assert_eq!(detail["summary"], expected, "{}: after {text:?}", db.name);
        }
    }
}
