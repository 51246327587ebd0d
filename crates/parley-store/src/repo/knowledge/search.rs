//! Full-text search over a bot's chunks: common words left out, chunks with every word
//! first, at most a bounded number of matches ranked.

use super::word_counts::WordCounts;
use crate::entities::{chunk, document};
use crate::sqlite::bm25::{self, idf};
use crate::{Db, StoreResult, raw};
use parley_domain::knowledge::lexemes::Lexemer;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Value,
};
use std::collections::HashMap;
use uuid::Uuid;

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
            load_row_lengths(c, bot_id, version).await?;
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

/// SQLite: makes sure the lengths of the bot's FTS rows are in memory at `version` for
/// `parley_bm25` (read once per version of the bot's chunks; every row carries the version
/// its statement saw).
async fn load_row_lengths(c: &Db, bot_id: Uuid, version: i64) -> StoreResult<()> {
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
