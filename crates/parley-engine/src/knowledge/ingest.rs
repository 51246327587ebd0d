//! The ingestion job: parse an uploaded document, chunk it with the real tokenizer, and
//! replace its chunks and their index entries in one transaction. A file that cannot be read
//! marks its document failed with the reason; the job itself succeeds (retrying would fail the
//! same way).

use super::parse::{self, ParseError};
use crate::worker::{JobError, JobHandler};
use async_trait::async_trait;
use parley_ai::tokenizer::count_tokens;
use parley_domain::knowledge::chunk::{ChunkConfig, chunk_sections};
use parley_store::Store;
use parley_store::jobs::ClaimedJob;
use parley_store::repo::knowledge::{self, NewChunk};
use uuid::Uuid;

pub const INGEST_JOB: &str = "ingest_document";

pub struct IngestHandler {
    pub store: Store,
    pub hub: crate::live::Hub,
}

#[async_trait]
impl JobHandler for IngestHandler {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let id: Uuid = job
            .payload
            .get("document_id")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| JobError::Permanent("payload lacks document_id".into()))?;
        let db = self.store.db();
        let Some(doc) = knowledge::find_document(db, id).await? else {
            return Ok(()); // deleted (or replaced) before it was ingested
        };
        let Some(bytes) = knowledge::source(db, id).await? else {
            return Ok(()); // already ingested by an earlier attempt
        };
        knowledge::set_status(db, id, knowledge::PROCESSING, None, 0).await?;

        let name = doc.name.clone();
        let started = std::time::Instant::now();
        let size = bytes.len();
        // Parsing and tokenizing are CPU work: keep them off the async threads.
        let chunks = tokio::task::spawn_blocking(move || -> Result<_, ParseError> {
            let format = parse::detect(&name, &bytes)?;
            let sections = parse::parse(format, &bytes)?;
            Ok(chunk_sections(
                &sections,
                ChunkConfig::default(),
                &count_tokens,
            ))
        })
        .await
        .map_err(|e| JobError::Retry(format!("ingestion task failed: {e}")))?;

        let tx = self.store.begin().await?;
        match chunks {
            Ok(chunks) => {
                let rows: Vec<NewChunk> = chunks
                    .iter()
                    .map(|c| NewChunk {
                        heading: &c.heading,
                        body: &c.text,
                        token_count: c.tokens as i32,
                        embedding: None,
                    })
                    .collect();
                knowledge::replace_chunks(&tx, &doc, &rows).await?;
                knowledge::set_status(&tx, id, knowledge::READY, None, rows.len() as i32).await?;
                metrics::counter!("parley_ingested_bytes_total").increment(size as u64);
                tracing::info!(document = %id, chunks = rows.len(), bytes = size, ms = started.elapsed().as_millis() as u64, "document ingested");
            }
            Err(error) => {
                knowledge::set_status(&tx, id, knowledge::FAILED, Some(error.to_string()), 0)
                    .await?;
                tracing::info!(document = %id, %error, "document could not be read");
            }
        }
        knowledge::delete_source(&tx, id).await?;
        tx.commit()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(())
    }
}
