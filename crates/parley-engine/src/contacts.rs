//! Contacts: the visitors a team knows (an email, a name, buying signals), their lead score
//! and stage, their conversations, and a CSV export.

use crate::inbox::{InboxConversation, with_names};
use crate::{Actor, EngineResult};
use parley_domain::insight::ConversationInsight;
use parley_domain::insight::lead::Signal;
use parley_store::Store;
use parley_store::repo::contacts::{self, Contact, ContactFilter};

/// A contact with its lead stage and the conversation it was last seen in.
#[derive(Debug, Clone)]
pub struct ContactSummary {
    pub contact: Contact,
    pub stage: Option<String>,
    pub last_conversation_id: uuid::Uuid,
}

pub async fn list(
    store: &Store,
    actor: &Actor,
    filter: &ContactFilter,
) -> EngineResult<Vec<ContactSummary>> {
    let found = contacts::list(store.db(), actor.workspace_id, filter).await?;
    let ids: Vec<uuid::Uuid> = found.iter().map(|c| c.id).collect();
    let conversations = contacts::conversations_of(store.db(), actor.workspace_id, &ids).await?;
    Ok(found
        .into_iter()
        .filter_map(|contact| {
            // Newest first: the first of theirs is the latest.
            let latest = conversations.iter().find(|c| c.visitor_id == contact.id)?;
            let stage = conversations
                .iter()
                .filter(|c| c.visitor_id == contact.id)
                .find_map(|c| c.lead_stage.clone());
            Some(ContactSummary {
                last_conversation_id: latest.id,
                stage,
                contact,
            })
        })
        .collect())
}

/// One contact with the signals behind their best lead score and their conversations.
pub async fn detail(
    store: &Store,
    actor: &Actor,
    id: uuid::Uuid,
) -> EngineResult<(ContactSummary, Vec<Signal>, Vec<InboxConversation>)> {
    let contact = contacts::get(store.db(), actor.workspace_id, id).await?;
    let conversations = contacts::conversations_of(store.db(), actor.workspace_id, &[id]).await?;
    let best = conversations.iter().max_by_key(|c| c.lead_score);
    let signals = best
        .and_then(|c| c.insight.as_ref())
        .and_then(|v| serde_json::from_value::<ConversationInsight>(v.clone()).ok())
        .map(|i| i.lead.breakdown)
        .unwrap_or_default();
    let summary = ContactSummary {
        last_conversation_id: conversations.first().map(|c| c.id).unwrap_or(id),
        stage: conversations.iter().find_map(|c| c.lead_stage.clone()),
        contact,
    };
    let conversations = with_names(store, actor.workspace_id, conversations).await?;
    Ok((summary, signals, conversations))
}

/// The contacts matching `filter` as CSV (at most 10,000 rows), for a spreadsheet or CRM.
pub async fn export_csv(
    store: &Store,
    actor: &Actor,
    filter: &ContactFilter,
    priority_of: impl Fn(i32) -> &'static str,
) -> EngineResult<String> {
    let filter = ContactFilter {
        limit: 10_000,
        before: None,
        ..filter.clone()
    };
    let rows = list(store, actor, &filter).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "email",
        "name",
        "company",
        "lead_score",
        "lead_priority",
        "stage",
        "conversations",
        "last_seen_at",
        "last_conversation_id",
    ];
    let internal = |e: csv::Error| crate::EngineError::Internal(e.to_string());
    out.write_record(header).map_err(internal)?;
    for r in rows {
        let c = &r.contact;
        out.write_record([
            csv_safe(c.email.as_deref().unwrap_or("")),
            csv_safe(c.name.as_deref().unwrap_or("")),
            csv_safe(c.company.as_deref().unwrap_or("")),
            c.lead_score.to_string(),
            priority_of(c.lead_score).to_string(),
            csv_safe(r.stage.as_deref().unwrap_or("")),
            c.conversations.to_string(),
            crate::live::rfc3339(c.last_seen_at),
            r.last_conversation_id.to_string(),
        ])
        .map_err(internal)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| crate::EngineError::Internal(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A cell a spreadsheet will not run as a formula: visitors typed these values.
fn csv_safe(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn visitor_text_cannot_become_a_spreadsheet_formula() {
        assert_eq!(super::csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::csv_safe("Ada"), "Ada");
    }
}
