//! One grant against `POST {base_url}/oauth2/token`, retried by the client's [`RetryPolicy`].

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;
use tokio::time::Instant;
use tracing::Instrument;

use secrecy::{ExposeSecret, SecretString};

use super::{AuthError, Credentials};
use crate::retry::{Attempts, RetryPolicy, retry_after};
use crate::types::{ApiError, excerpt};

/// The longest lifetime a token is trusted with. A longer `expires_in` counts as this, and a
/// token whose `expires_in` is missing, zero, negative or not a number is kept this long (or
/// until the API answers 401, which replaces it once, as it does any rejected token).
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Which grant to ask for. A refresh grant cannot exist without the refresh token it sends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Grant<'a> {
    ClientCredentials,
    RefreshToken(&'a SecretString),
}

impl<'a> Grant<'a> {
    fn name(self) -> &'static str {
        match self {
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken(_) => "refresh_token",
        }
    }

    /// The JSON body of the token request.
    fn body(self, credentials: &Credentials) -> serde_json::Value {
        match self {
            Self::ClientCredentials => serde_json::json!({
                "grant_type": self.name(),
                "client_id": credentials.client_id(),
                "client_secret": credentials.client_secret().expose_secret(),
            }),
            Self::RefreshToken(token) => {
                serde_json::json!({ "grant_type": self.name(), "refresh_token": token.expose_secret() })
            }
        }
    }

    fn refresh_token(self) -> Option<&'a SecretString> {
        match self {
            Self::ClientCredentials => None,
            Self::RefreshToken(token) => Some(token),
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
    pub(crate) retry: RetryPolicy,
    /// How long one grant, its retries included, may take: the client's request timeout.
    pub(crate) timeout: Duration,
}

/// The JSON fields of a successful token response (Debug is deliberately not derived).
#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    refresh_token: Option<String>,
    /// Any JSON: a lifetime the server got wrong must not lose the token (see [`lifetime`]).
    expires_in: Option<serde_json::Value>,
}

/// How long a token lives, from its `expires_in` (seconds, a number or a numeric string),
/// within [`MAX_LIFETIME`]; `None` when it is missing, not positive or not a number.
fn lifetime(expires_in: Option<&serde_json::Value>) -> Option<Duration> {
    let seconds = match expires_in? {
        serde_json::Value::Number(number) => number.as_f64()?,
        serde_json::Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    let max = MAX_LIFETIME.as_secs_f64();
    (seconds.is_finite() && seconds >= 1.0).then(|| Duration::from_secs_f64(seconds.min(max)))
}

/// What one attempt produced.
enum Attempt {
    Done(Result<IssuedToken, AuthError>),
    Retry {
        status: Option<StatusCode>,
        reason: String,
        retry_after: Option<Duration>,
        source: Option<Arc<reqwest::Error>>,
    },
}

impl TokenEndpoint {
    /// Performs `grant`, retrying connection errors, 429 and 5xx as the retry policy allows, in a
    /// `token_request` span of its own.
    pub(crate) async fn request(&self, grant: Grant<'_>) -> Result<IssuedToken, AuthError> {
        let span = tracing::debug_span!(
            "token_request",
            grant = grant.name(),
            url = %self.url,
            attempts = tracing::field::Empty,
        );
        let bounded = tokio::time::timeout(self.timeout, self.request_with_retries(grant));
        match bounded.instrument(span).await {
            Ok(result) => result,
            Err(_) => Err(AuthError::Timeout { waited: self.timeout }),
        }
    }

    async fn request_with_retries(&self, grant: Grant<'_>) -> Result<IssuedToken, AuthError> {
        let body = grant.body(&self.credentials);
        let mut attempts = Attempts::start(&self.retry);
        loop {
            tracing::Span::current().record("attempts", attempts.number());
            match self.attempt(&body, grant.refresh_token()).await {
                Attempt::Done(result) => return result,
                Attempt::Retry {
                    status,
                    reason,
                    retry_after,
                    source,
                } => {
                    let Some(wait) = attempts.next_wait(retry_after) else {
                        return Err(AuthError::Unavailable {
                            attempts: attempts.number(),
                            status,
                            reason,
                            source,
                        });
                    };
                    tracing::debug!(?status, %reason, ?wait, "token request failed; retrying");
                    attempts.sleep(wait).await;
                }
            }
        }
    }

    async fn attempt(&self, body: &serde_json::Value, refresh_token: Option<&SecretString>) -> Attempt {
        let requested_at = Instant::now();
        let unanswered = |status: Option<StatusCode>, error: reqwest::Error| Attempt::Retry {
            status,
            reason: error.to_string(),
            retry_after: None,
            source: Some(Arc::new(error)),
        };
        let response = match self.http.post(self.url.clone()).json(body).send().await {
            Ok(response) => response,
            Err(error) => return unanswered(None, error),
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let location = crate::net::location(response.headers());
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return unanswered(Some(status), error),
        };
        // The server may echo what it was sent; never let a secret into an error.
        let scrub = |text: String| self.scrub(text, refresh_token);
        let server_message = || {
            let error = ApiError::from_body(&bytes);
            (error.code, scrub(error.message))
        };
        match status {
            status if status.is_success() => Attempt::Done(self.parse(status, &bytes, requested_at)),
            status if status.is_redirection() => Attempt::Done(Err(AuthError::Redirect {
                status,
                location: location.map(&scrub),
            })),
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
                retry_after,
                source: None,
            },
            status => Attempt::Done(Err(AuthError::UnexpectedStatus {
                status,
                body: scrub(excerpt(&bytes)),
            })),
        }
    }

    fn parse(&self, status: StatusCode, bytes: &[u8], requested_at: Instant) -> Result<IssuedToken, AuthError> {
        let malformed = |reason: String| AuthError::MalformedResponse { status, reason };
        // A success body may hold a token however broken it is: it is described, never quoted.
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|_| malformed(format!("not JSON ({} bytes, not shown)", bytes.len())))?;
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
        let lifetime = lifetime(body.expires_in.as_ref()).unwrap_or_else(|| {
            tracing::warn!("the token answer has no usable expires_in; the token is kept until the API rejects it");
            MAX_LIFETIME
        });
        tracing::debug!(
            expires_in = lifetime.as_secs(),
            rotated_refresh_token = body.refresh_token.is_some(),
            "access token obtained"
        );
        Ok(IssuedToken {
            access_token: SecretString::from(body.access_token),
            refresh_token: body.refresh_token.filter(|t| !t.is_empty()).map(SecretString::from),
            expires_at: later(requested_at, lifetime),
            lifetime,
        })
    }

    /// Replaces the client secret and the refresh token in server text.
    fn scrub(&self, text: String, refresh_token: Option<&SecretString>) -> String {
        let secrets = [Some(self.credentials.client_secret()), refresh_token];
        secrets
            .into_iter()
            .flatten()
            .map(ExposeSecret::expose_secret)
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

/// `duration` after `at`; when the clock cannot count that far (a timeout of `Duration::MAX`),
/// a year after `at`, which is as good as never.
pub(crate) fn later(at: Instant, duration: Duration) -> Instant {
    const A_YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
    at.checked_add(duration)
        .or_else(|| at.checked_add(A_YEAR))
        .unwrap_or(at)
}

/// serde's messages quote the offending value (`invalid type: string "…"`); drop the quote.
fn strip_values(message: &str) -> String {
    match message.split_once('"') {
        Some((before, _)) => format!("{before}<value>"),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> TokenEndpoint {
        TokenEndpoint {
            url: "https://api.verda.com/v1/oauth2/token".parse().unwrap(),
            http: crate::net::http_client(None, None, None, true).unwrap(),
            credentials: Credentials::new("id", "s3cr3t-value"),
            retry: RetryPolicy::none(),
            timeout: Duration::from_secs(60),
        }
    }

    #[test]
    fn scrubbing_replaces_the_secret_and_the_refresh_token_wherever_they_appear() {
        let refresh = SecretString::from("refresh-abc".to_owned());
        let text = "bad secret s3cr3t-value, refresh refresh-abc, again s3cr3t-value".to_owned();
        assert_eq!(
            endpoint().scrub(text, Some(&refresh)),
            "bad secret <redacted>, refresh <redacted>, again <redacted>"
        );
        assert_eq!(endpoint().scrub("nothing secret".to_owned(), None), "nothing secret");
        let empty = SecretString::from(String::new());
        assert_eq!(endpoint().scrub("keep me".to_owned(), Some(&empty)), "keep me");
    }

    #[test]
    fn serde_messages_lose_the_quoted_value() {
        assert_eq!(
            strip_values(r#"invalid type: string "tok-123", expected u64"#),
            "invalid type: string <value>"
        );
        assert_eq!(
            strip_values("missing field `access_token`"),
            "missing field `access_token`"
        );
    }

    #[test]
    fn a_time_too_far_to_count_is_a_year_away() {
        let now = Instant::now();
        assert_eq!(later(now, Duration::from_secs(5)), now + Duration::from_secs(5));
        assert_eq!(later(now, Duration::MAX), now + Duration::from_secs(365 * 24 * 60 * 60));
    }

    #[test]
    fn lifetimes_are_clamped_and_unusable_ones_are_unknown() {
        let of = |value: serde_json::Value| lifetime(Some(&value));
        assert_eq!(of(serde_json::json!(3600)), Some(Duration::from_secs(3600)));
        assert_eq!(of(serde_json::json!(1800.0)), Some(Duration::from_secs(1800)));
        assert_eq!(of(serde_json::json!(" 60 ")), Some(Duration::from_secs(60)));
        assert_eq!(of(serde_json::json!(i64::MAX)), Some(MAX_LIFETIME));
        assert_eq!(of(serde_json::json!(u64::MAX)), Some(MAX_LIFETIME));
        assert_eq!(of(serde_json::json!(1e300)), Some(MAX_LIFETIME));
        for unusable in [
            serde_json::json!(0),
            serde_json::json!(-5),
            serde_json::json!(0.5),
            serde_json::json!("soon"),
            serde_json::json!(null),
            serde_json::json!(true),
            serde_json::json!({"s": 1}),
        ] {
            assert_eq!(of(unusable.clone()), None, "{unusable}");
        }
        assert_eq!(lifetime(None), None);
    }

    #[test]
    fn each_grant_sends_exactly_its_fields() {
        let credentials = Credentials::new("id", "secret");
        let refresh = SecretString::from("r".to_owned());
        assert_eq!(
            Grant::ClientCredentials.body(&credentials),
            serde_json::json!({"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"})
        );
        assert_eq!(
            Grant::RefreshToken(&refresh).body(&credentials),
            serde_json::json!({"grant_type": "refresh_token", "refresh_token": "r"})
        );
    }
}
