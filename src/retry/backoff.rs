//! [`Backoff`]: the one schedule of growing waits, between retries and between polls.

use std::time::{Duration, SystemTime};

use retry_policies::policies::ExponentialBackoff;
use retry_policies::{Jitter, RetryDecision, RetryPolicy as _};

/// The longest wait a schedule gives, whatever its bounds: a year. Longer bounds are clamped to
/// it, so that no setting can overflow the arithmetic of a wait (retry-policies multiplies the
/// first wait and adds the wait to the wall clock without checks).
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// Waits that start at `first` and double after each failure (or poll), never above `max`.
///
/// With jitter (retries), each wait is drawn at random between half of `first` and the
/// exponential value, so that many clients do not retry in step. Without jitter (polls, the
/// token cache's renewal in tests), each wait is the exponential value exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Backoff(ExponentialBackoff);

impl Backoff {
    /// Jittered waits from `first` up to `max` (`max` raised to `first` if lower).
    pub(crate) fn jittered(first: Duration, max: Duration) -> Self {
        Self::build(first, max, Jitter::Bounded)
    }

    /// Exact waits from `first` up to `max` (`max` raised to `first` if lower).
    pub(crate) fn exact(first: Duration, max: Duration) -> Self {
        Self::build(first, max, Jitter::None)
    }

    /// The same schedule, jittered or not as it was, between new bounds.
    pub(crate) fn between(self, first: Duration, max: Duration) -> Self {
        Self::build(first, max, self.0.jitter)
    }

    /// The same bounds, without jitter.
    pub(crate) fn without_jitter(self) -> Self {
        Self::build(self.0.min_retry_interval, self.0.max_retry_interval, Jitter::None)
    }

    /// Exponential with base 2 (retry-policies keeps the bounds and draws the jitter), with
    /// both bounds at most [`MAX_WAIT`].
    fn build(first: Duration, max: Duration, jitter: Jitter) -> Self {
        let (first, max) = (first.min(MAX_WAIT), max.min(MAX_WAIT));
        Self(
            ExponentialBackoff::builder()
                .retry_bounds(first, max.max(first))
                .jitter(jitter)
                .build_with_max_retries(u32::MAX),
        )
    }

    /// The wait after `so_far` failures (or polls): `first` for the first one. There is no
    /// limit on `so_far`; past the point where the waits reach `max`, every wait is `max`.
    pub(crate) fn delay(&self, so_far: u32) -> Duration {
        let backoff = &self.0;
        if backoff.jitter == Jitter::None {
            // Exact, so that waits on paused time are predictable to the nanosecond.
            let exponential = backoff
                .min_retry_interval
                .saturating_mul(backoff.base.saturating_pow(so_far));
            return exponential.min(backoff.max_retry_interval);
        }
        // retry-policies draws the jittered wait and answers with a wall-clock instant.
        let now = SystemTime::now();
        match backoff.should_retry(now, so_far) {
            RetryDecision::Retry { execute_after } => execute_after.duration_since(now).unwrap_or_default(),
            RetryDecision::DoNotRetry => backoff.max_retry_interval,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn delays(backoff: Backoff, count: u32) -> Vec<Duration> {
        (0..count).map(|so_far| backoff.delay(so_far)).collect()
    }

    #[test]
    fn exact_waits_double_up_to_the_maximum_and_never_overflow() {
        let backoff = Backoff::exact(100 * MS, 500 * MS);
        assert_eq!(delays(backoff, 5), [100 * MS, 200 * MS, 400 * MS, 500 * MS, 500 * MS]);
        assert_eq!(backoff.delay(u32::MAX), 500 * MS);
        let huge = Backoff::exact(Duration::MAX, Duration::MAX);
        assert_eq!(huge.delay(40), MAX_WAIT);
    }

    #[test]
    fn bounds_beyond_a_year_are_clamped_and_never_overflow() {
        for first in [Duration::from_secs(1), MAX_WAIT, Duration::MAX] {
            for so_far in [0, 1, 31, 32, 40, u32::MAX] {
                let jittered = Backoff::jittered(first, Duration::MAX).delay(so_far);
                assert!(jittered <= MAX_WAIT, "{first:?} {so_far}: {jittered:?}");
                assert!(Backoff::exact(first, Duration::MAX).delay(so_far) <= MAX_WAIT);
            }
        }
    }

    #[test]
    fn a_maximum_below_the_first_wait_is_raised_to_it() {
        let inverted = Backoff::exact(3 * MS, MS);
        assert_eq!(delays(inverted, 3), [3 * MS, 3 * MS, 3 * MS]);
        assert_eq!(Backoff::jittered(3 * MS, MS).without_jitter(), inverted);
    }

    #[test]
    fn jittered_waits_stay_between_half_the_first_wait_and_the_exponential_value() {
        let backoff = Backoff::jittered(100 * MS, 1_000 * MS);
        for (so_far, exponential) in [(0, 100), (1, 200), (3, 800), (4, 1_000), (30, 1_000)] {
            for _ in 0..50 {
                let wait = backoff.delay(so_far);
                assert!((50 * MS..=exponential * MS).contains(&wait), "{so_far}: {wait:?}");
            }
        }
    }

    #[test]
    fn jitter_is_drawn_not_fixed() {
        let backoff = Backoff::jittered(Duration::from_secs(1), Duration::from_secs(100));
        let draws: std::collections::BTreeSet<Duration> = (0..20).map(|_| backoff.delay(5)).collect();
        assert!(draws.len() > 1, "{draws:?}");
    }

    #[test]
    fn new_bounds_keep_the_jitter_choice() {
        let exact = Backoff::exact(MS, MS).between(10 * MS, 40 * MS);
        assert_eq!(exact, Backoff::exact(10 * MS, 40 * MS));
        let jittered = Backoff::jittered(MS, MS).between(10 * MS, 40 * MS);
        assert_eq!(jittered, Backoff::jittered(10 * MS, 40 * MS));
        assert_ne!(jittered, exact);
    }
}
