//! The widget API's cross-cutting rules, applied around its routes: CORS for host pages on
//! other origins, and the per-address write limit.

use crate::extract::{ClientIp, WidgetBot};
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// CORS for the widget API: host pages on other origins call it. Preflights are answered
/// here; the allowed-origins check itself happens per bot in [`WidgetBot`](crate::extract::WidgetBot).
pub async fn cors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/widget/") {
        return next.run(req).await;
    }
    let origin = req.headers().get(header::ORIGIN).cloned();
    let mut response = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    if let Some(origin) = origin {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, accept, x-parley-bot, x-parley-session"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Counts widget writes (conversations started, messages, images: every `POST` under
/// `/widget/v1/conversations`) against [`WidgetLimiter`](crate::limits::WidgetLimiter): 429
/// with `Retry-After` over the limit. The bot it found is handed to the route, which then
/// does not look it up again.
pub async fn limit_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.uri().path().starts_with("/widget/v1/conversations") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bot = match WidgetBot::from_request_parts(&mut parts, &state).await {
        Ok(bot) => bot,
        Err(e) => return e.into_response(),
    };
    let ClientIp(ip) = match ClientIp::from_request_parts(&mut parts, &state).await {
        Ok(ip) => ip,
        Err(never) => match never {},
    };
    if let Err(e) = state.widget_limiter.admit(bot.0.id, ip.as_deref()) {
        return e.into_response();
    }
    parts.extensions.insert(bot);
    next.run(Request::from_parts(parts, body)).await
}
