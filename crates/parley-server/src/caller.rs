//! Who is calling: a session cookie or a bearer API token, checked on every admin request.
//! Cookie-authenticated writes must echo the session's CSRF token in `X-CSRF-Token`: a
//! cross-site form can send the cookie but cannot read the token.

use crate::error::ApiError;
use crate::extract::ClientIp;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::{Method, StatusCode, header, request::Parts};
use parley_engine::auth::{Authenticated, secrets_match};
use std::convert::Infallible;

pub const SESSION_COOKIE: &str = "parley_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated caller of an admin route.
pub struct Caller(pub Authenticated);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ClientIp(ip) = match ClientIp::from_request_parts(parts, state).await {
            Ok(ip) => ip,
            Err(never) => match never {},
        };
        if let Some(token) = bearer_token(parts) {
            let found = state.auth.bearer(token, ip).await?;
            return found.map(Caller).ok_or_else(ApiError::unauthenticated);
        }
        let Some(cookie) = session_cookie(parts) else {
            return Err(ApiError::unauthenticated());
        };
        let authenticated = state
            .auth
            .session(&cookie, ip)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let expected = authenticated.csrf_token.as_deref().unwrap_or("");
            if expected.is_empty() || !secrets_match(sent, expected) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "missing or wrong X-CSRF-Token header for a cookie-authenticated write",
                ));
            }
        }
        Ok(Caller(authenticated))
    }
}

/// The session cookie's value, if the request has one (optional extractor for logout).
pub struct SessionCookie(pub Option<String>);

impl FromRequestParts<AppState> for SessionCookie {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Infallible> {
        Ok(SessionCookie(session_cookie(parts)))
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a new session, or (with `None`) one that deletes it.
pub fn session_set_cookie(value: Option<&str>, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match value {
        Some(v) => format!(
            "{SESSION_COOKIE}={v}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}
