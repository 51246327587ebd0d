//! `/api/v1/members`, `/api/v1/invitations` and the public accept and password-reset endpoints.

use super::auth::Me;
use super::shared::rfc3339;
use crate::caller::{Caller, session_set_cookie};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ClientIp, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::Role;
use parley_engine::members::{self, Links};
use parley_engine::{Actor, workspaces};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(change_role))
        .routes(routes!(deactivate))
        .routes(routes!(reactivate))
        .routes(routes!(list_invitations, invite))
        .routes(routes!(revoke_invitation))
        .routes(routes!(preview_invitation))
        .routes(routes!(accept_invitation))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
}

fn links(state: &AppState) -> Links<'_> {
    Links {
        public_url: &state.config.public_url,
        mailer: &state.config.mail,
    }
}

/// A member of the workspace.
#[derive(Serialize, ToSchema)]
pub struct MemberView {
    user_id: Uuid,
    email: String,
    name: String,
    role: Role,
    /// `active` or `deactivated`.
    status: String,
    joined_at: String,
    /// Their latest session or presence activity in this workspace.
    #[schema(required)]
    last_active_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    items: Vec<MemberView>,
}

#[utoipa::path(get, path = "/api/v1/members", tag = "members", responses(
    (status = 200, body = MemberList), (status = 401, body = ErrorBody),
))]
async fn list_members(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<MemberList>> {
    let members = members::list_members(&state.store, &caller.actor).await?;
    Ok(Json(MemberList {
        items: members
            .into_iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                email: m.email,
                name: m.name,
                role: m.role,
                status: if m.deactivated_at.is_some() {
                    "deactivated"
                } else {
                    "active"
                }
                .into(),
                joined_at: rfc3339(m.joined_at),
                last_active_at: m.last_active_at.map(rfc3339),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// Only an owner makes owners; the last owner stays one.
    role: String,
}

#[utoipa::path(patch, path = "/api/v1/members/{user_id}", tag = "members", params(("user_id" = Uuid, Path)), request_body = RoleChange, responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn change_role(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<RoleChange>,
) -> ApiResult<StatusCode> {
    members::change_role(&state.store, &caller.actor, parse_id(&user_id)?, &body.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deactivates a member: their sessions here end and their API tokens here are revoked at once.
#[utoipa::path(post, path = "/api/v1/members/{user_id}/deactivate", tag = "members", params(("user_id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn deactivate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(user_id): Path<String>,
) -> ApiResult<StatusCode> {
    members::deactivate(&state.store, &caller.actor, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lets a deactivated member sign in here again, with their former role.
#[utoipa::path(post, path = "/api/v1/members/{user_id}/reactivate", tag = "members", params(("user_id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn reactivate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(user_id): Path<String>,
) -> ApiResult<StatusCode> {
    members::reactivate(&state.store, &caller.actor, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pending invitation.
#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    id: Uuid,
    email: String,
    role: Role,
    created_at: String,
    expires_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    items: Vec<InvitationView>,
    /// Whether this server sends email; without it, invitation links are shown to copy.
    email_enabled: bool,
}

fn invitation_view(i: parley_store::repo::invitations::Invitation) -> InvitationView {
    InvitationView {
        id: i.id,
        role: Role::parse(&i.role).unwrap_or(Role::Agent),
        email: i.email,
        created_at: rfc3339(i.created_at),
        expires_at: rfc3339(i.expires_at),
    }
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "members", responses(
    (status = 200, body = InvitationList), (status = 403, body = ErrorBody),
))]
async fn list_invitations(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<InvitationList>> {
    let items = members::list_invitations(&state.store, &caller.actor).await?;
    Ok(Json(InvitationList {
        items: items.into_iter().map(invitation_view).collect(),
        email_enabled: state.config.mail.configured(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationCreate {
    email: String,
    /// `owner` (owners only), `admin` or `agent`.
    role: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationCreated {
    invitation: InvitationView,
    /// Whether the link went out by email.
    emailed: bool,
    /// The link to pass on, present only when no email was sent (this once; it is not stored).
    #[schema(required)]
    link: Option<String>,
}

/// Invites someone by email; the link works for 7 days. A new invitation replaces the
/// person's earlier pending ones.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "members", request_body = InvitationCreate, responses(
    (status = 201, body = InvitationCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn invite(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<InvitationCreate>,
) -> ApiResult<(StatusCode, Json<InvitationCreated>)> {
    let invited = members::invite(
        &state.store,
        &caller.actor,
        links(&state),
        &body.email,
        &body.role,
    )
    .await?;
    if invited.emailed {
        state.jobs_wake.notify_one();
    }
    Ok((
        StatusCode::CREATED,
        Json(InvitationCreated {
            invitation: invitation_view(invited.invitation),
            emailed: invited.emailed,
            link: invited.link,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "members", params(("id" = Uuid, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn revoke_invitation(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    members::revoke_invitation(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    token: String,
}

/// What an invitation link offers, for the accept page.
#[derive(Serialize, ToSchema)]
pub struct InvitationPreview {
    email: String,
    role: Role,
    workspace_name: String,
    /// The email has an account already: accept with its password (no name needed).
    existing_user: bool,
}

/// Public: what the invitation behind a token offers (422 when it is expired, used or withdrawn).
#[utoipa::path(post, path = "/api/v1/invitations/preview", tag = "members", request_body = TokenBody, responses(
    (status = 200, body = InvitationPreview), (status = 422, body = ErrorBody),
))]
async fn preview_invitation(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<Json<InvitationPreview>> {
    let p = members::preview_invitation(&state.store, &body.token).await?;
    Ok(Json(InvitationPreview {
        email: p.email,
        role: p.role,
        workspace_name: p.workspace_name,
        existing_user: p.existing_user,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    token: String,
    /// The new person's name (ignored for an existing account).
    #[serde(default)]
    name: String,
    /// A new password (at least 10 characters), or an existing account's password.
    password: String,
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Signs `email` in with `password` and lands the session in `workspace_id` (when given).
async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    workspace_id: Option<Uuid>,
    ip: Option<String>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let mut outcome = state
        .auth
        .login(email, password, ip.clone(), user_agent(headers))
        .await?;
    if let Some(target) = workspace_id
        && target != outcome.me.workspace.id
    {
        let actor = Actor {
            user_id: outcome.me.user.id,
            workspace_id: outcome.me.workspace.id,
            role: outcome.me.role,
            token_id: None,
            ip,
        };
        let (workspace, role) =
            workspaces::switch(&state.store, &actor, Some(&outcome.session_token), target).await?;
        outcome.me.workspace = workspace;
        outcome.me.role = role;
    }
    let cookie = session_set_cookie(
        Some(&outcome.session_token),
        state.auth.session_ttl().as_secs(),
        state.config.secure_cookies(),
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(Me::from(outcome.me))).into_response())
}

/// Public: accepts an invitation (sets name and password, or confirms an existing
/// account's password), then signs in to the invitation's workspace.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = AcceptRequest, responses(
    (status = 200, body = Me), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
))]
async fn accept_invitation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AcceptRequest>,
) -> ApiResult<Response> {
    let accepted = members::accept(
        &state.store,
        &body.token,
        &body.name,
        &body.password,
        ip.clone(),
    )
    .await?;
    sign_in(
        &state,
        &accepted.email,
        &body.password,
        Some(accepted.workspace_id),
        ip,
        &headers,
    )
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    email: String,
}

/// Public: emails a reset link (valid one hour, once) if the email has an account. Always
/// 202, so it reveals nothing about which emails have accounts; throttled per address.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", request_body = ForgotPassword, responses(
    (status = 202), (status = 429, body = ErrorBody),
))]
async fn forgot_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ForgotPassword>,
) -> ApiResult<StatusCode> {
    members::request_reset(&state.store, links(&state), &body.email, ip).await?;
    state.jobs_wake.notify_one();
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    token: String,
    password: String,
}

/// Public: sets a new password with a reset token, ends every other session, signs in.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth", request_body = ResetPassword, responses(
    (status = 200, body = Me), (status = 422, body = ErrorBody),
))]
async fn reset_password(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ResetPassword>,
) -> ApiResult<Response> {
    let email =
        members::reset_password(&state.store, &body.token, &body.password, ip.clone()).await?;
    sign_in(&state, &email, &body.password, None, ip, &headers).await
}
