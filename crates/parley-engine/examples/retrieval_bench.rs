//! Retrieval and ingestion benchmark on SQLite, and on PostgreSQL when
//! `PARLEY_TEST_DATABASE_URL` is set. Run it in release mode:
//!
//!     cargo run --release -p parley-engine --example retrieval_bench -- 10000 100000
//!
//! For each chunk count: indexes that many synthetic chunks (about 120 words each, drawn
//! from a 6,000-word vocabulary), then runs 800 five-word questions from 8 concurrent
//! clients through `retrieve` (FAQ match plus full-text search) and reports p50/p99. It also
//! measures ingestion (parse, chunk with the real tokenizer, index) of 8 MB of Markdown.
//! Prints one JSON object per line.

use parley_domain::bot::{Appearance, Behaviour};
use parley_domain::knowledge::chunk::{ChunkConfig, chunk_sections};
use parley_domain::knowledge::sections::markdown_sections;
use parley_engine::chat::ChatContext;
use parley_engine::knowledge::retrieve;
use parley_engine::live::Hub;
use parley_store::Store;
use parley_store::repo::knowledge::{self, NewChunk, NewDocument};
use parley_store::repo::{accounts, bots, faqs};
use parley_store::testing::{postgres, sqlite};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// A small deterministic generator (xorshift), so every run indexes the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn vocabulary() -> Vec<String> {
    let syllables = [
        "tra", "il", "bo", "ot", "ten", "ra", "in", "co", "at", "pa", "ck", "so", "ck", "ma", "re",
        "fu", "nd", "zip", "per", "lo",
    ];
    let mut rng = Rng(42);
    (0..6000)
        .map(|_| {
            (0..2 + rng.next() % 3)
                .map(|_| syllables[(rng.next() % syllables.len() as u64) as usize])
                .collect()
        })
        .collect()
}

fn sentence(rng: &mut Rng, vocab: &[String], words: usize) -> String {
    // Zipf-like: low indexes are far more common, as in real text.
    (0..words)
        .map(|_| {
            let r = (rng.next() % 10_000) as f64 / 10_000.0;
            vocab[((r * r * r) * vocab.len() as f64) as usize].as_str()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

async fn setup(store: &Store) -> (Uuid, Uuid) {
    let ws = accounts::create_workspace(store.db(), "Bench")
        .await
        .unwrap();
    let bot = bots::NewBot {
        name: "Bench".into(),
        public_key: format!("pk_{}", Uuid::now_v7()),
        identity_secret: "s".into(),
        allowed_origins: vec![],
        appearance: Appearance::default(),
        behaviour: Behaviour::default(),
    };
    let bot = bots::create(store.db(), ws.id, bot).await.unwrap();
    for i in 0..20 {
        faqs::create(
            store.db(),
            ws.id,
            bot.id,
            &format!("Question number {i} about returns and shipping?"),
            "Answer.",
            true,
        )
        .await
        .unwrap();
    }
    (ws.id, bot.id)
}

async fn index(store: &Store, ws: Uuid, bot: Uuid, chunks: usize, vocab: &[String]) -> f64 {
    let mut rng = Rng(7);
    let started = Instant::now();
    let per_doc = 200;
    for d in 0..chunks.div_ceil(per_doc) {
        let tx = store.begin().await.unwrap();
        let doc = knowledge::create_document(
            &tx,
            ws,
            bot,
            NewDocument {
                name: &format!("doc-{d}.md"),
                content_type: "text/markdown",
                sha256: "",
                content: vec![],
            },
        )
        .await
        .unwrap();
        let texts: Vec<(String, String)> = (0..per_doc.min(chunks - d * per_doc))
            .map(|_| (sentence(&mut rng, vocab, 3), sentence(&mut rng, vocab, 120)))
            .collect();
        let rows: Vec<NewChunk> = texts
            .iter()
            .map(|(h, b)| NewChunk {
                heading: h,
                body: b,
                token_count: 150,
                embedding: None,
            })
            .collect();
        knowledge::replace_chunks(&tx, &doc, &rows).await.unwrap();
        tx.commit().await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn query_latencies(store: &Store, ws: Uuid, bot: Uuid, vocab: &[String]) -> (f64, f64, f64) {
    let vocab = Arc::new(vocab.to_vec());
    let ctx = ChatContext::new(store.clone(), Hub::default(), &[7; 32]);
    let bot = bots::get(store.db(), ws, bot).await.unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..8u64 {
        let (ctx, bot, vocab) = (ctx.clone(), bot.clone(), vocab.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(1000 + client);
            let mut times = Vec::new();
            for _ in 0..100 {
                let q = format!("how do I {}?", sentence(&mut rng, &vocab, 5));
                let t = Instant::now();
                retrieve(&ctx, &bot, &q, 5).await.unwrap();
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let qps = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (percentile(&all, 0.5), percentile(&all, 0.99), qps)
}

async fn ingestion_mb_per_s(store: &Store, ws: Uuid, bot: Uuid, vocab: &[String]) -> f64 {
    let mut rng = Rng(99);
    let mut md = String::new();
    while md.len() < 8 * 1024 * 1024 {
        md.push_str(&format!(
            "## {}\n\n{}.\n\n",
            sentence(&mut rng, vocab, 3),
            sentence(&mut rng, vocab, 90)
        ));
    }
    let started = Instant::now();
    let sections = markdown_sections(&md);
    let chunks = chunk_sections(
        &sections,
        ChunkConfig::default(),
        &parley_ai::tokenizer::count_tokens,
    );
    let tx = store.begin().await.unwrap();
    let doc = knowledge::create_document(
        &tx,
        ws,
        bot,
        NewDocument {
            name: "big.md",
            content_type: "text/markdown",
            sha256: "",
            content: vec![],
        },
    )
    .await
    .unwrap();
    let rows: Vec<NewChunk> = chunks
        .iter()
        .map(|c| NewChunk {
            heading: &c.heading,
            body: &c.text,
            token_count: c.tokens as i32,
            embedding: None,
        })
        .collect();
    knowledge::replace_chunks(&tx, &doc, &rows).await.unwrap();
    tx.commit().await.unwrap();
    md.len() as f64 / 1024.0 / 1024.0 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![10_000]
    } else {
        counts
    };
    let vocab = vocabulary();
    parley_ai::tokenizer::warm_up();
    let pg_url = std::env::var("PARLEY_TEST_DATABASE_URL").ok();
    let backends: Vec<Option<&str>> = std::iter::once(None)
        .chain(pg_url.as_deref().map(Some))
        .collect();
    let make = |url: Option<&str>| {
        let url = url.map(str::to_string);
        async move {
            match url {
                Some(url) => postgres(&url).await,
                None => sqlite().await,
            }
        }
    };
    for &backend in &backends {
        for &n in &counts {
            let db = make(backend).await;
            let (ws, bot) = setup(&db.store).await;
            let index_s = index(&db.store, ws, bot, n, &vocab).await;
            let (p50, p99, qps) = query_latencies(&db.store, ws, bot, &vocab).await;
            println!(
                "{{\"backend\":\"{}\",\"chunks\":{n},\"index_seconds\":{index_s:.1},\"retrieval_p50_ms\":{p50:.2},\"retrieval_p99_ms\":{p99:.2},\"retrievals_per_s\":{qps:.0}}}",
                db.name
            );
        }
        let db = make(backend).await;
        let (ws, bot) = setup(&db.store).await;
        let mbps = ingestion_mb_per_s(&db.store, ws, bot, &vocab).await;
        println!(
            "{{\"backend\":\"{}\",\"ingestion_mb_per_s\":{mbps:.1}}}",
            db.name
        );
    }
}
