//! Visitors' images: checked by their bytes, stored once by hash, shown through short-lived
//! signed links, announced to the automation engine; on every test database.

use crate::helpers;

use helpers::{Widget, start};
use parley_store::testing::test_stores;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A real 1x1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

pub(crate) async fn upload(
    w: &Widget,
    conv: &str,
    bytes: Vec<u8>,
    name: &str,
) -> (StatusCode, Value) {
    let form = Form::new()
        .part("image", Part::bytes(bytes).file_name(name.to_string()))
        .text("caption", "The box arrived crushed");
    let r = w
        .request(
            Method::POST,
            &format!("/widget/v1/conversations/{conv}/images"),
        )
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn images_are_checked_stored_once_and_served_by_signed_links_only() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;

        let (status, sent) = upload(&w, &conv, PNG.to_vec(), "box.png").await;
        assert_eq!(status, StatusCode::CREATED, "{}: {sent}", db.name);
        let message = &sent["message"];
        assert_eq!(message["role"], "visitor");
        assert_eq!(message["text"], "The box arrived crushed");
        let attachment = &message["attachments"][0];
        assert_eq!(attachment["content_type"], "image/png");
        assert_eq!(attachment["bytes"], PNG.len());
        assert_eq!(attachment["name"], "box.png");

        // The link works without any other credential, and only as signed.
        let url = format!("{}{}", app.base, attachment["url"].as_str().unwrap());
        let r = reqwest::get(&url).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
        let tampered = url.replace("exp=", "exp=9");
        assert_eq!(
            reqwest::get(&tampered).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let unsigned = url.split('?').next().unwrap().to_string();
        assert_eq!(
            reqwest::get(&unsigned).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );

        // The same bytes again: another message, one stored image.
        let (status, again) = upload(&w, &conv, PNG.to_vec(), "again.png").await;
        assert_eq!(status, StatusCode::CREATED);
        assert_ne!(again["message"]["id"], message["id"]);

        // The transcript shows it (widget and inbox), and the automation engine hears of it.
        let (_, transcript) = w
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv}"),
                None,
            )
            .await;
        assert_eq!(
            transcript["messages"][0]["attachments"][0]["name"],
            "box.png"
        );
        let (_, detail) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        assert_eq!(
            detail["messages"][0]["attachments"][0]["content_type"],
            "image/png"
        );
        let events = parley_store::repo::outbox::pending(app.store.db(), 100)
            .await
            .unwrap();
        let uploaded: Vec<_> = events
            .iter()
            .filter(|e| e.event_type == "image.uploaded")
            .collect();
        assert_eq!(uploaded.len(), 2, "{}", db.name);
        assert_eq!(uploaded[0].payload["image"]["content_type"], "image/png");
        assert_eq!(uploaded[0].payload["caption"], "The box arrived crushed");
        assert_eq!(
            uploaded[0].payload["image"]["sha256"], uploaded[1].payload["image"]["sha256"],
            "stored by hash"
        );
        assert_eq!(
            uploaded[0].payload["image"]["image_id"], uploaded[1].payload["image"]["image_id"],
            "stored once"
        );

        // Refused: not an image by its bytes, too large, no file, not the visitor's.
        let (status, body) = upload(&w, &conv, b"<svg onload=alert(1)>".to_vec(), "x.png").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
        let mut big = PNG.to_vec();
        big.resize(5 * 1024 * 1024 + 1, 0);
        let (status, body) = upload(&w, &conv, big, "big.png").await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        // A small file that declares 20,000 × 20,000 pixels (an image bomb).
        let mut bomb = PNG.to_vec();
        bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let (status, body) = upload(&w, &conv, bomb, "bomb.png").await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("20000 × 20000"),
            "{body}"
        );
        let r = w
            .request(
                Method::POST,
                &format!("/widget/v1/conversations/{conv}/images"),
            )
            .multipart(Form::new().text("caption", "no file"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let mut stranger = Widget::of(&app, &bot);
        stranger.start().await;
        let (status, _) = upload(&stranger, &conv, PNG.to_vec(), "box.png").await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "another visitor cannot post into this conversation: {status}"
        );
    }
}

/// A visitor's uploads count against a daily quota (refused uploads do not), another
/// visitor has their own, and no upload is taken while the disk is nearly full.
#[tokio::test]
async fn uploads_stop_at_the_days_quota_and_a_nearly_full_disk() {
    for db in test_stores().await {
        let config = parley_server::config::Config {
            upload_quota: (2 * PNG.len() as u64, 1 << 30),
            ..helpers::config()
        };
        let app = helpers::start_with_config(&db, config).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Quota").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        let (status, _) = upload(&w, &conv, b"not an image".to_vec(), "x.png").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        for name in ["one.png", "two.png"] {
            let (status, body) = upload(&w, &conv, PNG.to_vec(), name).await;
            assert_eq!(status, StatusCode::CREATED, "{}: {body}", db.name);
        }
        let (status, body) = upload(&w, &conv, PNG.to_vec(), "three.png").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}: {body}", db.name);
        assert_eq!(body["error"]["code"], "upload_quota_exceeded");
        let mut other = Widget::of(&app, &bot);
        let theirs = other.start().await;
        let (status, _) = upload(&other, &theirs, PNG.to_vec(), "mine.png").await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "another visitor has their own quota"
        );
    }
    let db = test_stores().await.remove(0);
    assert_eq!(
        db.name, "sqlite",
        "the disk guard watches SQLite's data directory"
    );
    let data_dir = std::env::temp_dir();
    let config = parley_server::config::Config {
        data_dir,
        database_url: "sqlite://unused.db".into(),
        min_free_disk: u64::MAX,
        ..helpers::config()
    };
    let app = helpers::start_with_config(&db, config).await;
    let owner = app.owner().await;
    let bot = owner.create_bot("Full").await;
    let mut w = Widget::of(&app, &bot);
    let conv = w.start().await;
    let (status, body) = upload(&w, &conv, PNG.to_vec(), "box.png").await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"]["code"], "disk_full");
}
