//! A database that goes away: readiness and requests answer 503, and the server recovers by
//! itself when the database returns. PostgreSQL only (a SQLite file cannot go away), through
//! a TCP proxy this test switches off and on.

use crate::helpers;

use parley_store::{Store, StoreConfig};
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// Forwards TCP to `target` while up; while down it cuts live connections and refuses new ones.
struct Proxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = broadcast::channel(4);
        let (up2, cut2) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let target = target.clone();
                let mut cut = cut2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.recv() => {}
                    }
                });
            }
        });
        Proxy { addr, up, cut }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            let _ = self.cut.send(());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_gives_503_then_recovers() {
    let Ok(url) = std::env::var("PARLEY_TEST_DATABASE_URL") else {
        eprintln!("skipped: set PARLEY_TEST_DATABASE_URL to run the outage test");
        return;
    };
    let db = parley_store::testing::postgres(&url).await;
    let (url, schema) = db.pg().unwrap();
    let host_port = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("url like postgres://user@host:port/db");
    let proxy = Proxy::start(host_port.to_string()).await;
    let mut config = StoreConfig::new(url.replace(host_port, &proxy.addr.to_string()));
    config.pg_schema = Some(schema.to_string());
    config.acquire_timeout = Duration::from_secs(1);
    let store = Store::connect(&config).await.unwrap();
    let app = helpers::start_with(store, "postgres").await;
    let owner = app.owner().await;
    assert_eq!(
        owner.call(Method::GET, "/api/v1/bots", None).await.0,
        StatusCode::OK
    );

    proxy.set_up(false);
    let (status, body) = owner.call(Method::GET, "/health/ready", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["checks"]["database"]["status"], "down");
    let (status, body) = owner.call(Method::GET, "/api/v1/bots", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")),
        "{body}"
    );
    assert_eq!(
        owner.call(Method::GET, "/health/live", None).await.0,
        StatusCode::OK,
        "alive while the database is down"
    );

    proxy.set_up(true);
    let mut recovered = false;
    for _ in 0..50 {
        if owner.call(Method::GET, "/health/ready", None).await.0 == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "ready again after the database returned");
    assert_eq!(
        owner.call(Method::GET, "/api/v1/bots", None).await.0,
        StatusCode::OK,
        "the session survived the outage"
    );
}
