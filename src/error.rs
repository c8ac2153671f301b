//! [`Error`], the one error type a caller matches on.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::auth::AuthError;
use serde::Deserialize;

use crate::types::{ApiError, ErrorCode, IdList, VolumeActionAnswer, VolumeId, excerpt};

/// Everything that can go wrong in a call, in one type to match on.
///
/// Every generated `send()` returns it, with errors raised inside middleware (such as
/// [`AuthError`]) recovered by type, so `?` into `anyhow` or `Box<dyn Error>` keeps the real cause.
///
/// ```
/// # async fn run(client: datacrunch::Client) {
/// use datacrunch::Error;
/// use datacrunch::types::ErrorCode;
///
/// match client.get_instance_by_id().id("0b1c").send().await {
///     Ok(instance) => println!("{}", instance.hostname),
///     Err(Error::Api { status, error, .. }) if error.code == Some(ErrorCode::NotFound) => {
///         println!("gone ({status})")
///     }
///     Err(Error::Auth(auth)) => eprintln!("check your credentials: {auth}"),
///     Err(other) => eprintln!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    Api {
        /// The HTTP status.
        status: http::StatusCode,
        /// The decoded error body.
        error: ApiError,
    },
    /// No access token could be obtained.
    Auth(AuthError),
    /// The request got no usable answer: connection refused, timeout, TLS, a broken body.
    Transport(reqwest::Error),
    /// A middleware other than ours failed.
    Middleware(Arc<dyn StdError + Send + Sync>),
    /// A success response that does not match the expected type.
    Decode {
        /// What did not match.
        reason: String,
        /// The start of the body, for diagnosis, with the values of `access_token`,
        /// `refresh_token`, `client_secret` and `password` replaced by `<redacted>`.
        body: String,
    },
    /// A status the API description does not list (1xx).
    UnexpectedStatus(http::StatusCode),
    /// A create call was accepted (a 2xx answer) but the answer carried no id: the new resource
    /// may exist even though it cannot be named. List the resources before creating it again.
    AcceptedWithoutId {
        /// The start of the answer's body; empty when it had none.
        body: String,
    },
    /// The server answered with a redirect (3xx). The API never redirects, so the client follows
    /// none: nothing was sent to `location`.
    Redirect {
        /// The HTTP status, such as 308.
        status: http::StatusCode,
        /// The `Location` the server named, if it named one.
        location: Option<String>,
    },
    /// An answer was larger than the client accepts: a body over
    /// [`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size), or a streamed line
    /// or event over the inference client's limit. Reading stopped at the limit.
    TooLarge {
        /// What was too large, such as `response body` or `streamed event`.
        what: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The request could not be built, such as a missing required field or a path value of
    /// `..`; nothing was sent.
    InvalidRequest(String),
    /// The client is misconfigured, such as an invalid base URL or a missing variable.
    Config(String),
    /// A wait (see [`crate::wait`]) saw a status from which its target can no longer be reached,
    /// such as `error` while waiting for an instance to run.
    UnreachableState {
        /// What was waited for, such as `instance 0b1c`.
        resource: String,
        /// The status it reached.
        status: String,
    },
    /// A wait (see [`crate::wait`]) ran out of time.
    WaitTimeout {
        /// What was waited for, such as `instance 0b1c`.
        resource: String,
        /// The status read last.
        last_status: String,
        /// How long the wait polled.
        waited: std::time::Duration,
    },
    /// No answer came in the time allowed, such as an inference call or a wait for an
    /// asynchronous inference.
    Timeout {
        /// How long the caller waited.
        waited: std::time::Duration,
    },
    /// A deploy to the first offer with room (see [`crate::capacity`]) found none: every offer
    /// was passed over.
    NoCapacity {
        /// Each offer passed over and why, such as
        /// `1H100.80S.22V in FIN-01, on demand, 2.19 usd/hour, available: no capacity`.
        skipped: Vec<String>,
    },
}

impl Error {
    /// The HTTP status of an API error answer, or of the unexpected answer.
    ///
    /// ```
    /// # async fn run(client: datacrunch::Client) {
    /// if let Err(error) = client.get_balance().send().await {
    ///     eprintln!("failed with status {:?}: {error}", error.status());
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::UnexpectedStatus(status) | Self::Redirect { status, .. } => Some(*status),
            Self::Transport(error) => error.status(),
            _ => None,
        }
    }

    /// The API's error code, when the answer carried one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Api { error, .. } => error.code.as_ref(),
            _ => None,
        }
    }

    /// Whether the resource does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(http::StatusCode::NOT_FOUND)
    }

    /// Whether the API asked the client to slow down (HTTP 429).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(http::StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether the same call may succeed later: a timeout or failed connection, a 429, a 5xx
    /// gateway or availability answer, a token endpoint that could not be reached, or no offer
    /// with room ([`Error::NoCapacity`]). The client already retried the transport and HTTP
    /// failures by its [`crate::retry::RetryPolicy`] before returning one.
    ///
    /// ```
    /// use datacrunch::Error;
    ///
    /// assert!(!Error::InvalidRequest("no".into()).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(error) => error.is_timeout() || error.is_connect(),
            Self::Timeout { .. } | Self::NoCapacity { .. } => true,
            Self::Auth(error) => matches!(error, AuthError::Unavailable { .. } | AuthError::Timeout { .. }),
            _ => self
                .status()
                .is_some_and(|status| matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)),
        }
    }

    /// Whether a deploy failed for want of capacity (HTTP 503 `service_unavailable`, or
    /// [`Error::NoCapacity`] from a deploy to the first offer with room): try another instance
    /// type or location, or later.
    pub fn is_no_capacity(&self) -> bool {
        matches!(self, Self::NoCapacity { .. })
            || self.status() == Some(http::StatusCode::SERVICE_UNAVAILABLE)
                && self.code() == Some(&ErrorCode::ServiceUnavailable)
    }

    /// Whether the account's balance does not cover the request (`insufficient_funds`).
    pub fn is_insufficient_funds(&self) -> bool {
        self.code() == Some(&ErrorCode::InsufficientFunds)
    }

    /// The error for an answer whose status no caller expects: [`Error::Redirect`] with its
    /// `Location` for a 3xx, else [`Error::UnexpectedStatus`].
    pub(crate) fn unexpected(response: &reqwest::Response) -> Self {
        let status = response.status();
        if !status.is_redirection() {
            return Self::UnexpectedStatus(status);
        }
        let location = crate::net::location(response.headers());
        Self::Redirect { status, location }
    }
}

/// A body, line or event over its size limit, carried inside a `reqwest::Error` from the body
/// stream that found it and recovered as [`Error::TooLarge`].
#[derive(Debug)]
pub(crate) struct LimitExceeded {
    pub(crate) what: &'static str,
    pub(crate) limit: usize,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} larger than the limit of {} bytes", self.what, self.limit)
    }
}

impl StdError for LimitExceeded {}

/// JSON keys whose string values are credentials or tokens.
const SECRET_KEYS: [&str; 4] = ["access_token", "refresh_token", "client_secret", "password"];

/// `text` (JSON, possibly cut short) with the string value of every [`SECRET_KEYS`] key replaced
/// by `<redacted>`, so that a body quoted in an error shows its shape but no secret.
fn redact_secret_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((key, at)) = SECRET_KEYS
        .iter()
        .filter_map(|key| rest.find(&format!("\"{key}\"")).map(|at| (*key, at)))
        .min_by_key(|(_, at)| *at)
    {
        let (before, after) = rest.split_at(at + key.len() + 2);
        out.push_str(before);
        let value = after.trim_start().strip_prefix(':').map(str::trim_start);
        let Some(quoted) = value.and_then(|value| value.strip_prefix('"')) else {
            rest = after;
            continue;
        };
        // The value ends at the first quote not escaped by a backslash, or with the text.
        let mut escaped = false;
        let end = quoted
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(quoted.len(), |(end, _)| end);
        out.push_str(after.get(..after.len() - quoted.len()).unwrap_or_default());
        out.push_str("<redacted>");
        rest = quoted.get(end..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api { status, error } => write!(f, "API error {status}: {error}"),
            Self::Auth(error) => write!(f, "authentication failed: {error}"),
            Self::Transport(error) => write!(f, "request failed: {error}"),
            Self::Middleware(error) => write!(f, "middleware failed: {error}"),
            Self::Decode { reason, body } => write!(f, "unexpected response body ({reason}): {body}"),
            Self::UnexpectedStatus(status) => write!(f, "unexpected response status {status}"),
            Self::AcceptedWithoutId { body } => write!(
                f,
                "the API accepted the request but answered with no id (the resource may exist): {body:?}"
            ),
            Self::Redirect { status, location } => {
                let location = location.as_deref().unwrap_or("no Location");
                write!(
                    f,
                    "the server redirected ({status}) to {location}; redirects are not followed"
                )
            }
            Self::TooLarge { what, limit } => LimitExceeded { what, limit: *limit }.fmt(f),
            Self::InvalidRequest(reason) => write!(f, "invalid request: {reason}"),
            Self::Config(reason) => write!(f, "invalid configuration: {reason}"),
            Self::UnreachableState { resource, status } => {
                write!(
                    f,
                    "{resource} is `{status}`, from which the awaited state cannot be reached"
                )
            }
            Self::WaitTimeout {
                resource,
                last_status,
                waited,
            } => write!(
                f,
                "gave up waiting for {resource} after {waited:?}; its last status was `{last_status}`"
            ),
            Self::Timeout { waited } => write!(f, "timed out after {waited:?}"),
            Self::NoCapacity { skipped } if skipped.is_empty() => f.write_str("no offer matches the request"),
            Self::NoCapacity { skipped } => write!(f, "no offer had room: {}", skipped.join("; ")),
        }
    }
}

/// The cause is the error itself, not a wrapper, so `downcast_ref` finds it.
impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Auth(error) => Some(error),
            Self::Transport(error) => Some(error),
            Self::Middleware(error) => Some(&**error),
            _ => None,
        }
    }
}

impl From<crate::net::SetupError> for Error {
    fn from(error: crate::net::SetupError) -> Self {
        Self::Config(error.0)
    }
}

impl From<AuthError> for Error {
    fn from(error: AuthError) -> Self {
        Self::Auth(error)
    }
}

/// Finds an error of type `T` in the `source()` chain of `error`.
fn find_in_chain<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// An error raised inside a middleware, carried to the caller inside a `reqwest::Error`
/// (see `transport.rs`).
#[derive(Debug)]
pub(crate) struct MiddlewareFailure(pub(crate) Arc<dyn StdError + Send + Sync>);

impl fmt::Display for MiddlewareFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for MiddlewareFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.0)
    }
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        if let Some(LimitExceeded { what, limit }) = find_in_chain::<LimitExceeded>(&error) {
            return Self::TooLarge { what, limit: *limit };
        }
        match find_in_chain::<MiddlewareFailure>(&error) {
            Some(MiddlewareFailure(inner)) => match inner.downcast_ref::<AuthError>() {
                Some(auth) => Self::Auth(auth.clone()),
                None => Self::Middleware(inner.clone()),
            },
            None => Self::Transport(error),
        }
    }
}

impl From<progenitor_client::Error<ApiError>> for Error {
    fn from(error: progenitor_client::Error<ApiError>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::ErrorResponse(response) => Self::Api {
                status: response.status(),
                error: response.into_inner(),
            },
            P::CommunicationError(error) | P::ResponseBodyError(error) | P::InvalidUpgrade(error) => error.into(),
            P::InvalidResponsePayload(body, reason) => Self::decode(reason.to_string(), &body),
            P::UnexpectedResponse(response) => Self::unexpected(&response),
            P::InvalidRequest(reason) => Self::InvalidRequest(reason),
            P::Custom(reason) => Self::Middleware(Arc::from(Box::<dyn StdError + Send + Sync>::from(reason))),
        }
    }
}

impl Error {
    /// [`Error::Decode`] for `body`: its start, with secret values redacted, as the variant
    /// promises wherever the error is raised.
    pub(crate) fn decode(reason: impl Into<String>, body: &[u8]) -> Self {
        Self::Decode {
            reason: reason.into(),
            body: quoted_body(body),
        }
    }
}

/// The start of `body` with the values of [`SECRET_KEYS`] redacted: how an error quotes a body.
fn quoted_body(body: &[u8]) -> String {
    redact_secret_values(&excerpt(body))
}

/// The error of a create call (whose answer is a [`crate::types::CreatedId`]): an answer that
/// decodes to no id is [`Error::AcceptedWithoutId`], everything else converts as usual.
pub(crate) fn created_id_error(error: progenitor_client::Error<ApiError>) -> Error {
    match error {
        // The transport turns an answer without a body into `null`.
        progenitor_client::Error::InvalidResponsePayload(body, _) => Error::AcceptedWithoutId {
            body: if body.as_ref() == b"null" {
                String::new()
            } else {
                quoted_body(&body)
            },
        },
        other => other.into(),
    }
}

/// Reading a volume action's answer gives [`Error`], so the method is here, above the types.
impl VolumeActionAnswer {
    /// The ids of the volumes a clone created: from a JSON array, or one id as text; an answer
    /// without a body has none. Any other body is [`Error::Decode`].
    pub fn cloned_ids(&self) -> Result<IdList<VolumeId>, Error> {
        IdList::deserialize(self.body()).map_err(|error| {
            Error::decode(
                format!("not the ids of cloned volumes: {error}"),
                self.body().to_string().as_bytes(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_redacted_wherever_the_body_is_cut() {
        let body = r#"{"access_token": "eyJ.a\"b.c", "expires_in": "soon", "refresh_token":"r-1","x":"access_token"}"#;
        assert_eq!(
            redact_secret_values(body),
            r#"{"access_token": "<redacted>", "expires_in": "soon", "refresh_token":"<redacted>","x":"access_token"}"#
        );
        assert_eq!(
            redact_secret_values(r#"{"client_secret": "cut sho"#),
            r#"{"client_secret": "<redacted>"#
        );
        assert_eq!(
            redact_secret_values(r#"{"password": 5, "a": "b"}"#),
            r#"{"password": 5, "a": "b"}"#
        );
        assert_eq!(redact_secret_values("plain text"), "plain text");
        for cut in 0..body.len() {
            let shown = redact_secret_values(&body[..cut]);
            assert!(!shown.contains("eyJ") && !shown.contains("r-1"), "{shown}");
        }
    }
}
