//! Sliding-window limits on events per key: failed logins, widget writes. Pure: the caller
//! passes the clock.

use std::collections::{HashMap, VecDeque};

/// At most `max_events` events per key within `window_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max_events: usize,
    pub window_ms: i64,
}

/// Event times per key (an email, an IP address), oldest first.
#[derive(Debug, Default)]
pub struct Throttle {
    events: HashMap<String, VecDeque<i64>>,
}

/// Keys tracked before stale ones are swept, so an attacker cycling keys cannot grow memory
/// without bound.
const SWEEP_AT: usize = 50_000;

impl Throttle {
    /// `Err(retry_after_ms)` when any key is over its limit at `now`.
    pub fn check(&mut self, keys: &[(&str, Limit)], now: i64) -> Result<(), i64> {
        let mut wait = 0;
        for (key, limit) in keys {
            if let Some(times) = self.events.get_mut(*key) {
                expire(times, now, limit.window_ms);
                if times.len() >= limit.max_events {
                    let oldest = times[times.len() - limit.max_events];
                    wait = wait.max(oldest + limit.window_ms - now);
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    /// Counts an event for every key at `now`.
    pub fn record(&mut self, keys: &[(&str, Limit)], now: i64) {
        if self.events.len() >= SWEEP_AT {
            let longest = keys.iter().map(|(_, l)| l.window_ms).max().unwrap_or(0);
            self.events
                .retain(|_, t| t.back().is_some_and(|last| now - last < longest));
        }
        for (key, limit) in keys {
            let times = self.events.entry((*key).to_string()).or_default();
            expire(times, now, limit.window_ms);
            times.push_back(now);
            while times.len() > limit.max_events {
                times.pop_front();
            }
        }
    }

    /// Forgets a key's events (after a successful login for that email).
    pub fn clear(&mut self, key: &str) {
        self.events.remove(key);
    }
}

fn expire(times: &mut VecDeque<i64>, now: i64, window_ms: i64) {
    while times.front().is_some_and(|t| now - t >= window_ms) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limit = Limit {
        max_events: 3,
        window_ms: 1000,
    };

    #[test]
    fn blocks_after_the_limit_until_the_window_passes() {
        let mut t = Throttle::default();
        for now in [0, 10, 20] {
            assert!(t.check(&[("a", L)], now).is_ok());
            t.record(&[("a", L)], now);
        }
        assert_eq!(t.check(&[("a", L)], 30), Err(970));
        assert!(
            t.check(&[("b", L)], 30).is_ok(),
            "other keys are not affected"
        );
        assert!(
            t.check(&[("a", L)], 1000).is_ok(),
            "the oldest failure left the window"
        );
    }

    #[test]
    fn clear_forgets() {
        let mut t = Throttle::default();
        for now in 0..3 {
            t.record(&[("a", L)], now);
        }
        t.clear("a");
        assert!(t.check(&[("a", L)], 3).is_ok());
    }
}
