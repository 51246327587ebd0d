//! Retry timing for failed jobs and steps.

/// Delay before attempt `attempt + 1`, after `attempt` failures (1-based): exponential from
/// `base_ms`, capped at `max_ms`, with "equal jitter" (half fixed, half random by `jitter`
/// in [0, 1]) so retries of many failed jobs spread out instead of arriving together.
pub fn backoff_ms(attempt: u32, base_ms: i64, max_ms: i64, jitter: f64) -> i64 {
    let exp = attempt.saturating_sub(1).min(30);
    let full = base_ms.saturating_mul(1i64 << exp).min(max_ms).max(0);
    let half = full / 2;
    half + (half as f64 * jitter.clamp(0.0, 1.0)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn doubles_then_caps() {
        assert_eq!(backoff_ms(1, 1000, 60_000, 1.0), 1000);
        assert_eq!(backoff_ms(2, 1000, 60_000, 1.0), 2000);
        assert_eq!(backoff_ms(3, 1000, 60_000, 0.0), 2000);
        assert_eq!(backoff_ms(20, 1000, 60_000, 1.0), 60_000);
    }

    proptest! {
        #[test]
        fn stays_within_half_and_full(attempt in 0u32..100, jitter in 0.0f64..=1.0) {
            let full = (1000i64.saturating_mul(1 << attempt.saturating_sub(1).min(30))).min(300_000);
            let d = backoff_ms(attempt, 1000, 300_000, jitter);
            prop_assert!(d >= full / 2 && d <= full);
        }
    }
}
