//! `hubspot_contact` and `hubspot_deal`: a lead into the CRM. Both are upserts keyed by a
//! unique property (the contact's email; the deal's `parley_run_id`, set to the step's key),
//! so a repeat after a lost answer or a crash updates what the first attempt created instead
//! of creating a second one: an ambiguous failure is simply retried.

use super::vendor::action_error;
use super::{Action, ActionCall, ActionError, Done, Effect};
use crate::integrations::{Integrations, TokenError};
use async_trait::async_trait;
use parley_integrations::Provider;
use parley_integrations::hubspot::Upserted;
use parley_store::Tx;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub struct HubspotContact(pub Arc<Integrations>);

pub struct HubspotDeal {
    integrations: Arc<Integrations>,
    /// Workspaces whose portal is known to have the `parley_run_id` deal property.
    has_run_property: Mutex<HashSet<Uuid>>,
}

impl HubspotDeal {
    pub fn new(integrations: Arc<Integrations>) -> Self {
        HubspotDeal {
            integrations,
            has_run_property: Mutex::new(HashSet::new()),
        }
    }
}

/// A lost answer to an upsert is retried: repeating it is harmless.
fn upsert_error(e: TokenError) -> ActionError {
    match action_error(e) {
        ActionError::Unknown(m) => ActionError::Retry(format!("{m}; an upsert is safe to repeat")),
        other => other,
    }
}

#[async_trait]
impl Action for HubspotContact {
    fn effect(&self) -> Effect {
        Effect::Remote
    }

    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, _tx: Option<&Tx>) -> Result<Done, ActionError> {
        let contact = contact_properties(call)?;
        let (email, props) = (&contact.0, &contact.1);
        let integrations = &self.0;
        let written = integrations
            .with_token(call.workspace_id, Provider::Hubspot, |t| async move {
                integrations.hubspot.upsert_contact(&t, email, props).await
            })
            .await
            .map_err(upsert_error)?;
        let portal = integrations
            .account_id(call.workspace_id, Provider::Hubspot)
            .await;
        Ok(Done::output(json!({
            "contact_id": written.id, "created": written.created, "email": email,
            "url": record_url(portal.as_deref(), "0-1", &written.id),
            "properties": props,
        })))
    }
}

#[async_trait]
impl Action for HubspotDeal {
    fn effect(&self) -> Effect {
        Effect::Remote
    }

    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, _tx: Option<&Tx>) -> Result<Done, ActionError> {
        let integrations = &self.integrations;
        let ws = call.workspace_id;
        let name = call
            .text("name")
            .ok_or_else(|| ActionError::Permanent("`name` rendered empty".into()))?;
        let mut props = Map::new();
        props.insert("dealname".into(), json!(name));
        if let Some(amount) = call.input.get("amount").filter(|v| !v.is_null()) {
            let n = match amount {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().replace(',', "").parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| ActionError::Permanent(format!("`amount` is not a number: {amount}")))?;
            props.insert("amount".into(), json!(n.to_string()));
        }
        if let Some(priority) = call.text("priority") {
            let hs = match priority.to_lowercase().as_str() {
                "urgent" | "high" => "high",
                "medium" => "medium",
                "normal" | "low" => "low",
                other => {
                    return Err(ActionError::Permanent(format!(
                        "`priority` must be urgent, high or normal (not {other})"
                    )));
                }
            };
            props.insert("hs_priority".into(), json!(hs));
        }
        if call.text("stage").is_some() || call.text("pipeline").is_some() {
            let (pipeline, stage) = self.stage(call).await?;
            props.insert("pipeline".into(), json!(pipeline));
            if let Some(stage) = stage {
                props.insert("dealstage".into(), json!(stage));
            }
        }
        let fresh = !self
            .has_run_property
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&ws);
        if fresh {
            integrations
                .with_token(ws, Provider::Hubspot, |t| async move {
                    integrations.hubspot.ensure_run_property(&t).await
                })
                .await
                .map_err(upsert_error)?;
            self.has_run_property
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(ws);
        }
        let run_id = call.idempotency_key;
        let props = &props;
        let deal: Upserted = integrations
            .with_token(ws, Provider::Hubspot, |t| async move {
                integrations.hubspot.upsert_deal(&t, run_id, props).await
            })
            .await
            .map_err(upsert_error)?;
        let mut contact_id = None;
        if let Some(email) = call.text("email") {
            let email = normalise_email(email)?;
            let (email, deal_id) = (email.as_str(), deal.id.as_str());
            let contact = integrations
                .with_token(ws, Provider::Hubspot, |t| async move {
                    let contact = integrations
                        .hubspot
                        .upsert_contact(&t, email, &Map::new())
                        .await?;
                    integrations
                        .hubspot
                        .associate_deal(&t, deal_id, &contact.id)
                        .await?;
                    Ok(contact)
                })
                .await
                .map_err(upsert_error)?;
            contact_id = Some(contact.id);
        }
        let portal = integrations.account_id(ws, Provider::Hubspot).await;
        Ok(Done::output(json!({
            "deal_id": deal.id, "created": deal.created, "contact_id": contact_id,
            "url": record_url(portal.as_deref(), "0-3", &deal.id),
            "properties": props,
        })))
    }
}

impl HubspotDeal {
    /// The pipeline and stage ids for what the step names (ids, or labels as shown in
    /// HubSpot, matched without regard to case).
    async fn stage(&self, call: &ActionCall<'_>) -> Result<(String, Option<String>), ActionError> {
        let integrations = &self.integrations;
        let pipelines = integrations
            .with_token(call.workspace_id, Provider::Hubspot, |t| async move {
                integrations.hubspot.pipelines(&t).await
            })
            .await
            .map_err(action_error)?;
        let matches =
            |id: &str, label: &str, want: &str| id == want || label.eq_ignore_ascii_case(want);
        let pipeline = match call.text("pipeline") {
            Some(want) => pipelines
                .iter()
                .find(|p| matches(&p.id, &p.label, want))
                .ok_or_else(|| {
                    ActionError::Permanent(format!("HubSpot has no deal pipeline {want}"))
                })?,
            None => pipelines
                .first()
                .ok_or_else(|| ActionError::Permanent("HubSpot has no deal pipeline".into()))?,
        };
        let stage = match call.text("stage") {
            Some(want) => Some(
                pipeline
                    .stages
                    .iter()
                    .find(|s| matches(&s.id, &s.label, want))
                    .map(|s| s.id.clone())
                    .ok_or_else(|| {
                        ActionError::Permanent(format!(
                            "the pipeline {} has no stage {want}",
                            pipeline.label
                        ))
                    })?,
            ),
            None => None,
        };
        Ok((pipeline.id.clone(), stage))
    }
}

/// The contact's email and properties, validated and normalised: the email lower-cased,
/// the phone as `+` and digits, the company's spaces collapsed; extra `properties` as given.
fn contact_properties(call: &ActionCall<'_>) -> Result<(String, Map<String, Value>), ActionError> {
    let email = normalise_email(call.text("email").ok_or_else(|| {
        ActionError::Permanent("`email` rendered empty: the visitor left no email".into())
    })?)?;
    let mut props = Map::new();
    for field in ["firstname", "lastname"] {
        if let Some(v) = call.text(field) {
            props.insert(field.into(), json!(v));
        }
    }
    if let Some(company) = call.text("company") {
        let company: String = company.split_whitespace().collect::<Vec<_>>().join(" ");
        props.insert(
            "company".into(),
            json!(company.chars().take(255).collect::<String>()),
        );
    }
    if let Some(phone) = call.text("phone").and_then(normalise_phone) {
        props.insert("phone".into(), json!(phone));
    }
    if let Some(extra) = call.input.get("properties").and_then(Value::as_object) {
        for (k, v) in extra {
            let valid = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                return Err(ActionError::Permanent(format!(
                    "`{k}` is not a HubSpot property name (lower-case letters, digits and _)"
                )));
            }
            if !v.is_null() && v != "" {
                props.insert(k.clone(), v.clone());
            }
        }
    }
    Ok((email, props))
}

/// The record's page in HubSpot (`0-1` contacts, `0-3` deals), for notes and messages.
fn record_url(portal: Option<&str>, object: &str, id: &str) -> Option<String> {
    portal
        .filter(|p| !p.is_empty())
        .map(|p| format!("https://app.hubspot.com/contacts/{p}/record/{object}/{id}"))
}

fn normalise_email(email: &str) -> Result<String, ActionError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
        && !email.contains(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(ActionError::Permanent(format!(
            "`{email}` is not an email address"
        )))
    }
}

/// `+1 (555) 010-2000` → `+15550102000`; `None` when fewer than 6 digits remain.
fn normalise_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if !(6..=15).contains(&digits.len()) {
        return None;
    }
    Some(if phone.trim_start().starts_with('+') {
        format!("+{digits}")
    } else {
        digits
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_phones_are_normalised_or_refused() {
        assert_eq!(
            normalise_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        assert!(normalise_email("ann@localhost").is_err());
        assert!(normalise_email("not an email").is_err());
        assert_eq!(
            normalise_phone("+1 (555) 010-2000").as_deref(),
            Some("+15550102000")
        );
        assert_eq!(normalise_phone("call me"), None);
    }
}
