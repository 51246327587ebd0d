//! Client-side pacing, so a node rides a vendor's limits instead of bouncing off them:
//! token buckets for quotas known in advance (Google Sheets: per project and per user per
//! minute) and cooldowns for limits learnt from a 429's `Retry-After` (every call on the
//! same key waits out the window, so one 429 does not become a storm of them).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token bucket: `burst` calls at once, refilled evenly at `rate` per `per`.
pub struct TokenBucket {
    burst: f64,
    per_token: Duration,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// `rate` calls per `per`, all of them available at once.
    pub fn new(rate: u32, per: Duration) -> Self {
        Self::with_burst(rate, per, rate)
    }

    /// At most `rate` calls in any window of `per`, however the vendor aligns its windows:
    /// no burst, and one call fewer than the quota (a fixed window sees at most one more
    /// call than an even pace puts in it).
    pub fn steady(rate: u32, per: Duration) -> Self {
        Self::with_burst(rate.saturating_sub(1).max(1), per, 1)
    }

    fn with_burst(rate: u32, per: Duration, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        TokenBucket {
            burst,
            per_token: per.div_f64(f64::from(rate.max(1))),
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token if one is free within `max_wait` (and says how long to wait for it);
    /// otherwise takes nothing and says how long until one would be free.
    fn reserve(&self, max_wait: Duration) -> Result<Duration, Duration> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(state.1).as_secs_f64() / self.per_token.as_secs_f64();
        state.0 = (state.0 + refill).min(self.burst);
        state.1 = now;
        let after = state.0 - 1.0;
        let wait = if after >= 0.0 {
            Duration::ZERO
        } else {
            self.per_token.mul_f64(-after)
        };
        if wait > max_wait {
            return Err(wait);
        }
        state.0 = after;
        Ok(wait)
    }

    /// Waits for a token, however long it takes.
    pub async fn acquire(&self) {
        if let Ok(wait) = self.reserve(Duration::MAX)
            && !wait.is_zero()
        {
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits for a token if one is free within `max_wait`; else `Err(how long it would
    /// take)`, so a caller can give its worker back and retry later.
    pub async fn acquire_within(&self, max_wait: Duration) -> Result<(), Duration> {
        let wait = self.reserve(max_wait)?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }
}

/// Steady buckets by key (a user, a spreadsheet), made on first use. Keys idle for longer
/// than the refill period are dropped when the map grows, so it stays small.
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

    pub async fn acquire_within(&self, key: &str, max_wait: Duration) -> Result<(), Duration> {
        let bucket = {
            let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            if map.len() > 1024 {
                map.retain(|_, (_, used)| now.duration_since(*used) < self.per);
            }
            let entry = map.entry(key.to_string()).or_insert_with(|| {
                (
                    std::sync::Arc::new(TokenBucket::steady(self.capacity, self.per)),
                    now,
                )
            });
            entry.1 = now;
            entry.0.clone()
        };
        bucket.acquire_within(max_wait).await
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
    fn a_steady_bucket_never_fits_more_than_the_quota_in_a_window() {
        let bucket = TokenBucket::steady(60, Duration::from_secs(60));
        let max = Duration::MAX;
        assert_eq!(bucket.reserve(max), Ok(Duration::ZERO));
        // The next 59 calls are spaced over a minute: 60 s / 59 each.
        let mut last = Duration::ZERO;
        for _ in 0..59 {
            last = bucket.reserve(max).unwrap();
        }
        assert!(last >= Duration::from_millis(59_900), "{last:?}");
    }

    #[test]
    fn a_bucket_lends_its_capacity_then_spaces_calls_evenly() {
        let bucket = TokenBucket::new(3, Duration::from_secs(60));
        let max = Duration::MAX;
        for _ in 0..3 {
            assert_eq!(bucket.reserve(max), Ok(Duration::ZERO));
        }
        let wait = bucket.reserve(max).unwrap();
        assert!(wait > Duration::from_secs(19) && wait <= Duration::from_secs(20));
        // Too long a wait takes nothing.
        let refused = bucket.reserve(Duration::from_secs(5)).unwrap_err();
        assert!(refused > Duration::from_secs(39) && refused <= Duration::from_secs(40));
        let next = bucket.reserve(max).unwrap();
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
