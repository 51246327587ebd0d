//! Accepting HTTP/1.1 connections within limits: a connection that sends no request
//! headers within the header timeout is closed (hyper's timer also covers the wait between
//! keep-alive requests), and past a cap of open connections, overall or from one address, a new one
//! is answered `503` with `Retry-After` and closed at once. Without these, sockets that
//! send nothing pile up until the process runs out of file descriptors and answers nobody.

use axum::Router;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::Service;

/// How many connections may be open, and how long one may take to send its headers.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max: usize,
    pub per_address: usize,
    pub header_timeout: Duration,
}

/// How long open connections get to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// What a connection over a cap is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 87\r\n\r\n{\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many open connections; retry\"}}\n";

/// Serves `app` on `listener` until `shutdown`, then lets open connections finish (at most
/// [`DRAIN`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) {
    let open = Arc::new(Semaphore::new(limits.max.max(1)));
    let by_address = Arc::new(Mutex::new(HashMap::new()));
    let graceful = GracefulShutdown::new();
    let mut make: IntoMakeServiceWithConnectInfo<Router, SocketAddr> =
        app.into_make_service_with_connect_info();
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before accept: back off a
                    // moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            refuse(socket, "node");
            continue;
        };
        let Some(slot) = AddressSlot::take(&by_address, peer.ip(), limits.per_address) else {
            refuse(socket, "address");
            continue;
        };
        let service = match make.call(peer).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(socket), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop((permit, slot));
        });
    }
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!("connections still open after the drain period; closing them");
    }
}

fn refuse(socket: TcpStream, cap: &'static str) {
    metrics::counter!("parley_connections_refused_total", "cap" => cap).increment(1);
    let _ = socket.try_write(BUSY);
}

/// One open connection counted against its address; uncounted when dropped.
struct AddressSlot {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl AddressSlot {
    fn take(counts: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, max: usize) -> Option<Self> {
        let mut map = counts.lock().unwrap_or_else(|e| e.into_inner());
        let open = map.entry(ip).or_default();
        if *open >= max.max(1) {
            return None;
        }
        *open += 1;
        Some(AddressSlot {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = map.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                map.remove(&self.ip);
            }
        }
    }
}
