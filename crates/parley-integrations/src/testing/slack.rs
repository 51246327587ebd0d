//! Slack's side: OAuth v2 with token rotation, and the Web API methods Parley calls.

use super::{
    Authorize, SLACK_CLIENT, Shared, World, bearer, client_credentials, consent_page, hang, lock,
    redeem_code,
};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

pub const TEAM: (&str, &str) = ("T0CONTRACT", "Contract Team");
/// Channels: (id, name, private, archived).
const CHANNELS: &[(&str, &str, bool, bool)] = &[
    ("C0GENERAL", "general", false, false),
    ("C0SALES", "sales", false, false),
    ("G0SUPPORT", "support-leads", true, false),
    ("C0OLD", "old-announcements", false, true),
];
/// Members by email.
const USERS: &[(&str, &str)] = &[
    ("agent@example.com", "U0AGENT"),
    ("owner@example.com", "U0OWNER"),
];
const ACCESS_LIFETIME: Duration = Duration::from_secs(43_200);
/// Posts allowed per channel per window (Slack: about one a second, with short bursts).
const POSTS_PER_WINDOW: u32 = 20;
const POST_WINDOW: Duration = Duration::from_secs(10);

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/oauth/v2/authorize", get(authorize))
        .route("/api/oauth.v2.access", post(token))
        .route("/api/auth.revoke", post(revoke))
        .route("/api/auth.test", get(auth_test).post(auth_test))
        .route("/api/conversations.list", get(list))
        .route("/api/users.lookupByEmail", get(lookup))
        .route("/api/conversations.history", get(history))
        .route("/api/chat.postMessage", post(post_message))
}

fn ok(body: Value) -> Response {
    let mut b = json!({"ok": true});
    if let (Some(o), Value::Object(extra)) = (b.as_object_mut(), body) {
        o.extend(extra);
    }
    axum::Json(b).into_response()
}

fn error(code: &str) -> Response {
    axum::Json(json!({"ok": false, "error": code})).into_response()
}

fn ratelimited(secs: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("retry-after", secs.to_string())],
        axum::Json(json!({"ok": false, "error": "ratelimited"})),
    )
        .into_response()
}

async fn authorize(State(w): State<Shared>, q: Query<Authorize>) -> Response {
    consent_page(&w, "Slack", SLACK_CLIENT.0, q)
}

/// Issues a rotated pair: a 12-hour access token and a single-use refresh token.
fn rotated(world: &mut World) -> Value {
    let access = world.issue("xoxe.xoxb-", TEAM.0, Some(ACCESS_LIFETIME));
    let refresh = world.issue_refresh("xoxe-1-", TEAM.0);
    json!({
        "access_token": access, "token_type": "bot", "expires_in": ACCESS_LIFETIME.as_secs(),
        "refresh_token": refresh, "scope": crate::oauth::scopes(crate::Provider::Slack).join(","),
        "bot_user_id": "U0BOT", "app_id": "A0PARLEY",
        "team": {"id": TEAM.0, "name": TEAM.1}, "enterprise": null,
    })
}

async fn token(
    State(w): State<Shared>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let failure = lock(&w).failure("slack.token");
    if let Some(kind) = failure {
        return failure_response(&kind).await;
    }
    let mut world = lock(&w);
    match client_credentials(&headers, &form) {
        Some((id, secret)) if id == SLACK_CLIENT.0 && secret == SLACK_CLIENT.1 => {}
        Some((id, _)) if id == SLACK_CLIENT.0 => return error("bad_client_secret"),
        _ => return error("invalid_client_id"),
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").map(String::as_str).unwrap_or_default();
            if let Err(e) = redeem_code(
                &mut world,
                SLACK_CLIENT.0,
                code,
                form.get("redirect_uri").map(String::as_str),
                None,
            ) {
                return error(e);
            }
            ok(rotated(&mut world))
        }
        Some("refresh_token") => {
            let refresh = form
                .get("refresh_token")
                .map(String::as_str)
                .unwrap_or_default();
            if world.take_refresh(refresh, true).is_none() {
                return error("invalid_refresh_token");
            }
            ok(rotated(&mut world))
        }
        _ => error("invalid_grant_type"),
    }
}

/// The caller's team, or the error Slack gives for its token.
fn authed(world: &World, headers: &HeaderMap) -> Result<String, Response> {
    let Some(token) = bearer(headers) else {
        return Err(error("not_authed"));
    };
    world.holder(&token).map_err(|why| {
        error(match why {
            "expired" => "token_expired",
            "revoked" => "token_revoked",
            _ => "invalid_auth",
        })
    })
}

async fn revoke(State(w): State<Shared>, headers: HeaderMap) -> Response {
    let mut world = lock(&w);
    if let Err(r) = authed(&world, &headers) {
        return r;
    }
    let token = bearer(&headers).unwrap_or_default();
    world.access.remove(&token);
    world.revoked_access.insert(token);
    ok(json!({"revoked": true}))
}

async fn auth_test(State(w): State<Shared>, headers: HeaderMap) -> Response {
    let world = lock(&w);
    match authed(&world, &headers) {
        Ok(_) => ok(
            json!({"team": TEAM.1, "team_id": TEAM.0, "user_id": "U0BOT", "bot_id": "B0BOT",
            "url": "https://contract-team.slack.com/"}),
        ),
        Err(r) => r,
    }
}

async fn list(State(w): State<Shared>, headers: HeaderMap) -> Response {
    let world = lock(&w);
    if let Err(r) = authed(&world, &headers) {
        return r;
    }
    let channels: Vec<Value> = CHANNELS
        .iter()
        .filter(|c| !c.3)
        .map(|(id, name, private, archived)| {
            json!({"id": id, "name": name, "is_channel": true, "is_private": private,
                "is_archived": archived, "is_member": id.starts_with('G')})
        })
        .collect();
    ok(json!({"channels": channels, "response_metadata": {"next_cursor": ""}}))
}

async fn lookup(
    State(w): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let world = lock(&w);
    if let Err(r) = authed(&world, &headers) {
        return r;
    }
    let email = q.get("email").map(String::as_str).unwrap_or_default();
    match USERS.iter().find(|(e, _)| *e == email) {
        Some((e, id)) => {
            ok(json!({"user": {"id": id, "team_id": TEAM.0, "profile": {"email": e}}}))
        }
        None => error("users_not_found"),
    }
}

async fn history(
    State(w): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut world = lock(&w);
    if let Err(r) = authed(&world, &headers) {
        return r;
    }
    match world.failure("slack.conversations.history").as_deref() {
        Some("rejected") => return error("not_in_channel"),
        Some(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        None => {}
    }
    let channel = q.get("channel").cloned().unwrap_or_default();
    let with_metadata = q.get("include_all_metadata").map(String::as_str) == Some("true");
    let messages: Vec<Value> = world
        .slack_messages
        .iter()
        .rev()
        .filter(|m| m["channel"] == channel.as_str())
        .map(|m| {
            let mut m = m.clone();
            if !with_metadata {
                m.as_object_mut().map(|o| o.remove("metadata"));
            }
            m
        })
        .collect();
    ok(json!({"messages": messages, "has_more": false}))
}

async fn post_message(
    State(w): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body {
        return error("invalid_post_type");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error("invalid_json");
    };
    let (failure, answer) = match record_post(&w, &headers, &body) {
        Ok(done) => done,
        Err(r) => return r,
    };
    super::write_latency(&w).await;
    match failure.as_deref() {
        Some(kind) => failure_response(kind).await,
        None => ok(answer),
    }
}

/// Checks and records a post: the injected failure to give (if any) and the normal answer.
fn record_post(
    w: &Shared,
    headers: &HeaderMap,
    body: &Value,
) -> Result<(Option<String>, Value), Response> {
    let mut world = lock(w);
    authed(&world, headers)?;
    let channel = body["channel"].as_str().unwrap_or_default().to_string();
    let text = body["text"].as_str().unwrap_or_default();
    if text.is_empty() && body.get("blocks").is_none() {
        return Err(error("no_text"));
    }
    if text.chars().count() > 40_000 {
        return Err(error("msg_too_long"));
    }
    let known = CHANNELS.iter().find(|c| c.0 == channel);
    match known {
        Some(c) if c.3 => return Err(error("is_archived")),
        None if !USERS.iter().any(|u| u.1 == channel) => return Err(error("channel_not_found")),
        _ => {}
    }
    let key = format!("post:{channel}");
    if !world.allow(&key, POSTS_PER_WINDOW, POST_WINDOW) {
        let left = world.window_left(&key, POST_WINDOW);
        return Err(ratelimited(left));
    }
    let failure = world.failure("slack.chat.postMessage");
    if failure.as_deref() == Some("ratelimit") {
        world.rate_limited += 1;
        return Err(ratelimited(1));
    }
    if failure.as_deref() == Some("unavailable") {
        return Err(StatusCode::SERVICE_UNAVAILABLE.into_response());
    }
    let n = world.next_id();
    let ts = format!("1765000000.{n:06}");
    world.slack_messages.push(json!({
        "type": "message", "subtype": "bot_message", "channel": channel, "text": text,
        "blocks": body.get("blocks").cloned().unwrap_or(Value::Null), "ts": ts,
        "metadata": body.get("metadata").cloned().unwrap_or(Value::Null),
    }));
    Ok((
        failure,
        json!({"channel": channel, "ts": ts, "message": {"text": text, "ts": ts, "type": "message"}}),
    ))
}

/// The answer for an injected failure (whatever was to be applied already was).
async fn failure_response(kind: &str) -> Response {
    match kind {
        "status_500_after_apply" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "unavailable" => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        "ratelimit" => ratelimited(1),
        "hang" => {
            hang().await;
            error("internal_error")
        }
        _ => error("internal_error"),
    }
}
