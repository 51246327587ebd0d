//! Google Sheets v4: append a row, read a range, list a spreadsheet's sheets.
//!
//! Appends always send `insertDataOption=INSERT_ROWS` (the default overwrites, and parallel
//! appends then clobber each other) and `valueInputOption=RAW` (visitor text such as
//! `=IMPORTXML(...)` stays text, never a formula). Sheets has no idempotency key, so the
//! caller puts its run id in a column and, before repeating an append whose outcome is
//! unknown, looks for it with [`Sheets::column_contains`].
//!
//! Google's quotas are per Cloud project (every workspace of an install shares the
//! operator's) and per user: token buckets keep a node under both.

use crate::rate::{Cooldowns, KeyedBuckets, TokenBucket};
use crate::{VendorError, VendorResult, field, percent_encode as encode, retry_after, transport};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Google's default quotas: 300 requests a minute per project, 60 per user per project.
pub const PROJECT_PER_MINUTE: u32 = 300;
pub const USER_PER_MINUTE: u32 = 60;
/// Longest a call waits for its turn under the quota before it reports "rate limited".
const MAX_QUEUE_WAIT: Duration = Duration::from_secs(10);

pub struct Sheets {
    http: reqwest::Client,
    base: String,
    project: TokenBucket,
    users: KeyedBuckets,
    cooldowns: Cooldowns,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Sheet {
    pub id: i64,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Spreadsheet {
    pub title: String,
    pub sheets: Vec<Sheet>,
}

impl Sheets {
    /// `base` is `https://sheets.googleapis.com` or a contract server's; quotas are the
    /// requests a minute allowed per project and per user.
    pub fn new(http: reqwest::Client, base: &str, per_project: u32, per_user: u32) -> Self {
        let minute = Duration::from_secs(60);
        Sheets {
            http,
            base: base.trim_end_matches('/').to_string(),
            project: TokenBucket::steady(per_project, minute),
            users: KeyedBuckets::new(per_user, minute),
            cooldowns: Cooldowns::default(),
        }
    }

    /// Appends one row below the sheet's table; the receipt is the `updatedRange`.
    pub async fn append_row(
        &self,
        token: &str,
        spreadsheet: &str,
        sheet: &str,
        row: &[Value],
    ) -> VendorResult<String> {
        let path = format!(
            "/v4/spreadsheets/{}/values/{}:append",
            encode(spreadsheet),
            encode(&format!("{}!A1", quote_sheet(sheet)))
        );
        let body = json!({"majorDimension": "ROWS", "values": [row]});
        let answer = self
            .call(
                token,
                reqwest::Method::POST,
                &path,
                &[
                    ("valueInputOption", "RAW"),
                    ("insertDataOption", "INSERT_ROWS"),
                ],
                Some(&body),
            )
            .await?;
        Ok(field(&answer["updates"], "updatedRange")
            .unwrap_or_default()
            .to_string())
    }

    /// Whether `value` is in column `column` (1-based) of the sheet: the check before an
    /// append whose first attempt may have landed.
    pub async fn column_contains(
        &self,
        token: &str,
        spreadsheet: &str,
        sheet: &str,
        column: usize,
        value: &str,
    ) -> VendorResult<bool> {
        let letter = column_letter(column);
        let range = format!("{}!{letter}:{letter}", quote_sheet(sheet));
        let answer = self
            .call(
                token,
                reqwest::Method::GET,
                &format!(
                    "/v4/spreadsheets/{}/values/{}",
                    encode(spreadsheet),
                    encode(&range)
                ),
                &[("majorDimension", "COLUMNS")],
                None,
            )
            .await?;
        Ok(answer["values"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|col| col.as_array().into_iter().flatten())
            .any(|cell| cell.as_str() == Some(value)))
    }

    /// The cells of an A1 range, row by row (ragged: Google drops trailing empties, and an
    /// empty range has no `values` at all).
    pub async fn read_range(
        &self,
        token: &str,
        spreadsheet: &str,
        range: &str,
    ) -> VendorResult<Vec<Vec<String>>> {
        let answer = self
            .call(
                token,
                reqwest::Method::GET,
                &format!(
                    "/v4/spreadsheets/{}/values/{}",
                    encode(spreadsheet),
                    encode(range)
                ),
                &[("majorDimension", "ROWS")],
                None,
            )
            .await?;
        Ok(answer["values"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|row| {
                row.as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| match c {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect())
    }

    /// A spreadsheet's title and sheets, for the picker.
    pub async fn spreadsheet(&self, token: &str, spreadsheet: &str) -> VendorResult<Spreadsheet> {
        let answer = self
            .call(
                token,
                reqwest::Method::GET,
                &format!("/v4/spreadsheets/{}", encode(spreadsheet)),
                &[("fields", "properties.title,sheets.properties")],
                None,
            )
            .await?;
        Ok(Spreadsheet {
            title: field(&answer["properties"], "title")
                .unwrap_or_default()
                .to_string(),
            sheets: answer["sheets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| Sheet {
                    id: s["properties"]["sheetId"].as_i64().unwrap_or_default(),
                    title: field(&s["properties"], "title")
                        .unwrap_or_default()
                        .to_string(),
                })
                .collect(),
        })
    }

    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> VendorResult<Value> {
        let user = crate::token_key(token);
        self.cooldowns.wait("project").await;
        self.cooldowns.wait(&user).await;
        // Wait for a turn only briefly: a longer queue gives the worker back and the step
        // retries later, rather than holding it past the action's timeout.
        let pacing = |wait: Duration| VendorError::Paced {
            retry_after: wait,
            message: "Parley is pacing requests under Google's Sheets quota".into(),
        };
        self.project
            .acquire_within(MAX_QUEUE_WAIT)
            .await
            .map_err(pacing)?;
        self.users
            .acquire_within(&user, MAX_QUEUE_WAIT)
            .await
            .map_err(pacing)?;
        let write = method != reqwest::Method::GET;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .query(query)
            .bearer_auth(token);
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request
            .send()
            .await
            .map_err(|e| transport("Google Sheets", &e, write))?;
        let status = response.status();
        let headers = response.headers().clone();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        let error = &answer["error"];
        let message = field(error, "message").unwrap_or("no reason given");
        let reason = error["details"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|d| field(d, "reason"));
        Err(match status.as_u16() {
            429 => {
                // A minute's quota refills within the minute: wait what Google says, or a
                // quarter of it.
                let wait = if headers.contains_key(reqwest::header::RETRY_AFTER) {
                    retry_after(&headers)
                } else {
                    Duration::from_secs(15)
                };
                let per_user = error["details"].as_array().into_iter().flatten().any(|d| {
                    field(&d["metadata"], "quota_limit").is_some_and(|l| l.contains("PerUser"))
                });
                self.cooldowns
                    .hold(if per_user { &user } else { "project" }, wait);
                VendorError::RateLimited {
                    retry_after: wait,
                    message: "Google Sheets quota exceeded (RESOURCE_EXHAUSTED)".into(),
                }
            }
            401 => VendorError::Unauthorized(format!("Google refused the token: {message}")),
            403 if reason == Some("ACCESS_TOKEN_SCOPE_INSUFFICIENT") => VendorError::Revoked(
                "Google Sheets access was not granted: reconnect and allow Sheets".into(),
            ),
            403 => VendorError::Rejected(format!(
                "the connected Google account cannot open that spreadsheet ({message})"
            )),
            404 => VendorError::Rejected("Google Sheets cannot find that spreadsheet".into()),
            s if s >= 500 && write => {
                VendorError::Ambiguous(format!("Google Sheets failed ({status})"))
            }
            s if s >= 500 => VendorError::Unavailable(format!("Google Sheets failed ({status})")),
            _ => VendorError::Rejected(format!("Google Sheets refused: {message}")),
        })
    }
}

/// A1 notation quotes sheet names: `'Q3 leads'!A1`, with `'` doubled.
fn quote_sheet(sheet: &str) -> String {
    format!("'{}'", sheet.replace('\'', "''"))
}

/// Column letters for a 1-based index: 1 → A, 27 → AA.
pub fn column_letter(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_ranges_are_spelled_as_a1_wants() {
        assert_eq!(column_letter(1), "A");
        assert_eq!(column_letter(26), "Z");
        assert_eq!(column_letter(27), "AA");
        assert_eq!(column_letter(703), "AAA");
        assert_eq!(quote_sheet("Q3 'leads'"), "'Q3 ''leads'''");
        assert_eq!(encode("'Sheet 1'!A1"), "%27Sheet%201%27%21A1");
    }
}
