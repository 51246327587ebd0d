//! A visitor's data on request, on every test database: one visitor seeded everywhere
//! (messages, insight, tags, a note, an image, a lead, a workflow execution, an event the
//! host sent with their email, analytics), exported as a ZIP, erased; then every table's
//! text is searched for their email and their message texts (and on SQLite every byte of
//! the database, its WAL and shared memory), their widget session is refused, and the
//! analytics equal a rebuild from what is left. Retention deletes idle conversations only.

use crate::helpers;

use helpers::{Session, TestApp, Widget};
use parley_store::testing::test_stores;
use parley_store::{ConnectionTrait, DbBackend};
use reqwest::{Method, StatusCode};
use sea_orm::Statement;
use serde_json::{Value, json};
use std::io::Read;
use std::time::{Duration, Instant};

const ADA: &str = "ada.lovelace@example.com";
const MARKER: &str = "ZQXMARKER";
const NOTE_MARKER: &str = "NOTEZQX";
const BOB_MARKER: &str = "BOBKEEPSTHIS";

fn node(id: &str, kind: &str, data: Value) -> Value {
    json!({"id": id, "type": kind, "position": {"x": 0, "y": 0}, "data": data})
}

/// message.received → add_note (quoting the message) → tag → end: an execution whose
/// steps carry the visitor's text, a note and a tag.
async fn workflow(owner: &Session) {
    let graph = json!({
        "nodes": [
            node("t", "trigger", json!({"event": "message.received"})),
            node("note", "action", json!({"action": "add_note", "params": {"text": "Asked: {{event.payload.text}}"}})),
            node("tag", "action", json!({"action": "tag_conversation", "params": {"tag": "privacy-test"}})),
            node("end", "end", json!({})),
        ],
        "edges": [
            {"id": "a", "source": "t", "target": "note"},
            {"id": "b", "source": "note", "target": "tag"},
            {"id": "c", "source": "tag", "target": "end"},
        ],
    });
    let (status, wf) = owner
        .call(
            Method::POST,
            "/api/v1/workflows",
            Some(json!({"name": "Echo", "graph": graph})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{wf}");
    let id = wf["id"].as_str().unwrap();
    let (status, _) = owner
        .call(
            Method::POST,
            &format!("/api/v1/workflows/{id}/activate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// A widget whose visitor is proven as `email` by the host page, with one conversation.
async fn proven_visitor(app: &TestApp, bot: &Value, secret: &str, email: &str) -> (Widget, String) {
    let mut w = Widget::of(app, bot);
    let hash = parley_domain::identity::user_hash(secret, email);
    let (status, started) = w
        .call(
            Method::POST,
            "/widget/v1/conversations",
            Some(json!({"email": email, "user_hash": hash})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["email_verified"], true);
    w.session = started["session_token"].as_str().map(str::to_string);
    let conv = started["conversation"]["id"].as_str().unwrap().to_string();
    (w, conv)
}

async fn say(w: &Widget, conv: &str, text: &str) {
    let (status, body) = w
        .call(
            Method::POST,
            &format!("/widget/v1/conversations/{conv}/messages"),
            Some(json!({"text": text})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Waits until every event is dispatched and no job is queued or running.
async fn settle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending = count(
            app,
            "SELECT (SELECT count(*) FROM outbox WHERE dispatched_at IS NULL) + \
             (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')) AS n",
        )
        .await;
        if pending == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{}: {pending} still pending",
            app.name
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.store.backend();
    let row = app
        .store
        .db()
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Every (table, column) holding text, JSON or bytes, and how to find a needle in it.
async fn searchable_columns(app: &TestApp) -> Vec<(String, String, bool)> {
    let db = app.store.db();
    let mut out = vec![];
    match app.store.backend() {
        DbBackend::Postgres => {
            let rows = db
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d \
                     FROM information_schema.columns WHERE table_schema = current_schema() \
                     AND data_type IN ('text', 'character varying', 'character', 'json', \
                       'jsonb', 'bytea', 'tsvector', 'USER-DEFINED', 'ARRAY')",
                ))
                .await
                .unwrap();
            for r in rows {
                let d: String = r.try_get("", "d").unwrap();
                out.push((
                    r.try_get("", "t").unwrap(),
                    r.try_get("", "c").unwrap(),
                    d == "bytea",
                ));
            }
        }
        _ => {
            let tables = db
                .query_all_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT name FROM sqlite_master WHERE type = 'table'",
                ))
                .await
                .unwrap();
            for t in tables {
                let table: String = t.try_get("", "name").unwrap();
                let cols = db
                    .query_all_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        format!("SELECT name FROM pragma_table_info('{table}')"),
                    ))
                    .await
                    .unwrap();
                for c in cols {
                    out.push((table.clone(), c.try_get("", "name").unwrap(), false));
                }
            }
        }
    }
    assert!(
        out.len() > 50,
        "{}: only {} columns found",
        app.name,
        out.len()
    );
    out
}

/// Rows of any table whose text (or bytes) contains `needle`, case-insensitively.
async fn hits(app: &TestApp, columns: &[(String, String, bool)], needle: &str) -> Vec<String> {
    let db = app.store.db();
    let backend = app.store.backend();
    let mut found = vec![];
    for (table, column, bytes) in columns {
        let sql = match (backend, bytes) {
            (DbBackend::Postgres, true) => format!(
                "SELECT count(*) AS n FROM \"{table}\" WHERE \
                 position(convert_to($1, 'UTF8') in \"{column}\") > 0"
            ),
            (DbBackend::Postgres, false) => format!(
                "SELECT count(*) AS n FROM \"{table}\" WHERE \
                 lower(CAST(\"{column}\" AS TEXT)) LIKE '%' || lower($1) || '%'"
            ),
            _ => format!(
                "SELECT count(*) AS n FROM \"{table}\" WHERE \
                 instr(lower(CAST(\"{column}\" AS TEXT)), lower(?1)) > 0"
            ),
        };
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [needle.into()],
            ))
            .await
            .unwrap_or_else(|e| panic!("{table}.{column}: {e}"))
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        if n > 0 {
            found.push(format!("{table}.{column} ({n})"));
        }
    }
    found
}

/// The database file and what SQLite keeps beside it, as bytes.
async fn sqlite_files(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let row = app
        .store
        .db()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await
        .unwrap()
        .unwrap();
    let file: String = row.try_get("", "file").unwrap();
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .filter_map(|s| {
            let path = format!("{file}{s}");
            std::fs::read(&path).ok().map(|b| (path, b))
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The rollup as (metric, dim) → sum, for comparisons.
async fn rollup(app: &TestApp) -> Vec<(String, String, i64)> {
    let rows = app
        .store
        .db()
        .query_all_raw(Statement::from_string(
            app.store.backend(),
            "SELECT metric, dim, CAST(SUM(value) AS BIGINT) AS v FROM analytics_hourly \
             GROUP BY metric, dim HAVING SUM(value) <> 0 ORDER BY metric, dim",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "metric").unwrap(),
                r.try_get("", "dim").unwrap(),
                r.try_get("", "v").unwrap(),
            )
        })
        .collect()
}

async fn wait_erased(owner: &Session, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, r) = owner
            .call(Method::GET, &format!("/api/v1/privacy/erasures/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        if r["status"] == "done" || r["status"] == "failed" {
            return r;
        }
        assert!(Instant::now() < deadline, "erasure still {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_visitor_is_exported_then_erased_from_every_table_and_byte() {
    for db in test_stores().await {
        let app = helpers::start_with_workflows(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let bot_id = bot["id"].as_str().unwrap();
        let (_, rotated) = owner
            .call(
                Method::POST,
                &format!("/api/v1/bots/{bot_id}/rotate"),
                Some(json!({"key": "identity_secret"})),
            )
            .await;
        let secret = rotated["identity_secret"].as_str().unwrap().to_string();
        workflow(&owner).await;

        // Ada, everywhere.
        let (ada, conv) = proven_visitor(&app, &bot, &secret, ADA).await;
        say(&ada, &conv, &format!("Hello {MARKER} I want a refund")).await;
        say(
            &ada,
            &conv,
            &format!("We need pricing for 50 seats, budget approved, my email is {ADA} {MARKER}"),
        )
        .await;
        let (status, sent) =
            crate::images::upload(&ada, &conv, crate::images::PNG.to_vec(), "box.png").await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        let path = format!("/api/v1/conversations/{conv}");
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("{path}/notes"),
                Some(json!({"text": format!("{NOTE_MARKER} called back")})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = owner
            .call(Method::PATCH, &path, Some(json!({"tags": ["vip"]})))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = owner
            .call(
                Method::POST,
                "/api/v1/events",
                Some(json!({"name": "crm.synced", "payload": {"email": ADA, "note": MARKER}})),
            )
            .await;
        assert!(status.is_success(), "{status}");
        // Bob stays.
        let (bob, bob_conv) = proven_visitor(&app, &bot, &secret, "bob@example.com").await;
        say(&bob, &bob_conv, &format!("{BOB_MARKER} where is my order")).await;
        settle(&app).await;

        let columns = searchable_columns(&app).await;
        let before = hits(&app, &columns, MARKER).await;
        assert!(
            before.iter().any(|h| h.starts_with("messages.body"))
                && before.iter().any(|h| h.starts_with("execution_steps.")),
            "{}: the seed must reach messages and executions: {before:?}",
            app.name
        );
        let rollup_before = rollup(&app).await;

        // Export: a ZIP with the conversation, its messages, note, image and execution.
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/privacy/export",
                Some(json!({"email": "nobody@example.com"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let r = owner
            .request(Method::POST, "/api/v1/privacy/export")
            .json(&json!({"email": ADA.to_uppercase()}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/zip");
        let bytes = r.bytes().await.unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        let mut read = |name: &str| {
            let mut s = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        let transcript = read(&format!("conversations/{conv}.json"));
        assert!(
            transcript.contains(MARKER) && transcript.contains(NOTE_MARKER),
            "{transcript}"
        );
        assert!(transcript.contains("vip") && transcript.contains("insight"));
        assert!(!transcript.contains(BOB_MARKER));
        assert!(read("visitor.json").contains(ADA));
        assert!(read("executions.json").contains(MARKER));
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("images/") && n.ends_with(".png")),
            "{names:?}"
        );

        // Erase.
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/privacy/erase",
                Some(json!({"email": "not an email"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, request) = owner
            .call(
                Method::POST,
                "/api/v1/privacy/erase",
                Some(json!({"email": ADA})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{request}");
        assert_eq!(request["conversations_total"], 1);
        let done = wait_erased(&owner, request["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "done", "{done}");
        assert_eq!(done["conversations_done"], 1);
        settle(&app).await;

        // Nothing of Ada in any table; Bob untouched.
        for needle in [ADA, MARKER, NOTE_MARKER] {
            let found = hits(&app, &columns, needle).await;
            assert!(
                found.is_empty(),
                "{}: {needle} still in {found:?}",
                app.name
            );
        }
        assert!(!hits(&app, &columns, BOB_MARKER).await.is_empty());
        let (status, _) = owner.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, contacts) = owner.call(Method::GET, "/api/v1/contacts", None).await;
        assert!(!contacts.to_string().contains(ADA), "{contacts}");

        // Analytics recounted: exactly a rebuild from what is left, and smaller.
        let after = rollup(&app).await;
        assert_ne!(after, rollup_before);
        parley_store::repo::analytics::rebuild(&app.store)
            .await
            .unwrap();
        assert_eq!(after, rollup(&app).await, "{}", app.name);

        // Her widget session is refused; Bob's still works.
        let (status, _) = ada
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{conv}"),
                None,
            )
            .await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
            "{status}"
        );
        let (status, _) = ada
            .call(Method::GET, "/widget/v1/conversations", None)
            .await;
        assert!(status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN);
        let (status, _) = bob
            .call(
                Method::GET,
                &format!("/widget/v1/conversations/{bob_conv}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        // On SQLite, not a byte of it in the database, its WAL or shared memory.
        if app.store.backend() == DbBackend::Sqlite {
            let files = sqlite_files(&app).await;
            assert!(!files.is_empty());
            for (path, bytes) in &files {
                for needle in [ADA, MARKER, NOTE_MARKER] {
                    assert!(!contains(bytes, needle), "{needle} in the bytes of {path}");
                }
            }
            assert!(files.iter().any(|(_, b)| contains(b, BOB_MARKER)));
        }

        // The audit log says an export and an erasure happened, not about whom.
        let (_, audit) = owner.call(Method::GET, "/api/v1/audit", None).await;
        let text = audit.to_string();
        assert!(
            text.contains("privacy.export") && text.contains("privacy.erased"),
            "{text}"
        );
        assert!(!text.contains(ADA));
    }
}

#[tokio::test]
async fn only_managers_use_privacy_and_other_workspaces_are_untouched() {
    for db in test_stores().await {
        let app = helpers::start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let mut w = Widget::of(&app, &bot);
        let conv = w.start().await;
        say(&w, &conv, &format!("I am {ADA}, {MARKER}")).await;

        let other = app.owner_of_another_workspace().await;
        let (status, _) = other
            .call(
                Method::POST,
                "/api/v1/privacy/export",
                Some(json!({"email": ADA})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.name);
        let (status, r) = other
            .call(
                Method::POST,
                "/api/v1/privacy/erase",
                Some(json!({"email": ADA})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(r["conversations_total"], 0);
        let (_, r) = other
            .call(
                Method::GET,
                &format!("/api/v1/privacy/erasures/{}", r["id"].as_str().unwrap()),
                None,
            )
            .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut r = r;
        while r["status"] != "done" {
            assert!(Instant::now() < deadline, "{r}");
            tokio::time::sleep(Duration::from_millis(100)).await;
            r = other
                .call(
                    Method::GET,
                    &format!("/api/v1/privacy/erasures/{}", r["id"].as_str().unwrap()),
                    None,
                )
                .await
                .1;
        }
        // The typed email made a contact in the owner's workspace; it is still there.
        let (status, _) = owner
            .call(Method::GET, &format!("/api/v1/conversations/{conv}"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, r) = owner
            .call(
                Method::GET,
                &format!("/api/v1/privacy/erasures/{}", r["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(r["error"]["code"], "not_found", "{r}");

        let (status, token) = owner
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "agent", "role": "agent"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        let agent = app.with_token(token["secret"].as_str().unwrap());
        for (method, path, body) in [
            (
                Method::POST,
                "/api/v1/privacy/export",
                Some(json!({"email": ADA})),
            ),
            (
                Method::POST,
                "/api/v1/privacy/erase",
                Some(json!({"email": ADA})),
            ),
            (Method::GET, "/api/v1/privacy/settings", None),
            (
                Method::PUT,
                "/api/v1/privacy/settings",
                Some(json!({"retention_days": 5})),
            ),
        ] {
            let (status, body) = agent.call(method, path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn retention_deletes_idle_conversations_only() {
    for db in test_stores().await {
        let app = helpers::start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let (_, s) = owner
            .call(Method::GET, "/api/v1/privacy/settings", None)
            .await;
        assert_eq!(s["retention_days"], Value::Null, "off by default");
        for bad in [json!(0), json!(4000), json!("x")] {
            let (status, _) = owner
                .call(
                    Method::PUT,
                    "/api/v1/privacy/settings",
                    Some(json!({"retention_days": bad})),
                )
                .await;
            assert!(status.is_client_error(), "{bad}: {status}");
        }

        let mut old = Widget::of(&app, &bot);
        let old_conv = old.start().await;
        say(&old, &old_conv, &format!("{MARKER} long ago")).await;
        let mut recent = Widget::of(&app, &bot);
        let recent_conv = recent.start().await;
        say(&recent, &recent_conv, "just now").await;
        // Age one conversation (and its visitor) by 40 days.
        let forty_days = 40i64 * 24 * 3600 * 1000;
        let backend = app.store.backend();
        let conv_id: uuid::Uuid = old_conv.parse().unwrap();
        let writer = app.store.writer().await.unwrap();
        for sql in [
            "UPDATE conversations SET last_message_at = last_message_at - $1, created_at = created_at - $1 WHERE id = $2",
            "UPDATE visitors SET last_seen_at = last_seen_at - $1 WHERE id = (SELECT visitor_id FROM conversations WHERE id = $2)",
        ] {
            let sql = if backend == DbBackend::Sqlite {
                sql.replace('$', "?")
            } else {
                sql.to_string()
            };
            writer
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [forty_days.into(), conv_id.into()],
                ))
                .await
                .unwrap();
        }
        drop(writer);

        // Off: nothing goes.
        assert_eq!(
            parley_engine::privacy::apply_retention(&app.store)
                .await
                .unwrap(),
            0
        );
        let (status, s) = owner
            .call(
                Method::PUT,
                "/api/v1/privacy/settings",
                Some(json!({"retention_days": 30})),
            )
            .await;
        assert_eq!(
            (status, s["retention_days"].clone()),
            (StatusCode::OK, json!(30))
        );
        assert_eq!(
            parley_engine::privacy::apply_retention(&app.store)
                .await
                .unwrap(),
            1
        );
        let (status, _) = owner
            .call(
                Method::GET,
                &format!("/api/v1/conversations/{old_conv}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.name);
        let (status, _) = owner
            .call(
                Method::GET,
                &format!("/api/v1/conversations/{recent_conv}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let columns = searchable_columns(&app).await;
        assert!(hits(&app, &columns, MARKER).await.is_empty());
        // The daily job is queued once per day, however often maintenance runs.
        parley_engine::privacy::schedule_retention(&app.store)
            .await
            .unwrap();
        parley_engine::privacy::schedule_retention(&app.store)
            .await
            .unwrap();
        assert_eq!(
            count(
                &app,
                "SELECT count(*) FROM jobs WHERE kind = 'privacy.retention'"
            )
            .await,
            1
        );
    }
}

/// A long history is erased in batches (one transaction each) with its progress counted,
/// and nothing of it is left.
#[tokio::test]
async fn a_long_history_is_erased_in_batches() {
    use parley_store::repo::conversations as convs;
    for db in test_stores().await {
        let app = helpers::start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Shop").await;
        let bot_id: uuid::Uuid = bot["id"].as_str().unwrap().parse().unwrap();
        let (_, me) = owner.call(Method::GET, "/api/v1/auth/me", None).await;
        let ws: uuid::Uuid = me["workspace"]["id"].as_str().unwrap().parse().unwrap();
        let n = parley_engine::privacy::BATCH as usize * 2 + 5;
        let tx = app.store.begin().await.unwrap();
        let visitor = convs::create_visitor(&tx, ws, bot_id, Some(ADA))
            .await
            .unwrap();
        for _ in 0..n {
            convs::create_conversation(&tx, &visitor).await.unwrap();
        }
        tx.commit().await.unwrap();

        let (status, request) = owner
            .call(
                Method::POST,
                "/api/v1/privacy/erase",
                Some(json!({"email": ADA})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{request}");
        assert_eq!(request["conversations_total"], n);
        let done = wait_erased(&owner, request["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "done", "{}: {done}", app.name);
        assert_eq!(done["conversations_done"], n);
        assert_eq!(count(&app, "SELECT count(*) FROM conversations").await, 0);
        assert_eq!(count(&app, "SELECT count(*) FROM visitors").await, 0);
        assert_eq!(
            count(
                &app,
                "SELECT count(*) FROM privacy_requests WHERE email IS NOT NULL"
            )
            .await,
            0,
            "the request forgets the email"
        );
    }
}
