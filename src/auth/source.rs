//! Where tokens come from: the OAuth2 token endpoint, asked with the right grant.

use std::sync::{Mutex, PoisonError};

use super::cache::{AccessToken, TokenSource};
use super::token_endpoint::{Grant, TokenEndpoint};
use secrecy::SecretString;

use super::AuthError;

/// Obtains tokens with the refresh grant while it holds a refresh token, and with client
/// credentials otherwise or when the server rejects the refresh token. The provider rotates
/// refresh tokens, so the newest one replaces the last.
#[derive(Debug)]
pub(crate) struct OAuthSource {
    endpoint: TokenEndpoint,
    /// Only one fetch runs at a time (the cache sees to it); the lock is never held across I/O.
    refresh_token: Mutex<Option<SecretString>>,
}

impl OAuthSource {
    pub(crate) fn new(endpoint: TokenEndpoint) -> Self {
        Self {
            endpoint,
            refresh_token: Mutex::new(None),
        }
    }

    pub(crate) fn token_url(&self) -> &reqwest::Url {
        &self.endpoint.url
    }

    fn refresh_token(&self) -> std::sync::MutexGuard<'_, Option<SecretString>> {
        self.refresh_token.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TokenSource for OAuthSource {
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let held = self.refresh_token().clone();
        let issued = match &held {
            None => self.endpoint.request(Grant::ClientCredentials).await,
            Some(refresh_token) => match self.endpoint.request(Grant::RefreshToken(refresh_token)).await {
                // Anything but a transient failure (a rejection, 403, 404, a malformed answer)
                // means the refresh token is of no more use: fall back rather than keep it.
                Err(error) if !matches!(error, AuthError::Unavailable { .. } | AuthError::Timeout { .. }) => {
                    tracing::debug!(%error, "the refresh grant failed; requesting a new token with client credentials");
                    *self.refresh_token() = None;
                    self.endpoint.request(Grant::ClientCredentials).await
                }
                other => other,
            },
        }?;
        if issued.refresh_token.is_some() {
            *self.refresh_token() = issued.refresh_token;
        }
        AccessToken::bearer(&issued.access_token, issued.expires_at, issued.lifetime)
    }
}
