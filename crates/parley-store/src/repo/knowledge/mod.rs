//! Documents and their chunks, with the full-text index kept in the same transaction.

mod documents;
mod embeddings;
mod index;
mod search;
mod word_counts;

pub use documents::*;
pub use embeddings::*;
pub use index::*;
pub use search::*;
pub use word_counts::WordCounts;

use crate::StoreResult;
use crate::entities::{chunk, document};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

pub type Document = document::Model;
pub type Chunk = chunk::Model;

pub const QUEUED: &str = "queued";
pub const PROCESSING: &str = "processing";
pub const READY: &str = "ready";
pub const FAILED: &str = "failed";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw;
    use crate::repo::{accounts, bots};
    use crate::sqlite::bm25;
    use crate::testing::corpus::store_document;
    use sea_orm::DbBackend;

    /// `parley_bm25` scores each row alike with the row lengths cached in memory and with FTS5's
    /// own (a length over 127 tokens takes two varint bytes, over 16,383 three).
    #[tokio::test]
    async fn cached_row_lengths_score_as_fts5s_own() {
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
        let (cached, own) = (scores(version).await, scores(-1).await);
        assert_eq!(cached, own);
        assert!(
            own.windows(2).all(|w| w[0] > w[1]),
            "longer rows score lower: {own:?}"
        );
    }
}
