//! Token counting with a real BPE tokenizer (`cl100k_base`, the encoding of OpenAI's GPT-4 and
//! GPT-3.5 models and close to what Llama-family models count), so prompt budgets hold for
//! the models Parley talks to.

use std::sync::OnceLock;
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
}
