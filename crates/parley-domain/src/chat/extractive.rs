//! The offline answerer: no model, just the sentences of the retrieved passages that share
//! the most terms with the question, cited. When nothing relevant is known it says so
//! (returns `None`) rather than guessing.

use super::Passage;
use crate::knowledge::terms::{term_set, terms};

/// Passages considered, best first.
const TOP_PASSAGES: usize = 3;
/// Sentences quoted at most.
const MAX_SENTENCES: usize = 3;
/// A sentence must cover this share of the question's terms (and at least one).
const MIN_COVERAGE: f32 = 0.25;

#[derive(Debug, Clone, PartialEq)]
pub struct ExtractiveAnswer {
    pub text: String,
    /// Indexes into the given passages, in citation order.
    pub cited: Vec<usize>,
}

/// Answers `question` from `passages` (best first), or `None` when none is relevant.
pub fn answer(
    question: &str,
    passages: &[Passage<'_>],
    max_words: usize,
) -> Option<ExtractiveAnswer> {
    let q = term_set(question);
    if q.is_empty() {
        return None;
    }
    // (score, passage, sentence position, sentence)
    let mut candidates: Vec<(f32, usize, usize, &str)> = Vec::new();
    for (p, passage) in passages.iter().enumerate().take(TOP_PASSAGES) {
        let heading_terms = term_set(passage.heading);
        for (s, sentence) in sentences(passage.text).into_iter().enumerate() {
            let mut sentence_terms = terms(sentence);
            sentence_terms.extend(heading_terms.iter().cloned());
            sentence_terms.sort();
            sentence_terms.dedup();
            let hits = q
                .iter()
                .filter(|t| sentence_terms.binary_search(t).is_ok())
                .count();
            let own_hits = q.iter().filter(|t| terms(sentence).contains(t)).count();
            if own_hits == 0 {
                continue;
            }
            let coverage = hits as f32 / q.len() as f32;
            if coverage >= MIN_COVERAGE {
                // Earlier passages and earlier sentences win ties.
                let score = coverage - p as f32 * 0.01 - s as f32 * 0.001;
                candidates.push((score, p, s, sentence));
            }
        }
    }
    if candidates.is_empty() {
        return None;
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    // Supporting sentences must be nearly as relevant as the best one.
    let floor = candidates[0].0 * 0.6;
    candidates.retain(|c| c.0 >= floor);
    let mut chosen: Vec<(usize, usize, &str)> = Vec::new();
    let mut words = 0;
    for (_, p, s, sentence) in candidates {
        let n = sentence.split_whitespace().count();
        if chosen.len() == MAX_SENTENCES || (!chosen.is_empty() && words + n > max_words) {
            break;
        }
        words += n;
        chosen.push((p, s, sentence));
    }
    // Read in document order: by passage rank, then position.
    chosen.sort_by_key(|(p, s, _)| (*p, *s));
    let mut cited: Vec<usize> = Vec::new();
    let mut text = String::new();
    for (p, _, sentence) in &chosen {
        if !cited.contains(p) {
            cited.push(*p);
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(sentence);
        let n = cited.iter().position(|c| c == p).expect("just pushed") + 1;
        text.push_str(&format!(" [{n}]"));
    }
    Some(ExtractiveAnswer { text, cited })
}

fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 0..bytes.len() {
        let ends = match bytes[i] {
            b'\n' => true,
            b'.' | b'!' | b'?' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            _ => false,
        };
        if ends {
            let s = text[start..=i].trim();
            if s.chars().any(char::is_alphanumeric) {
                out.push(s);
            }
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if rest.chars().any(char::is_alphanumeric) {
        out.push(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [Passage<'static>; 2] = [
        Passage {
            heading: "Returns",
            text: "You can return unworn items within 30 days. Refunds go to the original card. We love hiking.",
            tokens: None,
        },
        Passage {
            heading: "Shipping",
            text: "Orders ship in 2 business days. Shipping is free over $50.",
            tokens: None,
        },
    ];

    #[test]
    fn quotes_the_relevant_sentences_with_citations() {
        let a = answer("How many days do I have to return boots?", &P, 80).unwrap();
        assert!(
            a.text
                .starts_with("You can return unworn items within 30 days. [1]"),
            "{}",
            a.text
        );
        assert!(!a.text.contains("hiking"));
        assert_eq!(a.cited, vec![0]);
        let a = answer("is shipping free?", &P, 80).unwrap();
        assert!(a.text.contains("free over $50"));
        assert_eq!(a.cited, vec![1]);
    }

    #[test]
    fn says_nothing_when_nothing_is_relevant() {
        assert_eq!(answer("Do you sell kayaks?", &P, 80), None);
        assert_eq!(answer("", &P, 80), None);
        assert_eq!(answer("returns", &[], 80), None);
    }
}
