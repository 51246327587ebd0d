//! The OpenAPI 3.1 document, generated from the route declarations (`parley openapi`
//! prints it; the dashboard's TypeScript types are generated from it).

use crate::error::ErrorBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley",
        description = "Self-hosted AI customer-support and sales chat. Admin API: authenticate with \
                       the session cookie from `POST /api/v1/auth/login` (writes must echo the \
                       session's `csrf_token` in `X-CSRF-Token`) or with `Authorization: Bearer <api token>`. \
                       Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."
    ),
    // Schemas only query parameters name, which utoipa does not collect by itself.
    components(schemas(
        ErrorBody,
        crate::routes::conversations::InboxView,
        crate::routes::conversations::InboxSort
    )),
    modifiers(&Security),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Dashboard sessions"),
        (name = "bots", description = "Chatbots, their keys and settings"),
        (name = "tokens", description = "API tokens"),
        (name = "knowledge", description = "Documents, FAQs and retrieval per bot"),
        (name = "inbox", description = "Conversations for agents, and live events"),
        (name = "audit", description = "Who changed what"),
        (name = "workflows", description = "Automation: workflows, versions, executions and external events"),
        (name = "widget", description = "The embeddable widget's API: bot key, allowed origins, visitor session token"),
        (name = "team", description = "Agents, presence and canned replies"),
        (name = "contacts", description = "Visitors known by email, their leads and export"),
        (name = "integrations", description = "OAuth connections to Slack, HubSpot and Google Sheets"),
        (name = "analytics", description = "KPIs, time series, knowledge gaps and exports from the hourly rollup"),
        (name = "vision", description = "Image analysis: on demand, corrections, provider test"),
        (name = "members", description = "Invitations, roles, deactivation and password resets"),
        (name = "workspaces", description = "Workspaces, switching and their settings"),
        (name = "system", description = "Nodes, database, queue, providers; dead-letter retries"),
        (name = "alerts", description = "Alert rules, recent alerts and test notices"),
        (name = "privacy", description = "A visitor's export and erasure, retention"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::caller::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
