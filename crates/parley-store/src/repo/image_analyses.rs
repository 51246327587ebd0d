//! What Parley read from the images visitors send (`image_analyses`): queued in the upload's
//! transaction, finished by the `image.analyze` job, read beside messages and images.

use crate::entities::image_analysis::{self, ActiveModel, Column, Entity};
use crate::{StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

pub const QUEUED: &str = "queued";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";
/// This deployment cannot do the kind (no OCR installed, no vision model for `describe`).
pub const UNAVAILABLE: &str = "unavailable";

pub type ImageAnalysis = image_analysis::Model;

/// A queued analysis of one image.
#[derive(Debug, Clone)]
pub struct NewAnalysis {
    pub image_id: Uuid,
    pub conversation_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub kind: String,
    pub kind_source: String,
}

/// How an analysis ended.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    pub status: String,
    pub method: Option<String>,
    pub provider: Option<String>,
    pub result: Option<serde_json::Value>,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub normalize_ms: Option<i32>,
    pub analyze_ms: Option<i32>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
}

/// Writes a queued analysis; call it in the transaction that enqueues its job.
pub async fn queue(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    new: NewAnalysis,
) -> StoreResult<ImageAnalysis> {
    let model = ImageAnalysis {
        id: Uuid::now_v7(),
        workspace_id,
        image_id: new.image_id,
        conversation_id: new.conversation_id,
        message_id: new.message_id,
        kind: new.kind,
        kind_source: new.kind_source,
        status: QUEUED.to_string(),
        method: None,
        provider: None,
        result: None,
        summary: None,
        error: None,
        normalize_ms: None,
        analyze_ms: None,
        prompt_tokens: None,
        completion_tokens: None,
        created_at: now_ms(),
        finished_at: None,
        corrected_result: None,
        corrected_summary: None,
        corrected_by: None,
        corrected_by_name: None,
        corrected_at: None,
        correction_note: None,
    };
    let active: ActiveModel = model.clone().into();
    Entity::insert(active).exec_without_returning(c).await?;
    Ok(model)
}

/// One analysis of the workspace.
pub async fn get(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<ImageAnalysis> {
    Entity::find_by_id(id)
        .filter(Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Records how an analysis ended. Returns the row as stored.
pub async fn finish(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    f: Finished,
) -> StoreResult<ImageAnalysis> {
    let active = ActiveModel {
        id: Set(id),
        status: Set(f.status),
        method: Set(f.method),
        provider: Set(f.provider),
        result: Set(f.result),
        summary: Set(f.summary),
        error: Set(f.error),
        normalize_ms: Set(f.normalize_ms),
        analyze_ms: Set(f.analyze_ms),
        prompt_tokens: Set(f.prompt_tokens),
        completion_tokens: Set(f.completion_tokens),
        finished_at: Set(Some(now_ms())),
        ..Default::default()
    };
    update(c, workspace_id, id, active).await
}

/// The analyses of a conversation's images, oldest first (the views keep the newest per
/// image, so a re-run replaces what is shown).
pub async fn for_conversation(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    conversation_id: Uuid,
) -> StoreResult<Vec<ImageAnalysis>> {
    Ok(Entity::find()
        .filter(Column::WorkspaceId.eq(workspace_id))
        .filter(Column::ConversationId.eq(conversation_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(c)
        .await?)
}

/// The analyses of one image, newest first.
pub async fn for_image(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    image_id: Uuid,
) -> StoreResult<Vec<ImageAnalysis>> {
    Ok(Entity::find()
        .filter(Column::WorkspaceId.eq(workspace_id))
        .filter(Column::ImageId.eq(image_id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(c)
        .await?)
}

/// An agent's correction of a finished analysis.
#[derive(Debug, Clone)]
pub struct Correction {
    /// The corrected typed result, already validated by the caller.
    pub result: serde_json::Value,
    pub summary: String,
    pub by: Uuid,
    pub by_name: String,
    pub note: Option<String>,
}

/// Stores `correction` beside the analysis's original result (a later correction replaces
/// an earlier one; the audit log keeps each). Returns the row as stored.
pub async fn correct(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    correction: Correction,
) -> StoreResult<ImageAnalysis> {
    let active = ActiveModel {
        corrected_result: Set(Some(correction.result)),
        corrected_summary: Set(Some(correction.summary)),
        corrected_by: Set(Some(correction.by)),
        corrected_by_name: Set(Some(correction.by_name)),
        corrected_at: Set(Some(now_ms())),
        correction_note: Set(correction.note),
        ..Default::default()
    };
    update(c, workspace_id, id, active).await
}

/// Writes `active`'s set columns to the workspace's analysis `id` and reads it back.
async fn update(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
    active: ActiveModel,
) -> StoreResult<ImageAnalysis> {
    let updated = Entity::update_many()
        .set(active)
        .filter(Column::Id.eq(id))
        .filter(Column::WorkspaceId.eq(workspace_id))
        .exec(c)
        .await?;
    if updated.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    get(c, workspace_id, id).await
}
