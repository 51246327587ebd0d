//! Repositories, one module per aggregate. Every function takes the connection (a pool or a
//! transaction) and, for tenant data, the workspace it acts in.

pub mod accounts;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod bots;
pub mod canned_replies;
pub mod contacts;
pub mod conversations;
pub mod executions;
pub mod faqs;
pub mod image_analyses;
pub mod images;
pub mod integrations;
pub mod invitations;
pub mod knowledge;
pub mod nodes;
pub mod outbox;
pub mod presence;
pub mod privacy;
pub mod provider_stats;
pub mod sessions;
pub mod tokens;
pub mod workflows;
pub mod workspaces;

use crate::StoreError;

/// Reads a JSON column into its typed form; a value that does not decode is a bug or a
/// manual edit, reported as corrupt rather than silently defaulted.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(value.clone()).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("plain data types always serialize")
}
