//! `parley_bm25`: SQLite full-text ranking with the bot's own word rarity.
//!
//! FTS5's built-in `bm25()` learns how rare each word is by walking the word's matches in the
//! whole index, on every query. The index holds every bot of every workspace, so that walk
//! grew with everyone's documents (at 100,000 chunks it was most of a search's time), and
//! other workspaces' texts moved a bot's ranking. `parley_bm25` is the same Okapi BM25 (k1 =
//! 1.2, b = 0.75, per-column weights), but the rarity (IDF) of each phrase comes from the
//! caller, who counts it within the bot's own chunks (see `repo::knowledge::search`):
//!
//! ```sql
//! parley_bm25(chunks_fts, bot_key, version, heading_weight, body_weight, idf_1, idf_2, ...)
//! ```
//!
//! Higher is better (unlike `bm25()`). A phrase without an IDF argument counts as 1.0.
//!
//! BM25 also needs each candidate's length in tokens. FTS5 reads it from its docsize table,
//! one lookup per candidate (40% of a ranked query at 100,000 chunks, as every write
//! elsewhere empties the connection's page cache). So each bot's lengths are kept in memory
//! ([`remember_lengths`]) under its search slot's version, which every change to its chunks
//! bumps in the same transaction; `bot_key` and `version` name the lengths to use, and a
//! row they do not hold (another version) is read from FTS5 as before.

use libsqlite3_sys as ffi;
use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::sync::{Arc, LazyLock, RwLock};
use uuid::Uuid;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Most columns and phrases scored; `chunks_fts` has 2 columns and questions at most 24 words.
const MAX_COLUMNS: usize = 8;
const MAX_PHRASES: usize = 64;

/// The rarity of a word found in `matching` of `total` chunks, as FTS5's `bm25()` computes
/// it (never below a small positive value, so a very common word still counts a little).
pub fn idf(total: u64, matching: u64) -> f64 {
    let (n, m) = (total as f64, matching.min(total) as f64);
    (((n - m + 0.5) / (m + 0.5)).ln()).max(1e-6)
}

/// One bot's FTS rows and their lengths in tokens, at one version of its chunks.
struct Lengths {
    version: i64,
    /// Ascending.
    rowids: Vec<i64>,
    tokens: Vec<u32>,
}

/// Every bot's lengths, by [`bot_key`]: the ranking function runs inside SQLite, with no
/// handle on the store but its arguments.
static LENGTHS: LazyLock<RwLock<HashMap<i64, Arc<Lengths>>>> = LazyLock::new(Default::default);

/// The key a bot's lengths are kept under: the random half of its id, so bots of different
/// databases in one process (tests) never share one.
pub fn bot_key(bot_id: Uuid) -> i64 {
    let bytes = bot_id.as_bytes();
    i64::from_le_bytes(bytes[8..16].try_into().expect("eight bytes"))
}

/// The bot's lengths, when cached at `version`.
fn cached_lengths(bot_key: i64, version: i64) -> Option<Arc<Lengths>> {
    let cached = LENGTHS.read().unwrap_or_else(|e| e.into_inner());
    cached
        .get(&bot_key)
        .filter(|l| l.version == version)
        .cloned()
}

/// Whether the bot's lengths are cached at `version`.
pub fn has_lengths(bot_key: i64, version: i64) -> bool {
    cached_lengths(bot_key, version).is_some()
}

/// Keeps the bot's rows (FTS rowid and `chunks_fts_docsize.sz`, one varint per column) as
/// read at `version`, in place of any other version.
pub fn remember_lengths(bot_key: i64, version: i64, rows: Vec<(i64, Vec<u8>)>) {
    let mut rows: Vec<(i64, u32)> = rows
        .into_iter()
        .map(|(rowid, sizes)| (rowid, total_tokens(&sizes)))
        .collect();
    rows.sort_unstable_by_key(|(rowid, _)| *rowid);
    let (rowids, tokens) = rows.into_iter().unzip();
    let mut cached = LENGTHS.write().unwrap_or_else(|e| e.into_inner());
    cached.insert(
        bot_key,
        Arc::new(Lengths {
            version,
            rowids,
            tokens,
        }),
    );
}

/// Drops the lengths cached for a deleted bot.
pub fn forget_lengths(bot_key: i64) {
    LENGTHS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&bot_key);
}

/// What one query's calls share, kept as FTS5 auxiliary data (dropped with the query): the
/// bot's lengths, looked up once rather than per row, where the last row was found in them,
/// and the average row length.
struct QueryState {
    lengths: Option<Arc<Lengths>>,
    /// FTS5 visits rows in rowid order, so the next row is searched for from here.
    at: usize,
    average: f64,
}

impl QueryState {
    /// The row's length, when cached.
    fn length(&mut self, rowid: i64) -> Option<u32> {
        let lengths = self.lengths.as_ref()?;
        let rowids = &lengths.rowids;
        let from = if rowids.get(self.at).is_some_and(|&r| r <= rowid) {
            self.at
        } else {
            0
        };
        // Rowids rise by at least one a row, so the row is at most `rowid - rowids[from]`
        // rows on, and exactly there where none are missing between (a bot's chunks are
        // numbered in a run): one probe, and a search only when it misses.
        let probe = rowids
            .get(from)
            .and_then(|&r| usize::try_from(rowid.checked_sub(r)?).ok())
            .and_then(|d| from.checked_add(d))
            .filter(|&at| rowids.get(at) == Some(&rowid));
        let at = probe.unwrap_or_else(|| gallop(rowids, from, rowid));
        self.at = at;
        // `get`: this runs inside SQLite, where a panic would abort the process.
        rowids
            .get(at)
            .filter(|&&r| r == rowid)
            .and_then(|_| lengths.tokens.get(at).copied())
    }
}

/// Where `rowid` is, or would be, in ascending `rowids`, searched for from `from`: steps
/// doubling, then a binary search of the last step (rows near each other are found in a
/// few compares).
fn gallop(rowids: &[i64], mut from: usize, rowid: i64) -> usize {
    let mut step = 1;
    while from + step < rowids.len() && rowids[from + step] < rowid {
        from += step;
        step *= 2;
    }
    let until = (from + step + 1).min(rowids.len());
    from + rowids[from..until].partition_point(|&r| r < rowid)
}

unsafe extern "C" fn drop_query_state(state: *mut c_void) {
    // SAFETY: FTS5 hands back the pointer `query_state` made, once.
    drop(unsafe { Box::from_raw(state.cast::<QueryState>()) });
}

/// The sum of a docsize record's per-column token counts (SQLite varints: seven bits a
/// byte, high bit set while more follow, a ninth byte counting all eight).
fn total_tokens(mut sizes: &[u8]) -> u32 {
    let mut total = 0u64;
    while !sizes.is_empty() {
        let mut value = 0u64;
        let mut used = 0;
        for (i, &byte) in sizes.iter().enumerate().take(9) {
            used = i + 1;
            if i == 8 {
                value = (value << 8) | byte as u64;
                break;
            }
            value = (value << 7) | (byte & 0x7f) as u64;
            if byte & 0x80 == 0 {
                break;
            }
        }
        total += value;
        sizes = &sizes[used..];
    }
    total.min(u32::MAX as u64) as u32
}

/// Registers `parley_bm25` on one SQLite connection (done for every pooled connection).
pub(crate) async fn register(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, held locked for the calls.
    let rc = unsafe { create_function(db) };
    if rc != ffi::SQLITE_OK {
        return Err(sqlx::Error::Protocol(format!(
            "could not register parley_bm25 (sqlite error {rc})"
        )));
    }
    Ok(())
}

/// Finds the connection's FTS5 API (`SELECT fts5(?1)` with a bound pointer, as the FTS5
/// documentation prescribes) and adds the function to it; returns SQLite's result code.
///
/// # Safety
/// `db` must be an open connection no other thread uses during the call.
pub(crate) unsafe fn create_function(db: *mut ffi::sqlite3) -> c_int {
    unsafe {
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            std::ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let mut api: *mut ffi::fts5_api = std::ptr::null_mut();
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        let rc = ffi::sqlite3_finalize(stmt);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let Some(create) = api.as_ref().and_then(|a| a.xCreateFunction) else {
            return ffi::SQLITE_ERROR;
        };
        create(
            api,
            c"parley_bm25".as_ptr(),
            std::ptr::null_mut(),
            Some(parley_bm25),
            None,
        )
    }
}

/// The auxiliary function FTS5 calls once per matching row.
unsafe extern "C" fn parley_bm25(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    n_val: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 passes a valid API table and context for the current row, and `n_val`
    // argument values.
    let score = unsafe {
        let args = std::slice::from_raw_parts(values, n_val.max(0) as usize);
        score(&*api, fts, args)
    };
    match score {
        Some(score) => unsafe { ffi::sqlite3_result_double(ctx, score) },
        None => unsafe {
            ffi::sqlite3_result_error(ctx, c"parley_bm25 could not read the row".as_ptr(), -1)
        },
    }
}

/// BM25 of the current row: `args` are the bot's key and version (for its lengths), the
/// column weights, then one IDF per phrase.
unsafe fn score(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    args: &[*mut ffi::sqlite3_value],
) -> Option<f64> {
    unsafe {
        let [key, version, args @ ..] = args else {
            return None;
        };
        let state = query_state(api, fts, *key, *version)?;
        let columns = (api.xColumnCount?(fts) as usize).min(MAX_COLUMNS);
        let phrases = (api.xPhraseCount?(fts) as usize).min(MAX_PHRASES);
        let arg = |i: usize| args.get(i).map(|v| ffi::sqlite3_value_double(*v));
        let mut frequency = [0f64; MAX_PHRASES];
        let mut instances: c_int = 0;
        ok(api.xInstCount?(fts, &mut instances))?;
        for i in 0..instances {
            let (mut phrase, mut column, mut offset) = (0, 0, 0);
            ok(api.xInst?(fts, i, &mut phrase, &mut column, &mut offset))?;
            let (phrase, column) = (phrase as usize, column as usize);
            if phrase < phrases && column < columns {
                frequency[phrase] += arg(column).unwrap_or(1.0);
            }
        }
        let rowid = api.xRowid?(fts);
        let row_tokens = match state.length(rowid) {
            Some(n) => n as f64,
            None => {
                let mut n: c_int = 0;
                ok(api.xColumnSize?(fts, -1, &mut n))?;
                n as f64
            }
        };
        let average = state.average;
        let norm = K1 * (1.0 - B + B * row_tokens / average.max(1.0));
        Some(
            frequency[..phrases]
                .iter()
                .enumerate()
                .map(|(p, &f)| arg(columns + p).unwrap_or(1.0) * f * (K1 + 1.0) / (f + norm))
                .sum(),
        )
    }
}

/// The query's shared state, made on its first row.
unsafe fn query_state<'a>(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    key: *mut ffi::sqlite3_value,
    version: *mut ffi::sqlite3_value,
) -> Option<&'a mut QueryState> {
    unsafe {
        let kept = api.xGetAuxdata?(fts, 0).cast::<QueryState>();
        if !kept.is_null() {
            return kept.as_mut();
        }
        let (mut rows, mut all_tokens) = (0i64, 0i64);
        ok(api.xRowCount?(fts, &mut rows))?;
        ok(api.xColumnTotalSize?(fts, -1, &mut all_tokens))?;
        let state = Box::into_raw(Box::new(QueryState {
            lengths: cached_lengths(
                ffi::sqlite3_value_int64(key),
                ffi::sqlite3_value_int64(version),
            ),
            at: 0,
            average: if rows > 0 {
                all_tokens as f64 / rows as f64
            } else {
                1.0
            },
        }));
        // On failure FTS5 has already called the destructor.
        ok(api.xSetAuxdata?(fts, state.cast(), Some(drop_query_state)))?;
        state.as_mut()
    }
}

fn ok(rc: c_int) -> Option<()> {
    (rc == ffi::SQLITE_OK).then_some(())
}

#[cfg(test)]
mod tests {
    use super::{Lengths, QueryState, idf, total_tokens};
    use std::sync::Arc;

    #[test]
    fn rows_are_found_in_any_order_and_missing_ones_are_not() {
        let rowids: Vec<i64> = (0..1000).map(|i| i * 3).collect();
        let tokens: Vec<u32> = (0..1000).collect();
        let mut state = QueryState {
            lengths: Some(Arc::new(Lengths {
                version: 1,
                rowids,
                tokens,
            })),
            at: 0,
            average: 1.0,
        };
        // Ascending (as FTS5 visits), with gaps small and large, then back and out of range.
        for i in [0, 1, 2, 7, 8, 400, 401, 999, 3, 0, 500] {
            assert_eq!(state.length(i as i64 * 3), Some(i), "row {}", i * 3);
        }
        for missing in [-1, 1, 3 * 999 + 1, 3 * 1000, 2] {
            assert_eq!(state.length(missing), None, "row {missing}");
        }
        assert_eq!(state.length(6), Some(2), "found again after misses");
        let mut empty = QueryState {
            lengths: None,
            at: 0,
            average: 1.0,
        };
        assert_eq!(empty.length(0), None);
    }

    /// A run of rowids with a gap: rows before and after the gap are found, by the probe
    /// or by the search.
    #[test]
    fn rows_of_a_run_with_gaps_are_found() {
        let rowids: Vec<i64> = (100..600).chain(900..1000).collect();
        let tokens: Vec<u32> = (0..rowids.len() as u32).collect();
        let mut state = QueryState {
            lengths: Some(Arc::new(Lengths {
                version: 1,
                rowids: rowids.clone(),
                tokens,
            })),
            at: 0,
            average: 1.0,
        };
        for (i, &rowid) in rowids.iter().enumerate().step_by(7) {
            assert_eq!(state.length(rowid), Some(i as u32), "row {rowid}");
        }
        for missing in [99, 600, 899, 1000] {
            assert_eq!(state.length(missing), None, "row {missing}");
        }
        assert_eq!(state.length(100), Some(0));
        assert_eq!(state.length(950), Some(550));
        let mut none_held = QueryState {
            lengths: Some(Arc::new(Lengths {
                version: 1,
                rowids: Vec::new(),
                tokens: Vec::new(),
            })),
            at: 0,
            average: 1.0,
        };
        assert_eq!(none_held.length(5), None);
    }

    #[test]
    fn a_docsize_record_sums_its_columns() {
        assert_eq!(total_tokens(&[]), 0);
        assert_eq!(total_tokens(&[5, 12]), 17);
        // 0x81 0x00 is 128: seven bits from each byte.
        assert_eq!(total_tokens(&[3, 0x81, 0x00]), 131);
        assert_eq!(total_tokens(&[0x82, 0x80, 0x01]), 2 * 16384 + 1);
    }

    #[test]
    fn rarer_words_weigh_more_and_none_weighs_nothing() {
        assert!(idf(1000, 1) > idf(1000, 10));
        assert!(idf(1000, 10) > idf(1000, 400));
        // A word in most chunks still counts a little, as in FTS5.
        assert_eq!(idf(1000, 900), 1e-6);
        assert_eq!(idf(10, 50), 1e-6);
    }
}
