//! Logging in and out of the dashboard.

use crate::caller::{Caller, SessionCookie, session_set_cookie};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::Role;
use parley_engine::auth::Me as EngineMe;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserInfo {
    id: Uuid,
    email: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceInfo {
    id: Uuid,
    name: String,
}

/// The signed-in person and where they work.
#[derive(Serialize, ToSchema)]
pub struct Me {
    user: UserInfo,
    workspace: WorkspaceInfo,
    role: Role,
    /// Echo this in `X-CSRF-Token` on every cookie-authenticated write. Null for API tokens.
    #[schema(required)]
    csrf_token: Option<String>,
}

impl From<EngineMe> for Me {
    fn from(me: EngineMe) -> Self {
        Me {
            user: UserInfo {
                id: me.user.id,
                email: me.user.email,
                name: me.user.name,
            },
            workspace: WorkspaceInfo {
                id: me.workspace.id,
                name: me.workspace.name,
            },
            role: me.role,
            csrf_token: me.csrf_token,
        }
    }
}

/// Logs in and sets the HttpOnly session cookie. Throttled per email and per address.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = Me),
    (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 429, body = ErrorBody, description = "too many attempts; see Retry-After"),
))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let outcome = state
        .auth
        .login(&body.email, &body.password, ip, user_agent)
        .await?;
    let cookie = session_set_cookie(
        Some(&outcome.session_token),
        state.auth.session_ttl().as_secs(),
        state.config.secure_cookies(),
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(Me::from(outcome.me))).into_response())
}

/// Ends the session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    _caller: Caller,
    SessionCookie(cookie): SessionCookie,
) -> ApiResult<Response> {
    if let Some(token) = cookie {
        state.auth.logout(&token).await?;
    }
    let cookie = session_set_cookie(None, 0, state.config.secure_cookies());
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Who is signed in, and the CSRF token for writes.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, Caller(caller): Caller) -> ApiResult<Json<Me>> {
    Ok(Json(state.auth.me(&caller).await?.into()))
}
