//! Agents' presence, as their open dashboards report it, and the workspace's agents with it.

use crate::entities::presence;
use crate::{StoreResult, now_ms};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// A dashboard that has said nothing for this long (ms) is closed: its agent is offline.
pub const OFFLINE_AFTER_MS: i64 = 90_000;

/// Records that the agent's dashboard is open (`online`) or hidden (`away`).
pub async fn report(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    status: &str,
) -> StoreResult<()> {
    let row = presence::ActiveModel {
        workspace_id: Set(workspace_id),
        user_id: Set(user_id),
        status: Set(status.to_string()),
        seen_at: Set(now_ms()),
    };
    presence::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([presence::Column::WorkspaceId, presence::Column::UserId])
                .update_columns([presence::Column::Status, presence::Column::SeenAt])
                .to_owned(),
        )
        .exec(c)
        .await?;
    Ok(())
}

/// A member of the workspace with their presence.
#[derive(Debug, Clone)]
pub struct Agent {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    /// `online`, `away` or `offline`.
    pub presence: &'static str,
}

/// The workspace's active members (not deactivated ones), by name, with their presence.
pub async fn agents(c: &impl ConnectionTrait, workspace_id: Uuid) -> StoreResult<Vec<Agent>> {
    let sql = "SELECT users.id, users.name, users.email, memberships.role, \
                      presence.status, presence.seen_at \
               FROM memberships JOIN users ON users.id = memberships.user_id \
               LEFT JOIN presence ON presence.user_id = users.id \
                 AND presence.workspace_id = memberships.workspace_id \
               WHERE memberships.workspace_id = $1 AND memberships.deactivated_at IS NULL \
               ORDER BY users.name, users.id";
    let rows = c
        .query_all_raw(crate::raw(
            c.get_database_backend(),
            sql,
            vec![workspace_id.into()],
        ))
        .await?;
    let fresh_after = now_ms() - OFFLINE_AFTER_MS;
    rows.iter()
        .map(|row| {
            let status: Option<String> = row.try_get("", "status")?;
            let seen_at: Option<i64> = row.try_get("", "seen_at")?;
            let presence = match (status.as_deref(), seen_at) {
                (Some("online"), Some(at)) if at >= fresh_after => "online",
                (Some(_), Some(at)) if at >= fresh_after => "away",
                _ => "offline",
            };
            Ok(Agent {
                id: row.try_get("", "id")?,
                name: row.try_get("", "name")?,
                email: row.try_get("", "email")?,
                role: row.try_get("", "role")?,
                presence,
            })
        })
        .collect()
}
