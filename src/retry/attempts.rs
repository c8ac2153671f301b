//! [`Attempts`]: the bookkeeping of a retry loop, shared by API calls and the token endpoint.

use std::time::Duration;

use tokio::time::Instant;

use super::RetryPolicy;

/// The attempts of one operation under a [`RetryPolicy`]: how many there were, since when, and
/// whether another may start and after which wait.
///
/// A retry loop makes one when its first attempt starts (the only clock read until an attempt
/// fails), asks [`next_wait`](Self::next_wait) after a failure that is worth another try, and
/// calls [`sleep`](Self::sleep) before the next attempt:
///
/// ```text
/// let mut attempts = Attempts::start(&policy);
/// loop {
///     let failure = match attempt().await { Ok(done) => return Ok(done), Err(failure) => failure };
///     let Some(wait) = attempts.next_wait(failure.retry_after) else { return Err(failure) };
///     attempts.sleep(wait).await;
/// }
/// ```
#[derive(Debug)]
pub(crate) struct Attempts<'p> {
    policy: &'p RetryPolicy,
    started: Instant,
    retries: u32,
}

impl<'p> Attempts<'p> {
    /// The first attempt, starting now.
    pub(crate) fn start(policy: &'p RetryPolicy) -> Self {
        Self {
            policy,
            started: Instant::now(),
            retries: 0,
        }
    }

    /// The number of the attempt under way or just ended, from 1.
    pub(crate) fn number(&self) -> u32 {
        self.retries + 1
    }

    /// How long to wait before the next attempt after the one just ended failed, or `None` when
    /// the policy allows no more: too many retries, or the wait would end past the total time.
    /// `retry_after` is what the server asked for (capped by the policy).
    pub(crate) fn next_wait(&self, retry_after: Option<Duration>) -> Option<Duration> {
        self.policy
            .next_delay(self.retries, retry_after, self.started.elapsed())
    }

    /// Waits `wait` (from [`next_wait`](Self::next_wait)); the next attempt starts after it.
    pub(crate) async fn sleep(&mut self, wait: Duration) {
        tokio::time::sleep(wait).await;
        self.retries += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// Runs attempts that all fail (asking for `retry_after`) until the policy gives up;
    /// returns how many attempts there were and the time they took.
    async fn attempts_until_given_up(policy: RetryPolicy, retry_after: Option<Duration>) -> (u32, Duration) {
        let started = Instant::now();
        let mut attempts = Attempts::start(&policy);
        loop {
            let Some(wait) = attempts.next_wait(retry_after) else {
                return (attempts.number(), started.elapsed());
            };
            attempts.sleep(wait).await;
        }
    }

    fn exact(first: Duration, max: Duration) -> RetryPolicy {
        RetryPolicy::default().backoff(first, max).without_jitter()
    }

    #[tokio::test(start_paused = true)]
    async fn the_retry_limit_ends_the_loop_after_the_backoff_waits() {
        let policy = exact(SECOND, 8 * SECOND).max_retries(3);
        assert_eq!(attempts_until_given_up(policy, None).await, (4, 7 * SECOND));
        let policy = exact(SECOND, 8 * SECOND).max_retries(6);
        assert_eq!(attempts_until_given_up(policy, None).await, (7, 31 * SECOND));
    }

    #[tokio::test(start_paused = true)]
    async fn no_wait_may_end_past_the_total_time() {
        // Waits of 1 s and 2 s end at 3 s; the next, 4 s, would end at 7 s, past 6 s.
        let policy = exact(SECOND, 8 * SECOND).max_retries(10).max_elapsed(6 * SECOND);
        assert_eq!(attempts_until_given_up(policy, None).await, (3, 3 * SECOND));
        let policy = policy.max_elapsed(7 * SECOND);
        assert_eq!(attempts_until_given_up(policy, None).await, (4, 7 * SECOND));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_replaces_the_backoff_and_is_capped() {
        let policy = exact(SECOND, SECOND)
            .max_retries(2)
            .max_elapsed(600 * SECOND)
            .retry_after_cap(30 * SECOND);
        assert_eq!(
            attempts_until_given_up(policy, Some(5 * SECOND)).await,
            (3, 10 * SECOND)
        );
        assert_eq!(
            attempts_until_given_up(policy, Some(3600 * SECOND)).await,
            (3, 60 * SECOND)
        );
        assert_eq!(
            attempts_until_given_up(policy, Some(Duration::ZERO)).await,
            (3, Duration::ZERO)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_policy_without_retries_allows_one_attempt_and_no_wait() {
        assert_eq!(
            attempts_until_given_up(RetryPolicy::none(), None).await,
            (1, Duration::ZERO)
        );
        assert_eq!(
            attempts_until_given_up(RetryPolicy::none(), Some(Duration::ZERO)).await,
            (1, Duration::ZERO)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_total_time_counts_from_the_first_attempt_including_the_attempts_themselves() {
        let policy = exact(SECOND, SECOND).max_retries(10).max_elapsed(10 * SECOND);
        let mut attempts = Attempts::start(&policy);
        tokio::time::sleep(9 * SECOND).await; // a slow first attempt
        assert_eq!(attempts.next_wait(None), Some(SECOND));
        attempts.sleep(SECOND).await;
        assert_eq!(attempts.number(), 2);
        assert_eq!(attempts.next_wait(None), None);
    }
}
