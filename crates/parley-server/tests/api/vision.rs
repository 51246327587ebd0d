//! Image analysis end to end, on every test database: a visitor uploads a photo through
//! the widget API with a purpose, the `image.analyze` job reads it (offline OCR and photo
//! gate, or the bot's vision model), the bot says what it saw, `image.analyzed` is written,
//! and the auto-return-approval template acts on it.

use crate::helpers::{Session, TestApp, Widget, start_with_workflows};
use futures::StreamExt;
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
            "verdict": "damaged",
            "damages": [{"location": "left hinge", "description": "a crack", "severity": "moderate"}],
            "reasons": ["The left hinge is cracked through."],
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
            said["text"], "I can see a crack on the left hinge.",
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

        // The template's "yes" branch: approved, and the visitor told the RMA number.
        let path = format!("/widget/v1/conversations/{conv}");
        let approved = wait_for(
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
        let text = approved["text"].as_str().unwrap();
        assert!(text.contains("Your return number is RMA-"), "{text}");
    }
}

/// The newest analysis of the conversation, once it is no longer queued.
async fn finished(owner: &Session, conv: &str) -> Value {
    wait_for(
        "a finished analysis",
        || async {
            analyses(owner, conv)
                .await
                .last()
                .cloned()
                .unwrap_or(Value::Null)
        },
        |a| (a["status"] != "queued" && !a.is_null()).then(|| a.clone()),
    )
    .await
}

#[tokio::test]
async fn an_agent_corrects_a_result_and_the_return_workflow_acts_on_it() {
    for db in test_stores().await {
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        return_template(&owner).await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let mut w = Widget::of(&app, &bots["items"][0]);
        let conv = w.start().await;

        // Offline, a sharp photo of a damaged item is only "needs review": a person decides.
        let sent = upload(
            &w,
            &conv,
            fixtures::jpeg(&fixtures::product_photo(5), 90),
            Some("return"),
        )
        .await;
        let image_id = sent["attachments"][0]["image_id"]
            .as_str()
            .unwrap()
            .to_string();
        let done = finished(&owner, &conv).await;
        assert_eq!(
            done["result"]["verdict"], "needs_review",
            "{}: {done}",
            db.name
        );
        assert!(done["correction"].is_null());
        // Everything the live stream says from here on.
        let stream = owner
            .request(Method::GET, "/api/v1/stream")
            .send()
            .await
            .unwrap();
        let mut live = stream.bytes_stream();

        let path = format!("/api/v1/images/{image_id}/analysis");
        // Checked like a model's answer: "damaged" needs a damage; the kind is the analysis's.
        let (status, refused) = owner
            .call(
                Method::PUT,
                &path,
                Some(json!({"result": {"verdict": "damaged", "damages": [], "reasons": ["x"], "quality_issues": []}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused.to_string().contains("damage"), "{refused}");
        let (status, refused) = owner
            .call(
                Method::PUT,
                &path,
                Some(json!({"result": {"kind": "count", "count": 2}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

        let correction = json!({
            "result": {
                "verdict": "damaged",
                "damages": [{"location": "lid", "description": "a dent", "severity": "minor"}],
                "reasons": ["The lid is dented (seen on the photo)."],
                "quality_issues": [],
            },
            "note": "dent visible top left",
        });
        let other = app.owner_of_another_workspace().await;
        let (status, _) = other
            .call(Method::PUT, &path, Some(correction.clone()))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, fixed) = owner.call(Method::PUT, &path, Some(correction)).await;
        assert_eq!(status, StatusCode::OK, "{}: {fixed}", db.name);
        assert_eq!(fixed["result"], done["result"], "the original stays");
        assert_eq!(fixed["correction"]["result"]["verdict"], "damaged");
        assert_eq!(fixed["correction"]["result"]["confidence"], 1.0);
        assert_eq!(fixed["correction"]["summary"], "Damaged: a dent (lid)");
        assert_eq!(fixed["correction"]["note"], "dent visible top left");
        assert!(!fixed["correction"]["by"].as_str().unwrap().is_empty());

        // The inbox shows the corrected line, live and on reload.
        let mut seen = String::new();
        while !seen.contains("Damaged: a dent (lid)") {
            let chunk = tokio::time::timeout(Duration::from_secs(10), live.next())
                .await
                .expect("a live event")
                .unwrap()
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        assert!(seen.contains("event: image.analyzed"), "{seen}");
        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        let note = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|m| m["attachments"].as_array().and_then(|a| a.first()).cloned())
            .unwrap()["analysis"]
            .clone();
        assert_eq!(note["summary"], "Damaged: a dent (lid)", "{note}");
        assert!(note["corrected_by"].is_string(), "{note}");

        // Audited, and written as image.analyzed with corrected: true ...
        let (_, audit) = owner.call(Method::GET, "/api/v1/audit", None).await;
        let entry = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "image_analysis.corrected")
            .cloned()
            .unwrap_or_else(|| panic!("no audit entry: {audit}"));
        assert_eq!(entry["details"]["after"], "Damaged: a dent (lid)");
        let events = analyzed_events(&app).await;
        let corrected = events
            .iter()
            .find(|e| e["corrected"] == true)
            .expect("a corrected image.analyzed");
        assert_eq!(corrected["condition"], "damaged");
        assert_eq!(corrected["intent"], "return_request");
        assert_eq!(corrected["original"]["verdict"], "needs_review");

        // ... which the return template acts on: approved, with an RMA number.
        let path = format!("/widget/v1/conversations/{conv}");
        let approved = wait_for(
            "the approval after the correction",
            || async { w.call(Method::GET, &path, None).await.1 },
            |c| {
                c["messages"]
                    .as_array()?
                    .iter()
                    .find(|m| {
                        m["text"]
                            .as_str()
                            .is_some_and(|t| t.contains("Your return number is RMA-"))
                    })
                    .cloned()
            },
        )
        .await;
        assert_eq!(approved["role"], "bot");

        // A second correction does not approve the return twice: one RMA per conversation.
        let again = json!({"result": {
            "verdict": "damaged",
            "damages": [{"location": "lid", "description": "a deep dent", "severity": "moderate"}],
            "reasons": ["Dented lid."], "quality_issues": [],
        }});
        let (status, _) = owner
            .call(
                Method::PUT,
                &format!("/api/v1/images/{image_id}/analysis"),
                Some(again),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        wait_for(
            "the second correction's run",
            || async { json!(analyzed_events(&app).await) },
            |e| {
                (e.as_array()?
                    .iter()
                    .filter(|e| e["corrected"] == true)
                    .count()
                    == 2)
                    .then(|| e.clone())
            },
        )
        .await;
        // Once every run has ended, count the approvals the visitor saw.
        let settled = wait_for(
            "every run to finish",
            || async { owner.call(Method::GET, "/api/v1/executions", None).await.1 },
            |l| {
                let items = l["items"].as_array()?;
                (items.len() >= 3
                    && items
                        .iter()
                        .all(|x| x["status"] != "running" && x["status"] != "waiting"))
                .then(|| l.clone())
            },
        )
        .await;
        assert!(settled["items"].as_array().unwrap().len() >= 3, "{settled}");
        let (_, c) = w.call(Method::GET, &path, None).await;
        let rmas = c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("Your return number is RMA-"))
            })
            .count();
        assert_eq!(rmas, 1, "{}: {c}", db.name);
    }
}

async fn analyze_now(
    s: &Session,
    parts: &[(&str, &str)],
    image: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    if let Some(bytes) = image {
        form = form.part("image", Part::bytes(bytes).file_name("x.png"));
    }
    for (k, v) in parts {
        form = form.text(k.to_string(), v.to_string());
    }
    let r = s
        .request(Method::POST, "/api/v1/vision/analyze")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn vision_analyze_answers_at_once_and_is_limited_to_managers_and_a_rate() {
    for db in test_stores().await {
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        let scene = fixtures::Scene::generate(3);
        let (status, body) = analyze_now(
            &owner,
            &[("kind", "count"), ("what", "discs")],
            Some(fixtures::jpeg(&scene.image, 90)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", db.name);
        let a = &body["analysis"];
        assert_eq!(
            (a["kind"].as_str(), a["kind_source"].as_str()),
            (Some("count"), Some("api"))
        );
        assert_eq!(a["status"], "done", "{a}");
        assert_eq!(a["provider"], "classical");
        let counted = a["result"]["count"].as_u64().unwrap();
        assert!(
            counted.abs_diff(u64::from(scene.count)) <= 2,
            "{counted} vs {}",
            scene.count
        );
        assert_eq!(
            a["result"]["boxes"].as_array().unwrap().len() as u64,
            counted
        );
        assert!(a["normalize_ms"].is_number());

        // A free question needs a vision model: honest "unavailable" without one.
        let (status, body) = analyze_now(
            &owner,
            &[("question", "Is the seal broken?")],
            Some(fixtures::jpeg(&fixtures::product_photo(1), 85)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["analysis"]["kind"], "describe");
        assert_eq!(body["analysis"]["status"], "unavailable", "{body}");

        // Clear errors at the edge.
        let png = fixtures::png(&scene.image);
        let (status, body) = analyze_now(&owner, &[("kind", "selfie")], Some(png.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = analyze_now(&owner, &[], Some(png.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _) = analyze_now(&owner, &[("kind", "count")], None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = analyze_now(
            &owner,
            &[
                ("kind", "count"),
                ("bot_id", "00000000-0000-7000-8000-000000000000"),
            ],
            Some(png.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // An iPhone HEIC photo: refused by the normaliser with what to do.
        let (status, body) = analyze_now(
            &owner,
            &[("kind", "condition")],
            Some(fixtures::heic_header()),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["analysis"]["status"], "failed");
        assert!(
            body["analysis"]["error"].as_str().unwrap().contains("HEIC"),
            "{body}"
        );

        // Agents may not; managers get 20 a minute (the 4 above that ran count).
        let (_, token) = owner
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "a", "role": "agent"})),
            )
            .await;
        let agent = app.with_token(token["secret"].as_str().unwrap());
        let (status, _) = analyze_now(&agent, &[("kind", "count")], Some(png.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let mut refused = None;
        for _ in 0..20 {
            let (status, body) = analyze_now(
                &owner,
                &[("kind", "condition")],
                Some(fixtures::heic_header()),
            )
            .await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused = Some(body);
                break;
            }
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let refused = refused.expect("a 429 within the minute");
        assert!(
            refused.to_string().contains("20 images a minute"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn the_test_vision_button_says_whether_the_model_sees() {
    for db in test_stores().await {
        let mock = parley_ai::testing::start().await;
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let bot = bots["items"][0].clone();
        let id = bot["id"].as_str().unwrap();
        let test = format!("/api/v1/bots/{id}/vision/test");
        let (status, check) = owner.call(Method::POST, &test, None).await;
        assert_eq!(status, StatusCode::OK, "{check}");
        assert_eq!(check["ok"], false);
        assert!(
            check["error"].as_str().unwrap().contains("no model"),
            "{check}"
        );

        let mut settings = json!({"base_url": mock.base_url, "model": "eyes", "temperature": 0.2,
            "max_tokens": 256, "context_tokens": 4096, "api_key": mock.api_key, "vision": false});
        let model = format!("/api/v1/bots/{id}/model");
        owner
            .call(Method::PUT, &model, Some(settings.clone()))
            .await;
        let (_, check) = owner.call(Method::POST, &test, None).await;
        assert!(
            check["error"].as_str().unwrap().contains("Sees images"),
            "{check}"
        );

        settings["vision"] = json!(true);
        owner.call(Method::PUT, &model, Some(settings)).await;
        let saw = json!({"description": "A red square on white.", "tags": ["square"],
                         "answer": "Red.", "confidence": 0.9});
        mock.recorded
            .lock()
            .unwrap()
            .scripted
            .insert("eyes".into(), saw.to_string());
        let (_, check) = owner.call(Method::POST, &test, None).await;
        assert_eq!(check["ok"], true, "{}: {check}", db.name);
        assert_eq!(
            (check["reply"].as_str(), check["model"].as_str()),
            (Some("Red."), Some("eyes"))
        );

        let blind =
            json!({"description": "A square.", "tags": [], "answer": "Blue.", "confidence": 0.9});
        mock.recorded
            .lock()
            .unwrap()
            .scripted
            .insert("eyes".into(), blind.to_string());
        let (_, check) = owner.call(Method::POST, &test, None).await;
        assert_eq!(check["ok"], false);
        assert!(
            check["error"].as_str().unwrap().contains("red square"),
            "{check}"
        );
    }
}

#[tokio::test]
async fn the_vision_client_handles_openai_ollama_and_vllm_servers() {
    use parley_ai::testing::VisionMode;
    for db in test_stores().await {
        let app = start_with_workflows(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let id = bots["items"][0]["id"].as_str().unwrap().to_string();
        let photo = fixtures::jpeg(&fixtures::product_photo(2), 85);
        for mode in [VisionMode::OpenAi, VisionMode::Ollama, VisionMode::Vllm] {
            let mock = parley_ai::testing::start().await;
            mock.recorded.lock().unwrap().vision_mode = mode;
            let use_model = |model: &str| {
                json!({"base_url": mock.base_url, "model": model, "temperature": 0.2, "max_tokens": 256,
                       "context_tokens": 4096, "api_key": mock.api_key, "vision": true})
            };
            let model_path = format!("/api/v1/bots/{id}/model");
            let outcome = |model: &'static str| {
                let (owner, photo, id, body) =
                    (&owner, photo.clone(), id.clone(), use_model(model));
                let model_path = model_path.clone();
                async move {
                    let (status, set) = owner.call(Method::PUT, &model_path, Some(body)).await;
                    assert!(status.is_success(), "{set}");
                    let (status, body) = analyze_now(
                        owner,
                        &[("question", "What colour is it?"), ("bot_id", &id)],
                        Some(photo),
                    )
                    .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                    body["analysis"].clone()
                }
            };
            // Each server's contract met: one data-URL image, the schema, a validated answer.
            let done = outcome("eyes").await;
            assert_eq!(done["status"], "done", "{} {mode:?}: {done}", db.name);
            assert_eq!(done["method"], "model");
            assert_eq!(done["result"]["answer"], "Red.");
            assert!(done["prompt_tokens"].is_number(), "{done}");
            let sent = mock
                .recorded
                .lock()
                .unwrap()
                .chat_requests
                .last()
                .cloned()
                .unwrap();
            let images = sent["messages"][1]["content"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["type"] == "image_url")
                .count();
            assert_eq!(images, 1, "vLLM takes one image per request");

            // Its failures, each a clear error on the analysis, never a made-up result.
            for (model, says) in [
                ("vision-refusal", "can't help"),
                ("vision-truncated", ""),
                ("vision-invalid-json", ""),
                ("broken", "The server had an error"),
            ] {
                let failed = outcome(model).await;
                assert_eq!(failed["status"], "failed", "{mode:?} {model}: {failed}");
                assert!(failed["result"].is_null());
                let error = failed["error"].as_str().unwrap();
                assert!(error.contains(says), "{mode:?} {model}: {error}");
                assert!(
                    !error.contains("{\"object\""),
                    "read out of vLLM's shape: {error}"
                );
            }
        }
    }
}
