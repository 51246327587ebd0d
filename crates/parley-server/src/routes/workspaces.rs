//! `/api/v1/workspaces`: the caller's workspaces, switching, creating, settings.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
