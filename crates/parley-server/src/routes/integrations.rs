//! `/api/v1/integrations`: connecting Slack, HubSpot and Google (OAuth2 or a pasted token),
//! their state, workspace OAuth apps, test sends and the pickers action forms read. Tokens
//! never leave the server.

use crate::caller::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Redirect;
use parley_engine::integrations::ProviderView;
use parley_integrations::Provider;
use parley_integrations::hubspot::{Pipeline, Property};
use parley_integrations::sheets::Spreadsheet;
use parley_integrations::slack::Channel;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_integrations))
        .routes(routes!(put_app, delete_app))
        .routes(routes!(connect))
        .routes(routes!(callback))
        .routes(routes!(paste_token))
        .routes(routes!(disconnect))
        .routes(routes!(test_send))
        .routes(routes!(slack_channels))
        .routes(routes!(hubspot_pipelines))
        .routes(routes!(hubspot_properties))
        .routes(routes!(google_sheets))
}

crate::routes::shared::vocabulary!(
    /// A provider Parley connects to.
    ProviderId { Slack, Hubspot, Google }
);
crate::routes::shared::vocabulary!(
    /// Where a provider's connection stands.
    IntegrationState { NotConfigured, Disconnected, Connected, NeedsReconnect, Error }
);

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    id: String,
    name: String,
}

/// A provider as the Integrations page shows it (never a token or a client secret).
#[derive(Serialize, ToSchema)]
pub struct IntegrationOut {
    #[schema(value_type = ProviderId)]
    provider: &'static str,
    name: &'static str,
    #[schema(value_type = IntegrationState)]
    state: String,
    /// An OAuth client id and secret are set (in the settings or for this workspace).
    oauth_configured: bool,
    /// `settings` or `workspace`.
    app_source: Option<&'static str>,
    client_id: Option<String>,
    /// Paste this into the vendor app's redirect URLs.
    callback_url: String,
    /// A token can be pasted instead of OAuth (Slack bot token, HubSpot service key).
    accepts_token: bool,
    /// `oauth` or `token`.
    method: Option<String>,
    account: Option<AccountOut>,
    scopes: Vec<String>,
    /// Epoch ms.
    expires_at: Option<i64>,
    connected_at: Option<i64>,
    last_success_at: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
}

impl From<ProviderView> for IntegrationOut {
    fn from(v: ProviderView) -> Self {
        IntegrationOut {
            provider: v.provider.id(),
            name: v.name,
            state: v.state,
            oauth_configured: v.oauth_configured,
            app_source: v.app_source,
            client_id: v.client_id,
            callback_url: v.callback_url,
            accepts_token: v.accepts_token,
            method: v.method,
            account: v.account.map(|a| AccountOut {
                id: a.id,
                name: a.name,
            }),
            scopes: v.scopes,
            expires_at: v.expires_at,
            connected_at: v.connected_at,
            last_success_at: v.last_success_at,
            last_error: v.last_error,
            last_error_at: v.last_error_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IntegrationList {
    providers: Vec<IntegrationOut>,
}

fn provider(id: &str) -> Result<Provider, ApiError> {
    Provider::parse(id).ok_or_else(ApiError::not_found)
}

/// Every provider with its connection state.
#[utoipa::path(get, path = "/api/v1/integrations", tag = "integrations", responses((status = 200, body = IntegrationList)))]
async fn list_integrations(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<IntegrationList>> {
    let views = state.services.integrations.overview(&caller.actor).await?;
    Ok(Json(IntegrationList {
        providers: views.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppIn {
    client_id: String,
    /// Write-only: stored sealed, never returned.
    client_secret: String,
}

/// Uses this workspace's own OAuth app for the provider instead of the server's.
#[utoipa::path(put, path = "/api/v1/integrations/{provider}/app", tag = "integrations", params(("provider" = ProviderId, Path)), request_body = AppIn, responses(
    (status = 200, body = IntegrationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
))]
async fn put_app(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AppIn>,
) -> ApiResult<Json<IntegrationOut>> {
    let view = state
        .services
        .integrations
        .put_app(
            &caller.actor,
            provider(&id)?,
            &body.client_id,
            &body.client_secret,
        )
        .await?;
    Ok(Json(view.into()))
}

/// Goes back to the server's OAuth app (the settings) for the provider.
#[utoipa::path(delete, path = "/api/v1/integrations/{provider}/app", tag = "integrations", params(("provider" = ProviderId, Path)), responses(
    (status = 200, body = IntegrationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn delete_app(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<IntegrationOut>> {
    let view = state
        .services
        .integrations
        .delete_app(&caller.actor, provider(&id)?)
        .await?;
    Ok(Json(view.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ConnectOut {
    /// Send the browser here (the vendor's consent page).
    authorize_url: String,
}

/// Starts connecting through OAuth: the vendor's consent URL (with a one-time state bound
/// to the signed-in user).
#[utoipa::path(post, path = "/api/v1/integrations/{provider}/connect", tag = "integrations", params(("provider" = ProviderId, Path)), responses(
    (status = 200, body = ConnectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
))]
async fn connect(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectOut>> {
    let authorize_url = state
        .services
        .integrations
        .begin_connect(&caller.actor, provider(&id)?)
        .await?;
    Ok(Json(ConnectOut { authorize_url }))
}

#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// Set by the vendor when the person cancelled (`access_denied`) or it failed.
    error: Option<String>,
    error_description: Option<String>,
}

/// Where the vendor sends the browser back: finishes connecting and redirects to the
/// Integrations page (`?connected=<provider>`, or `?provider=<provider>&error=<message>`).
#[utoipa::path(get, path = "/api/v1/integrations/{provider}/callback", tag = "integrations", params(("provider" = ProviderId, Path), CallbackQuery), responses(
    (status = 303, description = "Back to the dashboard's Integrations page"), (status = 404, body = ErrorBody),
))]
async fn callback(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Result<Redirect, ApiError> {
    let provider = provider(&id)?;
    let back = |error: &str| {
        Redirect::to(&format!(
            "/app/integrations?provider={}&error={}",
            provider.id(),
            parley_integrations::percent_encode(error)
        ))
    };
    let Ok(Caller(caller)) = caller else {
        return Ok(back(
            "sign in to Parley in this browser, then connect again",
        ));
    };
    if let Some(error) = q.error {
        let message = match error.as_str() {
            "access_denied" => "the connection was cancelled on the vendor's page".to_string(),
            _ => format!(
                "{} refused: {}",
                provider.name(),
                q.error_description.unwrap_or(error)
            ),
        };
        return Ok(back(&message));
    }
    let (Some(code), Some(oauth_state)) = (q.code, q.state) else {
        return Ok(back("the vendor sent no authorization code"));
    };
    match state
        .services
        .integrations
        .finish_connect(caller.actor.user_id, provider, &oauth_state, &code)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/app/integrations?connected={}",
            provider.id()
        ))),
        Err(e) => Ok(back(&e.to_string())),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// A Slack bot token (`xoxb-…`) or a HubSpot service key; checked with the vendor first.
    token: String,
}

/// Connects with a pasted token instead of OAuth.
#[utoipa::path(post, path = "/api/v1/integrations/{provider}/token", tag = "integrations", params(("provider" = ProviderId, Path)), request_body = TokenIn, responses(
    (status = 200, body = IntegrationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody),
))]
async fn paste_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TokenIn>,
) -> ApiResult<Json<IntegrationOut>> {
    let view = state
        .services
        .integrations
        .connect_token(&caller.actor, provider(&id)?, &body.token)
        .await?;
    Ok(Json(view.into()))
}

/// Disconnects: revokes the grant at the vendor where possible and deletes the tokens.
#[utoipa::path(delete, path = "/api/v1/integrations/{provider}", tag = "integrations", params(("provider" = ProviderId, Path)), responses(
    (status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
async fn disconnect(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state
        .services
        .integrations
        .disconnect(&caller.actor, provider(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Slack: `{channel}`; HubSpot: `{}`; Google: `{spreadsheet_id, sheet}`.
#[derive(Deserialize, ToSchema)]
pub struct TestIn {
    channel: Option<String>,
    spreadsheet_id: Option<String>,
    sheet: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TestOut {
    message: String,
    /// The vendor's receipt (Slack `ts`, the Sheets `updatedRange`, ...).
    receipt: Value,
}

/// Sends a test: a message to a Slack channel, a read of the HubSpot portal, a row appended
/// to a sheet.
#[utoipa::path(post, path = "/api/v1/integrations/{provider}/test", tag = "integrations", params(("provider" = ProviderId, Path)), request_body = TestIn, responses(
    (status = 200, body = TestOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody),
))]
async fn test_send(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TestIn>,
) -> ApiResult<Json<TestOut>> {
    let params = serde_json::json!({
        "channel": body.channel, "spreadsheet_id": body.spreadsheet_id, "sheet": body.sheet,
    });
    let result = state
        .services
        .integrations
        .test(&caller.actor, provider(&id)?, &params)
        .await?;
    Ok(Json(TestOut {
        message: result.message,
        receipt: result.receipt,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ChannelOut {
    id: String,
    name: String,
    is_private: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ChannelList {
    channels: Vec<ChannelOut>,
}

/// The Slack channels the app can post to, by name.
#[utoipa::path(get, path = "/api/v1/integrations/slack/channels", tag = "integrations", responses(
    (status = 200, body = ChannelList), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
))]
async fn slack_channels(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<ChannelList>> {
    let channels: Vec<Channel> = state
        .services
        .integrations
        .slack_channels(&caller.actor)
        .await?;
    Ok(Json(ChannelList {
        channels: channels
            .into_iter()
            .map(|c| ChannelOut {
                id: c.id,
                name: c.name,
                is_private: c.is_private,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StageOut {
    id: String,
    label: String,
}

#[derive(Serialize, ToSchema)]
pub struct PipelineOut {
    id: String,
    label: String,
    stages: Vec<StageOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PipelineList {
    pipelines: Vec<PipelineOut>,
}

/// HubSpot's deal pipelines and their stages (pick by label, store the id).
#[utoipa::path(get, path = "/api/v1/integrations/hubspot/pipelines", tag = "integrations", responses(
    (status = 200, body = PipelineList), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody),
))]
async fn hubspot_pipelines(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<PipelineList>> {
    let pipelines: Vec<Pipeline> = state
        .services
        .integrations
        .hubspot_pipelines(&caller.actor)
        .await?;
    Ok(Json(PipelineList {
        pipelines: pipelines
            .into_iter()
            .map(|p| PipelineOut {
                id: p.id,
                label: p.label,
                stages: p
                    .stages
                    .into_iter()
                    .map(|s| StageOut {
                        id: s.id,
                        label: s.label,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct PropertiesQuery {
    /// `contacts` (default) or `deals`.
    object: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PropertyOut {
    name: String,
    label: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct PropertyList {
    properties: Vec<PropertyOut>,
}

/// HubSpot properties a field mapping may write.
#[utoipa::path(get, path = "/api/v1/integrations/hubspot/properties", tag = "integrations", params(PropertiesQuery), responses(
    (status = 200, body = PropertyList), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody),
))]
async fn hubspot_properties(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(q): Query<PropertiesQuery>,
) -> ApiResult<Json<PropertyList>> {
    let properties: Vec<Property> = state
        .services
        .integrations
        .hubspot_properties(&caller.actor, q.object.as_deref().unwrap_or("contacts"))
        .await?;
    Ok(Json(PropertyList {
        properties: properties
            .into_iter()
            .map(|p| PropertyOut {
                name: p.name,
                label: p.label,
                kind: p.kind,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SheetOut {
    id: i64,
    title: String,
}

#[derive(Serialize, ToSchema)]
pub struct SpreadsheetOut {
    title: String,
    sheets: Vec<SheetOut>,
}

/// A spreadsheet's title and sheets (`id` may be the spreadsheet's URL-safe id).
#[utoipa::path(get, path = "/api/v1/integrations/google/spreadsheets/{id}/sheets", tag = "integrations", params(("id" = String, Path)), responses(
    (status = 200, body = SpreadsheetOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody),
))]
async fn google_sheets(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SpreadsheetOut>> {
    let book: Spreadsheet = state
        .services
        .integrations
        .google_spreadsheet(&caller.actor, &id)
        .await?;
    Ok(Json(SpreadsheetOut {
        title: book.title,
        sheets: book
            .sheets
            .into_iter()
            .map(|s| SheetOut {
                id: s.id,
                title: s.title,
            })
            .collect(),
    }))
}
