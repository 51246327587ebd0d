//! What every handler shares. It knows no routes: the router assembles those around it.

use crate::config::Config;
use crate::limits::{StreamLimits, UploadQuota, WidgetLimiter};
use crate::metrics;
use metrics_exporter_prometheus::PrometheusHandle;
use parley_engine::auth::Auth;
use parley_engine::live::Hub;
use parley_engine::services::Services;
use parley_store::Store;
use std::sync::Arc;
use tokio::sync::Notify;

/// Shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub auth: Arc<Auth>,
    pub config: Arc<Config>,
    pub metrics: PrometheusHandle,
    /// Signs and checks visitor session tokens.
    pub visitor_key: Arc<[u8]>,
    /// Wakes this node's workers after a request enqueued a job.
    pub jobs_wake: Arc<Notify>,
    /// Live events for dashboards and widgets.
    pub hub: Hub,
    /// What answering and embedding need (store, hub, vault, model client, caches).
    pub services: Services,
    /// Widget writes per address and bot.
    pub widget_limiter: Arc<WidgetLimiter>,
    /// Open live streams per visitor, bot and node.
    pub streams: Arc<StreamLimits>,
    /// Image bytes uploaded per visitor and bot in a day.
    pub uploads: Arc<UploadQuota>,
}

impl AppState {
    /// `services` carries the store and the live hub the rest of the state shares.
    pub fn new(
        config: Config,
        visitor_key: Vec<u8>,
        jobs_wake: Arc<Notify>,
        services: Services,
    ) -> Self {
        let auth = Arc::new(Auth::new(services.store.clone(), config.session_ttl));
        Self {
            auth,
            widget_limiter: Arc::new(WidgetLimiter::new(config.widget_rate_per_minute)),
            streams: {
                let (visitor, bot, node) = config.streams;
                Arc::new(StreamLimits::new(visitor, bot, node))
            },
            uploads: Arc::new(UploadQuota::new(
                config.upload_quota.0,
                config.upload_quota.1,
            )),
            config: Arc::new(config),
            metrics: metrics::handle(),
            store: services.store.clone(),
            hub: services.hub.clone(),
            services,
            visitor_key: visitor_key.into(),
            jobs_wake,
        }
    }
}
