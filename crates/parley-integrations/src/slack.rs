//! Slack's Web API: the methods Parley's actions and pickers use. Every response is
//! classified the way Slack documents it: HTTP 200 `{"ok":false,"error":…}` for almost every
//! failure, HTTP 429 with `Retry-After` for throttling, and `internal_error` / `fatal_error`
//! as "may have partly happened".
//!
//! Messages carry Parley's run id in their `metadata` (`event_payload.parley_run_id`), so a
//! post whose outcome is unknown can be looked for in the channel's history before it is
//! sent again: Slack has no idempotency key.

use crate::oauth::Account;
use crate::rate::Cooldowns;
use crate::{VendorError, VendorResult, field, retry_after, transport};
use serde::Serialize;
use serde_json::{Value, json};

/// The metadata event type Parley's messages carry.
pub const METADATA_EVENT: &str = "parley_action";

pub struct Slack {
    http: reqwest::Client,
    base: String,
    cooldowns: Cooldowns,
}

/// A channel for the picker.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub is_private: bool,
}

/// Where a message landed: Slack's receipt.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

impl Slack {
    /// `base` is Slack's host (`https://slack.com`), or a contract server's.
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Slack {
            http,
            base: base.trim_end_matches('/').to_string(),
            cooldowns: Cooldowns::default(),
        }
    }

    /// The team a token belongs to (`auth.test`): checks a pasted bot token.
    pub async fn auth_test(&self, token: &str) -> VendorResult<Account> {
        let body = self.call(token, "auth.test", Call::Get(&[])).await?;
        Ok(Account {
            id: field(&body, "team_id").unwrap_or_default().to_string(),
            name: field(&body, "team").unwrap_or_default().to_string(),
        })
    }

    /// Every public and private channel the app can see, not archived, by name.
    pub async fn channels(&self, token: &str) -> VendorResult<Vec<Channel>> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        for _ in 0..50 {
            let body = self
                .call(
                    token,
                    "conversations.list",
                    Call::Get(&[
                        ("types", "public_channel,private_channel"),
                        ("exclude_archived", "true"),
                        ("limit", "200"),
                        ("cursor", &cursor),
                    ]),
                )
                .await?;
            for c in body["channels"].as_array().into_iter().flatten() {
                out.push(Channel {
                    id: field(c, "id").unwrap_or_default().to_string(),
                    name: field(c, "name").unwrap_or_default().to_string(),
                    is_private: c["is_private"].as_bool().unwrap_or(false),
                });
            }
            cursor = field(&body["response_metadata"], "next_cursor")
                .unwrap_or_default()
                .to_string();
            if cursor.is_empty() {
                break;
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The user id of a workspace member by email (for a direct message).
    pub async fn user_by_email(&self, token: &str, email: &str) -> VendorResult<String> {
        let body = self
            .call(token, "users.lookupByEmail", Call::Get(&[("email", email)]))
            .await?;
        field(&body["user"], "id")
            .map(str::to_string)
            .ok_or_else(|| VendorError::Rejected(format!("Slack has no user with email {email}")))
    }

    /// Posts a message (`chat.postMessage`) carrying `run_id` in its metadata.
    pub async fn post_message(
        &self,
        token: &str,
        channel: &str,
        text: &str,
        blocks: Option<&Value>,
        run_id: &str,
    ) -> VendorResult<Posted> {
        let mut body = json!({
            "channel": channel,
            "text": text,
            "unfurl_links": false,
            "metadata": {"event_type": METADATA_EVENT, "event_payload": {"parley_run_id": run_id}},
        });
        if let Some(b) = blocks {
            body["blocks"] = b.clone();
        }
        let answer = self
            .call(token, "chat.postMessage", Call::Write(&body))
            .await?;
        Ok(Posted {
            channel: field(&answer, "channel").unwrap_or(channel).to_string(),
            ts: field(&answer, "ts").unwrap_or_default().to_string(),
        })
    }

    /// A message in `channel`'s recent history that carries `run_id`, if any: how a post
    /// whose outcome was unknown is reconciled.
    pub async fn find_by_run_id(
        &self,
        token: &str,
        channel: &str,
        run_id: &str,
    ) -> VendorResult<Option<Posted>> {
        let body = self
            .call(
                token,
                "conversations.history",
                Call::Get(&[
                    ("channel", channel),
                    ("include_all_metadata", "true"),
                    ("limit", "200"),
                ]),
            )
            .await?;
        Ok(body["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| field(&m["metadata"]["event_payload"], "parley_run_id") == Some(run_id))
            .map(|m| Posted {
                channel: channel.to_string(),
                ts: field(m, "ts").unwrap_or_default().to_string(),
            }))
    }

    /// One Web API call: waits out a cooldown learnt from an earlier 429, then classifies.
    async fn call(&self, token: &str, method: &str, call: Call<'_>) -> VendorResult<Value> {
        let key = format!("{method}:{}", crate::token_key(token));
        self.cooldowns.wait(&key).await;
        let url = format!("{}/api/{method}", self.base);
        let write = matches!(call, Call::Write(_));
        let request = match call {
            Call::Get(query) => self.http.get(url).query(query),
            Call::Write(body) => self.http.post(url).json(body),
        };
        let response = request
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| transport("Slack", &e, write))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.as_u16() == 429 {
            let wait = retry_after(&headers);
            self.cooldowns.hold(&key, wait);
            return Err(VendorError::RateLimited {
                retry_after: wait,
                message: format!("Slack is rate limiting {method}"),
            });
        }
        if status.is_server_error() {
            let message = format!("Slack failed ({status})");
            return Err(if write {
                VendorError::Ambiguous(message)
            } else {
                VendorError::Unavailable(message)
            });
        }
        if body.get("ok") == Some(&Value::Bool(true)) {
            return Ok(body);
        }
        Err(classify(&body, write))
    }
}

enum Call<'a> {
    Get(&'a [(&'a str, &'a str)]),
    Write(&'a Value),
}

/// A Slack `ok:false` answer, in plain words and the class that decides what happens next.
fn classify(body: &Value, write: bool) -> VendorError {
    let code = field(body, "error").unwrap_or("unknown_error");
    match code {
        "token_revoked" | "account_inactive" | "invalid_refresh_token" | "team_added_to_org" => {
            VendorError::Revoked(format!("Slack revoked Parley's access ({code})"))
        }
        "missing_scope" => VendorError::Revoked(format!(
            "Slack needs the `{}` permission, which this connection lacks: reconnect to grant it",
            field(body, "needed").unwrap_or("?")
        )),
        "token_expired" | "invalid_auth" | "not_authed" => {
            VendorError::Unauthorized(format!("Slack refused the token ({code})"))
        }
        "ratelimited" | "rate_limited" | "message_limit_exceeded" => VendorError::RateLimited {
            retry_after: std::time::Duration::from_secs(1),
            message: format!("Slack is rate limiting ({code})"),
        },
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
            let message = format!("Slack failed ({code})");
            if write {
                VendorError::Ambiguous(message)
            } else {
                VendorError::Unavailable(message)
            }
        }
        "channel_not_found" => VendorError::Rejected(
            "Slack cannot find that channel (or the app may not message that person)".into(),
        ),
        "not_in_channel" => VendorError::Rejected(
            "the Slack app is not in that channel: invite it, or reconnect to grant chat:write.public".into(),
        ),
        "is_archived" => VendorError::Rejected("that Slack channel is archived".into()),
        "users_not_found" | "user_not_found" => {
            VendorError::Rejected("Slack has no user with that email".into())
        }
        "msg_too_long" => VendorError::Rejected("the message is too long for Slack".into()),
        other => VendorError::Rejected(format!("Slack refused the request ({other})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_fall_into_the_classes_slack_documents() {
        let e = |code: &str, write| classify(&json!({"ok": false, "error": code}), write);
        assert!(matches!(e("token_revoked", true), VendorError::Revoked(_)));
        assert!(matches!(
            e("invalid_auth", true),
            VendorError::Unauthorized(_)
        ));
        assert!(matches!(
            e("internal_error", true),
            VendorError::Ambiguous(_)
        ));
        assert!(matches!(
            e("internal_error", false),
            VendorError::Unavailable(_)
        ));
        assert!(matches!(
            e("not_in_channel", true),
            VendorError::Rejected(_)
        ));
        let scope = classify(
            &json!({"ok": false, "error": "missing_scope", "needed": "users:read.email"}),
            false,
        );
        assert!(scope.to_string().contains("users:read.email"));
    }
}
