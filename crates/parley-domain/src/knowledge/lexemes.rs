//! Search lexemes for PostgreSQL's full-text index, made here instead of by the server's
//! `to_tsvector('english', …)`.
//!
//! Why: the server's parsing and stemming was half of PostgreSQL's work during ingestion
//! (parsing a ready `tsvector` literal costs a fraction), and one function making both the
//! indexed lexemes and the question's means the two always agree, as do the per-bot term
//! counts, which count exactly what is indexed. Words are split and stop words dropped as in
//! [`terms`](super::terms); stems are Snowball English (Porter 2), the algorithm PostgreSQL's
//! `english` configuration uses.

use super::terms::is_stop_word;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;
use std::fmt::Write;

/// Longest lexeme indexed, in bytes (PostgreSQL's own bound is 2 KB); longer words are left
/// out, as `to_tsvector` leaves them.
pub const MAX_LEXEME_BYTES: usize = 255;
/// Lexemes longer than this are not counted in the per-bot search statistics (nobody asks
/// about a 65-letter word, and the column stays bounded).
pub const MAX_COUNTED_LEXEME: usize = 64;
/// PostgreSQL keeps at most this many positions per lexeme...
const MAX_POSITIONS: usize = 256;
/// ...and none above this one.
const MAX_POSITION: usize = 16383;

/// Which part of a chunk a word is in: the heading's words rank above the body's.
#[derive(Clone, Copy)]
enum Weight {
    Heading,
    Body,
}

/// Makes lexemes, remembering each distinct word's (documents repeat their words, and a
/// stem costs far more than a lookup). One per document or question.
pub struct Lexemer {
    stemmer: Stemmer,
    /// Each word seen, with its lexeme's index in `lexemes`.
    seen: HashMap<String, Option<u32>>,
    lexemes: Vec<String>,
    indexes: HashMap<String, u32>,
}

/// A chunk's lexemes: its `tsvector` literal and its distinct lexemes, sorted.
pub struct ChunkLexemes {
    pub tsvector: String,
    pub distinct: Vec<String>,
}

impl Default for Lexemer {
    fn default() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::English),
            seen: HashMap::new(),
            lexemes: Vec::new(),
            indexes: HashMap::new(),
        }
    }
}

impl Lexemer {
    /// The lexeme of one word of any case; `None` for a stop word or an over-long word.
    pub fn lexeme(&mut self, word: &str) -> Option<&str> {
        self.index(word).map(|i| self.lexemes[i].as_str())
    }

    /// The index of the word's lexeme in `lexemes`.
    fn index(&mut self, word: &str) -> Option<usize> {
        if let Some(&known) = self.seen.get(word) {
            return known.map(|i| i as usize);
        }
        let lower = word.to_lowercase();
        let index = (!is_stop_word(&lower))
            .then(|| self.stemmer.stem(&lower).into_owned())
            .filter(|l| !l.is_empty() && l.len() <= MAX_LEXEME_BYTES)
            .map(|lexeme| match self.indexes.get(&lexeme) {
                Some(&i) => i as usize,
                None => {
                    self.indexes
                        .insert(lexeme.clone(), self.lexemes.len() as u32);
                    self.lexemes.push(lexeme);
                    self.lexemes.len() - 1
                }
            });
        self.seen.insert(word.to_string(), index.map(|i| i as u32));
        index
    }

    /// The chunk's weighted `tsvector` literal (heading words `A`, body words `B`, positions
    /// counted through the heading and on into the body, stop words taking a position as in
    /// `to_tsvector`), with `extra` lexemes without positions. Lexemes are written in the
    /// order PostgreSQL keeps them (shorter first, then bytewise), so its parser's sort finds
    /// them sorted.
    pub fn chunk(&mut self, heading: &str, body: &str, extra: &[&str]) -> ChunkLexemes {
        let mut positions: HashMap<usize, Vec<(usize, Weight)>> = HashMap::new();
        let words = words(heading)
            .map(|w| (w, Weight::Heading))
            .chain(words(body).map(|w| (w, Weight::Body)));
        for (i, (word, weight)) in words.enumerate() {
            if let Some(lexeme) = self.index(word) {
                let at = positions.entry(lexeme).or_default();
                if at.len() < MAX_POSITIONS {
                    at.push(((i + 1).min(MAX_POSITION), weight));
                }
            }
        }
        let mut distinct: Vec<String> =
            positions.keys().map(|&i| self.lexemes[i].clone()).collect();
        distinct.sort_unstable();
        let mut entries: Vec<(&str, &[(usize, Weight)])> = positions
            .iter()
            .map(|(&i, at)| (self.lexemes[i].as_str(), at.as_slice()))
            .chain(extra.iter().map(|l| (*l, &[][..])))
            .collect();
        entries.sort_unstable_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(b.0)));
        let mut tsvector = String::new();
        for (lexeme, at) in entries {
            // Lexemes are letters and digits only: quoting needs no escapes.
            let _ = write!(tsvector, "'{lexeme}'");
            for (n, (position, weight)) in at.iter().enumerate() {
                let sep = if n == 0 { ':' } else { ',' };
                let weight = match weight {
                    Weight::Heading => 'A',
                    Weight::Body => 'B',
                };
                let _ = write!(tsvector, "{sep}{position}{weight}");
            }
            tsvector.push(' ');
        }
        tsvector.pop();
        ChunkLexemes { tsvector, distinct }
    }
}

/// The words of a text: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_weighted_positioned_and_stemmed() {
        let mut lx = Lexemer::default();
        let chunk = lx.chunk("Returns", "You can return the boots. Boots!", &["bxyz"]);
        // "you", "can" and "the" are stop words but take positions 2, 3 and 5.
        assert_eq!(
            chunk.tsvector, "'boot':6B,7B 'bxyz' 'return':1A,4B",
            "heading words are A, body words B, in PostgreSQL's order"
        );
        assert_eq!(chunk.distinct, ["boot", "return"]);
        assert_eq!(lx.lexeme("Running"), Some("run"));
        assert_eq!(lx.lexeme("the"), None);
    }

    #[test]
    fn positions_stay_within_postgres_bounds() {
        let mut lx = Lexemer::default();
        let body = "tent ".repeat(20_000);
        let chunk = lx.chunk("", &body, &[]);
        assert_eq!(chunk.tsvector.matches(',').count(), MAX_POSITIONS - 1);
        let long = "x".repeat(MAX_LEXEME_BYTES + 1);
        assert_eq!(
            lx.chunk("", &format!("{long} tent"), &[]).tsvector,
            "'tent':2B"
        );
        let far = format!("{} kayak", "the ".repeat(20_000));
        assert_eq!(lx.chunk("", &far, &[]).tsvector, "'kayak':16383B");
    }
}
