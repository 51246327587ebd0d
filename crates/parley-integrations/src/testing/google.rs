//! Google's side: OAuth with PKCE S256, user info, and Sheets v4 values and metadata for one
//! spreadsheet ([`super::SPREADSHEET_ID`]) with the sheets `Sheet1` and `Prices`.

use super::{
    Authorize, GOOGLE_CLIENT, SPREADSHEET_ID, Shared, World, bearer, client_credentials,
    consent_page, hang, lock, redeem_code,
};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

pub const ACCOUNT: &str = "sheets-owner@example.com";
const ACCESS_LIFETIME: Duration = Duration::from_secs(3599);
const SHEETS: &[(i64, &str)] = &[(0, "Sheet1"), (1, "Prices")];
/// Requests per user per minute (Google's default per-user quota).
const PER_USER: u32 = 60;
const MINUTE: Duration = Duration::from_secs(60);

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/o/oauth2/v2/auth", get(authorize))
        .route("/token", post(token))
        .route("/revoke", post(revoke))
        .route("/v1/userinfo", get(userinfo))
        .route("/v4/spreadsheets/{id}", get(spreadsheet))
        .route(
            "/v4/spreadsheets/{id}/values/{range}",
            get(values).post(append),
        )
}

fn google_error(status: StatusCode, name: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": status.as_u16(), "message": message, "status": name}})),
    )
        .into_response()
}

async fn authorize(State(w): State<Shared>, q: Query<Authorize>) -> Response {
    consent_page(&w, "Google", GOOGLE_CLIENT.0, q)
}

async fn token(
    State(w): State<Shared>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let mut world = lock(&w);
    let bad = |error: &str, description: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    match client_credentials(&headers, &form) {
        Some((id, secret)) if id == GOOGLE_CLIENT.0 && secret == GOOGLE_CLIENT.1 => {}
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_client", "error_description": "Unauthorized"})),
            )
                .into_response();
        }
    }
    let scope = crate::oauth::scopes(crate::Provider::Google).join(" ");
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").map(String::as_str).unwrap_or_default();
            if let Err(e) = redeem_code(
                &mut world,
                GOOGLE_CLIENT.0,
                code,
                form.get("redirect_uri").map(String::as_str),
                form.get("code_verifier").map(String::as_str),
            ) {
                return bad("invalid_grant", e);
            }
            let access = world.issue("ya29.", ACCOUNT, Some(ACCESS_LIFETIME));
            let refresh = world.issue_refresh("1//", ACCOUNT);
            axum::Json(
                json!({"access_token": access, "expires_in": ACCESS_LIFETIME.as_secs(),
                "token_type": "Bearer", "scope": scope, "refresh_token": refresh}),
            )
            .into_response()
        }
        Some("refresh_token") => {
            let refresh = form.get("refresh_token").cloned().unwrap_or_default();
            if world.take_refresh(&refresh, false).is_none() {
                return bad("invalid_grant", "Token has been expired or revoked.");
            }
            let access = world.issue("ya29.", ACCOUNT, Some(ACCESS_LIFETIME));
            axum::Json(
                json!({"access_token": access, "expires_in": ACCESS_LIFETIME.as_secs(),
                "token_type": "Bearer", "scope": scope}),
            )
            .into_response()
        }
        _ => bad("unsupported_grant_type", "Invalid grant_type"),
    }
}

async fn revoke(
    State(w): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    // The form body decoded as a query string would be.
    let form =
        reqwest::Url::parse(&format!("http://form/?{}", String::from_utf8_lossy(&body))).ok();
    let in_form = form.as_ref().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    let Some(token) = q.get("token").cloned().or(in_form) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut world = lock(&w);
    world.access.remove(&token);
    world.refresh.remove(&token);
    world.revoked_access.insert(token);
    StatusCode::OK.into_response()
}

/// The bearer's account and the per-user quota, or Google's error.
fn authed(world: &mut World, headers: &HeaderMap, write: bool) -> Result<String, Response> {
    let token = bearer(headers).unwrap_or_default();
    let account = world.holder(&token).map_err(|_| {
        google_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        )
    })?;
    let kind = if write { "Write" } else { "Read" };
    let key = format!("sheets:{kind}:{account}");
    if !world.allow(&key, PER_USER, MINUTE) {
        return Err((
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"error": {"code": 429,
                "message": format!("Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute per user' of service 'sheets.googleapis.com'."),
                "status": "RESOURCE_EXHAUSTED",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com", "metadata": {"quota_limit": format!("{kind}RequestsPerMinutePerUser"),
                    "service": "sheets.googleapis.com"}}]}})),
        )
            .into_response());
    }
    Ok(account)
}

async fn userinfo(State(w): State<Shared>, headers: HeaderMap) -> Response {
    let mut world = lock(&w);
    match authed(&mut world, &headers, false) {
        Ok(account) => axum::Json(json!({"sub": "1000", "email": account, "email_verified": true}))
            .into_response(),
        Err(r) => r,
    }
}

fn not_found() -> Response {
    google_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "Requested entity was not found.",
    )
}

async fn spreadsheet(
    State(w): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut world = lock(&w);
    if let Err(r) = authed(&mut world, &headers, false) {
        return r;
    }
    if id != SPREADSHEET_ID {
        return not_found();
    }
    let sheets: Vec<Value> = SHEETS
        .iter()
        .map(|(id, title)| json!({"properties": {"sheetId": id, "title": title, "index": id}}))
        .collect();
    axum::Json(
        json!({"spreadsheetId": id, "properties": {"title": "Parley leads"}, "sheets": sheets}),
    )
    .into_response()
}

/// `'Sheet 1'!A:A` → (`Sheet 1`, `A:A`); `Sheet1` → (`Sheet1`, ``).
fn split_range(range: &str) -> Option<(String, String)> {
    let (sheet, cells) = match range.rsplit_once('!') {
        Some((s, c)) => (s, c),
        None => (range, ""),
    };
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(q) => q.replace("''", "'"),
        None => sheet.to_string(),
    };
    SHEETS
        .iter()
        .any(|s| s.1 == sheet)
        .then(|| (sheet, cells.to_string()))
}

/// The rows of a sheet, seeding `Prices` with a small price list.
fn rows<'a>(world: &'a mut World, sheet: &str) -> &'a mut Vec<Vec<Value>> {
    world
        .sheet_rows
        .entry(sheet.to_string())
        .or_insert_with(|| {
            if sheet == "Prices" {
                vec![
                    vec![json!("sku"), json!("price")],
                    vec![json!("CHAIR-1"), json!("129")],
                    vec![json!("DESK-2"), json!("349")],
                ]
            } else {
                Vec::new()
            }
        })
}

/// Column index (0-based) of the first letters of an A1 cell reference.
fn column_index(cells: &str) -> Option<usize> {
    let letters: String = cells
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    if letters.is_empty() {
        return None;
    }
    Some(
        letters.bytes().fold(0usize, |n, b| {
            n * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize
        }) - 1,
    )
}

async fn values(
    State(w): State<Shared>,
    Path((id, range)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut world = lock(&w);
    if let Err(r) = authed(&mut world, &headers, false) {
        return r;
    }
    if id != SPREADSHEET_ID {
        return not_found();
    }
    let Some((sheet, cells)) = split_range(&range) else {
        return google_error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("Unable to parse range: {range}"),
        );
    };
    let table = rows(&mut world, &sheet).clone();
    let column = column_index(&cells);
    let by_columns = q.get("majorDimension").map(String::as_str) == Some("COLUMNS");
    let values: Vec<Value> = match (column, by_columns) {
        (Some(c), true) => {
            let col: Vec<Value> = table
                .iter()
                .map(|r| r.get(c).cloned().unwrap_or(json!("")))
                .collect();
            if col.iter().all(|v| v == "") {
                Vec::new()
            } else {
                vec![Value::Array(col)]
            }
        }
        _ => table.into_iter().map(Value::Array).collect(),
    };
    let mut body = json!({"range": format!("{sheet}!{cells}"), "majorDimension": if by_columns {"COLUMNS"} else {"ROWS"}});
    if !values.is_empty() {
        body["values"] = Value::Array(values);
    }
    axum::Json(body).into_response()
}

async fn append(
    State(w): State<Shared>,
    Path((id, range)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let Some(range) = range.strip_suffix(":append").map(str::to_string) else {
        return not_found();
    };
    let (failure, answer) = match apply_append(&w, &id, &range, &headers, &q, &body) {
        Ok(done) => done,
        Err(r) => return r,
    };
    super::write_latency(&w).await;
    match failure.as_deref() {
        Some("hang") => {
            hang().await;
            google_error(StatusCode::GATEWAY_TIMEOUT, "DEADLINE_EXCEEDED", "timeout")
        }
        Some(_) => google_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal error encountered.",
        ),
        None => axum::Json(answer).into_response(),
    }
}

/// Applies an append: the injected failure to give (if any) and the normal answer.
fn apply_append(
    w: &Shared,
    id: &str,
    range: &str,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    body: &Value,
) -> Result<(Option<String>, Value), Response> {
    let mut world = lock(w);
    authed(&mut world, headers, true)?;
    if id != SPREADSHEET_ID {
        return Err(not_found());
    }
    if !matches!(
        q.get("valueInputOption").map(String::as_str),
        Some("RAW" | "USER_ENTERED")
    ) {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "'valueInputOption' is required but not specified",
        ));
    }
    let Some((sheet, _)) = split_range(range) else {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            &format!("Unable to parse range: {range}"),
        ));
    };
    let failure = world.failure("sheets.append");
    if failure.as_deref() == Some("unavailable") {
        return Err(google_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ));
    }
    let new_rows: Vec<Vec<Value>> = body["values"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r.as_array().cloned().unwrap_or_default())
        .collect();
    let width = new_rows.iter().map(Vec::len).max().unwrap_or(0);
    let table = rows(&mut world, &sheet);
    let before = table.len();
    table.extend(new_rows.iter().cloned());
    let last = crate::sheets::column_letter(width.max(1));
    let updated = format!("{sheet}!A{}:{last}{}", before + 1, before + new_rows.len());
    let table_range = if before == 0 {
        String::new()
    } else {
        format!("{sheet}!A1:{last}{before}")
    };
    Ok((
        failure,
        json!({"spreadsheetId": id, "tableRange": table_range,
        "updates": {"spreadsheetId": id, "updatedRange": updated, "updatedRows": new_rows.len(),
            "updatedColumns": width, "updatedCells": new_rows.len() * width}}),
    ))
}
