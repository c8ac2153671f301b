//! [`RetryMiddleware`]: the retry loop around the rest of the middleware stack.

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use super::RetryPolicy;
use super::decision::{Decision, decide};

/// A [`reqwest_middleware::Middleware`] that retries transient failures by a [`RetryPolicy`].
///
/// It returns the last answer or error as it came, never a wrapper of its own, so callers see the
/// same [`crate::Error`] with or without retries. A request whose body is a stream cannot be
/// repeated and is sent once. The number of attempts is recorded on the current `tracing` span
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

#[async_trait::async_trait]
impl Middleware for RetryMiddleware {
    async fn handle(
        &self,
        request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if self.policy.is_off() {
            return next.run(request, extensions).await;
        }
        let started = tokio::time::Instant::now();
        let method = request.method().clone();
        let mut request = request;
        let mut retries = 0;
        loop {
            let spare = crate::wire::copy_request(&request);
            let result = next.clone().run(request, extensions).await;
            let wait = match (spare, decide(&method, &result)) {
                (Some(spare), Decision::Retry { retry_after }) => self
                    .policy
                    .next_delay(retries, retry_after, started.elapsed())
                    .map(|wait| (wait, spare)),
                _ => None,
            };
            let Some((wait, spare)) = wait else {
                if retries > 0 {
                    tracing::Span::current().record("attempts", retries + 1);
                }
                return result;
            };
            match &result {
                Ok(response) => tracing::debug!(status = %response.status(), ?wait, "retrying"),
                Err(error) => tracing::debug!(%error, ?wait, "retrying"),
            }
            drop(result);
            tokio::time::sleep(wait).await;
            retries += 1;
            request = spare;
        }
    }
}
