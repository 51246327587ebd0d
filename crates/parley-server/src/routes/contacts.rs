//! `/api/v1/contacts`: the visitors the team knows (an email, a name, buying signals).

use super::conversations::{ConversationSummary, summary};
use super::shared::{parse_time, rfc3339};
use crate::caller::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiQuery, page_limit, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use parley_domain::insight::LeadConfig;
use parley_domain::insight::lead::{Priority, Signal};
use parley_engine::contacts::{self, ContactSummary};
use parley_store::repo::contacts::ContactFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts))
        .routes(routes!(export_contacts))
        .routes(routes!(get_contact))
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    /// The visitor's id.
    id: Uuid,
    bot_id: Uuid,
    /// Proven by the host page, or else typed by the visitor in chat.
    #[schema(required)]
    email: Option<String>,
    #[schema(required)]
    name: Option<String>,
    #[schema(required)]
    company: Option<String>,
    /// Their best conversation's lead score, 0 to 100.
    lead_score: i32,
    lead_priority: Priority,
    /// A stage workflows gave one of their conversations.
    #[schema(required)]
    stage: Option<String>,
    conversations: i64,
    last_conversation_id: Uuid,
    last_seen_at: String,
}

/// Hot, warm or cold by the default thresholds (a contact spans bots, each of which may
/// set its own; the defaults keep one meaning across them).
fn priority(score: i32) -> Priority {
    let l = LeadConfig::default();
    match score {
        s if s >= i32::from(l.hot) => Priority::Hot,
        s if s >= i32::from(l.warm) => Priority::Warm,
        _ => Priority::Cold,
    }
}

fn priority_name(score: i32) -> &'static str {
    match priority(score) {
        Priority::Hot => "hot",
        Priority::Warm => "warm",
        Priority::Cold => "cold",
    }
}

fn view(c: ContactSummary) -> ContactView {
    let k = c.contact;
    ContactView {
        id: k.id,
        bot_id: k.bot_id,
        email: k.email,
        name: k.name,
        company: k.company,
        lead_priority: priority(k.lead_score),
        lead_score: k.lead_score,
        stage: c.stage,
        conversations: k.conversations,
        last_conversation_id: c.last_conversation_id,
        last_seen_at: rfc3339(k.last_seen_at),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// In the email, name or company.
    q: Option<String>,
    /// A lead stage (`new`, `qualified`, `contacted`, `won`, `lost`).
    stage: Option<String>,
    #[param(value_type = Option<Priority>)]
    lead: Option<String>,
    /// Page: last seen strictly before (RFC 3339), from `next_before`.
    before: Option<String>,
    /// 1 to 200, default 50.
    limit: Option<u64>,
}

impl ContactQuery {
    fn filter(self, limit: u64) -> ApiResult<ContactFilter> {
        let l = LeadConfig::default();
        let (min_score, below_score) = match self.lead.as_deref() {
            None | Some("") => (None, None),
            Some("hot") => (Some(i32::from(l.hot)), None),
            Some("warm") => (Some(i32::from(l.warm)), Some(i32::from(l.hot))),
            Some("cold") => (None, Some(i32::from(l.warm))),
            Some(_) => {
                return Err(crate::error::ApiError::invalid_field(
                    "lead",
                    "must be hot, warm or cold",
                ));
            }
        };
        Ok(ContactFilter {
            q: self.q,
            stage: self.stage.filter(|s| !s.trim().is_empty()),
            min_score,
            below_score,
            before: parse_time("before", self.before.as_deref())?,
            limit,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactList {
    items: Vec<ContactView>,
    /// Pass as `before` for the next page; null on the last page.
    #[schema(required)]
    next_before: Option<String>,
}

/// Contacts, most recently seen first.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactQuery), responses(
    (status = 200, body = ContactList), (status = 400, body = ErrorBody),
))]
async fn list_contacts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactList>> {
    let limit = page_limit(q.limit)?;
    let filter = q.filter(limit)?;
    let items: Vec<ContactView> = contacts::list(&state.store, &caller.actor, &filter)
        .await?
        .into_iter()
        .map(view)
        .collect();
    let next_before = (items.len() as u64 == limit)
        .then(|| items.last().map(|c| c.last_seen_at.clone()))
        .flatten();
    Ok(Json(ContactList { items, next_before }))
}

/// The contacts matching the filters as CSV (at most 10,000).
#[utoipa::path(get, path = "/api/v1/contacts/export.csv", tag = "contacts", params(ContactQuery), responses(
    (status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody),
))]
async fn export_contacts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<impl IntoResponse> {
    let filter = q.filter(10_000)?;
    let csv = contacts::export_csv(&state.store, &caller.actor, &filter, priority_name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contacts.csv\"",
            ),
        ],
        csv,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ContactDetail {
    contact: ContactView,
    /// What makes up their best lead score.
    signals: Vec<Signal>,
    conversations: Vec<ConversationSummary>,
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = Uuid, Path)), responses(
    (status = 200, body = ContactDetail), (status = 404, body = ErrorBody),
))]
async fn get_contact(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ContactDetail>> {
    let (contact, signals, conversations) =
        contacts::detail(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(ContactDetail {
        contact: view(contact),
        signals,
        conversations: conversations.into_iter().map(summary).collect(),
    }))
}
