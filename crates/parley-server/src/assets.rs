//! The dashboard's built files (`web/dashboard/dist`), served under `/app/`. Release builds
//! embed them in the binary; debug builds read them from disk, so a rebuilt dashboard shows
//! without recompiling Rust.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dashboard/dist"]
#[allow_missing = true]
struct Dashboard;

/// The dashboard's policy: only its own scripts; no framing; API calls to this origin.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; form-action 'self'";

#[derive(RustEmbed)]
#[folder = "../../web/widget/dist"]
#[allow_missing = true]
struct Widget;

#[derive(RustEmbed)]
#[folder = "../../web/widget/demo"]
#[allow_missing = true]
struct Demo;

/// Where the demo page names its bot; replaced with the demo bot's public key.
const DEMO_BOT_PLACEHOLDER: &str = "{{PARLEY_DEMO_BOT}}";

/// The demo page's policy: its own scripts and API only; images may be uploads (blob:).
const DEMO_CSP: &str = "default-src 'self'; script-src 'self'; img-src 'self' data: blob:; \
                        style-src 'self' 'unsafe-inline'; connect-src 'self'; \
                        frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `/`: a fictional shop's page with the widget of the first bot (the demo bot on a fresh
/// install), so a newcomer sees the product in one click. Without a bot, the dashboard.
pub async fn root(State(state): State<AppState>) -> Response {
    let (Some(page), Ok(Some(bot))) = (
        Demo::get("index.html"),
        parley_store::repo::bots::first(state.store.db()).await,
    ) else {
        return Redirect::temporary("/app/").into_response();
    };
    let html = String::from_utf8_lossy(&page.data).replace(DEMO_BOT_PLACEHOLDER, &bot.public_key);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, DEMO_CSP),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        html,
    )
        .into_response()
}

/// `/widget.js`, the embeddable widget. Host pages load it from any origin; a short cache
/// lets a new release reach visitors within minutes.
pub async fn widget_js() -> Response {
    let Some(script) = Widget::get("widget.js") else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The widget is not built. Run `make web` (or `make run`), then reload.",
        )
            .into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        script.data.into_owned(),
    )
        .into_response()
}

pub async fn index() -> Response {
    file("index.html")
}

/// A file of the dashboard, or its `index.html` for client-side routes (`/app/bots/...`).
pub async fn asset(Path(path): Path<String>) -> Response {
    if Dashboard::get(&path).is_some() {
        file(&path)
    } else if path.starts_with("assets/") {
        (StatusCode::NOT_FOUND, "no such asset").into_response()
    } else {
        file("index.html")
    }
}

fn file(path: &str) -> Response {
    let Some(content) = Dashboard::get(path) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The dashboard is not built. Run `make web` (or `make run`), then reload.",
        )
            .into_response();
    };
    let mime = content.metadata.mimetype();
    // Vite puts a content hash in every file name under assets/: cache those forever.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = Response::new(Body::from(content.data.into_owned()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
