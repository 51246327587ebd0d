//! `parley backup` while visitors chat, `parley restore` into a fresh directory, and
//! `parley serve` on the restored copy answering for every conversation (SQLite; PostgreSQL
//! deployments use pg_dump, see docs/operations.md).

use crate::helpers::{Session, Widget};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_parley");
const ADMIN: &str = "backup-admin@example.com";
const PASSWORD: &str = "backup admin password";

fn parley(data: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("PARLEY_DATA_DIR", data)
        .env("PARLEY_LOG", "warn")
        .env("PARLEY_ADMIN_EMAIL", ADMIN)
        .env("PARLEY_ADMIN_PASSWORD", PASSWORD)
        // Four visitors from one address, as fast as they can.
        .env("PARLEY_WIDGET_RATE_PER_MINUTE", "0")
        .env_remove("PARLEY_DATABASE_URL")
        .env_remove("PARLEY_SECRET_KEY");
    cmd
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `parley serve` on `data` and waits for its address.
fn serve(data: &Path) -> Server {
    let mut child = parley(data)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("Parley is listening on ") {
            let base = rest.split_whitespace().next().unwrap().to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return Server { child, base };
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("parley serve did not start");
}

async fn login(base: &str) -> Session {
    let mut s = Session {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        base: base.to_string(),
        csrf: None,
        bearer: None,
    };
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"email": ADMIN, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.csrf = body["csrf_token"].as_str().map(str::to_string);
    s
}

/// What one widget client sent: conversation → (texts, when the last was confirmed).
type Sent = Arc<Mutex<HashMap<String, (Vec<String>, Instant)>>>;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("parley-backup-{name}-{}", uuid::Uuid::new_v4()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_during_chat_restores_and_serves_every_conversation() {
    crate::helpers::install_tls();
    let source = temp("source");
    let archive = temp("archive").with_extension("zip");
    let restored = temp("restored");
    let server = serve(&source);
    let admin = login(&server.base).await;
    let bot = admin.create_bot("Shop").await;

    // Four visitors chat without pause while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let sent: Sent = Arc::default();
    let mut clients = vec![];
    for n in 0..4 {
        let (stop, sent, base, bot) =
            (stop.clone(), sent.clone(), server.base.clone(), bot.clone());
        clients.push(tokio::spawn(async move {
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) {
                let mut w = Widget {
                    client: reqwest::Client::new(),
                    base: base.clone(),
                    key: bot["public_key"].as_str().unwrap().into(),
                    origin: None,
                    session: None,
                };
                let conv = w.start().await;
                for i in 0..3 {
                    let text = format!("client {n} round {round} message {i}");
                    let (status, body) = w
                        .call(
                            Method::POST,
                            &format!("/widget/v1/conversations/{conv}/messages"),
                            Some(json!({"text": text})),
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                    let mut sent = sent.lock().unwrap();
                    let entry = sent.entry(conv.clone()).or_insert((vec![], Instant::now()));
                    entry.0.push(text);
                    entry.1 = Instant::now();
                }
                round += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let started = Instant::now();
    let (src, arc) = (source.clone(), archive.clone());
    let out = tokio::task::spawn_blocking(move || {
        parley(&src)
            .args(["backup", "--to", arc.to_str().unwrap()])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(printed.contains("key fingerprint"), "{printed}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    drop(server);
    let sent = sent.lock().unwrap().clone();
    let complete_before: Vec<&String> = sent
        .iter()
        .filter(|(_, (texts, at))| texts.len() == 3 && *at < started)
        .map(|(id, _)| id)
        .collect();
    assert!(complete_before.len() >= 4, "the load ran: {}", sent.len());
    eprintln!(
        "backup of {} conversations under load took {:.2} s: {printed}",
        sent.len(),
        took.as_secs_f64()
    );

    // Not over a live directory, not without the key.
    let out = parley(&source)
        .args(["restore", "--from", archive.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    let out = parley(&restored)
        .args(["restore", "--from", archive.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fingerprint"));
    let wrong = temp("wrong-key");
    std::fs::write(&wrong, "a different key of at least thirty-two bytes").unwrap();
    let out = parley(&restored)
        .args(["restore", "--from", archive.to_str().unwrap(), "--key-file"])
        .arg(&wrong)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not match"));

    let out = parley(&restored)
        .args(["restore", "--from", archive.to_str().unwrap(), "--key-file"])
        .arg(source.join("secret.key"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The restored copy serves every conversation it holds, with the messages sent.
    let server = serve(&restored);
    let admin = login(&server.base).await;
    let (status, list) = admin
        .call(Method::GET, "/api/v1/conversations?limit=200", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert!(items.len() < 200, "the test stays within one page");
    let ids: Vec<String> = items
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    for id in &complete_before {
        assert!(
            ids.contains(id),
            "{id} was complete before the backup began"
        );
    }
    for id in &ids {
        let (status, detail) = admin
            .call(Method::GET, &format!("/api/v1/conversations/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let visitor_texts: Vec<String> = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "visitor")
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect();
        let (texts, _) = &sent[id];
        assert!(
            texts.starts_with(&visitor_texts),
            "{id}: {visitor_texts:?} is what was sent: {texts:?}"
        );
        if complete_before.contains(&id) {
            assert_eq!(&visitor_texts, texts);
        }
    }
    drop(server);
    for d in [&source, &restored] {
        let _ = std::fs::remove_dir_all(d);
    }
    for f in [&archive, &wrong] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn backup_refuses_postgres_with_directions() {
    let data = temp("pg");
    let out = parley(&data)
        .env("PARLEY_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .args(["backup", "--to", "/tmp/never.zip"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
}
