use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// UUIDv7: sorts by creation time, so it doubles as the dispatch order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub event_type: String,
    pub payload: Json,
    pub created_at: i64,
    pub dispatched_at: Option<i64>,
}

impl ActiveModelBehavior for ActiveModel {}
