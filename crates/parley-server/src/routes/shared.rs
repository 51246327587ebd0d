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
    kind: String,
    /// The FAQ's question, or the document's name.
    title: String,
    /// The passage's heading path.
    heading: Option<String>,
    /// The marker number the answer uses (`[n]`), for passages a model cited.
    n: Option<u32>,
    faq_id: Option<Uuid>,
    chunk_id: Option<Uuid>,
    document_id: Option<Uuid>,
}
