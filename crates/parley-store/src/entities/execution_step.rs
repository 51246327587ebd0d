use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "execution_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub execution_id: Uuid,
    pub workspace_id: Uuid,
    /// Visit number within the execution, from 1.
    pub seq: i32,
    pub node_id: String,
    /// `trigger`, `condition`, `split`, `action`, `delay`, `end`.
    pub node_type: String,
    /// The action kind, for action steps.
    pub action: Option<String>,
    /// `running`, `retrying`, `waiting`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub attempt: i32,
    /// The branch taken by a condition (`true`/`false`), split (branch id) or trigger filter.
    pub branch: Option<String>,
    pub input: Option<Json>,
    pub output: Option<Json>,
    pub error: Option<String>,
    /// Hex SHA-256 of (execution, node, visit): stable across crashes and retries.
    #[sea_orm(unique)]
    pub idempotency_key: String,
    /// When a waiting delay or a retry is due.
    pub run_after: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
