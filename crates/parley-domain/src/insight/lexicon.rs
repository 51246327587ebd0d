//! The sentiment lexicon: VADER's word valences (MIT, see `data/VADER-LICENSE.txt`) with
//! customer-support corrections, intensifiers, negators, emoji and multi-word phrases.
//!
//! VADER was built for social media. In a support chat some of its words mislead: "help",
//! "support", "please" and "like" are everywhere and carry no feeling ("I'd like to return
//! this, please help"), "free" is mostly "free trial", and the strongest signals are phrases
//! VADER does not know ("still waiting", "no refund", "third time I ask", "thanks so much").
//! The corrections below were chosen on our own labelled support messages (the `dev` half
//! of `tests/data/support-sentiment.tsv`), never on the evaluation fixtures.

use super::text::FxBuild;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::sync::OnceLock;

/// VADER's lexicon: `token<TAB>mean valence` per line (-4..4), ~7,500 entries.
const VADER_LEXICON: &str = include_str!("data/vader_lexicon.tsv");

/// VADER's intensifier step.
pub(crate) const B_INCR: f32 = 0.293;
const B_DECR: f32 = -0.293;

/// What the scorers need to know about one word, found with a single hash lookup.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WordInfo {
    /// Valence in VADER units (-4..4); meaningful when `in_lexicon`.
    pub valence: f32,
    /// The word has a sentiment valence (VADER's "in lexicon": such words are not boosters).
    pub in_lexicon: bool,
    /// Intensifier (positive) or dampener (negative) step, 0 when none.
    pub booster: f32,
    /// Negates the sentiment of the next few words ("not", "never", "didn't").
    pub negator: bool,
}

/// Words whose VADER valence is wrong for support chat: `None` removes the valence.
const OVERRIDES: &[(&str, Option<f32>)] = &[
    ("help", None),
    ("helps", None),
    ("support", None),
    ("supported", None),
    ("please", None),
    ("like", None),
    ("free", Some(0.4)),
    ("yes", None),
    ("ok", None),
    ("okay", None),
    ("want", None),
    ("wants", None),
    ("pretty", None),
    ("super", None),
    ("kind", None),
    ("well", Some(0.6)),
    ("hope", Some(0.8)),
    ("cancel", Some(-0.6)),
    ("cancelled", Some(-0.8)),
    ("canceled", Some(-0.8)),
    ("charged", Some(-0.6)),
    ("sorry", Some(-0.5)),
    ("matter", None),
    ("pay", None),
    ("save", None),
    ("credit", None),
    ("share", None),
    ("join", None),
    ("sure", Some(0.4)),
    // Support and outdoor-gear vocabulary VADER lacks.
    ("late", Some(-1.2)),
    ("delayed", Some(-1.3)),
    ("delays", Some(-1.3)),
    ("unresponsive", Some(-2.0)),
    ("defective", Some(-2.1)),
    ("faulty", Some(-1.9)),
    ("leak", Some(-1.4)),
    ("leaks", Some(-1.6)),
    ("leaking", Some(-1.6)),
    ("leaky", Some(-1.6)),
    ("torn", Some(-1.5)),
    ("ripped", Some(-1.4)),
    ("crashes", Some(-1.7)),
    ("crashing", Some(-1.7)),
    ("crashed", Some(-1.7)),
    ("bug", Some(-1.2)),
    ("bugs", Some(-1.3)),
    ("buggy", Some(-1.8)),
    ("glitch", Some(-1.2)),
    ("glitchy", Some(-1.6)),
    ("laggy", Some(-1.4)),
    ("outage", Some(-1.8)),
    ("downtime", Some(-1.4)),
    ("overpriced", Some(-1.8)),
    ("overcharged", Some(-2.0)),
    ("unusable", Some(-2.4)),
    ("seamless", Some(2.0)),
    ("intuitive", Some(1.6)),
    ("lifesaver", Some(2.6)),
    ("durable", Some(1.6)),
    ("sturdy", Some(1.5)),
    ("comfy", Some(1.8)),
    ("waterproof", None),
    ("nightmare", Some(-2.4)),
    ("nightmares", Some(-2.4)),
    ("resolved", Some(1.4)),
    ("sorted", Some(1.0)),
    ("responsive", Some(1.2)),
    ("promptly", Some(1.3)),
    ("smoothly", Some(1.4)),
    ("flawless", Some(2.6)),
    ("flawlessly", Some(2.6)),
    ("unhelpful", Some(-1.9)),
    ("useless", Some(-2.2)),
    ("again", Some(-0.3)),
    ("nobody", Some(-0.8)),
    ("lost", Some(-1.3)),
    ("missing", Some(-1.4)),
    ("refused", Some(-1.6)),
    ("ignored", Some(-1.8)),
    ("ignoring", Some(-1.8)),
];

/// Intensifiers and dampeners (VADER's list plus "pretty", "super", "way", "real").
const BOOSTERS: &[(&str, f32)] = &[
    ("absolutely", B_INCR),
    ("amazingly", B_INCR),
    ("awfully", B_INCR),
    ("completely", B_INCR),
    ("considerably", B_INCR),
    ("decidedly", B_INCR),
    ("deeply", B_INCR),
    ("enormously", B_INCR),
    ("entirely", B_INCR),
    ("especially", B_INCR),
    ("exceptionally", B_INCR),
    ("extremely", B_INCR),
    ("fabulously", B_INCR),
    ("freaking", B_INCR),
    ("fully", B_INCR),
    ("fucking", B_INCR),
    ("greatly", B_INCR),
    ("hella", B_INCR),
    ("highly", B_INCR),
    ("hugely", B_INCR),
    ("incredibly", B_INCR),
    ("intensely", B_INCR),
    ("majorly", B_INCR),
    ("more", B_INCR),
    ("most", B_INCR),
    ("particularly", B_INCR),
    ("purely", B_INCR),
    ("quite", B_INCR),
    ("really", B_INCR),
    ("remarkably", B_INCR),
    ("so", B_INCR),
    ("substantially", B_INCR),
    ("thoroughly", B_INCR),
    ("totally", B_INCR),
    ("tremendously", B_INCR),
    ("unbelievably", B_INCR),
    ("unusually", B_INCR),
    ("utterly", B_INCR),
    ("very", B_INCR),
    ("pretty", B_INCR),
    ("super", B_INCR),
    ("way", B_INCR),
    ("real", B_INCR),
    ("such", B_INCR),
    ("too", B_INCR),
    ("almost", B_DECR),
    ("barely", B_DECR),
    ("hardly", B_DECR),
    ("kinda", B_DECR),
    ("less", B_DECR),
    ("little", B_DECR),
    ("marginally", B_DECR),
    ("occasionally", B_DECR),
    ("partly", B_DECR),
    ("scarcely", B_DECR),
    ("slightly", B_DECR),
    ("somewhat", B_DECR),
    ("sorta", B_DECR),
    ("fairly", B_DECR),
    ("bit", B_DECR),
];

/// Negation words (VADER's list; words ending in "n't" are negators too).
const NEGATORS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt",
    "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "neednt", "never", "none", "nope",
    "nor", "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
    "without", "wont", "wouldnt", "rarely", "seldom", "despite", "no",
];

/// Emoji valences (our own table, VADER units).
const EMOJI: &[(&str, f32)] = &[
    ("😀", 2.0),
    ("😃", 2.0),
    ("😄", 2.2),
    ("😁", 2.0),
    ("😆", 1.8),
    ("😊", 2.2),
    ("🙂", 1.2),
    ("😉", 1.2),
    ("😍", 3.0),
    ("🥰", 3.0),
    ("😘", 2.4),
    ("🤩", 2.8),
    ("😎", 1.5),
    ("👍", 1.8),
    ("👌", 1.5),
    ("👏", 2.0),
    ("🙌", 2.2),
    ("🙏", 1.5),
    ("💪", 1.5),
    ("❤", 2.8),
    ("💕", 2.6),
    ("💖", 2.6),
    ("💯", 2.0),
    ("🎉", 2.4),
    ("🥳", 2.4),
    ("✅", 1.0),
    ("⭐", 1.5),
    ("🌟", 1.8),
    ("✨", 1.2),
    ("🔥", 1.5),
    ("😂", 1.2),
    ("🤣", 1.2),
    ("😅", 0.4),
    ("😞", -2.2),
    ("😔", -1.8),
    ("😟", -1.6),
    ("😕", -1.3),
    ("🙁", -1.6),
    ("☹", -1.8),
    ("😢", -2.2),
    ("😭", -2.5),
    ("😩", -2.2),
    ("😫", -2.2),
    ("😤", -2.2),
    ("😠", -2.6),
    ("😡", -3.0),
    ("🤬", -3.2),
    ("👎", -2.0),
    ("💔", -2.5),
    ("😒", -1.8),
    ("🙄", -1.8),
    ("😑", -1.0),
    ("😬", -1.0),
    ("😰", -1.8),
    ("😱", -1.8),
    ("🤦", -1.8),
    ("❌", -1.0),
    ("😖", -2.0),
    ("😣", -1.8),
    ("🤮", -2.8),
    ("🤢", -2.2),
    ("💩", -2.0),
];

/// How a matched phrase changes scoring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PhraseKind {
    /// Scored like a single word with this valence.
    Valence(f32),
    /// Scored as nothing: hides misleading words ("would like", "free trial").
    Neutral,
    /// An intensifier or dampener ("a bit", "kind of").
    Booster(f32),
    /// Praise that reads as sarcasm when the rest of the message is negative
    /// ("oh great", "thanks a lot"): this valence, flipped in negative company.
    Sarcasm(f32),
}

/// Support phrases: `(phrase, kind)`. Phrases are matched on whole tokens, lowercase, after
/// punctuation is dropped, leftmost-longest.
const PHRASES: &[(&str, PhraseKind)] = {
    use PhraseKind::*;
    &[
        // Waiting and being ignored.
        ("still waiting", Valence(-2.2)),
        ("been waiting", Valence(-1.8)),
        ("keep waiting", Valence(-2.0)),
        ("still no", Valence(-2.0)),
        ("still not", Valence(-1.8)),
        ("still haven't", Valence(-1.8)),
        ("still hasn't", Valence(-1.8)),
        ("still don't", Valence(-1.6)),
        ("still doesn't", Valence(-1.8)),
        ("still broken", Valence(-2.4)),
        ("no response", Valence(-2.0)),
        ("no reply", Valence(-2.0)),
        ("no answer", Valence(-1.8)),
        ("no update", Valence(-1.6)),
        ("no updates", Valence(-1.6)),
        ("no one", Valence(-1.0)),
        ("on hold", Valence(-1.4)),
        ("second time", Valence(-1.2)),
        ("third time", Valence(-2.0)),
        ("fourth time", Valence(-2.3)),
        ("fifth time", Valence(-2.5)),
        ("how many times", Valence(-2.2)),
        ("again and again", Valence(-1.8)),
        ("over and over", Valence(-1.8)),
        ("for weeks", Valence(-1.2)),
        ("for days", Valence(-1.0)),
        ("for months", Valence(-1.4)),
        // Orders and products gone wrong.
        ("no refund", Valence(-2.2)),
        ("never arrived", Valence(-2.5)),
        ("never received", Valence(-2.5)),
        ("never got", Valence(-2.0)),
        ("hasn't arrived", Valence(-2.0)),
        ("has not arrived", Valence(-2.0)),
        ("hasn't shipped", Valence(-1.6)),
        ("not arrived", Valence(-2.0)),
        ("haven't received", Valence(-2.0)),
        ("have not received", Valence(-2.0)),
        ("not received", Valence(-2.0)),
        ("didn't receive", Valence(-2.0)),
        ("did not receive", Valence(-2.0)),
        ("doesn't work", Valence(-2.2)),
        ("does not work", Valence(-2.2)),
        ("didn't work", Valence(-2.0)),
        ("don't work", Valence(-2.0)),
        ("not working", Valence(-2.2)),
        ("isn't working", Valence(-2.2)),
        ("stopped working", Valence(-2.4)),
        ("no longer works", Valence(-2.2)),
        ("won't turn on", Valence(-2.0)),
        ("won't load", Valence(-2.0)),
        ("fell apart", Valence(-2.5)),
        ("falling apart", Valence(-2.3)),
        ("came apart", Valence(-2.2)),
        ("waste of money", Valence(-2.8)),
        ("waste of time", Valence(-2.6)),
        ("charged twice", Valence(-2.2)),
        ("double charged", Valence(-2.2)),
        ("charged me twice", Valence(-2.2)),
        ("wrong item", Valence(-1.8)),
        ("wrong order", Valence(-1.8)),
        ("wrong size", Valence(-1.0)),
        ("money back", Valence(-1.4)),
        ("rip off", Valence(-2.6)),
        ("ripped off", Valence(-2.6)),
        ("fed up", Valence(-2.2)),
        ("sick of", Valence(-2.2)),
        ("sick and tired", Valence(-2.6)),
        ("last straw", Valence(-2.4)),
        ("let down", Valence(-2.0)),
        ("thanks for nothing", Valence(-2.8)),
        ("yeah right", Valence(-2.0)),
        ("wouldn't recommend", Valence(-2.2)),
        ("would not recommend", Valence(-2.4)),
        ("not recommend", Valence(-2.2)),
        ("never again", Valence(-2.4)),
        ("never buying", Valence(-2.2)),
        ("never ordering", Valence(-2.2)),
        ("what a joke", Valence(-2.4)),
        ("a joke", Valence(-1.8)),
        ("not impressed", Valence(-1.8)),
        ("not acceptable", Valence(-2.0)),
        ("can't believe", Valence(-1.2)),
        ("not even", Valence(-0.8)),
        ("without fixing", Valence(-1.8)),
        ("without resolving", Valence(-1.8)),
        ("without a response", Valence(-1.8)),
        ("without an answer", Valence(-1.8)),
        ("without any response", Valence(-1.8)),
        // Praise.
        ("thanks so much", Valence(2.8)),
        ("thank you so much", Valence(2.8)),
        ("thanks a ton", Valence(2.6)),
        ("thank you very much", Valence(2.6)),
        ("much appreciated", Valence(2.4)),
        ("love it", Valence(3.2)),
        ("love them", Valence(3.2)),
        ("love this", Valence(3.2)),
        ("works great", Valence(2.8)),
        ("works perfectly", Valence(3.0)),
        ("works fine", Valence(1.6)),
        ("works well", Valence(2.2)),
        ("working again", Valence(1.8)),
        ("works now", Valence(1.8)),
        ("spot on", Valence(2.0)),
        ("five stars", Valence(2.8)),
        ("5 stars", Valence(2.8)),
        ("above and beyond", Valence(3.0)),
        ("sorted out", Valence(1.5)),
        ("problem solved", Valence(2.0)),
        ("issue resolved", Valence(2.0)),
        ("no worries", Valence(1.4)),
        ("no problem", Valence(1.2)),
        ("no problems", Valence(1.2)),
        ("no issues", Valence(1.4)),
        ("no complaints", Valence(1.8)),
        ("can't complain", Valence(1.5)),
        ("can't wait", Valence(1.8)),
        ("exactly what i needed", Valence(2.5)),
        ("made my day", Valence(2.8)),
        ("highly recommend", Valence(2.8)),
        ("would recommend", Valence(2.2)),
        ("fast shipping", Valence(1.8)),
        ("quick response", Valence(1.8)),
        ("i like", Valence(1.5)),
        ("we like", Valence(1.5)),
        ("i really like", Valence(2.0)),
        ("we really like", Valence(2.0)),
        ("like it", Valence(1.5)),
        ("i liked", Valence(1.5)),
        ("free shipping", Valence(0.8)),
        ("happy to", Valence(0.6)),
        ("good morning", Valence(0.3)),
        ("good afternoon", Valence(0.3)),
        ("good evening", Valence(0.3)),
        // Praise that may be sarcasm.
        ("oh great", Sarcasm(2.0)),
        ("oh wonderful", Sarcasm(2.0)),
        ("oh perfect", Sarcasm(2.0)),
        ("oh good", Sarcasm(1.6)),
        ("oh fantastic", Sarcasm(2.2)),
        ("oh joy", Sarcasm(2.0)),
        ("just great", Sarcasm(2.0)),
        ("just perfect", Sarcasm(2.0)),
        ("just wonderful", Sarcasm(2.0)),
        ("just fantastic", Sarcasm(2.2)),
        ("just brilliant", Sarcasm(2.2)),
        ("great job", Sarcasm(2.8)),
        ("nice job", Sarcasm(2.4)),
        ("good job", Sarcasm(2.4)),
        ("well done", Sarcasm(2.4)),
        ("great service", Sarcasm(2.8)),
        ("love how", Sarcasm(2.0)),
        ("love that", Sarcasm(2.4)),
        ("love waiting", Sarcasm(2.0)),
        ("what a great", Sarcasm(2.5)),
        ("so helpful", Sarcasm(2.4)),
        ("very helpful", Sarcasm(2.4)),
        ("really helpful", Sarcasm(2.4)),
        ("thanks a lot", Sarcasm(2.4)),
        ("thanks so much for", Sarcasm(2.6)),
        ("brilliant", Sarcasm(2.8)),
        ("fantastic", Sarcasm(2.6)),
        ("wonderful", Sarcasm(2.7)),
        ("amazing", Sarcasm(2.8)),
        ("perfect", Sarcasm(2.7)),
        ("awesome", Sarcasm(3.1)),
        ("great", Sarcasm(3.1)),
        // Misleading words in neutral use.
        ("would like", Neutral),
        ("i'd like", Neutral),
        ("we'd like", Neutral),
        ("like to", Neutral),
        ("looks like", Neutral),
        ("seems like", Neutral),
        ("sounds like", Neutral),
        ("feel like", Neutral),
        ("just like", Neutral),
        ("as well", Neutral),
        ("customer support", Neutral),
        ("customer service", Neutral),
        ("help desk", Neutral),
        ("help center", Neutral),
        ("free trial", Neutral),
        ("free plan", Neutral),
        ("free tier", Neutral),
        ("free version", Neutral),
        ("pretty much", Neutral),
        ("no matter", Neutral),
        ("yes please", Neutral),
        ("please advise", Neutral),
        ("let me know", Neutral),
        ("good to know", Valence(0.8)),
        ("at least", Neutral),
        ("works best", Neutral),
        ("best way", Neutral),
        ("which is best", Neutral),
        ("what's the best", Neutral),
        ("kind of", Booster(B_DECR)),
        ("sort of", Booster(B_DECR)),
        ("a bit", Booster(B_DECR)),
        ("a little", Booster(B_DECR)),
        ("a little bit", Booster(B_DECR)),
    ]
};

/// Waiting time as a complaint: "been two weeks", "been 10 days".
const WAIT_COUNTS: &[&str] = &[
    "a", "an", "two", "three", "four", "five", "six", "ten", "several", "many", "2", "3", "4", "5",
    "6", "7", "8", "9", "10", "12", "14", "15", "20", "30",
];
const WAIT_UNITS: &[&str] = &["day", "days", "week", "weeks", "month", "months", "hours"];

/// The compiled lexicon: word table and phrase automaton.
pub(crate) struct Lexicon {
    pub words: HashMap<Box<str>, WordInfo, FxBuild>,
    pub phrases: AhoCorasick,
    pub phrase_kinds: Vec<PhraseKind>,
}

impl Lexicon {
    /// Everything known about a lowercase token (default: nothing).
    #[inline]
    pub fn word(&self, token: &str) -> WordInfo {
        match self.words.get(token) {
            Some(info) => *info,
            None if token.ends_with("n't") => WordInfo {
                negator: true,
                ..WordInfo::default()
            },
            None => WordInfo::default(),
        }
    }
}

/// The lexicon, built on first use (about a millisecond) and shared by every scorer.
pub(crate) fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(build)
}

fn build() -> Lexicon {
    let mut words: HashMap<Box<str>, WordInfo, FxBuild> =
        HashMap::with_capacity_and_hasher(8192, FxBuild::default());
    for line in VADER_LEXICON.lines() {
        let Some((token, valence)) = line.split_once('\t') else {
            continue;
        };
        let Ok(valence) = valence.trim().parse::<f32>() else {
            continue;
        };
        let entry = words.entry(token.to_lowercase().into()).or_default();
        entry.valence = valence;
        entry.in_lexicon = true;
    }
    for &(word, valence) in OVERRIDES {
        let entry = words.entry(word.into()).or_default();
        match valence {
            Some(v) => {
                entry.valence = v;
                entry.in_lexicon = true;
            }
            None => {
                entry.valence = 0.0;
                entry.in_lexicon = false;
            }
        }
    }
    for &(word, step) in BOOSTERS {
        let entry = words.entry(word.into()).or_default();
        entry.booster = step;
        // A booster is never itself a sentiment word (VADER skips them as words).
        entry.in_lexicon = false;
        entry.valence = 0.0;
    }
    for &word in NEGATORS {
        let entry = words.entry(word.into()).or_default();
        entry.negator = true;
        if let Some(apostrophe) = apostrophe_form(word) {
            words.entry(apostrophe.into()).or_default().negator = true;
        }
    }
    for &(emoji, valence) in EMOJI {
        words.insert(
            emoji.into(),
            WordInfo {
                valence,
                in_lexicon: true,
                ..WordInfo::default()
            },
        );
    }
    let mut patterns: Vec<String> = PHRASES.iter().map(|(p, _)| (*p).to_string()).collect();
    let mut phrase_kinds: Vec<PhraseKind> = PHRASES.iter().map(|(_, k)| *k).collect();
    for count in WAIT_COUNTS {
        for unit in WAIT_UNITS {
            patterns.push(format!("been {count} {unit}"));
            phrase_kinds.push(PhraseKind::Valence(-1.6));
        }
    }
    let phrases = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("the built-in phrases compile");
    Lexicon {
        words,
        phrases,
        phrase_kinds,
    }
}

/// "dont" -> "don't" for the negators VADER lists without apostrophes.
fn apostrophe_form(word: &str) -> Option<String> {
    let stem = word.strip_suffix("nt")?;
    if stem.is_empty() || word == "cant" {
        return (word == "cant").then(|| "can't".to_string());
    }
    Some(format!("{stem}n't"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_loads_vader_and_overrides() {
        let lex = lexicon();
        assert!(lex.words.len() > 7000);
        let good = lex.word("good");
        assert!(good.in_lexicon && good.valence > 1.0);
        assert!(!lex.word("help").in_lexicon);
        assert!(lex.word("very").booster > 0.0);
        assert!(lex.word("don't").negator && lex.word("dont").negator);
        assert!(lex.word("can't").negator && lex.word("shouldn't").negator);
        assert!(lex.word("😡").valence < -2.0);
        assert!(!lex.word("zzzzqqq").in_lexicon);
    }
}
