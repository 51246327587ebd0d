//! Visitors, their conversations, messages and agents' notes.

use super::{from_json, to_json};
use crate::entities::{conversation, message, note, visitor};
use crate::sqlite::inline::Row;
use crate::{Db, ExecuteLater, StoreError, StoreResult, now_ms};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, TryIntoModel,
    sea_query::{Expr, ExprTrait, Func},
};
use uuid::Uuid;

pub type Visitor = visitor::Model;
pub type Conversation = conversation::Model;
pub type Message = message::Model;
pub type Note = note::Model;

pub const OPEN: &str = "open";
pub const RESOLVED: &str = "resolved";

/// The visitor with this verified email for the bot, created on first sight.
pub async fn visitor_by_email(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    email: &str,
) -> StoreResult<Visitor> {
    let found = visitor::Entity::find()
        .filter(visitor::Column::BotId.eq(bot_id))
        .filter(visitor::Column::Email.eq(email))
        .one(c)
        .await?;
    match found {
        Some(v) => Ok(v),
        None => create_visitor(c, workspace_id, bot_id, Some(email)).await,
    }
}

pub async fn create_visitor(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Uuid,
    email: Option<&str>,
) -> StoreResult<Visitor> {
    let now = now_ms();
    Ok(visitor::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace_id),
        bot_id: Set(bot_id),
        email: Set(email.map(str::to_string)),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(c)
    .await?)
}

pub async fn get_visitor(c: &impl ConnectionTrait, bot_id: Uuid, id: Uuid) -> StoreResult<Visitor> {
    visitor::Entity::find_by_id(id)
        .filter(visitor::Column::BotId.eq(bot_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn create_conversation(
    c: &impl ConnectionTrait,
    visitor: &Visitor,
) -> StoreResult<Conversation> {
    let now = now_ms();
    Ok(conversation::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(visitor.workspace_id),
        bot_id: Set(visitor.bot_id),
        visitor_id: Set(visitor.id),
        status: Set(OPEN.into()),
        human_handoff: Set(false),
        preview: Set(String::new()),
        summary: Set(String::new()),
        summarized_count: Set(0),
        message_count: Set(0),
        tags: Set(to_json(&Vec::<String>::new())),
        insight: Set(None),
        lead_stage: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_message_at: Set(now),
    }
    .insert(c)
    .await?)
}

/// A conversation of this workspace (admin side).
pub async fn get(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<Conversation> {
    conversation::Entity::find_by_id(id)
        .filter(conversation::Column::WorkspaceId.eq(workspace_id))
        .one(c)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Filters for conversation lists; all optional.
#[derive(Debug, Default, Clone)]
pub struct ConversationFilter {
    pub bot_id: Option<Uuid>,
    pub visitor_id: Option<Uuid>,
    pub status: Option<String>,
    /// Matches the preview or any message's text (case-insensitive).
    pub text: Option<String>,
    /// Last message at or after / before, epoch ms.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only conversations whose last message is older than this (paging), epoch ms.
    pub before: Option<i64>,
    pub limit: u64,
}

/// Conversations of the workspace, most recently active first.
pub async fn list(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    f: &ConversationFilter,
) -> StoreResult<Vec<Conversation>> {
    let mut q =
        conversation::Entity::find().filter(conversation::Column::WorkspaceId.eq(workspace_id));
    if let Some(bot) = f.bot_id {
        q = q.filter(conversation::Column::BotId.eq(bot));
    }
    if let Some(visitor) = f.visitor_id {
        q = q.filter(conversation::Column::VisitorId.eq(visitor));
    }
    if let Some(status) = &f.status {
        q = q.filter(conversation::Column::Status.eq(status.as_str()));
    }
    if let Some(from) = f.from {
        q = q.filter(conversation::Column::LastMessageAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(conversation::Column::LastMessageAt.lte(to));
    }
    if let Some(before) = f.before {
        q = q.filter(conversation::Column::LastMessageAt.lt(before));
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
        let in_messages = message::Entity::find()
            .select_only()
            .column(message::Column::ConversationId)
            .filter(message::Column::WorkspaceId.eq(workspace_id))
            .filter(Expr::expr(Func::lower(Expr::col(message::Column::Body))).like(pattern.clone()))
            .into_query();
        q = q.filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(conversation::Column::Preview))).like(pattern),
                )
                .add(conversation::Column::Id.in_subquery(in_messages)),
        );
    }
    Ok(q.order_by_desc(conversation::Column::LastMessageAt)
        .limit(f.limit.clamp(1, 200))
        .all(c)
        .await?)
}

/// A message to append.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    pub role: String,
    pub body: String,
    pub citations: serde_json::Value,
    pub model: Option<String>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    pub latency_ms: Option<i32>,
    pub insight: Option<serde_json::Value>,
    pub attachments: Option<serde_json::Value>,
    pub client_id: Option<String>,
    /// The conversation's insight with this message folded in, saved in the same statement
    /// that counts the message.
    pub conversation_insight: Option<serde_json::Value>,
}

/// The visitor message sent under `client_id` in this conversation, and the first answer
/// stored after it, if any: what a retried send gets back instead of a second copy.
pub async fn find_sent(
    c: &impl ConnectionTrait,
    conversation_id: Uuid,
    client_id: &str,
) -> StoreResult<Option<(Message, Option<Message>)>> {
    let Some(sent) = message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation_id))
        .filter(message::Column::ClientId.eq(client_id))
        .one(c)
        .await?
    else {
        return Ok(None);
    };
    let reply = message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation_id))
        .filter(message::Column::Id.gt(sent.id))
        .filter(message::Column::Role.ne("visitor"))
        .order_by_asc(message::Column::Id)
        .one(c)
        .await?;
    Ok(Some((sent, reply)))
}

/// Appends a message and updates the conversation's preview, counters and activity time.
/// Inside a transaction both are written with its next statement or its commit (see
/// [`ExecuteLater`]), so a refused message (its `client_id` taken) may fail the commit.
pub async fn append_message(
    c: &impl ExecuteLater,
    conv: &Conversation,
    new: NewMessage,
) -> StoreResult<Message> {
    let now = now_ms();
    let backend = c.get_database_backend();
    let msg = message::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(conv.workspace_id),
        conversation_id: Set(conv.id),
        role: Set(new.role),
        body: Set(new.body),
        citations: Set(if serde_json::Value::is_null(&new.citations) {
            serde_json::json!([])
        } else {
            new.citations
        }),
        model: Set(new.model),
        prompt_tokens: Set(new.prompt_tokens),
        completion_tokens: Set(new.completion_tokens),
        latency_ms: Set(new.latency_ms),
        insight: Set(new.insight),
        attachments: Set(new.attachments),
        client_id: Set(new.client_id),
        created_at: Set(now),
    };
    c.execute_later(message::Entity::insert(msg.clone()).build(backend))
        .await?;
    // Every column is given: the stored row is the one sent.
    let msg = msg.try_into_model()?;
    let preview: String = msg.body.chars().take(140).collect();
    let mut update = conversation::Entity::update_many();
    if let Some(insight) = new.conversation_insight {
        update = update.col_expr(conversation::Column::Insight, Expr::val(insight));
    }
    let update = update
        .col_expr(conversation::Column::Preview, Expr::val(preview))
        .col_expr(
            conversation::Column::MessageCount,
            Expr::col(conversation::Column::MessageCount).add(1),
        )
        .col_expr(conversation::Column::LastMessageAt, Expr::val(now))
        .col_expr(conversation::Column::UpdatedAt, Expr::val(now))
        .filter(conversation::Column::Id.eq(conv.id))
        .build(backend);
    c.execute_later(update).await?;
    Ok(msg)
}

/// The conversation's messages, oldest first.
pub async fn messages(
    c: &impl ConnectionTrait,
    conversation_id: Uuid,
) -> StoreResult<Vec<Message>> {
    Ok(message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation_id))
        .order_by_asc(message::Column::Id)
        .all(c)
        .await?)
}

/// Messages `skip..skip+take` (oldest first): what the memory window folds into the summary.
pub async fn messages_range(
    c: &impl ConnectionTrait,
    conversation_id: Uuid,
    skip: u64,
    take: u64,
) -> StoreResult<Vec<Message>> {
    Ok(message::Entity::find()
        .filter(message::Column::ConversationId.eq(conversation_id))
        .order_by_asc(message::Column::Id)
        .offset(skip)
        .limit(take)
        .all(c)
        .await?)
}

/// The newest `n` messages, oldest first, as committed (a read on the chat's hot path, see
/// [`Db::rows`]).
pub async fn recent_messages(c: &Db, conversation_id: Uuid, n: u64) -> StoreResult<Vec<Message>> {
    let sql = "SELECT * FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2";
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let rows = c.rows(sql, vec![conversation_id.into(), n.into()]).await?;
    rows.iter().rev().map(message_of).collect()
}

pub async fn set_summary(
    c: &impl ConnectionTrait,
    id: Uuid,
    summary: &str,
    summarized_count: i32,
) -> StoreResult<()> {
    conversation::ActiveModel {
        id: Set(id),
        summary: Set(summary.to_string()),
        summarized_count: Set(summarized_count),
        ..Default::default()
    }
    .update(c)
    .await?;
    Ok(())
}

/// Changes status, handoff and tags (each when given).
pub async fn update(
    c: &impl ConnectionTrait,
    conv: Conversation,
    status: Option<&str>,
    human_handoff: Option<bool>,
    tags: Option<Vec<String>>,
) -> StoreResult<Conversation> {
    let mut m: conversation::ActiveModel = conv.into();
    if let Some(s) = status {
        m.status = Set(s.to_string());
    }
    if let Some(h) = human_handoff {
        m.human_handoff = Set(h);
    }
    if let Some(t) = tags {
        m.tags = Set(to_json(&t));
    }
    m.updated_at = Set(now_ms());
    Ok(m.update(c).await?)
}

pub fn tags(conv: &Conversation) -> StoreResult<Vec<String>> {
    from_json(&conv.tags, "conversation.tags")
}

pub async fn add_note(
    c: &impl ConnectionTrait,
    conv: &Conversation,
    author: Uuid,
    body: &str,
) -> StoreResult<Note> {
    Ok(note::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(conv.workspace_id),
        conversation_id: Set(conv.id),
        author_user_id: Set(author),
        body: Set(body.to_string()),
        created_at: Set(now_ms()),
    }
    .insert(c)
    .await?)
}

pub async fn notes(c: &impl ConnectionTrait, conversation_id: Uuid) -> StoreResult<Vec<Note>> {
    Ok(note::Entity::find()
        .filter(note::Column::ConversationId.eq(conversation_id))
        .order_by_asc(note::Column::Id)
        .all(c)
        .await?)
}

/// The workspace's visitors with these ids (for showing emails in lists).
pub async fn visitors(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<Vec<Visitor>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(visitor::Entity::find()
        .filter(visitor::Column::WorkspaceId.eq(workspace_id))
        .filter(visitor::Column::Id.is_in(ids.iter().copied()))
        .all(c)
        .await?)
}

/// Sets the lead stage a workflow gave the conversation.
pub async fn set_lead_stage(c: &impl ConnectionTrait, id: Uuid, stage: &str) -> StoreResult<()> {
    conversation::ActiveModel {
        id: Set(id),
        lead_stage: Set(Some(stage.to_string())),
        updated_at: Set(now_ms()),
        ..Default::default()
    }
    .update(c)
    .await?;
    Ok(())
}

/// What a widget request about one conversation checks, read in one query: whether the
/// visitor exists for the bot, conversation `id` when it is theirs, and how many
/// conversations the visitor has had (their visits, for lead engagement). `None` when the
/// bot has no such visitor; `Some((None, _))` when the conversation is not theirs. Reads what
/// is committed (on every widget request, so through [`Db::rows`]).
pub async fn visitor_conversation(
    c: &Db,
    bot_id: Uuid,
    visitor_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<(Option<Conversation>, u64)>> {
    let sql = "SELECT conversations.*, \
                      (SELECT count(*) FROM conversations mine WHERE mine.visitor_id = visitors.id) AS visits \
               FROM visitors LEFT JOIN conversations \
                 ON conversations.id = $3 AND conversations.visitor_id = visitors.id \
               WHERE visitors.id = $2 AND visitors.bot_id = $1";
    let rows = c
        .rows(sql, vec![bot_id.into(), visitor_id.into(), id.into()])
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let visits: i64 = row.get("visits")?;
    let conversation = match row.get::<Option<Uuid>>("id")? {
        Some(_) => Some(conversation_of(row)?),
        None => None,
    };
    Ok(Some((conversation, u64::try_from(visits).unwrap_or(0))))
}

/// A conversation from a hand-written read of `conversations.*`.
fn conversation_of(row: &Row) -> StoreResult<Conversation> {
    Ok(Conversation {
        id: row.get("id")?,
        workspace_id: row.get("workspace_id")?,
        bot_id: row.get("bot_id")?,
        visitor_id: row.get("visitor_id")?,
        status: row.get("status")?,
        human_handoff: row.get("human_handoff")?,
        preview: row.get("preview")?,
        summary: row.get("summary")?,
        summarized_count: row.get("summarized_count")?,
        message_count: row.get("message_count")?,
        tags: row.get("tags")?,
        insight: row.get("insight")?,
        lead_stage: row.get("lead_stage")?,
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
        last_message_at: row.get("last_message_at")?,
    })
}

/// A message from a hand-written read of `messages.*`.
fn message_of(row: &Row) -> StoreResult<Message> {
    Ok(Message {
        id: row.get("id")?,
        workspace_id: row.get("workspace_id")?,
        conversation_id: row.get("conversation_id")?,
        role: row.get("role")?,
        body: row.get("body")?,
        citations: row.get("citations")?,
        model: row.get("model")?,
        prompt_tokens: row.get("prompt_tokens")?,
        completion_tokens: row.get("completion_tokens")?,
        latency_ms: row.get("latency_ms")?,
        insight: row.get("insight")?,
        attachments: row.get("attachments")?,
        client_id: row.get("client_id")?,
        created_at: row.get("created_at")?,
    })
}

/// A conversation of this workspace with its visitor's email, in one query (workflow
/// contexts read this for every step).
pub async fn get_with_email(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<(Conversation, Option<String>)>> {
    use sea_orm::FromQueryResult;
    let sql = "SELECT conversations.*, visitors.email AS visitor_email FROM conversations \
               LEFT JOIN visitors ON visitors.id = conversations.visitor_id \
               WHERE conversations.id = $1 AND conversations.workspace_id = $2";
    let row = c
        .query_one_raw(crate::raw(
            c.get_database_backend(),
            sql,
            vec![id.into(), workspace_id.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let conversation = Conversation::from_query_result(&row, "")?;
    let email: Option<String> = row.try_get("", "visitor_email")?;
    Ok(Some((conversation, email)))
}

/// Conversations by id with their visitors' emails, in one query, whatever their workspace:
/// callers compare `workspace_id` with the workspace they act in.
pub async fn with_emails(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
) -> StoreResult<Vec<(Conversation, Option<String>)>> {
    use sea_orm::FromQueryResult;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT conversations.*, visitors.email AS visitor_email FROM conversations \
         LEFT JOIN visitors ON visitors.id = conversations.visitor_id \
         WHERE conversations.id IN ({})",
        placeholders.join(", ")
    );
    let values = ids.iter().map(|id| (*id).into()).collect();
    let rows = c
        .query_all_raw(crate::raw(c.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|row| {
            let conversation = Conversation::from_query_result(row, "")?;
            let email: Option<String> = row.try_get("", "visitor_email")?;
            Ok((conversation, email))
        })
        .collect()
}
