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
