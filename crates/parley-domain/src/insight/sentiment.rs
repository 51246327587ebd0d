//! Sentiment of one message (a VADER-style compound score) and of a conversation (rolling
//! averages, trend and the negative-episode hysteresis).
//!
//! The per-message scorer follows VADER (Hutto & Gilbert, 2014): word valences from a
//! lexicon, intensifiers ("very"), negation in a three-word window, a shift of weight to the
//! clause after "but", capitals and exclamation marks as emphasis, and the compound
//! normalisation `s / sqrt(s² + 15)`. On top of it, support phrases are matched in one
//! pass ("still waiting", "thanks so much") and praise in an otherwise negative message is
//! read as sarcasm ("Oh great, the replacement is broken too").

use super::lexicon::{PhraseKind, lexicon};
use super::text::{Kind, Tokens, gap, tokenize};
use super::{InsightConfig, Trigger};
use serde::{Deserialize, Serialize};

const C_INCR: f32 = 0.733;
const NEGATION_SCALAR: f32 = -0.74;
const EMARK_INCR: f32 = 0.292;
const QMARK_INCR: f32 = 0.18;
const NORMALIZATION_ALPHA: f32 = 15.0;
/// Words after "but" weigh this much, words before it half.
const BUT_AFTER: f32 = 1.5;
const BUT_BEFORE: f32 = 0.5;

/// The coarse reading of a score, with VADER's conventional ±0.05 band for neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Positive,
    #[default]
    Neutral,
    Negative,
}

impl SentimentLabel {
    /// The label of a compound score: positive from 0.05, negative from -0.05.
    pub fn of(score: f32) -> Self {
        if score >= 0.05 {
            Self::Positive
        } else if score <= -0.05 {
            Self::Negative
        } else {
            Self::Neutral
        }
    }

    /// The label as stored and shown ("positive", "neutral", "negative").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positive => "positive",
            Self::Neutral => "neutral",
            Self::Negative => "negative",
        }
    }
}

/// The sentiment of one message: the compound score in [-1, 1] and its label.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sentiment {
    /// -1 (most negative) to 1 (most positive); 0 when nothing carries feeling.
    pub score: f32,
    pub label: SentimentLabel,
}

impl Sentiment {
    /// Wraps a compound score with its label.
    pub fn new(score: f32) -> Self {
        let score = if score.is_finite() {
            score.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        Self {
            score,
            label: SentimentLabel::of(score),
        }
    }
}

/// Scores `text` on its own (tokenises it; [`super::analyze_message`] shares one
/// tokenisation between all scorers instead).
pub fn score(text: &str) -> Sentiment {
    let clipped = super::text::clip(text);
    score_tokens(&tokenize(clipped))
}

/// Per-token scoring slot.
#[derive(Clone, Copy, Default)]
struct Slot {
    valence: f32,
    in_lexicon: bool,
    booster: f32,
    negator: bool,
    /// Only "no": negates the next word alone.
    short_negator: bool,
    sarcasm: bool,
}

pub(crate) fn score_tokens(t: &Tokens<'_>) -> Sentiment {
    let n = t.toks.len();
    if n == 0 {
        return Sentiment::default();
    }
    let lex = lexicon();
    let mut slots: Vec<Slot> = Vec::with_capacity(n);
    for i in 0..n {
        let tok = &t.toks[i];
        let slot = match tok.kind {
            Kind::Number => Slot::default(),
            _ => {
                let w = t.norm(i);
                let info = lex.word(w);
                Slot {
                    valence: if info.in_lexicon { info.valence } else { 0.0 },
                    in_lexicon: info.in_lexicon,
                    booster: info.booster,
                    negator: info.negator && w != "no",
                    short_negator: w == "no",
                    sarcasm: false,
                }
            }
        };
        slots.push(slot);
    }
    // "no" carries its own valence only when it does not negate a sentiment word.
    for i in 0..n {
        if slots[i].short_negator && i + 1 < n && slots[i + 1].in_lexicon {
            slots[i].valence = 0.0;
            slots[i].in_lexicon = false;
        }
    }
    // Phrases replace the words they cover.
    for m in lex.phrases.find_iter(&t.norm) {
        let (Some(first), Some(last)) = (t.token_at(m.start()), t.token_ending_at(m.end())) else {
            continue;
        };
        let kind = lex.phrase_kinds[m.pattern().as_usize()];
        let mut head = Slot::default();
        match kind {
            PhraseKind::Valence(v) => {
                head.valence = v;
                head.in_lexicon = true;
            }
            PhraseKind::Neutral => {}
            PhraseKind::Booster(b) => head.booster = b,
            PhraseKind::Sarcasm(v) => {
                head.valence = v;
                head.in_lexicon = true;
                // A lone word ("Great, ...") is a sarcasm candidate only as an opening
                // interjection; phrases ("oh great", "thanks a lot") always are.
                head.sarcasm = first != last
                    || ((first == 0 || t.toks[first].gap & gap::STOP != 0)
                        && t.toks
                            .get(first + 1)
                            .is_some_and(|next| next.gap & (gap::COMMA | gap::STOP) != 0));
            }
        }
        slots[first] = head;
        for slot in &mut slots[first + 1..=last] {
            *slot = Slot::default();
        }
    }

    let mut sentiments = vec![0.0f32; n];
    for i in 0..n {
        let mut v = slots[i].valence;
        if v == 0.0 {
            continue;
        }
        let sign = v.signum();
        if t.toks[i].caps && t.caps_differ {
            v += sign * C_INCR;
        }
        // Look back over at most 3 non-booster words (boosters do not use up the window,
        // so "not very very very good" stays negated), within the sentence.
        let mut words_back = 0;
        let mut boosters_seen = 0;
        let mut j = i;
        while j > 0 && words_back < 3 && i - j < 8 {
            if t.toks[j].gap & gap::STOP != 0 {
                break;
            }
            j -= 1;
            let s = slots[j];
            if s.booster != 0.0 && !s.in_lexicon {
                if boosters_seen < 3 {
                    let mut b = s.booster * sign;
                    if t.toks[j].caps && t.caps_differ {
                        b += sign * C_INCR;
                    }
                    v += b * [1.0, 0.95, 0.9][boosters_seen];
                }
                boosters_seen += 1;
                continue;
            }
            words_back += 1;
            if s.short_negator && words_back == 1 {
                v *= NEGATION_SCALAR;
            } else if s.negator {
                let w = t.norm(j);
                // "never so good" intensifies rather than negates.
                let never_so = w == "never"
                    && words_back > 1
                    && matches!(t.norm(j + 1), "so" | "this" | "that");
                if never_so {
                    v *= 1.25;
                } else {
                    v *= NEGATION_SCALAR;
                }
            } else if t.norm(j) == "least"
                && (j == 0 || !matches!(t.norm(j - 1), "at" | "very"))
                && words_back == 1
            {
                v *= NEGATION_SCALAR;
            }
        }
        sentiments[i] = v;
    }

    // Sarcasm: praise in a message whose other sentiment words are negative.
    if slots.iter().any(|s| s.sarcasm) {
        let (rest, rest_negatives) = sentiments
            .iter()
            .zip(&slots)
            .filter(|(_, s)| !s.sarcasm)
            .fold((0.0f32, 0u32), |(sum, neg), (v, _)| {
                (sum + v, neg + u32::from(*v < 0.0))
            });
        // Or: nothing else is positive and the message complains in other words
        // ("Great, another week of waiting").
        let rest_positive = sentiments
            .iter()
            .zip(&slots)
            .any(|(v, s)| !s.sarcasm && *v > 0.0);
        let complains = (0..n).any(|i| {
            matches!(
                t.norm(i),
                "another" | "again" | "twice" | "still" | "waiting" | "deleted" | "lost"
            )
        });
        if (rest < 0.0 && rest_negatives > 0) || (!rest_positive && complains) {
            for (v, s) in sentiments.iter_mut().zip(&slots) {
                if s.sarcasm && *v > 0.0 {
                    *v *= -0.8;
                }
            }
        }
    }

    // "but" / "however": the clause after weighs more.
    if let Some(b) = (0..n).find(|&i| matches!(t.norm(i), "but" | "however")) {
        for (i, v) in sentiments.iter_mut().enumerate() {
            if i < b {
                *v *= BUT_BEFORE;
            } else if i > b {
                *v *= BUT_AFTER;
            }
        }
    }

    let mut sum: f32 = sentiments.iter().sum();
    if sum != 0.0 {
        let emphasis = t.exclamations.min(4) as f32 * EMARK_INCR
            + match t.questions {
                0 | 1 => 0.0,
                2 | 3 => t.questions as f32 * QMARK_INCR,
                _ => 0.96,
            };
        sum += sum.signum() * emphasis;
    }
    Sentiment::new(sum / (sum * sum + NORMALIZATION_ALPHA).sqrt())
}

/// Where a conversation's mood is heading, from the recent average against the longer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    #[default]
    Steady,
    Worsening,
}

/// The running sentiment of a conversation, folded message by message with [`update`].
/// Constant size, so it is stored with the conversation as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ConversationSentiment {
    /// Visitor messages scored so far.
    pub count: u32,
    /// Rolling (exponentially weighted) average of the scores; the inbox shows it.
    pub average: f32,
    /// A faster rolling average that reflects the last two or three messages; the trend
    /// and the end of a negative episode are judged on it.
    pub recent: f32,
    /// The first message's score.
    pub first: f32,
    /// The latest message's score.
    pub last: f32,
    /// `recent` against `average`.
    pub trend: Trend,
    /// A `sentiment.negative` trigger fired and the mood has not recovered since: no new
    /// trigger until it has (hysteresis).
    pub in_negative_episode: bool,
}

/// Folds one message's score into the conversation's sentiment. Returns the new state and
/// a [`Trigger::SentimentNegative`] when a negative episode starts.
pub fn update(
    state: &ConversationSentiment,
    message: Sentiment,
    config: &InsightConfig,
) -> (ConversationSentiment, Option<Trigger>) {
    let c = &config.sentiment;
    let s = message.score;
    let mut next = *state;
    if state.count == 0 {
        next.first = s;
        next.average = s;
        next.recent = s;
    } else {
        next.average += c.average_alpha * (s - state.average);
        next.recent += c.recent_alpha * (s - state.recent);
    }
    next.count = state.count.saturating_add(1);
    next.last = s;
    let delta = next.recent - next.average;
    next.trend = if next.count < 2 || delta.abs() < c.trend_band {
        Trend::Steady
    } else if delta > 0.0 {
        Trend::Improving
    } else {
        Trend::Worsening
    };
    let mut trigger = None;
    if state.in_negative_episode {
        if next.recent >= c.negative_exit && s >= c.negative_exit {
            next.in_negative_episode = false;
        }
    } else if s <= c.negative_enter {
        next.in_negative_episode = true;
        trigger = Some(Trigger::SentimentNegative { score: s });
    }
    (next, trigger)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> f32 {
        score(text).score
    }

    #[test]
    fn basic_polarity() {
        assert!(s("I love this tent, it's great!") > 0.5);
        assert!(s("This is the worst service ever") < -0.5);
        assert_eq!(score("").label, SentimentLabel::Neutral);
        assert_eq!(score("Order 1234, size M").label, SentimentLabel::Neutral);
    }

    #[test]
    fn vader_rules() {
        assert!(s("The jacket is good") < s("The jacket is very good"));
        assert!(s("The jacket is not good") < 0.0);
        assert!(s("The jacket is good!!!") > s("The jacket is good"));
        assert!(s("The jacket is GOOD") > s("The jacket is good"));
        assert!(s("The fit is good but the zipper is terrible") < 0.0);
        assert!(s("The zipper is terrible but the fit is good") > 0.0);
        assert!(s("not very very very good") < 0.0);
    }

    #[test]
    fn support_phrases() {
        assert!(s("Still waiting for my refund") < -0.3);
        assert!(s("This is the third time I ask") < -0.3);
        assert!(s("Thanks so much, you guys rock") > 0.5);
        assert!(s("I'd like to return these boots please") > -0.05);
        assert!(s("I'd like to return these boots please") < 0.05);
        assert!(s("Can you help me with my order?") < 0.05);
        assert!(s("No refund, no reply, nothing") < -0.5);
        assert!(s("It's been two weeks and no update") < -0.4);
    }

    #[test]
    fn sarcasm() {
        assert!(s("Oh great, the replacement is broken too") < 0.0);
        assert!(s("Great, another delay. Thanks a lot.") < 0.0);
        assert!(s("Great, thanks!") > 0.5);
        assert!(s("Thanks a lot for the quick help") > 0.3);
    }

    #[test]
    fn emoji_and_emoticons() {
        assert!(s("😡😡") < -0.5);
        assert!(s("👍") > 0.2);
        assert!(s("arrived today :)") > 0.0);
    }

    #[test]
    fn hysteresis_fires_once_per_episode() {
        let config = InsightConfig::default();
        let mut state = ConversationSentiment::default();
        let mut fired = 0;
        for score in [-0.8, -0.9, -0.7, 0.0, -0.8, 0.0, 0.3, 0.5, -0.9] {
            let (next, trigger) = update(&state, Sentiment::new(score), &config);
            fired += usize::from(trigger.is_some());
            state = next;
        }
        assert_eq!(fired, 2, "one per episode: the first three, then the last");
        assert!(state.in_negative_episode);
        assert_eq!(state.count, 9);
        assert_eq!(state.first, -0.8);
        assert_eq!(state.last, -0.9);
    }

    #[test]
    fn trend_follows_recent_messages() {
        let config = InsightConfig::default();
        let mut state = ConversationSentiment::default();
        for score in [-0.8, -0.6, 0.2, 0.6, 0.8] {
            state = update(&state, Sentiment::new(score), &config).0;
        }
        assert_eq!(state.trend, Trend::Improving);
        for score in [-0.8, -0.9] {
            state = update(&state, Sentiment::new(score), &config).0;
        }
        assert_eq!(state.trend, Trend::Worsening);
    }
}
