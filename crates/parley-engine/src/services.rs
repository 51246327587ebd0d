//! The services every use case that answers or embeds shares: storage, live events, the vault
//! that opens model keys, the model client and the caches in front of them. Chat and knowledge
//! both take it, so it lives apart from either.

use crate::live::Hub;
use crate::vault::Vault;
use parley_ai::openai::Endpoint;
use parley_domain::bot::{ModelProvider, ModelSettings};
use parley_domain::egress::AllowHosts;
use parley_store::Store;
use parley_store::repo::bots::Bot;
use std::time::Duration;

/// What answering needs: storage, live events, the vault for model keys, the model client.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub hub: Hub,
    pub vault: Vault,
    pub ai: parley_ai::openai::Client,
    pub intents: crate::insight::IntentCache,
    pub vectors: crate::vector_cache::VectorCache,
    /// Word counts full-text search reuses while the bot's chunks are unchanged (SQLite).
    pub word_counts: parley_store::repo::knowledge::WordCounts,
    /// Connections to Slack, HubSpot and Google, and their clients' rate-limit state.
    pub integrations: std::sync::Arc<crate::integrations::Integrations>,
}

impl Services {
    /// `key` is the server's secret; model keys are sealed under it. Models are reached on
    /// public addresses, and on private ones only at the `model_hosts` the operator allowed.
    pub fn new(store: Store, hub: Hub, key: &[u8], model_hosts: AllowHosts) -> Self {
        let vault = Vault::new(key);
        Self {
            integrations: crate::integrations::Integrations::new(
                store.clone(),
                hub.clone(),
                vault.clone(),
                Default::default(),
            ),
            store,
            hub,
            vault,
            ai: parley_ai::openai::Client::new(model_hosts),
            intents: Default::default(),
            vectors: Default::default(),
            word_counts: Default::default(),
        }
    }

    /// The same services with the operator's integration settings (vendor hosts, OAuth
    /// apps, quotas).
    pub fn with_integrations(mut self, settings: crate::integrations::IntegrationSettings) -> Self {
        self.integrations = crate::integrations::Integrations::new(
            self.store.clone(),
            self.hub.clone(),
            self.vault.clone(),
            settings,
        );
        self
    }

    /// Where the bot's model is, with its key opened.
    pub(crate) fn endpoint(&self, bot: &Bot, settings: &ModelSettings) -> Endpoint {
        Endpoint {
            base_url: settings.base_url.clone(),
            api_key_header: settings.provider == ModelProvider::AzureOpenai,
            api_key: bot
                .model_api_key
                .as_deref()
                .and_then(|k| self.vault.open(k)),
            model: settings.model.clone(),
            timeout: MODEL_TIMEOUT,
            max_attempts: 3,
        }
    }
}

/// How long a model may take to start (and continue) answering.
const MODEL_TIMEOUT: Duration = Duration::from_secs(30);
