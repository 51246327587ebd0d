//! Chunk embeddings, read back for the vector cache.

use crate::StoreResult;
use crate::entities::chunk;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

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
