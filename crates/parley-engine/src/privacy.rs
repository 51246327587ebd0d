//! A visitor's data on request: export as a ZIP, erasure everywhere, retention.
//!
//! - **Export** is built in the request, in memory: one visitor's data is small (their
//!   conversations and images), and a file kept for later download would be one more copy
//!   of exactly the data a request like this is often followed by erasing.
//! - **Erasure** is a job (`privacy.erase`) with its progress in `privacy_requests`, so a
//!   large history survives restarts and the dashboard can show how far it got. It deletes
//!   up to [`BATCH`] conversations per transaction, and with the last batch (the only one
//!   for almost every visitor) the mentions and the visitor rows: a visitor with at most
//!   [`BATCH`] conversations is erased in one transaction. A retried job picks up where the
//!   last committed batch ended: what is left is found again by the email.
//! - **Retention** deletes conversations idle longer than a workspace's `retention_days`
//!   the same way, in a daily job the maintenance loop queues once per UTC day.
//!
//! Visitor session tokens name a visitor row; every token check reads that row (see
//! `chat::identity`), so erasing the row revokes every token of the visitor at once.
//!
//! On SQLite every connection runs with `secure_delete` (deleted content is overwritten
//! in place), and an erasure ends with a truncating WAL checkpoint, so neither free pages
//! nor the WAL keep the erased bytes.

use crate::worker::{JobError, JobHandler};
use crate::{Actor, EngineError, EngineResult};
use parley_domain::account::normalize_email;
use parley_domain::validation::FieldErrors;
use parley_store::jobs::{self, ClaimedJob, NewJob};
use parley_store::repo::audit::{self, NewAuditEntry};
use parley_store::repo::privacy::{self as repo, Erased, PrivacyRequest, VisitorData};
use parley_store::{Store, now_ms};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write;
use uuid::Uuid;

pub use parley_store::repo::privacy::{DONE, FAILED, QUEUED, RUNNING};

/// The erasure job.
pub const ERASE_JOB: &str = "privacy.erase";
/// The daily retention job.
pub const RETENTION_JOB: &str = "privacy.retention";

/// Conversations deleted per transaction: big enough that nearly every visitor goes in
/// one, small enough that the write lock is never held for long on SQLite.
pub const BATCH: u64 = 200;

/// The longest retention a workspace may set (ten years).
pub const MAX_RETENTION_DAYS: i32 = 3650;

/// What identifies a request in the audit log and the request list without the email: a
/// SHA-256 of the normalized email bound to the workspace.
pub fn email_hash(workspace_id: Uuid, email: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"parley privacy request\0");
    h.update(workspace_id.as_bytes());
    h.update(email.as_bytes());
    hex::encode(h.finalize())
}

/// The normalized email, or a 422 naming the field.
fn email_field(raw: &str) -> EngineResult<String> {
    normalize_email(raw).ok_or_else(|| {
        let mut errors = FieldErrors::new();
        errors.add("email", "must be an email address");
        EngineError::Invalid(errors)
    })
}

/// A ZIP of everything about one visitor.
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub conversations: usize,
}

/// Everything stored about the visitor `email` in the actor's workspace, as a ZIP of JSON
/// files and their images; managers only, audited with the email's hash. `NotFound` when
/// no visitor has that email.
pub async fn export(store: &Store, actor: &Actor, email: &str) -> EngineResult<Export> {
    actor.require_manager()?;
    let email = email_field(email)?;
    let data = repo::export(store.db(), actor.workspace_id, &email).await?;
    if data.visitors.is_empty() {
        return Err(EngineError::NotFound);
    }
    let bytes = zip_of(&email, &data).map_err(|e| EngineError::Internal(e.to_string()))?;
    let hash = email_hash(actor.workspace_id, &email);
    audit::record(
        &store.writer().await?,
        actor.workspace_id,
        actor.audit(
            "privacy.export",
            None,
            json!({"email_hash": hash, "conversations": data.conversations.len()}),
        ),
    )
    .await?;
    Ok(Export {
        file_name: format!("parley-export-{}.zip", &hash[..12]),
        bytes,
        conversations: data.conversations.len(),
    })
}

/// The export's layout: `manifest.json`, `visitor.json` (the contact: one row per bot,
/// with what they told), `conversations/<id>.json` (the conversation with its insight,
/// lead score and tags, messages with their insight, notes, image analyses, returns),
/// `executions.json` (workflow runs with their steps' inputs and outputs) and
/// `images/<id>.<ext>`.
fn zip_of(email: &str, data: &VisitorData) -> zip::result::ZipResult<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    let stored = deflated.compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let put = |zip: &mut zip::ZipWriter<_>, name: &str, value: &Value| {
        zip.start_file(name, deflated)?;
        zip.write_all(&serde_json::to_vec_pretty(value).unwrap_or_default())?;
        Ok::<_, zip::result::ZipError>(())
    };
    put(
        &mut zip,
        "manifest.json",
        &json!({
            "format": 1,
            "email": email,
            "exported_at": now_ms(),
            "visitors": data.visitors.len(),
            "conversations": data.conversations.len(),
            "messages": data.messages.len(),
            "images": data.images.len(),
            "executions": data.executions.len(),
        }),
    )?;
    put(&mut zip, "visitor.json", &json!(data.visitors))?;
    let of = |rows: &[Value], id: &Value| -> Vec<Value> {
        rows.iter()
            .filter(|r| &r["conversation_id"] == id)
            .cloned()
            .collect()
    };
    for conv in &data.conversations {
        let id = &conv["id"];
        let name = format!("conversations/{}.json", id.as_str().unwrap_or("unknown"));
        put(
            &mut zip,
            &name,
            &json!({
                "conversation": conv,
                "messages": of(&data.messages, id),
                "notes": of(&data.notes, id),
                "image_analyses": of(&data.image_analyses, id),
                "return_authorizations": of(&data.returns, id),
            }),
        )?;
    }
    let executions: Vec<Value> = data
        .executions
        .iter()
        .map(|e| {
            let steps: Vec<&Value> = data
                .steps
                .iter()
                .filter(|s| s["execution_id"] == e["id"])
                .collect();
            json!({"execution": e, "steps": steps})
        })
        .collect();
    put(&mut zip, "executions.json", &json!(executions))?;
    for (id, content_type, bytes) in &data.images {
        let ext = match content_type.as_str() {
            "image/png" => "png",
            "image/jpeg" => "jpg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            _ => "bin",
        };
        zip.start_file(format!("images/{id}.{ext}"), stored)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Queues the erasure of everything about `email` in the actor's workspace and returns the
/// request to follow; managers only. The audit log gets the request, not the email.
pub async fn request_erasure(
    store: &Store,
    actor: &Actor,
    email: &str,
) -> EngineResult<PrivacyRequest> {
    actor.require_manager()?;
    let email = email_field(email)?;
    let ws = actor.workspace_id;
    let visitors = repo::visitors_by_email(store.db(), ws, &email).await?;
    let total = repo::conversations_of(store.db(), ws, &visitors, u32::MAX as u64)
        .await?
        .len();
    let hash = email_hash(ws, &email);
    let tx = store.begin().await?;
    let id = repo::create_request(
        &tx,
        ws,
        &hash,
        &email,
        i32::try_from(total).unwrap_or(i32::MAX),
        Some(actor.user_id),
    )
    .await?;
    jobs::enqueue(
        &tx,
        NewJob::new(ERASE_JOB, json!({"request_id": id})).max_attempts(10),
    )
    .await?;
    audit::record(
        &tx,
        ws,
        actor.audit(
            "privacy.erase",
            Some(("privacy_request", id.to_string())),
            json!({"email_hash": hash}),
        ),
    )
    .await?;
    tx.commit().await?;
    repo::get_request(store.db(), ws, id)
        .await?
        .ok_or(EngineError::NotFound)
}

/// One erasure request of the actor's workspace; managers only.
pub async fn request(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<PrivacyRequest> {
    actor.require_manager()?;
    repo::get_request(store.db(), actor.workspace_id, id)
        .await?
        .ok_or(EngineError::NotFound)
}

/// The workspace's latest erasure requests; managers only.
pub async fn requests(store: &Store, actor: &Actor) -> EngineResult<Vec<PrivacyRequest>> {
    actor.require_manager()?;
    Ok(repo::list_requests(store.db(), actor.workspace_id, 20).await?)
}

/// Erases everything about `email` in the workspace in batches (see the module's
/// description), counting progress on `request` when given; then checkpoints SQLite's WAL.
pub async fn erase(
    store: &Store,
    workspace_id: Uuid,
    email: &str,
    request: Option<Uuid>,
) -> EngineResult<Erased> {
    let mut erased = Erased::default();
    loop {
        let tx = store.begin().await?;
        let visitors = repo::visitors_by_email(&tx, workspace_id, email).await?;
        let convs = repo::conversations_of(&tx, workspace_id, &visitors, BATCH + 1).await?;
        let last = convs.len() as u64 <= BATCH;
        let batch = &convs[..convs.len().min(BATCH as usize)];
        let this = repo::erase_conversations(&tx, workspace_id, batch).await?;
        erased += this;
        if last {
            erased += repo::erase_mentions(&tx, workspace_id, email).await?;
            erased.visitors += repo::erase_visitors(&tx, workspace_id, &visitors).await?;
        }
        if let Some(id) = request {
            repo::progress(&tx, id, batch.len() as i32).await?;
            if last {
                repo::finish_request(&tx, id, DONE, None).await?;
                audit::record(
                    &tx,
                    workspace_id,
                    NewAuditEntry {
                        action: "privacy.erased".into(),
                        target_type: Some("privacy_request".into()),
                        target_id: Some(id.to_string()),
                        details: json!({"conversations": erased.conversations}),
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
        tx.commit().await?;
        if last {
            break;
        }
    }
    if !repo::checkpoint_truncate(store).await? {
        tracing::warn!("the WAL could not be truncated after an erasure (readers kept it busy)");
    }
    Ok(erased)
}

/// Runs `privacy.erase` jobs: `{"request_id": …}`.
pub struct EraseHandler {
    pub store: Store,
}

#[async_trait::async_trait]
impl JobHandler for EraseHandler {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let id: Uuid = job.payload["request_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| JobError::Permanent("privacy.erase needs a request_id".into()))?;
        let Some((request, email)) = repo::pending_request(self.store.db(), id).await? else {
            return Ok(()); // finished by an earlier attempt
        };
        match erase(&self.store, request.workspace_id, &email, Some(id)).await {
            Ok(erased) => {
                tracing::info!(
                    request = %id,
                    conversations = erased.conversations,
                    events = erased.events,
                    executions = erased.executions,
                    images = erased.images,
                    "visitor erased"
                );
                Ok(())
            }
            Err(e) => {
                if job.attempts >= job.max_attempts {
                    self.failed(id, &e.to_string()).await;
                }
                Err(JobError::Retry(e.to_string()))
            }
        }
    }

    async fn abandoned(&self, job: &ClaimedJob, reason: &str) -> Result<(), JobError> {
        if let Some(id) = job.payload["request_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
        {
            self.failed(id, reason).await;
        }
        Ok(())
    }
}

impl EraseHandler {
    /// Gives up: the request says why, and its email is forgotten. What earlier batches
    /// erased stays erased; a new request finishes the rest.
    async fn failed(&self, id: Uuid, reason: &str) {
        let result = async {
            let writer = self.store.writer().await?;
            repo::finish_request(&writer, id, FAILED, Some(reason)).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, request = %id, "could not mark an erasure failed");
        }
    }
}

/// The workspace's retention in days; `None`: conversations are kept. Managers only.
pub async fn retention(store: &Store, actor: &Actor) -> EngineResult<Option<i32>> {
    actor.require_manager()?;
    Ok(repo::retention_days(store.db(), actor.workspace_id).await?)
}

/// Sets (or with `None` turns off) the workspace's retention; 1 to
/// [`MAX_RETENTION_DAYS`] days. Managers only; audited.
pub async fn set_retention(
    store: &Store,
    actor: &Actor,
    days: Option<i32>,
) -> EngineResult<Option<i32>> {
    actor.require_manager()?;
    if let Some(d) = days
        && !(1..=MAX_RETENTION_DAYS).contains(&d)
    {
        let mut errors = FieldErrors::new();
        errors.add(
            "retention_days",
            format!("must be between 1 and {MAX_RETENTION_DAYS} days, or null to keep everything"),
        );
        return Err(EngineError::Invalid(errors));
    }
    let tx = store.begin().await?;
    repo::set_retention_days(&tx, actor.workspace_id, days).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit("privacy.retention", None, json!({"retention_days": days})),
    )
    .await?;
    tx.commit().await?;
    Ok(days)
}

/// Deletes, in every workspace with a retention period, the conversations idle longer than
/// it (and visitors left with none), the way an erasure does. Returns how many
/// conversations went.
pub async fn apply_retention(store: &Store) -> EngineResult<u64> {
    let mut total = 0;
    for (ws, days) in repo::retention_workspaces(store.db()).await? {
        let cutoff = now_ms() - i64::from(days) * 24 * 3600 * 1000;
        let mut erased = Erased::default();
        loop {
            let tx = store.begin().await?;
            let ids = repo::idle_conversations(&tx, ws, cutoff, BATCH).await?;
            erased += repo::erase_conversations(&tx, ws, &ids).await?;
            let last = (ids.len() as u64) < BATCH;
            if last {
                erased.visitors += repo::erase_idle_visitors(&tx, ws, cutoff).await?;
                if erased.conversations + erased.visitors > 0 {
                    audit::record(
                        &tx,
                        ws,
                        NewAuditEntry {
                            action: "privacy.retention_applied".into(),
                            details: json!({"retention_days": days,
                                "conversations": erased.conversations,
                                "visitors": erased.visitors}),
                            ..Default::default()
                        },
                    )
                    .await?;
                }
            }
            tx.commit().await?;
            if last {
                break;
            }
        }
        total += erased.conversations;
    }
    if total > 0 {
        repo::checkpoint_truncate(store).await?;
        tracing::info!(
            conversations = total,
            "retention deleted idle conversations"
        );
    }
    Ok(total)
}

/// Queues today's retention job unless one was queued today (UTC) already, on any node.
pub async fn schedule_retention(store: &Store) -> EngineResult<()> {
    let day = now_ms() / (24 * 3600 * 1000);
    jobs::enqueue(
        &store.writer().await?,
        NewJob::new(RETENTION_JOB, json!({"day": day}))
            .unique_key(format!("{RETENTION_JOB}:{day}")),
    )
    .await?;
    Ok(())
}

/// Runs the daily `privacy.retention` job.
pub struct RetentionHandler {
    pub store: Store,
}

#[async_trait::async_trait]
impl JobHandler for RetentionHandler {
    async fn run(&self, _job: &ClaimedJob) -> Result<(), JobError> {
        apply_retention(&self.store)
            .await
            .map(drop)
            .map_err(|e| JobError::Retry(e.to_string()))
    }
}
