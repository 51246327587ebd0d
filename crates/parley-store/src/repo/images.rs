//! Images visitors upload, stored once per workspace by their SHA-256.

use crate::entities::image;
use crate::{StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// An image's metadata, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: Uuid,
    pub sha256: String,
    pub content_type: String,
    pub bytes: i64,
}

/// Stores `data` unless this workspace already has the same bytes, and returns the stored
/// image either way, also when another transaction stores the same bytes at the same moment
/// (on PostgreSQL the insert waits for it and then keeps its row). Call it inside the
/// transaction that references the image.
pub async fn put(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    sha256: &str,
    content_type: &str,
    data: Vec<u8>,
) -> StoreResult<ImageInfo> {
    if let Some(found) = find_by_hash(c, workspace_id, sha256).await? {
        return Ok(found);
    }
    let model = image::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        sha256: Set(sha256.to_string()),
        content_type: Set(content_type.to_string()),
        bytes: Set(data.len() as i64),
        data: Set(data),
        created_at: Set(now_ms()),
    };
    image::Entity::insert(model)
        .on_conflict_do_nothing_on([image::Column::WorkspaceId, image::Column::Sha256])
        .exec_without_returning(c)
        .await?;
    find_by_hash(c, workspace_id, sha256)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn find_by_hash(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    sha256: &str,
) -> StoreResult<Option<ImageInfo>> {
    let found: Option<(Uuid, String, String, i64)> = image::Entity::find()
        .select_only()
        .columns([
            image::Column::Id,
            image::Column::Sha256,
            image::Column::ContentType,
            image::Column::Bytes,
        ])
        .filter(image::Column::WorkspaceId.eq(workspace_id))
        .filter(image::Column::Sha256.eq(sha256))
        .into_tuple()
        .one(c)
        .await?;
    Ok(found.map(|(id, sha256, content_type, bytes)| ImageInfo {
        id,
        sha256,
        content_type,
        bytes,
    }))
}

/// The content type and bytes of an image; the caller has already checked access (a signed
/// URL names the image id).
pub async fn get(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<(String, Vec<u8>)> {
    image::Entity::find_by_id(id)
        .one(c)
        .await?
        .map(|m| (m.content_type, m.data))
        .ok_or(StoreError::NotFound)
}
