//! The visitor's conversations: start or resume one, check one is theirs, list their history.

use super::identity::token_claims;
use crate::{EngineError, EngineResult};
use parley_store::Store;
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{
    self as convs, Conversation, ConversationFilter, Message, Visitor,
};
use parley_store::repo::outbox;
use serde_json::json;
use uuid::Uuid;

/// Resumes the visitor's conversation `id`, or starts a new one (writing
/// `conversation.started` in the same transaction).
pub async fn start(
    store: &Store,
    visitor: &Visitor,
    resume: Option<Uuid>,
) -> EngineResult<Conversation> {
    if let Some(id) = resume {
        return own_conversation(store, visitor, id).await;
    }
    let tx = store.begin().await?;
    let conv = convs::create_conversation(&tx, visitor).await?;
    outbox::append(
        &tx,
        conv.workspace_id,
        "conversation.started",
        json!({"conversation_id": conv.id, "bot_id": conv.bot_id, "visitor_id": visitor.id}),
    )
    .await?;
    tx.commit().await?;
    Ok(conv)
}

/// A conversation the widget asks about, checked in one read: the session token must name a
/// visitor of this bot (`Unauthenticated` otherwise) and the conversation must be theirs
/// (`NotFound` otherwise, as for anyone else's). Also returns how many conversations the
/// visitor has had, which scoring a message needs.
pub async fn visitor_conversation(
    store: &Store,
    key: &[u8],
    bot: &Bot,
    token: &str,
    id: Uuid,
) -> EngineResult<(Conversation, u64)> {
    let claims = token_claims(key, bot, token).ok_or(EngineError::Unauthenticated)?;
    match convs::visitor_conversation(store.db(), bot.id, claims.visitor_id, id).await? {
        None => Err(EngineError::Unauthenticated),
        Some((None, _)) => Err(EngineError::NotFound),
        Some((Some(conv), visits)) => Ok((conv, visits)),
    }
}

/// One of the visitor's own conversations; anyone else's is `NotFound`.
pub async fn own_conversation(
    store: &Store,
    visitor: &Visitor,
    id: Uuid,
) -> EngineResult<Conversation> {
    let conv = convs::get(store.db(), visitor.workspace_id, id).await?;
    if conv.visitor_id != visitor.id {
        return Err(EngineError::NotFound);
    }
    Ok(conv)
}

/// The visitor's past conversations, newest first, optionally filtered.
pub async fn history(
    store: &Store,
    visitor: &Visitor,
    text: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
) -> EngineResult<Vec<Conversation>> {
    let filter = ConversationFilter {
        visitor_id: Some(visitor.id),
        bot_id: Some(visitor.bot_id),
        text,
        from,
        to,
        limit: 100,
        ..Default::default()
    };
    Ok(convs::list(store.db(), visitor.workspace_id, &filter).await?)
}

pub async fn transcript(store: &Store, conv: &Conversation) -> EngineResult<Vec<Message>> {
    Ok(convs::messages(store.db(), conv.id).await?)
}

/// The names of the agents who wrote `messages`, by user id.
pub async fn authors(
    store: &Store,
    messages: &[Message],
) -> EngineResult<std::collections::HashMap<Uuid, String>> {
    let mut names = std::collections::HashMap::new();
    for id in messages.iter().filter_map(|m| m.author_id) {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
            match parley_store::repo::accounts::find_user(store.db(), id).await {
                Ok(user) => {
                    slot.insert(user.name);
                }
                // A removed agent's messages stay, without a name.
                Err(parley_store::StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(names)
}

/// The visitor rates their resolved conversation, 1 to 5 with an optional comment (a second
/// rating replaces the first), with `conversation.rated` for workflows and analytics.
pub async fn rate(
    ctx: &crate::services::Services,
    conv: &Conversation,
    score: i32,
    comment: Option<&str>,
) -> EngineResult<Conversation> {
    let mut errors = parley_domain::FieldErrors::new();
    errors.check((1..=5).contains(&score), "score", "must be 1 to 5");
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    errors.check(
        comment.is_none_or(|c| c.chars().count() <= 1000),
        "comment",
        "at most 1000 characters",
    );
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let tx = ctx.store.begin().await?;
    let fresh = convs::get(&tx, conv.workspace_id, conv.id).await?;
    if fresh.status != convs::RESOLVED {
        return Err(EngineError::Conflict(crate::Conflict::NotResolved));
    }
    let change = convs::Change {
        rating: Some((score, comment.map(str::to_string))),
        ..Default::default()
    };
    let rated = convs::update(&tx, fresh, change).await?;
    outbox::append(
        &tx,
        conv.workspace_id,
        "conversation.rated",
        json!({"conversation_id": conv.id, "bot_id": conv.bot_id, "score": score, "comment": comment}),
    )
    .await?;
    tx.commit().await?;
    crate::live::publish_conversation(&ctx.hub, &rated, false);
    Ok(rated)
}
