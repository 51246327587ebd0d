//! Intents: what a visitor wants (a demo, a refund, a human), from phrases and simple
//! patterns matched in one pass over the message.
//!
//! Built-in intents cover sales and support; each bot may add its own ([`CustomIntent`]).
//! A bot's intents are compiled once into an [`IntentMatcher`] (one Aho-Corasick automaton
//! over every phrase and pattern anchor) and reused for every message. Each matched phrase
//! carries a weight; an intent's confidence is `1 - Π(1 - weight)` over its distinct
//! matches, so several weak cues add up and a strong one suffices. A phrase right after a
//! negation ("I don't want to cancel") counts for a third.

use super::lexicon::lexicon;
use super::text::{Kind, Tokens, gap, tokenize};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Built-in intent names (stable identifiers used in events and workflows).
pub mod names {
    pub const DEMO_REQUEST: &str = "demo_request";
    pub const PRICING: &str = "pricing";
    pub const ENTERPRISE_INQUIRY: &str = "enterprise_inquiry";
    pub const BULK_ORDER: &str = "bulk_order";
    pub const RETURN_REQUEST: &str = "return_request";
    pub const REFUND: &str = "refund";
    pub const COMPLAINT: &str = "complaint";
    pub const CANCELLATION: &str = "cancellation";
    pub const ORDER_STATUS: &str = "order_status";
    pub const HUMAN_AGENT: &str = "human_agent";
}

/// Weight of a custom intent's phrase: the bot owner named it, so one match is strong.
const CUSTOM_PHRASE_WEIGHT: f32 = 0.9;
/// Weight of a custom intent's pattern match.
const CUSTOM_PATTERN_WEIGHT: f32 = 0.85;
/// A match right after a negation counts this much.
const NEGATED_FACTOR: f32 = 0.3;
/// Confidence never reaches certainty from phrases alone.
const MAX_CONFIDENCE: f32 = 0.99;
/// At most this many evidence snippets per intent.
const MAX_EVIDENCE: usize = 5;

/// Limits that keep a custom definition's compile and match cost bounded.
pub const MAX_CUSTOM_INTENTS: usize = 50;
pub const MAX_PHRASES_PER_INTENT: usize = 200;
pub const MAX_PHRASE_CHARS: usize = 200;

/// A built-in intent: name, lead-score points and `(phrase or pattern, weight)` cues.
struct Builtin {
    name: &'static str,
    lead_points: i32,
    cues: &'static [(&'static str, f32)],
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: names::DEMO_REQUEST,
        lead_points: 20,
        cues: &[
            ("demo", 0.7),
            ("a demo", 0.8),
            ("book a demo", 0.95),
            ("schedule a demo", 0.95),
            ("request a demo", 0.95),
            ("see a demo", 0.9),
            ("get a demo", 0.9),
            ("product demo", 0.9),
            ("live demo", 0.9),
            ("demo call", 0.9),
            ("walkthrough", 0.6),
            ("walk me through", 0.6),
            ("show me how it works", 0.7),
            ("see it in action", 0.8),
            ("free trial", 0.5),
            ("trial", 0.35),
            ("book a call", 0.7),
            ("schedule a call", 0.7),
            ("talk to sales", 0.8),
            ("sales call", 0.7),
        ],
    },
    Builtin {
        name: names::PRICING,
        lead_points: 10,
        cues: &[
            ("price", 0.7),
            ("prices", 0.7),
            ("pricing", 0.85),
            ("how much", 0.75),
            ("cost", 0.65),
            ("costs", 0.65),
            ("what does it cost", 0.9),
            ("quote", 0.6),
            ("a quote", 0.8),
            ("price list", 0.9),
            ("plans", 0.45),
            ("per month", 0.6),
            ("per seat", 0.7),
            ("per user", 0.7),
            ("discount", 0.6),
            ("discounts", 0.6),
            ("cheaper", 0.5),
            ("expensive", 0.4),
            ("afford", 0.4),
            ("subscription fee", 0.7),
            ("fee", 0.4),
            ("fees", 0.4),
            ("tiers", 0.5),
            ("how much is * plan", 0.9),
        ],
    },
    Builtin {
        name: names::ENTERPRISE_INQUIRY,
        lead_points: 25,
        cues: &[
            ("enterprise", 0.85),
            ("enterprise plan", 0.95),
            ("sso", 0.7),
            ("saml", 0.7),
            ("single sign-on", 0.75),
            ("sla", 0.6),
            ("on-prem", 0.7),
            ("on-premise", 0.7),
            ("on premise", 0.7),
            ("self-hosted", 0.5),
            ("security review", 0.7),
            ("soc 2", 0.7),
            ("soc2", 0.7),
            ("procurement", 0.75),
            ("msa", 0.6),
            ("dpa", 0.6),
            ("whole company", 0.5),
            ("entire organization", 0.6),
            ("company-wide", 0.6),
            ("custom contract", 0.8),
            ("dedicated account manager", 0.8),
            ("volume licensing", 0.8),
            ("audit logs", 0.5),
            ("seats", 0.3),
            ("licenses", 0.35),
        ],
    },
    Builtin {
        name: names::BULK_ORDER,
        lead_points: 20,
        cues: &[
            ("bulk", 0.8),
            ("bulk order", 0.95),
            ("in bulk", 0.9),
            ("bulk pricing", 0.9),
            ("wholesale", 0.9),
            ("large order", 0.85),
            ("volume discount", 0.8),
            ("corporate order", 0.85),
            ("group order", 0.8),
            ("for the whole team", 0.5),
            ("for our team", 0.35),
            ("reseller", 0.7),
            ("resell", 0.6),
            ("distributor", 0.6),
            ("minimum order", 0.8),
            ("moq", 0.8),
            ("# units", 0.5),
            ("# pieces", 0.5),
        ],
    },
    Builtin {
        name: names::RETURN_REQUEST,
        lead_points: 0,
        cues: &[
            ("return", 0.6),
            ("return it", 0.85),
            ("return this", 0.85),
            ("return them", 0.85),
            ("return these", 0.85),
            ("return my", 0.8),
            ("returning", 0.75),
            ("send it back", 0.85),
            ("send them back", 0.85),
            ("send back", 0.8),
            ("exchange", 0.6),
            ("exchange it", 0.85),
            ("return label", 0.9),
            ("return policy", 0.8),
            ("returns policy", 0.8),
            ("rma", 0.8),
            ("doesn't fit", 0.5),
            ("too small", 0.4),
            ("too big", 0.4),
            ("wrong size", 0.5),
        ],
    },
    Builtin {
        name: names::REFUND,
        lead_points: -5,
        cues: &[
            ("refund", 0.85),
            ("refunds", 0.8),
            ("refunded", 0.7),
            ("money back", 0.85),
            ("my money", 0.5),
            ("reimburse", 0.8),
            ("reimbursement", 0.8),
            ("chargeback", 0.85),
            ("charged twice", 0.7),
            ("double charged", 0.7),
            ("compensation", 0.5),
        ],
    },
    Builtin {
        name: names::COMPLAINT,
        lead_points: -5,
        cues: &[
            ("complaint", 0.85),
            ("complain", 0.8),
            ("unacceptable", 0.8),
            ("ridiculous", 0.6),
            ("terrible", 0.5),
            ("awful", 0.5),
            ("worst", 0.55),
            ("disappointed", 0.55),
            ("not happy", 0.6),
            ("still waiting", 0.6),
            ("third time", 0.6),
            ("never arrived", 0.6),
            ("broken", 0.45),
            ("damaged", 0.5),
            ("defective", 0.55),
            ("poor service", 0.8),
            ("bad service", 0.8),
            ("rude", 0.6),
            ("escalate", 0.6),
            ("fed up", 0.7),
            ("frustrated", 0.6),
            ("angry", 0.6),
            ("scam", 0.7),
            ("useless", 0.55),
            ("waste of money", 0.7),
            ("stopped working", 0.5),
            ("not working", 0.45),
            ("doesn't work", 0.45),
        ],
    },
    Builtin {
        name: names::CANCELLATION,
        lead_points: -10,
        cues: &[
            ("cancel", 0.7),
            ("cancel my", 0.85),
            ("cancellation", 0.85),
            ("cancel * subscription", 0.95),
            ("cancel * account", 0.9),
            ("cancel * membership", 0.9),
            ("unsubscribe", 0.7),
            ("close my account", 0.9),
            ("delete my account", 0.85),
            ("terminate", 0.6),
            ("stop my subscription", 0.9),
            ("end my subscription", 0.9),
            ("downgrade", 0.5),
            ("don't renew", 0.8),
            ("not renew", 0.7),
            ("won't be renewing", 0.85),
            ("switching to", 0.45),
        ],
    },
    Builtin {
        name: names::ORDER_STATUS,
        lead_points: 0,
        cues: &[
            ("where is my order", 0.95),
            ("where's my order", 0.95),
            ("where is my package", 0.95),
            ("order status", 0.95),
            ("status of my order", 0.95),
            ("track my order", 0.95),
            ("tracking", 0.6),
            ("tracking number", 0.9),
            ("has it shipped", 0.9),
            ("shipped yet", 0.9),
            ("when will it arrive", 0.9),
            ("when will my order", 0.9),
            ("hasn't arrived", 0.8),
            ("not arrived", 0.75),
            ("never arrived", 0.7),
            ("not received", 0.7),
            ("haven't received", 0.75),
            ("delivery date", 0.7),
            ("estimated delivery", 0.8),
            ("waiting for my order", 0.85),
            ("my order", 0.4),
            ("order number", 0.45),
            ("my package", 0.6),
            ("my parcel", 0.6),
            ("shipping status", 0.9),
            ("out for delivery", 0.7),
            ("delivery", 0.3),
        ],
    },
    Builtin {
        name: names::HUMAN_AGENT,
        lead_points: 3,
        cues: &[
            ("human", 0.75),
            ("real person", 0.9),
            ("actual person", 0.9),
            ("a person", 0.6),
            ("talk to someone", 0.85),
            ("speak to someone", 0.85),
            ("speak with someone", 0.85),
            ("talk to a human", 0.95),
            ("speak to a human", 0.95),
            ("live agent", 0.9),
            ("an agent", 0.7),
            ("agent", 0.5),
            ("representative", 0.8),
            ("operator", 0.6),
            ("manager", 0.55),
            ("supervisor", 0.7),
            ("not a bot", 0.85),
            ("are you a bot", 0.6),
            ("call me", 0.5),
        ],
    },
];

/// A bot's own intent, as configured in the dashboard or API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomIntent {
    /// Identifier used in events and workflows: lowercase letters, digits and `_`, not a
    /// built-in name.
    pub name: String,
    /// Phrases that signal the intent, matched on whole words, case-insensitively and
    /// ignoring punctuation ("rent a kayak").
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Word patterns: `*` stands for up to three words, `#` for a number
    /// ("rent * kayaks", "# kayaks"). Each needs at least one literal word.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Points this intent adds to the lead score when detected (negative allowed).
    #[serde(default)]
    pub lead_points: i32,
}

/// Why a set of custom intents does not compile; the message names the culprit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntentError {
    #[error("at most {MAX_CUSTOM_INTENTS} custom intents")]
    TooMany,
    #[error(
        "intent name {0:?} must be 1-64 lowercase letters, digits or underscores, starting with a letter"
    )]
    InvalidName(String),
    #[error("intent {0:?} is a built-in intent")]
    Reserved(String),
    #[error("intent {0:?} is defined twice")]
    Duplicate(String),
    #[error("intent {0:?} needs at least one phrase or pattern")]
    Empty(String),
    #[error("intent {0:?} has more than {MAX_PHRASES_PER_INTENT} phrases and patterns")]
    TooManyPhrases(String),
    #[error("intent {intent:?}: phrase {phrase:?} {reason}")]
    BadPhrase {
        intent: String,
        phrase: String,
        reason: &'static str,
    },
}

/// One intent found in a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntentMatch {
    /// Built-in ([`names`]) or custom intent name.
    pub intent: String,
    /// 0 to 1: how sure the phrases (or the model) are.
    pub confidence: f32,
    /// The words of the message that matched (or `"model"`), for the dashboard and events.
    pub evidence: Vec<String>,
    /// Points this intent is worth to lead scoring.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lead_points: i32,
}

fn is_zero(v: &i32) -> bool {
    *v == 0
}

/// One element of a compiled pattern.
#[derive(Debug, Clone, PartialEq)]
enum Elem {
    Word(String),
    /// Up to this many arbitrary words.
    Gap(u8),
    Number,
}

/// What an automaton hit means.
#[derive(Debug, Clone)]
struct Cue {
    intent: usize,
    weight: f32,
    /// For patterns: the elements before and after the literal anchor.
    before: Vec<Elem>,
    after: Vec<Elem>,
}

/// Intent definitions of a bot compiled for matching: build once per bot (on start and
/// when its intents change) and share; matching is then one automaton pass per message.
#[derive(Debug, Clone)]
pub struct IntentMatcher {
    names: Vec<String>,
    lead_points: Vec<i32>,
    automaton: AhoCorasick,
    cues: Vec<Cue>,
}

impl IntentMatcher {
    /// The built-in intents alone, compiled once per process.
    pub fn builtin() -> &'static IntentMatcher {
        static BUILTIN: OnceLock<IntentMatcher> = OnceLock::new();
        BUILTIN.get_or_init(|| IntentMatcher::new(&[]).expect("built-in intents compile"))
    }

    /// Compiles the built-in intents plus `custom`, checking every custom definition.
    pub fn new(custom: &[CustomIntent]) -> Result<IntentMatcher, IntentError> {
        if custom.len() > MAX_CUSTOM_INTENTS {
            return Err(IntentError::TooMany);
        }
        let mut names = Vec::new();
        let mut lead_points = Vec::new();
        let mut anchors: Vec<String> = Vec::new();
        let mut cues = Vec::new();
        for b in BUILTINS {
            let idx = names.len();
            names.push(b.name.to_string());
            lead_points.push(b.lead_points);
            for &(cue, weight) in b.cues {
                let (anchor, before, after) =
                    compile_pattern(cue).expect("built-in cues are valid");
                anchors.push(anchor);
                cues.push(Cue {
                    intent: idx,
                    weight,
                    before,
                    after,
                });
            }
        }
        for c in custom {
            validate_name(&c.name, &names)?;
            if c.phrases.is_empty() && c.patterns.is_empty() {
                return Err(IntentError::Empty(c.name.clone()));
            }
            if c.phrases.len() + c.patterns.len() > MAX_PHRASES_PER_INTENT {
                return Err(IntentError::TooManyPhrases(c.name.clone()));
            }
            let idx = names.len();
            names.push(c.name.clone());
            lead_points.push(c.lead_points);
            let bad = |phrase: &str, reason| IntentError::BadPhrase {
                intent: c.name.clone(),
                phrase: phrase.to_string(),
                reason,
            };
            for phrase in &c.phrases {
                if phrase.chars().count() > MAX_PHRASE_CHARS {
                    return Err(bad(phrase, "is too long (200 characters at most)"));
                }
                let norm = tokenize(phrase).norm;
                if norm.is_empty() {
                    return Err(bad(phrase, "has no words"));
                }
                anchors.push(norm);
                cues.push(Cue {
                    intent: idx,
                    weight: CUSTOM_PHRASE_WEIGHT,
                    before: Vec::new(),
                    after: Vec::new(),
                });
            }
            for pattern in &c.patterns {
                if pattern.chars().count() > MAX_PHRASE_CHARS {
                    return Err(bad(pattern, "is too long (200 characters at most)"));
                }
                let (anchor, before, after) =
                    compile_pattern(pattern).map_err(|reason| bad(pattern, reason))?;
                anchors.push(anchor);
                cues.push(Cue {
                    intent: idx,
                    weight: CUSTOM_PATTERN_WEIGHT,
                    before,
                    after,
                });
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&anchors)
            .map_err(|_| IntentError::TooMany)?;
        Ok(IntentMatcher {
            names,
            lead_points,
            automaton,
            cues,
        })
    }

    /// The names of every intent this matcher knows, built-ins first.
    pub fn intent_names(&self) -> &[String] {
        &self.names
    }

    /// Matches a tokenised message; `extra` adds non-phrase evidence (intent index by name,
    /// weight, evidence text) such as a large quantity for `bulk_order`.
    pub(crate) fn detect(&self, t: &Tokens<'_>, extra: &[(&str, f32, String)]) -> Vec<IntentMatch> {
        let n_intents = self.names.len();
        // (1 - confidence) per intent, and evidence.
        let mut miss = vec![1.0f32; n_intents];
        let mut evidence: Vec<Vec<String>> = vec![Vec::new(); n_intents];
        let mut seen_cues: Vec<usize> = Vec::new();
        let lex = lexicon();
        for m in self.automaton.find_overlapping_iter(&t.norm) {
            let (Some(first), Some(last)) = (t.token_at(m.start()), t.token_ending_at(m.end()))
            else {
                continue;
            };
            let cue_idx = m.pattern().as_usize();
            if seen_cues.contains(&cue_idx) {
                continue;
            }
            let cue = &self.cues[cue_idx];
            let Some((from, to)) = extend(t, first, last, &cue.before, &cue.after) else {
                continue;
            };
            seen_cues.push(cue_idx);
            let mut weight = cue.weight;
            // Negated within the two words before ("don't want to cancel" is 3 back).
            let negated = (from.saturating_sub(3)..from).any(|j| {
                t.toks[j + 1..=from]
                    .iter()
                    .all(|tk| tk.gap & gap::STOP == 0)
                    && lex.word(t.norm(j)).negator
            });
            if negated {
                weight *= NEGATED_FACTOR;
            }
            miss[cue.intent] *= 1.0 - weight;
            let ev = &mut evidence[cue.intent];
            let text = &t.text[t.toks[from].start as usize..t.toks[to].end as usize];
            if ev.len() < MAX_EVIDENCE && !ev.iter().any(|e| e == text) {
                ev.push(text.to_string());
            }
        }
        for (name, weight, text) in extra {
            if let Some(i) = self.names.iter().position(|n| n == name) {
                miss[i] *= 1.0 - weight;
                if evidence[i].len() < MAX_EVIDENCE && !evidence[i].contains(text) {
                    evidence[i].push(text.clone());
                }
            }
        }
        let mut out: Vec<IntentMatch> = (0..n_intents)
            .filter(|&i| miss[i] < 1.0)
            .map(|i| IntentMatch {
                intent: self.names[i].clone(),
                confidence: round3((1.0 - miss[i]).min(MAX_CONFIDENCE)),
                evidence: std::mem::take(&mut evidence[i]),
                lead_points: self.lead_points[i],
            })
            .collect();
        out.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then_with(|| a.intent.cmp(&b.intent))
        });
        out
    }
}

pub(crate) fn round3(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

fn validate_name(name: &str, taken: &[String]) -> Result<(), IntentError> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(IntentError::InvalidName(name.to_string()));
    }
    if BUILTINS.iter().any(|b| b.name == name) {
        return Err(IntentError::Reserved(name.to_string()));
    }
    if taken.iter().any(|t| t == name) {
        return Err(IntentError::Duplicate(name.to_string()));
    }
    Ok(())
}

/// Splits a pattern into its literal anchor (normalised words) and the elements before and
/// after it.
fn compile_pattern(pattern: &str) -> Result<(String, Vec<Elem>, Vec<Elem>), &'static str> {
    let mut elems = Vec::new();
    for part in pattern.split_whitespace() {
        match part {
            "*" => elems.push(Elem::Gap(3)),
            "#" => elems.push(Elem::Number),
            word => {
                if word.contains(['*', '#']) {
                    return Err("mixes * or # into a word (they must stand alone)");
                }
                let t = tokenize(word);
                for i in 0..t.toks.len() {
                    elems.push(Elem::Word(t.norm(i).to_string()));
                }
            }
        }
    }
    let start = elems
        .iter()
        .position(|e| matches!(e, Elem::Word(_)))
        .ok_or("needs at least one word besides * and #")?;
    let end = elems[start..]
        .iter()
        .position(|e| !matches!(e, Elem::Word(_)))
        .map_or(elems.len(), |p| start + p);
    let anchor = elems[start..end]
        .iter()
        .map(|e| match e {
            Elem::Word(w) => w.as_str(),
            _ => unreachable!("anchor is words"),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut before: Vec<Elem> = elems[..start].to_vec();
    before.reverse();
    let after = elems[end..].to_vec();
    if before.first() == Some(&Elem::Gap(3)) && before.len() == 1
        || after.last() == Some(&Elem::Gap(3)) && after.len() == 1
    {
        return Err("starts or ends with * (which then matches nothing useful)");
    }
    Ok((anchor, before, after))
}

/// Checks a pattern's elements around an anchor found at tokens `first..=last`; returns the
/// token range of the whole match.
fn extend(
    t: &Tokens<'_>,
    first: usize,
    last: usize,
    before: &[Elem],
    after: &[Elem],
) -> Option<(usize, usize)> {
    let to = match_forward(t, last + 1, after)?;
    let from = match_backward(t, first, before)?;
    Some((from, to))
}

/// Matches `elems` starting at token `pos`; returns the last token used (or `pos - 1`).
fn match_forward(t: &Tokens<'_>, pos: usize, elems: &[Elem]) -> Option<usize> {
    let Some((elem, rest)) = elems.split_first() else {
        return Some(pos - 1);
    };
    match elem {
        Elem::Gap(max) => (0..=*max as usize)
            .filter(|skip| pos + skip <= t.toks.len())
            .find_map(|skip| match_forward(t, pos + skip, rest)),
        Elem::Word(w) => (pos < t.toks.len() && t.norm(pos) == w)
            .then(|| match_forward(t, pos + 1, rest))
            .flatten(),
        Elem::Number => (pos < t.toks.len() && t.toks[pos].kind == Kind::Number)
            .then(|| match_forward(t, pos + 1, rest))
            .flatten(),
    }
}

/// Matches reversed `elems` ending just before token `pos`; returns the first token used.
fn match_backward(t: &Tokens<'_>, pos: usize, elems: &[Elem]) -> Option<usize> {
    let Some((elem, rest)) = elems.split_first() else {
        return Some(pos);
    };
    match elem {
        Elem::Gap(max) => {
            (0..=(*max as usize).min(pos)).find_map(|skip| match_backward(t, pos - skip, rest))
        }
        Elem::Word(w) => (pos > 0 && t.norm(pos - 1) == w)
            .then(|| match_backward(t, pos - 1, rest))
            .flatten(),
        Elem::Number => (pos > 0 && t.toks[pos - 1].kind == Kind::Number)
            .then(|| match_backward(t, pos - 1, rest))
            .flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Vec<IntentMatch> {
        IntentMatcher::builtin().detect(&tokenize(text), &[])
    }

    fn confidence(text: &str, intent: &str) -> f32 {
        detect(text)
            .iter()
            .find(|m| m.intent == intent)
            .map_or(0.0, |m| m.confidence)
    }

    #[test]
    fn builtins_detect_with_evidence() {
        let m = detect("Hi, can I book a demo next week?");
        assert_eq!(m[0].intent, names::DEMO_REQUEST);
        assert!(m[0].confidence > 0.9);
        assert!(m[0].evidence.contains(&"book a demo".to_string()));
        assert!(confidence("Where is my order??", names::ORDER_STATUS) > 0.9);
        assert!(confidence("I want to talk to a human", names::HUMAN_AGENT) > 0.9);
        assert!(confidence("How much is the pro plan?", names::PRICING) > 0.9);
        assert!(confidence("Please cancel my team subscription", names::CANCELLATION) > 0.9);
        assert!(confidence("I'd like my money back", names::REFUND) > 0.8);
        assert!(confidence("Do you offer SSO and an SLA?", names::ENTERPRISE_INQUIRY) > 0.8);
        assert!(confidence("We need 500 units for a bulk order", names::BULK_ORDER) > 0.9);
        assert!(confidence("Can I return these boots?", names::RETURN_REQUEST) > 0.5);
        assert!(detect("The weather is nice today").is_empty());
    }

    #[test]
    fn negation_lowers_confidence() {
        assert!(confidence("I don't want to cancel, just asking", names::CANCELLATION) < 0.5);
        assert!(confidence("I want to cancel", names::CANCELLATION) >= 0.7);
    }

    #[test]
    fn matches_need_word_boundaries() {
        assert_eq!(
            confidence("democracy and pricelessness", names::DEMO_REQUEST),
            0.0
        );
        assert_eq!(
            confidence("democracy and pricelessness", names::PRICING),
            0.0
        );
    }

    #[test]
    fn custom_intents_phrases_and_patterns() {
        let custom = vec![CustomIntent {
            name: "kayak_rental".into(),
            phrases: vec!["Rent a kayak".into()],
            patterns: vec!["rent * kayaks".into(), "# kayaks".into()],
            lead_points: 12,
        }];
        let matcher = IntentMatcher::new(&custom).unwrap();
        let m = matcher.detect(&tokenize("Can we rent two big kayaks?"), &[]);
        let k = m.iter().find(|m| m.intent == "kayak_rental").unwrap();
        assert_eq!(k.evidence, ["rent two big kayaks"]);
        assert_eq!(k.lead_points, 12);
        let m = matcher.detect(&tokenize("I need 4 kayaks"), &[]);
        assert_eq!(m[0].evidence, ["4 kayaks"]);
        assert!(matcher.detect(&tokenize("rent the lake"), &[]).is_empty());
    }

    #[test]
    fn custom_intent_errors_are_clear() {
        let mk = |name: &str, phrases: &[&str], patterns: &[&str]| CustomIntent {
            name: name.into(),
            phrases: phrases.iter().map(|s| s.to_string()).collect(),
            patterns: patterns.iter().map(|s| s.to_string()).collect(),
            lead_points: 0,
        };
        let err = |c: Vec<CustomIntent>| IntentMatcher::new(&c).unwrap_err().to_string();
        assert!(err(vec![mk("Bad Name", &["x"], &[])]).contains("lowercase"));
        assert!(err(vec![mk("refund", &["x"], &[])]).contains("built-in"));
        assert!(err(vec![mk("a", &["x"], &[]), mk("a", &["y"], &[])]).contains("twice"));
        assert!(err(vec![mk("a", &[], &[])]).contains("at least one"));
        assert!(err(vec![mk("a", &["!!!"], &[])]).contains("no words"));
        assert!(err(vec![mk("a", &[], &["* #"])]).contains("at least one word"));
        assert!(err(vec![mk("a", &[], &["kayak*"])]).contains("stand alone"));
    }
}
