//! Whole-request cost of the widget's chat endpoint with a large knowledge base, on SQLite
//! and (when `PARLEY_TEST_DATABASE_URL` is set) PostgreSQL.
//!
//! For each chunk count given (default 10,000 and 100,000): the real server on 127.0.0.1,
//! a bot answering through a local OpenAI-compatible model server that replies at once
//! (so nearly all the time measured is Parley's: storing the question, scoring it,
//! retrieval, prompt assembly, the model round trip on loopback, storing the reply), that
//! many synthetic chunks indexed for it, and 8 visitors, each in their own conversation,
//! sending questions back to back (JSON replies). Prints one JSON line per run: request
//! latency p50/p99, requests/s and the CPU time the process used per request (all of it:
//! the visitors' client and the model server count too, as they share the machine; a
//! PostgreSQL server's own processes do not).
//!
//! With `BENCH_RATE=r` the visitors together ask `r` questions per second on a fixed
//! schedule instead (each still waits for its reply before asking again), and a request's
//! time counts from when it was due, so time spent queued behind a slow reply is included:
//! the overhead a visitor sees at that load rather than at saturation. With `BENCH_TRACE`
//! set, each request's due time and latency (ms from the start) go to stderr, one per line,
//! to see when slow requests happened.
//!
//! ```sh
//! cargo run --release -p parley-server --example chat_bench -- 10000 100000
//! BENCH_RATE=100 cargo run --release -p parley-server --example chat_bench -- 100000
//! ```

#[path = "../tests/api/helpers.rs"]
mod helpers;

use helpers::Widget;
use parley_store::repo::bots;
use parley_store::testing::corpus::{Rng, index, sentence, vocabulary};
use parley_store::testing::{TestDb, postgres, sqlite};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator the `parley` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Concurrent visitors (`BENCH_VISITORS`, default 8).
fn visitors() -> u64 {
    std::env::var("BENCH_VISITORS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}
/// Questions per second from all visitors together (`BENCH_RATE`); unset: back to back.
fn rate() -> Option<f64> {
    std::env::var("BENCH_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|r: &f64| *r > 0.0)
}
const WARM_UP: usize = 5;

/// CPU time this process has used so far (every thread: server, model server and visitors),
/// from `/proc/self/stat`; `None` off Linux. Less noisy than requests/s on a shared machine.
fn cpu_used() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th
    // and 13th, in clock ticks of 1/100 s (USER_HZ).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn run(db: TestDb, chunks: usize, questions: usize, vocab: &[String]) {
    let name = db.name;
    // Every visitor asks from 127.0.0.1: no widget rate limit.
    let app = helpers::start_with_widget_rate(&db, 0).await;
    let owner = app.owner().await;
    let bot = owner.create_bot("Bench").await;
    let model = parley_ai::testing::start().await;
    owner.use_model(&bot, &model, "instant").await;
    let bot_id = bot["id"].as_str().unwrap().parse().unwrap();
    let key = bot["public_key"].as_str().unwrap();
    let ws = bots::find_by_public_key(db.store.db(), key)
        .await
        .unwrap()
        .expect("bot")
        .workspace_id;
    let index_s = index(&db.store, ws, bot_id, chunks, vocab).await;

    // The first question after indexing loads what retrieval keeps per version of the bot's
    // chunks (on SQLite, the lengths of all its rows: about 100 ms at 100,000 chunks): timed
    // on its own, before the visitors start, as it happens once per change to the knowledge.
    let first = Instant::now();
    let mut widget = Widget::of(&app, &bot);
    let conversation = widget.start().await;
    let (status, body) = widget
        .call(
            Method::POST,
            &format!("/widget/v1/conversations/{conversation}/messages"),
            Some(json!({ "text": "how do I return an item?" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first_ms = first.elapsed().as_secs_f64() * 1000.0;

    let vocab = Arc::new(vocab.to_vec());
    let trace = std::env::var("BENCH_TRACE").is_ok();
    let started = Instant::now();
    let cpu_before = cpu_used();
    let mut tasks = Vec::new();
    for visitor in 0..visitors() {
        let mut widget = Widget::of(&app, &bot);
        let vocab = vocab.clone();
        tasks.push(tokio::spawn(async move {
            let conversation = widget.start().await;
            let path = format!("/widget/v1/conversations/{conversation}/messages");
            let mut rng = Rng(2000 + visitor);
            let mut times = Vec::new();
            // Each visitor asks every `visitors / rate` seconds, offset so the load is even.
            let every = rate().map(|r| Duration::from_secs_f64(visitors() as f64 / r));
            let first = Instant::now()
                + every.map_or(Duration::ZERO, |e| e * visitor as u32 / visitors() as u32);
            for i in 0..WARM_UP + questions {
                let text = format!("how do I {}?", sentence(&mut rng, &vocab, 5));
                let t = match every {
                    Some(every) => {
                        let due = first + every * i as u32;
                        tokio::time::sleep_until(due.into()).await;
                        due
                    }
                    None => Instant::now(),
                };
                let (status, body) = widget
                    .call(Method::POST, &path, Some(json!({ "text": text })))
                    .await;
                let took = t.elapsed();
                assert_eq!(status, StatusCode::OK, "{body}");
                if i >= WARM_UP {
                    times.push(took);
                    if trace {
                        let at = t - started;
                        eprintln!(
                            "{:.1} {:.2}",
                            at.as_secs_f64() * 1e3,
                            took.as_secs_f64() * 1e3
                        );
                    }
                }
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let rps = all.len() as f64 / started.elapsed().as_secs_f64();
    let cpu_ms_per_request = cpu_used()
        .zip(cpu_before)
        .map(|(after, before)| {
            let asked = all.len() + WARM_UP * visitors() as usize;
            (after - before).as_secs_f64() * 1000.0 / asked as f64
        })
        .map(|ms| (ms * 100.0).round() / 100.0);
    all.sort();
    println!(
        "{}",
        json!({
            "backend": name, "chunks": chunks, "index_seconds": (index_s * 10.0).round() / 10.0,
            "visitors": visitors(), "rate": rate(), "requests": all.len(),
            "first_request_ms": (first_ms * 100.0).round() / 100.0,
            "request_p50_ms": (percentile(&all, 0.5) * 100.0).round() / 100.0,
            "request_p90_ms": (percentile(&all, 0.9) * 100.0).round() / 100.0,
            "request_p99_ms": (percentile(&all, 0.99) * 100.0).round() / 100.0,
            "request_p999_ms": (percentile(&all, 0.999) * 100.0).round() / 100.0,
            "requests_per_s": rps.round(), "cpu_ms_per_request": cpu_ms_per_request,
        })
    );
    db.close().await;
}

#[tokio::main]
async fn main() {
    helpers::install_tls();
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![10_000, 100_000]
    } else {
        counts
    };
    let questions: usize = std::env::var("BENCH_QUESTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let vocab = vocabulary();
    parley_ai::tokenizer::warm_up();
    let pg = std::env::var("PARLEY_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    for &n in &counts {
        run(sqlite().await, n, questions, &vocab).await;
        if let Some(url) = &pg {
            run(postgres(url).await, n, questions, &vocab).await;
        }
    }
}
