//! What can go wrong while obtaining an access token.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::types::ErrorCode;

/// A failure to obtain an access token from the token endpoint.
///
/// No variant ever holds the client secret or a token. A failure to reach the endpoint keeps
/// the transport error as its [`source`](std::error::Error::source).
///
/// ```
/// use datacrunch::auth::AuthError;
///
/// let error = AuthError::InvalidCredentials { message: "Invalid client id or client secret".into() };
/// assert_eq!(error.to_string(), "invalid client credentials: Invalid client id or client secret");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum AuthError {
    /// The token endpoint rejected the client id or secret (HTTP 401). Never retried.
    InvalidCredentials {
        /// The server's message.
        message: String,
    },
    /// The token endpoint rejected the request (HTTP 400).
    BadRequest {
        /// The server's error code, such as `invalid_request`.
        code: Option<ErrorCode>,
        /// The server's message.
        message: String,
    },
    /// The token endpoint could not be reached or kept failing (connect error, 429, 5xx).
    Unavailable {
        /// How many token requests were made.
        attempts: u32,
        /// The HTTP status of the last answer, if there was one.
        status: Option<http::StatusCode>,
        /// What went wrong last.
        reason: String,
        /// The transport error of the last attempt, when it got no answer.
        source: Option<Arc<reqwest::Error>>,
    },
    /// The token endpoint answered something that is not a token.
    MalformedResponse {
        /// The HTTP status.
        status: http::StatusCode,
        /// What was wrong, with the start of the body.
        reason: String,
    },
    /// The token endpoint answered with a redirect (3xx). Token requests follow no redirect, so
    /// neither the secret nor a refresh token was sent to `location`.
    Redirect {
        /// The HTTP status, such as 308.
        status: http::StatusCode,
        /// The `Location` the server named, if it named one.
        location: Option<String>,
    },
    /// No token arrived within the client's request timeout
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)): the token endpoint accepted
    /// the request but did not answer in time, or the caller waited that long for a renewal.
    Timeout {
        /// How long was waited.
        waited: std::time::Duration,
    },
    /// The token endpoint answered with a status this SDK does not expect (403, 404, ...).
    UnexpectedStatus {
        /// The HTTP status.
        status: http::StatusCode,
        /// The start of the body.
        body: String,
    },
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidCredentials { message } => write!(f, "invalid client credentials: {message}"),
            Self::BadRequest {
                code: Some(code),
                message,
            } => write!(f, "token request rejected ({code}): {message}"),
            Self::BadRequest { code: None, message } => write!(f, "token request rejected: {message}"),
            Self::Unavailable {
                attempts,
                status,
                reason,
                ..
            } => {
                write!(f, "token endpoint unavailable after {attempts} attempts")?;
                if let Some(status) = status {
                    write!(f, " (last status {status})")?;
                }
                write!(f, ": {reason}")
            }
            Self::MalformedResponse { status, reason } => write!(f, "malformed token response ({status}): {reason}"),
            Self::Redirect { status, location } => {
                let location = location.as_deref().unwrap_or("no Location");
                write!(
                    f,
                    "token endpoint redirected ({status}) to {location}; redirects are not followed"
                )
            }
            Self::Timeout { waited } => write!(f, "no token within {waited:?}"),
            Self::UnexpectedStatus { status, body } => write!(f, "unexpected token endpoint status {status}: {body}"),
        }
    }
}

/// The cause of [`AuthError::Unavailable`] is the `reqwest::Error` itself, so `downcast_ref` finds it.
impl StdError for AuthError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Unavailable {
                source: Some(source), ..
            } => Some(&**source),
            _ => None,
        }
    }
}
