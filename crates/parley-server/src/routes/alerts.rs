//! `/api/v1/alerts`: alert rules and recent alerts.

use super::shared::rfc3339;
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use parley_engine::alerts::{
    self, AlertSettings, EmailChannel, Rule, SlackChannel, WebhookChannel,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(list_alerts))
        .routes(routes!(test_alert))
}

/// One alert rule.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RuleView {
    /// `integration_disconnected`, `workflow_failures`, `queue_age`, `provider_errors`,
    /// `dead_job`, `disk_space` or `database_down`.
    kind: String,
    enabled: bool,
    /// Percent for `workflow_failures`, `provider_errors` (over 15 minutes) and
    /// `disk_space` (free); minutes for `queue_age`; unused by the others.
    #[serde(default)]
    threshold: Option<f64>,
    /// Least executions (`workflow_failures`) or model calls (`provider_errors`) in 15
    /// minutes before the rate counts.
    #[serde(default)]
    min_count: Option<i64>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct EmailChannelView {
    enabled: bool,
    /// Empty: the workspace's owners and admins.
    #[serde(default)]
    recipients: Vec<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct SlackChannelView {
    enabled: bool,
    /// A channel id or `#name` the workspace's Slack connection can post to.
    #[serde(default)]
    channel: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct WebhookChannelView {
    enabled: bool,
    #[serde(default)]
    url: String,
}

/// A workspace's alert rules and where notices go.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AlertRules {
    rules: Vec<RuleView>,
    /// A lasting alert is repeated at most this often (1 to 168 hours).
    repeat_hours: i64,
    email: EmailChannelView,
    slack: SlackChannelView,
    webhook: WebhookChannelView,
    /// Alert webhooks carry `X-Parley-Signature: sha256=<HMAC-SHA256 of the body>` under
    /// this secret (made when a webhook URL is first set). Ignored on input.
    #[serde(default, skip_deserializing)]
    #[schema(required, read_only)]
    webhook_secret: Option<String>,
}

impl From<alerts::SettingsView> for AlertRules {
    fn from(v: alerts::SettingsView) -> Self {
        let s = v.settings;
        AlertRules {
            rules: s
                .rules
                .into_iter()
                .map(|r| RuleView {
                    kind: r.kind,
                    enabled: r.enabled,
                    threshold: r.threshold,
                    min_count: r.min_count,
                })
                .collect(),
            repeat_hours: s.repeat_hours,
            email: EmailChannelView {
                enabled: s.email.enabled,
                recipients: s.email.recipients,
            },
            slack: SlackChannelView {
                enabled: s.slack.enabled,
                channel: s.slack.channel,
            },
            webhook: WebhookChannelView {
                enabled: s.webhook.enabled,
                url: s.webhook.url,
            },
            webhook_secret: v.webhook_secret,
        }
    }
}

impl From<AlertRules> for AlertSettings {
    fn from(v: AlertRules) -> Self {
        AlertSettings {
            rules: v
                .rules
                .into_iter()
                .map(|r| Rule {
                    kind: r.kind,
                    enabled: r.enabled,
                    threshold: r.threshold,
                    min_count: r.min_count,
                })
                .collect(),
            repeat_hours: v.repeat_hours,
            email: EmailChannel {
                enabled: v.email.enabled,
                recipients: v
                    .email
                    .recipients
                    .into_iter()
                    .map(|r| r.trim().to_string())
                    .collect(),
            },
            slack: SlackChannel {
                enabled: v.slack.enabled,
                channel: v.slack.channel.trim().to_string(),
            },
            webhook: WebhookChannel {
                enabled: v.webhook.enabled,
                url: v.webhook.url.trim().to_string(),
            },
        }
    }
}

/// The workspace's alert rules (defaults, all on, until saved).
#[utoipa::path(get, path = "/api/v1/alerts/rules", tag = "alerts", responses(
    (status = 200, body = AlertRules), (status = 403, body = ErrorBody),
))]
async fn get_rules(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<AlertRules>> {
    let al = crate::node::alerting(&state.services, &state.config);
    Ok(Json(alerts::settings(&al, &caller.actor).await?.into()))
}

/// Replaces the workspace's alert rules and channels.
#[utoipa::path(put, path = "/api/v1/alerts/rules", tag = "alerts", request_body = AlertRules, responses(
    (status = 200, body = AlertRules), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn put_rules(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<AlertRules>,
) -> ApiResult<Json<AlertRules>> {
    let al = crate::node::alerting(&state.services, &state.config);
    Ok(Json(
        alerts::put_settings(&al, &caller.actor, body.into())
            .await?
            .into(),
    ))
}

/// One firing, repeat, resolution or test notice.
#[derive(Serialize, ToSchema)]
pub struct AlertEventView {
    id: Uuid,
    /// What the alert is about (`integration:slack`, `workflow_failures:<id>`, `queue_age`…).
    alert_key: String,
    kind: String,
    /// `fired`, `repeated`, `resolved` or `test`.
    event: String,
    summary: String,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    items: Vec<AlertEventView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// How many, 1 to 200 (default 50).
    limit: Option<u64>,
}

/// The workspace's recent alerts, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery), responses(
    (status = 200, body = AlertList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
))]
async fn list_alerts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<AlertList>> {
    let al = crate::node::alerting(&state.services, &state.config);
    let items = alerts::recent(&al, &caller.actor, q.limit.unwrap_or(50))
        .await?
        .into_iter()
        .map(|e| AlertEventView {
            id: e.id,
            alert_key: e.alert_key,
            kind: e.kind,
            event: e.event,
            summary: e.summary,
            created_at: rfc3339(e.created_at),
        })
        .collect();
    Ok(Json(AlertList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertTestSent {
    /// The channels the test notice was queued on.
    channels: Vec<String>,
}

/// Sends a test notice through every enabled channel (queued like real notices).
#[utoipa::path(post, path = "/api/v1/alerts/test", tag = "alerts", responses(
    (status = 200, body = AlertTestSent), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn test_alert(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<AlertTestSent>> {
    let al = crate::node::alerting(&state.services, &state.config);
    let channels = alerts::send_test(&al, &caller.actor).await?;
    state.jobs_wake.notify_one();
    Ok(Json(AlertTestSent { channels }))
}
