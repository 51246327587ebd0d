//! Dashboard sessions, kept in the database so any node accepts any session cookie.

use crate::entities::session;
use crate::{StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

pub type Session = session::Model;

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: Uuid,
    pub workspace_id: Uuid,
    pub csrf_token: &'a str,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn create(c: &impl ConnectionTrait, new: NewSession<'_>) -> StoreResult<Session> {
    let now = now_ms();
    let model = session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(new.token_hash.to_string()),
        user_id: Set(new.user_id),
        workspace_id: Set(new.workspace_id),
        csrf_token: Set(new.csrf_token.to_string()),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        last_seen_at: Set(now),
        ip: Set(new.ip),
        user_agent: Set(new.user_agent),
    };
    Ok(model.insert(c).await?)
}

/// The session with this cookie hash, if it has not expired at `now`.
pub async fn find_live(
    c: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> StoreResult<Option<Session>> {
    Ok(session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .filter(session::Column::ExpiresAt.gt(now))
        .one(c)
        .await?)
}

/// Slides the session's expiry forward (callers do this at most once a minute per session).
pub async fn touch(
    c: &impl ConnectionTrait,
    id: Uuid,
    now: i64,
    expires_at: i64,
) -> StoreResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::val(now))
        .col_expr(session::Column::ExpiresAt, Expr::val(expires_at))
        .filter(session::Column::Id.eq(id))
        .exec(c)
        .await?;
    Ok(())
}

pub async fn delete_by_hash(c: &impl ConnectionTrait, token_hash: &str) -> StoreResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash))
        .exec(c)
        .await?;
    Ok(())
}

/// Logs a user out everywhere (after a password reset).
pub async fn delete_for_user(c: &impl ConnectionTrait, user_id: Uuid) -> StoreResult<u64> {
    let r = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}

/// Removes sessions that expired before `now`.
pub async fn purge_expired(c: &impl ConnectionTrait, now: i64) -> StoreResult<u64> {
    let r = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(c)
        .await?;
    Ok(r.rows_affected)
}
