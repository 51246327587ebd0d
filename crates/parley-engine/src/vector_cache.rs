//! Each bot's chunk embeddings in memory, reloaded only when the bot's knowledge changes, so
//! a question's nearest-neighbour search reads no rows.

use crate::EngineResult;
use parley_domain::knowledge::vector::{decode, normalized};
use parley_store::Store;
use parley_store::repo::knowledge;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Each bot's unit-length chunk vectors, with the knowledge version they were loaded at.
#[derive(Clone, Default)]
pub struct VectorCache {
    bots: Arc<Mutex<HashMap<Uuid, Arc<Loaded>>>>,
}

pub(crate) struct Loaded {
    version: (i64, i64),
    pub(crate) ids: Vec<Uuid>,
    pub(crate) vectors: Vec<Vec<f32>>,
}

impl VectorCache {
    /// The bot's vectors, reloaded from the database only when its knowledge changed.
    pub(crate) async fn load(&self, store: &Store, bot_id: Uuid) -> EngineResult<Arc<Loaded>> {
        let db = store.db();
        let version = knowledge::knowledge_version(db, bot_id).await?;
        let cached = self.lock().get(&bot_id).cloned();
        if let Some(loaded) = cached.filter(|l| l.version == version) {
            return Ok(loaded);
        }
        let rows = knowledge::embeddings(db, bot_id).await?;
        let (ids, vectors) = rows
            .into_iter()
            .filter_map(|(id, bytes)| Some((id, normalized(decode(&bytes)?)?)))
            .unzip();
        let loaded = Arc::new(Loaded {
            version,
            ids,
            vectors,
        });
        self.lock().insert(bot_id, loaded.clone());
        Ok(loaded)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Loaded>>> {
        self.bots.lock().unwrap_or_else(|e| e.into_inner())
    }
}
