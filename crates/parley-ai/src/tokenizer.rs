//! Token counting with a real BPE tokenizer (`cl100k_base`, the encoding of OpenAI's GPT-4 and
//! GPT-3.5 models and close to what Llama-family models count), so prompt budgets hold for
//! the models Parley talks to.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tiktoken_rs::CoreBPE;

/// The loaded ranks and when they were last used. Loaded on first use and let go by
/// [`release_if_unused`]: they are about 20 MB, and a server without a model needs them only
/// while it ingests documents.
static BPE: Mutex<Option<(Arc<CoreBPE>, Instant)>> = Mutex::new(None);

fn bpe() -> Arc<CoreBPE> {
    let mut loaded = BPE.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    match loaded.as_mut() {
        Some((bpe, used)) => {
            *used = now;
            bpe.clone()
        }
        None => {
            let bpe = Arc::new(
                tiktoken_rs::cl100k_base().expect("the cl100k_base ranks ship with the crate"),
            );
            *loaded = Some((bpe.clone(), now));
            bpe
        }
    }
}

/// Tokens in `text`. The first call loads the ranks (tens of milliseconds); call
/// [`warm_up`] at start to keep that off the first request.
pub fn count_tokens(text: &str) -> usize {
    bpe().encode_ordinary(text).len()
}

/// Lets the ranks and the remembered word counts go when nothing counted for `idle`; the
/// next count loads them again. Never waits: when another thread is counting, nothing is
/// released. Returns whether anything was.
pub fn release_if_unused(idle: Duration) -> bool {
    let Ok(mut loaded) = BPE.try_lock() else {
        return false;
    };
    if loaded
        .as_ref()
        .is_none_or(|(_, used)| used.elapsed() < idle)
    {
        return false;
    }
    *loaded = None;
    drop(loaded);
    if let Ok(mut known) = KNOWN.try_lock() {
        *known = WordCounter::default();
    }
    true
}

/// Words whose counts [`count_tokens_cached`] remembers.
static KNOWN: LazyLock<Mutex<WordCounter>> = LazyLock::new(Default::default);

/// Words remembered by a [`WordCounter`] before it starts over.
const COUNTED_WORDS: usize = 65_536;
/// Longer pieces are counted each time rather than kept.
const COUNTED_WORD_BYTES: usize = 64;

/// [`count_tokens`] for the texts of chat prompts (instructions, questions, turns,
/// summaries) and replies, by word through one process-wide [`WordCounter`]: a new question
/// is mostly words seen before, and encoding prompt texts whole was a twentieth of a chat
/// request's CPU. Words not yet known are encoded outside the lock.
pub fn count_tokens_cached(text: &str) -> usize {
    let lock =
        || -> MutexGuard<'_, WordCounter> { KNOWN.lock().unwrap_or_else(|e| e.into_inner()) };
    let mut total = 0;
    let mut unknown = Vec::new();
    {
        let known = lock();
        for word in words(text) {
            match known.counts.get(word) {
                Some(&n) => total += n,
                None => unknown.push(word),
            }
        }
    }
    if unknown.is_empty() {
        return total;
    }
    let counted: Vec<(&str, usize)> = unknown.into_iter().map(|w| (w, count_tokens(w))).collect();
    let mut known = lock();
    for (word, n) in counted {
        total += n;
        known.remember(word, n);
    }
    total
}

/// [`count_tokens`] for many texts in one language, remembering each word's count: texts
/// repeat their words, and splitting text into the tokenizer's pieces (a backtracking regex)
/// and merging them was most of ingestion's CPU.
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
                    self.remember(word, n);
                    n
                }
            })
            .sum()
    }

    /// Keeps a short word's count, starting over when full (bounded memory).
    fn remember(&mut self, word: &str, tokens: usize) {
        if word.len() > COUNTED_WORD_BYTES {
            return;
        }
        if self.counts.len() >= COUNTED_WORDS {
            self.counts.clear();
        }
        self.counts.insert(word.to_string(), tokens);
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
    fn unused_ranks_are_let_go_and_loaded_again() {
        assert_eq!(count_tokens_cached("hello world"), 2);
        assert!(!release_if_unused(Duration::from_secs(3600)), "just used");
        // Other tests may count meanwhile; then nothing is released, which is also right.
        release_if_unused(Duration::ZERO);
        assert_eq!(count_tokens("hello world"), 2);
        assert_eq!(count_tokens_cached("hello world"), 2);
    }

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
    fn shared_counts_match_the_tokenizer() {
        for i in 0..50 {
            let text = format!("turn number {i} of a long conversation, word{i}");
            assert_eq!(count_tokens_cached(&text), count_tokens(&text));
            assert_eq!(count_tokens_cached(&text), count_tokens(&text));
        }
        let long = format!("a{} b", "x".repeat(COUNTED_WORD_BYTES * 2));
        assert_eq!(count_tokens_cached(&long), count_tokens(&long));
    }

    #[test]
    fn remembered_words_stay_bounded() {
        let mut counter = WordCounter::default();
        for i in 0..COUNTED_WORDS + 10 {
            let word = format!("w{i}");
            assert_eq!(counter.count(&word), count_tokens(&word));
            assert!(counter.counts.len() <= COUNTED_WORDS);
        }
        counter.count(&"y".repeat(COUNTED_WORD_BYTES + 1));
        assert!(!counter.counts.keys().any(|w| w.len() > COUNTED_WORD_BYTES));
    }
}
