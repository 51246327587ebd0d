//! Client-side pacing, so a node rides a vendor's limits instead of bouncing off them:
//! token buckets for quotas known in advance (Google Sheets: per project and per user per
//! minute) and cooldowns for limits learnt from a 429's `Retry-After` (every call on the
//! same key waits out the window, so one 429 does not become a storm of them).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `capacity` calls at once, refilled evenly over `per`.
pub struct TokenBucket {
    capacity: f64,
    per_token: Duration,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(capacity: u32, per: Duration) -> Self {
        let capacity = f64::from(capacity.max(1));
        TokenBucket {
            capacity,
            per_token: per.div_f64(capacity),
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// Takes a token, or says how long until one is free (and reserves it).
    fn reserve(&self) -> Duration {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(state.1).as_secs_f64() / self.per_token.as_secs_f64();
        state.0 = (state.0 + refill).min(self.capacity);
        state.1 = now;
        state.0 -= 1.0;
        if state.0 >= 0.0 {
            Duration::ZERO
        } else {
            self.per_token.mul_f64(-state.0)
        }
    }

    /// Waits for a token.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// Buckets by key (a user, a spreadsheet), made on first use. Keys idle for longer than the
/// refill period are dropped when the map grows, so it stays small.
pub struct KeyedBuckets {
    capacity: u32,
    per: Duration,
    buckets: Mutex<HashMap<String, (std::sync::Arc<TokenBucket>, Instant)>>,
}

impl KeyedBuckets {
    pub fn new(capacity: u32, per: Duration) -> Self {
        KeyedBuckets {
            capacity,
            per,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub async fn acquire(&self, key: &str) {
        let bucket = {
            let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            if map.len() > 1024 {
                map.retain(|_, (_, used)| now.duration_since(*used) < self.per);
            }
            let entry = map.entry(key.to_string()).or_insert_with(|| {
                (
                    std::sync::Arc::new(TokenBucket::new(self.capacity, self.per)),
                    now,
                )
            });
            entry.1 = now;
            entry.0.clone()
        };
        bucket.acquire().await;
    }
}

/// Windows during which a key must not be called (learnt from `Retry-After`).
#[derive(Default)]
pub struct Cooldowns {
    until: Mutex<HashMap<String, Instant>>,
}

impl Cooldowns {
    /// Waits until `key`'s window (if any) has passed.
    pub async fn wait(&self, key: &str) {
        let until = {
            let map = self.until.lock().unwrap_or_else(|e| e.into_inner());
            map.get(key).copied()
        };
        if let Some(until) = until {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
    }

    /// Opens a window of `d` for `key` (extending, never shortening, one already open).
    pub fn hold(&self, key: &str, d: Duration) {
        let mut map = self.until.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, until| *until > now);
        let until = now + d;
        let entry = map.entry(key.to_string()).or_insert(until);
        if *entry < until {
            *entry = until;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lends_its_capacity_then_spaces_calls_evenly() {
        let bucket = TokenBucket::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(bucket.reserve(), Duration::ZERO);
        }
        let wait = bucket.reserve();
        assert!(wait > Duration::from_secs(19) && wait <= Duration::from_secs(20));
        let next = bucket.reserve();
        assert!(next > Duration::from_secs(39) && next <= Duration::from_secs(40));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cooldown_holds_every_caller_of_its_key_only() {
        let cooldowns = Cooldowns::default();
        cooldowns.hold("a", Duration::from_secs(30));
        let start = tokio::time::Instant::now();
        cooldowns.wait("b").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        cooldowns.wait("a").await;
        assert!(start.elapsed() >= Duration::from_secs(29));
    }
}
