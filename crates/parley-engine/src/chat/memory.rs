//! The conversation's memory: the turns that leave the window are folded into a rolling
//! summary, by the bot's model when it has one.

use crate::EngineResult;
use crate::services::Services;
use parley_domain::bot::ModelSettings;
use parley_domain::chat::memory::{Speaker, Turn, fold_into_summary, summary_prompt, to_summarize};
use parley_store::ConnectionTrait;
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{self as convs, Conversation, Message};
use uuid::Uuid;

/// The rolling summary's size limit, in characters.
pub(super) const SUMMARY_CHARS: usize = 2000;

/// The conversation as it stands and the turns to fold into its summary now (see
/// [`to_summarize`]); `None` when there are none.
pub(super) async fn left_window(
    c: &impl ConnectionTrait,
    bot: &Bot,
    conversation_id: Uuid,
) -> EngineResult<Option<(Conversation, Vec<Turn>)>> {
    let conv = convs::get(c, bot.workspace_id, conversation_id).await?;
    let pending = to_summarize(
        conv.message_count.max(0) as usize,
        conv.summarized_count.max(0) as usize,
        bot.behaviour.memory_turns as usize,
    );
    if pending == 0 {
        return Ok(None);
    }
    let old = convs::messages_range(
        c,
        conv.id,
        conv.summarized_count.max(0) as u64,
        pending as u64,
    )
    .await?;
    let turns = old.iter().map(turn).collect();
    Ok(Some((conv, turns)))
}

/// Saves `summary` as now covering `folded` more of the conversation's messages.
pub(super) async fn save_summary(
    c: &impl ConnectionTrait,
    conv: &Conversation,
    summary: &str,
    folded: usize,
) -> EngineResult<()> {
    let summarized = conv.summarized_count + folded as i32;
    Ok(convs::set_summary(c, conv.id, summary, summarized).await?)
}

/// Has the bot's model fold the turns that left the memory window into the conversation's
/// rolling summary (the extractive fold when the model fails). Runs after the visitor has
/// the reply, since it waits for the model.
pub(super) async fn update_memory(
    ctx: &Services,
    bot: &Bot,
    settings: &ModelSettings,
    conversation_id: Uuid,
) -> EngineResult<()> {
    let Some((conv, turns)) = left_window(ctx.store.db(), bot, conversation_id).await? else {
        return Ok(());
    };
    let summary = model_summary(ctx, bot, settings, &conv.summary, &turns)
        .await
        .unwrap_or_else(|| fold_into_summary(&conv.summary, &turns, SUMMARY_CHARS));
    let tx = ctx.store.begin().await?;
    save_summary(&tx, &conv, &summary, turns.len()).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) fn turn(m: &Message) -> Turn {
    let speaker = match m.role.as_str() {
        "visitor" => Speaker::Visitor,
        "agent" => Speaker::Agent,
        _ => Speaker::Bot,
    };
    Turn {
        speaker,
        text: m.body.clone(),
    }
}

/// The model's merge of `turns` into the summary; `None` (and the extractive fold is used)
/// when the model fails or answers with nothing.
async fn model_summary(
    ctx: &Services,
    bot: &Bot,
    settings: &ModelSettings,
    summary: &str,
    turns: &[Turn],
) -> Option<String> {
    let prompt = summary_prompt(summary, turns, SUMMARY_CHARS);
    let endpoint = ctx.endpoint(bot, settings);
    let max_tokens = (SUMMARY_CHARS / 3) as u32;
    match ctx.ai.chat_text(&endpoint, &prompt, max_tokens).await {
        Ok(text) if !text.trim().is_empty() => {
            Some(text.trim().chars().take(SUMMARY_CHARS).collect())
        }
        Ok(_) => None,
        Err(error) => {
            tracing::info!(bot = %bot.id, %error, "the model could not summarise; folding extractively");
            metrics::counter!("parley_model_errors_total", "use" => "summary").increment(1);
            None
        }
    }
}
