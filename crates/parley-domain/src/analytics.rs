//! Analytics, defined once: which counters an event adds to the hourly rollup, and how the
//! dashboard's KPIs are computed from summed counters. The store keeps the rollup, the
//! engine feeds it from the outbox; both the incremental path and `parley analytics
//! rebuild` call [`increments`], so they cannot disagree. Formulas and edge cases are
//! written out in `docs/analytics.md`.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Counter names in the rollup (`analytics_hourly.metric`).
pub mod metric {
    /// `conversation.started`.
    pub const CONVERSATIONS: &str = "conversations";
    /// `message.received` (visitor messages).
    pub const MESSAGES: &str = "messages";
    /// Sum of visitor-message sentiment scores, in thousandths (an integer counter).
    pub const SENTIMENT_MILLI: &str = "sentiment_milli";
    /// Visitor messages by sentiment label; `dim` is `negative`, `neutral` or `positive`.
    pub const SENTIMENT_BAND: &str = "sentiment_band";
    /// `sentiment.negative`: a negative episode began.
    pub const TURNED_NEGATIVE: &str = "turned_negative";
    /// `intent.detected`, `dim` = intent name.
    pub const INTENT: &str = "intent";
    /// `lead.qualified`, `dim` = priority (`hot`, `warm`, `cold`).
    pub const LEADS: &str = "leads";
    /// `handoff.requested`, `dim` = reason code.
    pub const HANDOFFS: &str = "handoffs";
    /// `conversation.resolved`, `dim` = `bot` (never handed to a human) or `human`.
    pub const RESOLVED: &str = "resolved";
    /// `conversation.reopened`.
    pub const REOPENED: &str = "reopened";
    /// `conversation.rated`: count, and sum of scores.
    pub const RATINGS: &str = "ratings";
    pub const RATING_SUM: &str = "rating_sum";
    /// `image.uploaded`.
    pub const IMAGES: &str = "images";
    /// `reply.unanswered`: the bot gave its fallback.
    pub const UNANSWERED: &str = "unanswered";
    /// `conversation.first_reply`: count, and sum of milliseconds from the visitor's first
    /// message to the bot's first reply.
    pub const FIRST_REPLIES: &str = "first_replies";
    pub const FIRST_REPLY_MS: &str = "first_reply_ms";
    /// `conversation.resolved` after a handoff: count, and sum of milliseconds the visitor
    /// waited for a person's first reply.
    pub const HUMAN_REPLIES: &str = "human_replies";
    pub const HUMAN_REPLY_MS: &str = "human_reply_ms";
    /// `conversation.resolved`: sum of milliseconds from start to resolution, `dim` as
    /// [`RESOLVED`] (its count is `RESOLVED` with the same `dim`, for events that carry it).
    pub const RESOLUTION_MS: &str = "resolution_ms";
    pub const TIMED_RESOLUTIONS: &str = "timed_resolutions";
}

/// One counter change: add `value` to (`metric`, `dim`) in the event's hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Increment {
    pub metric: &'static str,
    pub dim: String,
    pub value: i64,
}

fn inc(metric: &'static str, dim: impl Into<String>, value: i64) -> Increment {
    Increment {
        metric,
        dim: dim.into(),
        value,
    }
}

/// The hour (UTC epoch milliseconds, floored) an event at `at_ms` counts in.
pub fn hour_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// The bot an event belongs to, when its payload names one (events without a bot are not
/// counted: external events posted to the event API have no conversation).
pub fn bot_of(payload: &Value) -> Option<uuid::Uuid> {
    payload
        .get("bot_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// What one outbox event adds to the rollup. Unknown events add nothing, so new event
/// types never break the rollup (and are counted once a definition lands here and the
/// rollup is rebuilt).
pub fn increments(event_type: &str, payload: &Value) -> Vec<Increment> {
    use metric::*;
    let str_of = |key: &str| payload.get(key).and_then(Value::as_str);
    // A duration in milliseconds; a negative one (a clock stepped back) is not counted.
    let ms_of = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_i64)
            .filter(|ms| *ms >= 0)
    };
    match event_type {
        "conversation.started" => vec![inc(CONVERSATIONS, "", 1)],
        "message.received" => {
            let mut out = vec![inc(MESSAGES, "", 1)];
            if let Some(s) = payload.get("sentiment") {
                let score = s.get("score").and_then(Value::as_f64).unwrap_or(0.0);
                out.push(inc(SENTIMENT_MILLI, "", (score * 1000.0).round() as i64));
                let label = s.get("label").and_then(Value::as_str).unwrap_or("neutral");
                out.push(inc(SENTIMENT_BAND, label, 1));
            }
            out
        }
        "sentiment.negative" => vec![inc(TURNED_NEGATIVE, "", 1)],
        "intent.detected" => match str_of("intent") {
            Some(name) => vec![inc(INTENT, name, 1)],
            None => vec![],
        },
        "lead.qualified" => {
            let priority = payload
                .pointer("/lead/priority")
                .and_then(Value::as_str)
                .unwrap_or("cold");
            vec![inc(LEADS, priority, 1)]
        }
        "handoff.requested" => vec![inc(HANDOFFS, str_of("reason").unwrap_or("other"), 1)],
        "conversation.resolved" => {
            let human = payload
                .get("handed_off")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            let by = if human { "human" } else { "bot" };
            let mut out = vec![inc(RESOLVED, by, 1)];
            // Events written before these fields existed count, but are not timed.
            if let Some(ms) = ms_of("open_ms") {
                out.push(inc(TIMED_RESOLUTIONS, by, 1));
                out.push(inc(RESOLUTION_MS, by, ms));
            }
            if let Some(ms) = ms_of("handoff_wait_ms") {
                out.push(inc(HUMAN_REPLIES, "", 1));
                out.push(inc(HUMAN_REPLY_MS, "", ms));
            }
            out
        }
        "reply.unanswered" => vec![inc(UNANSWERED, "", 1)],
        "conversation.first_reply" => match ms_of("ms") {
            Some(ms) => vec![inc(FIRST_REPLIES, "", 1), inc(FIRST_REPLY_MS, "", ms)],
            None => vec![],
        },
        "conversation.reopened" => vec![inc(REOPENED, "", 1)],
        "conversation.rated" => {
            let score = payload.get("score").and_then(Value::as_i64).unwrap_or(0);
            vec![inc(RATINGS, "", 1), inc(RATING_SUM, "", score)]
        }
        "image.uploaded" => vec![inc(IMAGES, "", 1)],
        _ => vec![],
    }
}

/// Summed counters of a period: `(metric, dim) -> value`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals(pub HashMap<(String, String), i64>);

impl Totals {
    pub fn add(&mut self, metric: &str, dim: &str, value: i64) {
        *self
            .0
            .entry((metric.to_string(), dim.to_string()))
            .or_default() += value;
    }

    /// A counter summed over all its dimensions.
    pub fn sum(&self, metric: &str) -> i64 {
        self.0
            .iter()
            .filter(|((m, _), _)| m == metric)
            .map(|(_, v)| v)
            .sum()
    }

    pub fn get(&self, metric: &str, dim: &str) -> i64 {
        self.0
            .get(&(metric.to_string(), dim.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// One counter by dimension, largest first (ties by name).
    pub fn by_dim(&self, metric: &str) -> Vec<(String, i64)> {
        let mut out: Vec<_> = self
            .0
            .iter()
            .filter(|((m, _), v)| m == metric && **v != 0)
            .map(|((_, d), v)| (d.clone(), *v))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

/// `numerator ÷ denominator`, or `None` when nothing was counted (a rate of an empty
/// period is unknown, not 0%).
pub fn ratio(numerator: i64, denominator: i64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The KPIs of one period, derived from its totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kpis {
    pub conversations: i64,
    pub messages: i64,
    pub resolved: i64,
    /// Resolved without a handoff ÷ resolved.
    pub bot_resolution_rate: Option<f64>,
    /// Handoffs ÷ conversations started.
    pub handoff_rate: Option<f64>,
    /// Mean visitor-message sentiment, -1..1.
    pub avg_sentiment: Option<f64>,
    /// Negative episodes ÷ conversations started.
    pub negative_share: Option<f64>,
    pub leads: i64,
    /// Qualified leads ÷ conversations started.
    pub lead_conversion: Option<f64>,
    /// Mean rating (1..5) of rated conversations.
    pub avg_rating: Option<f64>,
    pub reopened: i64,
    /// Fallback replies: questions the bot could not answer.
    pub unanswered: i64,
    /// Mean milliseconds from a conversation's first message to the bot's first reply.
    pub first_reply_ms: Option<f64>,
    /// Mean milliseconds a handed-off visitor waited for a person's first reply
    /// (conversations resolved in the period).
    pub human_reply_ms: Option<f64>,
    /// Mean milliseconds from start to resolution, of conversations the bot resolved alone
    /// and of those a person resolved.
    pub bot_resolution_ms: Option<f64>,
    pub human_resolution_ms: Option<f64>,
}

pub fn kpis(t: &Totals) -> Kpis {
    use metric::*;
    let conversations = t.sum(CONVERSATIONS);
    let messages = t.sum(MESSAGES);
    let resolved = t.sum(RESOLVED);
    let leads = t.sum(LEADS);
    Kpis {
        conversations,
        messages,
        resolved,
        bot_resolution_rate: ratio(t.get(RESOLVED, "bot"), resolved),
        handoff_rate: ratio(t.sum(HANDOFFS), conversations),
        avg_sentiment: ratio(t.sum(SENTIMENT_MILLI), messages).map(|v| v / 1000.0),
        negative_share: ratio(t.sum(TURNED_NEGATIVE), conversations),
        leads,
        lead_conversion: ratio(leads, conversations),
        avg_rating: ratio(t.sum(RATING_SUM), t.sum(RATINGS)),
        reopened: t.sum(REOPENED),
        unanswered: t.sum(UNANSWERED),
        first_reply_ms: ratio(t.sum(FIRST_REPLY_MS), t.sum(FIRST_REPLIES)),
        human_reply_ms: ratio(t.sum(HUMAN_REPLY_MS), t.sum(HUMAN_REPLIES)),
        bot_resolution_ms: ratio(t.get(RESOLUTION_MS, "bot"), t.get(TIMED_RESOLUTIONS, "bot")),
        human_resolution_ms: ratio(
            t.get(RESOLUTION_MS, "human"),
            t.get(TIMED_RESOLUTIONS, "human"),
        ),
    }
}

/// Relative change from `before` to `now` in percent; `None` when there is no base (a
/// change from nothing is not a percentage).
pub fn delta_pct(now: f64, before: f64) -> Option<f64> {
    (before != 0.0).then(|| (now - before) / before.abs() * 100.0)
}

/// The period just before `[from, to)`, of the same length: what "compare with the
/// previous period" compares with.
pub fn previous_period(from: i64, to: i64) -> (i64, i64) {
    (from - (to - from), from)
}

/// Words too common to name a knowledge gap.
const STOP: &[&str] = &[
    "a", "an", "and", "are", "can", "do", "does", "for", "from", "have", "how", "i", "if", "in",
    "is", "it", "me", "my", "of", "on", "or", "the", "there", "to", "what", "when", "where",
    "which", "who", "why", "with", "you", "your", "we", "our", "be", "this", "that", "any",
    "about", "get", "please", "hi", "hello",
];

/// The content words of a question, lowercased, without stop words or very short words.
pub fn keywords(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() > 2 && !STOP.contains(&w.as_str()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Questions the bot could not answer, grouped by their most frequent shared word.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapCluster {
    /// The word the questions share.
    pub topic: String,
    pub count: usize,
    /// Up to five example questions, most recent first as given.
    pub examples: Vec<String>,
}

/// Greedy clustering by words: each question joins the cluster of its word that the most
/// questions share (ties by word), so "refund policy?" and "how do refunds work" meet only
/// if they share a word; questions with no content word go to `other`. Deterministic,
/// linear in the words, good enough to tell a team which FAQ to write next.
pub fn cluster_gaps(questions: &[String]) -> Vec<GapCluster> {
    let words: Vec<Vec<String>> = questions.iter().map(|q| keywords(q)).collect();
    let mut freq: HashMap<&str, usize> = HashMap::new();
    for ws in &words {
        for w in ws {
            *freq.entry(w.as_str()).or_default() += 1;
        }
    }
    let mut clusters: BTreeMap<String, GapCluster> = BTreeMap::new();
    for (q, ws) in questions.iter().zip(&words) {
        let topic = ws
            .iter()
            .max_by(|a, b| freq[a.as_str()].cmp(&freq[b.as_str()]).then(b.cmp(a)))
            .cloned()
            .unwrap_or_else(|| "other".to_string());
        let c = clusters.entry(topic.clone()).or_insert(GapCluster {
            topic,
            count: 0,
            examples: vec![],
        });
        c.count += 1;
        if c.examples.len() < 5 {
            c.examples.push(q.clone());
        }
    }
    let mut out: Vec<_> = clusters.into_values().collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.topic.cmp(&b.topic)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hours_floor_also_before_the_epoch() {
        assert_eq!(hour_of(HOUR_MS + 5), HOUR_MS);
        assert_eq!(hour_of(-1), -HOUR_MS);
    }

    #[test]
    fn a_message_counts_its_sentiment_in_thousandths() {
        let got = increments(
            "message.received",
            &json!({"sentiment": {"score": -0.4567, "label": "negative"}}),
        );
        assert_eq!(
            got,
            vec![
                inc(metric::MESSAGES, "", 1),
                inc(metric::SENTIMENT_MILLI, "", -457),
                inc(metric::SENTIMENT_BAND, "negative", 1)
            ]
        );
    }

    #[test]
    fn resolution_by_the_bot_needs_an_explicit_no_handoff() {
        let bot = increments("conversation.resolved", &json!({"handed_off": false}));
        let old = increments("conversation.resolved", &json!({}));
        assert_eq!(bot[0].dim, "bot");
        // Events written before the flag existed cannot prove the bot did it alone.
        assert_eq!(old[0].dim, "human");
        assert!(increments("something.else", &json!({})).is_empty());
    }

    #[test]
    fn response_and_resolution_times_average_what_was_timed() {
        let mut t = Totals::default();
        for (event, payload) in [
            ("conversation.first_reply", json!({"ms": 300})),
            ("conversation.first_reply", json!({"ms": 500})),
            ("conversation.first_reply", json!({"ms": -5})),
            (
                "conversation.resolved",
                json!({"handed_off": false, "open_ms": 60_000}),
            ),
            (
                "conversation.resolved",
                json!({"handed_off": true, "open_ms": 600_000, "handoff_wait_ms": 90_000}),
            ),
            // Written before the times existed: counted as resolved, not timed.
            ("conversation.resolved", json!({"handed_off": true})),
            (
                "reply.unanswered",
                json!({"question": "Do you ship to Mars?"}),
            ),
        ] {
            for i in increments(event, &payload) {
                t.add(i.metric, &i.dim, i.value);
            }
        }
        let k = kpis(&t);
        assert_eq!(k.first_reply_ms, Some(400.0));
        assert_eq!(k.bot_resolution_ms, Some(60_000.0));
        assert_eq!(k.human_resolution_ms, Some(600_000.0));
        assert_eq!(k.human_reply_ms, Some(90_000.0));
        assert_eq!(k.resolved, 3);
        assert_eq!(k.unanswered, 1);
    }

    #[test]
    fn leads_count_by_priority_and_intents_by_name() {
        let lead = increments("lead.qualified", &json!({"lead": {"priority": "hot"}}));
        assert_eq!(lead, vec![inc(metric::LEADS, "hot", 1)]);
        let intent = increments("intent.detected", &json!({"intent": "refund"}));
        assert_eq!(intent, vec![inc(metric::INTENT, "refund", 1)]);
    }

    #[test]
    fn kpis_of_an_empty_period_are_unknown_not_zero() {
        let k = kpis(&Totals::default());
        assert_eq!(k.conversations, 0);
        assert_eq!(k.handoff_rate, None);
        assert_eq!(k.avg_sentiment, None);
    }

    #[test]
    fn kpis_follow_their_formulas() {
        let mut t = Totals::default();
        t.add(metric::CONVERSATIONS, "", 10);
        t.add(metric::MESSAGES, "", 4);
        t.add(metric::SENTIMENT_MILLI, "", -1000);
        t.add(metric::HANDOFFS, "intent", 2);
        t.add(metric::HANDOFFS, "fallbacks", 1);
        t.add(metric::RESOLVED, "bot", 3);
        t.add(metric::RESOLVED, "human", 1);
        t.add(metric::TURNED_NEGATIVE, "", 5);
        let k = kpis(&t);
        assert_eq!(k.handoff_rate, Some(0.3));
        assert_eq!(k.bot_resolution_rate, Some(0.75));
        assert_eq!(k.avg_sentiment, Some(-0.25));
        assert_eq!(k.negative_share, Some(0.5));
    }

    #[test]
    fn deltas_and_previous_periods() {
        assert_eq!(delta_pct(15.0, 10.0), Some(50.0));
        assert_eq!(delta_pct(5.0, -10.0), Some(150.0));
        assert_eq!(delta_pct(3.0, 0.0), None);
        assert_eq!(previous_period(100, 150), (50, 100));
    }

    #[test]
    fn gaps_cluster_by_shared_words() {
        let qs: Vec<String> = [
            "Do you ship to Canada?",
            "shipping cost to Canada",
            "Canada delivery time",
            "warranty on batteries",
            "?",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got = cluster_gaps(&qs);
        assert_eq!(got[0].topic, "canada");
        assert_eq!(got[0].count, 3);
        assert!(got.iter().any(|c| c.topic == "other" && c.count == 1));
        assert_eq!(got.iter().map(|c| c.count).sum::<usize>(), 5);
    }
}
