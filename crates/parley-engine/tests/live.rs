//! Live events cross nodes through PostgreSQL (two hubs on one database stand for two
//! `parley serve` processes). On SQLite there is one node and nothing to relay.

use parley_engine::live::{Hub, LiveEvent};
use parley_store::testing::test_stores;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[tokio::test]
async fn an_event_published_on_one_node_reaches_subscribers_on_another() {
    for db in test_stores().await {
        if !db.store.can_notify() {
            continue;
        }
        let stop = CancellationToken::new();
        let (a, b) = (
            Hub::connected(&db.store, stop.clone()),
            Hub::connected(&db.store, stop.clone()),
        );
        let mut on_b = b.subscribe();
        let workspace_id = Uuid::now_v7();
        // The listener connects in the background: publish until it hears.
        let received = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                a.publish(LiveEvent {
                    workspace_id,
                    conversation_id: None,
                    kind: "conversation.updated",
                    data: serde_json::json!({"status": "resolved"}),
                });
                if let Ok(Ok(e)) =
                    tokio::time::timeout(Duration::from_millis(200), on_b.recv()).await
                {
                    return e;
                }
            }
        })
        .await
        .expect("the event crossed nodes");
        assert_eq!(received.workspace_id, workspace_id);
        assert_eq!(received.kind, "conversation.updated");
        assert_eq!(received.data["status"], "resolved");
        stop.cancel();
    }
}
