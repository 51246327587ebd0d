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
        name: Set(None),
        company: Set(None),
        contact_email: Set(None),
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
        waiting_since: Set(None),
        assignee_id: Set(None),
        rating: Set(None),
        rating_comment: Set(None),
        sentiment_label: Set(None),
        lead_score: Set(0),
        lead_priority: Set("cold".into()),
        intents: Set(String::new()),
        fallbacks: Set(0),
        handoff_wait_ms: Set(None),
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
    /// Only those whose visitor asked for a person and has no agent's answer yet.
    pub waiting: bool,
    pub assignee: Option<AssigneeFilter>,
    /// `negative`, `neutral` or `positive`.
    pub sentiment_label: Option<String>,
    /// `hot`, `warm` or `cold`.
    pub lead_priority: Option<String>,
    pub intent: Option<String>,
    pub tag: Option<String>,
    pub sort: Sort,
    pub limit: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    User(Uuid),
    Nobody,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most recently active first.
    #[default]
    Recent,
    /// Longest waiting for a person first.
    Waiting,
    /// Highest lead score first.
    Lead,
}

/// A value for a `LIKE` pattern with its wildcards removed.
fn like_safe(text: &str) -> String {
    text.replace(['%', '_', '\\'], "")
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
    if f.waiting {
        q = q.filter(conversation::Column::WaitingSince.is_not_null());
    }
    match f.assignee {
        Some(AssigneeFilter::User(id)) => q = q.filter(conversation::Column::AssigneeId.eq(id)),
        Some(AssigneeFilter::Nobody) => q = q.filter(conversation::Column::AssigneeId.is_null()),
        None => {}
    }
    if let Some(label) = &f.sentiment_label {
        q = q.filter(conversation::Column::SentimentLabel.eq(label.as_str()));
    }
    if let Some(priority) = &f.lead_priority {
        q = q.filter(conversation::Column::LeadPriority.eq(priority.as_str()));
    }
    if let Some(intent) = &f.intent {
        q = q.filter(conversation::Column::Intents.like(format!("%,{},%", like_safe(intent))));
    }
    if let Some(tag) = &f.tag {
        // Tags are a JSON array of strings: the quoted tag is one element.
        let quoted = serde_json::to_string(&tag.to_lowercase()).unwrap_or_default();
        q = q.filter(
            Expr::expr(Expr::col(conversation::Column::Tags).cast_as("text"))
                .like(format!("%{}%", like_safe(&quoted))),
        );
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
    q = match f.sort {
        Sort::Recent => q,
        Sort::Waiting => q.order_by_asc(conversation::Column::WaitingSince),
        Sort::Lead => q.order_by_desc(conversation::Column::LeadScore),
    };
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
    /// that counts the message, with the columns the inbox filters on.
    pub conversation_insight: Option<(serde_json::Value, InsightColumns)>,
    /// The agent who wrote it.
    pub author_id: Option<Uuid>,
}

/// A conversation's insight as the inbox filters and sorts on it.
#[derive(Debug, Clone, Default)]
pub struct InsightColumns {
    pub sentiment_label: Option<String>,
    pub lead_score: i32,
    pub lead_priority: String,
    /// Intent names seen.
    pub intents: Vec<String>,
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
        author_id: Set(new.author_id),
        created_at: Set(now),
    };
    c.execute_later(message::Entity::insert(msg.clone()).build(backend))
        .await?;
    // Every column is given: the stored row is the one sent.
    let msg = msg.try_into_model()?;
    let mut update = conversation::Entity::update_many();
    // Lists show what was said, not notices ("The assistant is back.").
    if msg.role != "system" {
        let preview: String = msg.body.chars().take(140).collect();
        update = update.col_expr(conversation::Column::Preview, Expr::val(preview));
    }
    if let Some((insight, columns)) = new.conversation_insight {
        let intents = match columns.intents.is_empty() {
            true => String::new(),
            false => format!(",{},", columns.intents.join(",")),
        };
        update = update
            .col_expr(conversation::Column::Insight, Expr::val(insight))
            .col_expr(
                conversation::Column::SentimentLabel,
                Expr::val(columns.sentiment_label),
            )
            .col_expr(
                conversation::Column::LeadScore,
                Expr::val(columns.lead_score),
            )
            .col_expr(
                conversation::Column::LeadPriority,
                Expr::val(columns.lead_priority),
            )
            .col_expr(conversation::Column::Intents, Expr::val(intents));
    }
    let update = update
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

/// What [`update`] changes; each field when given.
#[derive(Debug, Default, Clone)]
pub struct Change {
    pub status: Option<&'static str>,
    pub human_handoff: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub waiting_since: Option<Option<i64>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub rating: Option<(i32, Option<String>)>,
    pub fallbacks: Option<i32>,
    pub handoff_wait_ms: Option<i64>,
}

pub async fn update(
    c: &impl ConnectionTrait,
    conv: Conversation,
    change: Change,
) -> StoreResult<Conversation> {
    let mut m: conversation::ActiveModel = conv.into();
    if let Some(s) = change.status {
        m.status = Set(s.to_string());
    }
    if let Some(h) = change.human_handoff {
        m.human_handoff = Set(h);
    }
    if let Some(t) = change.tags {
        m.tags = Set(to_json(&t));
    }
    if let Some(w) = change.waiting_since {
        m.waiting_since = Set(w);
    }
    if let Some(a) = change.assignee_id {
        m.assignee_id = Set(a);
    }
    if let Some((score, comment)) = change.rating {
        m.rating = Set(Some(score));
        m.rating_comment = Set(comment);
    }
    if let Some(f) = change.fallbacks {
        m.fallbacks = Set(f);
    }
    if let Some(w) = change.handoff_wait_ms {
        m.handoff_wait_ms = Set(Some(w));
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
        waiting_since: row.get("waiting_since")?,
        assignee_id: row.get("assignee_id")?,
        rating: row.get("rating")?,
        rating_comment: row.get("rating_comment")?,
        sentiment_label: row.get("sentiment_label")?,
        lead_score: row.get("lead_score")?,
        lead_priority: row.get("lead_priority")?,
        intents: row.get("intents")?,
        fallbacks: row.get("fallbacks")?,
        handoff_wait_ms: row.get("handoff_wait_ms")?,
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
        author_id: row.get("author_id")?,
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

/// Open conversations per inbox view, for the counts beside the views.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ViewCounts {
    pub all: u64,
    pub waiting: u64,
    pub mine: u64,
    pub unassigned: u64,
    pub negative: u64,
    pub hot: u64,
    pub warm: u64,
}

/// Counts the workspace's open conversations per view, in one scan.
pub async fn view_counts(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    bot_id: Option<Uuid>,
    me: Uuid,
) -> StoreResult<ViewCounts> {
    let sql = "SELECT count(*) AS all_open, \
                 count(waiting_since) AS waiting, \
                 sum(CASE WHEN assignee_id = $2 THEN 1 ELSE 0 END) AS mine, \
                 sum(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END) AS unassigned, \
                 sum(CASE WHEN sentiment_label = 'negative' THEN 1 ELSE 0 END) AS negative, \
                 sum(CASE WHEN lead_priority = 'hot' THEN 1 ELSE 0 END) AS hot, \
                 sum(CASE WHEN lead_priority = 'warm' THEN 1 ELSE 0 END) AS warm \
               FROM conversations WHERE workspace_id = $1 AND status = 'open' \
                 AND ($3 IS NULL OR bot_id = $3)";
    let row = c
        .query_one_raw(crate::raw(
            c.get_database_backend(),
            sql,
            vec![workspace_id.into(), me.into(), bot_id.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let get = |name: &str| -> StoreResult<u64> {
        let n: Option<i64> = row.try_get("", name)?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    };
    Ok(ViewCounts {
        all: get("all_open")?,
        waiting: get("waiting")?,
        mine: get("mine")?,
        unassigned: get("unassigned")?,
        negative: get("negative")?,
        hot: get("hot")?,
        warm: get("warm")?,
    })
}

/// Fills in what the visitor said about themselves (name, company, an email typed in chat)
/// where nothing is known yet: what they said first stays.
pub async fn learn_about_visitor(
    c: &impl ConnectionTrait,
    visitor_id: Uuid,
    name: Option<&str>,
    company: Option<&str>,
    contact_email: Option<&str>,
) -> StoreResult<()> {
    let fields = [
        (visitor::Column::Name, name),
        (visitor::Column::Company, company),
        (visitor::Column::ContactEmail, contact_email),
    ];
    for (column, value) in fields {
        let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        let value: String = value.chars().take(120).collect();
        visitor::Entity::update_many()
            .col_expr(column, Expr::val(value))
            .filter(visitor::Column::Id.eq(visitor_id))
            .filter(column.is_null())
            .exec(c)
            .await?;
    }
    Ok(())
}

/// How long the workspace's recent requests for a person waited for an agent's first reply,
/// on average (ms), over the last `n` answered ones; `None` before any.
pub async fn recent_handoff_wait(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    n: u64,
) -> StoreResult<Option<i64>> {
    let waits: Vec<Option<i64>> = conversation::Entity::find()
        .select_only()
        .column(conversation::Column::HandoffWaitMs)
        .filter(conversation::Column::WorkspaceId.eq(workspace_id))
        .filter(conversation::Column::HandoffWaitMs.is_not_null())
        .order_by_desc(conversation::Column::UpdatedAt)
        .limit(n)
        .into_tuple()
        .all(c)
        .await?;
    let waits: Vec<i64> = waits.into_iter().flatten().collect();
    Ok((!waits.is_empty()).then(|| waits.iter().sum::<i64>() / waits.len() as i64))
}

/// How many of the workspace's conversations wait for a person, excluding `except`.
pub async fn waiting_count(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    except: Uuid,
) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(conversation::Entity::find()
        .filter(conversation::Column::WorkspaceId.eq(workspace_id))
        .filter(conversation::Column::WaitingSince.is_not_null())
        .filter(conversation::Column::Id.ne(except))
        .count(c)
        .await?)
}

/// Open conversations assigned to the agent.
pub async fn open_assigned(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(conversation::Entity::find()
        .filter(conversation::Column::WorkspaceId.eq(workspace_id))
        .filter(conversation::Column::AssigneeId.eq(user_id))
        .filter(conversation::Column::Status.eq(OPEN))
        .count(c)
        .await?)
}
