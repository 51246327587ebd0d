//! Image analysis end to end, on every test database: a visitor uploads a photo through
//! the widget API with a purpose, the `image.analyze` job reads it (offline OCR and photo
//! gate, or the bot's vision model), the bot says what it saw, `image.analyzed` is written,
//! and the auto-return-approval template acts on it.

use crate::helpers::{Session, TestApp, Widget, start_with_workflows};
use parley_store::entities::outbox;
use parley_store::testing::test_stores;
use parley_vision::fixtures::{self, Receipt};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn upload(w: &Widget, conv: &str, bytes: Vec<u8>, purpose: Option<&str>) -> Value {
    let mut form = Form::new().part("image", Part::bytes(bytes).file_name("photo.png"));
    if let Some(p) = purpose {
        form = form.text("purpose", p.to_string());
    }
    let path = format!("/widget/v1/conversations/{conv}/images");
    let r = w
        .request(Method::POST, &path)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["message"].clone()
}

/// Polls until `found` picks something out of `read()` (20 s at most: OCR in a debug build
/// takes a few seconds).
async fn wait_for<F, Fut>(what: &str, mut read: F, found: impl Fn(&Value) -> Option<Value>) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let started = Instant::now();
    loop {
        let seen = read().await;
        if let Some(v) = found(&seen) {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The bot's message reporting an analysis, once it is there.
async fn analysis_message(w: &Widget, conv: &str) -> Value {
    let path = format!("/widget/v1/conversations/{conv}");
    wait_for(
        "the bot's analysis message",
        || async { w.call(Method::GET, &path, None).await.1 },
        |c| {
            c["messages"]
                .as_array()?
                .iter()
                .find(|m| !m["analysis"].is_null())
                .cloned()
        },
    )
    .await
}

/// The `image.analyzed` events of the app's database.
async fn analyzed_events(app: &TestApp) -> Vec<Value> {
    outbox::Entity::find()
        .filter(outbox::Column::EventType.eq("image.analyzed"))
        .all(app.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.payload)
        .collect()
}

async fn analyses(owner: &Session, conv: &str) -> Vec<Value> {
    let path = format!("/api/v1/conversations/{conv}/images");
    let (status, list) = owner.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_invoice_photo_is_read_and_reported_under_the_image() {
    let ocr = parley_engine::vision::tesseract().await;
    for db in test_stores().await {
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let bot = bots["items"][0].clone();
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;

        let receipt = Receipt::generate(7);
        let sent = upload(&w, &conv, fixtures::png(&receipt.render()), Some("invoice")).await;
        assert_eq!(sent["attachments"][0]["purpose"], "invoice", "{sent}");
        let image_id = sent["attachments"][0]["image_id"]
            .as_str()
            .unwrap()
            .to_string();

        let done = wait_for(
            "the invoice analysis",
            || analyses(&owner, &conv).then_first(),
            |a| (a["status"] != "queued").then(|| a.clone()),
        )
        .await;
        assert_eq!(done["kind"], "invoice", "{}: {done}", db.name);
        assert_eq!(done["kind_source"], "purpose");
        let events = analyzed_events(&app).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let event = &events[0];
        assert_eq!(event["conversation_id"], conv.as_str());
        assert_eq!(event["image_id"], image_id.as_str());
        match &ocr {
            parley_engine::vision::Availability::Available { .. } => {
                assert_eq!(done["status"], "done", "{}: {done}", db.name);
                assert_eq!(
                    (done["method"].as_str(), done["provider"].as_str()),
                    (Some("offline"), Some("tesseract"))
                );
                let total = receipt.total_cents as f64 / 100.0;
                assert_eq!(done["result"]["total"], json!(total), "{done}");
                assert_eq!(done["result"]["currency"], receipt.currency.as_str());
                assert_eq!(event["invoice"]["total"], json!(total));
                assert_eq!(event["total"], json!(total));
                assert_eq!(event["status"], "done");
                let summary = done["summary"].as_str().unwrap();
                assert!(summary.contains(&format!("{total:.2}")), "{summary}");

                // The bot said what it read, and the widget can put it under the image.
                let said = analysis_message(&w, &conv).await;
                assert_eq!(said["role"], "bot");
                let text = said["text"].as_str().unwrap();
                assert!(text.starts_with("I read this invoice: "), "{text}");
                assert_eq!(said["analysis"]["image_id"], image_id.as_str());
                assert_eq!(said["analysis"]["summary"], summary);

                // The inbox shows the analysis on the image itself.
                let path = format!("/api/v1/conversations/{conv}");
                let (_, detail) = owner.call(Method::GET, &path, None).await;
                let image = detail["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find_map(|m| m["attachments"].as_array().and_then(|a| a.first()).cloned())
                    .unwrap();
                assert_eq!(image["analysis"]["summary"], summary, "{detail}");
            }
            parley_engine::vision::Availability::Missing { .. } => {
                // Honest: no made-up invoice, and the fix named.
                assert_eq!(done["status"], "unavailable", "{done}");
                assert!(done["error"].as_str().unwrap().contains("apt-get install"));
                assert!(done["result"].is_null());
            }
        }

        // A manager re-runs it as a count; agents may not; other workspaces see nothing.
        let path = format!("/api/v1/images/{image_id}/analyze");
        let (status, queued) = owner
            .call(Method::POST, &path, Some(json!({"kind": "count"})))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
        assert_eq!(
            (queued["kind"].as_str(), queued["kind_source"].as_str()),
            (Some("count"), Some("agent"))
        );
        let (status, _) = owner
            .call(Method::POST, &path, Some(json!({"kind": "selfie"})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let other = app.owner_of_another_workspace().await;
        let (status, _) = other
            .call(Method::POST, &path, Some(json!({"kind": "count"})))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = other
            .call(
                Method::GET,
                &format!("/api/v1/conversations/{conv}/images"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let recount = wait_for(
            "the re-run",
            || async { analyses(&owner, &conv).await.last().cloned().unwrap() },
            |a| (a["status"] != "queued").then(|| a.clone()),
        )
        .await;
        assert_eq!(
            (recount["kind"].as_str(), recount["status"].as_str()),
            (Some("count"), Some("done")),
            "{recount}"
        );
        assert_eq!(recount["result"]["estimate"], true);

        // A purpose that is none of the four is refused (422) before anything is stored.
        let form = Form::new()
            .part(
                "image",
                Part::bytes(fixtures::png(&receipt.render())).file_name("r.png"),
            )
            .text("purpose", "selfie");
        let r = w
            .request(
                Method::POST,
                &format!("/widget/v1/conversations/{conv}/images"),
            )
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

trait ThenFirst {
    async fn then_first(self) -> Value;
}

impl<F: std::future::Future<Output = Vec<Value>>> ThenFirst for F {
    async fn then_first(self) -> Value {
        self.await.first().cloned().unwrap_or(Value::Null)
    }
}

/// Imports the auto-return-approval template and activates it.
async fn return_template(owner: &Session) {
    let (status, imported) = owner
        .call(
            Method::POST,
            "/api/v1/workflow-templates/auto-return-approval/import",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    let id = imported["workflow"]["id"]
        .as_str()
        .or(imported["id"].as_str())
        .unwrap()
        .to_string();
    let (status, wf) = owner
        .call(
            Method::POST,
            &format!("/api/v1/workflows/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{wf}");
}

#[tokio::test]
async fn a_blurry_return_photo_asks_for_a_better_one_and_goes_to_a_person() {
    for db in test_stores().await {
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        return_template(&owner).await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let mut w = Widget::of(&app, &bots["items"][0]);
        let conv = w.start().await;

        // A damaged product, photographed out of focus: offline, only the photo gate judges.
        let photo = fixtures::blur(&fixtures::product_photo(3), 3.0);
        upload(&w, &conv, fixtures::jpeg(&photo, 85), Some("return")).await;
        let said = analysis_message(&w, &conv).await;
        let text = said["text"].as_str().unwrap();
        assert!(text.contains("blurry"), "{}: {text}", db.name);
        assert_eq!(said["analysis"]["kind"], "condition");
        let event = wait_for(
            "image.analyzed",
            || async { json!(analyzed_events(&app).await) },
            |e| e.as_array()?.first().cloned(),
        )
        .await;
        assert_eq!(event["condition"], "needs_review", "{event}");
        assert_eq!(event["intent"], "return_request");
        assert_eq!(event["image"]["condition"]["verdict"], "needs_review");
        assert!(
            !event["image"]["condition"]["quality_issues"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        // The template's "no" branch: a person takes over.
        let path = format!("/api/v1/conversations/{conv}");
        wait_for(
            "the hand-off",
            || async { owner.call(Method::GET, &path, None).await.1 },
            |c| (c["conversation"]["human_handoff"] == true).then(|| c.clone()),
        )
        .await;
    }
}

#[tokio::test]
async fn a_vision_model_judges_the_photo_and_the_return_is_approved() {
    for db in test_stores().await {
        let mock = parley_ai::testing::start().await;
        let verdict = json!({
            "verdict": "like_new", "damages": [], "reasons": ["No marks or wear are visible."],
            "confidence": 0.93, "quality_issues": [],
        });
        mock.recorded
            .lock()
            .unwrap()
            .scripted
            .insert("eyes".into(), verdict.to_string());
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        return_template(&owner).await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let bot = bots["items"][0].clone();
        let settings = json!({"base_url": mock.base_url, "model": "eyes", "temperature": 0.2,
            "max_tokens": 256, "context_tokens": 4096, "api_key": mock.api_key, "vision": true});
        let path = format!("/api/v1/bots/{}/model", bot["id"].as_str().unwrap());
        let (status, set) = owner.call(Method::PUT, &path, Some(settings)).await;
        assert!(status.is_success(), "{set}");
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;

        upload(
            &w,
            &conv,
            fixtures::jpeg(&fixtures::product_photo(4), 90),
            Some("return"),
        )
        .await;
        let said = analysis_message(&w, &conv).await;
        assert_eq!(
            said["text"], "The item looks like new in your photo.",
            "{}",
            db.name
        );
        let done = analyses(&owner, &conv).await[0].clone();
        assert_eq!(
            (done["method"].as_str(), done["provider"].as_str()),
            (Some("model"), Some("eyes")),
            "{done}"
        );
        // The model was asked with the image as a data URL and the condition schema.
        let asked = mock.recorded.lock().unwrap().chat_requests.clone();
        let vision_call = asked
            .iter()
            .find(|b| b["response_format"]["json_schema"]["name"] == "parley_condition")
            .expect("a vision request");
        let url = vision_call["messages"][1]["content"][1]["image_url"]["url"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("data:image/jpeg;base64,"));

        // The template's "yes" branch: approved, and the visitor told.
        let path = format!("/widget/v1/conversations/{conv}");
        wait_for(
            "the approval",
            || async { w.call(Method::GET, &path, None).await.1 },
            |c| {
                c["messages"]
                    .as_array()?
                    .iter()
                    .find(|m| {
                        m["text"]
                            .as_str()
                            .is_some_and(|t| t.starts_with("Good news"))
                    })
                    .cloned()
            },
        )
        .await;
    }
}
