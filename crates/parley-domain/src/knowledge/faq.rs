//! Matching a visitor's question against the bot's FAQs: a close enough match is answered
//! with the FAQ's own answer before any passage search.

use super::terms::{dice, term_set};

/// A question this similar (Dice over search terms) or more counts as "the same question".
pub const CLOSE_MATCH: f32 = 0.6;

/// One FAQ candidate: its index in the caller's list and its similarity to the question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaqScore {
    pub index: usize,
    pub score: f32,
}

/// Scores every FAQ question against `question`, best first, dropping those with nothing
/// in common.
pub fn rank_faqs<'a>(
    question: &str,
    faq_questions: impl IntoIterator<Item = &'a str>,
) -> Vec<FaqScore> {
    let q = term_set(question);
    let mut scored: Vec<FaqScore> = faq_questions
        .into_iter()
        .enumerate()
        .map(|(index, faq)| FaqScore {
            index,
            score: dice(&q, &term_set(faq)),
        })
        .filter(|s| s.score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_question_wins() {
        let faqs = [
            "What is your return policy?",
            "How long does shipping take?",
            "Do you ship to Canada?",
        ];
        let ranked = rank_faqs("how long will shipping take", faqs);
        assert_eq!(ranked[0].index, 1);
        assert!(ranked[0].score >= CLOSE_MATCH);
        assert!(rank_faqs("zzz", faqs).is_empty());
    }
}
