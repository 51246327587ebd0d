//! The full-text index: a document's chunks replaced in batches with their FTS5 rows
//! (SQLite) or `tsvector`s and term counts (PostgreSQL), in the ingestion's transaction.

use super::{Document, bot_token};
use crate::entities::chunk;
use crate::postgres::copy_binary::BinaryRows;
use crate::sqlite::bm25;
use crate::{Store, StoreError, StoreResult, Tx, raw};
use parley_domain::knowledge::lexemes::{Lexemer, MAX_COUNTED_LEXEME};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Value,
};
use std::collections::BTreeMap;
use uuid::Uuid;

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
/// (see [`store_chunks_as_made`]).
pub async fn replace_chunks(tx: &Tx, doc: &Document, chunks: &[NewChunk<'_>]) -> StoreResult<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        let (sender, batches) = tokio::sync::mpsc::channel(1);
        let owned = chunks.iter().map(OwnedChunk::from).collect();
        sender
            .try_send(owned)
            .expect("an empty channel has room for one batch");
        drop(sender);
        return copy_chunks(tx, doc, batches).await.map(drop);
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

impl<'a> From<&'a OwnedChunk> for NewChunk<'a> {
    fn from(c: &'a OwnedChunk) -> Self {
        Self {
            heading: &c.heading,
            body: &c.body,
            token_count: c.token_count,
            embedding: c.embedding.clone(),
        }
    }
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

/// Stores the chunks received from `batches` until it closes as the document's chunks, in a
/// new transaction returned open with how many there were. PostgreSQL loads them as they
/// arrive, so a document is chunked and loaded at once on both cores. SQLite gathers them
/// all before it begins: its transaction holds the one write turn, which no one should wait
/// on while the rest is still being chunked.
pub async fn store_chunks_as_made(
    store: &Store,
    doc: &Document,
    mut batches: tokio::sync::mpsc::Receiver<Vec<OwnedChunk>>,
) -> StoreResult<(Tx, usize)> {
    if store.backend() != DbBackend::Postgres {
        let mut chunks = Vec::new();
        while let Some(batch) = batches.recv().await {
            chunks.extend(batch);
        }
        let rows: Vec<NewChunk> = chunks.iter().map(NewChunk::from).collect();
        let tx = store.begin().await?;
        replace_chunks(&tx, doc, &rows).await?;
        return Ok((tx, rows.len()));
    }
    let tx = store.begin().await?;
    let stored = copy_chunks(&tx, doc, batches).await?;
    Ok((tx, stored))
}

/// PostgreSQL: replaces the document's chunks with those received from `batches`, loaded
/// as they arrive; returns how many there were.
async fn copy_chunks(
    tx: &Tx,
    doc: &Document,
    batches: tokio::sync::mpsc::Receiver<Vec<OwnedChunk>>,
) -> StoreResult<usize> {
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
pub(super) async fn delete_chunks(c: &impl ConnectionTrait, doc: &Document) -> StoreResult<()> {
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
/// and the row lengths cached for it; nothing to do on PostgreSQL, where the `tsvector`s
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
