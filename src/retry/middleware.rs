//! [`RetryMiddleware`]: the retry loop around the rest of the middleware stack.

use http::Extensions;
use reqwest::{Request, Response};

use super::decision::{Decision, decide};
use super::resend::{self, Resending};
use super::{Attempts, RetryPolicy};
use crate::layer::{Inner, Repeat};

/// A [`reqwest_middleware::Middleware`] that retries transient failures by a [`RetryPolicy`].
///
/// It returns the last answer or error as it came, never a wrapper of its own, so callers see the
/// same [`crate::Error`] with or without retries. A request whose body is a stream cannot be
/// repeated and is sent once. An answer that an inner layer marked for a resend (the auth layer of
/// [`crate::Client`]'s stack, after a 401) is sent again at once, as for a retry, without
/// counting as one. The number of attempts is recorded on the current `tracing` span
/// as `attempts`, when that span has such a field (the client's per-call span does).
///
/// [`crate::Client`] installs it by default. For hand-written calls:
///
/// ```
/// use datacrunch::retry::{RetryMiddleware, RetryPolicy};
///
/// let plain = datacrunch::tls::configure(reqwest::Client::builder())?.build().unwrap();
/// let http = reqwest_middleware::ClientBuilder::new(plain)
///     .with(RetryMiddleware::new(RetryPolicy::default().max_retries(2)))
///     .build();
/// # Ok::<(), datacrunch::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RetryMiddleware {
    policy: RetryPolicy,
}

impl RetryMiddleware {
    /// A middleware that retries by `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy }
    }
}

impl RetryMiddleware {
    /// Sends `request` through `inner`, retrying by the policy, each time again from `repeat`.
    /// `extensions` are the call's, or `None` when the call has none (the layer then keeps its
    /// own).
    ///
    /// Written as a function that returns an `async` block, not as an `async fn` (which would
    /// keep a second copy of the request), so the future stays small: see BENCHMARKS.md, "Where
    /// the 64-caller gap came from".
    #[expect(
        clippy::manual_async_fn,
        reason = "an async fn keeps a second slot for its request argument (see the doc above)"
    )]
    pub(crate) fn send<'a>(
        &'a self,
        request: Request,
        repeat: Repeat<'a>,
        extensions: Option<&'a mut Extensions>,
        inner: impl Inner + 'a,
    ) -> impl Future<Output = reqwest_middleware::Result<Response>> + Send + 'a {
        async move {
            let mut own = Extensions::new();
            let extensions = extensions.unwrap_or(&mut own);
            if self.policy.is_off() || !crate::wire::can_copy(&request) {
                // A request whose body is a stream cannot be repeated: it is sent once.
                return inner.send(request, extensions).await;
            }
            let method = request.method().clone();
            let mut attempts = Attempts::start(&self.policy);
            let mut next = request;
            loop {
                let (attempt, kept) = repeat.keep(next);
                // Everything but the wait is decided in this block, so that only the next
                // request and `attempts` are kept across the wait.
                let wait = {
                    let result = inner.clone().send(attempt, extensions).await;
                    // One resend per attempt: the attempt just made was one if it was marked so.
                    let was_resend = extensions.remove::<Resending>().is_some();
                    let wait = if !was_resend && resend::is_asked(&result) {
                        None // at once, and not counted
                    } else {
                        let wait = match decide(&method, &result) {
                            Decision::Retry { retry_after } => attempts.next_wait(retry_after),
                            Decision::Done => None,
                        };
                        let Some(wait) = wait else {
                            if attempts.number() > 1 {
                                tracing::Span::current().record("attempts", attempts.number());
                            }
                            return result;
                        };
                        Some(wait)
                    };
                    let Some(again) = repeat.next(kept) else {
                        return result;
                    };
                    next = again;
                    match (wait, &result) {
                        (None, _) => {
                            tracing::debug!("sending the request again at once, as an inner layer asked");
                            extensions.insert(Resending);
                        }
                        (Some(wait), Ok(response)) => tracing::debug!(status = %response.status(), ?wait, "retrying"),
                        (Some(wait), Err(error)) => tracing::debug!(%error, ?wait, "retrying"),
                    }
                    wait
                };
                if let Some(wait) = wait {
                    // The wait's own state lives in a future of its own, on the path few calls take.
                    Box::pin(attempts.sleep(wait)).await;
                }
            }
        }
    }
}

crate::layer::middleware_by_send!(RetryMiddleware);
