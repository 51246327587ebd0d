//! Handing a conversation to a person: the conversation waits (the bot goes quiet), an
//! online agent may be assigned, agents are told live, and the visitor hears what really
//! happens next (see `parley_domain::chat::handoff`).

use crate::EngineResult;
use crate::business_hours::open_now;
use crate::services::Services;
use parley_domain::chat::handoff::{Availability, HandoffReason, next_steps};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{self as convs, Change, Conversation};
use parley_store::repo::{outbox, presence};
use parley_store::{ConnectionTrait, ExecuteLater, StoreResult, now_ms};
use serde_json::json;

/// Recent answered requests the expected wait is averaged over.
const WAITS_AVERAGED: u64 = 20;

/// Marks `conv` as waiting for a person (inside the caller's transaction), assigns it to an
/// online agent when the bot says so, and writes `handoff.requested`.
pub(crate) async fn begin(
    c: &impl ExecuteLater,
    bot: &Bot,
    conv: Conversation,
    reason: &HandoffReason,
) -> StoreResult<Conversation> {
    let assignee = match (bot.behaviour.auto_assign, conv.assignee_id) {
        (true, None) => next_agent(c, conv.workspace_id).await?,
        (_, current) => current,
    };
    let change = Change {
        human_handoff: Some(true),
        waiting_since: Some(Some(conv.waiting_since.unwrap_or_else(now_ms))),
        assignee_id: Some(assignee),
        ..Default::default()
    };
    let conv = convs::update(c, conv, change).await?;
    let detail = match reason {
        HandoffReason::Intent(name) => json!(name),
        _ => json!(null),
    };
    outbox::append(
        c,
        conv.workspace_id,
        "handoff.requested",
        json!({
            "conversation_id": conv.id, "bot_id": conv.bot_id, "reason": reason.code(),
            "intent": detail, "assignee_id": conv.assignee_id,
        }),
    )
    .await?;
    Ok(conv)
}

/// The online agent with the fewest open conversations assigned (ties by name): turns go
/// round the team as conversations close.
async fn next_agent(
    c: &impl ConnectionTrait,
    workspace_id: uuid::Uuid,
) -> StoreResult<Option<uuid::Uuid>> {
    least_loaded(c, workspace_id, true).await
}

/// The member (online ones only, when asked) with the fewest open conversations assigned,
/// ties by name.
pub(crate) async fn least_loaded(
    c: &impl ConnectionTrait,
    workspace_id: uuid::Uuid,
    online_only: bool,
) -> StoreResult<Option<uuid::Uuid>> {
    let agents: Vec<_> = presence::agents(c, workspace_id)
        .await?
        .into_iter()
        .filter(|a| !online_only || a.presence == "online")
        .collect();
    let mut best = None;
    for agent in agents {
        let load = convs::open_assigned(c, workspace_id, agent.id).await?;
        if best.is_none_or(|(_, l)| load < l) {
            best = Some((agent.id, load));
        }
    }
    Ok(best.map(|(id, _)| id))
}

/// What the visitor is told after asking for a person.
pub(crate) async fn tell_visitor(
    ctx: &Services,
    bot: &Bot,
    conv: &Conversation,
) -> EngineResult<String> {
    let visitor = convs::get_visitor(ctx.store.db(), conv.bot_id, conv.visitor_id).await?;
    let email_known = visitor.email.is_some() || visitor.contact_email.is_some();
    Ok(next_steps(
        availability(ctx, bot, Some(conv.id), email_known).await?,
    ))
}

/// What the team can offer a visitor asking now (`conv` is theirs, not counted as ahead).
pub(crate) async fn availability(
    ctx: &Services,
    bot: &Bot,
    conv: Option<uuid::Uuid>,
    email_known: bool,
) -> EngineResult<Availability> {
    let db = ctx.store.db();
    let agents_online = presence::agents(db, bot.workspace_id)
        .await?
        .iter()
        .filter(|a| a.presence == "online")
        .count();
    let wait = convs::recent_handoff_wait(db, bot.workspace_id, WAITS_AVERAGED).await?;
    let ahead = convs::waiting_count(db, bot.workspace_id, conv.unwrap_or_default()).await?;
    // Each conversation ahead shares the online agents' time.
    let expected_wait_minutes = wait.map(|ms| {
        let per_agent = (ahead as f64 + 1.0) / agents_online.max(1) as f64;
        ((ms as f64 / 60_000.0) * per_agent).ceil() as u32
    });
    Ok(Availability {
        open: bot
            .behaviour
            .business_hours
            .as_ref()
            .is_none_or(|hours| open_now(hours, jiff::Timestamp::now())),
        agents_online,
        expected_wait_minutes,
        email_known,
    })
}
