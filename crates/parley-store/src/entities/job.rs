use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Names the handler that runs it.
    pub kind: String,
    pub payload: Json,
    /// Higher runs first among jobs that are due.
    pub priority: i32,
    /// Not claimed before this time.
    pub run_at: i64,
    /// `queued`, `running`, `done` or `dead`.
    pub status: String,
    /// Claims so far, including the current one.
    pub attempts: i32,
    pub max_attempts: i32,
    /// Set by each claim; completing or failing requires it, so a worker whose lease
    /// expired cannot overwrite the outcome of the worker that took the job over.
    pub lease_token: Option<Uuid>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    /// Optional deduplication key: enqueuing the same key twice keeps one job.
    #[sea_orm(unique)]
    pub unique_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
