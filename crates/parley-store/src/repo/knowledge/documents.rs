//! Uploaded documents: stored with their bytes, listed, their status moved along, deleted.

use super::index::delete_chunks;
use super::{Document, QUEUED};
use crate::entities::{document, document_source};
use crate::{StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub struct NewDocument<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: Vec<u8>,
    /// Where the document lives on the web, for citations to link to.
    pub source_url: Option<String>,
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
    let doc = Document {
        id,
        workspace_id,
        bot_id,
        name: new.name.to_string(),
        content_type: new.content_type.to_string(),
        size_bytes: new.content.len() as i64,
        sha256: new.sha256.to_string(),
        status: QUEUED.into(),
        error: None,
        chunk_count: 0,
        source_url: new.source_url,
        created_at: now,
        updated_at: now,
    };
    let mut row: document::ActiveModel = doc.clone().into();
    // Written only when given: tests of upgrades store documents in schemas from before
    // the column, and nothing needs it read back.
    if doc.source_url.is_none() {
        row.source_url = sea_orm::ActiveValue::NotSet;
    }
    document::Entity::insert(row)
        .exec_without_returning(c)
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

/// A document by id alone, for the ingestion worker (the job names it; no tenant context).
pub async fn find_document(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<Document>> {
    Ok(document::Entity::find_by_id(id).one(c).await?)
}

/// The web addresses of those of these documents that have one, by document id.
pub async fn source_urls(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, Option<String>)> = document::Entity::find()
        .select_only()
        .column(document::Column::Id)
        .column(document::Column::SourceUrl)
        .filter(document::Column::Id.is_in(ids.iter().copied()))
        .filter(document::Column::SourceUrl.is_not_null())
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, url)| url.map(|u| (id, u)))
        .collect())
}
