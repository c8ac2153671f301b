//! [`RetryPolicy`]: how many retries, how far apart, for how long in all.

use std::time::Duration;

use super::backoff::Backoff;

/// How transient failures are retried: at most [`max_retries`](Self::max_retries) times, within
/// [`max_elapsed`](Self::max_elapsed) in all, waiting as the server's `Retry-After` says (capped)
/// or by jittered exponential backoff.
///
/// The default retries 3 times, waiting about 0.5 s, 1 s and 2 s (each wait drawn at random
/// between half the first wait and the exponential value, never above 8 s), starts no retry once
/// 60 s have passed, and waits at most 30 s for a `Retry-After`.
///
/// ```
/// use std::time::Duration;
/// use datacrunch::retry::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_retries(5)
///     .backoff(Duration::from_secs(1), Duration::from_secs(20))
///     .max_elapsed(Duration::from_secs(120));
/// let client = datacrunch::Client::builder().retry_policy(patient).build()?;
///
/// let off = datacrunch::Client::builder().retry_policy(RetryPolicy::none()).build()?;
/// # Ok::<(), datacrunch::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    backoff: Backoff,
    max_elapsed: Duration,
    retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            backoff: Backoff::jittered(Duration::from_millis(500), Duration::from_secs(8)),
            max_elapsed: Duration::from_secs(60),
            retry_after_cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self::default().max_retries(0)
    }

    /// Sets how many times one request may be retried (default 3; 0 turns retries off).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first wait and the longest wait of the exponential backoff (default 0.5 s and
    /// 8 s). A `max` below `min` is raised to `min`.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.backoff = self.backoff.between(min, max);
        self
    }

    /// Waits exactly the exponential value, without random jitter. Jitter spreads the retries of
    /// many clients apart; turn it off only where waits must be predictable, as in tests.
    pub fn without_jitter(mut self) -> Self {
        self.backoff = self.backoff.without_jitter();
        self
    }

    /// Sets the time after which no further retry starts, counted from the first attempt
    /// (default 60 s).
    pub fn max_elapsed(mut self, limit: Duration) -> Self {
        self.max_elapsed = limit;
        self
    }

    /// Sets the longest wait a server's `Retry-After` can ask for (default 30 s); a longer one is
    /// shortened to this.
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// Whether this policy never retries.
    pub(crate) fn is_off(&self) -> bool {
        self.max_retries == 0
    }

    /// How long to wait before retry number `retries_so_far + 1`, or `None` to give up.
    ///
    /// `retry_after` is what the server asked for; `elapsed` is the time since the first attempt.
    pub(crate) fn next_delay(
        &self,
        retries_so_far: u32,
        retry_after: Option<Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        if retries_so_far >= self.max_retries {
            return None;
        }
        let wait = match retry_after {
            Some(asked) => asked.min(self.retry_after_cap),
            None => self.backoff_delay(retries_so_far),
        };
        (elapsed.saturating_add(wait) <= self.max_elapsed).then_some(wait)
    }

    /// The backoff wait after `failures_so_far` failures, without a retry limit (token renewal
    /// uses it to space out attempts for as long as it must).
    pub(crate) fn backoff_delay(&self, failures_so_far: u32) -> Duration {
        self.backoff.delay(failures_so_far)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// The backoff part of a wait, rounded to milliseconds (the computation reads the clock twice).
    fn delay_ms(policy: &RetryPolicy, retries: u32) -> Option<u128> {
        policy.next_delay(retries, None, Duration::ZERO).map(|d| d.as_millis())
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum_then_stops_at_the_retry_limit() {
        let policy = RetryPolicy::default()
            .max_retries(5)
            .backoff(100 * MS, 300 * MS)
            .without_jitter();
        let delays: Vec<_> = (0..6).map(|n| delay_ms(&policy, n)).collect();
        assert_eq!(delays, [Some(100), Some(200), Some(300), Some(300), Some(300), None]);
    }

    #[test]
    fn jitter_stays_between_half_the_minimum_and_the_exponential_value() {
        let policy = RetryPolicy::default().backoff(100 * MS, 10_000 * MS);
        for _ in 0..50 {
            let wait = policy.next_delay(2, None, Duration::ZERO).unwrap();
            assert!((50 * MS..=400 * MS).contains(&wait), "{wait:?}");
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_and_is_capped() {
        let policy = RetryPolicy::default().retry_after_cap(Duration::from_secs(30));
        let wait = |asked| policy.next_delay(0, Some(Duration::from_secs(asked)), Duration::ZERO);
        assert_eq!(wait(7), Some(Duration::from_secs(7)));
        assert_eq!(wait(3600), Some(Duration::from_secs(30)));
    }

    #[test]
    fn no_retry_starts_past_the_total_time() {
        let policy = RetryPolicy::default()
            .backoff(Duration::from_secs(1), Duration::from_secs(1))
            .without_jitter()
            .max_elapsed(Duration::from_secs(10));
        assert_eq!(
            policy.next_delay(0, None, Duration::from_secs(9)),
            Some(Duration::from_secs(1))
        );
        assert_eq!(policy.next_delay(0, None, Duration::from_millis(9_001)), None);
    }

    #[test]
    fn none_never_retries_and_a_low_maximum_does_not_panic() {
        assert!(RetryPolicy::none().is_off());
        assert_eq!(
            RetryPolicy::none().next_delay(0, Some(Duration::ZERO), Duration::ZERO),
            None
        );
        let inverted = RetryPolicy::default().backoff(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(inverted.without_jitter().backoff_delay(3), Duration::from_secs(2));
    }
}
