use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub description: String,
    /// `draft`, `active` or `paused`; only active workflows start executions.
    pub status: String,
    /// Number of the latest version, which is the one that runs.
    pub version: i32,
    pub current_version_id: Option<Uuid>,
    /// The latest version's trigger event name (`intent.detected`, `external:x`).
    pub trigger_event: String,
    /// Signs this workflow's outgoing webhooks; never logged.
    pub signing_secret: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
