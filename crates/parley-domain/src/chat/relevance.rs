//! Whether the retrieved passages answer a question at all, or only share words with it.
//!
//! Retrieval always returns the best passages it has, even for a question the knowledge
//! does not answer: "Do you ship by drone to Antarctica?" finds the shipping passages
//! through "ship". Answering from them anyway is worse than the fallback, so an answer
//! (quoted, or a model's) draws on passages only when they clear [`RELEVANCE_BAR`].
//!
//! The measure is the share of the question's topic words that the best passage (heading
//! included) contains, where a word that no retrieved passage contains at all weighs
//! double. Such a word usually names what the knowledge lacks (PayPal, drones, XXL, a
//! CEO), while a word found in another passage may only be phrased differently from the
//! best one. Words that say how a question is asked rather than what about ("how long",
//! "need", "really") are not topic words. It is plain word matching: fast (it runs on
//! every message), explainable, and blind to meaning, so a question worded unlike the
//! knowledge ("where are you located" for "ships from our warehouse in Boulder") scores
//! low and gets the fallback. That is the trade-off the bar is calibrated for: a wrong
//! answer costs more than a fallback that invites the visitor to rephrase or ask a person.
//!
//! The bar was calibrated on the project's labelled questions about the demo knowledge
//! (`crates/parley-engine/tests/data/questions.json`); the set, the sweep over bar values
//! and what the chosen bar misses are in docs/relevance.md.

use super::Passage;
use crate::knowledge::terms::{is_stop_word, stem};

/// The least [`relevance`] at which passages are used to answer: more than half of the
/// question. Calibrated on the project's question set: at 0.55, nine answers in ten were
/// right and two thirds of the answerable questions were answered. Exactly half is where
/// a bag of words stops telling them apart: "Do you sell gift cards?" (the refunds passage
/// mentions gift cards) scores as "Can you put our logo on jackets?", and at 0.5 right
/// answers drop to eight in ten. See docs/relevance.md.
pub const RELEVANCE_BAR: f32 = 0.55;

/// A question word that no retrieved passage contains weighs this much (others weigh 1).
const UNKNOWN_WEIGHT: f32 = 2.0;

/// Stop words of the usual English list (Snowball's) that search keeps: words that carry
/// no topic ("own", "same", "should").
#[rustfmt::skip]
const MORE_STOP_WORDS: &[&str] = &[
    "myself", "ours", "ourselves", "yourself", "yourselves", "him", "himself", "hers",
    "herself", "itself", "theirs", "themselves", "ought", "because", "until", "while",
    "against", "between", "through", "during", "before", "above", "below", "up", "down",
    "out", "off", "over", "under", "again", "further", "once", "both", "each", "few", "more",
    "most", "other", "such", "no", "nor", "not", "only", "own", "same", "very", "should",
    "now", "hey", "ok", "okay", "yes",
];

/// What is left of contractions split at the apostrophe ("isn't", "I've", "we're").
#[rustfmt::skip]
const CONTRACTIONS: &[&str] = &[
    "ll", "re", "ve", "don", "didn", "doesn", "isn", "aren", "wasn", "weren", "hasn", "haven",
    "hadn", "won", "wouldn", "shouldn", "couldn", "cannot",
];

/// Words that say how a question is asked rather than what about ("how long", "how much",
/// "I need", "do you know").
#[rustfmt::skip]
const ASKING: &[&str] = &[
    "long", "much", "many", "often", "soon", "fast", "quick", "quickly", "need", "needs",
    "want", "like", "wish", "know", "tell", "ask", "asking", "wonder", "wondering", "really",
    "actually", "exactly", "possible", "able", "help",
];

/// How much of `question` the best of `passages` covers, in [0, 1]; 0 when the question
/// has no topic words or there are no passages. See the module documentation.
pub fn relevance(question: &str, passages: &[Passage<'_>]) -> f32 {
    each(question, passages).into_iter().fold(0.0, f32::max)
}

/// [`relevance`] of each passage on its own (the unknown words still being those no
/// passage of `passages` contains), in the passages' order.
pub fn each(question: &str, passages: &[Passage<'_>]) -> Vec<f32> {
    let asked = topic_terms(question);
    let covering: Vec<Vec<String>> = passages
        .iter()
        .map(|p| {
            let mut t = passage_terms(p.heading);
            t.extend(passage_terms(p.text));
            t.sort();
            t.dedup();
            t
        })
        .collect();
    if asked.is_empty() {
        return vec![0.0; passages.len()];
    }
    let weights: Vec<f32> = asked
        .iter()
        .map(|term| {
            if covering.iter().any(|c| c.binary_search(term).is_ok()) {
                1.0
            } else {
                UNKNOWN_WEIGHT
            }
        })
        .collect();
    let total: f32 = weights.iter().sum();
    covering
        .iter()
        .map(|c| {
            let covered: f32 = asked
                .iter()
                .zip(&weights)
                .filter(|(term, _)| c.binary_search(term).is_ok())
                .map(|(_, w)| w)
                .sum();
            covered / total
        })
        .collect()
}

/// The distinct topic words of a question, normalised.
fn topic_terms(question: &str) -> Vec<String> {
    let mut out: Vec<String> = words(question)
        .filter(|w| {
            ![MORE_STOP_WORDS, CONTRACTIONS, ASKING]
                .iter()
                .any(|l| l.contains(&w.as_str()))
        })
        .map(|w| normalise(&stem(&w)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The words of a passage, normalised like a question's (stop words kept: they never match
/// a topic word).
fn passage_terms(text: &str) -> Vec<String> {
    words(text).map(|w| normalise(&stem(&w))).collect()
}

/// Lower-case words of two characters or more, search stop words dropped.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().nth(1).is_some())
        .map(str::to_lowercase)
        .filter(|w| !is_stop_word(w))
}

/// Evens out what the small stemmer leaves apart: a final "y" or "e" and a doubled final
/// consonant go, so "size", "sizing" and "sized", "ship" and "shipping", "deliver" and
/// "delivery" meet.
fn normalise(term: &str) -> String {
    let mut chars: Vec<char> = term.chars().collect();
    if chars.len() > 4 && chars.last() == Some(&'y') {
        chars.pop();
    }
    if chars.len() > 3 && chars.last() == Some(&'e') {
        chars.pop();
    }
    if let [.., a, b] = chars[..]
        && chars.len() > 3
        && a == b
        && a.is_alphabetic()
        && !"aeiou".contains(a)
    {
        chars.pop();
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passage<'a>(heading: &'a str, text: &'a str) -> Passage<'a> {
        Passage {
            heading,
            text,
            tokens: None,
        }
    }

    const SHOP: [Passage<'static>; 2] = [
        Passage {
            heading: "Shipping > Delivery times",
            text: "Standard shipping takes 3 to 5 business days. We ship from Boulder.",
            tokens: None,
        },
        Passage {
            heading: "Returns > Refunds",
            text: "Refunds are issued within 5 business days. Gift card purchases are refunded as store credit.",
            tokens: None,
        },
    ];

    #[test]
    fn a_passage_covering_the_question_clears_the_bar() {
        let r = relevance("How long does standard shipping take?", &SHOP);
        assert!((r - 1.0).abs() < 1e-6, "{r}");
        assert!(relevance("when do refunds get issued??", &SHOP) >= RELEVANCE_BAR);
        // Heading words count: "delivery" is only in the first passage's heading.
        assert!(relevance("delivery times", &SHOP) >= RELEVANCE_BAR);
    }

    #[test]
    fn a_question_about_what_the_knowledge_lacks_does_not() {
        // "drone", "antarctica" and "ceo" are in no passage: they weigh double.
        let r = relevance(
            "Do you ship by drone to Antarctica, and who is your CEO?",
            &SHOP,
        );
        assert!(r < 0.2, "{r}");
        let r = relevance("Do you sell gift cards?", &SHOP);
        assert!(r < RELEVANCE_BAR, "{r}");
        let r = relevance("Are your boots waterproof?", &SHOP);
        assert_eq!(r, 0.0);
    }

    #[test]
    fn nothing_to_go_on_is_not_relevant() {
        assert_eq!(relevance("how are you?", &SHOP), 0.0);
        assert_eq!(relevance("", &SHOP), 0.0);
        assert_eq!(relevance("shipping", &[]), 0.0);
        assert_eq!(each("shipping", &[]), Vec::<f32>::new());
    }

    #[test]
    fn each_passage_is_scored_against_the_whole_question() {
        let scores = each("refunds for shipping", &SHOP);
        assert_eq!(scores.len(), 2);
        assert!((scores[0] - 0.5).abs() < 1e-6 && (scores[1] - 0.5).abs() < 1e-6);
    }

    #[test]
    fn word_forms_meet() {
        for (a, b) in [
            ("size", "sizing"),
            ("sized", "size"),
            ("ship", "shipping"),
            ("shipped", "ships"),
            ("deliver", "delivery"),
            ("addresses", "address"),
        ] {
            assert_eq!(normalise(&stem(a)), normalise(&stem(b)), "{a} {b}");
        }
        let p = [passage("Backpacks", "Backpacks are sized by torso length.")];
        assert_eq!(relevance("backpack size", &p), 1.0);
    }
}
