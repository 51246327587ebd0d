//! `sheets_append_row` and `sheets_read_range`.
//!
//! Sheets has no idempotency key, so the row carries the step's key in its last column. A
//! later attempt (a retry, or a run cut short by a crash) first looks for the key in that
//! column; an append whose answer was lost is looked for at once (Sheets applies requests
//! atomically, so "not there" means "not written" and the append is retried). When the
//! column cannot be read the step is `unknown`, for a person to resolve.

use super::vendor::{action_error, check_failed, is_ambiguous};
use super::{Action, ActionCall, ActionError, Done, Effect};
use crate::integrations::{Integrations, spreadsheet_id};
use async_trait::async_trait;
use parley_integrations::Provider;
use parley_store::Tx;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct SheetsAppend(pub Arc<Integrations>);
pub struct SheetsRead(pub Arc<Integrations>);

/// Cells in one appended row (besides the run id).
const MAX_COLUMNS: usize = 100;

fn spreadsheet(call: &ActionCall<'_>) -> Result<String, ActionError> {
    spreadsheet_id(call.text("spreadsheet_id").unwrap_or_default()).map_err(|_| {
        ActionError::Permanent("`spreadsheet_id` is not a spreadsheet id or URL".into())
    })
}

#[async_trait]
impl Action for SheetsAppend {
    fn effect(&self) -> Effect {
        Effect::Remote
    }

    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, _tx: Option<&Tx>) -> Result<Done, ActionError> {
        let integrations = &self.0;
        let id = spreadsheet(call)?;
        let sheet = call
            .text("sheet")
            .ok_or_else(|| ActionError::Permanent("`sheet` rendered empty".into()))?;
        let mut row: Vec<Value> = match call.input.get("values") {
            Some(Value::Array(cells)) => cells
                .iter()
                .map(|c| match c {
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => c.clone(),
                    Value::Null => json!(""),
                    other => json!(other.to_string()),
                })
                .collect(),
            _ => {
                return Err(ActionError::Permanent(
                    "`values` must be a list of cells, e.g. [\"{{visitor.email}}\", \"{{lead.score}}\"]".into(),
                ));
            }
        };
        if row.is_empty() || row.len() > MAX_COLUMNS {
            return Err(ActionError::Permanent(format!(
                "`values` must have 1 to {MAX_COLUMNS} cells"
            )));
        }
        let run_id = call.idempotency_key;
        let run_column = row.len() + 1;
        row.push(json!(run_id));
        let ws = call.workspace_id;
        let (id, row) = (id.as_str(), &row);
        let written = || async move {
            integrations
                .with_token(ws, Provider::Google, |t| async move {
                    integrations
                        .sheets
                        .column_contains(&t, id, sheet, run_column, run_id)
                        .await
                })
                .await
                .map_err(|e| check_failed(e, "written the row"))
        };
        if call.uncertain && written().await? {
            return Ok(Done::output(json!({"reconciled": true, "run_id": run_id})));
        }
        let appended = integrations
            .with_token(ws, Provider::Google, |t| async move {
                integrations.sheets.append_row(&t, id, sheet, row).await
            })
            .await;
        match appended {
            Ok(range) => Ok(Done::output(
                json!({"updatedRange": range, "run_id": run_id, "reconciled": false}),
            )),
            Err(e) if is_ambiguous(&e) => match written().await {
                Ok(true) => Ok(Done::output(json!({"reconciled": true, "run_id": run_id}))),
                Ok(false) => Err(ActionError::Retry(format!(
                    "{}; the row is not in the sheet, so it is written again",
                    action_error(e)
                ))),
                Err(check) => Err(check),
            },
            Err(e) => Err(action_error(e)),
        }
    }
}

#[async_trait]
impl Action for SheetsRead {
    fn effect(&self) -> Effect {
        Effect::Remote
    }

    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, _tx: Option<&Tx>) -> Result<Done, ActionError> {
        let integrations = &self.0;
        let id = spreadsheet(call)?;
        let range = call.text("range").ok_or_else(|| {
            ActionError::Permanent("`range` rendered empty (e.g. Prices!A:B)".into())
        })?;
        let id = id.as_str();
        let values = integrations
            .with_token(call.workspace_id, Provider::Google, |t| async move {
                integrations.sheets.read_range(&t, id, range).await
            })
            .await
            .map_err(action_error)?;
        Ok(Done::output(
            json!({"rows": values.len(), "values": values}),
        ))
    }
}
