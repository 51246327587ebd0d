//! Compiled workflow versions, kept in memory. Versions are immutable, so a version id is
//! a perfect cache key: each is parsed from its statechart once per process, not once per
//! event or step.

use parley_domain::workflow::Compiled;
use parley_store::repo::workflows;
use parley_store::{ConnectionTrait, StoreError, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Versions kept; the cache is emptied when it grows past this.
const MAX_PROGRAMS: usize = 1024;

/// A loaded version: the program and each state's node type (for step rows).
#[derive(Debug)]
pub struct Program {
    pub compiled: Compiled,
    /// Whether any template or condition reads `steps.<node>` (earlier steps' outputs, such
    /// as a looked-up price list): only then does the context carry them.
    pub reads_steps: bool,
    node_types: HashMap<String, String>,
}

impl Program {
    pub fn from_statechart(chart: &serde_json::Value) -> Result<Program, String> {
        let compiled = Compiled::from_statechart(chart).map_err(|e| e.to_string())?;
        let node_types = chart
            .get("states")
            .and_then(|s| s.as_object())
            .map(|states| {
                states
                    .iter()
                    .map(|(id, s)| {
                        let kind = s["meta"]["node"].as_str().unwrap_or("end");
                        (id.clone(), kind.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Program {
            compiled,
            reads_steps: chart.to_string().contains("steps."),
            node_types,
        })
    }

    /// `trigger`, `condition`, `split`, `action`, `delay`, `end`, `failed` or `filtered`.
    pub fn node_type(&self, state: &str) -> &str {
        self.node_types.get(state).map_or("end", String::as_str)
    }
}

#[derive(Clone, Default)]
pub struct Programs {
    loaded: Arc<Mutex<HashMap<Uuid, Arc<Program>>>>,
}

impl Programs {
    /// The version's program, read and parsed on first use.
    pub async fn load(
        &self,
        c: &impl ConnectionTrait,
        workspace_id: Uuid,
        version_id: Uuid,
    ) -> StoreResult<Arc<Program>> {
        if let Some(p) = self.lock().get(&version_id) {
            return Ok(p.clone());
        }
        let version = workflows::version(c, workspace_id, version_id).await?;
        let program = Program::from_statechart(&version.statechart)
            .map_err(|e| StoreError::Corrupt(format!("workflow version {version_id}: {e}")))?;
        let program = Arc::new(program);
        let mut loaded = self.lock();
        if loaded.len() >= MAX_PROGRAMS {
            loaded.clear();
        }
        loaded.insert(version_id, program.clone());
        Ok(program)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Program>>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }
}
