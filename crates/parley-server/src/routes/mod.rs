//! The admin API, one module per resource, each returning an `OpenApiRouter` so routes and
//! their OpenAPI documentation are declared together.

pub mod audit;
pub mod auth;
pub mod bots;
pub mod conversations;
pub mod events;
pub mod health;
pub mod knowledge;
pub mod tokens;
pub mod widget;
pub mod workflows;

use crate::app::AppState;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa_axum::router::OpenApiRouter;

/// Everything under `/api/v1`.
pub fn api_v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(bots::router())
        .merge(tokens::router())
        .merge(knowledge::router())
        .merge(conversations::router())
        .merge(audit::router())
        .merge(workflows::router())
        .merge(events::router())
}

/// Stored epoch milliseconds as RFC 3339 UTC, the API's time format.
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
