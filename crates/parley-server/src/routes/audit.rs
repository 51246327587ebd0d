//! `/api/v1/audit`: the workspace's audit log, newest first.

use super::shared::rfc3339;
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, page_limit};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use parley_engine::audit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    id: Uuid,
    action: String,
    #[schema(required)]
    actor_user_id: Option<Uuid>,
    #[schema(required)]
    actor_token_id: Option<Uuid>,
    #[schema(required)]
    target_type: Option<String>,
    #[schema(required)]
    target_id: Option<String>,
    details: serde_json::Value,
    #[schema(required)]
    ip: Option<String>,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    items: Vec<AuditEntryView>,
    /// Pass as `before` for the next page; null on the last page.
    #[schema(required)]
    next_before: Option<Uuid>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page size, 1 to 200 (default 50).
    limit: Option<u64>,
    /// Only entries older than this entry id.
    before: Option<Uuid>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses(
    (status = 200, body = AuditList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
))]
async fn list_audit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditList>> {
    let limit = page_limit(q.limit)?;
    let rows = audit::list(&state.store, &caller.actor, limit, q.before).await?;
    let next_before = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| AuditEntryView {
            id: r.id,
            action: r.action,
            actor_user_id: r.actor_user_id,
            actor_token_id: r.actor_token_id,
            target_type: r.target_type,
            target_id: r.target_id,
            details: r.details,
            ip: r.ip,
            created_at: rfc3339(r.created_at),
        })
        .collect();
    Ok(Json(AuditList { items, next_before }))
}
