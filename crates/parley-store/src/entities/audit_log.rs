use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub actor_token_id: Option<Uuid>,
    /// Dotted verb, e.g. `bot.created`, `token.revoked`, `auth.login_failed`.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub details: Json,
    pub ip: Option<String>,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
