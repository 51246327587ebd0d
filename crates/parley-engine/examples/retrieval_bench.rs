//! Retrieval and ingestion benchmark on SQLite, and on PostgreSQL when
//! `PARLEY_TEST_DATABASE_URL` is set. Run it in release mode:
//!
//!     cargo run --release -p parley-engine --example retrieval_bench -- 10000 100000
//!
//! For each chunk count: indexes that many synthetic chunks (about 120 words each, drawn
//! from a 6,000-word vocabulary), then runs 800 five-word questions through `retrieve` (FAQ match
//! plus full-text search), from one client and from 8 concurrent ones, and reports
//! p50/p99. It also measures ingestion (parse, chunk with the real tokenizer, index) of 8 MB
//! of Markdown, as one file and as four files ingested at once.
//! Prints one JSON object per line.

use parley_domain::bot::{Appearance, Behaviour};
use parley_domain::knowledge::sections::markdown_sections;
use parley_engine::knowledge::{chunk_and_store, retrieve};
use parley_engine::live::Hub;
use parley_engine::services::Services;
use parley_store::Store;
use parley_store::repo::{accounts, bots, faqs};
use parley_store::testing::corpus::{Rng, empty_document, index, sentence, vocabulary};
use parley_store::testing::{postgres, sqlite};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

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

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// 800 questions from `clients` concurrent clients: p50, p99 (ms) and retrievals/s.
async fn query_latencies(
    store: &Store,
    ws: Uuid,
    bot: Uuid,
    vocab: &[String],
    clients: u64,
) -> (f64, f64, f64) {
    let vocab = Arc::new(vocab.to_vec());
    let ctx = Services::new(store.clone(), Hub::default(), &[7; 32], Default::default());
    let bot = bots::get(store.db(), ws, bot).await.unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (ctx, bot, vocab) = (ctx.clone(), bot.clone(), vocab.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(1000 + client);
            let mut times = Vec::new();
            for _ in 0..800 / clients {
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

/// Ingests 8 MB of Markdown split into `files` documents, all at once (as a multi-file
/// upload is, by the worker pool): parse, then chunk with the real tokenizer and index as
/// ingestion does.
async fn ingestion_mb_per_s(
    store: &Store,
    ws: Uuid,
    bot: Uuid,
    vocab: &[String],
    files: usize,
) -> f64 {
    let mut rng = Rng(99);
    let total = 8 * 1024 * 1024;
    let docs: Vec<String> = (0..files)
        .map(|_| {
            let mut md = String::new();
            while md.len() < total / files {
                md.push_str(&format!(
                    "## {}\n\n{}.\n\n",
                    sentence(&mut rng, vocab, 3),
                    sentence(&mut rng, vocab, 90)
                ));
            }
            md
        })
        .collect();
    let bytes: usize = docs.iter().map(String::len).sum();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, md) in docs.into_iter().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let doc = empty_document(store.db(), ws, bot, &format!("big-{i}.md")).await;
            let (tx, _) = chunk_and_store(&store, &doc, markdown_sections(&md))
                .await
                .expect("stored");
            tx.commit().await.expect("committed");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    bytes as f64 / 1024.0 / 1024.0 / started.elapsed().as_secs_f64()
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
    // `BENCH_ONLY=retrieval` or `BENCH_ONLY=ingestion` runs one half (for profiling).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for &backend in &backends {
        for &n in counts.iter().filter(|_| only != "ingestion") {
            let db = make(backend).await;
            let (ws, bot) = setup(&db.store).await;
            let index_s = index(&db.store, ws, bot, n, &vocab).await;
            for clients in [1, 8] {
                let (p50, p99, qps) = query_latencies(&db.store, ws, bot, &vocab, clients).await;
                println!(
                    "{{\"backend\":\"{}\",\"chunks\":{n},\"index_seconds\":{index_s:.1},\"clients\":{clients},\"retrieval_p50_ms\":{p50:.2},\"retrieval_p99_ms\":{p99:.2},\"retrievals_per_s\":{qps:.0}}}",
                    db.name
                );
            }
            db.close().await;
        }
        for files in [1, 4].into_iter().filter(|_| only != "retrieval") {
            let db = make(backend).await;
            let (ws, bot) = setup(&db.store).await;
            let mbps = ingestion_mb_per_s(&db.store, ws, bot, &vocab, files).await;
            println!(
                "{{\"backend\":\"{}\",\"files\":{files},\"ingestion_mb_per_s\":{mbps:.1}}}",
                db.name
            );
            db.close().await;
        }
    }
}
