//! Documents and their chunks, with the full-text index kept in the same transaction.

use crate::entities::{chunk, document, document_source};
use crate::{StoreError, StoreResult, now_ms, raw};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Value,
};
use uuid::Uuid;

pub type Document = document::Model;
pub type Chunk = chunk::Model;

pub const QUEUED: &str = "queued";
pub const PROCESSING: &str = "processing";
pub const READY: &str = "ready";
pub const FAILED: &str = "failed";

pub struct NewDocument<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: Vec<u8>,
}

/// Stores an uploaded document (queued for ingestion) with its bytes.
pub async fn create_document(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    new: NewDocument<'_>,
) -> StoreResult<Document> {
    let now = now_ms();
    let id = Uuid::now_v7();
    let doc = document::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        bot_id: Set(bot_id),
        name: Set(new.name.to_string()),
        content_type: Set(new.content_type.to_string()),
        size_bytes: Set(new.content.len() as i64),
        sha256: Set(new.sha256.to_string()),
        status: Set(QUEUED.into()),
        error: Set(None),
        chunk_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?;
    document_source::ActiveModel {
        document_id: Set(id),
        content: Set(new.content),
    }
    .insert(c)
    .await?;
    Ok(doc)
}

/// The bot's documents, newest first.
pub async fn list_documents(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
) -> StoreResult<Vec<Document>> {
    Ok(document::Entity::find()
        .filter(document::Column::WorkspaceId.eq(workspace_id))
        .filter(document::Column::BotId.eq(bot_id))
        .order_by_desc(document::Column::CreatedAt)
        .all(c)
        .await?)
}

pub async fn get_document(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<Document> {
    document::Entity::find_by_id(id)
        .filter(document::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Another document of the bot with this name (an upload of the same name replaces it).
pub async fn find_by_name(
    c: &impl ConnectionTrait,
    bot_id: Uuid,
    name: &str,
) -> StoreResult<Vec<Document>> {
    Ok(document::Entity::find()
        .filter(document::Column::BotId.eq(bot_id))
        .filter(document::Column::Name.eq(name))
        .all(c)
        .await?)
}

pub async fn set_status(
    c: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    error: Option<String>,
    chunk_count: i32,
) -> StoreResult<()> {
    document::ActiveModel {
        id: Set(id),
        status: Set(status.to_string()),
        error: Set(error),
        chunk_count: Set(chunk_count),
        updated_at: Set(now_ms()),
        ..Default::default()
    }
    .update(c)
    .await?;
    Ok(())
}

/// The uploaded bytes, until ingestion deletes them.
pub async fn source(c: &impl ConnectionTrait, document_id: Uuid) -> StoreResult<Option<Vec<u8>>> {
    Ok(document_source::Entity::find_by_id(document_id)
        .one(c)
        .await?
        .map(|s| s.content))
}

pub async fn delete_source(c: &impl ConnectionTrait, document_id: Uuid) -> StoreResult<()> {
    document_source::Entity::delete_by_id(document_id)
        .exec(c)
        .await?;
    Ok(())
}

/// Deletes a document with its chunks and their index entries.
pub async fn delete_document(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<()> {
    let doc = get_document(c, workspace_id, id).await?;
    delete_chunks(c, doc.id).await?;
    document::Entity::delete_by_id(doc.id).exec(c).await?;
    Ok(())
}

/// A chunk to index.
pub struct NewChunk<'a> {
    pub heading: &'a str,
    pub body: &'a str,
    pub token_count: i32,
    pub embedding: Option<Vec<u8>>,
}

/// Rows per multi-row INSERT: few round trips, well under SQLite's 32,766 bound parameters.
const INSERT_BATCH: usize = 500;

/// Replaces the document's chunks (and their full-text entries) with `chunks`, in batches.
/// On SQLite the full-text rows are written by two statements for the whole document, using
/// each chunk's own rowid as its FTS rowid.
pub async fn replace_chunks(
    c: &impl ConnectionTrait,
    doc: &Document,
    chunks: &[NewChunk<'_>],
) -> StoreResult<()> {
    delete_chunks(c, doc.id).await?;
    for (n, batch) in chunks.chunks(INSERT_BATCH).enumerate() {
        let rows = batch.iter().enumerate().map(|(i, new)| chunk::ActiveModel {
            id: Set(Uuid::now_v7()),
            workspace_id: Set(doc.workspace_id),
            bot_id: Set(doc.bot_id),
            document_id: Set(doc.id),
            ordinal: Set((n * INSERT_BATCH + i) as i32),
            heading: Set(new.heading.to_string()),
            body: Set(new.body.to_string()),
            token_count: Set(new.token_count),
            embedding: Set(new.embedding.clone()),
            fts_rowid: Set(None),
        });
        chunk::Entity::insert_many(rows)
            .exec_without_returning(c)
            .await?;
    }
    let backend = c.get_database_backend();
    if backend == DbBackend::Sqlite && !chunks.is_empty() {
        for sql in [
            "UPDATE chunks SET fts_rowid = rowid WHERE document_id = $1",
            "INSERT INTO chunks_fts (rowid, heading, body) \
             SELECT rowid, heading, body FROM chunks WHERE document_id = $1",
        ] {
            c.execute_raw(raw(backend, sql, vec![doc.id.into()]))
                .await?;
        }
    }
    Ok(())
}

async fn delete_chunks(c: &impl ConnectionTrait, document_id: Uuid) -> StoreResult<()> {
    let backend = c.get_database_backend();
    if backend == DbBackend::Sqlite {
        let sql = "DELETE FROM chunks_fts WHERE rowid IN (SELECT fts_rowid FROM chunks WHERE document_id = $1)";
        c.execute_raw(raw(backend, sql, vec![document_id.into()]))
            .await?;
    }
    chunk::Entity::delete_many()
        .filter(chunk::Column::DocumentId.eq(document_id))
        .exec(c)
        .await?;
    Ok(())
}

/// A chunk found by full-text search, with its engine's relevance (higher is better).
#[derive(Debug, Clone)]
pub struct ChunkHit {
    pub id: Uuid,
    pub document_id: Uuid,
    pub document_name: String,
    pub heading: String,
    pub body: String,
    pub token_count: i32,
    pub score: f64,
}

/// Full-text search over the bot's chunks for `words` (plain lower-case words; each engine
/// stems them its own way), best first. BM25 on SQLite, `ts_rank_cd` on PostgreSQL.
///
/// Chunks holding every word are looked for first: they are the best answers, and ranking
/// them is cheap because they are few. Only when they do not fill `limit` are chunks with
/// any of the words ranked too (after them). Very common words are left out of a question
/// beforehand ([`selective_words`]).
pub async fn search(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    words: &[String],
    limit: u64,
) -> StoreResult<Vec<ChunkHit>> {
    let words: Vec<&String> = words
        .iter()
        .filter(|w| w.chars().all(char::is_alphanumeric) && !w.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let words = selective_words(c, words).await?;
    let mut hits = ranked(c, workspace_id, bot_id, &words, Match::All, limit).await?;
    if words.len() > 1 && (hits.len() as u64) < limit {
        for hit in ranked(c, workspace_id, bot_id, &words, Match::Any, limit).await? {
            if hits.len() as u64 == limit {
                break;
            }
            if !hits.iter().any(|h| h.id == hit.id) {
                hits.push(hit);
            }
        }
    }
    Ok(hits)
}

#[derive(Clone, Copy, PartialEq)]
enum Match {
    All,
    Any,
}

/// One ranked full-text query over the bot's chunks.
async fn ranked(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    words: &[&String],
    how: Match,
    limit: u64,
) -> StoreResult<Vec<ChunkHit>> {
    let backend = c.get_database_backend();
    let (sql, query) = match backend {
        DbBackend::Postgres => (
            "SELECT c.id, c.document_id, d.name AS document_name, c.heading, c.body, c.token_count, \
                    ts_rank_cd(c.search, q)::float8 AS score \
             FROM chunks c JOIN documents d ON d.id = c.document_id, to_tsquery('english', $1) q \
             WHERE c.workspace_id = $2 AND c.bot_id = $3 AND c.search @@ q \
             ORDER BY score DESC, c.id LIMIT $4",
            words
                .iter()
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(if how == Match::All { " & " } else { " | " }),
        ),
        _ => (
            // bm25() is lower-is-better; negate it so every backend sorts descending. CROSS
            // JOIN fixes SQLite's join order: the full-text match drives, once, instead of
            // being re-evaluated for every chunk of the bot.
            "SELECT c.id, c.document_id, d.name AS document_name, c.heading, c.body, c.token_count, \
                    -bm25(chunks_fts, 2.0, 1.0) AS score \
             FROM chunks_fts CROSS JOIN chunks c ON c.fts_rowid = chunks_fts.rowid \
                  JOIN documents d ON d.id = c.document_id \
             WHERE chunks_fts MATCH $1 AND c.workspace_id = $2 AND c.bot_id = $3 \
             ORDER BY score DESC, c.id LIMIT $4",
            words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(if how == Match::All { " AND " } else { " OR " }),
        ),
    };
    let values: Vec<Value> = vec![
        query.into(),
        workspace_id.into(),
        bot_id.into(),
        (limit as i64).into(),
    ];
    let rows = c.query_all_raw(raw(backend, sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok(ChunkHit {
                id: r.try_get("", "id")?,
                document_id: r.try_get("", "document_id")?,
                document_name: r.try_get("", "document_name")?,
                heading: r.try_get("", "heading")?,
                body: r.try_get("", "body")?,
                token_count: r.try_get("", "token_count")?,
                score: r.try_get("", "score")?,
            })
        })
        .collect()
}

/// A word in at least this many chunks is "common": it matches so much that ranking its
/// matches dominates the query's cost, while telling little about which chunk answers.
const COMMON_WORD_CHUNKS: i64 = 2000;
/// The rarest words of a question are always kept, however common.
const KEEP_AT_LEAST: usize = 2;

/// Drops the common words of a question (like stop words, but learnt from the index: BM25
/// would give them almost no weight anyway), keeping at least the rarest two. Each count
/// stops at the threshold, so the check costs little even on a large index.
async fn selective_words<'a>(
    c: &impl ConnectionTrait,
    words: Vec<&'a String>,
) -> StoreResult<Vec<&'a String>> {
    if words.len() <= KEEP_AT_LEAST {
        return Ok(words);
    }
    let backend = c.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT count(*) AS n FROM (SELECT 1 FROM chunks WHERE search @@ to_tsquery('english', $1) LIMIT $2) t"
        }
        _ => {
            "SELECT count(*) AS n FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH $1 LIMIT $2)"
        }
    };
    let mut counted = Vec::with_capacity(words.len());
    for w in words {
        let term = if backend == DbBackend::Postgres {
            w.to_string()
        } else {
            format!("\"{w}\"")
        };
        let row = c
            .query_one_raw(raw(
                backend,
                sql,
                vec![term.into(), COMMON_WORD_CHUNKS.into()],
            ))
            .await?;
        let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
        counted.push((n, w));
    }
    counted.sort_by_key(|(n, _)| *n);
    Ok(counted
        .into_iter()
        .enumerate()
        .filter(|(i, (n, _))| *i < KEEP_AT_LEAST || *n < COMMON_WORD_CHUNKS)
        .map(|(_, (_, w))| w)
        .collect())
}

/// A value that changes whenever the bot's chunks may have: its number of documents and
/// their latest change time (ingestion, re-upload and deletion all move one of them). A
/// cache of the vectors compares it instead of reloading them.
pub async fn knowledge_version(c: &impl ConnectionTrait, bot_id: Uuid) -> StoreResult<(i64, i64)> {
    let docs: Option<(i64, Option<i64>)> = document::Entity::find()
        .select_only()
        .column_as(document::Column::Id.count(), "n")
        .column_as(document::Column::UpdatedAt.max(), "latest")
        .filter(document::Column::BotId.eq(bot_id))
        .into_tuple()
        .one(c)
        .await?;
    let (n, latest) = docs.unwrap_or((0, None));
    Ok((n, latest.unwrap_or(0)))
}

/// Every embedded chunk of the bot: its id and stored vector.
pub async fn embeddings(
    c: &impl ConnectionTrait,
    bot_id: Uuid,
) -> StoreResult<Vec<(Uuid, Vec<u8>)>> {
    let rows: Vec<(Uuid, Option<Vec<u8>>)> = chunk::Entity::find()
        .select_only()
        .columns([chunk::Column::Id, chunk::Column::Embedding])
        .filter(chunk::Column::BotId.eq(bot_id))
        .filter(chunk::Column::Embedding.is_not_null())
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, e)| e.map(|e| (id, e)))
        .collect())
}

/// The bot's chunks with these ids, as search hits with a zero score (the caller ranks).
pub async fn chunks_by_ids(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<Vec<ChunkHit>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let chunks = chunk::Entity::find()
        .filter(chunk::Column::WorkspaceId.eq(workspace_id))
        .filter(chunk::Column::Id.is_in(ids.iter().copied()))
        .all(c)
        .await?;
    let doc_ids: Vec<Uuid> = chunks.iter().map(|ch| ch.document_id).collect();
    let names: std::collections::HashMap<Uuid, String> = document::Entity::find()
        .select_only()
        .columns([document::Column::Id, document::Column::Name])
        .filter(document::Column::Id.is_in(doc_ids))
        .into_tuple::<(Uuid, String)>()
        .all(c)
        .await?
        .into_iter()
        .collect();
    Ok(chunks
        .into_iter()
        .map(|ch| ChunkHit {
            document_name: names.get(&ch.document_id).cloned().unwrap_or_default(),
            id: ch.id,
            document_id: ch.document_id,
            heading: ch.heading,
            body: ch.body,
            token_count: ch.token_count,
            score: 0.0,
        })
        .collect())
}

/// Chunks and documents indexed for a bot, for progress and dashboards.
pub async fn counts(c: &impl ConnectionTrait, bot_id: Uuid) -> StoreResult<(u64, u64)> {
    use sea_orm::PaginatorTrait;
    let chunks = chunk::Entity::find()
        .filter(chunk::Column::BotId.eq(bot_id))
        .count(c)
        .await?;
    let docs = document::Entity::find()
        .filter(document::Column::BotId.eq(bot_id))
        .count(c)
        .await?;
    Ok((docs, chunks))
}

/// A document by id alone, for the ingestion worker (the job names it; no tenant context).
pub async fn find_document(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<Document>> {
    Ok(document::Entity::find_by_id(id).one(c).await?)
}
