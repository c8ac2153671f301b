//! Which answers to an API request are worth another try (the table in the module docs).

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};
use reqwest_retry::{Retryable, default_on_request_failure};

use super::retry_after;

/// What to do after one attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Hand the result to the caller.
    Done,
    /// Try again, waiting what the server asked for if it did.
    Retry { retry_after: Option<Duration> },
}

/// Whether the API may have acted on a request it failed to answer: repeating a GET, HEAD or
/// DELETE is harmless, repeating a POST, PUT or PATCH may do the work twice.
fn is_idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::DELETE)
}

/// Decides on the result of one attempt of a `method` request.
pub(crate) fn decide(method: &Method, result: &reqwest_middleware::Result<Response>) -> Decision {
    match result {
        Ok(response) => decide_on_status(method, response),
        Err(error) => decide_on_failure(method, error),
    }
}

fn decide_on_status(method: &Method, response: &Response) -> Decision {
    let retry = match response.status() {
        StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
            is_idempotent(method)
        }
        StatusCode::INTERNAL_SERVER_ERROR => matches!(*method, Method::GET | Method::HEAD),
        _ => false,
    };
    if retry {
        Decision::Retry {
            retry_after: retry_after(response.headers()),
        }
    } else {
        Decision::Done
    }
}

fn decide_on_failure(method: &Method, error: &reqwest_middleware::Error) -> Decision {
    // A failed connect never reached the server, so any method may try again. A middleware's
    // own failure (such as no token) is never transient.
    let unsent = matches!(error, reqwest_middleware::Error::Reqwest(e) if e.is_connect());
    let transient = default_on_request_failure(error) == Some(Retryable::Transient);
    if unsent || (transient && is_idempotent(method)) {
        Decision::Retry { retry_after: None }
    } else {
        Decision::Done
    }
}
