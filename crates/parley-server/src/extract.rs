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
use std::net::{IpAddr, SocketAddr};
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

/// The client's address: the socket peer, or, behind `proxy_hops` trusted proxies
/// (`PARLEY_TRUST_PROXY`), the `X-Forwarded-For` entry that many places from the right.
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let ip = client_address(peer, &forwarded, state.config.proxy_hops);
        Ok(ClientIp(ip.map(|ip| ip.to_string())))
    }
}

/// Who sent a request that passed through `hops` trusted proxies, each of which appended
/// the address it was called from to `X-Forwarded-For` (`forwarded`, all header lines in
/// order). Only those last `hops` entries are the proxies' own: anything left of them the
/// client wrote and could forge. A chain shorter than `hops`, or an entry that is not an
/// address, means the request did not come the way the operator said: the peer is used.
fn client_address(peer: Option<IpAddr>, forwarded: &[&str], hops: usize) -> Option<IpAddr> {
    if hops == 0 {
        return peer;
    }
    let entry = forwarded
        .len()
        .checked_sub(hops)
        .map(|i| forwarded[i].trim());
    entry.and_then(parse_forwarded).or(peer)
}

/// An address as proxies write it: `1.2.3.4`, `2001:db8::1`, `[2001:db8::1]` or either with
/// a port.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    entry
        .parse()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()
        })
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

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_client_is_the_entry_the_trusted_proxies_added() {
        let peer = ip("10.0.0.2");
        // One proxy: it appended the client's address; the client wrote the rest.
        let forged = ["6.6.6.6", " 203.0.113.7"];
        assert_eq!(client_address(peer, &forged, 1), ip("203.0.113.7"));
        // Two proxies: the second appended the first's address.
        let chain = ["6.6.6.6", "203.0.113.7", "10.0.0.1"];
        assert_eq!(client_address(peer, &chain, 2), ip("203.0.113.7"));
        assert_eq!(
            client_address(peer, &["[2001:db8::1]:443"], 1),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_address(peer, &["198.51.100.1:8443"], 1),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn without_trusted_proxies_or_a_usable_entry_the_peer_is_the_client() {
        let peer = ip("192.0.2.9");
        assert_eq!(client_address(peer, &["203.0.113.7"], 0), peer);
        assert_eq!(client_address(peer, &[], 1), peer);
        assert_eq!(
            client_address(peer, &["203.0.113.7"], 2),
            peer,
            "chain too short"
        );
        assert_eq!(
            client_address(peer, &["<script>"], 1),
            peer,
            "not an address"
        );
    }
}
