//! Alert rules per workspace and the state of each alert (firing, resolved, last sent).
//!
//! The rules are one JSON document per workspace (`alert_settings`, shaped and validated by
//! the engine; no row means the defaults). Each condition the evaluator has seen has a row
//! in `alert_states`, keyed by a stable alert key (`integration:slack`,
//! `workflow_failures:<id>`…): its `occurrence` numbers the notices' job keys, so a notice is
//! queued once however often evaluation runs, and a restart neither fires again nor forgets
//! what was firing. `alert_events` is the history shown on the Alerts tab.

use crate::{StoreResult, now_ms, raw};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

pub const FIRING: &str = "firing";
pub const RESOLVED: &str = "resolved";

/// A workspace's stored rules document and its sealed webhook secret.
#[derive(Debug, Clone)]
pub struct StoredSettings {
    pub settings: serde_json::Value,
    pub webhook_secret: Option<String>,
}

pub async fn settings(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> StoreResult<Option<StoredSettings>> {
    let row = c
        .query_one_raw(raw(
            c.get_database_backend(),
            "SELECT settings, webhook_secret FROM alert_settings WHERE workspace_id = $1",
            vec![workspace_id.into()],
        ))
        .await?;
    row.map(|r| {
        let text: String = r.try_get("", "settings")?;
        Ok(StoredSettings {
            settings: serde_json::from_str(&text)
                .map_err(|e| crate::StoreError::Corrupt(format!("alert_settings: {e}")))?,
            webhook_secret: r.try_get("", "webhook_secret")?,
        })
    })
    .transpose()
}

pub async fn put_settings(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    stored: &StoredSettings,
) -> StoreResult<()> {
    let sql = "INSERT INTO alert_settings (workspace_id, settings, webhook_secret, updated_at) \
               VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id) DO UPDATE SET \
               settings = excluded.settings, webhook_secret = excluded.webhook_secret, \
               updated_at = excluded.updated_at";
    let values: Vec<Value> = vec![
        workspace_id.into(),
        stored.settings.to_string().into(),
        stored.webhook_secret.clone().into(),
        now_ms().into(),
    ];
    c.execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(())
}

/// Every workspace's id (the evaluator visits each).
pub async fn workspace_ids(c: &impl ConnectionTrait) -> StoreResult<Vec<Uuid>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT id FROM workspaces ORDER BY id",
            vec![],
        ))
        .await?;
    rows.iter().map(|r| Ok(r.try_get("", "id")?)).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertState {
    pub workspace_id: Uuid,
    pub alert_key: String,
    pub kind: String,
    pub status: String,
    pub occurrence: i32,
    /// Notices repeated during this occurrence.
    pub repeats: i32,
    pub summary: String,
    pub fired_at: i64,
    pub last_sent_at: i64,
    pub resolved_at: Option<i64>,
}

fn state(r: &QueryResult) -> StoreResult<AlertState> {
    Ok(AlertState {
        workspace_id: r.try_get("", "workspace_id")?,
        alert_key: r.try_get("", "alert_key")?,
        kind: r.try_get("", "kind")?,
        status: r.try_get("", "status")?,
        occurrence: r.try_get("", "occurrence")?,
        repeats: r.try_get("", "repeats")?,
        summary: r.try_get("", "summary")?,
        fired_at: r.try_get("", "fired_at")?,
        last_sent_at: r.try_get("", "last_sent_at")?,
        resolved_at: r.try_get("", "resolved_at")?,
    })
}

/// Every alert the workspace has had, firing or resolved.
pub async fn states(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<AlertState>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT workspace_id, alert_key, kind, status, occurrence, repeats, summary, \
                    fired_at, last_sent_at, resolved_at \
             FROM alert_states WHERE workspace_id = $1 ORDER BY alert_key",
            vec![workspace_id.into()],
        ))
        .await?;
    rows.iter().map(state).collect()
}

pub async fn save_state(c: &impl ConnectionTrait, s: &AlertState) -> StoreResult<()> {
    let sql = "INSERT INTO alert_states (workspace_id, alert_key, kind, status, occurrence, \
                 repeats, summary, fired_at, last_sent_at, resolved_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
               ON CONFLICT (workspace_id, alert_key) DO UPDATE SET kind = excluded.kind, \
                 status = excluded.status, occurrence = excluded.occurrence, \
                 repeats = excluded.repeats, summary = excluded.summary, \
                 fired_at = excluded.fired_at, last_sent_at = excluded.last_sent_at, \
                 resolved_at = excluded.resolved_at";
    let values: Vec<Value> = vec![
        s.workspace_id.into(),
        s.alert_key.clone().into(),
        s.kind.clone().into(),
        s.status.clone().into(),
        s.occurrence.into(),
        s.repeats.into(),
        s.summary.clone().into(),
        s.fired_at.into(),
        s.last_sent_at.into(),
        s.resolved_at.into(),
    ];
    c.execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub alert_key: String,
    pub kind: String,
    /// `fired`, `repeated`, `resolved` or `test`.
    pub event: String,
    pub summary: String,
    pub created_at: i64,
}

pub async fn add_event(c: &impl ConnectionTrait, e: &AlertEvent) -> StoreResult<()> {
    let sql = "INSERT INTO alert_events (id, workspace_id, alert_key, kind, event, summary, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let values: Vec<Value> = vec![
        e.id.into(),
        e.workspace_id.into(),
        e.alert_key.clone().into(),
        e.kind.clone().into(),
        e.event.clone().into(),
        e.summary.clone().into(),
        e.created_at.into(),
    ];
    c.execute_raw(raw(c.get_database_backend(), sql, values))
        .await?;
    Ok(())
}

/// The workspace's newest alert events, newest first.
pub async fn events(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    limit: u64,
) -> StoreResult<Vec<AlertEvent>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT id, workspace_id, alert_key, kind, event, summary, created_at \
             FROM alert_events WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            vec![workspace_id.into(), (limit as i64).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AlertEvent {
                id: r.try_get("", "id")?,
                workspace_id: r.try_get("", "workspace_id")?,
                alert_key: r.try_get("", "alert_key")?,
                kind: r.try_get("", "kind")?,
                event: r.try_get("", "event")?,
                summary: r.try_get("", "summary")?,
                created_at: r.try_get("", "created_at")?,
            })
        })
        .collect()
}

/// Owners' and admins' emails of the workspace (active accounts), the default recipients.
pub async fn manager_emails(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> StoreResult<Vec<String>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.workspace_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email",
            vec![workspace_id.into()],
        ))
        .await?;
    rows.iter().map(|r| Ok(r.try_get("", "email")?)).collect()
}

/// Per workflow, executions created since `since` (epoch ms) that ended, and how many of
/// those failed (the `executions_started` index serves the range).
pub async fn execution_outcomes(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    since: i64,
) -> StoreResult<Vec<(Uuid, i64, i64)>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT workflow_id, \
                    SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, \
                    COUNT(*) AS ended \
             FROM executions WHERE workspace_id = $1 AND created_at >= $2 \
               AND status IN ('completed', 'failed') GROUP BY workflow_id",
            vec![workspace_id.into(), since.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "workflow_id")?,
                r.try_get::<i64>("", "failed")?,
                r.try_get::<i64>("", "ended")?,
            ))
        })
        .collect()
}
