//! One tokenisation of a message, shared by the sentiment, intent and extraction passes so
//! each message is lowercased and split exactly once.
//!
//! Tokens are words (letters and digits, with inner apostrophes, hyphens and number
//! separators), single emoji and ASCII emoticons such as `:)`. Their lowercased forms are
//! joined by single spaces into [`Tokens::norm`], which the phrase automata scan in one
//! pass; a match is accepted only when it starts and ends on token boundaries.

use std::hash::{BuildHasherDefault, Hasher};

/// The longest input the scorers look at, in bytes. Longer messages are cut (on a character
/// boundary) so that a pasted log file costs the same bounded time as a long message.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// What kind of token this is; the scorers treat each differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters (maybe with digits): looked up in the lexicon.
    Word,
    /// Starts with a digit: `500`, `20k`, `1.5m`, `20,000`.
    Number,
    /// One emoji (variation selectors and skin tones dropped).
    Emoji,
    /// An ASCII emoticon such as `:)` or `<3`.
    Emoticon,
}

/// Punctuation seen between the previous token and this one.
pub(crate) mod gap {
    /// `,`
    pub const COMMA: u8 = 1;
    /// `.`, `!`, `?`, `;` or a line break: a clause/sentence boundary.
    pub const STOP: u8 = 2;
    /// `$`, `€` or `£` directly before the token.
    pub const CURRENCY: u8 = 4;
    /// `:` (as in "Name: Ada")
    pub const COLON: u8 = 8;
    /// `(`, `)`, `-` or `/` between tokens (lists and ranges)
    pub const DASH: u8 = 16;
}

/// One token: where it is in the original text and in [`Tokens::norm`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub start: u32,
    pub end: u32,
    pub nstart: u32,
    pub nend: u32,
    pub kind: Kind,
    /// Two or more letters, all upper case ("WORST").
    pub caps: bool,
    /// Bit set of [`gap`] flags for the punctuation before this token.
    pub gap: u8,
    /// The currency symbol before the token, when [`gap::CURRENCY`] is set.
    pub currency: char,
}

/// A tokenised message.
#[derive(Debug, Default)]
pub(crate) struct Tokens<'a> {
    pub text: &'a str,
    pub norm: String,
    pub toks: Vec<Tok>,
    /// `!` count in the whole text (VADER's emphasis rule).
    pub exclamations: u32,
    /// `?` count in the whole text.
    pub questions: u32,
    /// Some token is all caps and some is not (VADER only boosts caps in mixed-case text).
    pub caps_differ: bool,
}

impl<'a> Tokens<'a> {
    /// The normalised (lowercase) form of token `i`.
    pub fn norm(&self, i: usize) -> &str {
        let t = &self.toks[i];
        &self.norm[t.nstart as usize..t.nend as usize]
    }

    /// The original text of token `i`.
    pub fn raw(&self, i: usize) -> &'a str {
        let t = &self.toks[i];
        &self.text[t.start as usize..t.end as usize]
    }

    /// The index of the token that starts at byte `nstart` of `norm`, if one does.
    pub fn token_at(&self, nstart: usize) -> Option<usize> {
        self.toks
            .binary_search_by_key(&(nstart as u32), |t| t.nstart)
            .ok()
    }

    /// The index of the token that ends at byte `nend` of `norm`, if one does.
    pub fn token_ending_at(&self, nend: usize) -> Option<usize> {
        self.toks
            .binary_search_by_key(&(nend as u32), |t| t.nend)
            .ok()
    }
}

/// Cuts `text` to at most [`MAX_TEXT_BYTES`] on a character boundary.
pub fn clip(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// ASCII emoticons recognised as tokens (and scored through the lexicon when it has them).
const EMOTICONS: &[&str] = &[
    ":)", ":-)", ":))", ":]", "=)", ":d", ":-d", ";)", ";-)", ":p", ":-p", "<3", ":(", ":-(",
    ":((", ":[", "=(", ":/", ":-/", ":'(", ":|", ":-|", ">:(", "d:", "xd", ":o", ":-o", ":@", ":s",
    "</3",
];

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x1F000..=0x1F2FF | 0x2300..=0x23FF)
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c as u32,
        0xFE0E | 0xFE0F | 0x200D | 0x1F3FB..=0x1F3FF | 0x20E3
    )
}

/// Splits `text` (already clipped) into tokens.
pub(crate) fn tokenize(text: &str) -> Tokens<'_> {
    let mut out = Tokens {
        text,
        norm: String::with_capacity(text.len() + 8),
        toks: Vec::with_capacity(text.len() / 4 + 1),
        ..Tokens::default()
    };
    let bytes = text.as_bytes();
    let mut gap_flags = 0u8;
    let mut currency = '\0';
    let mut any_caps = false;
    let mut any_lower_word = false;
    let mut i = 0usize;
    while i < text.len() {
        let c = text[i..].chars().next().expect("in bounds");
        let clen = c.len_utf8();
        if c.is_alphanumeric() {
            // A word or a number: letters/digits with inner ' ’ - . , (the last two only
            // between digits, so "20,000" and "1.5" stay whole).
            let start = i;
            let mut j = i + clen;
            let numeric = c.is_ascii_digit();
            while j < text.len() {
                let d = text[j..].chars().next().expect("in bounds");
                if d.is_alphanumeric() {
                    j += d.len_utf8();
                    continue;
                }
                let next = text[j + d.len_utf8()..].chars().next();
                let joins = match d {
                    '\'' | '\u{2019}' | '-' => next.is_some_and(|n| n.is_alphanumeric()),
                    '.' | ',' => {
                        numeric
                            && bytes[j - 1].is_ascii_digit()
                            && next.is_some_and(|n| n.is_ascii_digit())
                    }
                    _ => false,
                };
                if joins {
                    j += d.len_utf8();
                } else {
                    break;
                }
            }
            let raw = &text[start..j];
            let nstart = push_norm(&mut out.norm, raw);
            let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
            let caps = letters >= 2 && !raw.chars().any(|c| c.is_lowercase());
            if caps {
                any_caps = true;
            } else if letters >= 2 {
                any_lower_word = true;
            }
            out.toks.push(Tok {
                start: start as u32,
                end: j as u32,
                nstart,
                nend: out.norm.len() as u32,
                kind: if numeric { Kind::Number } else { Kind::Word },
                caps,
                gap: gap_flags,
                currency,
            });
            gap_flags = 0;
            currency = '\0';
            i = j;
        } else if c.is_whitespace() || is_emoji_modifier(c) {
            if c == '\n' || c == '\r' {
                gap_flags |= gap::STOP;
            }
            i += clen;
        } else if is_emoji(c) {
            let nstart = push_norm(&mut out.norm, &text[i..i + clen]);
            out.toks.push(Tok {
                start: i as u32,
                end: (i + clen) as u32,
                nstart,
                nend: out.norm.len() as u32,
                kind: Kind::Emoji,
                caps: false,
                gap: gap_flags,
                currency,
            });
            gap_flags = 0;
            currency = '\0';
            i += clen;
        } else {
            // Punctuation: an emoticon when a whitespace-delimited chunk starts here and
            // spells one, else a gap flag.
            let at_chunk_start = i == 0 || text[..i].ends_with(char::is_whitespace);
            if at_chunk_start && c.is_ascii() {
                let chunk_end = text[i..]
                    .find(char::is_whitespace)
                    .map_or(text.len(), |e| i + e);
                let chunk = text[i..chunk_end].trim_end_matches([',', '.', '!', '?']);
                if chunk.len() >= 2
                    && chunk.len() <= 4
                    && EMOTICONS.iter().any(|e| e.eq_ignore_ascii_case(chunk))
                {
                    let end = i + chunk.len();
                    let nstart = push_norm(&mut out.norm, chunk);
                    out.toks.push(Tok {
                        start: i as u32,
                        end: end as u32,
                        nstart,
                        nend: out.norm.len() as u32,
                        kind: Kind::Emoticon,
                        caps: false,
                        gap: gap_flags,
                        currency,
                    });
                    gap_flags = 0;
                    currency = '\0';
                    i = end;
                    continue;
                }
            }
            match c {
                ',' => gap_flags |= gap::COMMA,
                '.' | ';' => gap_flags |= gap::STOP,
                '!' => {
                    gap_flags |= gap::STOP;
                    out.exclamations += 1;
                }
                '?' => {
                    gap_flags |= gap::STOP;
                    out.questions += 1;
                }
                '$' | '€' | '£' => {
                    gap_flags |= gap::CURRENCY;
                    currency = c;
                }
                ':' => gap_flags |= gap::COLON,
                '(' | ')' | '-' | '/' | '–' | '—' => gap_flags |= gap::DASH,
                _ => {}
            }
            i += clen;
        }
    }
    out.caps_differ = any_caps && any_lower_word;
    out
}

/// Appends the lowercase form of `raw` (with ’ read as ') to `norm`, space-separated.
fn push_norm(norm: &mut String, raw: &str) -> u32 {
    if !norm.is_empty() {
        norm.push(' ');
    }
    let start = norm.len() as u32;
    if raw.is_ascii() {
        for b in raw.bytes() {
            norm.push(b.to_ascii_lowercase() as char);
        }
    } else {
        for c in raw.chars() {
            if c == '\u{2019}' {
                norm.push('\'');
            } else {
                norm.extend(c.to_lowercase());
            }
        }
    }
    start
}

/// A small, fast, non-cryptographic hasher for the lexicon's short keys (FxHash); the keys
/// are fixed data, not attacker-chosen, so hash flooding is not a concern.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write(&[i]);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// `HashMap` builder using [`FxHasher`].
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str) -> Vec<String> {
        let t = tokenize(text);
        (0..t.toks.len()).map(|i| t.norm(i).to_string()).collect()
    }

    #[test]
    fn words_numbers_and_punctuation() {
        assert_eq!(
            norms("I'd like 20,000 units, by FRIDAY!"),
            ["i'd", "like", "20,000", "units", "by", "friday"]
        );
        let t = tokenize("Price: $20k. Thanks");
        assert_eq!(t.toks[1].gap & gap::CURRENCY, gap::CURRENCY);
        assert_eq!(t.toks[1].currency, '$');
        assert_eq!(t.toks[2].gap & gap::STOP, gap::STOP);
        assert_eq!(t.norm, "price 20k thanks");
    }

    #[test]
    fn emoji_emoticons_and_caps() {
        assert_eq!(
            norms("love it 😍👍🏽 :) ok"),
            ["love", "it", "😍", "👍", ":)", "ok"]
        );
        let t = tokenize("this is the WORST");
        assert!(t.toks[3].caps && t.caps_differ);
        assert!(!tokenize("ALL CAPS ONLY").caps_differ);
        assert_eq!(norms("don’t"), ["don't"]);
    }

    #[test]
    fn clip_respects_char_boundaries() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let c = clip(&long);
        assert!(c.len() <= MAX_TEXT_BYTES && c.chars().all(|c| c == 'é'));
    }
}
