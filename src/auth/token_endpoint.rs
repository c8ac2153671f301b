//! One grant against `POST {base_url}/oauth2/token`, with retries for transient failures.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use http::StatusCode;
use serde::Deserialize;

use super::{AuthError, Credentials, SecretString};
use crate::error::{ApiError, excerpt};

/// How many token requests one grant may make before giving up on transient failures.
pub(crate) const MAX_ATTEMPTS: u32 = 3;

/// The wait before the first retry; it doubles each time, with jitter.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// The lifetime assumed for a token whose response has no `expires_in`.
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// Which grant to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    ClientCredentials,
    RefreshToken,
}

impl Grant {
    fn name(self) -> &'static str {
        match self {
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken => "refresh_token",
        }
    }
}

/// A token returned by the endpoint.
#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub(crate) access_token: SecretString,
    pub(crate) refresh_token: Option<SecretString>,
    /// When the token stops working, counted from when it was requested.
    pub(crate) expires_at: Instant,
    pub(crate) lifetime: Duration,
}

/// The token endpoint: where it is and how to talk to it.
#[derive(Debug)]
pub(crate) struct TokenEndpoint {
    pub(crate) url: reqwest::Url,
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: Credentials,
}

/// The JSON fields of a successful token response (Debug is deliberately not derived).
#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<crate::types::WholeNumber>,
}

/// What one attempt produced.
enum Attempt {
    Done(Result<IssuedToken, AuthError>),
    Retry { status: Option<StatusCode>, reason: String },
}

impl TokenEndpoint {
    /// Performs `grant`, retrying connection errors, 429 and 5xx up to [`MAX_ATTEMPTS`] times.
    pub(crate) async fn request(
        &self,
        grant: Grant,
        refresh_token: Option<&SecretString>,
    ) -> Result<IssuedToken, AuthError> {
        let body = match (grant, refresh_token) {
            (Grant::RefreshToken, Some(token)) => {
                serde_json::json!({ "grant_type": grant.name(), "refresh_token": token.expose() })
            }
            _ => serde_json::json!({
                "grant_type": Grant::ClientCredentials.name(),
                "client_id": self.credentials.client_id(),
                "client_secret": self.credentials.client_secret().expose(),
            }),
        };
        let mut attempt = 1;
        loop {
            tracing::debug!(grant = grant.name(), attempt, url = %self.url, "requesting access token");
            match self.attempt(&body, refresh_token).await {
                Attempt::Done(result) => return result,
                Attempt::Retry { status, reason } if attempt >= MAX_ATTEMPTS => {
                    return Err(AuthError::Unavailable {
                        attempts: attempt,
                        status,
                        reason,
                    });
                }
                Attempt::Retry { status, reason } => {
                    let wait = backoff(attempt);
                    tracing::debug!(attempt, ?status, %reason, ?wait, "token request failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(&self, body: &serde_json::Value, refresh_token: Option<&SecretString>) -> Attempt {
        let requested_at = Instant::now();
        let response = match self.http.post(self.url.clone()).json(body).send().await {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    status: None,
                    reason: error.to_string(),
                };
            }
        };
        let status = response.status();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => {
                return Attempt::Retry {
                    status: Some(status),
                    reason: error.to_string(),
                };
            }
        };
        // The server may echo what it was sent; never let a secret into an error.
        let scrub = |text: String| self.scrub(text, refresh_token);
        let server_message = || {
            let error: ApiError = serde_json::from_slice(&bytes).unwrap_or_else(|_| ApiError {
                code: None,
                message: excerpt(&bytes),
                details: None,
            });
            (error.code, scrub(error.message))
        };
        match status {
            status if status.is_success() => Attempt::Done(self.parse(status, &bytes, requested_at)),
            StatusCode::UNAUTHORIZED => Attempt::Done(Err(AuthError::InvalidCredentials {
                message: server_message().1,
            })),
            StatusCode::BAD_REQUEST => {
                let (code, message) = server_message();
                Attempt::Done(Err(AuthError::BadRequest { code, message }))
            }
            status if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() => Attempt::Retry {
                status: Some(status),
                reason: server_message().1,
            },
            status => Attempt::Done(Err(AuthError::UnexpectedStatus {
                status,
                body: scrub(excerpt(&bytes)),
            })),
        }
    }

    fn parse(&self, status: StatusCode, bytes: &[u8], requested_at: Instant) -> Result<IssuedToken, AuthError> {
        let malformed = |reason: String| AuthError::MalformedResponse { status, reason };
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|_| malformed(format!("not JSON: {}", self.scrub(excerpt(bytes), None))))?;
        let body: TokenBody = serde_json::from_value(value.clone()).map_err(|e| {
            let fields: Vec<&str> = value
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            malformed(format!("{}; fields present: {fields:?}", strip_values(&e.to_string())))
        })?;
        if body.access_token.is_empty() {
            return Err(malformed("empty access_token".to_owned()));
        }
        let lifetime = body
            .expires_in
            .and_then(|seconds| u64::try_from(seconds.get()).ok())
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        tracing::debug!(
            expires_in = lifetime.as_secs(),
            rotated_refresh_token = body.refresh_token.is_some(),
            "access token obtained"
        );
        Ok(IssuedToken {
            access_token: SecretString::new(body.access_token),
            refresh_token: body.refresh_token.filter(|t| !t.is_empty()).map(SecretString::new),
            expires_at: requested_at + lifetime,
            lifetime,
        })
    }

    /// Replaces the client secret and the refresh token in server text.
    fn scrub(&self, text: String, refresh_token: Option<&SecretString>) -> String {
        let secrets = [Some(self.credentials.client_secret()), refresh_token];
        secrets
            .into_iter()
            .flatten()
            .map(SecretString::expose)
            .filter(|s| !s.is_empty())
            .fold(text, |text, secret| {
                if text.contains(secret) {
                    text.replace(secret, "<redacted>")
                } else {
                    text
                }
            })
    }
}

/// serde's messages quote the offending value (`invalid type: string "…"`); drop the quote.
fn strip_values(message: &str) -> String {
    match message.find('"') {
        Some(start) => format!("{}<value>", &message[..start]),
        None => message.to_owned(),
    }
}

/// `FIRST_BACKOFF * 2^(attempt-1)`, scaled by a random factor in [0.5, 1.5).
fn backoff(attempt: u32) -> Duration {
    let base = FIRST_BACKOFF * 2u32.saturating_pow(attempt.saturating_sub(1));
    let random = RandomState::new().build_hasher().finish();
    let factor = 0.5 + (random % 1000) as f64 / 1000.0;
    base.mul_f64(factor)
}
