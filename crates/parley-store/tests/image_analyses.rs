//! Image analyses on every test database: queued in a transaction, finished, listed per
//! conversation and image, kept to their workspace, erased with their conversation.

use parley_domain::bot::{Appearance, Behaviour};
use parley_store::StoreError;
use parley_store::repo::image_analyses::{self as analyses, DONE, Finished, NewAnalysis, QUEUED};
use parley_store::repo::{accounts, bots, conversations as convs, images};
use parley_store::testing::test_stores;
use serde_json::json;

#[tokio::test]
async fn an_analysis_is_queued_finished_and_kept_to_its_workspace() {
    for db in test_stores().await {
        let (store, name) = (&db.store, db.name);
        let c = store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap().id;
        let other = accounts::create_workspace(c, "X").await.unwrap().id;
        let new = bots::NewBot {
            name: "b".into(),
            public_key: "pk_b".into(),
            identity_secret: "s".into(),
            allowed_origins: vec![],
            appearance: Appearance::default(),
            behaviour: Behaviour::default(),
        };
        let bot = bots::create(c, ws, new).await.unwrap().id;
        let visitor = convs::create_visitor(c, ws, bot, None).await.unwrap();
        let conv = convs::create_conversation(c, &visitor).await.unwrap();

        let tx = store.begin().await.unwrap();
        let image = images::put(&tx, ws, "ab12", "image/png", vec![1, 2, 3])
            .await
            .unwrap();
        let new = NewAnalysis {
            image_id: image.id,
            conversation_id: Some(conv.id),
            message_id: None,
            kind: "invoice".into(),
            kind_source: "purpose".into(),
        };
        let queued = analyses::queue(&tx, ws, new).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(queued.status, QUEUED, "{name}");
        assert_eq!(analyses::get(c, ws, queued.id).await.unwrap(), queued);

        let result = json!({"kind": "invoice", "total": 58.85});
        let finished = Finished {
            status: DONE.into(),
            method: Some("offline".into()),
            provider: Some("tesseract".into()),
            result: Some(result.clone()),
            summary: Some("Invoice total 58.85".into()),
            analyze_ms: Some(220),
            ..Default::default()
        };
        let done = analyses::finish(c, ws, queued.id, finished).await.unwrap();
        assert_eq!(done.status, DONE, "{name}");
        assert_eq!(done.result, Some(result), "{name}");
        assert_eq!(done.analyze_ms, Some(220), "{name}");
        assert!(done.finished_at.is_some(), "{name}");
        let listed = analyses::for_conversation(c, ws, conv.id).await.unwrap();
        assert_eq!(listed, vec![done.clone()], "{name}");
        assert_eq!(analyses::for_image(c, ws, image.id).await.unwrap().len(), 1);

        // Another workspace neither sees nor changes it.
        let theirs = analyses::get(c, other, queued.id).await;
        assert!(matches!(theirs, Err(StoreError::NotFound)), "{name}");
        let theirs = analyses::finish(c, other, queued.id, Finished::default()).await;
        assert!(matches!(theirs, Err(StoreError::NotFound)), "{name}");
        assert!(
            analyses::for_conversation(c, other, conv.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(analyses::get(c, ws, queued.id).await.unwrap(), done);

        // An agent's correction sits beside the original, which stays as it was.
        let agent = uuid::Uuid::now_v7();
        let correction = analyses::Correction {
            result: json!({"kind": "invoice", "total": 60.0}),
            summary: "Invoice total 60.00".into(),
            by: agent,
            by_name: "Ada".into(),
            note: Some("the 8 was a 0".into()),
        };
        let theirs = analyses::correct(c, other, queued.id, correction.clone()).await;
        assert!(matches!(theirs, Err(StoreError::NotFound)), "{name}");
        let fixed = analyses::correct(c, ws, queued.id, correction)
            .await
            .unwrap();
        assert_eq!(fixed.result, done.result, "{name}: the original is kept");
        assert_eq!(
            fixed.corrected_result,
            Some(json!({"kind": "invoice", "total": 60.0}))
        );
        assert_eq!(
            fixed.corrected_summary.as_deref(),
            Some("Invoice total 60.00")
        );
        assert_eq!(
            (fixed.corrected_by, fixed.corrected_by_name.as_deref()),
            (Some(agent), Some("Ada"))
        );
        assert_eq!(fixed.correction_note.as_deref(), Some("the 8 was a 0"));
        assert!(fixed.corrected_at.is_some(), "{name}");
        db.close().await;
    }
}
