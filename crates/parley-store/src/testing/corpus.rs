//! A deterministic synthetic knowledge base for the benchmarks: chunks of about 120 words
//! drawn from a 6,000-word vocabulary, skewed so that low-numbered words are far more
//! common (a cubic distribution: flatter than real text, so at 100,000 chunks most words
//! are in thousands of chunks, a hard case for full-text ranking).

use crate::repo::knowledge::{self, NewChunk, NewDocument};
use crate::{ConnectionTrait, Store};
use uuid::Uuid;

/// A small deterministic generator (xorshift), so every run indexes the same text.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

pub fn vocabulary() -> Vec<String> {
    let syllables = [
        "tra", "il", "bo", "ot", "ten", "ra", "in", "co", "at", "pa", "ck", "so", "ck", "ma", "re",
        "fu", "nd", "zip", "per", "lo",
    ];
    let mut rng = Rng(42);
    (0..6000)
        .map(|_| {
            (0..2 + rng.next_u64() % 3)
                .map(|_| syllables[(rng.next_u64() % syllables.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// `words` words of the vocabulary, joined by spaces.
pub fn sentence(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    (0..words)
        .map(|_| {
            let r = (rng.next_u64() % 10_000) as f64 / 10_000.0;
            vocab[((r * r * r) * vocab.len() as f64) as usize].as_str()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An empty Markdown document named `name` of the bot, for chunks to be stored under.
pub async fn empty_document(
    c: &impl ConnectionTrait,
    ws: Uuid,
    bot: Uuid,
    name: &str,
) -> knowledge::Document {
    let new = NewDocument {
        source_url: None,
        name,
        content_type: "text/markdown",
        sha256: "",
        content: vec![],
    };
    knowledge::create_document(c, ws, bot, new)
        .await
        .expect("document")
}

/// Stores a Markdown document named `name` with `chunks` (heading, body, tokens) in one
/// transaction, as ingestion does.
pub async fn store_document(
    store: &Store,
    ws: Uuid,
    bot: Uuid,
    name: &str,
    chunks: &[(&str, &str, i32)],
) {
    let tx = store.begin().await.expect("begin");
    let doc = empty_document(&tx, ws, bot, name).await;
    let rows: Vec<NewChunk> = chunks
        .iter()
        .map(|&(heading, body, token_count)| NewChunk {
            heading,
            body,
            token_count,
            embedding: None,
        })
        .collect();
    knowledge::replace_chunks(&tx, &doc, &rows)
        .await
        .expect("chunks");
    tx.commit().await.expect("commit");
}

/// Indexes `chunks` synthetic chunks for the bot, 200 per document, one transaction per
/// document. Returns the seconds it took.
pub async fn index(store: &Store, ws: Uuid, bot: Uuid, chunks: usize, vocab: &[String]) -> f64 {
    let mut rng = Rng(7);
    let started = std::time::Instant::now();
    let per_doc = 200;
    for d in 0..chunks.div_ceil(per_doc) {
        let texts: Vec<(String, String)> = (0..per_doc.min(chunks - d * per_doc))
            .map(|_| (sentence(&mut rng, vocab, 3), sentence(&mut rng, vocab, 120)))
            .collect();
        let rows: Vec<(&str, &str, i32)> = texts
            .iter()
            .map(|(h, b)| (h.as_str(), b.as_str(), 150))
            .collect();
        store_document(store, ws, bot, &format!("doc-{d}.md"), &rows).await;
    }
    let took = started.elapsed().as_secs_f64();
    settle(store).await;
    took
}

/// Brings the database to where one that has served for a while after indexing would be,
/// before anything is timed. Indexing 100,000 chunks leaves hundreds of MB of dirty pages:
/// PostgreSQL writes about 500 MB of WAL, which starts a checkpoint spread over minutes,
/// and the kernel flushes dirty pages 30 s after they were written. While either writes,
/// PostgreSQL's COMMITs (which wait for their WAL flush) stalled for 20–90 ms, and SQLite's
/// p99.9 was 36–52 ms against 4–5 ms after.
async fn settle(store: &Store) {
    let db = store.db();
    if db.get_database_backend() == crate::DbBackend::Postgres {
        db.execute_unprepared("CHECKPOINT")
            .await
            .expect("checkpoint");
    }
    let synced = tokio::process::Command::new("sync").status().await;
    assert!(synced.is_ok_and(|s| s.success()), "sync failed");
}
