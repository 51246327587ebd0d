//! Splitting sections into chunks that fit a token budget, respecting paragraphs and
//! sentences, with a small overlap so an answer that straddles a boundary is still found.

use super::sections::Section;

#[derive(Debug, Clone, Copy)]
pub struct ChunkConfig {
    /// Upper bound on a chunk's tokens (as counted by the caller's tokenizer).
    pub max_tokens: usize,
    /// Tokens of trailing paragraphs repeated at the start of the next chunk.
    pub overlap_tokens: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        Self {
            max_tokens: 300,
            overlap_tokens: 40,
        }
    }
}

/// A retrievable passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The section's heading path joined with ` > `; empty before the first heading.
    pub heading: String,
    pub text: String,
    pub tokens: usize,
}

/// Chunks every section. `count` is the real tokenizer; it is called once per piece of
/// text, so its cost stays linear in the document's size.
pub fn chunk_sections(
    sections: &[Section],
    config: ChunkConfig,
    count: &dyn Fn(&str) -> usize,
) -> Vec<Chunk> {
    let max = config.max_tokens.max(8);
    let mut chunks = Vec::new();
    for section in sections {
        let heading = section.heading_path.join(" > ");
        let mut pieces = Vec::new();
        for paragraph in paragraphs(&section.text) {
            split_to_fit(paragraph, max, count, &mut pieces);
        }
        pack(
            &heading,
            pieces,
            max,
            config.overlap_tokens.min(max / 2),
            &mut chunks,
        );
    }
    chunks
}

/// The paragraphs of a section's text, trimmed: the first pieces [`chunk_sections`] counts.
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty())
}

/// Appends `text` as pieces of at most `max` tokens: whole when it fits, else by sentences,
/// else by words.
fn split_to_fit(
    text: &str,
    max: usize,
    count: &dyn Fn(&str) -> usize,
    out: &mut Vec<(String, usize)>,
) {
    let tokens = count(text);
    if tokens <= max {
        out.push((text.to_string(), tokens));
        return;
    }
    let sentences = sentences(text);
    if sentences.len() > 1 {
        for sentence in sentences {
            split_to_fit(sentence, max, count, out);
        }
        return;
    }
    // One long "sentence" (a table row, a URL list): cut by words, halving until it fits.
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= 1 {
        // A single unbreakable token run: keep it whole rather than cutting inside a word.
        out.push((text.to_string(), tokens));
        return;
    }
    let mid = words.len() / 2;
    split_to_fit(&words[..mid].join(" "), max, count, out);
    split_to_fit(&words[mid..].join(" "), max, count, out);
}

/// Sentence ends: `.`, `!`, `?` followed by white space, and line breaks.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let end = match b {
            b'\n' => Some(i),
            b'.' | b'!' | b'?' if bytes.get(i + 1).is_some_and(|n| n.is_ascii_whitespace()) => {
                Some(i + 1)
            }
            _ => None,
        };
        if let Some(end) = end {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

fn pack(
    heading: &str,
    pieces: Vec<(String, usize)>,
    max: usize,
    overlap: usize,
    out: &mut Vec<Chunk>,
) {
    let mut current: Vec<(String, usize)> = Vec::new();
    let mut tokens = 0;
    let mut fresh = 0; // pieces in `current` not already emitted in a previous chunk
    for (text, n) in pieces {
        if tokens + n > max && fresh > 0 {
            out.push(emit(heading, &current));
            // Carry trailing pieces worth at most `overlap` tokens into the next chunk.
            let mut carried = Vec::new();
            let mut carried_tokens = 0;
            for piece in current.iter().rev() {
                if carried_tokens + piece.1 > overlap || carried_tokens + piece.1 + n > max {
                    break;
                }
                carried_tokens += piece.1;
                carried.push(piece.clone());
            }
            carried.reverse();
            current = carried;
            tokens = carried_tokens;
            fresh = 0;
        }
        tokens += n;
        fresh += 1;
        current.push((text, n));
    }
    if fresh > 0 {
        out.push(emit(heading, &current));
    }
}

fn emit(heading: &str, pieces: &[(String, usize)]) -> Chunk {
    Chunk {
        heading: heading.to_string(),
        text: pieces
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n\n"),
        tokens: pieces.iter().map(|(_, n)| n).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::sections::markdown_sections;
    use proptest::prelude::*;

    fn words(s: &str) -> usize {
        s.split_whitespace().count()
    }

    #[test]
    fn small_sections_stay_whole_with_their_heading() {
        let sections = markdown_sections("# Returns\n\nWithin 30 days.\n\nUnworn items only.");
        let chunks = chunk_sections(&sections, ChunkConfig::default(), &words);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].heading, "Returns");
        assert_eq!(chunks[0].text, "Within 30 days.\n\nUnworn items only.");
        assert_eq!(chunks[0].tokens, 6);
    }

    #[test]
    fn long_text_splits_with_overlap() {
        let para = |i: usize| format!("Paragraph {i} has exactly eight words in it.");
        let text = (0..10).map(para).collect::<Vec<_>>().join("\n\n");
        let sections = markdown_sections(&text);
        let chunks = chunk_sections(
            &sections,
            ChunkConfig {
                max_tokens: 20,
                overlap_tokens: 8,
            },
            &words,
        );
        assert!(chunks.len() > 3);
        assert!(chunks.iter().all(|c| c.tokens <= 20));
        // The last paragraph of one chunk opens the next.
        let last_of_first = chunks[0].text.rsplit("\n\n").next().unwrap();
        assert!(chunks[1].text.starts_with(last_of_first));
    }

    proptest! {
        #[test]
        fn chunks_fit_and_lose_no_words(text in "([a-z]{1,8}[ .\n]{1,3}){0,300}", max in 8usize..60, overlap in 0usize..20) {
            let sections = markdown_sections(&text);
            let chunks = chunk_sections(&sections, ChunkConfig { max_tokens: max, overlap_tokens: overlap }, &words);
            for c in &chunks {
                prop_assert!(c.tokens <= max, "{} > {}", c.tokens, max);
            }
            let joined: String = chunks.iter().map(|c| c.text.clone()).collect::<Vec<_>>().join(" ");
            for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                prop_assert!(joined.contains(w), "lost {w}");
            }
        }
    }
}
