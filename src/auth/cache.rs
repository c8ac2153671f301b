//! The access-token cache: one token shared by all clones of a client, renewed by at most one
//! request at a time.
//!
//! Readers take a short `std` read lock and clone an `Arc`. A caller that finds no usable token
//! takes the async `refresh` lock, which is held across the token request, and looks again
//! before fetching: callers that queued behind a refresh use its result instead of fetching
//! their own (single flight).

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use super::token_endpoint::{Grant, IssuedToken, TokenEndpoint};
use super::{AuthError, SecretString};

/// The default time before expiry at which a token is renewed.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// An access token ready to put on requests.
pub(crate) struct CachedToken {
    /// `Bearer <token>`, marked sensitive so `Debug` of headers hides it.
    pub(crate) header: HeaderValue,
    expires_at: Instant,
    /// When to renew: `margin` before expiry, but never earlier than half-way through the
    /// token's life, so short-lived tokens are not renewed on every call.
    renew_at: Instant,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl CachedToken {
    fn new(issued: &IssuedToken, margin: Duration) -> Result<Self, AuthError> {
        let mut header = HeaderValue::try_from(format!("Bearer {}", issued.access_token.expose())).map_err(|_| {
            AuthError::MalformedResponse {
                status: http::StatusCode::OK,
                reason: "access_token contains characters not allowed in an HTTP header".to_owned(),
            }
        })?;
        header.set_sensitive(true);
        let margin = margin.min(issued.lifetime / 2);
        Ok(Self {
            header,
            expires_at: issued.expires_at,
            renew_at: issued.expires_at - margin,
        })
    }
}

/// The cache. See the module documentation.
#[derive(Debug)]
pub(crate) struct TokenCache {
    endpoint: TokenEndpoint,
    margin: Duration,
    current: RwLock<Option<Arc<CachedToken>>>,
    /// Held while a token request is in flight; holds the latest refresh token.
    refresh: tokio::sync::Mutex<Option<SecretString>>,
}

impl TokenCache {
    pub(crate) fn new(endpoint: TokenEndpoint, margin: Duration) -> Self {
        Self {
            endpoint,
            margin,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(None),
        }
    }

    pub(crate) fn token_url(&self) -> &reqwest::Url {
        &self.endpoint.url
    }

    /// A token that is not due for renewal, fetching one if needed.
    pub(crate) async fn token(&self) -> Result<Arc<CachedToken>, AuthError> {
        if let Some(token) = self.usable(Instant::now()) {
            return Ok(token);
        }
        let mut refresh_token = self.refresh.lock().await;
        if let Some(token) = self.usable(Instant::now()) {
            return Ok(token); // another caller renewed it while we waited
        }
        match self.fetch(&mut refresh_token).await {
            Ok(issued) => {
                let token = Arc::new(CachedToken::new(&issued, self.margin)?);
                if issued.refresh_token.is_some() {
                    *refresh_token = issued.refresh_token; // the provider rotates refresh tokens
                }
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
                Ok(token)
            }
            // A renewal that fails while the old token still works is not the caller's problem yet.
            Err(error) => match self.current().filter(|token| Instant::now() < token.expires_at) {
                Some(still_valid) => {
                    tracing::warn!(%error, "token renewal failed; using the current token until it expires");
                    Ok(still_valid)
                }
                None => Err(error),
            },
        }
    }

    /// Forgets `rejected` after the API answered 401 to it, unless it was already replaced.
    pub(crate) fn discard(&self, rejected: &Arc<CachedToken>) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|token| Arc::ptr_eq(token, rejected)) {
            *current = None;
        }
    }

    fn current(&self) -> Option<Arc<CachedToken>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn usable(&self, now: Instant) -> Option<Arc<CachedToken>> {
        self.current().filter(|token| now < token.renew_at)
    }

    /// The refresh grant when a refresh token is held, falling back to client credentials when
    /// the server rejects it.
    async fn fetch(&self, refresh_token: &mut Option<SecretString>) -> Result<IssuedToken, AuthError> {
        let Some(held) = refresh_token.as_ref() else {
            return self.endpoint.request(Grant::ClientCredentials, None).await;
        };
        match self.endpoint.request(Grant::RefreshToken, Some(held)).await {
            Err(AuthError::InvalidCredentials { .. } | AuthError::BadRequest { .. }) => {
                tracing::debug!("refresh token rejected; requesting a new token with client credentials");
                *refresh_token = None;
                self.endpoint.request(Grant::ClientCredentials, None).await
            }
            other => other,
        }
    }
}
