//! Lead scoring: an explainable 0-100 score per conversation, where every point belongs to
//! a named signal with its evidence, so the dashboard can show why a lead is hot.
//!
//! The state keeps the facts (fields, intents seen, engagement counters) and the score is
//! recomputed from them on every message; that makes the score deterministic, independent
//! of message order for the same facts, and its breakdown always sums to it (a `cap` or
//! `floor` signal absorbs what falls outside 0-100).

use super::extract::{LeadFields, is_free_mail};
use super::{InsightConfig, MessageInsight, Trigger};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One line of the score's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signal {
    /// Stable identifier: `intent:demo_request`, `email_domain`, `budget`, `engagement:messages`...
    pub name: String,
    /// Points this signal contributes (negative for signals against a sale).
    pub points: i32,
    /// Why, in words taken from the conversation.
    pub evidence: String,
}

/// How warm a lead is, from configurable score thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Hot,
    Warm,
    #[default]
    Cold,
}

/// An intent seen in the conversation, kept for scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeenIntent {
    pub points: i32,
    /// The first evidence of it.
    pub evidence: String,
}

/// A conversation's lead record, folded message by message with [`update`] and stored as
/// JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LeadState {
    /// 0 to 100; the sum of `breakdown`.
    pub score: u8,
    /// Every signal that contributed, in a stable order.
    pub breakdown: Vec<Signal>,
    /// Fields the visitor stated; later statements replace earlier ones.
    pub fields: LeadFields,
    pub priority: Priority,
    /// `lead.qualified` has fired for this conversation (it fires once).
    pub qualified_fired: bool,
    /// Intents detected (at or above the intent threshold), by name.
    pub intents: BTreeMap<String, SeenIntent>,
    /// Visitor messages folded in.
    pub messages: u32,
    /// Their total length in characters.
    pub chars: u64,
    /// Distinct visits (sessions) of the visitor, as last reported.
    pub visits: u32,
}

/// Folds one visitor message into the lead. `visits` is how many distinct visits the
/// visitor has made so far (1 on the first), which the store knows and the text does not.
/// Returns the new state and [`Trigger::LeadQualified`] the first time the score reaches
/// the threshold.
pub fn update(
    state: &LeadState,
    insight: &MessageInsight,
    visits: u32,
    config: &InsightConfig,
) -> (LeadState, Option<Trigger>) {
    let mut next = state.clone();
    next.messages = state.messages.saturating_add(1);
    next.chars = state.chars.saturating_add(u64::from(insight.chars));
    next.visits = state.visits.max(visits);
    next.fields.merge(&insight.fields);
    for m in &insight.intents {
        if m.confidence >= config.intent_threshold {
            next.intents
                .entry(m.intent.clone())
                .or_insert_with(|| SeenIntent {
                    points: m.lead_points,
                    evidence: m.evidence.first().cloned().unwrap_or_default(),
                });
        }
    }
    let breakdown = score(&next);
    let total: i32 = breakdown.iter().map(|s| s.points).sum();
    next.score = u8::try_from(total.clamp(0, 100)).expect("clamped");
    next.breakdown = breakdown;
    let l = &config.lead;
    next.priority = if next.score >= l.hot {
        Priority::Hot
    } else if next.score >= l.warm {
        Priority::Warm
    } else {
        Priority::Cold
    };
    let mut trigger = None;
    if !state.qualified_fired && next.score >= l.qualified {
        next.qualified_fired = true;
        trigger = Some(Trigger::LeadQualified { score: next.score });
    }
    (next, trigger)
}

fn signal(out: &mut Vec<Signal>, name: &str, points: i32, evidence: String) {
    if points != 0 {
        out.push(Signal {
            name: name.to_string(),
            points,
            evidence,
        });
    }
}

/// The breakdown for the facts in `s`; its points sum to a value in 0..=100.
fn score(s: &LeadState) -> Vec<Signal> {
    let mut out = Vec::new();
    for (name, seen) in &s.intents {
        signal(
            &mut out,
            &format!("intent:{name}"),
            seen.points,
            format!("said \"{}\"", seen.evidence),
        );
    }
    let f = &s.fields;
    if let Some(email) = &f.email {
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        if is_free_mail(email) {
            signal(
                &mut out,
                "email_domain",
                3,
                format!("{domain} is free mail"),
            );
        } else {
            signal(
                &mut out,
                "email_domain",
                15,
                format!("{domain} is a company domain"),
            );
        }
    }
    if let Some(company) = &f.company {
        signal(&mut out, "company", 8, format!("works at {company}"));
    }
    if let Some(name) = &f.name {
        signal(&mut out, "name", 2, format!("introduced as {name}"));
    }
    if let Some(phone) = &f.phone {
        signal(&mut out, "phone", 5, format!("gave phone {phone}"));
    }
    if let Some(q) = &f.quantity {
        let points = match q.value {
            1000.. => 20,
            100.. => 15,
            10.. => 8,
            _ => 3,
        };
        signal(
            &mut out,
            "quantity",
            points,
            format!("{} {}", q.value, q.unit),
        );
    }
    if let Some(b) = &f.budget {
        let points = match b.amount {
            50_000.. => 20,
            10_000.. => 15,
            1_000.. => 10,
            _ => 5,
        };
        let evidence = format!("budget {} {}", b.amount, b.currency);
        signal(&mut out, "budget", points, evidence.trim_end().to_string());
    }
    if let Some(team) = f.team_size {
        let points = match team {
            200.. => 20,
            50.. => 15,
            10.. => 10,
            _ => 5,
        };
        signal(&mut out, "team_size", points, format!("team of {team}"));
    }
    if let Some(timeline) = &f.timeline {
        signal(&mut out, "timeline", 8, format!("needed {timeline}"));
    }
    if f.urgent {
        signal(&mut out, "urgency", 7, "said it is urgent".to_string());
    }
    let messages = s.messages.saturating_sub(1).min(5) as i32 * 2;
    signal(
        &mut out,
        "engagement:messages",
        messages,
        format!("{} messages", s.messages),
    );
    let average = if s.messages == 0 {
        0
    } else {
        s.chars / u64::from(s.messages)
    };
    let length = match average {
        60.. => 5,
        30.. => 2,
        _ => 0,
    };
    signal(
        &mut out,
        "engagement:length",
        length,
        format!("{average} characters per message"),
    );
    let returns = s.visits.saturating_sub(1).min(2) as i32 * 5;
    signal(
        &mut out,
        "engagement:return_visits",
        returns,
        format!("{} visits", s.visits),
    );
    let total: i32 = out.iter().map(|s| s.points).sum();
    if total > 100 {
        signal(
            &mut out,
            "cap",
            100 - total,
            "the score is at most 100".into(),
        );
    } else if total < 0 {
        signal(&mut out, "floor", -total, "the score is at least 0".into());
    }
    out
}

/// How fast sales should follow a lead up, for the CRM and the sales channel: `urgent`,
/// `high` or `normal`. Stronger than the score alone: a stated budget or quantity and a
/// buying intent move a lead up, and a visitor who says it is urgent is urgent once the
/// score shows real interest.
pub fn crm_priority(
    score: u8,
    intents: &[&str],
    budget: Option<f64>,
    quantity: Option<f64>,
    urgent: bool,
) -> &'static str {
    let buying = intents
        .iter()
        .any(|i| matches!(*i, "bulk_order" | "demo_request" | "pricing"));
    let big = budget.is_some_and(|b| b >= 5_000.0) || quantity.is_some_and(|q| q >= 100.0);
    let sizable = budget.is_some_and(|b| b >= 1_000.0) || quantity.is_some_and(|q| q >= 20.0);
    if (score >= 80 && (buying || big)) || (urgent && score >= 50) || (big && buying) {
        "urgent"
    } else if score >= 60 || sizable || (buying && score >= 40) {
        "high"
    } else {
        "normal"
    }
}

#[cfg(test)]
mod tests {
    use super::super::{analyze_message, intent::IntentMatcher};
    use super::*;

    fn fold(messages: &[&str]) -> (LeadState, Vec<Trigger>) {
        let config = InsightConfig::default();
        let mut state = LeadState::default();
        let mut triggers = Vec::new();
        for m in messages {
            let insight = analyze_message(m, IntentMatcher::builtin());
            let (next, t) = update(&state, &insight, 1, &config);
            triggers.extend(t);
            state = next;
        }
        (state, triggers)
    }

    #[test]
    fn hot_lead_is_explained_and_qualifies_once() {
        let (state, triggers) = fold(&[
            "Hi, I'm Dana from Northwind Outfitters.",
            "We'd like to book a demo and get a quote for 500 units by next month.",
            "Our budget is around $20k, reach me at dana@northwind.com",
            "Thanks!",
        ]);
        assert_eq!(state.priority, Priority::Hot, "{state:#?}");
        let sum: i32 = state.breakdown.iter().map(|s| s.points).sum();
        assert_eq!(sum, i32::from(state.score));
        assert!(
            state
                .breakdown
                .iter()
                .any(|s| s.name == "intent:demo_request")
        );
        assert!(
            state
                .breakdown
                .iter()
                .any(|s| s.name == "email_domain" && s.points == 15)
        );
        assert_eq!(
            triggers
                .iter()
                .filter(|t| matches!(t, Trigger::LeadQualified { .. }))
                .count(),
            1
        );
        assert!(state.qualified_fired);
    }

    #[test]
    fn support_chat_stays_cold() {
        let (state, triggers) = fold(&["Where is my order?", "It's been two weeks!!"]);
        assert_eq!(state.priority, Priority::Cold);
        assert!(triggers.is_empty());
    }

    #[test]
    fn cancellation_floors_at_zero() {
        let (state, _) = fold(&[
            "cancel my subscription",
            "I want a refund, this is a complaint",
        ]);
        assert_eq!(state.score, 0);
        let sum: i32 = state.breakdown.iter().map(|s| s.points).sum();
        assert_eq!(sum, 0);
        assert!(state.breakdown.iter().any(|s| s.name == "floor"));
    }

    #[test]
    fn crm_priority_weighs_score_intent_and_size() {
        assert_eq!(
            crm_priority(85, &["bulk_order"], None, Some(500.0), false),
            "urgent"
        );
        assert_eq!(crm_priority(55, &[], None, None, true), "urgent");
        assert_eq!(
            crm_priority(30, &["bulk_order"], Some(20_000.0), None, false),
            "urgent"
        );
        assert_eq!(crm_priority(62, &[], None, None, false), "high");
        assert_eq!(crm_priority(20, &[], Some(1500.0), None, false), "high");
        assert_eq!(crm_priority(30, &["support"], None, None, false), "normal");
    }
}
