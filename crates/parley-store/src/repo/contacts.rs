//! Contacts: visitors the team knows something about (an email, a name, or buying signals),
//! with what their conversations add up to.

use super::conversations::Conversation;
use crate::entities::conversation;
use crate::{StoreError, StoreResult};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Filters for [`list`]; all optional.
#[derive(Debug, Default, Clone)]
pub struct ContactFilter {
    /// In the email, name or company (case-insensitive).
    pub q: Option<String>,
    /// A lead stage any of their conversations has.
    pub stage: Option<String>,
    /// Their best lead score at least this, and below `below_score` when given.
    pub min_score: Option<i32>,
    pub below_score: Option<i32>,
    /// Last seen strictly before (paging), epoch ms.
    pub before: Option<i64>,
    pub limit: u64,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: Uuid,
    pub bot_id: Uuid,
    /// Proven by the host page, or else typed in chat.
    pub email: Option<String>,
    pub name: Option<String>,
    pub company: Option<String>,
    /// Their best conversation's lead score.
    pub lead_score: i32,
    pub conversations: i64,
    pub last_seen_at: i64,
}

const SELECT: &str = "SELECT v.id, v.bot_id, COALESCE(v.email, v.contact_email) AS email, \
       v.name, v.company, v.last_seen_at, \
       CAST(max(c.lead_score) AS BIGINT) AS lead_score, count(c.id) AS conversations \
     FROM visitors v JOIN conversations c ON c.visitor_id = v.id \
     WHERE v.workspace_id = $1";

/// Contacts of the workspace, most recently seen first.
pub async fn list(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    f: &ContactFilter,
) -> StoreResult<Vec<Contact>> {
    let mut sql = SELECT.to_string();
    let mut values: Vec<sea_orm::Value> = vec![workspace_id.into()];
    let param = |values: &mut Vec<sea_orm::Value>, v: sea_orm::Value| {
        values.push(v);
        format!("${}", values.len())
    };
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let p = param(
            &mut values,
            format!("%{}%", q.to_lowercase().replace(['%', '_', '\\'], "")).into(),
        );
        sql += &format!(
            " AND (lower(COALESCE(v.email, v.contact_email, '')) LIKE {p} \
               OR lower(COALESCE(v.name, '')) LIKE {p} OR lower(COALESCE(v.company, '')) LIKE {p})"
        );
    }
    if let Some(stage) = &f.stage {
        let p = param(&mut values, stage.clone().into());
        sql += &format!(
            " AND EXISTS (SELECT 1 FROM conversations s WHERE s.visitor_id = v.id AND s.lead_stage = {p})"
        );
    }
    if let Some(before) = f.before {
        let p = param(&mut values, before.into());
        sql += &format!(" AND v.last_seen_at < {p}");
    }
    sql += " GROUP BY v.id, v.bot_id, v.email, v.contact_email, v.name, v.company, v.last_seen_at \
             HAVING (v.email IS NOT NULL OR v.contact_email IS NOT NULL OR v.name IS NOT NULL \
                     OR max(c.lead_score) > 0)";
    if let Some(min) = f.min_score {
        let p = param(&mut values, min.into());
        sql += &format!(" AND max(c.lead_score) >= {p}");
    }
    if let Some(below) = f.below_score {
        let p = param(&mut values, below.into());
        sql += &format!(" AND max(c.lead_score) < {p}");
    }
    let limit = param(&mut values, (f.limit.clamp(1, 10_000) as i64).into());
    sql += &format!(" ORDER BY v.last_seen_at DESC, v.id LIMIT {limit}");
    let rows = c
        .query_all_raw(crate::raw(c.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(contact_of).collect()
}

/// A contact from a row of [`SELECT`].
fn contact_of(row: &sea_orm::QueryResult) -> StoreResult<Contact> {
    let score: Option<i64> = row.try_get("", "lead_score")?;
    Ok(Contact {
        id: row.try_get("", "id")?,
        bot_id: row.try_get("", "bot_id")?,
        email: row.try_get("", "email")?,
        name: row.try_get("", "name")?,
        company: row.try_get("", "company")?,
        lead_score: score.unwrap_or(0) as i32,
        conversations: row.try_get("", "conversations")?,
        last_seen_at: row.try_get("", "last_seen_at")?,
    })
}

/// One contact of the workspace.
pub async fn get(c: &impl ConnectionTrait, workspace_id: Uuid, id: Uuid) -> StoreResult<Contact> {
    let sql = format!(
        "{SELECT} AND v.id = $2 GROUP BY v.id, v.bot_id, v.email, v.contact_email, v.name, \
         v.company, v.last_seen_at"
    );
    let row = c
        .query_one_raw(crate::raw(
            c.get_database_backend(),
            &sql,
            vec![workspace_id.into(), id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    contact_of(&row)
}

/// The conversations of these visitors, newest first.
pub async fn conversations_of(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    visitor_ids: &[Uuid],
) -> StoreResult<Vec<Conversation>> {
    if visitor_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(conversation::Entity::find()
        .filter(conversation::Column::WorkspaceId.eq(workspace_id))
        .filter(conversation::Column::VisitorId.is_in(visitor_ids.iter().copied()))
        .order_by_desc(conversation::Column::LastMessageAt)
        .all(c)
        .await?)
}
