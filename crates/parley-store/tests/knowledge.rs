//! Documents, full-text search, FAQs and conversations on every test database.

use parley_domain::bot::{Appearance, Behaviour};
use parley_store::repo::conversations::{self as convs, ConversationFilter, NewMessage};
use parley_store::repo::knowledge::{self, NewChunk, NewDocument};
use parley_store::repo::{accounts, bots, faqs};
use parley_store::testing::corpus::empty_document;
use parley_store::testing::test_stores;
use uuid::Uuid;

async fn bot(c: &impl parley_store::ConnectionTrait, ws: Uuid, key: &str) -> Uuid {
    let new = bots::NewBot {
        name: key.into(),
        public_key: key.into(),
        identity_secret: "s".into(),
        allowed_origins: vec![],
        appearance: Appearance::default(),
        behaviour: Behaviour::default(),
    };
    bots::create(c, ws, new).await.unwrap().id
}

/// Replaces a document's chunks in a transaction of its own, as ingestion does.
async fn replace(
    store: &parley_store::Store,
    doc: &knowledge::Document,
    chunks: &[NewChunk<'_>],
) -> parley_store::StoreResult<()> {
    let tx = store.begin().await?;
    knowledge::replace_chunks(&tx, doc, chunks).await?;
    Ok(tx.commit().await?)
}

/// A search that counts the question's words afresh.
async fn search(
    c: &parley_store::Db,
    ws: Uuid,
    bot: Uuid,
    words: &[String],
    limit: u64,
) -> parley_store::StoreResult<Vec<knowledge::ChunkHit>> {
    knowledge::search(c, &Default::default(), ws, bot, words, limit).await
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

#[tokio::test]
async fn full_text_search_ranks_scopes_and_forgets_deleted_chunks() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let (a, b) = (bot(c, ws.id, "pk_a").await, bot(c, ws.id, "pk_b").await);
        let doc = knowledge::create_document(
            c,
            ws.id,
            a,
            NewDocument {
                source_url: None,
                name: "policies.md",
                content_type: "text/markdown",
                sha256: "x",
                content: b"raw".to_vec(),
            },
        )
        .await
        .unwrap();
        let chunks = [
            NewChunk {
                heading: "Returns",
                body: "You can return unworn boots within 30 days for a refund.",
                token_count: 12,
                embedding: None,
            },
            NewChunk {
                heading: "Shipping",
                body: "Orders ship in two business days. Shipping is free over $50.",
                token_count: 12,
                embedding: None,
            },
            NewChunk {
                heading: "Warranty",
                body: "Tents carry a lifetime warranty against manufacturing defects.",
                token_count: 9,
                embedding: None,
            },
        ];
        replace(&db.store, &doc, &chunks).await.unwrap();
        let other = knowledge::create_document(
            c,
            ws.id,
            b,
            NewDocument {
                source_url: None,
                name: "b.md",
                content_type: "text/markdown",
                sha256: "y",
                content: vec![],
            },
        )
        .await
        .unwrap();
        replace(
            &db.store,
            &other,
            &[NewChunk {
                heading: "Returns",
                body: "Bot B returns policy.",
                token_count: 4,
                embedding: None,
            }],
        )
        .await
        .unwrap();

        let hits = search(c, ws.id, a, &words("returning boots"), 10)
            .await
            .unwrap();
        assert!(
            !hits.is_empty(),
            "{}: stemming finds 'return' for 'returning'",
            db.name
        );
        assert_eq!(hits[0].heading, "Returns");
        assert_eq!(hits[0].document_name, "policies.md");
        assert!(
            hits.iter().all(|h| h.document_id == doc.id),
            "{}: other bots' chunks never match",
            db.name
        );
        let hits = search(c, ws.id, a, &words("free shipping"), 10)
            .await
            .unwrap();
        assert_eq!(hits[0].heading, "Shipping", "{}", db.name);
        assert!(
            search(c, ws.id, a, &words("kayak"), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            search(c, ws.id, a, &words("\" OR drop"), 10)
                .await
                .unwrap()
                .iter()
                .all(|h| h.document_id == doc.id),
            "quotes are not syntax"
        );
        let other_ws = accounts::create_workspace(c, "X").await.unwrap();
        assert!(
            search(c, other_ws.id, a, &words("boots"), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: tenancy",
            db.name
        );

        // Replacing and deleting keep the index in step.
        replace(&db.store, &doc, &chunks[2..]).await.unwrap();
        assert!(
            search(c, ws.id, a, &words("boots"), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: replaced",
            db.name
        );
        knowledge::delete_document(c, ws.id, doc.id).await.unwrap();
        assert!(
            search(c, ws.id, a, &words("warranty"), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: deleted",
            db.name
        );
        assert!(matches!(
            knowledge::delete_document(c, ws.id, doc.id).await,
            Err(parley_store::StoreError::NotFound)
        ));
        assert_eq!(knowledge::counts(c, b).await.unwrap(), (1, 1));
    }
}

#[tokio::test]
async fn faqs_keep_their_order() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk").await;
        let one = faqs::create(c, ws.id, b, "Q1", "A1", true).await.unwrap();
        let two = faqs::create(c, ws.id, b, "Q2", "A2", false).await.unwrap();
        let three = faqs::create(c, ws.id, b, "Q3", "A3", true).await.unwrap();
        assert_eq!((one.position, two.position, three.position), (0, 1, 2));
        assert!(
            faqs::reorder(c, ws.id, b, &[three.id, one.id, two.id])
                .await
                .unwrap()
        );
        assert!(
            !faqs::reorder(c, ws.id, b, &[three.id, one.id])
                .await
                .unwrap(),
            "must name every FAQ"
        );
        let listed: Vec<String> = faqs::list(c, ws.id, b, false)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.question)
            .collect();
        assert_eq!(listed, ["Q3", "Q1", "Q2"], "{}", db.name);
        assert_eq!(faqs::list(c, ws.id, b, true).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn conversations_filter_by_text_status_and_visitor() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk").await;
        let ada = convs::visitor_by_email(c, ws.id, b, "ada@example.com")
            .await
            .unwrap();
        assert_eq!(
            convs::visitor_by_email(c, ws.id, b, "ada@example.com")
                .await
                .unwrap()
                .id,
            ada.id,
            "{}: found again",
            db.name
        );
        let anon = convs::create_visitor(c, ws.id, b, None).await.unwrap();
        let first = convs::create_conversation(c, &ada).await.unwrap();
        convs::append_message(
            c,
            &first,
            NewMessage {
                role: "visitor".into(),
                body: "Where is my Tent order?".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        convs::append_message(
            c,
            &first,
            NewMessage {
                role: "bot".into(),
                body: "It ships today.".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let second = convs::create_conversation(c, &anon).await.unwrap();
        convs::append_message(
            c,
            &second,
            NewMessage {
                role: "visitor".into(),
                body: "Hello".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();

        let all = convs::list(
            c,
            ws.id,
            &ConversationFilter {
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(all.len(), 2);
        let found = convs::list(
            c,
            ws.id,
            &ConversationFilter {
                text: Some("tent".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            found.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![first.id],
            "{}: text in any message",
            db.name
        );
        let mine = convs::list(
            c,
            ws.id,
            &ConversationFilter {
                visitor_id: Some(anon.id),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(mine.len(), 1);
        let reloaded = convs::get(c, ws.id, first.id).await.unwrap();
        assert_eq!(
            (reloaded.message_count, reloaded.preview.as_str()),
            (2, "It ships today.")
        );
        let change = convs::Change {
            status: Some(convs::RESOLVED),
            human_handoff: Some(true),
            tags: Some(vec!["vip".into()]),
            ..Default::default()
        };
        let resolved = convs::update(c, reloaded, change).await.unwrap();
        assert_eq!(convs::tags(&resolved).unwrap(), vec!["vip"]);
        let open = convs::list(
            c,
            ws.id,
            &ConversationFilter {
                status: Some("open".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(open.len(), 1, "{}", db.name);
        let recent = convs::recent_messages(c, first.id, 1).await.unwrap();
        assert_eq!(recent[0].body, "It ships today.");
        // Read inline on SQLite and through SeaORM alike: every field of a full message.
        let full = convs::append_message(
            c,
            &first,
            NewMessage {
                role: "bot".into(),
                body: "Full".into(),
                citations: serde_json::json!([{"kind": "faq", "n": 1}]),
                model: Some("m".into()),
                prompt_tokens: Some(12),
                completion_tokens: Some(3),
                latency_ms: Some(40),
                insight: Some(serde_json::json!({"sentiment": -0.5})),
                attachments: Some(serde_json::json!([{"kind": "image"}])),
                client_id: Some("c-1".into()),
                conversation_insight: None,
                author_id: Some(uuid::Uuid::now_v7()),
            },
        )
        .await
        .unwrap();
        let stored = convs::messages_range(c, first.id, 0, 10).await.unwrap();
        assert_eq!(stored.last(), Some(&full), "{}", db.name);
        let recent = convs::recent_messages(c, first.id, 10).await.unwrap();
        assert_eq!(recent, stored, "{}", db.name);
        let (checked, _) = convs::visitor_conversation(c, first.bot_id, first.visitor_id, first.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(checked, Some(convs::get(c, ws.id, first.id).await.unwrap()));
        let other = accounts::create_workspace(c, "X").await.unwrap();
        assert!(
            convs::get(c, other.id, first.id).await.is_err(),
            "{}: tenancy",
            db.name
        );
    }
}

/// Words in thousands of chunks are dropped from the query when rarer ones remain: the
/// answer comes from the rare words, at a fraction of the ranking work.
#[tokio::test]
async fn common_words_are_pruned_when_rarer_ones_remain() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk").await;
        let doc = empty_document(c, ws.id, b, "big.md").await;
        let mut bodies: Vec<String> = (0..2100)
            .map(|i| format!("common filler text number {i}"))
            .collect();
        bodies.push("common but also zebra and quokka".into());
        let chunks: Vec<NewChunk> = bodies
            .iter()
            .map(|b| NewChunk {
                heading: "",
                body: b,
                token_count: 5,
                embedding: None,
            })
            .collect();
        let tx = db.store.begin().await.unwrap();
        knowledge::replace_chunks(&tx, &doc, &chunks).await.unwrap();
        tx.commit().await.unwrap();

        let hits = search(c, ws.id, b, &words("common zebra quokka"), 10)
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "{}: 'common' was pruned", db.name);
        assert!(hits[0].body.contains("zebra"));
        let hits = search(c, ws.id, b, &words("common filler"), 10)
            .await
            .unwrap();
        assert_eq!(
            hits.len(),
            10,
            "{}: with nothing rarer, common words still search",
            db.name
        );
    }
}

/// On PostgreSQL, checks the bot's term count for `term` (SQLite keeps none: it counts
/// matches in its full-text index instead).
async fn expect_chunks(c: &impl parley_store::ConnectionTrait, bot: Uuid, term: &str, n: i64) {
    use sea_orm::{DbBackend, Statement};
    let backend = c.get_database_backend();
    if backend != DbBackend::Postgres {
        return;
    }
    let sql = "SELECT chunks FROM search_terms WHERE bot_id = $1 AND term = $2";
    let stmt = Statement::from_sql_and_values(backend, sql, [bot.into(), term.into()]);
    let counted: i64 = match c.query_one_raw(stmt).await.unwrap() {
        Some(row) => row.try_get("", "chunks").unwrap(),
        None => 0,
    };
    assert_eq!(counted, n, "chunks holding {term:?}");
}

/// Another bot's many matches never crowd a bot's own out of the ranked candidates, and
/// the per-bot term counts follow re-uploads and deletions (and can be rebuilt).
#[tokio::test]
async fn each_bot_ranks_its_own_matches_and_term_counts_follow_changes() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let (a, b) = (bot(c, ws.id, "pk_a").await, bot(c, ws.id, "pk_b").await);
        let busy = empty_document(c, ws.id, a, "lanterns.md").await;
        let bodies: Vec<String> = (0..1500).map(|i| format!("lantern model {i}")).collect();
        let chunks: Vec<NewChunk> = bodies
            .iter()
            .map(|b| NewChunk {
                heading: "Lanterns",
                body: b,
                token_count: 3,
                embedding: None,
            })
            .collect();
        let tx = db.store.begin().await.unwrap();
        knowledge::replace_chunks(&tx, &busy, &chunks)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let quiet = empty_document(c, ws.id, b, "one.md").await;
        let one = [NewChunk {
            heading: "Camping",
            body: "Our lantern runs for 40 hours.",
            token_count: 7,
            embedding: None,
        }];
        replace(&db.store, &quiet, &one).await.unwrap();

        let hits = search(c, ws.id, b, &words("lantern"), 5).await.unwrap();
        assert_eq!(hits.len(), 1, "{}: bot b finds its one chunk", db.name);
        assert_eq!(hits[0].document_id, quiet.id);
        expect_chunks(c, a, "lantern", 1500).await;
        expect_chunks(c, a, "model", 1500).await;
        expect_chunks(c, b, "lantern", 1).await;

        // Re-upload with fewer chunks: the counts drop; a term no longer used goes away.
        replace(&db.store, &busy, &chunks[..10]).await.unwrap();
        expect_chunks(c, a, "lantern", 10).await;
        // Rebuilt from the chunks, the counts are the same.
        knowledge::rebuild_search_terms(c).await.unwrap();
        expect_chunks(c, a, "lantern", 10).await;
        expect_chunks(c, b, "camp", 1).await;
        knowledge::delete_document(c, ws.id, busy.id).await.unwrap();
        expect_chunks(c, a, "lantern", 0).await;
        expect_chunks(c, b, "lantern", 1).await;
    }
}

/// Chunks indexed before the search statistics existed are found after the upgrade: the
/// migrations move SQLite's entries into per-bot rowid ranges, re-lex PostgreSQL's chunks
/// and count the terms.
#[tokio::test]
async fn search_upgrade_keeps_existing_chunks_searchable() {
    use parley_store::entities::chunk;
    use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
    for db in parley_store::testing::test_stores_at(Some(7)).await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk").await;
        let doc = empty_document(c, ws.id, b, "old.md").await;
        for (i, body) in [
            "Kayaks ship flat.",
            "Paddles are sold separately, very light.",
        ]
        .iter()
        .enumerate()
        {
            chunk::Entity::insert(chunk::ActiveModel {
                id: Set(Uuid::now_v7()),
                workspace_id: Set(ws.id),
                bot_id: Set(b),
                document_id: Set(doc.id),
                ordinal: Set(i as i32),
                heading: Set("Boats".into()),
                body: Set(body.to_string()),
                token_count: Set(4),
                embedding: Set(None),
                fts_rowid: Set(None),
            })
            .exec_without_returning(c)
            .await
            .unwrap();
        }
        if db.name == "sqlite" {
            // How chunks were indexed before: under their own rowid.
            c.execute_unprepared(
                "UPDATE chunks SET fts_rowid = rowid;
                 INSERT INTO chunks_fts (rowid, heading, body) SELECT rowid, heading, body FROM chunks;",
            )
            .await
            .unwrap();
        }
        db.store.migrate().await.unwrap();
        let hits = search(c, ws.id, b, &words("paddles"), 5).await.unwrap();
        assert_eq!(hits.len(), 1, "{}", db.name);
        assert!(hits[0].body.starts_with("Paddles"));
        // PostgreSQL's `english` configuration dropped "very"; Parley's lexemes keep it.
        let hits = search(c, ws.id, b, &words("very"), 5).await.unwrap();
        assert_eq!(hits.len(), 1, "{}: chunks were re-lexed", db.name);
        expect_chunks(c, b, "veri", 1).await;
        expect_chunks(c, b, "boat", 2).await;
        expect_chunks(c, b, "kayak", 1).await;
    }
}

/// Chunks under one heading, one per body.
fn chunks_of<'a>(heading: &'a str, bodies: &[&'a str]) -> Vec<NewChunk<'a>> {
    bodies
        .iter()
        .map(|body| NewChunk {
            heading,
            body,
            token_count: 2,
            embedding: None,
        })
        .collect()
}

/// How rare a word is counts within the bot's own chunks: another workspace's documents
/// never move a bot's ranking (FTS5's built-in `bm25()` counted words over the whole index).
#[tokio::test]
async fn a_bots_ranking_ignores_other_workspaces_documents() {
    for db in test_stores().await {
        let c = db.store.db();
        let ours = accounts::create_workspace(c, "Ours").await.unwrap();
        let theirs = accounts::create_workspace(c, "Theirs").await.unwrap();
        let (b, other) = (
            bot(c, ours.id, "pk_b").await,
            bot(c, theirs.id, "pk_o").await,
        );
        let gear = empty_document(c, ours.id, b, "gear.md").await;
        let bodies = ["lantern lantern", "stove stove", "canoe paddle"];
        replace(&db.store, &gear, &chunks_of("Gear", &bodies))
            .await
            .unwrap();
        let ranking = || async {
            let hits = search(c, ours.id, b, &words("lantern stove"), 5)
                .await
                .unwrap();
            hits.iter()
                .map(|h| (h.body.clone(), h.score))
                .collect::<Vec<_>>()
        };
        let before = ranking().await;
        assert_eq!(before.len(), 2, "{}: {before:?}", db.name);

        // Elsewhere "stove" becomes the commonest word there is.
        let stoves = empty_document(c, theirs.id, other, "stoves.md").await;
        let many: Vec<String> = (0..1500).map(|i| format!("stove {i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        replace(&db.store, &stoves, &chunks_of("Stoves", &many))
            .await
            .unwrap();
        assert_eq!(ranking().await, before, "{}", db.name);

        // Within the bot, a word in most chunks weighs less than a rare one (SQLite's BM25;
        // PostgreSQL's ts_rank weighs words by frequency in the chunk alone).
        let bodies = [&bodies[..], &["stove canoe", "stove paddle", "stove tent"]].concat();
        replace(&db.store, &gear, &chunks_of("Gear", &bodies))
            .await
            .unwrap();
        let after = ranking().await;
        if db.name == "sqlite" {
            assert_eq!(after[0].0, "lantern lantern", "{after:?}");
        }
        expect_bot_chunks(c, b, 6).await;
        expect_bot_chunks(c, other, 1500).await;
        knowledge::delete_document(c, ours.id, gear.id)
            .await
            .unwrap();
        expect_bot_chunks(c, b, 0).await;
    }
}

/// SQLite: the bot's chunk count kept with its search slot.
async fn expect_bot_chunks(c: &impl parley_store::ConnectionTrait, bot: Uuid, n: i64) {
    use sea_orm::{DbBackend, Statement};
    let backend = c.get_database_backend();
    if backend != DbBackend::Sqlite {
        return;
    }
    let sql = "SELECT chunks FROM search_slots WHERE bot_id = ?1";
    let stmt = Statement::from_sql_and_values(backend, sql, [bot.into()]);
    let row = c.query_one_raw(stmt).await.unwrap().expect("slot");
    assert_eq!(row.try_get::<i64>("", "chunks").unwrap(), n);
}

/// Questions meet their chunks' inflections on both databases; on PostgreSQL the stored
/// `tsvector` is exactly Parley's lexemes (weighted, positioned) plus the bot's token.
#[tokio::test]
async fn chunks_and_questions_share_lexemes() {
    use parley_domain::knowledge::lexemes::Lexemer;
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk").await;
        let doc = empty_document(c, ws.id, b, "boats.md").await;
        let chunks = chunks_of("Boats", &["Kayaks shipped flat, with the paddles."]);
        replace(&db.store, &doc, &chunks).await.unwrap();

        for question in ["kayak shipping", "paddle", "BOAT"] {
            let hits = search(c, ws.id, b, &words(question), 5).await.unwrap();
            assert_eq!(hits.len(), 1, "{}: {question:?}", db.name);
        }
        let none = search(c, ws.id, b, &words("canoes"), 5).await.unwrap();
        assert!(none.is_empty(), "{}", db.name);

        if c.get_database_backend() == DbBackend::Postgres {
            let sql = "SELECT search::text AS v FROM chunks WHERE document_id = $1";
            let stmt = Statement::from_sql_and_values(DbBackend::Postgres, sql, [doc.id.into()]);
            let row = c.query_one_raw(stmt).await.unwrap().unwrap();
            let stored: String = row.try_get("", "v").unwrap();
            let token = knowledge::bot_token(b);
            let made = Lexemer::default()
                .chunk(chunks[0].heading, chunks[0].body, &[&token])
                .literal();
            let sorted = |s: &str| {
                let mut v: Vec<String> = s.split(' ').map(str::to_string).collect();
                v.sort();
                v
            };
            assert_eq!(sorted(&stored), sorted(&made));
            assert!(
                made.contains("'kayak':2B") && made.contains("'boat':1A"),
                "{made}"
            );
            expect_chunks(c, b, "paddl", 1).await;
        }
    }
}

/// Word counts remembered between searches follow every change to the bot's chunks: after
/// an added document, a re-upload and a deletion, a search with the remembered counts scores
/// exactly as one that counts afresh (a stale count would keep the old word rarity).
#[tokio::test]
async fn remembered_word_counts_follow_changes_to_the_chunks() {
    use parley_store::testing::corpus::store_document;
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk_a").await;
        let remembered = knowledge::WordCounts::default();
        let question = words("stove fuel canister");
        let scores = |counts: knowledge::WordCounts| {
            let question = question.clone();
            async move {
                knowledge::search(c, &counts, ws.id, b, &question, 10)
                    .await
                    .unwrap()
                    .iter()
                    .map(|h| (h.id, h.score))
                    .collect::<Vec<_>>()
            }
        };
        store_document(
            &db.store,
            ws.id,
            b,
            "stoves.md",
            &[
                ("Stoves", "The stove burns any fuel canister.", 7),
                ("Fuel", "Fuel ships by ground only.", 5),
            ],
        )
        .await;
        let first = scores(remembered.clone()).await;
        assert_eq!(first, scores(Default::default()).await, "{}", db.name);
        assert_eq!(first.len(), 2, "{}", db.name);

        let fuel: Vec<(&str, &str, i32)> =
            (0..30).map(|_| ("Fuel", "More fuel notes.", 3)).collect();
        store_document(&db.store, ws.id, b, "fuel.md", &fuel).await;
        let added = scores(remembered.clone()).await;
        assert_eq!(added, scores(Default::default()).await, "{}", db.name);
        let stove = first[0].0;
        let score_of = |hits: &[(Uuid, f64)]| hits.iter().find(|h| h.0 == stove).unwrap().1;
        if db.store.backend() == parley_store::DbBackend::Sqlite {
            assert_ne!(score_of(&added), score_of(&first), "the rarities moved");
        }

        let fuel_doc = knowledge::find_by_name(c, b, "fuel.md").await.unwrap();
        replace(&db.store, &fuel_doc[0], &[]).await.unwrap();
        let emptied = scores(remembered.clone()).await;
        assert_eq!(emptied, scores(Default::default()).await, "{}", db.name);
        assert_eq!(score_of(&emptied), score_of(&first), "{}", db.name);

        store_document(&db.store, ws.id, b, "fuel2.md", &fuel).await;
        scores(remembered.clone()).await;
        let again = knowledge::find_by_name(c, b, "fuel2.md").await.unwrap();
        knowledge::delete_document(c, ws.id, again[0].id)
            .await
            .unwrap();
        let deleted = scores(remembered.clone()).await;
        assert_eq!(deleted, scores(Default::default()).await, "{}", db.name);
        assert_eq!(score_of(&deleted), score_of(&first), "{}", db.name);
    }
}

/// A workspace with two bots: one with three chunks about lanterns (to be deleted), one with
/// two: (workspace, gone, kept).
async fn two_bots_with_lanterns(store: &parley_store::Store) -> (Uuid, Uuid, Uuid) {
    use parley_store::testing::corpus::store_document;
    let c = store.db();
    let ws = accounts::create_workspace(c, "W").await.unwrap().id;
    let (gone, kept) = (bot(c, ws, "pk_gone").await, bot(c, ws, "pk_kept").await);
    let chunks = [("Lanterns", "Lanterns burn for ten hours.", 6); 3];
    store_document(store, ws, gone, "gone.md", &chunks).await;
    store_document(store, ws, kept, "kept.md", &chunks[..2]).await;
    (ws, gone, kept)
}

/// Deleting a bot removes everything its knowledge left in the search index (SQLite's
/// full-text rows and search slot, PostgreSQL's term counts), and leaves other bots' alone.
#[tokio::test]
async fn a_deleted_bots_knowledge_leaves_the_search_index() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    for db in test_stores().await {
        let c = db.store.db();
        let (ws, gone, kept) = two_bots_with_lanterns(&db.store).await;
        assert_eq!(
            search(c, ws, gone, &words("lanterns"), 5)
                .await
                .unwrap()
                .len(),
            3
        );

        let tx = db.store.begin().await.unwrap();
        bots::delete(&tx, ws, gone).await.unwrap();
        tx.commit().await.unwrap();

        let backend = c.get_database_backend();
        let count = |sql: &str| {
            let stmt = Statement::from_string(backend, sql.to_string());
            async move {
                let row = c.query_one_raw(stmt).await.unwrap().unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        if backend == DbBackend::Postgres {
            assert_eq!(
                count(
                    "SELECT count(*) FROM search_terms WHERE bot_id NOT IN (SELECT id FROM bots)"
                )
                .await,
                0
            );
        } else {
            assert_eq!(
                count("SELECT count(*) FROM chunks_fts").await,
                2,
                "{}",
                db.name
            );
            assert_eq!(
                count("SELECT count(*) FROM search_slots").await,
                1,
                "{}",
                db.name
            );
        }
        assert_eq!(count("SELECT count(*) FROM chunks").await, 2, "{}", db.name);
        let hits = search(c, ws, kept, &words("lanterns"), 5).await.unwrap();
        assert_eq!(hits.len(), 2, "{}", db.name);
        // A bot made afterwards (it may take the freed slot) starts with nothing.
        let new = bot(c, ws, "pk_new").await;
        let lantern = [("Lanterns", "Lanterns burn for ten hours.", 6)];
        parley_store::testing::corpus::store_document(&db.store, ws, new, "new.md", &lantern).await;
        let hits = search(c, ws, new, &words("lanterns"), 5).await.unwrap();
        assert_eq!(hits.len(), 1, "{}", db.name);
    }
}

/// Databases where bots were deleted before deletion cleaned the index: the upgrade
/// removes the full-text rows and slots they left (SQLite), and keeps every other bot's.
#[tokio::test]
async fn the_upgrade_clears_what_deleted_bots_left_in_the_index() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    for db in parley_store::testing::test_stores_at(Some(12)).await {
        let c = db.store.db();
        let (ws, gone, kept) = two_bots_with_lanterns(&db.store).await;
        let backend = c.get_database_backend();
        // Deleted as before: the row alone, its chunks going by foreign key.
        let stmt = Statement::from_sql_and_values(
            backend,
            if backend == DbBackend::Postgres {
                "DELETE FROM bots WHERE id = $1"
            } else {
                "DELETE FROM bots WHERE id = ?1"
            },
            [gone.into()],
        );
        c.execute_raw(stmt).await.unwrap();
        db.store.migrate().await.unwrap();
        if backend == DbBackend::Sqlite {
            let count = |sql: &'static str| async move {
                let stmt = Statement::from_string(backend, sql);
                let row = c.query_one_raw(stmt).await.unwrap().unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            };
            assert_eq!(count("SELECT count(*) FROM chunks_fts").await, 2);
            assert_eq!(count("SELECT count(*) FROM search_slots").await, 1);
        }
        let hits = search(c, ws, kept, &words("lanterns"), 5).await.unwrap();
        assert_eq!(hits.len(), 2, "{}", db.name);
    }
}

/// The widget's checks before a message, in one read: the visitor must be the bot's, the
/// conversation the visitor's, and the visitor's conversations are counted.
#[tokio::test]
async fn a_visitor_conversation_is_checked_and_counted_in_one_read() {
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "Shop").await.unwrap();
        let b = bot(c, ws.id, "pk_checks").await;
        let other_bot = bot(c, ws.id, "pk_checks_other").await;
        let ada = convs::create_visitor(c, ws.id, b, None).await.unwrap();
        let bob = convs::create_visitor(c, ws.id, b, None).await.unwrap();
        let first = convs::create_conversation(c, &ada).await.unwrap();
        let second = convs::create_conversation(c, &ada).await.unwrap();
        let bobs = convs::create_conversation(c, &bob).await.unwrap();

        let (found, visits) = convs::visitor_conversation(c, b, ada.id, second.id)
            .await
            .unwrap()
            .expect("Ada is the bot's visitor");
        assert_eq!(found, Some(second.clone()), "{}", db.name);
        assert_eq!(visits, 2, "{}: Ada's conversations", db.name);
        let (found, visits) = convs::visitor_conversation(c, b, ada.id, bobs.id)
            .await
            .unwrap()
            .expect("Ada is the bot's visitor");
        assert_eq!(found, None, "{}: Bob's conversation is not Ada's", db.name);
        assert_eq!(visits, 2, "{}", db.name);
        let (found, visits) = convs::visitor_conversation(c, b, bob.id, bobs.id)
            .await
            .unwrap()
            .expect("Bob is the bot's visitor");
        assert_eq!(found.map(|f| f.id), Some(bobs.id), "{}", db.name);
        assert_eq!(visits, 1, "{}", db.name);
        assert!(
            convs::visitor_conversation(c, other_bot, ada.id, first.id)
                .await
                .unwrap()
                .is_none(),
            "{}: Ada is not the other bot's visitor",
            db.name
        );
        assert!(
            convs::visitor_conversation(c, b, Uuid::now_v7(), first.id)
                .await
                .unwrap()
                .is_none(),
            "{}: no such visitor",
            db.name
        );
    }
}

/// Writes a transaction holds back for its next statement (`ExecuteLater`: a message, its
/// conversation's counters, events) are read by that statement, committed or dropped with
/// the transaction, and one that is refused fails the commit and leaves nothing behind.
#[tokio::test]
async fn deferred_writes_are_read_committed_or_dropped_with_their_transaction() {
    use parley_store::repo::outbox;
    use parley_store::{ConnectionTrait, ExecuteLater, StoreError};
    for db in test_stores().await {
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let b = bot(c, ws.id, "pk").await;
        let visitor = convs::create_visitor(c, ws.id, b, None).await.unwrap();
        let conv = convs::create_conversation(c, &visitor).await.unwrap();
        let question = |id: &str| NewMessage {
            role: "visitor".into(),
            body: format!("question {id}"),
            client_id: Some(id.into()),
            ..Default::default()
        };

        let tx = db.store.begin().await.unwrap();
        let kept = convs::append_message(&tx, &conv, question("a"))
            .await
            .unwrap();
        outbox::append(&tx, ws.id, "kept", serde_json::json!({}))
            .await
            .unwrap();
        let seen = convs::get(&tx, ws.id, conv.id).await.unwrap();
        assert_eq!(
            seen.message_count, 1,
            "{}: read by the next statement",
            db.name
        );
        // A statement with numbered placeholders runs at once, after the deferred ones.
        let numbered = sea_orm::Statement::from_sql_and_values(
            c.get_database_backend(),
            "UPDATE conversations SET status = $1 WHERE id = $2",
            ["resolved".into(), conv.id.into()],
        );
        tx.execute_later(numbered).await.unwrap();
        outbox::append(&tx, ws.id, "with commit", serde_json::json!({}))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let tx = db.store.begin().await.unwrap();
        convs::append_message(&tx, &conv, question("b"))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let tx = db.store.begin().await.unwrap();
        convs::append_message(&tx, &conv, question("c"))
            .await
            .unwrap();
        drop(tx);

        // "a" is taken: PostgreSQL refuses the insert, SQLite the commit it was deferred to.
        let tx = db.store.begin().await.unwrap();
        outbox::append(&tx, ws.id, "refused", serde_json::json!({}))
            .await
            .unwrap();
        let refused = match convs::append_message(&tx, &conv, question("a")).await {
            Ok(_) => tx.commit().await.map_err(StoreError::from),
            Err(e) => Err(e),
        };
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{}: {refused:?}",
            db.name
        );

        let messages = convs::messages(c, conv.id).await.unwrap();
        assert_eq!(messages, vec![kept], "{}", db.name);
        let now = convs::get(c, ws.id, conv.id).await.unwrap();
        assert_eq!((now.message_count, now.status.as_str()), (1, "resolved"));
        let kinds: Vec<String> = outbox::pending(c, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect();
        assert_eq!(kinds, ["kept", "with commit"], "{}", db.name);
    }
}
