//! The admin API, one module per resource, each returning an `OpenApiRouter` so routes and
//! their OpenAPI documentation are declared together.

pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod bots;
pub mod contacts;
pub mod conversations;
pub mod events;
pub mod health;
pub mod images;
pub mod integrations;
pub mod knowledge;
pub mod members;
pub mod privacy;
pub mod shared;
pub mod system;
pub mod team;
pub mod tokens;
pub mod vision;
pub mod widget;
pub mod workflows;
pub mod workspaces;

use crate::state::AppState;
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
        .merge(team::router())
        .merge(contacts::router())
        .merge(integrations::router())
        .merge(analytics::router())
        .merge(images::router())
        .merge(vision::router())
        .merge(members::router())
        .merge(workspaces::router())
        .merge(system::router())
        .merge(alerts::router())
        .merge(privacy::router())
}
