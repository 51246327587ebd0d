//! Repositories on every test database: tenancy, the outbox, sessions, the audit log and
//! stored images.

use parley_domain::bot::{Appearance, Behaviour};
use parley_store::repo::{accounts, audit, bots, images, outbox, sessions};
use parley_store::testing::test_stores;
use parley_store::{ConnectionTrait, StoreError, now_ms};
use serde_json::json;

fn new_bot(name: &str, key: &str) -> bots::NewBot {
    bots::NewBot {
        name: name.into(),
        public_key: key.into(),
        identity_secret: format!("secret-{key}"),
        allowed_origins: vec!["https://shop.example".into()],
        appearance: Appearance::default(),
        behaviour: Behaviour::default(),
    }
}

#[tokio::test]
async fn bots_never_cross_workspaces() {
    for db in test_stores().await {
        let c = db.store.db();
        let a = accounts::create_workspace(c, "A").await.unwrap();
        let b = accounts::create_workspace(c, "B").await.unwrap();
        let bot = bots::create(c, a.id, new_bot("Bot A", "pk_a"))
            .await
            .unwrap();
        assert_eq!(
            bots::get(c, a.id, bot.id).await.unwrap(),
            bot,
            "{}: settings round-trip",
            db.name
        );
        assert!(
            matches!(bots::get(c, b.id, bot.id).await, Err(StoreError::NotFound)),
            "{}",
            db.name
        );
        assert!(matches!(
            bots::update(c, b.id, bot.id, Default::default()).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            bots::delete(c, b.id, bot.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(bots::list(c, b.id).await.unwrap().is_empty());
        assert_eq!(
            bots::find_by_public_key(c, "pk_a")
                .await
                .unwrap()
                .map(|b| b.id),
            Some(bot.id)
        );
        let dup = bots::create(c, b.id, new_bot("Other", "pk_a")).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(_))),
            "{}: public keys are unique",
            db.name
        );
        bots::delete(c, a.id, bot.id).await.unwrap();
        assert!(bots::list(c, a.id).await.unwrap().is_empty());
    }
}

/// A write transaction that is neither committed nor rolled back (an error, or a request
/// cancelled while it waited on the database) is undone, and the next writer gets its turn.
#[tokio::test]
async fn abandoned_transactions_are_rolled_back_and_free_the_turn() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let tx = db.store.begin().await.unwrap();
        outbox::append(&tx, ws.id, "dropped", json!({}))
            .await
            .unwrap();
        drop(tx);

        // Cancelled between statements: the task holding the transaction is aborted.
        let (store, started) = (db.store.clone(), tokio::sync::oneshot::channel());
        let (appended, stalled) = started;
        let task = tokio::spawn(async move {
            let tx = store.begin().await.unwrap();
            outbox::append(&tx, ws.id, "cancelled", json!({}))
                .await
                .unwrap();
            appended.send(()).unwrap();
            std::future::pending::<()>().await;
            tx.commit().await.unwrap();
        });
        stalled.await.unwrap();
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());

        // A transaction whose first statement fails, and one that sends none.
        let tx = db.store.begin().await.unwrap();
        let backend = c.get_database_backend();
        let bad = sea_orm::Statement::from_string(backend, "SELECT no_such_column FROM outbox");
        assert!(tx.query_one_raw(bad).await.is_err(), "{}", db.name);
        drop(tx);
        db.store.begin().await.unwrap().commit().await.unwrap();

        // SQLite's write lock was let go: a write from outside the turn goes through.
        outbox::append(c, ws.id, "outside", json!({}))
            .await
            .unwrap();
        let writer = db.store.writer().await.unwrap();
        outbox::append(&writer, ws.id, "kept", json!({}))
            .await
            .unwrap();
        drop(writer);
        let tx = db.store.begin().await.unwrap();
        outbox::append(&tx, ws.id, "committed", json!({}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let kinds: Vec<String> = outbox::pending(c, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect();
        assert_eq!(kinds, ["outside", "kept", "committed"], "{}", db.name);
    }
}

#[tokio::test]
async fn outbox_events_are_pending_until_dispatched_in_order() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let tx = db.store.begin().await.unwrap();
        let first = outbox::append(&tx, ws.id, "conversation.started", json!({"n": 1}))
            .await
            .unwrap();
        let second = outbox::append(&tx, ws.id, "message.received", json!({"n": 2}))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert!(
            outbox::pending(c, 10).await.unwrap().is_empty(),
            "{}: rolled back with its transaction",
            db.name
        );
        let _ = (first, second);

        let tx = db.store.begin().await.unwrap();
        let first = outbox::append(&tx, ws.id, "conversation.started", json!({"n": 1}))
            .await
            .unwrap();
        let second = outbox::append(&tx, ws.id, "message.received", json!({"n": 2}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let pending = outbox::pending(c, 10).await.unwrap();
        assert_eq!(
            pending.iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![first, second]
        );
        assert_eq!(pending[1].payload, json!({"n": 2}));
        outbox::mark_dispatched(c, &[first]).await.unwrap();
        assert_eq!(
            outbox::pending(c, 10).await.unwrap().len(),
            1,
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn sessions_expire_and_audit_pages_newest_first() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let user = accounts::create_user(c, "u@example.com", "U", "hash")
            .await
            .unwrap();
        let now = now_ms();
        for (hash, expires) in [("live", now + 60_000), ("dead", now - 1)] {
            sessions::create(
                c,
                sessions::NewSession {
                    token_hash: hash,
                    user_id: user.id,
                    workspace_id: ws.id,
                    csrf_token: "c",
                    expires_at: expires,
                    ip: None,
                    user_agent: None,
                },
            )
            .await
            .unwrap();
        }
        assert!(sessions::find_live(c, "live", now).await.unwrap().is_some());
        assert!(
            sessions::find_live(c, "dead", now).await.unwrap().is_none(),
            "{}",
            db.name
        );
        assert_eq!(sessions::purge_expired(c, now).await.unwrap(), 1);

        for i in 0..5 {
            let entry = audit::NewAuditEntry {
                action: format!("a.{i}"),
                details: json!({}),
                ..Default::default()
            };
            audit::record(c, ws.id, entry).await.unwrap();
        }
        let page = audit::list(c, ws.id, 3, None).await.unwrap();
        assert_eq!(
            page.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["a.4", "a.3", "a.2"]
        );
        let rest = audit::list(c, ws.id, 3, Some(page[2].id)).await.unwrap();
        assert_eq!(
            rest.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["a.1", "a.0"],
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn the_same_image_stored_at_the_same_moment_is_one_row() {
    for db in test_stores().await {
        let ws = accounts::create_workspace(db.store.db(), "A")
            .await
            .unwrap();
        let (hash, bytes) = ("ab".repeat(32), b"the same picture".to_vec());
        let first = db.store.begin().await.unwrap();
        let stored = images::put(&first, ws.id, &hash, "image/png", bytes.clone())
            .await
            .unwrap();
        // A second upload of the bytes while the first transaction is open: on PostgreSQL
        // its insert waits for the first to commit (SQLite's write turn orders them).
        let store = db.store.clone();
        let (h, b) = (hash.clone(), bytes.clone());
        let second = tokio::spawn(async move {
            let tx = store.begin().await.unwrap();
            let again = images::put(&tx, ws.id, &h, "image/png", b).await;
            tx.commit().await.unwrap();
            again
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        first.commit().await.unwrap();
        let again = second.await.unwrap().expect("the second upload succeeds");
        assert_eq!(
            again, stored,
            "{}: both reference one stored image",
            db.name
        );
    }
}

#[tokio::test]
async fn a_transactions_first_statement_reports_its_own_row_count() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        for i in 0..4 {
            outbox::append(c, ws.id, &format!("e{i}"), json!({}))
                .await
                .unwrap();
        }
        let backend = c.get_database_backend();
        let all = sea_orm::Statement::from_sql_and_values(
            backend,
            "UPDATE outbox SET dispatched_at = 1 WHERE workspace_id = $1",
            [ws.id.into()],
        );
        // The writer's last statement changed four rows; the transaction's first changes one.
        let writer = db.store.writer().await.unwrap();
        assert_eq!(writer.execute_raw(all).await.unwrap().rows_affected(), 4);
        drop(writer);
        let tx = db.store.begin().await.unwrap();
        let one = sea_orm::Statement::from_sql_and_values(
            backend,
            "UPDATE outbox SET dispatched_at = 2 WHERE workspace_id = $1 AND event_type = $2",
            [ws.id.into(), "e0".into()],
        );
        let done = tx.execute_raw(one).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "{}", db.name);
        tx.commit().await.unwrap();
    }
}
