//! FAQs per bot, in the order the team sets.

use crate::entities::faq;
use crate::{StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub type Faq = faq::Model;

pub async fn create(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    question: &str,
    answer: &str,
    enabled: bool,
) -> StoreResult<Faq> {
    let last: Option<i32> = faq::Entity::find()
        .select_only()
        .column(faq::Column::Position)
        .filter(faq::Column::BotId.eq(bot_id))
        .order_by_desc(faq::Column::Position)
        .into_tuple()
        .one(c)
        .await?;
    let now = now_ms();
    Ok(faq::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        bot_id: Set(bot_id),
        question: Set(question.to_string()),
        answer: Set(answer.to_string()),
        position: Set(last.map_or(0, |p| p + 1)),
        enabled: Set(enabled),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(c)
    .await?)
}

/// The bot's FAQs in their display order; `only_enabled` for what visitors see.
pub async fn list(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    only_enabled: bool,
) -> StoreResult<Vec<Faq>> {
    let mut q = faq::Entity::find()
        .filter(faq::Column::WorkspaceId.eq(workspace_id))
        .filter(faq::Column::BotId.eq(bot_id));
    if only_enabled {
        q = q.filter(faq::Column::Enabled.eq(true));
    }
    Ok(q.order_by_asc(faq::Column::Position)
        .order_by_asc(faq::Column::Id)
        .all(c)
        .await?)
}

pub async fn get(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    id: Uuid,
) -> StoreResult<Faq> {
    faq::Entity::find_by_id(id)
        .filter(faq::Column::WorkspaceId.eq(workspace_id))
        .filter(faq::Column::BotId.eq(bot_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn update(
    c: &impl ConnectionTrait,
    existing: Faq,
    question: Option<String>,
    answer: Option<String>,
    enabled: Option<bool>,
) -> StoreResult<Faq> {
    let mut m: faq::ActiveModel = existing.into();
    if let Some(q) = question {
        m.question = Set(q);
    }
    if let Some(a) = answer {
        m.answer = Set(a);
    }
    if let Some(e) = enabled {
        m.enabled = Set(e);
    }
    m.updated_at = Set(now_ms());
    Ok(m.update(c).await?)
}

pub async fn delete(c: &impl ConnectionTrait, existing: Faq) -> StoreResult<()> {
    faq::Entity::delete_by_id(existing.id).exec(c).await?;
    Ok(())
}

/// Sets the display order: `ids` must be exactly the bot's FAQ ids, in the new order.
pub async fn reorder(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<bool> {
    let current = list(c, workspace_id, bot_id, false).await?;
    let mut known: Vec<Uuid> = current.iter().map(|f| f.id).collect();
    let mut given = ids.to_vec();
    known.sort();
    given.sort();
    if known != given {
        return Ok(false);
    }
    for (position, id) in ids.iter().enumerate() {
        faq::ActiveModel {
            id: Set(*id),
            position: Set(position as i32),
            ..Default::default()
        }
        .update(c)
        .await?;
    }
    Ok(true)
}
