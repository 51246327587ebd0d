//! Insight on every visitor message: sentiment, intents and lead fields, and their fold into
//! per-conversation state that says which triggers to fire.
//!
//! Everything here is pure and deterministic and costs microseconds per message, because it
//! runs on every message in the chat pipeline:
//!
//! 1. [`analyze_message`] tokenises the text once and runs the three scorers on it,
//!    giving a [`MessageInsight`] (stored on the message).
//! 2. [`update_conversation`] folds it into the conversation's [`ConversationInsight`]
//!    (rolling sentiment with hysteresis, lead score with its breakdown) and returns the
//!    [`Trigger`]s to emit as events: `sentiment.negative`, `intent.detected`,
//!    `lead.qualified`.
//!
//! A bot's custom intents are compiled once into an [`IntentMatcher`] and reused.

pub mod extract;
pub mod intent;
pub mod lead;
mod lexicon;
pub mod sentiment;
mod text;

pub use extract::{LeadFields, Money, Quantity};
pub use intent::{CustomIntent, IntentError, IntentMatch, IntentMatcher};
pub use lead::{LeadState, Priority, Signal};
pub use sentiment::{ConversationSentiment, Sentiment, SentimentLabel, Trend};
pub use text::MAX_TEXT_BYTES;

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};

/// Everything learnt from one message; stored on the message as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MessageInsight {
    pub sentiment: Sentiment,
    /// Intents found, most confident first (also those below the trigger threshold, so the
    /// dashboard and the model fallback can see them).
    pub intents: Vec<IntentMatch>,
    /// Lead fields stated in this message.
    pub fields: LeadFields,
    /// Length in characters (engagement signal for lead scoring).
    pub chars: u32,
}

impl MessageInsight {
    /// The most confident intent, if any.
    pub fn top_intent(&self) -> Option<&IntentMatch> {
        self.intents.first()
    }

    /// True when the phrases left the intent unsure (best confidence in
    /// `[config.model_floor, config.intent_threshold)`), so a configured model should
    /// classify the message.
    pub fn needs_model(&self, config: &InsightConfig) -> bool {
        self.top_intent().is_some_and(|m| {
            m.confidence >= config.model_floor && m.confidence < config.intent_threshold
        })
    }

    /// Merges a model's classification `(intent, confidence)` into the phrase matches: an
    /// intent keeps the higher confidence, and the model is named in its evidence.
    pub fn merge_model_intents(&mut self, model: &[(String, f32)]) {
        for (intent, confidence) in model {
            let confidence = if confidence.is_finite() {
                confidence.clamp(0.0, 1.0)
            } else {
                0.0
            };
            match self.intents.iter_mut().find(|m| &m.intent == intent) {
                Some(m) => {
                    if confidence > m.confidence {
                        m.confidence = confidence;
                    }
                    if !m.evidence.iter().any(|e| e == "model") {
                        m.evidence.push("model".into());
                    }
                }
                None => self.intents.push(IntentMatch {
                    intent: intent.clone(),
                    confidence,
                    evidence: vec!["model".into()],
                    lead_points: 0,
                }),
            }
        }
        self.intents.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| a.intent.cmp(&b.intent))
        });
    }
}

/// Scores one message: sentiment, intents (built-in and the bot's, via `matcher`) and lead
/// fields, from a single tokenisation. Text beyond [`MAX_TEXT_BYTES`] is ignored.
pub fn analyze_message(text: &str, matcher: &IntentMatcher) -> MessageInsight {
    let clipped = text::clip(text);
    let tokens = text::tokenize(clipped);
    let sentiment = sentiment::score_tokens(&tokens);
    let fields = extract::extract(&tokens);
    // Evidence beyond phrases: a stated quantity suggests a bulk order, strong negative
    // sentiment a complaint.
    let mut extra: Vec<(&str, f32, String)> = Vec::new();
    if let Some(q) = &fields.quantity {
        let weight = match q.value {
            100.. => 0.7,
            20.. => 0.5,
            _ => 0.0,
        };
        if weight > 0.0 {
            extra.push((
                intent::names::BULK_ORDER,
                weight,
                format!("{} {}", q.value, q.unit),
            ));
        }
    }
    if sentiment.score <= -0.6 {
        extra.push((intent::names::COMPLAINT, 0.5, "negative sentiment".into()));
    }
    let intents = matcher.detect(&tokens, &extra);
    MessageInsight {
        sentiment,
        intents,
        fields,
        chars: u32::try_from(text.chars().count()).unwrap_or(u32::MAX),
    }
}

/// What the fold asks the pipeline to emit, as events and workflow triggers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum Trigger {
    /// A negative episode began (once per episode, thanks to the hysteresis).
    #[serde(rename = "sentiment.negative")]
    SentimentNegative { score: f32 },
    /// An intent reached the trigger threshold in this message.
    #[serde(rename = "intent.detected")]
    IntentDetected {
        intent: String,
        confidence: f32,
        evidence: Vec<String>,
    },
    /// The lead score reached the qualification threshold (once per conversation).
    #[serde(rename = "lead.qualified")]
    LeadQualified { score: u8 },
}

/// Thresholds of the negative-sentiment trigger and the rolling averages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SentimentConfig {
    /// A message at or below this score starts a negative episode (fires the trigger).
    pub negative_enter: f32,
    /// The episode ends when the recent average and a message are back at or above this;
    /// it must be above `negative_enter` (that gap is the hysteresis).
    pub negative_exit: f32,
    /// Weight of a new message in the rolling average (0-1].
    pub average_alpha: f32,
    /// Weight of a new message in the recent average (0-1], above `average_alpha`.
    pub recent_alpha: f32,
    /// Recent minus rolling average beyond which the trend is improving or worsening.
    pub trend_band: f32,
}

impl Default for SentimentConfig {
    fn default() -> Self {
        Self {
            negative_enter: -0.5,
            negative_exit: -0.1,
            average_alpha: 0.3,
            recent_alpha: 0.6,
            trend_band: 0.15,
        }
    }
}

/// Lead thresholds on the 0-100 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct LeadConfig {
    /// `lead.qualified` fires when the score first reaches this.
    pub qualified: u8,
    /// Hot from this score.
    pub hot: u8,
    /// Warm from this score (below `hot`); cold below.
    pub warm: u8,
}

impl Default for LeadConfig {
    fn default() -> Self {
        Self {
            qualified: 60,
            hot: 70,
            warm: 40,
        }
    }
}

/// All insight settings of a bot, with defaults that suit most shops.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct InsightConfig {
    pub sentiment: SentimentConfig,
    pub lead: LeadConfig,
    /// An intent at or above this confidence fires `intent.detected` and counts for the lead.
    pub intent_threshold: f32,
    /// Below the threshold but at or above this, the message is "unsure" and goes to the
    /// model when one is configured ([`MessageInsight::needs_model`]).
    pub model_floor: f32,
}

impl Default for InsightConfig {
    fn default() -> Self {
        Self {
            sentiment: SentimentConfig::default(),
            lead: LeadConfig::default(),
            intent_threshold: 0.6,
            model_floor: 0.3,
        }
    }
}

impl InsightConfig {
    /// Checks every setting, reporting all problems by field; use it on any config that
    /// came from outside (API, file) before folding with it.
    pub fn validated(self) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let s = &self.sentiment;
        let in_range = |v: f32, lo: f32, hi: f32| v.is_finite() && v >= lo && v <= hi;
        e.check(
            in_range(s.negative_enter, -1.0, 0.0),
            "sentiment.negative_enter",
            "must be between -1 and 0",
        );
        e.check(
            in_range(s.negative_exit, -1.0, 1.0) && s.negative_exit > s.negative_enter,
            "sentiment.negative_exit",
            "must be between -1 and 1 and above negative_enter",
        );
        e.check(
            in_range(s.average_alpha, 0.01, 1.0),
            "sentiment.average_alpha",
            "must be between 0.01 and 1",
        );
        e.check(
            in_range(s.recent_alpha, 0.01, 1.0) && s.recent_alpha >= s.average_alpha,
            "sentiment.recent_alpha",
            "must be between 0.01 and 1 and at least average_alpha",
        );
        e.check(
            in_range(s.trend_band, 0.0, 1.0),
            "sentiment.trend_band",
            "must be between 0 and 1",
        );
        let l = &self.lead;
        e.check(
            (1..=100).contains(&l.qualified),
            "lead.qualified",
            "must be between 1 and 100",
        );
        e.check(l.hot <= 100, "lead.hot", "must be at most 100");
        e.check(l.warm < l.hot, "lead.warm", "must be below lead.hot");
        e.check(
            in_range(self.intent_threshold, 0.05, 1.0),
            "intent_threshold",
            "must be between 0.05 and 1",
        );
        e.check(
            in_range(self.model_floor, 0.0, 1.0) && self.model_floor <= self.intent_threshold,
            "model_floor",
            "must be between 0 and intent_threshold",
        );
        e.into_result(self)
    }
}

/// A bot's insight settings: its own intents and the thresholds, stored on the bot.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct InsightSettings {
    /// Intents of this bot, matched alongside the built-in ones.
    pub intents: Vec<CustomIntent>,
    pub config: InsightConfig,
}

impl InsightSettings {
    /// Checks the thresholds and compiles the intents, so bad settings are refused when
    /// saved rather than discovered on a visitor's message.
    pub fn validated(self) -> Result<(Self, IntentMatcher), FieldErrors> {
        let config = self.config.validated()?;
        let matcher = IntentMatcher::new(&self.intents).map_err(|e| {
            let mut errors = FieldErrors::new();
            errors.add("intents", e.to_string());
            errors
        })?;
        Ok((
            Self {
                intents: self.intents,
                config,
            },
            matcher,
        ))
    }
}

/// A conversation's insight state: sentiment and lead, stored as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ConversationInsight {
    pub sentiment: ConversationSentiment,
    pub lead: LeadState,
}

/// Folds one visitor message into the conversation and returns the new state with the
/// triggers to emit, in order: `sentiment.negative`, then `intent.detected` per intent at or
/// above the threshold, then `lead.qualified`. `visits` is the visitor's visit count.
pub fn update_conversation(
    state: &ConversationInsight,
    insight: &MessageInsight,
    visits: u32,
    config: &InsightConfig,
) -> (ConversationInsight, Vec<Trigger>) {
    let mut triggers = Vec::new();
    let (sentiment, negative) = sentiment::update(&state.sentiment, insight.sentiment, config);
    triggers.extend(negative);
    for m in &insight.intents {
        if m.confidence >= config.intent_threshold {
            triggers.push(Trigger::IntentDetected {
                intent: m.intent.clone(),
                confidence: m.confidence,
                evidence: m.evidence.clone(),
            });
        }
    }
    let (lead, qualified) = lead::update(&state.lead, insight, visits, config);
    triggers.extend(qualified);
    (ConversationInsight { sentiment, lead }, triggers)
}

#[cfg(test)]
mod tests;

impl ConversationInsight {
    /// `negative`, `neutral` or `positive` for the inbox, from the rolling average (or an
    /// unrecovered negative episode); `None` before any visitor message.
    pub fn sentiment_label(&self) -> Option<&'static str> {
        let s = &self.sentiment;
        if s.count == 0 {
            return None;
        }
        Some(if s.in_negative_episode || s.average <= -0.25 {
            "negative"
        } else if s.average >= 0.25 {
            "positive"
        } else {
            "neutral"
        })
    }
}
