//! Token counting with a real BPE tokenizer (`cl100k_base`, the encoding of OpenAI's GPT-4 and
//! GPT-3.5 models and close to what Llama-family models count), so prompt budgets hold for
//! the models Parley talks to.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tiktoken_rs::CoreBPE;

fn bpe() -> &'static CoreBPE {
    static BPE: OnceLock<CoreBPE> = OnceLock::new();
    BPE.get_or_init(|| {
        tiktoken_rs::cl100k_base().expect("the cl100k_base ranks ship with the crate")
    })
}

/// Tokens in `text`. The first call loads the ranks (tens of milliseconds); call
/// [`warm_up`] at start to keep that off the first request.
pub fn count_tokens(text: &str) -> usize {
    bpe().encode_ordinary(text).len()
}

/// Texts remembered by [`count_tokens_cached`] before it starts over.
const CACHED_TEXTS: usize = 8192;
/// Longer texts are counted each time rather than kept.
const CACHED_TEXT_BYTES: usize = 16 * 1024;

/// [`count_tokens`] for texts that come back again and again: a bot's instructions, a
/// conversation's recent turns and summary are counted for every prompt, and encoding them
/// was a tenth of a chat request's CPU. Exact (keyed by the text itself) and bounded.
pub fn count_tokens_cached(text: &str) -> usize {
    static COUNTS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    if text.len() > CACHED_TEXT_BYTES {
        return count_tokens(text);
    }
    let counts = COUNTS.get_or_init(Default::default);
    if let Some(&n) = counts.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
        return n;
    }
    let n = count_tokens(text);
    let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
    if counts.len() >= CACHED_TEXTS {
        counts.clear();
    }
    counts.insert(text.to_string(), n);
    n
}

/// Words remembered by a [`WordCounter`] before it stops adding more.
const COUNTED_WORDS: usize = 65_536;
/// Longer pieces are counted each time rather than kept.
const COUNTED_WORD_BYTES: usize = 64;

/// [`count_tokens`] for many texts in one language, remembering each word's count: a
/// document repeats its words, and splitting text into the tokenizer's pieces (a
/// backtracking regex) and merging them was most of ingestion's CPU.
///
/// Exact: the text is cut before every space that follows an ASCII letter, and the
/// tokenizer's pieces never cross such a cut (a piece holding a letter ends in letters, and
/// none of its patterns takes a space after a letter, or looks past one), so the pieces
/// of the parts are the pieces of the whole.
#[derive(Default)]
pub struct WordCounter {
    counts: HashMap<String, usize>,
}

impl WordCounter {
    pub fn count(&mut self, text: &str) -> usize {
        words(text)
            .map(|word| match self.counts.get(word) {
                Some(&n) => n,
                None => {
                    let n = count_tokens(word);
                    if word.len() <= COUNTED_WORD_BYTES && self.counts.len() < COUNTED_WORDS {
                        self.counts.insert(word.to_string(), n);
                    }
                    n
                }
            })
            .sum()
    }
}

/// The text cut before each space that follows an ASCII letter: `"a b"` → `"a"`, `" b"`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut at = 1;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        while at < bytes.len() && !(bytes[at] == b' ' && bytes[at - 1].is_ascii_alphabetic()) {
            at += 1;
        }
        // Both bytes at the cut are ASCII, so it falls between characters.
        let word = &text[start..at];
        start = at;
        at += 1;
        Some(word)
    })
}

pub fn warm_up() {
    let _ = bpe();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_openai() {
        // Reference counts from OpenAI's tokenizer for cl100k_base.
        assert_eq!(count_tokens("hello world"), 2);
        assert_eq!(count_tokens(""), 0);
        assert!(count_tokens("Parley answers from your documents.") >= 5);
    }

    #[test]
    fn counting_word_by_word_counts_as_the_whole() {
        assert_eq!(words("a b  c").collect::<Vec<_>>(), ["a", " b", "  c"]);
        assert_eq!(words("").count(), 0);
        let mut texts: Vec<String> = [
            "You can return unworn boots within 60 days.  Shipping takes 3 to 5 days.",
            "it's they're WE'LL I'd  \n\n  spaced   out \t tabs\r\nand 12345678 numbers 3.14",
            "naïve café — “quotes” and emoji 🎒 then 東京 and Ⅷ roman, a  b   c    d",
            "trailing spaces   ",
            "   leading spaces",
            "x's y't z're 'll",
        ]
        .map(str::to_string)
        .to_vec();
        // And pseudo-random mixes of the characters the tokenizer's patterns turn on.
        let alphabet: Vec<char> = "ab Z'’s\n\r\t 1 2.,!?é東🎒-  ".chars().collect();
        let mut seed = 7u64;
        for _ in 0..400 {
            let text: String = (0..40)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(seed >> 33) as usize % alphabet.len()]
                })
                .collect();
            texts.push(text);
        }
        let mut counter = WordCounter::default();
        for text in &texts {
            assert_eq!(counter.count(text), count_tokens(text), "{text:?}");
            assert_eq!(counter.count(text), count_tokens(text), "again: {text:?}");
        }
    }

    #[test]
    fn cached_counts_match_and_stay_bounded() {
        for i in 0..CACHED_TEXTS + 10 {
            let text = format!("turn number {i} of a long conversation");
            assert_eq!(count_tokens_cached(&text), count_tokens(&text));
            assert_eq!(count_tokens_cached(&text), count_tokens(&text));
        }
        let long = "word ".repeat(CACHED_TEXT_BYTES);
        assert_eq!(count_tokens_cached(&long), count_tokens(&long));
    }
}
