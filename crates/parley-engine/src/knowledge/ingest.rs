//! The ingestion job: parse an uploaded document, chunk it with the real tokenizer, and
//! replace its chunks and their index entries in one transaction. A file that cannot be read
//! marks its document failed with the reason; the job itself succeeds (retrying would fail the
//! same way).

use super::parse::{self, ParseError};
use super::vectors;
use crate::chat::ChatContext;
use crate::worker::{JobError, JobHandler};
use async_trait::async_trait;
use parley_ai::tokenizer::count_tokens;
use parley_domain::knowledge::chunk::{Chunk, ChunkConfig, chunk_sections, paragraphs};
use parley_domain::knowledge::sections::Section;
use parley_store::jobs::ClaimedJob;
use parley_store::repo::bots;
use parley_store::repo::knowledge::{self, NewChunk};
use std::collections::HashMap;
use uuid::Uuid;

pub const INGEST_JOB: &str = "ingest_document";

pub struct IngestHandler {
    pub chat: ChatContext,
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
        let db = self.chat.store.db();
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
            Ok(chunk_document(&sections))
        })
        .await
        .map_err(|e| JobError::Retry(format!("ingestion task failed: {e}")))?;

        // Embeddings come from the network: fetch them before the transaction opens.
        let (embeddings, note) = match &chunks {
            Ok(chunks) => self.embed(&doc, chunks).await,
            Err(_) => (None, None),
        };
        let tx = self.chat.store.begin().await?;
        match chunks {
            Ok(chunks) => {
                let rows: Vec<NewChunk> = chunks
                    .iter()
                    .enumerate()
                    .map(|(i, c)| NewChunk {
                        heading: &c.heading,
                        body: &c.text,
                        token_count: c.tokens as i32,
                        embedding: embeddings.as_ref().map(|e| e[i].clone()),
                    })
                    .collect();
                knowledge::replace_chunks(&tx, &doc, &rows).await?;
                knowledge::set_status(&tx, id, knowledge::READY, note, rows.len() as i32).await?;
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

/// Chunks a document's sections with the real tokenizer. Counting tokens is most of
/// chunking's time, so every paragraph is counted first, on all cores; the chunks are the
/// same as counting one piece at a time.
pub fn chunk_document(sections: &[Section]) -> Vec<Chunk> {
    let paragraphs: Vec<&str> = sections.iter().flat_map(|s| paragraphs(&s.text)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let counts: HashMap<&str, usize> = std::thread::scope(|scope| {
        let counting: Vec<_> = paragraphs
            .chunks(paragraphs.len().div_ceil(threads).max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|p| (*p, count_tokens(p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        counting
            .into_iter()
            .flat_map(|t| t.join().expect("counting tokens does not panic"))
            .collect()
    });
    let count = |text: &str| {
        counts
            .get(text)
            .copied()
            .unwrap_or_else(|| count_tokens(text))
    };
    chunk_sections(sections, ChunkConfig::default(), &count)
}

impl IngestHandler {
    /// The chunks' embeddings when the bot has an embedding model. When the provider
    /// fails, the document is still indexed for full-text search, and the returned note
    /// says so on the document.
    async fn embed(
        &self,
        doc: &knowledge::Document,
        chunks: &[parley_domain::knowledge::chunk::Chunk],
    ) -> (Option<Vec<Vec<u8>>>, Option<String>) {
        let Ok(bot) = bots::get(self.chat.store.db(), doc.workspace_id, doc.bot_id).await else {
            return (None, None);
        };
        let Some(endpoint) = vectors::endpoint(&self.chat, &bot) else {
            return (None, None);
        };
        let texts: Vec<String> = chunks
            .iter()
            .map(|c| format!("{}\n{}", c.heading, c.text))
            .collect();
        match vectors::embed_all(&self.chat, &endpoint, &texts).await {
            Ok(embeddings) => (Some(embeddings), None),
            Err(error) => {
                tracing::warn!(document = %doc.id, %error, "embedding failed; indexed for full text only");
                (
                    None,
                    Some(format!(
                        "indexed for full-text search only: the embedding model failed ({error})"
                    )),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::knowledge::sections::markdown_sections;

    #[test]
    fn counting_on_every_core_chunks_as_counting_in_order() {
        let mut md = String::from("A preface before any heading.\n\n");
        for i in 0..300 {
            md.push_str(&format!(
                "## Part {i}\n\nTents of model {i} pitch in minutes.\n\n{}\n\n",
                // Every tenth part holds a paragraph too long for one chunk.
                "Stakes and guy lines hold it down. ".repeat(if i % 10 == 0 { 90 } else { 3 })
            ));
        }
        let sections = markdown_sections(&md);
        let in_order = chunk_sections(&sections, ChunkConfig::default(), &count_tokens);
        assert!(in_order.len() > 300);
        assert_eq!(chunk_document(&sections), in_order);
    }
}
