//! Retrying transient failures: which answers are worth another try, and how long to wait.
//!
//! [`RetryPolicy`] says how often and how long to retry; [`RetryMiddleware`] applies it to API
//! calls. [`crate::Client`] installs the middleware by default, outside the authentication layer,
//! so every retry carries the newest token. The token endpoint's own retries follow the same
//! policy and count, bound and space their attempts by the same code; the waits of
//! [`crate::wait`] and [`crate::inference`] space their polls by the same exponential schedule,
//! without jitter.
//!
//! Inside, one concern a file: `policy` (the user's knob), `backoff` (the schedule of waits),
//! `attempts` (a retry loop's count, total-time bound and `Retry-After` cap), `decision` (which
//! answers are worth another try), `retry_after` (the header), `resend` (how an inner layer has
//! the request sent again by the retry layer) and `middleware` (API calls).
//!
//! What is retried:
//!
//! | answer | GET, HEAD, DELETE | POST, PUT, PATCH |
//! |---|---|---|
//! | connection failed before the request was sent | yes | yes |
//! | 429 Too Many Requests | yes | yes |
//! | 502, 503, 504 | yes | no: the API may have acted on it |
//! | 500 | GET and HEAD only | no |
//! | timeout or connection lost after sending | yes | no |
//!
//! A `Retry-After` header (seconds or an HTTP date) sets the wait, capped by
//! [`RetryPolicy::retry_after_cap`]; otherwise the wait grows exponentially with jitter.

mod attempts;
mod backoff;
mod decision;
mod middleware;
mod policy;
mod resend;
mod retry_after;

pub(crate) use attempts::Attempts;
pub(crate) use backoff::Backoff;
pub use middleware::RetryMiddleware;
pub use policy::RetryPolicy;
pub(crate) use resend::{ResendOnce, Resending};
pub(crate) use retry_after::retry_after;
