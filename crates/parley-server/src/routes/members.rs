//! `/api/v1/members`, `/api/v1/invitations` and the public accept and password-reset endpoints.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
