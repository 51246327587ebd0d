//! Rate limits the HTTP layer enforces, as plain data structures (the middleware applies them).

use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use parley_domain::throttle::{Limit, Throttle};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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

/// Caps on open live streams (Server-Sent Events): per visitor, per bot, and on this node.
/// A stream holds a connection and a subscription for as long as it lasts, and one
/// anonymous visitor can open many; past a cap a new one is refused with 429 (visitor or
/// bot) or 503 (node) and `Retry-After`, while the open ones go on.
pub struct StreamLimits {
    pub per_visitor: usize,
    pub per_bot: usize,
    pub per_node: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// The streams one request holds open; released when dropped (the stream ended).
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<String, usize>>>,
    keys: Vec<String>,
}

impl StreamLimits {
    pub fn new(per_visitor: usize, per_bot: usize, per_node: usize) -> Self {
        Self {
            per_visitor,
            per_bot,
            per_node,
            open: Arc::default(),
        }
    }

    /// One more stream for the visitor of the bot (`visitor` `None`: a team member's).
    pub fn open(&self, bot: Option<Uuid>, visitor: Option<Uuid>) -> ApiResult<StreamSlots> {
        let mut wanted = vec![(
            "node".to_string(),
            self.per_node,
            StatusCode::SERVICE_UNAVAILABLE,
        )];
        if let Some(bot) = bot {
            wanted.push((
                format!("bot/{bot}"),
                self.per_bot,
                StatusCode::TOO_MANY_REQUESTS,
            ));
        }
        if let Some(visitor) = visitor {
            let key = format!("visitor/{visitor}");
            wanted.push((key, self.per_visitor, StatusCode::TOO_MANY_REQUESTS));
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        for (key, max, status) in &wanted {
            if open.get(key).copied().unwrap_or(0) >= (*max).max(1) {
                metrics::counter!("parley_streams_refused_total").increment(1);
                let what = key.split('/').next().unwrap_or("node");
                return Err(ApiError {
                    retry_after_secs: Some(5),
                    ..ApiError::new(
                        *status,
                        "too_many_streams",
                        format!("too many live streams open for this {what}; close one or retry"),
                    )
                });
            }
        }
        for (key, _, _) in &wanted {
            *open.entry(key.clone()).or_default() += 1;
        }
        Ok(StreamSlots {
            open: self.open.clone(),
            keys: wanted.into_iter().map(|(k, _, _)| k).collect(),
        })
    }
}

impl Drop for StreamSlots {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

/// Bytes of images visitors may upload in a day, per visitor and per bot, counted on this
/// node over a sliding 24 hours (behind N nodes up to N times as much). Anonymous visitors
/// can upload, so without it one address could fill the disk at the widget's write rate.
pub struct UploadQuota {
    pub per_visitor: u64,
    pub per_bot: u64,
    used: Mutex<HashMap<String, Vec<(i64, u64)>>>,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl UploadQuota {
    pub fn new(per_visitor: u64, per_bot: u64) -> Self {
        Self {
            per_visitor,
            per_bot,
            used: Mutex::default(),
        }
    }

    /// Counts `bytes` for the visitor and the bot, or refuses them with 429 and
    /// `Retry-After` when either would pass its day's quota. [`UploadQuota::release`] gives
    /// them back when the upload is not stored after all.
    pub fn reserve(&self, bot: Uuid, visitor: Uuid, bytes: u64, now: i64) -> ApiResult<()> {
        let keys = [
            (format!("visitor/{visitor}"), self.per_visitor),
            (format!("bot/{bot}"), self.per_bot),
        ];
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        for (key, quota) in &keys {
            let entries = used.entry(key.clone()).or_default();
            entries.retain(|(at, _)| now - at < DAY_MS);
            let total: u64 = entries.iter().map(|(_, b)| b).sum();
            if total + bytes > *quota {
                let oldest = entries.first().map_or(now, |(at, _)| *at);
                let secs = ((oldest + DAY_MS - now) / 1000).max(1) as u64;
                let who = key.split('/').next().unwrap_or("visitor");
                metrics::counter!("parley_uploads_refused_total", "quota" => who.to_string())
                    .increment(1);
                return Err(ApiError {
                    retry_after_secs: Some(secs),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "upload_quota_exceeded",
                        format!("this {who} has uploaded its images for today; try again later"),
                    )
                });
            }
        }
        for (key, _) in &keys {
            used.entry(key.clone()).or_default().push((now, bytes));
        }
        used.retain(|_, entries| !entries.is_empty());
        Ok(())
    }

    /// Gives back a reservation made at `now` for an upload that was not stored.
    pub fn release(&self, bot: Uuid, visitor: Uuid, bytes: u64, now: i64) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        for key in [format!("visitor/{visitor}"), format!("bot/{bot}")] {
            if let Some(entries) = used.get_mut(&key)
                && let Some(i) = entries.iter().rposition(|e| *e == (now, bytes))
            {
                entries.remove(i);
            }
        }
    }
}

/// Refuses an upload with 507 when the file system holding `dir` has less than `min_free`
/// bytes left: better one refused image than a database that cannot write.
pub fn ensure_disk_room(dir: &std::path::Path, min_free: u64) -> ApiResult<()> {
    match crate::node::disk_space(dir).map(|(free, _)| free) {
        Some(free) if free < min_free => {
            metrics::counter!("parley_uploads_refused_total", "quota" => "disk").increment(1);
            tracing::warn!(
                free,
                min_free,
                "the data directory's disk is nearly full; refusing uploads"
            );
            Err(ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "disk_full",
                "the server is out of space for uploads; try again later",
            ))
        }
        _ => Ok(()),
    }
}
