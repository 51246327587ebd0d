//! SQLite: how many of a bot's chunks hold each word, remembered between searches.
//!
//! A search first counts each word of the question among the bot's chunks (up to the
//! "common" threshold), to drop common words and weigh the rest. Counting walks up to that
//! many matches per word, which at 100,000 chunks was a third of a search's time. Every
//! change to a bot's chunks bumps its search slot's `version` in the same transaction, so a
//! count remembered at the version the database still reports is exact.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Words remembered per bot; past this the bot's counts start over (a bound on memory
/// whatever visitors type).
const MAX_WORDS_PER_BOT: usize = 20_000;

/// Shared by every search of one process; cheap to clone. Searches that remember counts
/// read committed data (the pool): a count made inside a transaction that changes the bot's
/// chunks and then rolls back would sit under a version number a later change reuses.
#[derive(Clone, Default)]
pub struct WordCounts {
    bots: Arc<Mutex<HashMap<Uuid, Counted>>>,
}

struct Counted {
    version: i64,
    words: HashMap<String, i64>,
}

/// What is remembered for some words of one bot.
pub(crate) struct Remembered {
    /// The version the counts were made at (`None`: nothing remembered for the bot).
    pub version: Option<i64>,
    /// Per word asked, its count when remembered.
    pub counts: Vec<Option<i64>>,
}

impl WordCounts {
    pub(crate) fn recall(&self, bot_id: Uuid, words: &[&String]) -> Remembered {
        let bots = self.bots.lock().unwrap_or_else(|e| e.into_inner());
        match bots.get(&bot_id) {
            Some(counted) => Remembered {
                version: Some(counted.version),
                counts: words
                    .iter()
                    .map(|w| counted.words.get(w.as_str()).copied())
                    .collect(),
            },
            None => Remembered {
                version: None,
                counts: vec![None; words.len()],
            },
        }
    }

    /// Remembers counts made at `version`; counts made at another version are forgotten.
    pub(crate) fn remember(&self, bot_id: Uuid, version: i64, counted: &[(&String, i64)]) {
        let mut bots = self.bots.lock().unwrap_or_else(|e| e.into_inner());
        let entry = bots.entry(bot_id).or_insert_with(|| Counted {
            version,
            words: HashMap::new(),
        });
        if entry.version != version || entry.words.len() + counted.len() > MAX_WORDS_PER_BOT {
            entry.version = version;
            entry.words.clear();
        }
        for (word, n) in counted {
            entry.words.insert(word.to_string(), *n);
        }
    }

    /// Forgets a deleted bot's counts.
    pub fn forget(&self, bot_id: Uuid) {
        let mut bots = self.bots.lock().unwrap_or_else(|e| e.into_inner());
        bots.remove(&bot_id);
    }
}

#[cfg(test)]
mod tests {
    use super::WordCounts;
    use uuid::Uuid;

    #[test]
    fn counts_are_recalled_only_at_the_version_they_were_made() {
        let (cache, bot) = (WordCounts::default(), Uuid::now_v7());
        let (boots, tent) = ("boots".to_string(), "tent".to_string());
        assert_eq!(cache.recall(bot, &[&boots]).version, None);
        cache.remember(bot, 3, &[(&boots, 7)]);
        let got = cache.recall(bot, &[&boots, &tent]);
        assert_eq!((got.version, got.counts), (Some(3), vec![Some(7), None]));
        cache.remember(bot, 4, &[(&tent, 2)]);
        let got = cache.recall(bot, &[&boots, &tent]);
        assert_eq!((got.version, got.counts), (Some(4), vec![None, Some(2)]));
        assert_eq!(cache.recall(Uuid::now_v7(), &[&tent]).counts, vec![None]);
        cache.forget(bot);
        assert_eq!(cache.recall(bot, &[&tent]).version, None, "forgotten");
    }

    #[test]
    fn a_full_bot_starts_over() {
        let (cache, bot) = (WordCounts::default(), Uuid::now_v7());
        let words: Vec<String> = (0..super::MAX_WORDS_PER_BOT)
            .map(|i| format!("w{i}"))
            .collect();
        let counted: Vec<(&String, i64)> = words.iter().map(|w| (w, 1)).collect();
        cache.remember(bot, 1, &counted);
        let extra = "extra".to_string();
        cache.remember(bot, 1, &[(&extra, 5)]);
        let got = cache.recall(bot, &[&words[0], &extra]);
        assert_eq!(got.counts, vec![None, Some(5)]);
    }
}
