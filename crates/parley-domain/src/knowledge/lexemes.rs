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

/// Makes lexemes, remembering each distinct word's (documents repeat their words, and a
/// stem costs far more than a lookup). One per document or question.
pub struct Lexemer {
    stemmer: Stemmer,
    /// Each word seen, with its lexeme's index in `lexemes`.
    seen: HashMap<String, Option<u32>>,
    lexemes: Vec<String>,
    indexes: HashMap<String, u32>,
}

/// A chunk's `tsvector`: its lexemes in the order PostgreSQL keeps them (bytewise), each
/// with its positions packed as PostgreSQL packs them (the weight in the top two bits).
pub struct ChunkLexemes<'a> {
    /// The [`Lexemer`]'s lexemes, which `entries` point into by index.
    lexemes: &'a [String],
    entries: Vec<(u32, Vec<u16>)>,
}

/// Weights in a packed position: heading words `A`, body words `B` (so the heading's words
/// rank above the body's).
const WEIGHT_A: u16 = 3 << 14;
const WEIGHT_B: u16 = 2 << 14;
const POSITION_BITS: u16 = (1 << 14) - 1;

impl<'a> ChunkLexemes<'a> {
    /// The chunk's own lexemes (not the extra ones, which have no positions), sorted, each
    /// with its index in the [`Lexemer`] (the same for every chunk it made: a key to count
    /// by without hashing the text).
    pub fn distinct(&self) -> impl Iterator<Item = (u32, &'a str)> + '_ {
        self.entries
            .iter()
            .filter(|(_, at)| !at.is_empty())
            .map(|&(id, _)| (id, self.lexemes[id as usize].as_str()))
    }

    /// The `tsvector` as a literal, for SQL text: `'boot':6B,7B 'return':1A`.
    pub fn literal(&self) -> String {
        let mut literal = String::new();
        for (id, at) in &self.entries {
            // Lexemes are letters and digits only: quoting needs no escapes.
            let _ = write!(literal, "'{}'", self.lexemes[*id as usize]);
            for (n, packed) in at.iter().enumerate() {
                let sep = if n == 0 { ':' } else { ',' };
                let weight = if packed & WEIGHT_A == WEIGHT_A {
                    'A'
                } else {
                    'B'
                };
                let _ = write!(literal, "{sep}{}{weight}", packed & POSITION_BITS);
            }
            literal.push(' ');
        }
        literal.pop();
        literal
    }

    /// Appends the `tsvector` in PostgreSQL's binary format (what its `tsvectorrecv` reads,
    /// as in `COPY … (FORMAT binary)`): the lexeme count, then each lexeme NUL-terminated
    /// with its position count and positions, all big-endian. The server then only checks
    /// it, where a literal has to be parsed and sorted.
    pub fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.entries.len() as i32).to_be_bytes());
        for (id, at) in &self.entries {
            out.extend_from_slice(self.lexemes[*id as usize].as_bytes());
            out.push(0);
            out.extend_from_slice(&(at.len() as u16).to_be_bytes());
            for packed in at {
                out.extend_from_slice(&packed.to_be_bytes());
            }
        }
    }
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
            .map(|lexeme| self.intern(lexeme));
        self.seen.insert(word.to_string(), index.map(|i| i as u32));
        index
    }

    /// The index of `lexeme` in `lexemes`, added if new.
    fn intern(&mut self, lexeme: impl AsRef<str> + Into<String>) -> usize {
        if let Some(&i) = self.indexes.get(lexeme.as_ref()) {
            return i as usize;
        }
        let lexeme: String = lexeme.into();
        self.indexes
            .insert(lexeme.clone(), self.lexemes.len() as u32);
        self.lexemes.push(lexeme);
        self.lexemes.len() - 1
    }

    /// The lexeme with this index (see [`ChunkLexemes::distinct`]).
    pub fn lexeme_at(&self, index: u32) -> &str {
        &self.lexemes[index as usize]
    }

    /// The chunk's weighted `tsvector` (heading words `A`, body words `B`, positions
    /// counted through the heading and on into the body, stop words taking a position as in
    /// `to_tsvector`), with `extra` lexemes without positions.
    pub fn chunk(&mut self, heading: &str, body: &str, extra: &[&str]) -> ChunkLexemes<'_> {
        let mut positions: HashMap<usize, Vec<u16>> = HashMap::new();
        let words = words(heading)
            .map(|w| (w, WEIGHT_A))
            .chain(words(body).map(|w| (w, WEIGHT_B)));
        for (i, (word, weight)) in words.enumerate() {
            if let Some(lexeme) = self.index(word) {
                let at = positions.entry(lexeme).or_default();
                let position = (i + 1).min(MAX_POSITION) as u16;
                // Positions only rise (PostgreSQL refuses repeats): past the last position
                // every word shares it, and only the first is kept.
                let rises = at.last().is_none_or(|last| last & POSITION_BITS < position);
                if at.len() < MAX_POSITIONS && rises {
                    at.push(position | weight);
                }
            }
        }
        let mut entries: Vec<(u32, Vec<u16>)> = positions
            .into_iter()
            .map(|(i, at)| (i as u32, at))
            .collect();
        for lexeme in extra {
            let id = self.intern(*lexeme) as u32;
            if !entries.iter().any(|(known, _)| *known == id) {
                entries.push((id, Vec::new()));
            }
        }
        let lexemes = &self.lexemes;
        entries.sort_unstable_by(|a, b| lexemes[a.0 as usize].cmp(&lexemes[b.0 as usize]));
        ChunkLexemes { lexemes, entries }
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
            chunk.literal(),
            "'boot':6B,7B 'bxyz' 'return':1A,4B",
            "heading words are A, body words B, in PostgreSQL's order"
        );
        let distinct: Vec<_> = chunk.distinct().collect();
        assert_eq!(
            distinct.iter().map(|&(_, l)| l).collect::<Vec<_>>(),
            ["boot", "return"]
        );
        let (boot, _) = distinct[0];
        assert_eq!(lx.lexeme_at(boot), "boot");
        let again = lx.chunk("", "booted", &[]);
        assert_eq!(
            again.distinct().next(),
            Some((boot, "boot")),
            "one index per lexeme"
        );
        assert_eq!(lx.lexeme("Running"), Some("run"));
        assert_eq!(lx.lexeme("the"), None);
    }

    #[test]
    fn binary_form_is_postgres_wire_format() {
        let mut lx = Lexemer::default();
        let chunk = lx.chunk("Tent", "tents", &["b1"]);
        let mut out = Vec::new();
        chunk.write_binary(&mut out);
        #[rustfmt::skip]
        let expected = [
            0, 0, 0, 2,                     // two lexemes, bytewise order
            b'b', b'1', 0, 0, 0,            // "b1", no positions
            b't', b'e', b'n', b't', 0, 0, 2, // "tent", two positions:
            0xC0, 1,                        // 1, weight A (3 << 14)
            0x80, 2,                        // 2, weight B (2 << 14)
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn positions_stay_within_postgres_bounds() {
        let mut lx = Lexemer::default();
        let body = "tent ".repeat(20_000);
        let chunk = lx.chunk("", &body, &[]);
        assert_eq!(chunk.literal().matches(',').count(), MAX_POSITIONS - 1);
        let long = "x".repeat(MAX_LEXEME_BYTES + 1);
        assert_eq!(
            lx.chunk("", &format!("{long} tent"), &[]).literal(),
            "'tent':2B"
        );
        let far = format!("{} kayak", "the ".repeat(20_000));
        assert_eq!(lx.chunk("", &far, &[]).literal(), "'kayak':16383B");
        let past = format!("{} kayak kayak", "the ".repeat(20_000));
        assert_eq!(lx.chunk("", &past, &[]).literal(), "'kayak':16383B");
    }
}
