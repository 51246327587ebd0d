//! Rate limits the HTTP layer enforces, as plain data structures (the middleware applies them).

use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use parley_domain::throttle::{Limit, Throttle};
use std::sync::Mutex;
use uuid::Uuid;

/// Caps widget writes (conversations started, messages, images) per bot and client address
/// in a sliding minute, so one address cannot flood a bot's inbox or spend its model
/// budget. Kept per node: behind N nodes an address gets up to N times the limit.
pub struct WidgetLimiter {
    limit: Option<Limit>,
    throttle: Mutex<Throttle>,
}

impl WidgetLimiter {
    /// `per_minute` writes per address and bot; 0: unlimited.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limit: (per_minute > 0).then_some(Limit {
                max_events: per_minute as usize,
                window_ms: 60_000,
            }),
            throttle: Mutex::default(),
        }
    }

    /// Counts one write, or refuses it with 429 and `Retry-After` when the address is over
    /// its limit (a refused write does not count).
    pub fn admit(&self, bot_id: Uuid, ip: Option<&str>) -> ApiResult<()> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let key = format!("{}/{}", bot_id, ip.unwrap_or("unknown"));
        let keys = [(key.as_str(), limit)];
        let mut throttle = self.throttle.lock().expect("widget limiter lock");
        let now = parley_store::now_ms();
        if let Err(wait_ms) = throttle.check(&keys, now) {
            metrics::counter!("parley_widget_rate_limited_total").increment(1);
            let secs = (wait_ms as u64).div_ceil(1000).max(1);
            return Err(ApiError {
                retry_after_secs: Some(secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many messages from this address; try again in {secs} seconds"),
                )
            });
        }
        throttle.record(&keys, now);
        Ok(())
    }
}
