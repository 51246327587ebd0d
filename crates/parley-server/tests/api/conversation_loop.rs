//! The conversation loop a support team relies on, on every test database: asking for a
//! person hands off and says what happens next, photos are answered, resolving asks for a
//! rating and writing again reopens, the inbox's views, counts and assignment, canned
//! replies, contacts, and trying the bot.

use crate::helpers::{self, Widget, start};
use crate::images::{PNG, upload};
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// The conversation's messages once `n` are stored (replies are written on their own task).
async fn messages(owner: &helpers::Session, conv: &str, n: usize) -> Vec<Value> {
    for _ in 0..400 {
        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        let list = detail["messages"].as_array().cloned().unwrap_or_default();
        if list.len() >= n {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("conversation {conv} never had {n} messages");
}

async fn say(w: &Widget, conv: &str, text: &str) -> Value {
    let path = format!("/widget/v1/conversations/{conv}/messages");
    let (status, sent) = w
        .call(Method::POST, &path, Some(json!({ "text": text })))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    sent
}

#[tokio::test]
async fn asking_for_a_person_hands_off_and_tells_the_visitor_what_happens_next() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Handoff").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        // Nobody online: the team answers by email, and asks for it.
        let sent = say(&w, &conv, "I want to talk to a human agent please").await;
        let told = sent["reply"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            told.contains("by email") && told.contains("What email"),
            "{}: {told}",
            db.name
        );
        let (_, counts) = owner
            .call(Method::GET, "/api/v1/conversations/counts", None)
            .await;
        assert_eq!(counts["waiting"], 1, "{}: {counts}", db.name);
        let (_, waiting) = owner
            .call(Method::GET, "/api/v1/conversations?view=waiting", None)
            .await;
        assert_eq!(waiting["items"][0]["id"], conv.as_str(), "{}", db.name);
        assert!(waiting["items"][0]["waiting_since"].is_string());
        // The email the visitor gives is noted and shown to agents; the bot stays quiet.
        let sent = say(&w, &conv, "sure, it's ada@example.com").await;
        assert!(
            sent["reply"]["text"]
                .as_str()
                .unwrap_or_default()
                .contains("ada@example.com"),
            "{}: {sent}",
            db.name
        );
        let (_, list) = owner.call(Method::GET, "/api/v1/conversations", None).await;
        assert_eq!(
            list["items"][0]["visitor_email"], "ada@example.com",
            "{}",
            db.name
        );

        // With an agent online: they are coming, and the agent's reply ends the wait.
        let me = owner
            .call(
                Method::POST,
                "/api/v1/presence",
                Some(json!({"status": "online"})),
            )
            .await;
        assert_eq!(me.0, StatusCode::NO_CONTENT);
        let mut w2 = Widget::of(&app, &bot);
        let conv2 = w2.start().await;
        say(&w2, &conv2, "What is the return window for unused items?").await;
        let offer = "Sorry, I don't know that yet. Would you like to talk to a person?";
        // A yes to the bot's own offer hands off (the offer here is the fallback).
        let path2 = format!("/widget/v1/conversations/{conv2}/messages");
        let (_, unknown) = w2
            .call(
                Method::POST,
                &path2,
                Some(json!({"text": "Do you ship by drone to Antarctica?"})),
            )
            .await;
        assert_eq!(unknown["reply"]["text"], offer, "{}: {unknown}", db.name);
        let sent = say(&w2, &conv2, "yes please").await;
        let told = sent["reply"]["text"].as_str().unwrap_or_default();
        assert!(
            told.contains("asked a person from our team"),
            "{}: {told}",
            db.name
        );
        let (_, agents) = owner.call(Method::GET, "/api/v1/agents", None).await;
        assert_eq!(agents[0]["presence"], "online", "{}: {agents}", db.name);
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/conversations/{conv2}/messages"),
                Some(json!({"text": "Hi, I'm here to help."})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}", db.name);
        let (_, counts) = owner
            .call(Method::GET, "/api/v1/conversations/counts", None)
            .await;
        assert_eq!(
            (counts["waiting"].as_u64(), counts["mine"].as_u64()),
            (Some(1), Some(1)),
            "{}: {counts}",
            db.name
        );
        // The visitor sees the agent by name, never a role.
        let (_, seen) = w2
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv2}"),
                None,
            )
            .await;
        let agent = seen["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["role"] == "agent")
            .cloned()
            .unwrap();
        assert!(agent["author"]["name"].is_string(), "{}: {agent}", db.name);
    }
}

#[tokio::test]
async fn photos_are_answered_and_resolving_asks_for_a_rating_until_the_visitor_writes_again() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Photos").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let (status, sent) = upload(&w, &conv, PNG.to_vec(), "box.png").await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        let list = messages(&owner, &conv, 2).await;
        assert!(
            list[0]["insight"].is_object(),
            "{}: the caption is scored",
            db.name
        );
        assert_eq!(list[0]["attachments"][0]["kind"], "image");
        let reply = list[1]["text"].as_str().unwrap();
        assert!(
            reply.starts_with("Thanks for the photo"),
            "{}: {reply}",
            db.name
        );

        let path = format!("/api/v1/conversations/{conv}");
        let (_, resolved) = owner
            .call(Method::PATCH, &path, Some(json!({"status": "resolved"})))
            .await;
        assert_eq!(resolved["human_handoff"], false);
        let list = messages(&owner, &conv, 3).await;
        assert_eq!(list[2]["rating_request"], true, "{}", db.name);
        let rate = format!("/widget/v1/conversations/{conv}/rating");
        let (status, bad) = w.call(Method::POST, &rate, Some(json!({"score": 9}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let (status, rated) = w
            .call(
                Method::POST,
                &rate,
                Some(json!({"score": 4, "comment": "Quick, thanks"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rated}");
        assert_eq!(
            rated["rating"],
            json!({"score": 4, "comment": "Quick, thanks"})
        );
        let (_, shown) = owner.call(Method::GET, &path, None).await;
        assert_eq!(shown["conversation"]["rating"]["score"], 4, "{}", db.name);
        // Writing again reopens it, and a reopened conversation cannot be rated.
        say(&w, &conv, "One more thing about shipping").await;
        let (_, shown) = owner.call(Method::GET, &path, None).await;
        assert_eq!(shown["conversation"]["status"], "open", "{}", db.name);
        let (status, refused) = w.call(Method::POST, &rate, Some(json!({"score": 5}))).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("not_resolved"))
        );
        let events = parley_store::repo::outbox::pending(app.store.db(), 100)
            .await
            .unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        for kind in [
            "image.uploaded",
            "conversation.rated",
            "conversation.reopened",
        ] {
            assert!(kinds.contains(&kind), "{}: {kind} in {kinds:?}", db.name);
        }
    }
}

#[tokio::test]
async fn inbox_views_assignment_canned_replies_contacts_and_trying_the_bot() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Views").await;
        let bot_id = bot["id"].as_str().unwrap();
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        say(
            &w,
            &conv,
            "This is terrible, awful service. I'm Ada from Acme, ada@acme.test",
        )
        .await;
        let (_, negative) = owner
            .call(
                Method::GET,
                "/api/v1/conversations?sentiment=negative",
                None,
            )
            .await;
        assert_eq!(
            negative["items"][0]["sentiment_label"], "negative",
            "{}: {negative}",
            db.name
        );
        let (status, bad) = owner
            .call(Method::GET, "/api/v1/conversations?view=everything", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        // Assignment.
        let (_, agents) = owner.call(Method::GET, "/api/v1/agents", None).await;
        let me = agents[0]["id"].clone();
        let path = format!("/api/v1/conversations/{conv}/assignee");
        let (_, assigned) = owner
            .call(Method::PUT, &path, Some(json!({"user_id": me})))
            .await;
        assert_eq!(assigned["assignee"]["id"], me, "{}", db.name);
        let (_, mine) = owner
            .call(Method::GET, "/api/v1/conversations?view=mine", None)
            .await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{}", db.name);
        let stranger = json!({"user_id": uuid::Uuid::now_v7()});
        let (status, _) = owner.call(Method::PUT, &path, Some(stranger)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // Canned replies: unique shortcuts.
        let reply = json!({"shortcut": "/Thanks", "body": "Thanks {{visitor.name}}!"});
        let (status, made) = owner
            .call(Method::POST, "/api/v1/canned-replies", Some(reply.clone()))
            .await;
        assert_eq!(
            (status, made["shortcut"].as_str()),
            (StatusCode::CREATED, Some("thanks"))
        );
        let (status, _) = owner
            .call(Method::POST, "/api/v1/canned-replies", Some(reply))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{}", db.name);
        let (status, _) = owner
            .call(
                Method::POST,
                "/api/v1/canned-replies",
                Some(json!({"shortcut": "a b", "body": ""})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // The visitor who said who they are is a contact.
        let (_, contacts) = owner
            .call(Method::GET, "/api/v1/contacts?q=acme", None)
            .await;
        let contact = &contacts["items"][0];
        assert_eq!(contact["email"], "ada@acme.test", "{}: {contacts}", db.name);
        let (_, detail) = owner
            .call(
                Method::GET,
                &format!("/api/v1/contacts/{}", contact["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(
            detail["conversations"][0]["id"],
            conv.as_str(),
            "{}",
            db.name
        );
        let csv = owner
            .send(Method::GET, "/api/v1/contacts/export.csv", None)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            csv.starts_with("email,name,company") && csv.contains("ada@acme.test"),
            "{csv}"
        );
        // A document's address must be a web address.
        let form = reqwest::multipart::Form::new()
            .text("source_url", "ftp://files.example/faq")
            .part(
                "files",
                reqwest::multipart::Part::bytes(b"# A\n\nB".to_vec()).file_name("a.md"),
            );
        let refused = owner
            .request(Method::POST, &format!("/api/v1/bots/{bot_id}/documents"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Trying the bot stores nothing.
        let (status, tried) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/try"),
                Some(json!({"question": "Who is your CEO?"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tried}");
        assert_eq!(tried["outcome"], "fallback", "{}: {tried}", db.name);
        assert!(tried["relevance_bar"].as_f64().unwrap() > 0.0);
        let (_, human) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/try"),
                Some(json!({"question": "Can I talk to a real person?"})),
            )
            .await;
        assert_eq!(human["outcome"], "handoff", "{}: {human}", db.name);
        let (_, all) = owner.call(Method::GET, "/api/v1/conversations", None).await;
        assert_eq!(all["items"].as_array().unwrap().len(), 1, "{}", db.name);
        // Testing a model reports the provider's refusal in plain words.
        let settings = json!({"base_url": "http://127.0.0.1:9/v1", "model": "m", "temperature": 0.2,
                              "max_tokens": 64, "context_tokens": 4096, "api_key": "k"});
        let (status, check) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/model/test"),
                Some(settings),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{check}");
        assert_eq!(check["ok"], false);
        assert!(
            check["error"].as_str().unwrap().contains("Could not reach"),
            "{check}"
        );
    }
}

#[tokio::test]
async fn a_model_that_sees_images_is_shown_the_visitors_photo() {
    let mock = parley_ai::testing::start().await;
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Vision").await;
        let settings = json!({"base_url": mock.base_url, "model": "gpt-test", "temperature": 0.2,
            "max_tokens": 256, "context_tokens": 4096, "api_key": mock.api_key, "vision": true});
        let path = format!("/api/v1/bots/{}/model", bot["id"].as_str().unwrap());
        let (status, set) = owner.call(Method::PUT, &path, Some(settings)).await;
        assert_eq!(status, StatusCode::OK, "{set}");
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let (status, sent) = upload(&w, &conv, PNG.to_vec(), "box.png").await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        // The model's reply and the photo's analysis note arrive in either order.
        let mut reply = String::new();
        for n in 2..=3 {
            let list = messages(&owner, &conv, n).await;
            if let Some(text) = list[1..].iter().find_map(|m| {
                let text = m["text"].as_str()?;
                text.contains("The box arrived crushed")
                    .then(|| text.to_string())
            }) {
                reply = text;
                break;
            }
        }
        assert!(
            reply.contains("The box arrived crushed"),
            "{}: the model's reply is missing",
            db.name
        );
        assert!(
            !reply.starts_with("Thanks for the photo"),
            "the model answered: {reply}"
        );
        let requests = mock.recorded.lock().unwrap().chat_requests.clone();
        let shown = requests.iter().rev().find_map(|r| {
            let last = r["messages"].as_array()?.last()?.clone();
            last["content"].as_array().cloned()
        });
        let parts = shown.unwrap_or_else(|| panic!("{}: no image part sent", db.name));
        assert_eq!(parts[1]["type"], "image_url");
        assert!(
            parts[1]["image_url"]["url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/png;base64,")
        );
    }
}

#[tokio::test]
async fn greetings_and_thanks_are_answered_in_kind_not_as_misses() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let mut w = Widget::of(&app, &bots["items"][0]);
        let conv = w.start().await;
        // Three pleasantries in a row: three fallbacks would have handed the visitor over.
        for (text, expected) in [
            ("hi", "Hi! What can I help you with today?"),
            ("Thanks, that helps a lot!", "You're welcome!"),
            ("ok bye", "Thanks for chatting."),
        ] {
            let sent = say(&w, &conv, text).await;
            let reply = sent["reply"]["text"].as_str().unwrap_or_default();
            assert!(reply.starts_with(expected), "{}: {text} -> {sent}", db.name);
        }
        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        assert_eq!(detail["conversation"]["human_handoff"], false, "{detail}");
        // A question with a greeting in front still goes to the knowledge base.
        let sent = say(&w, &conv, "hi, do you deliver by penguin to Antarctica?").await;
        let reply = sent["reply"]["text"].as_str().unwrap_or_default();
        assert!(!reply.starts_with("Hi! What can I help"), "{sent}");

        let path = format!(
            "/api/v1/bots/{}/try",
            bots["items"][0]["id"].as_str().unwrap()
        );
        let (status, tried) = owner
            .call(
                Method::POST,
                &path,
                Some(json!({"question": "thank you so much"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{tried}");
        assert_eq!(tried["outcome"], "small_talk", "{tried}");
    }
}
