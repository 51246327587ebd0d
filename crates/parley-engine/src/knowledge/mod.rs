//! Knowledge: uploading documents, ingesting them on the job queue, FAQs, and retrieval.

mod ingest;
pub mod parse;
mod retrieve;
mod vectors;

pub use ingest::{INGEST_JOB, IngestHandler, chunk_and_store, chunk_document};
pub use retrieve::{Retrieved, retrieve};

use crate::error::invalid;
use crate::{Actor, EngineError, EngineResult};
use parley_domain::FieldErrors;
use parley_domain::validation::required_text;
use parley_store::repo::faqs::{self, Faq};
use parley_store::repo::knowledge::{self, Document, NewDocument};
use parley_store::repo::{audit, bots};
use parley_store::{Store, jobs};
use serde_json::json;
use uuid::Uuid;

/// Largest file accepted for ingestion.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Files accepted in one upload.
pub const MAX_FILES: usize = 20;

/// One uploaded file.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What became of one file of an upload: a queued document, or why it was refused. Other
/// files of the same upload go on either way.
pub struct UploadOutcome {
    pub name: String,
    pub document: Option<Document>,
    pub error: Option<String>,
}

/// Stores the files and queues them for ingestion. A file with the name of an existing
/// document of the bot replaces it. `source_url`, where the files live on the web, lets
/// citations of them link there.
pub async fn upload(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
    files: Vec<Upload>,
    source_url: Option<String>,
) -> EngineResult<Vec<UploadOutcome>> {
    actor.require_manager()?;
    let source_url = source_url
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if let Some(url) = &source_url {
        let web = (url.starts_with("https://") || url.starts_with("http://"))
            && url.chars().count() <= 2048;
        if !web || url.chars().any(char::is_whitespace) {
            return Err(invalid(
                "source_url",
                "must be an http(s) URL of at most 2048 characters",
            ));
        }
    }
    bots::get(store.db(), actor.workspace_id, bot_id).await?;
    if files.is_empty() {
        return Err(invalid("files", "attach at least one file"));
    }
    if files.len() > MAX_FILES {
        return Err(invalid(
            "files",
            &format!("at most {MAX_FILES} files per upload"),
        ));
    }
    let mut outcomes = Vec::with_capacity(files.len());
    for file in files {
        let name = clean_name(&file.name);
        let checked = if name.is_empty() {
            Err("the file needs a name".to_string())
        } else if file.bytes.len() > MAX_FILE_BYTES {
            Err(format!("larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024))
        } else {
            parse::detect(&name, &file.bytes).map_err(|e| e.to_string())
        };
        let format = match checked {
            Ok(format) => format,
            Err(error) => {
                outcomes.push(UploadOutcome {
                    name,
                    document: None,
                    error: Some(error),
                });
                continue;
            }
        };
        let tx = store.begin().await?;
        for old in knowledge::find_by_name(&tx, bot_id, &name).await? {
            knowledge::delete_document(&tx, actor.workspace_id, old.id).await?;
        }
        let sha = content_hash(&file.bytes);
        let doc = knowledge::create_document(
            &tx,
            actor.workspace_id,
            bot_id,
            NewDocument {
                source_url: source_url.clone(),
                name: &name,
                content_type: format.mime(),
                sha256: &sha,
                content: file.bytes,
            },
        )
        .await?;
        jobs::enqueue(
            &tx,
            jobs::NewJob::new(INGEST_JOB, json!({ "document_id": doc.id }))
                .unique_key(format!("ingest:{}", doc.id)),
        )
        .await?;
        let entry = actor.audit(
            "document.uploaded",
            Some(("document", doc.id.to_string())),
            json!({"name": name, "bytes": doc.size_bytes}),
        );
        audit::record(&tx, actor.workspace_id, entry).await?;
        tx.commit().await?;
        outcomes.push(UploadOutcome {
            name,
            document: Some(doc),
            error: None,
        });
    }
    Ok(outcomes)
}

pub(crate) fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// The file name without any directory part, control characters or surrounding space.
fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(200)
        .collect()
}

/// Ingestion progress of a bot's documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub documents_total: u64,
    pub documents_done: u64,
    pub documents_failed: u64,
    pub chunks: u64,
}

pub async fn documents(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
) -> EngineResult<(Vec<Document>, Progress)> {
    bots::get(store.db(), actor.workspace_id, bot_id).await?;
    let docs = knowledge::list_documents(store.db(), actor.workspace_id, bot_id).await?;
    let mut p = Progress {
        documents_total: docs.len() as u64,
        ..Default::default()
    };
    for d in &docs {
        match d.status.as_str() {
            knowledge::READY => p.documents_done += 1,
            knowledge::FAILED => p.documents_failed += 1,
            _ => {}
        }
        p.chunks += d.chunk_count.max(0) as u64;
    }
    Ok((docs, p))
}

pub async fn document(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
    id: Uuid,
) -> EngineResult<Document> {
    let doc = knowledge::get_document(store.db(), actor.workspace_id, id).await?;
    if doc.bot_id != bot_id {
        return Err(EngineError::NotFound);
    }
    Ok(doc)
}

pub async fn delete_document(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
    id: Uuid,
) -> EngineResult<()> {
    actor.require_manager()?;
    let doc = document(store, actor, bot_id, id).await?;
    let tx = store.begin().await?;
    knowledge::delete_document(&tx, actor.workspace_id, doc.id).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "document.deleted",
            Some(("document", id.to_string())),
            json!({"name": doc.name}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// FAQ fields as given; `None` keeps (or, creating, is an error for question and answer).
#[derive(Debug, Default, Clone)]
pub struct FaqInput {
    pub question: Option<String>,
    pub answer: Option<String>,
    pub enabled: Option<bool>,
}

impl FaqInput {
    fn validate(mut self, creating: bool) -> EngineResult<FaqInput> {
        let mut errors = FieldErrors::new();
        for (field, value, max) in [
            ("question", &self.question, 500),
            ("answer", &self.answer, 5000),
        ] {
            match value {
                Some(v) => required_text(&mut errors, field, v, max),
                None if creating => errors.add(field, "is required"),
                None => {}
            }
        }
        self.question = self.question.map(|q| q.trim().to_string());
        self.answer = self.answer.map(|a| a.trim().to_string());
        errors.into_result(self).map_err(EngineError::Invalid)
    }
}

pub async fn list_faqs(store: &Store, actor: &Actor, bot_id: Uuid) -> EngineResult<Vec<Faq>> {
    bots::get(store.db(), actor.workspace_id, bot_id).await?;
    Ok(faqs::list(store.db(), actor.workspace_id, bot_id, false).await?)
}

pub async fn create_faq(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
    input: FaqInput,
) -> EngineResult<Faq> {
    actor.require_manager()?;
    let input = input.validate(true)?;
    bots::get(store.db(), actor.workspace_id, bot_id).await?;
    let tx = store.begin().await?;
    let faq = faqs::create(
        &tx,
        actor.workspace_id,
        bot_id,
        input.question.as_deref().unwrap_or_default(),
        input.answer.as_deref().unwrap_or_default(),
        input.enabled.unwrap_or(true),
    )
    .await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit("faq.created", Some(("faq", faq.id.to_string())), json!({})),
    )
    .await?;
    tx.commit().await?;
    crate::widget_cache::forget(bot_id);
    Ok(faq)
}

pub async fn update_faq(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
    id: Uuid,
    input: FaqInput,
) -> EngineResult<Faq> {
    actor.require_manager()?;
    let input = input.validate(false)?;
    let tx = store.begin().await?;
    let existing = faqs::get(&tx, actor.workspace_id, bot_id, id).await?;
    let faq = faqs::update(&tx, existing, input.question, input.answer, input.enabled).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit("faq.updated", Some(("faq", id.to_string())), json!({})),
    )
    .await?;
    tx.commit().await?;
    crate::widget_cache::forget(bot_id);
    Ok(faq)
}

pub async fn delete_faq(store: &Store, actor: &Actor, bot_id: Uuid, id: Uuid) -> EngineResult<()> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let existing = faqs::get(&tx, actor.workspace_id, bot_id, id).await?;
    faqs::delete(&tx, existing).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit("faq.deleted", Some(("faq", id.to_string())), json!({})),
    )
    .await?;
    tx.commit().await?;
    crate::widget_cache::forget(bot_id);
    Ok(())
}

pub async fn reorder_faqs(
    store: &Store,
    actor: &Actor,
    bot_id: Uuid,
    ids: &[Uuid],
) -> EngineResult<Vec<Faq>> {
    actor.require_manager()?;
    bots::get(store.db(), actor.workspace_id, bot_id).await?;
    let tx = store.begin().await?;
    if !faqs::reorder(&tx, actor.workspace_id, bot_id, ids).await? {
        return Err(invalid(
            "ids",
            "must list every FAQ of the bot exactly once",
        ));
    }
    let list = faqs::list(&tx, actor.workspace_id, bot_id, false).await?;
    tx.commit().await?;
    crate::widget_cache::forget(bot_id);
    Ok(list)
}

/// What a question would retrieve: the "test retrieval" box.
pub async fn search(
    ctx: &crate::services::Services,
    actor: &Actor,
    bot_id: Uuid,
    query: &str,
    limit: u64,
) -> EngineResult<Retrieved> {
    let mut errors = FieldErrors::new();
    required_text(&mut errors, "query", query, 2000);
    errors.check(
        (1..=50).contains(&limit),
        "limit",
        "must be between 1 and 50",
    );
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let bot = bots::get(ctx.store.db(), actor.workspace_id, bot_id).await?;
    retrieve(ctx, &bot, query, limit).await
}
