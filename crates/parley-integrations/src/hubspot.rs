//! HubSpot's CRM on the date-versioned paths (`/crm/objects/2026-03/...`). Writes are
//! upserts keyed by a unique property, so repeating one is harmless: contacts by email, deals
//! by `parley_run_id` (a unique deal property Parley creates once per portal). Search is not
//! used at all: it lags writes by seconds, which is how others still hit 409 after a
//! "not found".
//!
//! Rate limits come from the headers (`X-HubSpot-RateLimit-Remaining` and `-Interval-
//! Milliseconds`): at zero remaining, calls on that token wait for the window to pass.

use crate::oauth::{Account, HUBSPOT_VERSION};
use crate::rate::Cooldowns;
use crate::{VendorError, VendorResult, field, transport};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The unique deal property that makes deal creation idempotent.
pub const RUN_PROPERTY: &str = "parley_run_id";

pub struct HubSpot {
    http: reqwest::Client,
    api: String,
    cooldowns: Cooldowns,
}

/// A record written by an upsert: its id and whether it was created.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Upserted {
    pub id: String,
    pub created: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Stage {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl HubSpot {
    /// `api` is HubSpot's API host (`https://api.hubapi.com`), or a contract server's.
    pub fn new(http: reqwest::Client, api: &str) -> Self {
        HubSpot {
            http,
            api: api.trim_end_matches('/').to_string(),
            cooldowns: Cooldowns::default(),
        }
    }

    /// The portal a token reaches: checks a pasted service key with a cheap read.
    pub async fn account(&self, token: &str) -> VendorResult<Account> {
        let body = self
            .call(
                token,
                reqwest::Method::GET,
                &format!("/account-info/{HUBSPOT_VERSION}/details"),
                None,
            )
            .await?;
        let id = body["portalId"]
            .as_i64()
            .map(|i| i.to_string())
            .unwrap_or_default();
        Ok(Account {
            name: field(&body, "uiDomain")
                .map(str::to_string)
                .unwrap_or_else(|| format!("portal {id}")),
            id,
        })
    }

    /// Creates or updates the contact with this email (lower-cased and trimmed first).
    pub async fn upsert_contact(
        &self,
        token: &str,
        email: &str,
        properties: &Map<String, Value>,
    ) -> VendorResult<Upserted> {
        let email = email.trim().to_lowercase();
        let mut props = properties.clone();
        props.insert("email".into(), Value::String(email.clone()));
        self.upsert(token, "contacts", "email", &email, props).await
    }

    /// Creates the deal for `run_id`, or updates the one an earlier attempt created.
    pub async fn upsert_deal(
        &self,
        token: &str,
        run_id: &str,
        properties: &Map<String, Value>,
    ) -> VendorResult<Upserted> {
        let mut props = properties.clone();
        props.insert(RUN_PROPERTY.into(), Value::String(run_id.to_string()));
        self.upsert(token, "deals", RUN_PROPERTY, run_id, props)
            .await
    }

    /// Makes sure the portal has the unique `parley_run_id` deal property (once per portal;
    /// "already exists" is success).
    pub async fn ensure_run_property(&self, token: &str) -> VendorResult<()> {
        let body = json!({
            "name": RUN_PROPERTY, "label": "Parley run id", "type": "string", "fieldType": "text",
            "groupName": "dealinformation", "hasUniqueValue": true,
            "description": "Set by Parley so a workflow step never creates a second deal.",
        });
        match self
            .call(
                token,
                reqwest::Method::POST,
                &format!("/crm/properties/{HUBSPOT_VERSION}/deals"),
                Some(&body),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(VendorError::Rejected(m)) if m.contains("409") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Associates a deal with a contact (the default association; repeating it is harmless).
    pub async fn associate_deal(
        &self,
        token: &str,
        deal_id: &str,
        contact_id: &str,
    ) -> VendorResult<()> {
        self.call(
            token,
            reqwest::Method::PUT,
            &format!(
                "/crm/objects/{HUBSPOT_VERSION}/deals/{deal_id}/associations/default/contacts/{contact_id}"
            ),
            None,
        )
        .await
        .map(|_| ())
    }

    /// Deal pipelines and their stages, for the picker.
    pub async fn pipelines(&self, token: &str) -> VendorResult<Vec<Pipeline>> {
        let body = self
            .call(
                token,
                reqwest::Method::GET,
                &format!("/crm/pipelines/{HUBSPOT_VERSION}/deals"),
                None,
            )
            .await?;
        let text = |v: &Value, k: &str| field(v, k).unwrap_or_default().to_string();
        Ok(body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| !p["archived"].as_bool().unwrap_or(false))
            .map(|p| Pipeline {
                id: text(p, "id"),
                label: text(p, "label"),
                stages: p["stages"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| Stage {
                        id: text(s, "id"),
                        label: text(s, "label"),
                    })
                    .collect(),
            })
            .collect())
    }

    /// An object's writable properties (for validating a field mapping).
    pub async fn properties(&self, token: &str, object: &str) -> VendorResult<Vec<Property>> {
        let body = self
            .call(
                token,
                reqwest::Method::GET,
                &format!("/crm/properties/{HUBSPOT_VERSION}/{object}"),
                None,
            )
            .await?;
        Ok(body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| {
                !p["modificationMetadata"]["readOnlyValue"]
                    .as_bool()
                    .unwrap_or(false)
            })
            .map(|p| Property {
                name: field(p, "name").unwrap_or_default().to_string(),
                label: field(p, "label").unwrap_or_default().to_string(),
                kind: field(p, "type").unwrap_or_default().to_string(),
            })
            .collect())
    }

    async fn upsert(
        &self,
        token: &str,
        object: &str,
        id_property: &str,
        id: &str,
        properties: Map<String, Value>,
    ) -> VendorResult<Upserted> {
        let body =
            json!({"inputs": [{"id": id, "idProperty": id_property, "properties": properties}]});
        let answer = self
            .call(
                token,
                reqwest::Method::POST,
                &format!("/crm/objects/{HUBSPOT_VERSION}/{object}/batch/upsert"),
                Some(&body),
            )
            .await?;
        if let Some(error) = answer["errors"].as_array().and_then(|e| e.first()) {
            return Err(VendorError::Rejected(format!(
                "HubSpot refused the {object} write: {}",
                field(error, "message").unwrap_or("no reason given")
            )));
        }
        let first = &answer["results"][0];
        match field(first, "id") {
            Some(id) => Ok(Upserted {
                id: id.to_string(),
                created: first["new"].as_bool().unwrap_or(false),
            }),
            None => Err(VendorError::Rejected(format!(
                "HubSpot's {object} upsert returned no record"
            ))),
        }
    }

    async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> VendorResult<Value> {
        let key = crate::token_key(token);
        self.cooldowns.wait(&key).await;
        let write = method != reqwest::Method::GET;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(token);
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request
            .send()
            .await
            .map_err(|e| transport("HubSpot", &e, write))?;
        let status = response.status();
        let headers = response.headers().clone();
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        let window = Duration::from_millis(
            number("x-hubspot-ratelimit-interval-milliseconds").unwrap_or(10_000),
        );
        if number("x-hubspot-ratelimit-remaining") == Some(0) {
            self.cooldowns.hold(&key, window);
        }
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        let message = field(&answer, "message").unwrap_or("no reason given");
        Err(match status.as_u16() {
            429 => {
                let wait = number("retry-after")
                    .map(Duration::from_secs)
                    .unwrap_or(window);
                self.cooldowns.hold(&key, wait);
                VendorError::RateLimited {
                    retry_after: wait,
                    message: format!("HubSpot is rate limiting ({message})"),
                }
            }
            401 => VendorError::Unauthorized(format!("HubSpot refused the token: {message}")),
            403 => VendorError::Revoked(format!(
                "HubSpot refused: {message} (reconnect to grant the missing permission)"
            )),
            s if s >= 500 && write => VendorError::Ambiguous(format!("HubSpot failed ({status})")),
            s if s >= 500 => VendorError::Unavailable(format!("HubSpot failed ({status})")),
            _ => VendorError::Rejected(format!("HubSpot refused ({status}): {message}")),
        })
    }
}
