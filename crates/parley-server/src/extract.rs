//! Request extractors that turn every malformed input into the JSON error shape: bodies
//! (415, 413, 400 naming the field), ids in paths (404), the client's address and the widget's
//! bot.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use parley_store::repo::bots::Bot;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use uuid::Uuid;

/// A JSON body, deserialized with the path of the first bad field reported.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is too large",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    rejection.body_text(),
                )
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("malformed JSON: {inner}"),
                )
            } else {
                let field = if path == "." {
                    "body".to_string()
                } else {
                    path
                };
                ApiError::invalid_field(&field, strip_position(&inner.to_string()))
            }
        })?;
        de.end().map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("malformed JSON: {e}"),
            )
        })?;
        Ok(ApiJson(value))
    }
}

/// serde_json appends "at line 1 column 12", noise for a per-field message.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Parses an id from a path; anything that is not a UUID cannot name a row: 404.
pub fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found())
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` entry when a
/// trusted proxy sits in front.
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next());
        if let (true, Some(first)) = (state.config.trust_proxy, forwarded) {
            return Ok(ClientIp(Some(first.trim().to_string())));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientIp(peer))
    }
}

/// A query string, deserialized; a malformed one is a 400 naming `query`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::invalid_field("query", e.body_text()))
    }
}

/// A list's page size: 50 unless given, and 1 to 200.
pub fn page_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    let limit = limit.unwrap_or(50);
    if (1..=200).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid_field(
            "limit",
            "must be between 1 and 200",
        ))
    }
}

/// The header that carries a bot's public widget key.
pub const BOT_HEADER: &str = "x-parley-bot";
/// The header that carries a visitor's signed session token.
pub const SESSION_HEADER: &str = "x-parley-session";

/// The bot a widget request is for, after the key and origin checks.
/// The bot a widget request is for, after the key and origin checks.
#[derive(Clone)]
pub struct WidgetBot(pub Bot);

impl FromRequestParts<AppState> for WidgetBot {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The widget write limit found it already.
        if let Some(found) = parts.extensions.get::<WidgetBot>() {
            return Ok(found.clone());
        }
        let key = parts
            .headers
            .get(BOT_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let bot = match key {
            "" => None,
            key => parley_engine::widget_cache::bot_by_key(&state.store, key).await?,
        };
        let bot = bot.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_bot_key",
                "unknown or missing X-Parley-Bot key",
            )
        })?;
        if !bot.allowed_origins.is_empty() {
            let origin = parts
                .headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase());
            if !origin.is_some_and(|o| bot.allowed_origins.contains(&o)) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "origin_not_allowed",
                    "this page's origin is not allowed for this bot",
                ));
            }
        }
        Ok(WidgetBot(bot))
    }
}

/// The visitor's session token from `X-Parley-Session`, if one was sent.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|t| !t.is_empty())
}
