//! HubSpot's side: OAuth (date-versioned token endpoint) and the CRM calls Parley makes, on
//! both the `/crm/v3/` and the date-versioned paths (the version segment is any string).

use super::{
    Authorize, HUBSPOT_CLIENT, Shared, World, bearer, consent_page, hang, lock, redeem_code,
};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::time::Duration;

pub const PORTAL: &str = "4242";
const ACCESS_LIFETIME: Duration = Duration::from_secs(1800);
/// Requests per token per rolling ten seconds (HubSpot's OAuth-app burst limit).
const BURST: u32 = 100;
const BURST_WINDOW: Duration = Duration::from_secs(10);
/// The default pipeline's stages: (id, label).
const STAGES: &[(&str, &str)] = &[
    ("appointmentscheduled", "Appointment scheduled"),
    ("qualifiedtobuy", "Qualified to buy"),
    ("presentationscheduled", "Presentation scheduled"),
    ("closedwon", "Closed won"),
    ("closedlost", "Closed lost"),
];

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/{version}/token", post(token))
        .route("/oauth/{version}/token/revoke", post(revoke))
        .route("/account-info/{version}/details", get(account))
        .route("/crm/objects/{version}/contacts", post(create_contact))
        .route("/crm/objects/{version}/{object}/batch/upsert", post(upsert))
        .route(
            "/crm/objects/{version}/deals/{deal}/associations/default/contacts/{contact}",
            put(associate),
        )
        .route("/crm/pipelines/{version}/deals", get(pipelines))
        .route(
            "/crm/properties/{version}/{object}",
            get(properties).post(create_property),
        )
}

fn problem(status: StatusCode, category: &str, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({"status": "error", "message": message, "category": category,
            "correlationId": "00000000-0000-4000-8000-000000000000"}),
        ),
    )
        .into_response()
}

async fn authorize(State(w): State<Shared>, q: Query<Authorize>) -> Response {
    consent_page(&w, "HubSpot", HUBSPOT_CLIENT.0, q)
}

fn pair(world: &mut World, refresh: Option<String>) -> Value {
    let access = world.issue("hs-access-", PORTAL, Some(ACCESS_LIFETIME));
    let refresh = refresh.unwrap_or_else(|| world.issue_refresh("na1-", PORTAL));
    json!({"token_type": "bearer", "refresh_token": refresh, "access_token": access,
        "expires_in": ACCESS_LIFETIME.as_secs(), "hub_id": PORTAL.parse::<i64>().unwrap_or_default(),
        "token_use": "access_token",
        "scopes": crate::oauth::scopes(crate::Provider::Hubspot)})
}

fn grant_error(error: &str, status: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(
            json!({"error": error, "error_description": message, "status": status,
            "message": message}),
        ),
    )
        .into_response()
}

async fn token(
    State(w): State<Shared>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let mut world = lock(&w);
    if form.get("client_id").map(String::as_str) != Some(HUBSPOT_CLIENT.0)
        || form.get("client_secret").map(String::as_str) != Some(HUBSPOT_CLIENT.1)
    {
        return grant_error(
            "invalid_client",
            "BAD_CLIENT_ID",
            "client id or secret is invalid",
        );
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").map(String::as_str).unwrap_or_default();
            match redeem_code(
                &mut world,
                HUBSPOT_CLIENT.0,
                code,
                form.get("redirect_uri").map(String::as_str),
                form.get("code_verifier").map(String::as_str),
            ) {
                Ok(()) => axum::Json(pair(&mut world, None)).into_response(),
                Err(_) => grant_error("invalid_grant", "BAD_AUTH_CODE", "auth code not found"),
            }
        }
        Some("refresh_token") => {
            let refresh = form.get("refresh_token").cloned().unwrap_or_default();
            if world.take_refresh(&refresh, false).is_none() {
                return grant_error(
                    "invalid_grant",
                    "BAD_REFRESH_TOKEN",
                    "refresh token is invalid, expired or revoked",
                );
            }
            axum::Json(pair(&mut world, Some(refresh))).into_response()
        }
        _ => grant_error(
            "unsupported_grant_type",
            "BAD_GRANT_TYPE",
            "unknown grant_type",
        ),
    }
}

async fn revoke(
    State(w): State<Shared>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let mut world = lock(&w);
    if let Some(t) = form.get("token") {
        world.access.remove(t);
        world.refresh.remove(t);
        world.revoked_access.insert(t.clone());
    }
    StatusCode::OK.into_response()
}

/// Checks the bearer token and the burst limit; the rate-limit headers for the response.
fn authed(world: &mut World, headers: &HeaderMap) -> Result<[(String, String); 3], Response> {
    let Some(token) = bearer(headers) else {
        return Err(problem(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found.",
        ));
    };
    match world.holder(&token) {
        Ok(_) => {}
        Err("expired") => {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "EXPIRED_AUTHENTICATION",
                "The OAuth token used to make this call expired 1 second(s) ago.",
            ));
        }
        Err(_) => {
            return Err(problem(
                StatusCode::UNAUTHORIZED,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found.",
            ));
        }
    }
    let key = format!("hubspot:{token}");
    if !world.allow(&key, BURST, BURST_WINDOW) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            rate_headers(0),
            axum::Json(json!({"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT", "correlationId": "00000000-0000-4000-8000-000000000000",
                "policyName": "TEN_SECONDLY_ROLLING"})),
        )
            .into_response());
    }
    let used = world.windows.get(&key).map(|w| w.1).unwrap_or(0);
    let remaining = if world.rate_limits {
        BURST.saturating_sub(used)
    } else {
        BURST
    };
    Ok(rate_headers(remaining))
}

fn rate_headers(remaining: u32) -> [(String, String); 3] {
    [
        ("x-hubspot-ratelimit-max".into(), BURST.to_string()),
        (
            "x-hubspot-ratelimit-remaining".into(),
            remaining.to_string(),
        ),
        (
            "x-hubspot-ratelimit-interval-milliseconds".into(),
            BURST_WINDOW.as_millis().to_string(),
        ),
    ]
}

async fn account(State(w): State<Shared>, headers: HeaderMap) -> Response {
    let mut world = lock(&w);
    match authed(&mut world, &headers) {
        Ok(h) => (
            h,
            axum::Json(
                json!({"portalId": PORTAL.parse::<i64>().unwrap_or_default(),
            "uiDomain": "app.hubspot.com", "timeZone": "UTC", "accountType": "STANDARD"}),
            ),
        )
            .into_response(),
        Err(r) => r,
    }
}

fn record(id: &str, properties: &Value) -> Value {
    json!({"id": id, "properties": properties, "createdAt": "2026-12-07T00:00:00Z",
        "updatedAt": "2026-12-07T00:00:00Z", "archived": false})
}

async fn create_contact(
    State(w): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut world = lock(&w);
    let h = match authed(&mut world, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let email = body["properties"]["email"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    if let Some(existing) = world
        .contacts
        .iter()
        .find(|c| c["properties"]["email"] == email.as_str())
    {
        let id = existing["id"].as_str().unwrap_or_default().to_string();
        return problem(
            StatusCode::CONFLICT,
            "CONFLICT",
            &format!("Contact already exists. Existing ID: {id}"),
        );
    }
    let id = (1000 + world.next_id()).to_string();
    let c = record(&id, &body["properties"]);
    world.contacts.push(c.clone());
    (StatusCode::CREATED, h, axum::Json(c)).into_response()
}

async fn upsert(
    State(w): State<Shared>,
    Path((_version, object)): Path<(String, String)>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let (failure, h, results) = match apply_upsert(&w, &object, &headers, &body) {
        Ok(done) => done,
        Err(r) => return r,
    };
    match failure.as_deref() {
        Some("hang") => {
            hang().await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Some(_) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "internal error",
        ),
        None => (
            h,
            axum::Json(json!({"status": "COMPLETE", "results": results,
            "startedAt": "2026-12-07T00:00:00Z", "completedAt": "2026-12-07T00:00:00Z"})),
        )
            .into_response(),
    }
}

type Applied = (Option<String>, [(String, String); 3], Vec<Value>);

/// Applies a batch upsert: the injected failure to give (if any), headers and results.
fn apply_upsert(
    w: &Shared,
    object: &str,
    headers: &HeaderMap,
    body: &Value,
) -> Result<Applied, Response> {
    let mut world = lock(w);
    let h = authed(&mut world, headers)?;
    let failure = world.failure("hubspot.upsert");
    if failure.as_deref() == Some("unavailable") {
        return Err(StatusCode::SERVICE_UNAVAILABLE.into_response());
    }
    let mut results = Vec::new();
    for input in body["inputs"].as_array().into_iter().flatten() {
        let id_property = input["idProperty"].as_str().unwrap_or_default();
        let key = input["id"].as_str().unwrap_or_default().to_string();
        let props: Map<String, Value> =
            input["properties"].as_object().cloned().unwrap_or_default();
        let (list_is_deals, valid_property) = match object {
            "contacts" => (false, id_property == "email"),
            "deals" => (
                true,
                id_property == crate::hubspot::RUN_PROPERTY && world.deal_property,
            ),
            _ => {
                return Err(problem(
                    StatusCode::NOT_FOUND,
                    "OBJECT_NOT_FOUND",
                    "unknown object type",
                ));
            }
        };
        if !valid_property {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                &format!("Property {id_property} is not a unique-value property of {object}"),
            ));
        }
        if let Some(stage) = props
            .get("dealstage")
            .and_then(Value::as_str)
            .filter(|_| list_is_deals)
            && !STAGES.iter().any(|s| s.0 == stage)
        {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                &format!("{stage} is not a valid deal stage"),
            ));
        }
        let next = 1000 + world.next_id();
        let list = if list_is_deals {
            &mut world.deals
        } else {
            &mut world.contacts
        };
        let found = list
            .iter_mut()
            .find(|r| r["properties"][id_property] == key.as_str());
        let (id, new) = match found {
            Some(existing) => {
                if let Some(p) = existing["properties"].as_object_mut() {
                    p.extend(props);
                }
                (
                    existing["id"].as_str().unwrap_or_default().to_string(),
                    false,
                )
            }
            None => {
                let id = next.to_string();
                let mut props = props;
                props.insert(id_property.into(), Value::String(key.clone()));
                list.push(record(&id, &Value::Object(props)));
                (id, true)
            }
        };
        let stored = list
            .iter()
            .find(|r| r["id"] == id.as_str())
            .cloned()
            .unwrap_or_default();
        let mut result = stored;
        result["new"] = Value::Bool(new);
        results.push(result);
    }
    Ok((failure, h, results))
}

async fn associate(
    State(w): State<Shared>,
    Path((_v, deal, contact)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut world = lock(&w);
    let h = match authed(&mut world, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    world.associations.insert((deal.clone(), contact.clone()));
    (
        h,
        axum::Json(
            json!({"status": "COMPLETE", "results": [{"from": {"id": deal}, "to": {"id": contact},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}}]}),
        ),
    )
        .into_response()
}

async fn pipelines(State(w): State<Shared>, headers: HeaderMap) -> Response {
    let mut world = lock(&w);
    let h = match authed(&mut world, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let stages: Vec<Value> = STAGES
        .iter()
        .enumerate()
        .map(|(i, (id, label))| {
            json!({"id": id, "label": label, "displayOrder": i, "archived": false,
            "metadata": {"probability": "0.2"}})
        })
        .collect();
    (
        h,
        axum::Json(
            json!({"results": [{"id": "default", "label": "Sales Pipeline", "displayOrder": 0,
        "archived": false, "stages": stages}]}),
        ),
    )
        .into_response()
}

async fn properties(
    State(w): State<Shared>,
    Path((_v, object)): Path<(String, String)>,
    headers: HeaderMap,
    _q: Query<HashMap<String, String>>,
) -> Response {
    let mut world = lock(&w);
    let h = match authed(&mut world, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut names: Vec<(&str, &str, &str)> = match object.as_str() {
        "contacts" => vec![
            ("email", "Email", "string"),
            ("firstname", "First name", "string"),
            ("lastname", "Last name", "string"),
            ("phone", "Phone number", "string"),
            ("company", "Company name", "string"),
            ("hs_lead_status", "Lead status", "enumeration"),
            ("lifecyclestage", "Lifecycle stage", "enumeration"),
        ],
        "deals" => vec![
            ("dealname", "Deal name", "string"),
            ("amount", "Amount", "number"),
            ("dealstage", "Deal stage", "enumeration"),
            ("pipeline", "Pipeline", "enumeration"),
        ],
        _ => {
            return problem(
                StatusCode::NOT_FOUND,
                "OBJECT_NOT_FOUND",
                "unknown object type",
            );
        }
    };
    if object == "deals" && world.deal_property {
        names.push((crate::hubspot::RUN_PROPERTY, "Parley run id", "string"));
    }
    let results: Vec<Value> = names
        .into_iter()
        .map(|(n, l, t)| json!({"name": n, "label": l, "type": t, "modificationMetadata": {"readOnlyValue": false}}))
        .collect();
    (h, axum::Json(json!({"results": results}))).into_response()
}

async fn create_property(
    State(w): State<Shared>,
    Path((_v, object)): Path<(String, String)>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut world = lock(&w);
    let h = match authed(&mut world, &headers) {
        Ok(h) => h,
        Err(r) => return r,
    };
    if object != "deals" || body["name"] != crate::hubspot::RUN_PROPERTY {
        return problem(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "the contract server only creates parley_run_id on deals",
        );
    }
    if world.deal_property {
        return problem(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            "A property named 'parley_run_id' already exists.",
        );
    }
    world.deal_property = true;
    (StatusCode::CREATED, h, axum::Json(body)).into_response()
}
