//! The widget cache: bots by widget key and their enabled FAQs, kept in memory for a moment.
//!
//! Every widget request needs its bot (found by the key the page presents, its JSON settings
//! parsed) and every question the bot's enabled FAQs: two reads per chat request that almost
//! never change. Each entry is kept for [`CACHED_FOR`]. A change made through this process is
//! seen at once: the use cases that change a bot or its FAQs call [`forget`] after their
//! commit, and a read that began before a `forget` is not kept. A change made on another node
//! is seen within [`CACHED_FOR`].
//!
//! The cache is process-wide, like the database it mirrors: ids and keys are unique across
//! workspaces, so one map serves every store in the process.

use crate::EngineResult;
use parley_store::Store;
use parley_store::repo::bots::{self, Bot};
use parley_store::repo::faqs::{self, Faq};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a read bot or FAQ list is used before it is read again.
pub const CACHED_FOR: Duration = Duration::from_secs(1);

/// Past this many entries, expired ones are dropped when another is added.
const PRUNE_ABOVE: usize = 1024;

#[derive(Default)]
struct Cache {
    /// Bumped by every [`forget`]: a read that started under an older value is not kept.
    generation: u64,
    /// By widget key.
    bots: Shelf<String, Bot>,
    /// Enabled FAQs by workspace and bot.
    faqs: Shelf<(Uuid, Uuid), Arc<Vec<Faq>>>,
}

/// Values by key, each with the moment it was read.
struct Shelf<K, V>(HashMap<K, (Instant, V)>);

impl<K, V> Default for Shelf<K, V> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<K: Hash + Eq, V: Clone> Shelf<K, V> {
    /// The value cached for `key`, unless it was read [`CACHED_FOR`] ago or more.
    fn fresh<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        let (at, value) = self.0.get(key)?;
        (at.elapsed() < CACHED_FOR).then(|| value.clone())
    }

    fn put(&mut self, key: K, value: V) {
        let now = Instant::now();
        if self.0.len() >= PRUNE_ABOVE {
            self.0.retain(|_, (at, _)| now - *at < CACHED_FOR);
        }
        self.0.insert(key, (now, value));
    }
}

static HELD: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

fn cache() -> std::sync::MutexGuard<'static, Cache> {
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

/// The bot whose widget key is `key`, if any. Unknown keys are not cached (anyone can send
/// them), so each costs a read.
pub async fn bot_by_key(store: &Store, key: &str) -> EngineResult<Option<Bot>> {
    let read = async { Ok(bots::find_by_public_key(store.db(), key).await?) };
    cached_or_read(|cache| &mut cache.bots, key, read).await
}

/// The bot's enabled FAQs, in their order.
pub async fn enabled_faqs(store: &Store, bot: &Bot) -> EngineResult<Arc<Vec<Faq>>> {
    let read = async {
        let faqs = faqs::list(store.db(), bot.workspace_id, bot.id, true).await?;
        Ok(Some(Arc::new(faqs)))
    };
    let faqs = cached_or_read(|cache| &mut cache.faqs, &(bot.workspace_id, bot.id), read).await?;
    Ok(faqs.unwrap_or_default())
}

/// The fresh value cached for `key` on `shelf`, or else what `read` finds, cached unless a
/// [`forget`] came in between (`None` is not cached).
async fn cached_or_read<K, Q, V>(
    shelf: fn(&mut Cache) -> &mut Shelf<K, V>,
    key: &Q,
    read: impl Future<Output = EngineResult<Option<V>>>,
) -> EngineResult<Option<V>>
where
    K: Hash + Eq + std::borrow::Borrow<Q>,
    Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    V: Clone,
{
    let generation = {
        let mut cache = cache();
        if let Some(value) = shelf(&mut cache).fresh(key) {
            return Ok(Some(value));
        }
        cache.generation
    };
    let value = read.await?;
    let mut cache = cache();
    if let Some(value) = &value
        && cache.generation == generation
    {
        shelf(&mut cache).put(key.to_owned(), value.clone());
    }
    Ok(value)
}

/// Drops what is cached about the bot: call after committing any change to it or its FAQs.
pub fn forget(bot_id: Uuid) {
    let mut cache = cache();
    cache.generation = cache.generation.wrapping_add(1);
    cache.bots.0.retain(|_, (_, bot)| bot.id != bot_id);
    cache.faqs.0.retain(|(_, id), _| *id != bot_id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_store::repo::{accounts, faqs};

    /// What is read is used again while it is fresh, even if the database changed behind
    /// this process's back; `forget` makes the next request read again.
    #[tokio::test]
    async fn cached_reads_are_reused_until_forgotten() {
        let db = parley_store::testing::sqlite().await;
        let c = &db.store.writer().await.unwrap();
        let ws = accounts::create_workspace(c, "W").await.unwrap();
        let new = bots::NewBot {
            name: "Lamps".into(),
            public_key: format!("pk_cached_{}", Uuid::now_v7().simple()),
            identity_secret: "s".into(),
            allowed_origins: vec![],
            appearance: Default::default(),
            behaviour: Default::default(),
        };
        let key = new.public_key.clone();
        let bot = bots::create(c, ws.id, new).await.unwrap();
        assert_eq!(
            bot_by_key(&db.store, &key).await.unwrap(),
            Some(bot.clone())
        );
        assert!(enabled_faqs(&db.store, &bot).await.unwrap().is_empty());
        assert_eq!(bot_by_key(&db.store, "pk_unknown").await.unwrap(), None);

        // Changed without telling this module (as another node would).
        let renamed = bots::BotChanges {
            name: Some("Lanterns".into()),
            ..Default::default()
        };
        bots::update(c, ws.id, bot.id, renamed).await.unwrap();
        faqs::create(c, ws.id, bot.id, "Q?", "A.", true)
            .await
            .unwrap();
        let cached = bot_by_key(&db.store, &key).await.unwrap().unwrap();
        assert_eq!(cached.name, "Lamps", "the cached bot is used");
        assert!(enabled_faqs(&db.store, &bot).await.unwrap().is_empty());

        forget(bot.id);
        let read = bot_by_key(&db.store, &key).await.unwrap().unwrap();
        assert_eq!(read.name, "Lanterns", "read again after forget");
        assert_eq!(enabled_faqs(&db.store, &bot).await.unwrap().len(), 1);
    }
}
