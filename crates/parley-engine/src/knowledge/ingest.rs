//! The ingestion job: parse an uploaded document, chunk it with the real tokenizer, and
//! replace its chunks and their index entries in one transaction. A file that cannot be read
//! marks its document failed with the reason; the job itself succeeds (retrying would fail the
//! same way).

use super::parse::{self, ParseError};
use super::vectors;
use crate::services::Services;
use crate::worker::{JobError, JobHandler};
use async_trait::async_trait;
use parley_ai::openai::Endpoint;
use parley_ai::tokenizer::WordCounter;
use parley_domain::knowledge::chunk::{Chunk, ChunkConfig, chunk_sections, paragraphs};
use parley_domain::knowledge::sections::Section;
use parley_store::jobs::ClaimedJob;
use parley_store::repo::bots;
use parley_store::repo::knowledge::{self, NewChunk, OwnedChunk};
use parley_store::{Store, Tx};
use std::cell::RefCell;
use std::collections::HashMap;
use uuid::Uuid;

pub const INGEST_JOB: &str = "ingest_document";

pub struct IngestHandler {
    pub services: Services,
}

#[async_trait]
impl JobHandler for IngestHandler {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let id = document_id(job)?;
        let db = self.services.store.db();
        let Some(doc) = knowledge::find_document(db, id).await? else {
            return Ok(()); // deleted (or replaced) before it was ingested
        };
        let Some(bytes) = knowledge::source(db, id).await? else {
            return Ok(()); // already ingested by an earlier attempt
        };
        knowledge::set_status(db, id, knowledge::PROCESSING, None, 0).await?;
        let ingested = self.ingest(&doc, bytes).await;
        if let Err(JobError::Retry(error)) = &ingested
            && job.attempts >= job.max_attempts
        {
            // The job is dead-lettered now: the document must not stay "processing".
            let reason = format!("could not be stored: {error}");
            knowledge::set_status(db, id, knowledge::FAILED, Some(reason), 0).await?;
        }
        ingested
    }

    /// Ingestion stopped part-way on every attempt (the server was stopped or ran out of
    /// memory while reading the file): the document must not stay "processing". Its source
    /// is kept, so an operator who requeues the job ingests it after all.
    async fn abandoned(&self, job: &ClaimedJob, _reason: &str) -> Result<(), JobError> {
        let id = document_id(job)?;
        let reason = "processing stopped before it finished on every attempt (the server \
                      restarted while reading it); upload it again to retry";
        let db = self.services.store.db();
        match knowledge::find_document(db, id).await? {
            // Stored by an attempt whose worker died before it could say so: nothing failed.
            Some(doc) if doc.status == knowledge::QUEUED || doc.status == knowledge::PROCESSING => {
                knowledge::set_status(db, id, knowledge::FAILED, Some(reason.into()), 0).await?;
            }
            _ => {}
        }
        Ok(())
    }
}

fn document_id(job: &ClaimedJob) -> Result<Uuid, JobError> {
    job.payload
        .get("document_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| JobError::Permanent("payload lacks document_id".into()))
}

impl IngestHandler {
    /// Parses, chunks and stores the document, or marks it failed when it cannot be read.
    async fn ingest(&self, doc: &knowledge::Document, bytes: Vec<u8>) -> Result<(), JobError> {
        let id = doc.id;
        let name = doc.name.clone();
        let started = std::time::Instant::now();
        let size = bytes.len();
        // Parsing is CPU work: keep it off the async threads.
        let sections = tokio::task::spawn_blocking(move || -> Result<_, ParseError> {
            parse::parse(parse::detect(&name, &bytes)?, &bytes)
        })
        .await
        .map_err(|e| JobError::Retry(format!("ingestion task failed: {e}")))?;

        let tx = match sections {
            Ok(sections) => {
                let (tx, stored, note) = self.index(doc, sections).await?;
                knowledge::set_status(&tx, id, knowledge::READY, note, stored as i32).await?;
                metrics::counter!("parley_ingested_bytes_total").increment(size as u64);
                tracing::info!(document = %id, chunks = stored, bytes = size, ms = started.elapsed().as_millis() as u64, "document ingested");
                tx
            }
            Err(error) => {
                let tx = self.services.store.begin().await?;
                knowledge::set_status(&tx, id, knowledge::FAILED, Some(error.to_string()), 0)
                    .await?;
                tracing::info!(document = %id, %error, "document could not be read");
                tx
            }
        };
        knowledge::delete_source(&tx, id).await?;
        tx.commit()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(())
    }
}

/// Sections chunked at a time while the chunks before them are stored: about this much text.
const GROUP_BYTES: usize = 256 * 1024;

impl IngestHandler {
    /// Chunks the sections and stores the chunks (with their embeddings, when the bot has
    /// an embedding model) in a new transaction, returned open with how many chunks it
    /// stored and a note for the document. Embeddings come from the network: they are
    /// fetched before the transaction opens.
    async fn index(
        &self,
        doc: &knowledge::Document,
        sections: Vec<Section>,
    ) -> Result<(Tx, usize, Option<String>), JobError> {
        let Some(endpoint) = self.embedding_endpoint(doc).await else {
            let (tx, stored) = chunk_and_store(&self.services.store, doc, sections).await?;
            return Ok((tx, stored, None));
        };
        let chunks = chunk_off_async(sections).await?;
        let (embeddings, note) = self.embed(doc, &endpoint, &chunks).await;
        let rows: Vec<NewChunk> = chunks
            .iter()
            .enumerate()
            .map(|(i, c)| NewChunk {
                embedding: embeddings.as_ref().map(|e| e[i].clone()),
                ..new_chunk(c)
            })
            .collect();
        let tx = self.services.store.begin().await?;
        knowledge::replace_chunks(&tx, doc, &rows).await?;
        Ok((tx, rows.len(), note))
    }
}

/// Chunks the sections and stores the chunks in a new transaction, returned open with how
/// many it stored. Chunking runs on a blocking thread a group of sections at a time and
/// hands each group's chunks to the store as they are made (see
/// [`knowledge::store_chunks_as_made`] for what each backend does with them).
pub async fn chunk_and_store(
    store: &Store,
    doc: &knowledge::Document,
    sections: Vec<Section>,
) -> Result<(Tx, usize), JobError> {
    let (sender, batches) = tokio::sync::mpsc::channel(4);
    let chunking = tokio::task::spawn_blocking(move || {
        for group in groups(&sections, GROUP_BYTES) {
            let chunks = chunk_document(group).into_iter().map(owned).collect();
            if sender.blocking_send(chunks).is_err() {
                break; // storing failed; its error is reported
            }
        }
    });
    let stored = knowledge::store_chunks_as_made(store, doc, batches).await;
    chunking
        .await
        .map_err(|e| JobError::Retry(format!("chunking failed: {e}")))?;
    Ok(stored?)
}

/// Chunks on a blocking thread: tokenizing is CPU work, kept off the async threads.
async fn chunk_off_async(sections: Vec<Section>) -> Result<Vec<Chunk>, JobError> {
    tokio::task::spawn_blocking(move || chunk_document(&sections))
        .await
        .map_err(|e| JobError::Retry(format!("chunking failed: {e}")))
}

fn new_chunk(chunk: &Chunk) -> NewChunk<'_> {
    NewChunk {
        heading: &chunk.heading,
        body: &chunk.text,
        token_count: chunk.tokens as i32,
        embedding: None,
    }
}

/// The sections in consecutive groups of about `bytes` of text each (chunks never span
/// sections, so chunking group by group gives the same chunks).
fn groups(sections: &[Section], bytes: usize) -> impl Iterator<Item = &[Section]> {
    let mut rest = sections;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut size = 0;
        let end = rest
            .iter()
            .position(|s| {
                size += s.text.len();
                size >= bytes
            })
            .map_or(rest.len(), |i| i + 1);
        let (group, after) = rest.split_at(end);
        rest = after;
        Some(group)
    })
}

fn owned(chunk: Chunk) -> OwnedChunk {
    OwnedChunk {
        heading: chunk.heading,
        body: chunk.text,
        token_count: chunk.tokens as i32,
        embedding: None,
    }
}

/// Chunks a document's sections with the real tokenizer. Counting tokens is most of
/// chunking's time, so every paragraph is counted first, on all cores, each core
/// remembering its words' counts; the chunks are the same as counting one piece at a time.
pub fn chunk_document(sections: &[Section]) -> Vec<Chunk> {
    let paragraphs: Vec<&str> = sections.iter().flat_map(|s| paragraphs(&s.text)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let counts: HashMap<&str, usize> = std::thread::scope(|scope| {
        let counting: Vec<_> = paragraphs
            .chunks(paragraphs.len().div_ceil(threads).max(1))
            .map(|part| {
                scope.spawn(move || {
                    let mut counter = WordCounter::default();
                    part.iter()
                        .map(|p| (*p, counter.count(p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        counting
            .into_iter()
            .flat_map(|t| t.join().expect("counting tokens does not panic"))
            .collect()
    });
    let others = RefCell::new(WordCounter::default());
    let count = |text: &str| {
        counts
            .get(text)
            .copied()
            .unwrap_or_else(|| others.borrow_mut().count(text))
    };
    chunk_sections(sections, ChunkConfig::default(), &count)
}

impl IngestHandler {
    /// Where the bot's chunks are embedded, when it has an embedding model.
    async fn embedding_endpoint(&self, doc: &knowledge::Document) -> Option<Endpoint> {
        let bot = bots::get(self.services.store.db(), doc.workspace_id, doc.bot_id)
            .await
            .ok()?;
        vectors::endpoint(&self.services, &bot)
    }

    /// The chunks' embeddings. When the provider fails, the document is still indexed for
    /// full-text search, and the returned note says so on the document.
    async fn embed(
        &self,
        doc: &knowledge::Document,
        endpoint: &Endpoint,
        chunks: &[Chunk],
    ) -> (Option<Vec<Vec<u8>>>, Option<String>) {
        let texts: Vec<String> = chunks
            .iter()
            .map(|c| format!("{}\n{}", c.heading, c.text))
            .collect();
        match vectors::embed_all(&self.services, endpoint, &texts).await {
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

    /// A new workspace and a bot in it: (workspace id, bot id).
    async fn workspace_with_bot(c: &impl parley_store::ConnectionTrait) -> (Uuid, Uuid) {
        let ws = parley_store::repo::accounts::create_workspace(c, "W")
            .await
            .unwrap();
        let new = parley_store::repo::bots::NewBot {
            name: "Lamps".into(),
            public_key: "pk_lamps".into(),
            identity_secret: "s".into(),
            allowed_origins: vec![],
            appearance: Default::default(),
            behaviour: Default::default(),
        };
        (ws.id, bots::create(c, ws.id, new).await.unwrap().id)
    }

    /// A document of many groups, stored while it is chunked (PostgreSQL) or after
    /// (SQLite), holds exactly the chunks of chunking it whole, in order, and is searchable.
    #[tokio::test]
    async fn chunking_while_storing_stores_every_chunk_in_order() {
        use parley_store::entities::chunk;
        use parley_store::testing::{corpus::empty_document, test_stores};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let mut md = String::new();
        for i in 0..4000 {
            md.push_str(&format!(
                "## Part {i}\n\nLantern {i} burns for {i} hours. {}\n\n",
                "Wick and glass. ".repeat(8)
            ));
        }
        let sections = markdown_sections(&md);
        assert!(groups(&sections, GROUP_BYTES).count() > 2, "several groups");
        let whole = chunk_document(&sections);
        for db in test_stores().await {
            let c = db.store.db();
            let (ws, bot) = workspace_with_bot(&db.store.writer().await.unwrap()).await;
            let doc =
                empty_document(&db.store.writer().await.unwrap(), ws, bot, "lanterns.md").await;
            let (tx, stored) = chunk_and_store(&db.store, &doc, sections.clone())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(stored, whole.len(), "{}", db.name);
            let rows = chunk::Entity::find()
                .filter(chunk::Column::DocumentId.eq(doc.id))
                .order_by_asc(chunk::Column::Ordinal)
                .all(c)
                .await
                .unwrap();
            let got: Vec<(i32, &str, &str)> = rows
                .iter()
                .map(|r| (r.ordinal, r.heading.as_str(), r.body.as_str()))
                .collect();
            let want: Vec<(i32, &str, &str)> = whole
                .iter()
                .enumerate()
                .map(|(i, ch)| (i as i32, ch.heading.as_str(), ch.text.as_str()))
                .collect();
            assert!(got == want, "{}: the stored chunks differ", db.name);
            let words = ["lantern".to_string(), "2999".to_string()];
            let hits = knowledge::search(c, &Default::default(), ws, bot, &words, 3)
                .await
                .unwrap();
            assert!(hits[0].heading.contains("Part 2999"), "{}", db.name);
        }
    }

    /// A document whose chunks cannot be stored is retried while attempts remain, and is
    /// marked failed with the reason when its job is dead-lettered.
    #[tokio::test]
    async fn a_document_that_cannot_be_stored_fails_on_its_last_attempt() {
        use parley_store::testing::test_stores;
        use sea_orm::ConnectionTrait;
        // The model client is built with rustls, whose provider the binary installs.
        let _ = rustls::crypto::ring::default_provider().install_default();
        for db in test_stores().await {
            let c = db.store.db();
            let (ws, bot) = workspace_with_bot(&db.store.writer().await.unwrap()).await;
            let source = knowledge::NewDocument {
                source_url: None,
                name: "lamps.md",
                content_type: "text/markdown",
                sha256: "x",
                content: b"# Lamps\n\nLanterns burn for ten hours.".to_vec(),
            };
            let doc =
                knowledge::create_document(&db.store.writer().await.unwrap(), ws, bot, source)
                    .await
                    .unwrap();
            // Storage that fails every time: the chunks table is gone.
            db.store
                .writer()
                .await
                .unwrap()
                .execute_unprepared("ALTER TABLE chunks RENAME TO chunks_away")
                .await
                .unwrap();
            let handler = IngestHandler {
                services: Services::new(
                    db.store.clone(),
                    Default::default(),
                    &[7; 32],
                    Default::default(),
                ),
            };
            let job = |attempts| ClaimedJob {
                id: Uuid::now_v7(),
                kind: INGEST_JOB.into(),
                payload: serde_json::json!({ "document_id": doc.id }),
                attempts,
                max_attempts: 2,
                lease_token: Uuid::now_v7(),
            };
            let status = || async {
                let doc = knowledge::find_document(c, doc.id).await.unwrap().unwrap();
                (doc.status, doc.error)
            };
            assert!(matches!(
                handler.run(&job(1)).await,
                Err(JobError::Retry(_))
            ));
            assert_eq!(
                status().await,
                (knowledge::PROCESSING.into(), None),
                "{}",
                db.name
            );
            assert!(matches!(
                handler.run(&job(2)).await,
                Err(JobError::Retry(_))
            ));
            let (state, error) = status().await;
            assert_eq!(state, knowledge::FAILED, "{}", db.name);
            assert!(
                error.unwrap().starts_with("could not be stored"),
                "{}",
                db.name
            );
        }
    }

    /// A document whose ingestion job is given up after its worker died on every attempt
    /// is marked failed with the reason; one stored before the last worker died stays ready.
    #[tokio::test]
    async fn an_abandoned_ingestion_fails_its_document_unless_it_was_stored() {
        use parley_store::testing::{corpus::empty_document, test_stores};
        let _ = rustls::crypto::ring::default_provider().install_default();
        for db in test_stores().await {
            let c = db.store.db();
            let (ws, bot) = workspace_with_bot(&db.store.writer().await.unwrap()).await;
            let handler = IngestHandler {
                services: Services::new(
                    db.store.clone(),
                    Default::default(),
                    &[7; 32],
                    Default::default(),
                ),
            };
            let job = |doc: &knowledge::Document| ClaimedJob {
                id: Uuid::now_v7(),
                kind: INGEST_JOB.into(),
                payload: serde_json::json!({ "document_id": doc.id }),
                attempts: 3,
                max_attempts: 2,
                lease_token: Uuid::now_v7(),
            };
            let stuck =
                empty_document(&db.store.writer().await.unwrap(), ws, bot, "stuck.md").await;
            knowledge::set_status(
                &db.store.writer().await.unwrap(),
                stuck.id,
                knowledge::PROCESSING,
                None,
                0,
            )
            .await
            .unwrap();
            let stored =
                empty_document(&db.store.writer().await.unwrap(), ws, bot, "stored.md").await;
            knowledge::set_status(
                &db.store.writer().await.unwrap(),
                stored.id,
                knowledge::READY,
                None,
                4,
            )
            .await
            .unwrap();
            for doc in [&stuck, &stored] {
                handler.abandoned(&job(doc), "lost").await.unwrap();
            }
            let stuck = knowledge::find_document(c, stuck.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(stuck.status, knowledge::FAILED, "{}", db.name);
            assert!(stuck.error.unwrap().contains("upload it again"));
            let stored = knowledge::find_document(c, stored.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (stored.status.as_str(), stored.chunk_count),
                (knowledge::READY, 4),
                "{}",
                db.name
            );
        }
    }

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
        let in_order = chunk_sections(
            &sections,
            ChunkConfig::default(),
            &parley_ai::tokenizer::count_tokens,
        );
        assert!(in_order.len() > 300);
        assert_eq!(chunk_document(&sections), in_order);
    }
}
