//! What several routes share: the API's time format, time filters and citation views.

use crate::error::{ApiError, ApiResult};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use uuid::Uuid;

/// Stored epoch milliseconds as RFC 3339 UTC, the API's time format.
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// An optional RFC 3339 query value as epoch milliseconds; 400 naming `field` when malformed.
pub fn parse_time(field: &str, value: Option<&str>) -> ApiResult<Option<i64>> {
    value
        .map(|v| {
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
                .map_err(|_| {
                    ApiError::invalid_field(
                        field,
                        "must be an RFC 3339 time like 2026-11-24T10:00:00Z",
                    )
                })
        })
        .transpose()
}

/// Where an answer came from (documentation of the stored JSON; never built in Rust).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Citation {
    /// `faq` or `passage`.
    kind: CitationKind,
    /// The FAQ's question, or the document's name.
    title: String,
    /// The passage's heading path.
    heading: Option<String>,
    /// The marker number the answer uses (`[n]`), for passages a model cited.
    n: Option<u32>,
    faq_id: Option<Uuid>,
    chunk_id: Option<Uuid>,
    document_id: Option<Uuid>,
    /// Where the document lives on the web, when it was uploaded with an address.
    url: Option<String>,
    /// The passage's first 300 characters, to show when there is no `url`.
    quote: Option<String>,
}

/// The fixed vocabularies the API answers with. The store keeps them as text (written only
/// from the store's own constants); these enums give the OpenAPI document, and so every
/// generated client, their exact values.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(ToSchema)]
        #[schema(rename_all = "snake_case")]
        #[allow(dead_code)]
        pub enum $name { $($variant),+ }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// Whether a conversation is still being worked.
    ConversationStatus { Open, Resolved }
);
vocabulary!(
    /// Who wrote a message.
    MessageRole { Visitor, Bot, Agent, System }
);
vocabulary!(
    /// Where an answer's source is: an FAQ or a passage of a document.
    CitationKind { Faq, Passage }
);
vocabulary!(
    /// Where a document is in ingestion.
    DocumentStatus { Queued, Processing, Ready, Failed }
);
vocabulary!(
    /// Whether a workflow runs on its events.
    WorkflowStatus { Draft, Active, Paused }
);
vocabulary!(
    /// Where an execution of a workflow stands.
    ExecutionStatus { Running, Waiting, Completed, Failed, Cancelled, Filtered }
);
vocabulary!(
    /// Where one step of an execution stands.
    StepStatus { Running, Retrying, Waiting, Done, Failed, Cancelled }
);
