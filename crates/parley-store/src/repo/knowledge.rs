//! Documents and their chunks, with the full-text index kept in the same transaction.

pub use super::word_counts::WordCounts;
use crate::entities::{chunk, document, document_source};
use crate::postgres::copy_binary::BinaryRows;
use crate::sqlite::bm25::{self, idf};
use crate::{Db, StoreError, StoreResult, Tx, now_ms, raw};
use parley_domain::knowledge::lexemes::{Lexemer, MAX_COUNTED_LEXEME};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Value,
};
use std::collections::{BTreeMap, HashMap};
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
    delete_chunks(c, &doc).await?;
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

/// Rows per multi-row INSERT on SQLite (few round trips, well under its 32,766 bound
/// parameters) and per part of a `COPY` on PostgreSQL.
const INSERT_BATCH: usize = 500;

/// Replaces the document's chunks (and their full-text entries and term counts) with
/// `chunks`, in batches. On SQLite the full-text rows are written by two statements for the
/// whole document, each under `slot << 40 | chunk rowid` (see [`search`]); on PostgreSQL
/// each row carries its `tsvector`, made by [`Lexemer`], and all are loaded by binary `COPY`
/// (see [`replace_chunks_as_made`]).
pub async fn replace_chunks(tx: &Tx, doc: &Document, chunks: &[NewChunk<'_>]) -> StoreResult<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        let (sender, batches) = tokio::sync::mpsc::channel(1);
        let owned = chunks.iter().map(OwnedChunk::from).collect();
        sender
            .try_send(owned)
            .expect("an empty channel has room for one batch");
        drop(sender);
        return replace_chunks_as_made(tx, doc, batches).await.map(drop);
    }
    delete_chunks(tx, doc).await?;
    insert_sqlite_chunks(tx, doc, chunks).await
}

/// SQLite: inserts the chunks, then their full-text rows.
async fn insert_sqlite_chunks(tx: &Tx, doc: &Document, chunks: &[NewChunk<'_>]) -> StoreResult<()> {
    let backend = tx.get_database_backend();
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
            .exec_without_returning(tx)
            .await?;
    }
    if chunks.is_empty() {
        return Ok(());
    }
    let added = chunks.len() as i64;
    for (sql, values) in [
        (
            "INSERT INTO search_slots (bot_id) VALUES ($1) ON CONFLICT DO NOTHING",
            vec![doc.bot_id.into()],
        ),
        (
            "UPDATE search_slots SET chunks = chunks + $2, version = version + 1 WHERE bot_id = $1",
            vec![doc.bot_id.into(), added.into()],
        ),
        (
            "UPDATE chunks SET fts_rowid = \
                ((SELECT slot FROM search_slots WHERE bot_id = chunks.bot_id) << 40) | rowid \
             WHERE document_id = $1",
            vec![doc.id.into()],
        ),
        (
            "INSERT INTO chunks_fts (rowid, heading, body) \
             SELECT fts_rowid, heading, body FROM chunks WHERE document_id = $1",
            vec![doc.id.into()],
        ),
    ] {
        tx.execute_raw(raw(backend, sql, values)).await?;
    }
    Ok(())
}

/// A chunk to index, owned: what ingestion sends while it is still chunking the rest.
pub struct OwnedChunk {
    pub heading: String,
    pub body: String,
    pub token_count: i32,
    pub embedding: Option<Vec<u8>>,
}

impl From<&NewChunk<'_>> for OwnedChunk {
    fn from(c: &NewChunk<'_>) -> Self {
        Self {
            heading: c.heading.into(),
            body: c.body.into(),
            token_count: c.token_count,
            embedding: c.embedding.clone(),
        }
    }
}

/// PostgreSQL: [`replace_chunks`] with the chunks received from `batches` until it
/// closes, loaded as they arrive (so a document is chunked and loaded at once, on both
/// cores). Returns how many chunks were stored. SQLite, with one write lock, takes its
/// chunks whole through [`replace_chunks`] instead.
pub async fn replace_chunks_as_made(
    tx: &Tx,
    doc: &Document,
    batches: tokio::sync::mpsc::Receiver<Vec<OwnedChunk>>,
) -> StoreResult<usize> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Err(StoreError::Db(sea_orm::DbErr::Custom(
            "chunks are loaded as made only on PostgreSQL".into(),
        )));
    }
    delete_chunks(tx, doc).await?;
    let (stored, counts) = copy_with_lexemes(tx, doc, batches).await?;
    add_terms(tx, doc.bot_id, &counts, 1).await?;
    Ok(stored)
}

/// PostgreSQL: loads the chunks with a binary `COPY`, each with its `tsvector` (its
/// lexemes and the bot's token); returns how many there were and in how many of them each
/// countable lexeme occurs. Binary rows spare the server parsing `tsvector` literals and
/// planning multi-row inserts (a third of its work per chunk). The rows are made on a
/// thread of their own, a part at a time, while the server loads the parts before.
async fn copy_with_lexemes(
    tx: &Tx,
    doc: &Document,
    batches: tokio::sync::mpsc::Receiver<Vec<OwnedChunk>>,
) -> StoreResult<(usize, BTreeMap<String, i64>)> {
    let (sender, parts) = tokio::sync::mpsc::channel(2);
    let ids = [doc.workspace_id, doc.bot_id, doc.id];
    let making = tokio::task::spawn_blocking(move || copy_parts(ids, batches, &sender));
    let copied = tx
        .copy_in(
            "COPY chunks (workspace_id, bot_id, document_id, id, ordinal, heading, body, \
                token_count, embedding, search) FROM STDIN (FORMAT binary)",
            parts,
        )
        .await;
    // A failed COPY drops the receiver, which stops the maker at its next part.
    let made = making
        .await
        .map_err(|e| StoreError::Corrupt(format!("making COPY rows failed: {e}")))?;
    copied?;
    Ok(made)
}

/// Makes the binary `COPY` rows of the chunks of `ids` (workspace, bot, document) received
/// from `batches`, sends them a part at a time, and returns how many chunks there were and
/// the countable lexemes' chunk counts.
fn copy_parts(
    ids: [Uuid; 3],
    mut batches: tokio::sync::mpsc::Receiver<Vec<OwnedChunk>>,
    parts: &tokio::sync::mpsc::Sender<Vec<u8>>,
) -> (usize, BTreeMap<String, i64>) {
    let mut lexemer = Lexemer::default();
    // Chunks holding each countable lexeme, by its index in `lexemer`.
    let mut counts: Vec<i64> = Vec::new();
    let token = bot_token(ids[1]);
    let mut rows = BinaryRows::new(true);
    let mut ordinal: i32 = 0;
    let mut in_part = 0;
    while let Some(batch) = batches.blocking_recv() {
        for chunk in batch {
            let lexemes = lexemer.chunk(&chunk.heading, &chunk.body, &[&token]);
            for (id, lexeme) in lexemes.distinct() {
                if lexeme.len() <= MAX_COUNTED_LEXEME {
                    let id = id as usize;
                    if id >= counts.len() {
                        counts.resize(id + 1, 0);
                    }
                    counts[id] += 1;
                }
            }
            rows.row(10);
            for id in [ids[0], ids[1], ids[2], Uuid::now_v7()] {
                rows.bytes(id.as_bytes());
            }
            rows.bytes(&ordinal.to_be_bytes());
            rows.bytes(chunk.heading.as_bytes());
            rows.bytes(chunk.body.as_bytes());
            rows.bytes(&chunk.token_count.to_be_bytes());
            match &chunk.embedding {
                Some(embedding) => rows.bytes(embedding),
                None => rows.null(),
            }
            rows.written(|out| lexemes.write_binary(out));
            ordinal += 1;
            in_part += 1;
            if in_part == INSERT_BATCH {
                let full = std::mem::replace(&mut rows, BinaryRows::new(false));
                if parts.blocking_send(full.finish(false)).is_err() {
                    return (0, BTreeMap::new()); // the COPY failed; its error is the one to report
                }
                in_part = 0;
            }
        }
    }
    let _ = parts.blocking_send(rows.finish(true));
    let counts = counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(id, &n)| (lexemer.lexeme_at(id as u32).to_string(), n))
        .collect();
    (ordinal as usize, counts)
}

/// Removes the document's chunks and their full-text entries (SQLite) or term counts
/// (PostgreSQL).
async fn delete_chunks(c: &impl ConnectionTrait, doc: &Document) -> StoreResult<()> {
    let backend = c.get_database_backend();
    match backend {
        DbBackend::Postgres => {
            // Each distinct lexeme of a row's `tsvector` is one chunk holding it.
            let sql = "SELECT lexeme, count(*) AS n \
                       FROM chunks, unnest(tsvector_to_array(search)) lexeme \
                       WHERE document_id = $1 AND lexeme <> $2 AND octet_length(lexeme) <= $3 \
                       GROUP BY lexeme";
            let values = vec![
                doc.id.into(),
                bot_token(doc.bot_id).into(),
                (MAX_COUNTED_LEXEME as i32).into(),
            ];
            let mut counts = BTreeMap::new();
            for row in c.query_all_raw(raw(backend, sql, values)).await? {
                counts.insert(row.try_get::<String>("", "lexeme")?, row.try_get("", "n")?);
            }
            if !counts.is_empty() {
                add_terms(c, doc.bot_id, &counts, -1).await?;
                let sql = "DELETE FROM search_terms WHERE bot_id = $1 AND chunks <= 0";
                c.execute_raw(raw(backend, sql, vec![doc.bot_id.into()]))
                    .await?;
            }
        }
        _ => {
            for (sql, values) in [
                (
                    "DELETE FROM chunks_fts WHERE rowid IN \
                        (SELECT fts_rowid FROM chunks WHERE document_id = $1)",
                    vec![doc.id.into()],
                ),
                (
                    "UPDATE search_slots SET chunks = chunks - \
                        (SELECT count(*) FROM chunks WHERE document_id = $1), \
                        version = version + 1 WHERE bot_id = $2",
                    vec![doc.id.into(), doc.bot_id.into()],
                ),
            ] {
                c.execute_raw(raw(backend, sql, values)).await?;
            }
        }
    }
    chunk::Entity::delete_many()
        .filter(chunk::Column::DocumentId.eq(doc.id))
        .exec(c)
        .await?;
    Ok(())
}

/// SQLite: removes a deleted bot's full-text rows (its whole rowid slot), its search slot
/// and the chunk lengths held for it; nothing to do on PostgreSQL, where the `tsvector`s
/// are the chunks' own and the term counts go by foreign key.
pub(crate) async fn delete_search_slot(c: &impl ConnectionTrait, bot_id: Uuid) -> StoreResult<()> {
    if c.get_database_backend() == DbBackend::Postgres {
        return Ok(());
    }
    for sql in [
        "DELETE FROM chunks_fts WHERE rowid \
            BETWEEN (SELECT slot << 40 FROM search_slots WHERE bot_id = $1) \
                AND (SELECT (slot << 40) + 1099511627775 FROM search_slots WHERE bot_id = $1)",
        "DELETE FROM search_slots WHERE bot_id = $1",
    ] {
        c.execute_raw(raw(DbBackend::Sqlite, sql, vec![bot_id.into()]))
            .await?;
    }
    bm25::forget_lengths(bm25::bot_key(bot_id));
    Ok(())
}

/// Longest term kept in `search_terms`.
pub const MAX_TERM_LEN: u32 = MAX_COUNTED_LEXEME as u32;

/// Adds `sign * counts` to the bot's term counts. Terms go in sorted order, so two
/// transactions updating the same bot on PostgreSQL take row locks in the same order.
async fn add_terms(
    c: &impl ConnectionTrait,
    bot_id: Uuid,
    counts: &BTreeMap<String, i64>,
    sign: i64,
) -> StoreResult<()> {
    let backend = c.get_database_backend();
    let entries: Vec<_> = counts.iter().collect();
    for batch in entries.chunks(INSERT_BATCH) {
        let mut sql = String::from("INSERT INTO search_terms (bot_id, term, chunks) VALUES ");
        let mut values: Vec<Value> = vec![bot_id.into()];
        for (i, (term, n)) in batch.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let at = values.len();
            sql.push_str(&format!("($1, ${}, ${})", at + 1, at + 2));
            values.push(term.as_str().into());
            values.push((sign * **n).into());
        }
        sql.push_str(
            " ON CONFLICT (bot_id, term) DO UPDATE SET chunks = search_terms.chunks + excluded.chunks",
        );
        c.execute_raw(raw(backend, &sql, values)).await?;
    }
    Ok(())
}

/// Recounts every bot's terms from its chunks' `tsvector`s (PostgreSQL; for the
/// migrations that changed what is counted).
pub async fn rebuild_search_terms(c: &impl ConnectionTrait) -> StoreResult<()> {
    let backend = c.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(());
    }
    c.execute_raw(raw(backend, "DELETE FROM search_terms", vec![]))
        .await?;
    let sql = "INSERT INTO search_terms (bot_id, term, chunks) \
               SELECT bot_id, lexeme, count(*) \
               FROM chunks, unnest(tsvector_to_array(search)) lexeme \
               WHERE lexeme <> 'b' || replace(bot_id::text, '-', '') AND octet_length(lexeme) <= $1 \
               GROUP BY bot_id, lexeme";
    let values = vec![(MAX_COUNTED_LEXEME as i32).into()];
    c.execute_raw(raw(backend, sql, values)).await?;
    Ok(())
}

/// Writes every chunk's `tsvector` with [`Lexemer`] (PostgreSQL; for the migration that
/// moved the making of lexemes out of the server), a batch of chunks per statement.
pub async fn write_lexemes(c: &impl ConnectionTrait) -> StoreResult<()> {
    let mut lexemer = Lexemer::default();
    let mut after = Uuid::nil();
    loop {
        let rows: Vec<(Uuid, Uuid, String, String)> = chunk::Entity::find()
            .select_only()
            .columns([
                chunk::Column::Id,
                chunk::Column::BotId,
                chunk::Column::Heading,
                chunk::Column::Body,
            ])
            .filter(chunk::Column::Id.gt(after))
            .order_by_asc(chunk::Column::Id)
            .limit(INSERT_BATCH as u64)
            .into_tuple()
            .all(c)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.0;
        let mut sql = String::from("UPDATE chunks SET search = v.search::tsvector FROM (VALUES ");
        let mut values: Vec<Value> = Vec::new();
        for (i, (id, bot_id, heading, body)) in rows.iter().enumerate() {
            let lexemes = lexemer.chunk(heading, body, &[&bot_token(*bot_id)]);
            sql.push_str(&format!(
                "{}(${}::uuid, ${})",
                if i == 0 { "" } else { "," },
                values.len() + 1,
                values.len() + 2
            ));
            values.extend([(*id).into(), lexemes.literal().into()]);
        }
        sql.push_str(") AS v(id, search) WHERE chunks.id = v.id");
        c.execute_raw(raw(DbBackend::Postgres, &sql, values))
            .await?;
    }
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

/// Full-text search over the bot's chunks for `words` (plain lower-case words, stemmed by
/// FTS5 on SQLite and made into [`Lexemer`]'s lexemes on PostgreSQL), best first. BM25 on
/// SQLite, `ts_rank` on PostgreSQL (term frequency with the heading weighted above the
/// body; `ts_rank_cd`, which also weighs how close the words are, cost a third of the search
/// time for little gain on passages).
///
/// The cost is bounded whatever the size of the index:
/// - common words are left out of the question first ([`selective_words`]): ranking
///   their matches would dominate the cost while telling little about which chunk answers.
///   On SQLite each word's count is counted once per version of the bot's chunks and then
///   `remembered` (see [`WordCounts`]; PostgreSQL keeps its counts in `search_terms`);
/// - chunks holding every remaining word are looked for first: they are the best answers,
///   and few. Only when they do not fill `limit` are chunks with any of the words added
///   (after them);
/// - each query ranks at most [`RANKED_CANDIDATES`] matches. When more chunks match, the
///   ranking is over the first ones found, which only happens for questions made of words
///   that are each in hundreds of chunks.
pub async fn search(
    c: &Db,
    remembered: &WordCounts,
    workspace_id: Uuid,
    bot_id: Uuid,
    words: &[String],
    limit: u64,
) -> StoreResult<Vec<ChunkHit>> {
    let words: Vec<String> = words
        .iter()
        .filter(|w| w.chars().all(char::is_alphanumeric) && !w.is_empty())
        .cloned()
        .collect();
    let words = match c.get_database_backend() {
        DbBackend::Postgres => postgres_lexemes(&words),
        _ => words,
    };
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let words = selective_words(c, remembered, bot_id, words.iter().collect()).await?;
    let mut hits = ranked(c, workspace_id, bot_id, &words, Match::All, limit).await?;
    if words.words.len() > 1 && (hits.len() as u64) < limit {
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

/// PostgreSQL: the distinct lexemes of the question's words (none for a stop word), which
/// is what its chunks' `tsvector`s hold.
fn postgres_lexemes(words: &[String]) -> Vec<String> {
    let mut lexemer = Lexemer::default();
    let mut lexemes: Vec<String> = Vec::new();
    for word in words {
        if let Some(lexeme) = lexemer.lexeme(word)
            && !lexemes.iter().any(|l| l == lexeme)
        {
            lexemes.push(lexeme.to_string());
        }
    }
    lexemes
}

/// The most matches one full-text query ranks.
pub const RANKED_CANDIDATES: i64 = 500;

/// The lexeme every chunk of the bot carries in its PostgreSQL `tsvector` (the migration's
/// generated column writes the same): `b` and the id's hex digits.
pub fn bot_token(bot_id: Uuid) -> String {
    format!("b{}", bot_id.simple())
}

#[derive(Clone, Copy, PartialEq)]
enum Match {
    All,
    Any,
}

/// One ranked full-text query over the bot's chunks: the best `limit` of (at most)
/// [`RANKED_CANDIDATES`] matches, then their rows.
async fn ranked(
    c: &Db,
    workspace_id: Uuid,
    bot_id: Uuid,
    selected: &Selected<'_>,
    how: Match,
    limit: u64,
) -> StoreResult<Vec<ChunkHit>> {
    let backend = c.get_database_backend();
    let words = &selected.words;
    let (sql, query) = match backend {
        DbBackend::Postgres => (
            // The bot's token ($5) narrows the matches inside the GIN index; the ranking is
            // by the question's lexemes alone. The candidates' LIMIT is written out: as a
            // parameter, the generic plan PostgreSQL settles on after a few runs guessed it
            // small and scanned the table instead of the index (12x slower at 10k chunks).
            // The queries are made once (`unnest`), not per candidate row.
            format!(
                "SELECT c.id, c.document_id, d.name AS document_name, c.heading, c.body, c.token_count, \
                        top.score \
                 FROM (SELECT id, score FROM \
                         (SELECT id, ts_rank(search, words)::float8 AS score \
                          FROM chunks, \
                               (SELECT words, $5::tsquery && words AS q \
                                FROM unnest(ARRAY[$1::tsquery]) words) query \
                          WHERE search @@ q LIMIT {RANKED_CANDIDATES}) m \
                       ORDER BY score DESC LIMIT $4) top \
                 JOIN chunks c ON c.id = top.id JOIN documents d ON d.id = c.document_id \
                 WHERE c.workspace_id = $2 AND c.bot_id = $3 \
                 ORDER BY top.score DESC, c.id"
            ),
            // Lexemes are letters and digits only: quoting needs no escapes.
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(if how == Match::All { " & " } else { " | " }),
        ),
        _ => (
            // BM25 with each word's rarity among the bot's own chunks (see `fts_rank`). The
            // rowid range is the bot's slot (see `replace_chunks`): FTS5 walks only this
            // bot's entries and stops after the first $5 matches.
            "SELECT c.id, c.document_id, d.name AS document_name, c.heading, c.body, c.token_count, \
                    top.score \
             FROM (SELECT r, score FROM \
                     (SELECT rowid AS r, parley_bm25(chunks_fts, $6, $7, 2.0, 1.0, {idfs}) AS score FROM chunks_fts \
                      WHERE chunks_fts MATCH $1 \
                        AND rowid BETWEEN (SELECT slot << 40 FROM search_slots WHERE bot_id = $3) \
                                      AND (SELECT (slot << 40) + 1099511627775 FROM search_slots WHERE bot_id = $3) \
                      LIMIT $5) \
                   ORDER BY score DESC LIMIT $4) top \
             CROSS JOIN chunks c ON c.fts_rowid = top.r JOIN documents d ON d.id = c.document_id \
             WHERE c.workspace_id = $2 AND c.bot_id = $3 \
             ORDER BY top.score DESC, c.id"
                // One IDF per word for `parley_bm25`, after the seven every query binds.
                .replace("{idfs}", &parameters(8, words.len())),
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
    let values = match backend {
        DbBackend::Postgres => [values, vec![bot_token(bot_id).into()]].concat(),
        _ => {
            let version = selected.version.unwrap_or(-1);
            hold_lengths(c, bot_id, version).await?;
            [
                values,
                vec![
                    RANKED_CANDIDATES.into(),
                    bm25::bot_key(bot_id).into(),
                    version.into(),
                ],
                selected.idfs.iter().map(|&idf| idf.into()).collect(),
            ]
            .concat()
        }
    };
    let rows = c.rows(&sql, values).await?;
    rows.iter()
        .map(|r| {
            Ok(ChunkHit {
                id: r.get("id")?,
                document_id: r.get("document_id")?,
                document_name: r.get("document_name")?,
                heading: r.get("heading")?,
                body: r.get("body")?,
                token_count: r.get("token_count")?,
                score: r.get("score")?,
            })
        })
        .collect()
}

/// SQLite: makes sure the lengths of the bot's FTS rows are held in memory at `version` for
/// `parley_bm25` (read once per version of the bot's chunks; every row carries the version
/// its statement saw).
async fn hold_lengths(c: &Db, bot_id: Uuid, version: i64) -> StoreResult<()> {
    /// One load at a time: searches arriving together wait for the first one's load.
    static LOADING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let key = bm25::bot_key(bot_id);
    if version < 0 || bm25::has_lengths(key, version) {
        return Ok(());
    }
    let _loading = LOADING.lock().await;
    if bm25::has_lengths(key, version) {
        return Ok(());
    }
    let sql = "SELECT s.version, d.id, d.sz FROM search_slots s, chunks_fts_docsize d \
               WHERE s.bot_id = $1 AND d.id BETWEEN s.slot << 40 AND (s.slot << 40) + 1099511627775";
    // Every row of the bot (100,000 at 100,000 chunks): through a reading connection's own
    // thread, not inline, so no async worker is held for the tens of milliseconds it takes.
    let rows = c
        .query_all_raw(raw(DbBackend::Sqlite, sql, vec![bot_id.into()]))
        .await?;
    let Some(read_at) = rows
        .first()
        .map(|r| r.try_get::<i64>("", "version"))
        .transpose()?
    else {
        return Ok(());
    };
    let lengths = rows
        .iter()
        .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "sz")?)))
        .collect::<StoreResult<Vec<(i64, Vec<u8>)>>>()?;
    bm25::remember_lengths(key, read_at, lengths);
    Ok(())
}

/// `$first, $first+1, …`: `count` numbered parameters for a list in hand-written SQL.
fn parameters(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A word in at least this many of the bot's chunks is "common": its matches alone would
/// fill the candidates a query ranks.
const COMMON_WORD_CHUNKS: i64 = RANKED_CANDIDATES;
/// The rarest words of a question are always kept, however common.
const KEEP_AT_LEAST: usize = 2;

/// The words of a question a search uses, rarest first.
struct Selected<'a> {
    words: Vec<&'a String>,
    /// SQLite: each word's rarity among the bot's chunks, for `parley_bm25` (empty on
    /// PostgreSQL, whose `ts_rank` needs none). Counts stop at [`COMMON_WORD_CHUNKS`], so
    /// common words kept because nothing rarer was asked weigh alike.
    idfs: Vec<f64>,
    /// SQLite: the version of the bot's chunks the counts were made at.
    version: Option<i64>,
}

/// Drops the common words of a question (like stop words, but learnt from the bot's own
/// chunks: BM25 would give them little weight anyway), keeping at least the rarest two.
async fn selective_words<'a>(
    c: &Db,
    remembered: &WordCounts,
    bot_id: Uuid,
    words: Vec<&'a String>,
) -> StoreResult<Selected<'a>> {
    let sqlite = c.get_database_backend() != DbBackend::Postgres;
    if !sqlite && words.len() <= KEEP_AT_LEAST {
        return Ok(Selected {
            words,
            idfs: Vec::new(),
            version: None,
        });
    }
    let (counts, total, version) = if sqlite {
        matching_chunks(c, remembered, bot_id, &words).await?
    } else {
        (counted_chunks(c, bot_id, &words).await?, 0, None)
    };
    let mut ranked: Vec<(i64, &String)> = counts.into_iter().zip(words).collect();
    ranked.sort_by_key(|(n, _)| *n);
    let kept: Vec<(i64, &String)> = ranked
        .into_iter()
        .enumerate()
        .filter(|(i, (n, _))| *i < KEEP_AT_LEAST || *n < COMMON_WORD_CHUNKS)
        .map(|(_, kept)| kept)
        .collect();
    let (counts, words): (Vec<i64>, _) = kept.into_iter().unzip();
    let idfs = if sqlite {
        counts
            .iter()
            .map(|&n| idf(total, n.max(0) as u64))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Selected {
        words,
        idfs,
        version,
    })
}

/// PostgreSQL: in how many of the bot's chunks each lexeme occurs, from the term counts
/// kept at ingestion (counting matches would visit a heap row per match).
async fn counted_chunks(c: &Db, bot_id: Uuid, lexemes: &[&String]) -> StoreResult<Vec<i64>> {
    let sql = format!(
        "SELECT term, chunks FROM search_terms WHERE bot_id = $1 AND term IN ({})",
        parameters(2, lexemes.len())
    );
    let mut values: Vec<Value> = vec![bot_id.into()];
    values.extend(lexemes.iter().map(|l| l.as_str().into()));
    let mut chunks: HashMap<String, i64> = HashMap::new();
    for row in c.rows(&sql, values).await? {
        chunks.insert(row.get("term")?, row.get("chunks")?);
    }
    Ok(lexemes
        .iter()
        .map(|l| chunks.get(l.as_str()).copied().unwrap_or(0))
        .collect())
}

/// SQLite: how many of the bot's chunks match each word (up to the threshold) and how many
/// chunks the bot has. Counts remembered at the bot's current version are reused; the rest
/// are counted by one query, which also reads the version (FTS5 reads only the bot's rowid
/// range, so each count is a short doclist walk).
async fn matching_chunks(
    c: &Db,
    remembered: &WordCounts,
    bot_id: Uuid,
    words: &[&String],
) -> StoreResult<(Vec<i64>, u64, Option<i64>)> {
    // Twice at most: when the version moved between the recall and the count, the recalled
    // counts are stale and are counted again at the new version.
    for _ in 0..2 {
        let recalled = remembered.recall(bot_id, words);
        let missing: Vec<&String> = words
            .iter()
            .zip(&recalled.counts)
            .filter(|(_, n)| n.is_none())
            .map(|(w, _)| *w)
            .collect();
        let Some((version, total, fresh)) = count_words(c, bot_id, &missing).await? else {
            return Ok((vec![0; words.len()], 0, None));
        };
        let counted: Vec<(&String, i64)> = missing.iter().copied().zip(fresh).collect();
        remembered.remember(bot_id, version, &counted);
        if missing.len() < words.len() && recalled.version != Some(version) {
            continue;
        }
        let mut fresh = counted.iter().map(|(_, n)| *n);
        let counts = recalled
            .counts
            .iter()
            .map(|n| n.or_else(|| fresh.next()).unwrap_or(0))
            .collect();
        return Ok((counts, total, Some(version)));
    }
    Ok(match count_words(c, bot_id, words).await? {
        Some((version, total, counts)) => (counts, total, Some(version)),
        None => (vec![0; words.len()], 0, None),
    })
}

/// The bot's search-slot version and chunk count, and each word's matches up to the
/// threshold, in one query; `None` when the bot has no slot (it never had chunks).
async fn count_words(
    c: &Db,
    bot_id: Uuid,
    words: &[&String],
) -> StoreResult<Option<(i64, u64, Vec<i64>)>> {
    let mut sql = String::from(
        "WITH s AS (SELECT slot << 40 AS lo, (slot << 40) + 1099511627775 AS hi, chunks, version \
                    FROM search_slots WHERE bot_id = $1) \
         SELECT (SELECT version FROM s) AS version, (SELECT chunks FROM s) AS total",
    );
    let mut values: Vec<Value> = vec![bot_id.into()];
    if !words.is_empty() {
        values.push(COMMON_WORD_CHUNKS.into());
    }
    for (i, w) in words.iter().enumerate() {
        sql.push(',');
        values.push(format!("\"{w}\"").into());
        sql.push_str(&format!(
            "(SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ${} \
               AND rowid BETWEEN (SELECT lo FROM s) AND (SELECT hi FROM s) LIMIT $2)) AS n{i}",
            values.len()
        ));
    }
    let Some(row) = c.rows(&sql, values).await?.into_iter().next() else {
        return Ok(None);
    };
    let Some(version) = row.get::<Option<i64>>("version")? else {
        return Ok(None);
    };
    let total: i64 = row.get("total")?;
    let counts = (0..words.len())
        .map(|i| row.get(&format!("n{i}")))
        .collect::<StoreResult<_>>()?;
    Ok(Some((version, total.max(0) as u64, counts)))
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
    let names: HashMap<Uuid, String> = document::Entity::find()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::{accounts, bots};
    use crate::testing::corpus::store_document;

    /// `parley_bm25` scores each row alike with the lengths held in memory and with FTS5's
    /// own (a length over 127 tokens takes two varint bytes, over 16,383 three).
    #[tokio::test]
    async fn held_lengths_score_as_fts5s_own() {
        let db = crate::testing::sqlite().await;
        let c = db.store.db();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let new = bots::NewBot {
            name: "B".into(),
            public_key: "pk_b".into(),
            identity_secret: "s".into(),
            allowed_origins: vec![],
            appearance: Default::default(),
            behaviour: Default::default(),
        };
        let bot = bots::create(c, ws.id, new).await.unwrap().id;
        let bodies: Vec<String> = [1, 40, 200, 20_000]
            .iter()
            .map(|&n| format!("lantern {}", "wick ".repeat(n)))
            .collect();
        let chunks: Vec<(&str, &str, i32)> =
            bodies.iter().map(|b| ("Lanterns", b.as_str(), 1)).collect();
        store_document(&db.store, ws.id, bot, "lanterns.md", &chunks).await;
        let found = search(
            c,
            &WordCounts::default(),
            ws.id,
            bot,
            &["lantern".into()],
            10,
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 4);
        let sql = "SELECT version FROM search_slots WHERE bot_id = $1";
        let row = c
            .query_one_raw(raw(DbBackend::Sqlite, sql, vec![bot.into()]))
            .await
            .unwrap()
            .unwrap();
        let version: i64 = row.try_get("", "version").unwrap();
        let key = bm25::bot_key(bot);
        assert!(bm25::has_lengths(key, version));
        let scores = |version: i64| async move {
            let sql = "SELECT parley_bm25(chunks_fts, $1, $2, 2.0, 1.0) AS s FROM chunks_fts \
                       WHERE chunks_fts MATCH 'lantern' ORDER BY rowid";
            let values = vec![key.into(), version.into()];
            c.query_all_raw(raw(DbBackend::Sqlite, sql, values))
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<f64>("", "s").unwrap())
                .collect::<Vec<_>>()
        };
        let (held, own) = (scores(version).await, scores(-1).await);
        assert_eq!(held, own);
        assert!(
            own.windows(2).all(|w| w[0] > w[1]),
            "longer rows score lower: {own:?}"
        );
    }
}
