//! `slack_message`: posts to a channel (by id, or `#name`) or to a person by email (a direct
//! message), with a formatted block per kind of alert and a link back to the conversation.
//!
//! Slack has no idempotency key. The step's key rides in the message's metadata; an attempt
//! after an earlier one (a retry, or a run cut short by a crash) first looks for it in the
//! channel's history, and a post whose answer was lost (`internal_error`, a timeout) is looked
//! for at once: found, the step is done with that receipt; not found, the post did not
//! happen and is retried; the history unreadable, the step is `unknown` for a person.

use super::vendor::{action_error, check_failed, is_ambiguous};
use super::{Action, ActionCall, ActionError, Done, Effect};
use crate::integrations::Integrations;
use async_trait::async_trait;
use parley_integrations::Provider;
use parley_integrations::slack::Posted;
use parley_store::Tx;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct SlackMessage(pub Arc<Integrations>);

#[async_trait]
impl Action for SlackMessage {
    fn effect(&self) -> Effect {
        Effect::Remote
    }

    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, _tx: Option<&Tx>) -> Result<Done, ActionError> {
        let integrations = &self.0;
        let text = call
            .text("text")
            .ok_or_else(|| ActionError::Permanent("`text` rendered empty".into()))?;
        let ws = call.workspace_id;
        let channel = match (call.text("channel"), call.text("user_email")) {
            (Some(c), _) => channel_id(integrations, ws, c).await?,
            (None, Some(email)) => integrations
                .with_token(ws, Provider::Slack, |t| async move {
                    integrations.slack.user_by_email(&t, email).await
                })
                .await
                .map_err(action_error)?,
            (None, None) => {
                return Err(ActionError::Permanent(
                    "set `channel` (a channel id or #name) or `user_email` (a direct message)"
                        .into(),
                ));
            }
        };
        let channel = channel.as_str();
        let run_id = call.idempotency_key;
        if call.uncertain
            && let Some(found) = find(integrations, ws, channel, run_id).await?
        {
            return Ok(receipt(found, true));
        }
        let link = call.conversation_id.map(|id| {
            format!(
                "{}/app/inbox/{id}",
                integrations.public_url().trim_end_matches('/')
            )
        });
        let blocks = blocks(call.text("style").unwrap_or("plain"), text, link.as_deref());
        let posted = integrations
            .with_token(ws, Provider::Slack, |t| {
                let blocks = blocks.clone();
                async move {
                    integrations
                        .slack
                        .post_message(&t, channel, text, Some(&blocks), run_id)
                        .await
                }
            })
            .await;
        match posted {
            Ok(p) => Ok(receipt(p, false)),
            Err(e) if is_ambiguous(&e) => match find(integrations, ws, channel, run_id).await {
                Ok(Some(found)) => Ok(receipt(found, true)),
                Ok(None) => Err(ActionError::Retry(format!(
                    "{}; the message is not in the channel, so it is sent again",
                    action_error(e)
                ))),
                Err(check) => Err(check),
            },
            Err(e) => Err(action_error(e)),
        }
    }
}

/// A message carrying `run_id` in the channel, if the history can be read.
async fn find(
    integrations: &Integrations,
    ws: uuid::Uuid,
    channel: &str,
    run_id: &str,
) -> Result<Option<Posted>, ActionError> {
    integrations
        .with_token(ws, Provider::Slack, |t| async move {
            integrations.slack.find_by_run_id(&t, channel, run_id).await
        })
        .await
        .map_err(|e| check_failed(e, "posted"))
}

/// A channel id as given, or the id of a `#name`.
async fn channel_id(
    integrations: &Integrations,
    ws: uuid::Uuid,
    channel: &str,
) -> Result<String, ActionError> {
    let Some(name) = channel.strip_prefix('#') else {
        return Ok(channel.to_string());
    };
    let channels = integrations
        .with_token(ws, Provider::Slack, |t| async move {
            integrations.slack.channels(&t).await
        })
        .await
        .map_err(action_error)?;
    channels
        .into_iter()
        .find(|c| c.name == name)
        .map(|c| c.id)
        .ok_or_else(|| {
            ActionError::Permanent(format!("Slack has no channel #{name} the app can see"))
        })
}

fn receipt(p: Posted, reconciled: bool) -> Done {
    Done::output(json!({"channel": p.channel, "ts": p.ts, "reconciled": reconciled}))
}

/// The message as Slack blocks: a title for the kind of alert, the text, the link.
fn blocks(style: &str, text: &str, link: Option<&str>) -> Value {
    let title = match style {
        "negative_sentiment" => Some(":warning: *A visitor is unhappy*"),
        "qualified_lead" => Some(":moneybag: *Qualified lead*"),
        "image_analyzed" => Some(":frame_with_picture: *Image analysed*"),
        "escalation" => Some(":rotating_light: *Escalation*"),
        _ => None,
    };
    let body = match title {
        Some(t) => format!("{t}\n{text}"),
        None => text.to_string(),
    };
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": body}})];
    if let Some(url) = link {
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": format!("<{url}|Open the conversation in Parley>")}]}));
    }
    Value::Array(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_carry_the_title_text_and_link() {
        let b = blocks(
            "qualified_lead",
            "Ann wants 500 chairs",
            Some("https://p/app/inbox/1"),
        );
        assert!(
            b[0]["text"]["text"]
                .as_str()
                .unwrap()
                .starts_with(":moneybag: *Qualified lead*\nAnn")
        );
        assert!(
            b[1]["elements"][0]["text"]
                .as_str()
                .unwrap()
                .contains("https://p/app/inbox/1")
        );
        assert_eq!(blocks("plain", "hi", None).as_array().unwrap().len(), 1);
    }
}
