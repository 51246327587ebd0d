//! Workflows and their immutable versions. A workflow row holds what changes (name,
//! status, which version is current); each save of a changed graph adds a version row with
//! the graph and its compiled statechart, never edited afterwards.

use crate::entities::{workflow, workflow_version};
use crate::{StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

pub type Workflow = workflow::Model;
pub type WorkflowVersion = workflow_version::Model;

pub const DRAFT: &str = "draft";
pub const ACTIVE: &str = "active";
pub const PAUSED: &str = "paused";

pub struct NewWorkflow<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub signing_secret: &'a str,
}

/// A draft workflow without versions yet; [`add_version`] gives it its first.
pub async fn create(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    new: NewWorkflow<'_>,
) -> StoreResult<Workflow> {
    let now = now_ms();
    Ok(workflow::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        name: Set(new.name.to_string()),
        description: Set(new.description.to_string()),
        status: Set(DRAFT.into()),
        version: Set(0),
        current_version_id: Set(None),
        trigger_event: Set(String::new()),
        signing_secret: Set(new.signing_secret.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?)
}

/// Workflows whose signing secret is stored in the clear (it starts with `prefix`), with it.
pub async fn plaintext_signing_secrets(
    c: &impl ConnectionTrait,
    prefix: &str,
) -> StoreResult<Vec<(Uuid, String)>> {
    Ok(workflow::Entity::find()
        .filter(workflow::Column::SigningSecret.starts_with(prefix))
        .all(c)
        .await?
        .into_iter()
        .map(|w| (w.id, w.signing_secret))
        .collect())
}

/// Replaces a workflow's stored signing secret (with its sealed form).
pub async fn set_signing_secret(
    c: &impl ConnectionTrait,
    id: Uuid,
    stored: &str,
) -> StoreResult<()> {
    workflow::Entity::update_many()
        .col_expr(workflow::Column::SigningSecret, stored.into())
        .filter(workflow::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

/// A compiled graph to store as the next version.
pub struct NewVersion {
    pub graph: serde_json::Value,
    pub statechart: serde_json::Value,
    pub integrations: Vec<String>,
    pub trigger_event: String,
    pub created_by: Option<Uuid>,
}

/// Stores the next version and makes it current (the one that runs while active).
pub async fn add_version(
    c: &impl ConnectionTrait,
    workflow: Workflow,
    new: NewVersion,
) -> StoreResult<(Workflow, WorkflowVersion)> {
    let now = now_ms();
    let number = workflow.version + 1;
    let version = workflow_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        workflow_id: Set(workflow.id),
        workspace_id: Set(workflow.workspace_id),
        version: Set(number),
        graph: Set(new.graph),
        statechart: Set(new.statechart),
        integrations: Set(serde_json::json!(new.integrations)),
        created_by: Set(new.created_by),
        created_at: Set(now),
    }
    .insert(c)
    .await?;
    let mut m: workflow::ActiveModel = workflow.into();
    m.version = Set(number);
    m.current_version_id = Set(Some(version.id));
    m.trigger_event = Set(new.trigger_event);
    m.updated_at = Set(now);
    Ok((m.update(c).await?, version))
}

pub async fn get(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<Workflow> {
    workflow::Entity::find_by_id(id)
        .filter(workflow::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The workspace's workflows, newest first.
pub async fn list(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<Workflow>> {
    Ok(workflow::Entity::find()
        .filter(workflow::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(workflow::Column::Id)
        .all(c)
        .await?)
}

/// Changes name, description and status (each when given).
pub async fn update(
    c: &impl ConnectionTrait,
    workflow: Workflow,
    name: Option<&str>,
    description: Option<&str>,
    status: Option<&str>,
) -> StoreResult<Workflow> {
    let mut m: workflow::ActiveModel = workflow.into();
    if let Some(n) = name {
        m.name = Set(n.to_string());
    }
    if let Some(d) = description {
        m.description = Set(d.to_string());
    }
    if let Some(s) = status {
        m.status = Set(s.to_string());
    }
    m.updated_at = Set(now_ms());
    Ok(m.update(c).await?)
}

/// Deletes a workflow with its versions and executions.
pub async fn delete(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<()> {
    let deleted = workflow::Entity::delete_many()
        .filter(workflow::Column::Id.eq(id))
        .filter(workflow::Column::WorkspaceId.eq(workspace_id))
        .exec(c)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The workflow's versions, newest first.
pub async fn versions(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    workflow_id: Uuid,
) -> StoreResult<Vec<WorkflowVersion>> {
    Ok(workflow_version::Entity::find()
        .filter(workflow_version::Column::WorkflowId.eq(workflow_id))
        .filter(workflow_version::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(workflow_version::Column::Version)
        .all(c)
        .await?)
}

/// A version of this workspace by id.
pub async fn version(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<WorkflowVersion> {
    workflow_version::Entity::find_by_id(id)
        .filter(workflow_version::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Active workflows of these workspaces listening to one of `events`: dispatch candidates.
pub async fn active_for(
    c: &impl ConnectionTrait,
    workspace_ids: &[Uuid],
    events: &[String],
) -> StoreResult<Vec<Workflow>> {
    if workspace_ids.is_empty() || events.is_empty() {
        return Ok(Vec::new());
    }
    Ok(workflow::Entity::find()
        .filter(workflow::Column::WorkspaceId.is_in(workspace_ids.iter().copied()))
        .filter(workflow::Column::Status.eq(ACTIVE))
        .filter(workflow::Column::TriggerEvent.is_in(events.iter().cloned()))
        .filter(workflow::Column::CurrentVersionId.is_not_null())
        .all(c)
        .await?)
}
