//! `/api/v1/tokens`: API tokens for scripts and other systems.

use super::shared::rfc3339;
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use parley_domain::Role;
use parley_engine::tokens::{self, ApiToken};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// An API token (never its secret).
#[derive(Serialize, ToSchema)]
#[schema(as = ApiToken)]
pub struct TokenView {
    id: Uuid,
    name: String,
    /// The secret's first characters, to tell tokens apart.
    prefix: String,
    role: Role,
    created_at: String,
    #[schema(required)]
    last_used_at: Option<String>,
    #[schema(required)]
    revoked_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    items: Vec<TokenView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    #[schema(min_length = 1)]
    name: String,
    /// `admin` or `agent`, at most your own role.
    role: Role,
}

/// The new token and its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    token: TokenView,
    /// Send as `Authorization: Bearer <secret>`. It is not stored and cannot be shown again.
    secret: String,
}

fn view(t: ApiToken) -> TokenView {
    TokenView {
        id: t.id,
        role: Role::parse(&t.role).unwrap_or(Role::Agent),
        name: t.name,
        prefix: t.prefix,
        created_at: rfc3339(t.created_at),
        last_used_at: t.last_used_at.map(rfc3339),
        revoked_at: t.revoked_at.map(rfc3339),
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses(
    (status = 200, body = TokenList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
))]
async fn list_tokens(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<TokenList>> {
    let items = tokens::list(&state.store, &caller.actor).await?;
    Ok(Json(TokenList {
        items: items.into_iter().map(view).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenCreate, responses(
    (status = 201, body = TokenCreated), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn create_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<TokenCreate>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let (token, secret) =
        tokens::create(&state.store, &caller.actor, &body.name, body.role).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token: view(token),
            secret,
        }),
    ))
}

/// Revokes a token at once; it stays listed as revoked.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn revoke_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tokens::revoke(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
