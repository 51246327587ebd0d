//! The server stays reachable when clients hold connections and live streams open: past
//! the caps new ones are refused with a clear answer, and idle sockets are closed.

use crate::helpers::{self, Widget};
use parley_server::listener::ConnectionLimits;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// A socket to the app from `from` (another loopback address than the test client's) that
/// sends nothing.
async fn idle_socket(base: &str, from: &str) -> TcpStream {
    let target = base.trim_start_matches("http://").parse().unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(target).await.unwrap()
}

/// Everything the server sends until it closes the socket. The bound only keeps a broken
/// server from hanging the suite; nothing is asserted about time.
async fn until_closed(socket: &mut TcpStream) -> String {
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), socket.read_to_end(&mut got))
        .await
        .expect("the server closes the socket")
        .ok();
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test]
async fn idle_sockets_past_the_caps_are_refused_and_health_still_answers() {
    let db = test_stores().await.remove(0);
    let config = parley_server::config::Config {
        connections: ConnectionLimits {
            max: 64,
            per_address: 4,
            header_timeout: Duration::from_secs(1),
        },
        ..helpers::config()
    };
    let app = helpers::start_with_config(&db, config).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(idle_socket(&app.base, "127.0.0.2").await);
    }
    // Past the address's cap: told and closed at once.
    for _ in 0..6 {
        let mut extra = idle_socket(&app.base, "127.0.0.2").await;
        let answer = until_closed(&mut extra).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(answer.contains("retry-after: 1"), "{answer}");
        assert!(answer.contains("too_many_connections"), "{answer}");
    }
    let health = reqwest::get(format!("{}/health/live", app.base))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK, "another address is served");
    // The held sockets sent no headers: the server closes them by itself.
    for socket in &mut held {
        until_closed(socket).await;
    }
    let again = idle_socket(&app.base, "127.0.0.2").await;
    drop(again);
}

#[tokio::test]
async fn live_streams_past_the_caps_are_refused_and_the_rest_go_on() {
    for db in test_stores().await {
        let config = parley_server::config::Config {
            streams: (2, 100, 3),
            ..helpers::config()
        };
        let app = helpers::start_with_config(&db, config).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Streamed").await;
        let mut widget = Widget::of(&app, &bot);
        let conv = widget.start().await;
        let path = format!("/widget/v1/conversations/{conv}/stream");
        let mut open = Vec::new();
        for _ in 0..2 {
            let stream = widget.request(Method::GET, &path).send().await.unwrap();
            assert_eq!(stream.status(), StatusCode::OK, "{}", db.name);
            open.push(stream);
        }
        let third = widget.request(Method::GET, &path).send().await.unwrap();
        assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS, "{}", db.name);
        assert!(third.headers().contains_key("retry-after"));
        let body: serde_json::Value = third.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_streams", "{body}");

        // The node's cap counts every stream: the team's third fits, a fourth does not.
        let staff = owner
            .request(Method::GET, "/api/v1/stream")
            .send()
            .await
            .unwrap();
        assert_eq!(staff.status(), StatusCode::OK, "{}", db.name);
        let over = owner
            .request(Method::GET, "/api/v1/stream")
            .send()
            .await
            .unwrap();
        assert_eq!(
            over.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            db.name
        );

        let health = reqwest::get(format!("{}/health/live", app.base))
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        drop((open, staff));
    }
}
