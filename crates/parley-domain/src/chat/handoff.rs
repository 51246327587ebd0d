//! When a visitor wants a person, and what they are told happens next.
//!
//! A conversation is handed off when the visitor asks for a person (the `human_agent`
//! intent or another the bot names), says yes to the bot's own offer of one, or after
//! the bot's setting of fallbacks in a row. The reply says honestly what happens next: an agent is coming (with
//! the expected wait when it is known), or the team answers by email.

use crate::insight::MessageInsight;

/// Why a message hands the conversation off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffReason {
    /// It expresses one of these intents (by default, asking for a person).
    Intent(String),
    /// A yes to the bot's offer of a person.
    AcceptedOffer,
    /// The bot could not answer several times in a row.
    RepeatedFallbacks,
}

impl HandoffReason {
    pub fn code(&self) -> &str {
        match self {
            HandoffReason::Intent(_) => "intent",
            HandoffReason::AcceptedOffer => "accepted_offer",
            HandoffReason::RepeatedFallbacks => "repeated_fallbacks",
        }
    }
}

/// Whether the visitor's message asks for a person. `previous_bot` is the bot's last
/// message before it, `threshold` the confidence an intent needs.
pub fn requested(
    text: &str,
    insight: &MessageInsight,
    handoff_intents: &[String],
    threshold: f32,
    previous_bot: Option<&str>,
) -> Option<HandoffReason> {
    if let Some(m) = insight
        .intents
        .iter()
        .find(|m| m.confidence >= threshold && handoff_intents.contains(&m.intent))
    {
        return Some(HandoffReason::Intent(m.intent.clone()));
    }
    (previous_bot.is_some_and(offers_person) && is_yes(text))
        .then_some(HandoffReason::AcceptedOffer)
}

/// Whether a bot message offers a person ("Would you like to talk to a person?").
pub fn offers_person(bot_text: &str) -> bool {
    let lower = bot_text.to_lowercase();
    lower.contains('?')
        && [
            "person",
            "human",
            "agent",
            "someone",
            "our team",
            "a colleague",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// A short agreement: "yes", "yes please", "sure", "ok", "y".
pub fn is_yes(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    const YES: &[&str] = &[
        "yes",
        "y",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "please",
        "definitely",
        "absolutely",
        "ja",
        "oui",
        "si",
        "sí",
    ];
    const FILLER: &[&str] = &[
        "please", "thanks", "thank", "you", "i", "would", "like", "that", "do", "a", "person",
        "human", "agent",
    ];
    !words.is_empty()
        && words.len() <= 6
        && YES.contains(&words[0].as_str())
        && words
            .iter()
            .all(|w| YES.contains(&w.as_str()) || FILLER.contains(&w.as_str()))
}

/// What the team can offer right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    /// Within the bot's business hours (always, without hours).
    pub open: bool,
    /// Agents whose dashboard is open and visible.
    pub agents_online: usize,
    /// Average recent wait for an agent's first reply, in minutes.
    pub expected_wait_minutes: Option<u32>,
    /// Whether an email to answer to is known.
    pub email_known: bool,
}

/// What the visitor is told after asking for a person.
pub fn next_steps(a: Availability) -> String {
    if a.open && a.agents_online > 0 {
        let wait = match a.expected_wait_minutes {
            Some(0 | 1) => " It usually takes about a minute.".to_string(),
            Some(n) => format!(" It usually takes about {n} minutes."),
            None => String::new(),
        };
        return format!(
            "I've asked a person from our team to join. They'll reply right here.{wait} \
             You can keep writing in the meantime."
        );
    }
    let when = if a.open {
        "Nobody from our team is online right now"
    } else {
        "Our team is outside its working hours right now"
    };
    if a.email_known {
        format!("{when}, so they'll answer you by email as soon as they can.")
    } else {
        format!("{when}, so they'll answer you by email. What email address should they write to?")
    }
}

/// What the visitor is told when they give the email the team will answer to.
pub fn email_noted(email: &str) -> String {
    format!("Thanks! Our team will write to {email}.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::analyze_message;
    use crate::insight::intent::IntentMatcher;

    fn asks(text: &str, previous: Option<&str>) -> Option<HandoffReason> {
        let insight = analyze_message(text, &IntentMatcher::new(&[]).unwrap());
        requested(text, &insight, &["human_agent".into()], 0.7, previous)
    }

    #[test]
    fn asking_for_a_person_hands_off() {
        for text in [
            "I want to talk to a human agent please",
            "can I speak to a real person",
            "live agent",
            "Let me talk to someone",
        ] {
            assert!(
                matches!(asks(text, None), Some(HandoffReason::Intent(_))),
                "{text}"
            );
        }
        for text in [
            "How long does shipping take?",
            "are your boots waterproof",
            "yes",
        ] {
            assert_eq!(asks(text, None), None, "{text}");
        }
    }

    #[test]
    fn yes_to_the_bots_offer_hands_off_and_only_then() {
        let offer = "Sorry, I don't know that yet. Would you like to talk to a person?";
        for text in ["Yes", "yes please", "Sure!", "ok", "yes I would like that"] {
            assert_eq!(
                asks(text, Some(offer)),
                Some(HandoffReason::AcceptedOffer),
                "{text}"
            );
        }
        assert_eq!(
            asks("yes", Some("Standard shipping is free over $75.")),
            None
        );
        assert_eq!(asks("yes but how much is shipping", Some(offer)), None);
        assert_eq!(asks("no thanks", Some(offer)), None);
    }

    #[test]
    fn the_visitor_is_told_what_really_happens() {
        let online = Availability {
            open: true,
            agents_online: 2,
            expected_wait_minutes: Some(4),
            email_known: false,
        };
        assert!(next_steps(online).contains("about 4 minutes"));
        let nobody = Availability {
            agents_online: 0,
            ..online
        };
        assert!(next_steps(nobody).contains("What email address"));
        let closed = Availability {
            open: false,
            email_known: true,
            ..online
        };
        let text = next_steps(closed);
        assert!(text.contains("working hours") && text.contains("by email") && !text.contains('?'));
    }
}
