//! The access-token cache: one token shared by all clones of a client, renewed ahead of expiry
//! by one background task while callers keep using the token in hand.
//!
//! The cache knows nothing of OAuth: it asks a [`TokenSource`] for a token and keeps it.
//!
//! - While the token is fresh (before `renew_at`), a caller takes it under a read lock.
//! - Between `renew_at` and expiry, the first caller starts a renewal in a spawned task and every
//!   caller, that one included, goes on with the current token.
//! - With no valid token (cold start, expiry, or a token the API rejected), callers wait for the
//!   one renewal in flight: N concurrent callers cause one fetch.
//! - A failed renewal is remembered with a time to try again (the retry policy's backoff). Until
//!   then nobody asks the source again: callers keep the still-valid token, or get the remembered
//!   error at once when there is none.
//!
//! What a caller does is decided by [`plan::plan`], a pure function of the cache's state and the
//! time; [`TokenCache::token`] carries the plan out. Time is `tokio::time::Instant`, so the tests
//! below run on paused time.

mod plan;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::sync::watch;
use tokio::time::Instant;

use secrecy::{ExposeSecret, SecretString};

use super::AuthError;
use super::token_endpoint::later;
use crate::retry::RetryPolicy;
use plan::{Current, Plan, Renewal, State, plan, renewal_instant};

/// The default time before expiry at which a token is renewed.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Something that can produce a fresh access token. The cache runs at most one `fetch` at a time.
pub(crate) trait TokenSource: Send + Sync + 'static {
    fn fetch(&self) -> impl Future<Output = Result<AccessToken, AuthError>> + Send;
}

/// An access token ready to put on requests.
pub(crate) struct AccessToken {
    /// `Bearer <token>`, marked sensitive so `Debug` of headers hides it.
    pub(crate) header: HeaderValue,
    expires_at: Instant,
    lifetime: Duration,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl AccessToken {
    /// A bearer token that stops working at `expires_at`, `lifetime` after it was requested.
    pub(crate) fn bearer(token: &SecretString, expires_at: Instant, lifetime: Duration) -> Result<Self, AuthError> {
        let mut header = HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).map_err(|_| {
            AuthError::MalformedResponse {
                status: http::StatusCode::OK,
                reason: "access_token contains characters not allowed in an HTTP header".to_owned(),
            }
        })?;
        header.set_sensitive(true);
        Ok(Self {
            header,
            expires_at,
            lifetime,
        })
    }
}

/// The cache. See the module documentation.
pub(crate) struct TokenCache<S> {
    shared: Arc<Shared<S>>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for TokenCache<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.shared.source)
            .field("margin", &self.shared.margin)
            .finish_non_exhaustive()
    }
}

struct Shared<S> {
    source: S,
    /// How long before expiry to renew (at most half the token's lifetime).
    margin: Duration,
    /// Spaces out renewals after failures.
    backoff: RetryPolicy,
    /// The longest a caller waits for a token.
    timeout: Duration,
    /// Set once a renewal was cancelled with the runtime it ran on: renewals then run on the
    /// background runtime, which outlives callers.
    detached: AtomicBool,
    state: watch::Sender<State>,
}

impl<S: TokenSource> TokenCache<S> {
    /// A cache renewing `margin` before expiry, spacing out retries after failures by
    /// `backoff`, and letting no caller wait longer than `timeout` for a token.
    pub(crate) fn new(source: S, margin: Duration, backoff: RetryPolicy, timeout: Duration) -> Self {
        let (state, _) = watch::channel(State::default());
        Self {
            shared: Arc::new(Shared {
                source,
                margin,
                backoff,
                timeout,
                detached: AtomicBool::new(false),
                state,
            }),
        }
    }

    pub(crate) fn source(&self) -> &S {
        &self.shared.source
    }

    /// A token that has not expired: the current one, or a new one when there is none.
    ///
    /// Waits at most the cache's timeout: for the renewal in flight, or for the next attempt
    /// after a failure when it is due within that time (else the failure is returned at once).
    pub(crate) async fn token(&self) -> Result<Arc<AccessToken>, AuthError> {
        // One clock read on the path every call takes: a valid token before its renewal point.
        let entered = Instant::now();
        let deadline = later(entered, self.shared.timeout);
        if let Plan::Use(token) = plan(&self.shared.state.borrow(), entered, deadline) {
            return Ok(token.clone());
        }
        // Every other plan may wait. Its future lives on the heap, so that this one, held by every
        // call's middleware future, stays small (see BENCHMARKS.md: futures past 1 KiB cost a
        // locked allocation under glibc's allocator).
        Box::pin(self.obtain(entered, deadline)).await
    }

    /// [`token`](Self::token) when the token in hand cannot simply be used: carries out the plans
    /// that start a renewal, wait for one, or wait for the next attempt after a failure.
    async fn obtain(&self, entered: Instant, deadline: Instant) -> Result<Arc<AccessToken>, AuthError> {
        let mut now = entered;
        loop {
            // Planned on a snapshot, under the read lock, which is released before any wait.
            let then = {
                let state = self.shared.state.borrow();
                match plan(&state, now, deadline) {
                    Plan::Use(token) => return Ok(token.clone()),
                    Plan::Fail(error) => return Err(error.clone()),
                    Plan::UseAndRenew(token) => Then::Fetch(Some(token.clone())),
                    Plan::StartAndWait => Then::Fetch(None),
                    Plan::Wait => Then::Wait,
                    Plan::RetryAt(retry_at) => Then::SleepUntil(retry_at),
                }
            };
            match then {
                Then::Fetch(token) => {
                    if self.start_fetch(now, deadline).await {
                        return match token {
                            Some(token) => Ok(token),
                            None => self.wait_for_renewal(entered, deadline).await,
                        };
                    }
                    // Another caller claimed the fetch first: plan again.
                }
                Then::Wait => return self.wait_for_renewal(entered, deadline).await,
                Then::SleepUntil(retry_at) => {
                    tokio::time::sleep_until(retry_at).await;
                    now = Instant::now();
                }
            }
        }
    }

    /// Claims the fetch and starts it, if the plan for `now` still starts one under the write
    /// lock (where only one caller claims it). Returns whether this caller started it.
    async fn start_fetch(&self, now: Instant, deadline: Instant) -> bool {
        let claimed = self
            .shared
            .state
            .send_if_modified(|state| state.claim_fetch(now, deadline));
        if claimed {
            spawn_renewal(&self.shared).await;
        }
        claimed
    }

    async fn wait_for_renewal(&self, entered: Instant, deadline: Instant) -> Result<Arc<AccessToken>, AuthError> {
        let mut changes = self.shared.state.subscribe();
        let finished = changes.wait_for(|state| !matches!(state.renewal, Renewal::Running));
        let state = match tokio::time::timeout_at(deadline, finished).await {
            Ok(state) => state.map_err(|_| unavailable("the token cache was dropped"))?,
            Err(_) => {
                return Err(AuthError::Timeout {
                    waited: entered.elapsed(),
                });
            }
        };
        match (state.usable(Instant::now()), &state.renewal) {
            (Some(current), _) => Ok(current.token.clone()),
            (None, Renewal::Failed { error, .. }) => Err(error.clone()),
            (None, _) => Err(unavailable(
                "the token endpoint issued a token that had already expired",
            )),
        }
    }

    /// Forgets `rejected` after the API answered 401 to it, unless it was already replaced.
    pub(crate) fn discard(&self, rejected: &Arc<AccessToken>) {
        self.shared.state.send_if_modified(|state| state.discard(rejected));
    }
}

/// The part of a [`Plan`] a caller carries out after it released the read lock, holding what it
/// needs of the state.
enum Then {
    /// Start a fetch, unless another caller claims it first; then use this token, or wait for
    /// the fetch when there is none.
    Fetch(Option<Arc<AccessToken>>),
    /// Wait for the fetch in flight.
    Wait,
    /// Sleep until the next fetch may start, then plan again.
    SleepUntil(Instant),
}

fn unavailable(reason: &str) -> AuthError {
    AuthError::Unavailable {
        attempts: 0,
        status: None,
        reason: reason.to_owned(),
        source: None,
    }
}

impl<S> Shared<S> {
    /// Stores the outcome of a renewal and wakes the callers waiting for it.
    fn record(&self, result: Result<AccessToken, AuthError>) {
        let now = Instant::now();
        self.state.send_modify(|state| match result {
            Ok(token) => {
                let renew_at = renewal_instant(token.expires_at, token.lifetime, self.margin);
                state.current = Some(Current {
                    token: Arc::new(token),
                    renew_at,
                });
                state.renewal = Renewal::Idle;
                state.failures = 0;
            }
            Err(error) => {
                let wait = self.backoff.backoff_delay(state.failures);
                state.failures = state.failures.saturating_add(1);
                tracing::warn!(%error, retry_in = ?wait, "token renewal failed");
                state.renewal = Renewal::Failed {
                    error,
                    retry_at: later(now, wait),
                };
            }
        });
    }
}

/// Starts a renewal: on the caller's runtime, or on the background runtime once a renewal was
/// cancelled with a caller's runtime; with no runtime at all, in this caller.
async fn spawn_renewal<S: TokenSource>(shared: &Arc<Shared<S>>) {
    let renewal = RenewalTask::new(shared.clone());
    if shared.detached.load(Ordering::Relaxed)
        && let Some(background) = background()
    {
        drop(background.spawn(renewal.run()));
        return;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn(renewal.run())),
        Err(_) => renewal.run().await,
    }
}

/// A runtime of the SDK's own on a thread of its own, started the first time it is needed, for
/// renewals that must outlive the runtimes of their callers (a blocking wrapper that builds a
/// runtime per call, tests sharing a client). `None` if no thread could be started.
fn background() -> Option<&'static tokio::runtime::Handle> {
    static BACKGROUND: OnceLock<Option<tokio::runtime::Handle>> = OnceLock::new();
    BACKGROUND
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            let handle = runtime.handle().clone();
            std::thread::Builder::new()
                .name("datacrunch-token-renewal".to_owned())
                .spawn(move || runtime.block_on(std::future::pending::<()>()))
                .ok()?;
            Some(handle)
        })
        .as_ref()
}

/// A renewal in flight. Dropped before it finishes, because the runtime it ran on shut down, it
/// is not a failure: the renewal starts again on the background runtime, where every later
/// renewal of the cache runs too, so callers on short-lived runtimes cause no token request each.
struct RenewalTask<S: TokenSource> {
    shared: Arc<Shared<S>>,
    finished: bool,
}

impl<S: TokenSource> RenewalTask<S> {
    fn new(shared: Arc<Shared<S>>) -> Self {
        Self {
            shared,
            finished: false,
        }
    }

    async fn run(mut self) {
        let result = self.shared.source.fetch().await;
        self.finished = true;
        self.shared.record(result);
    }
}

impl<S: TokenSource> Drop for RenewalTask<S> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.shared.detached.store(true, Ordering::Relaxed);
        match background() {
            Some(background) => {
                tracing::debug!("the token renewal's runtime shut down; renewing on the SDK's own runtime");
                drop(background.spawn(RenewalTask::new(self.shared.clone()).run()));
            }
            // Nowhere to finish it: fail it, so no caller waits for it forever.
            None => self.shared.record(Err(unavailable("the token renewal was cancelled"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::FutureExt;
    use tokio::sync::Semaphore;

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// A token source that answers from a script (a lifetime in seconds, or an error), names its
    /// tokens `token-1`, `token-2`, ... by fetch, and holds each answer until the gate lets it go.
    #[derive(Clone)]
    struct Scripted(Arc<ScriptState>);

    struct ScriptState {
        answers: Mutex<VecDeque<Result<u64, AuthError>>>,
        fetches: AtomicUsize,
        gate: Semaphore,
    }

    impl Scripted {
        fn new(answers: impl IntoIterator<Item = Result<u64, AuthError>>) -> Self {
            Self(Arc::new(ScriptState {
                answers: Mutex::new(answers.into_iter().collect()),
                fetches: AtomicUsize::new(0),
                gate: Semaphore::new(Semaphore::MAX_PERMITS),
            }))
        }

        /// Holds answers after the first `open` until [`Scripted::release`].
        fn gated_after(self, open: usize) -> Self {
            self.0.gate.forget_permits(Semaphore::MAX_PERMITS - open);
            self
        }

        fn release(&self) {
            self.0.gate.add_permits(1);
        }

        fn fetches(&self) -> usize {
            self.0.fetches.load(Ordering::SeqCst)
        }
    }

    impl TokenSource for Scripted {
        async fn fetch(&self) -> Result<AccessToken, AuthError> {
            let number = self.0.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            self.0.gate.acquire().await.unwrap().forget();
            let answer = {
                let mut answers = self.0.answers.lock().unwrap();
                if answers.len() > 1 {
                    answers.pop_front()
                } else {
                    answers.front().cloned()
                }
            };
            let lifetime = Duration::from_secs(answer.expect("a scripted answer")?);
            let token = SecretString::from(format!("token-{number}"));
            AccessToken::bearer(&token, Instant::now() + lifetime, lifetime)
        }
    }

    fn down() -> AuthError {
        AuthError::Unavailable {
            attempts: 3,
            status: Some(http::StatusCode::SERVICE_UNAVAILABLE),
            reason: "down".to_owned(),
            source: None,
        }
    }

    /// A cache renewing 10 s before expiry, backing off 1 s, 2 s, 4 s, 8 s after failures, with
    /// callers waiting at most 60 s for a token.
    fn cache(source: &Scripted) -> TokenCache<Scripted> {
        cache_with_timeout(source, 60 * SECOND)
    }

    fn cache_with_timeout(source: &Scripted, timeout: Duration) -> TokenCache<Scripted> {
        let backoff = RetryPolicy::default().backoff(SECOND, 8 * SECOND).without_jitter();
        TokenCache::new(source.clone(), 10 * SECOND, backoff, timeout)
    }

    fn name(token: &AccessToken) -> &str {
        token.header.to_str().unwrap().trim_start_matches("Bearer ")
    }

    /// The token a call returns at once, failing the test if the call would wait.
    fn immediate(cache: &TokenCache<Scripted>) -> Result<String, AuthError> {
        let answer = cache.token().now_or_never().expect("the call waited");
        answer.map(|token| name(&token).to_owned())
    }

    #[tokio::test(start_paused = true)]
    async fn a_fresh_token_is_reused_without_asking_the_source() {
        let source = Scripted::new([Ok(100)]);
        let cache = cache(&source);
        assert_eq!(name(&cache.token().await.unwrap()), "token-1");
        for _ in 0..10 {
            assert_eq!(immediate(&cache).unwrap(), "token-1");
        }
        assert_eq!(source.fetches(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_first_calls_share_one_fetch() {
        let source = Scripted::new([Ok(100)]).gated_after(0);
        let cache = Arc::new(cache(&source));
        let calls: Vec<_> = (0..32)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.token().await.map(|token| name(&token).to_owned()) })
            })
            .collect();
        tokio::time::sleep(SECOND).await;
        assert_eq!(source.fetches(), 1);
        source.release();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), "token-1");
        }
        assert_eq!(source.fetches(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn renewal_runs_ahead_of_expiry_while_callers_keep_the_current_token() {
        let source = Scripted::new([Ok(100)]).gated_after(1);
        let cache = cache(&source);
        cache.token().await.unwrap();

        tokio::time::sleep(90 * SECOND).await; // the renewal point
        for _ in 0..5 {
            assert_eq!(immediate(&cache).unwrap(), "token-1");
            tokio::time::sleep(SECOND).await;
        }
        assert_eq!(source.fetches(), 2, "exactly one renewal, held open by the source");

        source.release();
        tokio::time::sleep(SECOND).await;
        assert_eq!(immediate(&cache).unwrap(), "token-2");
        assert_eq!(source.fetches(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_renewal_is_retried_after_a_backoff_and_a_caller_without_token_waits_for_the_next_attempt() {
        let source = Scripted::new([Ok(100), Err(down())]);
        let cache = cache(&source);
        cache.token().await.unwrap();

        tokio::time::sleep(90 * SECOND).await;
        for _ in 0..100 {
            assert_eq!(immediate(&cache).unwrap(), "token-1");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Renewals at 90 s, 91 s, 93 s and 97 s; the next is due at 105 s.
        assert_eq!(source.fetches(), 5);

        // Expired at 100 s with the endpoint still down: the caller waits for the attempt due at
        // 105 s, well within its 60 s, and gets that attempt's error.
        let asked = Instant::now();
        assert!(matches!(cache.token().await, Err(AuthError::Unavailable { .. })));
        assert_eq!(asked.elapsed(), 5 * SECOND);
        assert_eq!(source.fetches(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_whose_timeout_ends_before_the_next_attempt_gets_the_remembered_error_at_once() {
        let source = Scripted::new([Ok(100), Err(down())]);
        let cache = cache_with_timeout(&source, 2 * SECOND);
        cache.token().await.unwrap();
        tokio::time::sleep(90 * SECOND).await;
        for _ in 0..100 {
            immediate(&cache).unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(source.fetches(), 5);
        // Due at 105 s, beyond this caller's 2 s: the remembered error, without waiting.
        assert!(matches!(immediate(&cache), Err(AuthError::Unavailable { .. })));
        assert_eq!(source.fetches(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn the_endpoint_recovering_serves_the_next_call() {
        let source = Scripted::new([Err(down()), Ok(100)]);
        let cache = cache(&source);
        assert!(matches!(cache.token().await, Err(AuthError::Unavailable { .. })));
        // The next attempt is due 1 s later: this caller waits for it instead of failing.
        let asked = Instant::now();
        assert_eq!(name(&cache.token().await.unwrap()), "token-2");
        assert_eq!(asked.elapsed(), SECOND);
        assert_eq!(source.fetches(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn callers_waiting_on_a_stuck_renewal_time_out_with_a_typed_error() {
        let source = Scripted::new([Ok(100)]).gated_after(0);
        let cache = cache_with_timeout(&source, 3 * SECOND);
        let asked = Instant::now();
        assert!(matches!(cache.token().await, Err(AuthError::Timeout { waited }) if waited == 3 * SECOND));
        assert_eq!(asked.elapsed(), 3 * SECOND);
        assert_eq!(source.fetches(), 1, "the stuck fetch is not started again");
    }

    #[tokio::test(start_paused = true)]
    async fn a_renewal_that_succeeds_after_failures_resets_the_backoff() {
        let source = Scripted::new([Ok(100), Err(down()), Ok(100), Err(down())]);
        let cache = cache(&source);
        cache.token().await.unwrap();
        tokio::time::sleep(90 * SECOND).await;
        assert_eq!(immediate(&cache).unwrap(), "token-1"); // renewal 1 fails: retry at 91 s
        tokio::time::sleep(SECOND).await;
        assert_eq!(immediate(&cache).unwrap(), "token-1"); // renewal 2 succeeds
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(immediate(&cache).unwrap(), "token-3");

        tokio::time::sleep(90 * SECOND).await;
        assert_eq!(immediate(&cache).unwrap(), "token-3"); // renewal 3 fails: retry after 1 s again
        tokio::time::sleep(SECOND).await;
        immediate(&cache).unwrap(); // renewal 4, due 1 s later (2 s had the failures not been reset)
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(source.fetches(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn discarding_forgets_only_the_rejected_token() {
        let source = Scripted::new([Ok(100)]);
        let cache = cache(&source);
        let first = cache.token().await.unwrap();
        cache.discard(&first);
        let second = cache.token().await.unwrap();
        assert_eq!(name(&second), "token-2");
        cache.discard(&first); // a late 401 for the old token keeps the new one
        assert_eq!(immediate(&cache).unwrap(), "token-2");
        assert_eq!(source.fetches(), 2);
    }

    #[test]
    fn a_short_lived_token_is_renewed_half_way_through_its_life() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let source = Scripted::new([Ok(4)]);
            let cache = cache(&source); // a 10 s margin exceeds the 4 s life
            cache.token().await.unwrap();
            tokio::time::sleep(Duration::from_millis(1999)).await;
            immediate(&cache).unwrap();
            assert_eq!(source.fetches(), 1);
            tokio::time::sleep(Duration::from_millis(1)).await;
            immediate(&cache).unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
            assert_eq!(source.fetches(), 2);
        });
    }
}
