//! Replies to messages that are only small talk ("hi", "thanks, that helps!", "ok bye"),
//! for a bot answering from its documents: no passage matches them, and the fallback ("I
//! don't know that yet") to a greeting, counted as a miss, handed visitors to a person after
//! a few pleasantries. A message is small talk only when every word is in the vocabulary
//! below, so any question ("hi, where is my order?") still goes to the knowledge base.

/// What kind of small talk a message is, by the words that decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
    Acknowledgement,
}

const GREETING: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "morning",
    "afternoon",
    "evening",
];
const THANKS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "appreciate",
    "appreciated",
];
const GOODBYE: &[&str] = &["bye", "goodbye", "cya", "later", "farewell"];
const ACKNOWLEDGEMENT: &[&str] = &[
    "ok",
    "okay",
    "k",
    "kk",
    "cool",
    "great",
    "perfect",
    "awesome",
    "nice",
    "got",
    "alright",
    "understood",
    "sure",
    "fine",
    "excellent",
    "brilliant",
    "wonderful",
    "helpful",
    "helps",
    "helped",
];
/// Words that may go with the ones above without making a question of them.
const FILLER: &[&str] = &[
    "a", "all", "good", "so", "much", "very", "lot", "you", "that", "this", "it", "there", "for",
    "your", "the", "help", "oh", "ah", "well", "again", "now", "see", "thats", "was", "is",
    "really", "many", "guys", "team", "everyone", "and", "then", "bot", "have", "day", "nice",
    "to", "hear", "yes", "yep", "no", "thank",
];

/// The message's kind of small talk, when it is nothing else: thanks win over a greeting
/// ("hi, thanks!"), a goodbye over thanks ("thanks, bye"). At most eight words.
pub fn classify(text: &str) -> Option<SmallTalk> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('\'', ""))
        .collect();
    if words.is_empty() || words.len() > 8 {
        return None;
    }
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let known = |w: &String| {
        [GREETING, THANKS, GOODBYE, ACKNOWLEDGEMENT, FILLER]
            .iter()
            .any(|list| list.contains(&w.as_str()))
    };
    if !words.iter().all(known) {
        return None;
    }
    if has(GOODBYE) {
        Some(SmallTalk::Goodbye)
    } else if has(THANKS) {
        Some(SmallTalk::Thanks)
    } else if has(GREETING) {
        Some(SmallTalk::Greeting)
    } else if has(ACKNOWLEDGEMENT) {
        Some(SmallTalk::Acknowledgement)
    } else {
        None
    }
}

/// The bot's reply to small talk.
pub fn reply(kind: SmallTalk) -> &'static str {
    match kind {
        SmallTalk::Greeting => "Hi! What can I help you with today?",
        SmallTalk::Thanks => "You're welcome! Is there anything else I can help with?",
        SmallTalk::Goodbye => "Thanks for chatting. Have a great day!",
        SmallTalk::Acknowledgement => "Glad that helps. Anything else I can do for you?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pleasantries_are_small_talk() {
        for (text, kind) in [
            ("hi", SmallTalk::Greeting),
            ("Hello there!", SmallTalk::Greeting),
            ("good morning", SmallTalk::Greeting),
            ("Thanks, that helps a lot!", SmallTalk::Thanks),
            ("thank you so much", SmallTalk::Thanks),
            ("hi, thanks!", SmallTalk::Thanks),
            ("ok bye", SmallTalk::Goodbye),
            ("thanks, bye!", SmallTalk::Goodbye),
            ("ok", SmallTalk::Acknowledgement),
            ("That's great", SmallTalk::Acknowledgement),
        ] {
            assert_eq!(classify(text), Some(kind), "{text}");
        }
    }

    #[test]
    fn anything_with_a_question_in_it_is_not() {
        for text in [
            "hi, where is my order?",
            "Thanks, and what does the tent cost?",
            "hello I want a refund",
            "ok so how long does shipping take",
            "good",
            "",
            "thanks thanks thanks thanks thanks thanks thanks thanks thanks",
        ] {
            assert_eq!(classify(text), None, "{text}");
        }
    }
}
