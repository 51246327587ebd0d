//! What one visitor left behind, found and erased across every table; retention settings
//! and the erasure requests' bookkeeping.
//!
//! A visitor is the rows of `visitors` whose proven `email` or typed `contact_email` is the
//! address asked about (one per bot). What hangs off their conversations goes with them:
//! messages (with their insight), notes, image analyses and return authorizations by
//! foreign-key cascade; the outbox events and workflow executions that name a conversation
//! (no foreign key: events outlive what they describe for analytics) explicitly; images
//! no other conversation references; and the analytics counters those events added, taken
//! back out. Events, executions, action effects, queued jobs and audit details that carry
//! the email in their JSON (an event a host sent through the API, a webhook's response)
//! are found by the text itself.

use crate::repo::analytics::{self, Deltas};
use crate::repo::outbox::OutboxEvent;
use crate::{StoreResult, now_ms, raw};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use serde_json::Value as Json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// An erasure request as the dashboard shows it (never with the email).
#[derive(Debug, Clone)]
pub struct PrivacyRequest {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub kind: String,
    pub email_hash: String,
    pub status: String,
    pub conversations_total: i32,
    pub conversations_done: i32,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

const REQUEST_COLUMNS: &str = "id, workspace_id, kind, email_hash, status, conversations_total, \
     conversations_done, error, created_at, finished_at";

fn request_of(row: &sea_orm::QueryResult) -> StoreResult<PrivacyRequest> {
    Ok(PrivacyRequest {
        id: row.try_get("", "id")?,
        workspace_id: row.try_get("", "workspace_id")?,
        kind: row.try_get("", "kind")?,
        email_hash: row.try_get("", "email_hash")?,
        status: row.try_get("", "status")?,
        conversations_total: row.try_get("", "conversations_total")?,
        conversations_done: row.try_get("", "conversations_done")?,
        error: row.try_get("", "error")?,
        created_at: row.try_get("", "created_at")?,
        finished_at: row.try_get("", "finished_at")?,
    })
}

/// Records an erasure request, `queued`, holding `email` until it ends.
pub async fn create_request(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    email_hash: &str,
    email: &str,
    total: i32,
    requested_by: Option<Uuid>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    let now = now_ms();
    c.execute_raw(raw(
        c.get_database_backend(),
        "INSERT INTO privacy_requests (id, workspace_id, kind, email_hash, email, status, \
           conversations_total, conversations_done, requested_by, created_at, updated_at) \
         VALUES ($1, $2, 'erase', $3, $4, $5, $6, 0, $7, $8, $8)",
        vec![
            id.into(),
            workspace_id.into(),
            email_hash.into(),
            email.into(),
            QUEUED.into(),
            total.into(),
            requested_by.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// One request of the workspace.
pub async fn get_request(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<PrivacyRequest>> {
    let row = c
        .query_one_raw(raw(
            c.get_database_backend(),
            &format!(
                "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE workspace_id = $1 AND id = $2"
            ),
            vec![workspace_id.into(), id.into()],
        ))
        .await?;
    row.as_ref().map(request_of).transpose()
}

/// The newest requests of the workspace first.
pub async fn list_requests(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    limit: u64,
) -> StoreResult<Vec<PrivacyRequest>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            &format!(
                "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE workspace_id = $1 \
                 ORDER BY created_at DESC, id DESC LIMIT $2"
            ),
            vec![workspace_id.into(), (limit as i64).into()],
        ))
        .await?;
    rows.iter().map(request_of).collect()
}

/// The request with its email, for the job that carries it out; `None` once it ended.
pub async fn pending_request(
    c: &impl ConnectionTrait,
    id: Uuid,
) -> StoreResult<Option<(PrivacyRequest, String)>> {
    let row = c
        .query_one_raw(raw(
            c.get_database_backend(),
            &format!(
                "SELECT {REQUEST_COLUMNS}, email FROM privacy_requests \
                 WHERE id = $1 AND status IN ('queued', 'running') AND email IS NOT NULL"
            ),
            vec![id.into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(Some((request_of(&row)?, row.try_get("", "email")?))),
        None => Ok(None),
    }
}

/// Counts `done` more conversations erased and marks the request running.
pub async fn progress(c: &impl ConnectionTrait, id: Uuid, done: i32) -> StoreResult<()> {
    c.execute_raw(raw(
        c.get_database_backend(),
        "UPDATE privacy_requests SET status = $2, conversations_done = conversations_done + $3, \
           conversations_total = CASE WHEN conversations_total < conversations_done + $3 \
             THEN conversations_done + $3 ELSE conversations_total END, \
           updated_at = $4 WHERE id = $1",
        vec![id.into(), RUNNING.into(), done.into(), now_ms().into()],
    ))
    .await?;
    Ok(())
}

/// Ends the request (`done` or `failed`) and forgets its email.
pub async fn finish_request(
    c: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    error: Option<&str>,
) -> StoreResult<()> {
    let now = now_ms();
    c.execute_raw(raw(
        c.get_database_backend(),
        "UPDATE privacy_requests SET status = $2, error = $3, email = NULL, updated_at = $4, \
           finished_at = $4 WHERE id = $1",
        vec![id.into(), status.into(), error.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// The workspace's retention in days; `None`: conversations are kept.
pub async fn retention_days(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> StoreResult<Option<i32>> {
    let row = c
        .query_one_raw(raw(
            c.get_database_backend(),
            "SELECT retention_days FROM privacy_settings WHERE workspace_id = $1",
            vec![workspace_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "retention_days")?,
        None => None,
    })
}

pub async fn set_retention_days(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    days: Option<i32>,
) -> StoreResult<()> {
    c.execute_raw(raw(
        c.get_database_backend(),
        "INSERT INTO privacy_settings (workspace_id, retention_days, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET retention_days = excluded.retention_days, \
           updated_at = excluded.updated_at",
        vec![workspace_id.into(), days.into(), now_ms().into()],
    ))
    .await?;
    Ok(())
}

/// Every workspace with a retention period, and the period.
pub async fn retention_workspaces(c: &impl ConnectionTrait) -> StoreResult<Vec<(Uuid, i32)>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT workspace_id, retention_days FROM privacy_settings \
             WHERE retention_days IS NOT NULL",
            vec![],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "workspace_id")?,
                r.try_get("", "retention_days")?,
            ))
        })
        .collect()
}

/// `$n, $n+1, …` for `items`, appended to `values`.
fn placeholders(values: &mut Vec<Value>, items: impl IntoIterator<Item = Value>) -> String {
    let mut out = Vec::new();
    for item in items {
        values.push(item);
        out.push(format!("${}", values.len()));
    }
    out.join(", ")
}

/// A `LIKE` pattern finding `text` anywhere, case-insensitively (compared with `lower()`).
fn contains_pattern(text: &str) -> String {
    let mut escaped = String::new();
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    format!("%{escaped}%")
}

/// The visitors of the workspace known by `email` (proven or typed), on any bot.
pub async fn visitors_by_email(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    email: &str,
) -> StoreResult<Vec<Uuid>> {
    let email = email.trim().to_lowercase();
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT id FROM visitors WHERE workspace_id = $1 \
               AND (lower(email) = $2 OR lower(contact_email) = $2) ORDER BY id",
            vec![workspace_id.into(), email.into()],
        ))
        .await?;
    rows.iter().map(|r| Ok(r.try_get("", "id")?)).collect()
}

/// Up to `limit` conversations of `visitors`, oldest first.
pub async fn conversations_of(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    visitors: &[Uuid],
    limit: u64,
) -> StoreResult<Vec<Uuid>> {
    if visitors.is_empty() {
        return Ok(vec![]);
    }
    let mut values: Vec<Value> = vec![workspace_id.into()];
    let list = placeholders(&mut values, visitors.iter().map(|v| (*v).into()));
    values.push((limit as i64).into());
    let sql = format!(
        "SELECT id FROM conversations WHERE workspace_id = $1 AND visitor_id IN ({list}) \
         ORDER BY created_at, id LIMIT ${}",
        values.len()
    );
    let rows = c
        .query_all_raw(raw(c.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(|r| Ok(r.try_get("", "id")?)).collect()
}

/// Up to `limit` conversations of the workspace with no message since `before` (epoch ms).
pub async fn idle_conversations(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    before: i64,
    limit: u64,
) -> StoreResult<Vec<Uuid>> {
    let rows = c
        .query_all_raw(raw(
            c.get_database_backend(),
            "SELECT id FROM conversations WHERE workspace_id = $1 AND last_message_at < $2 \
             ORDER BY last_message_at, id LIMIT $3",
            vec![workspace_id.into(), before.into(), (limit as i64).into()],
        ))
        .await?;
    rows.iter().map(|r| Ok(r.try_get("", "id")?)).collect()
}

/// What an erasure removed, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub conversations: u64,
    pub events: u64,
    pub executions: u64,
    pub images: u64,
    pub visitors: u64,
}

impl std::ops::AddAssign for Erased {
    fn add_assign(&mut self, o: Self) {
        self.conversations += o.conversations;
        self.events += o.events;
        self.executions += o.executions;
        self.images += o.images;
        self.visitors += o.visitors;
    }
}

/// Deletes outbox events matching `condition` (with `values`), and takes what the
/// dispatched ones had counted back out of the analytics rollup. `DELETE … RETURNING`
/// reports each row as deleted, so on PostgreSQL an event a dispatcher was counting at that
/// moment is seen with its `dispatched_at` after that dispatcher committed.
async fn delete_events(
    c: &impl ConnectionTrait,
    condition: &str,
    values: Vec<Value>,
) -> StoreResult<u64> {
    let backend = c.get_database_backend();
    let rows = c
        .query_all_raw(raw(
            backend,
            &format!(
                "DELETE FROM outbox WHERE {condition} \
                 RETURNING id, workspace_id, event_type, payload, created_at, dispatched_at"
            ),
            values,
        ))
        .await?;
    let events = rows
        .iter()
        .map(|row| OutboxEvent::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    let counted: Vec<OutboxEvent> = events
        .iter()
        .filter(|e| e.dispatched_at.is_some())
        .cloned()
        .collect();
    if !counted.is_empty() {
        let mut deltas = Deltas::new();
        analytics::deltas(&counted, &mut deltas);
        for v in deltas.values_mut() {
            *v = -*v;
        }
        analytics::add(c, &deltas).await?;
        let mut workspaces: BTreeSet<Uuid> = BTreeSet::new();
        workspaces.extend(counted.iter().map(|e| e.workspace_id));
        for ws in workspaces {
            c.execute_raw(raw(
                backend,
                "DELETE FROM analytics_hourly WHERE workspace_id = $1 AND value = 0",
                vec![ws.into()],
            ))
            .await?;
        }
    }
    Ok(events.len() as u64)
}

/// SQLite: makes sure the erasing connection zeroes what it deletes, whatever the
/// connection was opened with (every connection is opened with it, see `sqlite`).
async fn secure_delete(c: &impl ConnectionTrait) -> StoreResult<()> {
    if c.get_database_backend() == DbBackend::Sqlite {
        c.execute_raw(raw(DbBackend::Sqlite, "PRAGMA secure_delete = ON", vec![]))
            .await?;
    }
    Ok(())
}

/// Hard-deletes conversations of the workspace and everything that hangs off them (see the
/// module's description). Call inside a transaction.
pub async fn erase_conversations(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<Erased> {
    if ids.is_empty() {
        return Ok(Erased::default());
    }
    let backend = c.get_database_backend();
    secure_delete(c).await?;
    let mut erased = Erased::default();

    // Images they sent or that were analysed for them.
    let mut values: Vec<Value> = vec![workspace_id.into()];
    let list = placeholders(&mut values, ids.iter().map(|id| (*id).into()));
    let mut images: BTreeSet<Uuid> = BTreeSet::new();
    for row in c
        .query_all_raw(raw(
            backend,
            &format!(
                "SELECT attachments FROM messages WHERE workspace_id = $1 \
                 AND conversation_id IN ({list}) AND attachments IS NOT NULL"
            ),
            values.clone(),
        ))
        .await?
    {
        let attachments: Option<Json> = row.try_get("", "attachments")?;
        for a in attachments
            .iter()
            .flat_map(|a| a.as_array().cloned().unwrap_or_default())
        {
            if let Some(id) = a["image_id"].as_str().and_then(|s| s.parse().ok()) {
                images.insert(id);
            }
        }
    }
    for row in c
        .query_all_raw(raw(
            backend,
            &format!(
                "SELECT image_id FROM image_analyses WHERE workspace_id = $1 \
                 AND conversation_id IN ({list})"
            ),
            values.clone(),
        ))
        .await?
    {
        images.insert(row.try_get("", "image_id")?);
    }

    // Their events (taken back out of the analytics) and executions.
    let mut text_values: Vec<Value> = vec![workspace_id.into()];
    let text_list = placeholders(&mut text_values, ids.iter().map(|id| id.to_string().into()));
    erased.events = delete_events(
        c,
        &format!("workspace_id = $1 AND payload ->> 'conversation_id' IN ({text_list})"),
        text_values.clone(),
    )
    .await?;
    erased.executions = c
        .execute_raw(raw(
            backend,
            &format!(
                "DELETE FROM executions WHERE workspace_id = $1 AND conversation_id IN ({list})"
            ),
            values.clone(),
        ))
        .await?
        .rows_affected();
    erased.executions += c
        .execute_raw(raw(
            backend,
            &format!(
                "DELETE FROM executions WHERE workspace_id = $1 \
                 AND event_payload ->> 'conversation_id' IN ({text_list})"
            ),
            text_values.clone(),
        ))
        .await?
        .rows_affected();
    // What the audit log said about them beyond that something was done.
    c.execute_raw(raw(
        backend,
        &format!(
            "UPDATE audit_log SET details = '{{}}' WHERE workspace_id = $1 \
             AND target_id IN ({text_list})"
        ),
        text_values,
    ))
    .await?;

    // The conversations: messages, notes, analyses and returns go by cascade.
    erased.conversations = c
        .execute_raw(raw(
            backend,
            &format!("DELETE FROM conversations WHERE workspace_id = $1 AND id IN ({list})"),
            values,
        ))
        .await?
        .rows_affected();

    // Their images, unless another conversation holds the same bytes (stored once).
    for image in images {
        let pattern = contains_pattern(&image.to_string());
        erased.images += c
            .execute_raw(raw(
                backend,
                "DELETE FROM images WHERE workspace_id = $1 AND id = $2 \
                 AND NOT EXISTS (SELECT 1 FROM image_analyses a WHERE a.image_id = $2) \
                 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.workspace_id = $1 \
                   AND m.attachments IS NOT NULL \
                   AND lower(CAST(m.attachments AS TEXT)) LIKE $3 ESCAPE '\\')",
                vec![workspace_id.into(), image.into(), pattern.into()],
            ))
            .await?
            .rows_affected();
    }
    Ok(erased)
}

/// Removes what names `email` outside conversations: events and executions that carry it
/// (a host's own event, a step's input or output), action effects, queued jobs of the
/// workspace, and audit details. Call inside a transaction.
pub async fn erase_mentions(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    email: &str,
) -> StoreResult<Erased> {
    let backend = c.get_database_backend();
    secure_delete(c).await?;
    let pattern = contains_pattern(email.trim());
    let like = |col: &str| format!("lower(CAST({col} AS TEXT)) LIKE $2 ESCAPE '\\'");
    let values = || -> Vec<Value> { vec![workspace_id.into(), pattern.clone().into()] };
    let mut erased = Erased {
        events: delete_events(
            c,
            &format!("workspace_id = $1 AND {}", like("payload")),
            values(),
        )
        .await?,
        ..Default::default()
    };
    erased.executions = c
        .execute_raw(raw(
            backend,
            &format!(
                "DELETE FROM executions WHERE workspace_id = $1 AND ({} OR {} OR id IN \
                   (SELECT execution_id FROM execution_steps WHERE workspace_id = $1 \
                    AND ({} OR {} OR {})))",
                like("event_payload"),
                like("COALESCE(error, '')"),
                like("COALESCE(input, '{}')"),
                like("COALESCE(output, '{}')"),
                like("COALESCE(error, '')"),
            ),
            values(),
        ))
        .await?
        .rows_affected();
    c.execute_raw(raw(
        backend,
        &format!(
            "DELETE FROM action_effects WHERE workspace_id = $1 AND {}",
            like("output")
        ),
        values(),
    ))
    .await?;
    // Jobs have no workspace column: one of this workspace names it in its payload.
    let ws_pattern = contains_pattern(&workspace_id.to_string());
    c.execute_raw(raw(
        backend,
        "DELETE FROM jobs WHERE lower(CAST(payload AS TEXT)) LIKE $2 ESCAPE '\\' \
           AND lower(CAST(payload AS TEXT)) LIKE $1 ESCAPE '\\'",
        vec![ws_pattern.into(), pattern.clone().into()],
    ))
    .await?;
    c.execute_raw(raw(
        backend,
        &format!(
            "UPDATE audit_log SET details = '{{}}' WHERE workspace_id = $1 AND {}",
            like("details")
        ),
        values(),
    ))
    .await?;
    Ok(erased)
}

/// Deletes the visitor rows themselves (their conversations must be gone already, or go by
/// cascade without their events: call [`erase_conversations`] first).
pub async fn erase_visitors(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut values: Vec<Value> = vec![workspace_id.into()];
    let list = placeholders(&mut values, ids.iter().map(|id| (*id).into()));
    Ok(c.execute_raw(raw(
        c.get_database_backend(),
        &format!("DELETE FROM visitors WHERE workspace_id = $1 AND id IN ({list})"),
        values,
    ))
    .await?
    .rows_affected())
}

/// Deletes visitors of the workspace not seen since `before` who have no conversation
/// left (retention removed the last one): their name and email go with it.
pub async fn erase_idle_visitors(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    before: i64,
) -> StoreResult<u64> {
    Ok(c.execute_raw(raw(
        c.get_database_backend(),
        "DELETE FROM visitors WHERE workspace_id = $1 AND last_seen_at < $2 \
         AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = visitors.id)",
        vec![workspace_id.into(), before.into()],
    ))
    .await?
    .rows_affected())
}

/// Everything stored about the visitors `ids` of the workspace, as JSON rows, for an export.
#[derive(Debug, Default)]
pub struct VisitorData {
    pub visitors: Vec<Json>,
    pub conversations: Vec<Json>,
    pub messages: Vec<Json>,
    pub notes: Vec<Json>,
    pub image_analyses: Vec<Json>,
    pub returns: Vec<Json>,
    pub executions: Vec<Json>,
    pub steps: Vec<Json>,
    /// `(id, content type, bytes)`.
    pub images: Vec<(Uuid, String, Vec<u8>)>,
}

/// Rows as JSON objects; JSON columns SQLite hands back as text are parsed.
async fn json_rows(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
    json_columns: &[&str],
) -> StoreResult<Vec<Json>> {
    let mut rows = Json::find_by_statement(raw(c.get_database_backend(), sql, values))
        .all(c)
        .await?;
    for row in &mut rows {
        for col in json_columns {
            if let Some(Json::String(text)) = row.get(*col)
                && let Ok(parsed) = serde_json::from_str::<Json>(text)
            {
                row[*col] = parsed;
            }
        }
    }
    Ok(rows)
}

/// Reads everything about the visitors known by `email` in the workspace: their rows,
/// conversations with messages, notes, image analyses and returns, the executions that ran
/// on their conversations or carried the email, and the images they sent.
pub async fn export(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    email: &str,
) -> StoreResult<VisitorData> {
    let visitors = visitors_by_email(c, workspace_id, email).await?;
    let mut data = VisitorData::default();
    if visitors.is_empty() {
        return Ok(data);
    }
    let mut values: Vec<Value> = vec![workspace_id.into()];
    let list = placeholders(&mut values, visitors.iter().map(|v| (*v).into()));
    data.visitors = json_rows(
        c,
        &format!("SELECT * FROM visitors WHERE workspace_id = $1 AND id IN ({list})"),
        values.clone(),
        &[],
    )
    .await?;
    let conversations = conversations_of(c, workspace_id, &visitors, u32::MAX as u64).await?;
    data.conversations = json_rows(
        c,
        &format!(
            "SELECT * FROM conversations WHERE workspace_id = $1 AND visitor_id IN ({list}) \
             ORDER BY created_at, id"
        ),
        values,
        &["tags", "insight"],
    )
    .await?;
    let mut values: Vec<Value> = vec![workspace_id.into()];
    let list = placeholders(&mut values, conversations.iter().map(|v| (*v).into()));
    if !conversations.is_empty() {
        let of = |table: &str, order: &str| {
            format!(
                "SELECT * FROM {table} WHERE workspace_id = $1 AND conversation_id IN ({list}) \
                 ORDER BY {order}"
            )
        };
        data.messages = json_rows(
            c,
            &of("messages", "conversation_id, created_at, id"),
            values.clone(),
            &["citations", "insight", "attachments"],
        )
        .await?;
        data.notes = json_rows(c, &of("notes", "conversation_id, id"), values.clone(), &[]).await?;
        data.image_analyses = json_rows(
            c,
            &of("image_analyses", "conversation_id, created_at"),
            values.clone(),
            &["result"],
        )
        .await?;
        data.returns = json_rows(
            c,
            &of("return_authorizations", "conversation_id, created_at"),
            values.clone(),
            &[],
        )
        .await?;
    }
    // Executions on their conversations, or whose trigger event or steps carried the email.
    let pattern = contains_pattern(email.trim());
    let mut exec_values = values.clone();
    exec_values.push(pattern.into());
    let p = exec_values.len();
    let on_conversations = if conversations.is_empty() {
        String::new()
    } else {
        format!("conversation_id IN ({list}) OR ")
    };
    data.executions = json_rows(
        c,
        &format!(
            "SELECT * FROM executions WHERE workspace_id = $1 AND ({on_conversations}\
               lower(CAST(event_payload AS TEXT)) LIKE ${p} ESCAPE '\\' \
               OR id IN (SELECT execution_id FROM execution_steps WHERE workspace_id = $1 \
                 AND (lower(CAST(COALESCE(input, '{{}}') AS TEXT)) LIKE ${p} ESCAPE '\\' \
                   OR lower(CAST(COALESCE(output, '{{}}') AS TEXT)) LIKE ${p} ESCAPE '\\'))) \
             ORDER BY created_at, id"
        ),
        exec_values,
        &["event_payload"],
    )
    .await?;
    let executions: Vec<Uuid> = data
        .executions
        .iter()
        .filter_map(|e| e["id"].as_str().and_then(|s| s.parse().ok()))
        .collect();
    if !executions.is_empty() {
        let mut values: Vec<Value> = vec![workspace_id.into()];
        let list = placeholders(&mut values, executions.iter().map(|v| (*v).into()));
        data.steps = json_rows(
            c,
            &format!(
                "SELECT * FROM execution_steps WHERE workspace_id = $1 \
                 AND execution_id IN ({list}) ORDER BY execution_id, seq"
            ),
            values,
            &["input", "output"],
        )
        .await?;
    }
    // The images: referenced by their messages' attachments or their analyses.
    let mut images: BTreeSet<Uuid> = BTreeSet::new();
    for m in &data.messages {
        for a in m["attachments"].as_array().into_iter().flatten() {
            if let Some(id) = a["image_id"].as_str().and_then(|s| s.parse().ok()) {
                images.insert(id);
            }
        }
    }
    for a in &data.image_analyses {
        if let Some(id) = a["image_id"].as_str().and_then(|s| s.parse().ok()) {
            images.insert(id);
        }
    }
    for image in images {
        let row = c
            .query_one_raw(raw(
                c.get_database_backend(),
                "SELECT content_type, data FROM images WHERE workspace_id = $1 AND id = $2",
                vec![workspace_id.into(), image.into()],
            ))
            .await?;
        if let Some(row) = row {
            data.images.push((
                image,
                row.try_get("", "content_type")?,
                row.try_get("", "data")?,
            ));
        }
    }
    Ok(data)
}

/// SQLite: copies the WAL back into the database file and truncates it to nothing, so the
/// pages an erasure overwrote (`secure_delete` zeroes what it deletes) leave no older
/// copy behind in the WAL. Readers holding an old snapshot make it report busy; it is
/// retried for a few seconds. Returns whether it completed. A no-op on PostgreSQL.
pub async fn checkpoint_truncate(store: &crate::Store) -> StoreResult<bool> {
    if store.backend() != DbBackend::Sqlite {
        return Ok(true);
    }
    for _ in 0..50 {
        let writer = store.writer().await?;
        let row = writer
            .query_one_raw(raw(
                DbBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
                vec![],
            ))
            .await?;
        drop(writer);
        let busy: i32 = match &row {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        if busy == 0 {
            return Ok(true);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(false)
}
