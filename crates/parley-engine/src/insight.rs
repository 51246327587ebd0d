//! Insight in the chat path: each bot's compiled intents (cached until its settings change)
//! and, when the bot has a model, a model's second opinion on messages the phrases leave
//! unsure.

use parley_ai::openai::{Client, Endpoint};
use parley_domain::chat::memory::PromptMessage;
use parley_domain::insight::{IntentMatcher, MessageInsight, analyze_message};
use parley_store::repo::bots::Bot;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// How long a classification may take: it delays storing the visitor's message, so it is
/// kept short, and on timeout the phrase matches stand.
const CLASSIFY_TIMEOUT: Duration = Duration::from_secs(5);
/// Room for a small JSON answer.
const CLASSIFY_MAX_TOKENS: u32 = 120;

/// Compiled intent matchers per bot. Compiling costs far more than matching, so it happens
/// once per settings change (keyed by the bot's `updated_at`), not per message.
#[derive(Clone, Default)]
pub struct IntentCache {
    compiled: Arc<Mutex<HashMap<Uuid, Versioned>>>,
}

/// A bot's matcher and the bot version (`updated_at`) it was compiled from.
type Versioned = (i64, Arc<IntentMatcher>);

impl IntentCache {
    /// The matcher for the bot's built-in and custom intents. Stored settings were validated
    /// when saved; should they still not compile, the built-in intents are used.
    pub fn matcher(&self, bot: &Bot) -> Arc<IntentMatcher> {
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((version, matcher)) = compiled.get(&bot.id)
            && *version == bot.updated_at
        {
            return matcher.clone();
        }
        let matcher = match IntentMatcher::new(&bot.insight.intents) {
            Ok(m) => Arc::new(m),
            Err(e) => {
                tracing::warn!(bot = %bot.id, error = %e, "stored custom intents do not compile; using the built-in ones");
                Arc::new(IntentMatcher::builtin().clone())
            }
        };
        compiled.insert(bot.id, (bot.updated_at, matcher.clone()));
        matcher
    }

    /// Scores a message with the bot's intents.
    pub fn analyze(&self, bot: &Bot, text: &str) -> MessageInsight {
        analyze_message(text, &self.matcher(bot))
    }
}

/// Asks the model which of `intents` the message expresses. `None` when the model fails or
/// answers with something that is not the requested JSON: the phrase matches then stand.
pub async fn classify(
    ai: &Client,
    endpoint: &Endpoint,
    intents: &[String],
    text: &str,
) -> Option<Vec<(String, f32)>> {
    let endpoint = Endpoint {
        timeout: CLASSIFY_TIMEOUT,
        max_attempts: 1,
        ..endpoint.clone()
    };
    let messages = [
        PromptMessage {
            role: "system",
            content: classify_instructions(intents),
        },
        PromptMessage {
            role: "user",
            content: text.to_string(),
        },
    ];
    match ai
        .chat_text(&endpoint, &messages, CLASSIFY_MAX_TOKENS)
        .await
    {
        Ok(answer) => {
            let parsed = parse_classification(&answer, intents);
            if parsed.is_none() {
                tracing::info!(model = %endpoint.model, "the model's intent answer was not the requested JSON");
            }
            parsed
        }
        Err(error) => {
            tracing::info!(model = %endpoint.model, %error, "intent classification failed; phrase matches stand");
            metrics::counter!("parley_model_errors_total", "use" => "classify").increment(1);
            None
        }
    }
}

fn classify_instructions(intents: &[String]) -> String {
    format!(
        "You label customer messages for a support team. Possible intents: {}. \
         Reply with JSON only, no prose: {{\"intents\": [{{\"intent\": \"<name>\", \
         \"confidence\": <0 to 1>}}]}}, listing at most two intents the message clearly \
         expresses, or an empty list when none applies.",
        intents.join(", ")
    )
}

/// Reads `{"intents": [{"intent", "confidence"}]}` out of the answer (models sometimes wrap
/// it in prose or code fences), keeping only intents that exist.
fn parse_classification(answer: &str, intents: &[String]) -> Option<Vec<(String, f32)>> {
    #[derive(Deserialize)]
    struct Item {
        intent: String,
        confidence: f32,
    }
    #[derive(Deserialize)]
    struct Answer {
        intents: Vec<Item>,
    }
    let start = answer.find('{')?;
    let end = answer.rfind('}')?;
    let parsed: Answer = serde_json::from_str(answer.get(start..=end)?).ok()?;
    Some(
        parsed
            .intents
            .into_iter()
            .filter(|i| intents.contains(&i.intent))
            .take(2)
            .map(|i| (i.intent, i.confidence))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["refund".into(), "bulk_order".into()]
    }

    #[test]
    fn reads_json_even_inside_prose_and_drops_unknown_intents() {
        let answer = "Sure!\n```json\n{\"intents\": [{\"intent\": \"bulk_order\", \"confidence\": 0.8}, {\"intent\": \"made_up\", \"confidence\": 0.9}]}\n```";
        assert_eq!(
            parse_classification(answer, &names()),
            Some(vec![("bulk_order".to_string(), 0.8)])
        );
    }

    #[test]
    fn refuses_answers_that_are_not_the_requested_json() {
        assert_eq!(parse_classification("It is a refund.", &names()), None);
        assert_eq!(parse_classification("{\"intent\": 3}", &names()), None);
        assert_eq!(
            parse_classification("{\"intents\": []}", &names()),
            Some(vec![])
        );
    }
}
