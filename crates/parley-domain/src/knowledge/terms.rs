//! Search terms: lower-cased words without stop words, lightly stemmed, so "Returns?" and
//! "return" meet. Shared by FAQ matching, full-text queries and extractive answers.

/// Words too common to say anything about what a question is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "being", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "get",
    "got", "had", "has", "have", "having", "he", "her", "here", "hi", "hello", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "just", "me", "my", "of", "on", "or", "our", "please",
    "she", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "too", "us", "was", "we", "were", "what", "when", "where", "which",
    "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "thanks", "thank",
];

/// Whether a lower-case word is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// The search terms of a text, in order, duplicates kept.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .filter(|w| !is_stop_word(w))
        .map(|w| stem(&w))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The distinct search terms of a text, sorted.
pub fn term_set(text: &str) -> Vec<String> {
    let mut t = terms(text);
    t.sort();
    t.dedup();
    t
}

/// A deliberately small suffix stripper (plural and common verb endings) for a lower-case
/// word. Full Porter stemming happens in SQLite's full-text engine and in
/// [`lexemes`](super::lexemes) for PostgreSQL; this only needs to agree with itself.
pub fn stem(word: &str) -> String {
    if word.chars().count() <= 3 || word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    for suffix in ["ing", "ies", "ed", "es", "s"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.chars().count() >= 3
        {
            return if suffix == "ies" {
                format!("{base}y")
            } else {
                base.to_string()
            };
        }
    }
    word.to_string()
}

/// Dice similarity of two sorted term sets, in [0, 1].
pub fn dice(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f32 / (a.len() + b.len()) as f32
}

/// Plain words for a full-text query: lower-case, alphanumeric, stop words dropped,
/// unstemmed (each database stems with its own stemmer), at most `max` distinct.
pub fn query_words(text: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w = w.to_lowercase();
        if !is_stop_word(&w) && !out.contains(&w) && out.len() < max {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_drop_stop_words_and_stem() {
        assert_eq!(terms("How do I return my Boots?"), vec!["return", "boot"]);
        assert_eq!(
            terms("Shipping costs, policies"),
            vec!["shipp", "cost", "policy"]
        );
        assert_eq!(terms("500 units"), vec!["500", "unit"]);
        assert!(terms("?!  ...").is_empty());
    }

    #[test]
    fn dice_is_symmetric_and_bounded() {
        let a = term_set("return policy for boots");
        let b = term_set("what is your boots return policy");
        assert_eq!(dice(&a, &b), dice(&b, &a));
        assert!((dice(&a, &b) - 1.0).abs() < 1e-6);
        assert_eq!(dice(&a, &term_set("shipping to canada")), 0.0);
    }
}
