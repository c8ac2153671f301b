//! [`AuthMiddleware`]: bearer tokens on every API request, and one replay after a 401.

use std::sync::Arc;
use std::time::Duration;

use http::Extensions;
use reqwest::header::AUTHORIZATION;
use reqwest::{Request, Response, StatusCode};

use super::Credentials;
use super::cache::{AccessToken, DEFAULT_REFRESH_MARGIN, TokenCache};
use super::source::OAuthSource;
use super::token_endpoint::TokenEndpoint;
use crate::Error;
use crate::layer::{Inner, Repeat};
use crate::net::{DEFAULT_TIMEOUT, http_client, is_loopback, parse_api_url};
use crate::retry::{ResendOnce, Resending, RetryPolicy};

/// A [`reqwest_middleware::Middleware`] that authenticates requests to the API.
///
/// - Puts `Authorization: Bearer <token>` on every request to the base URL's origin (scheme,
///   host and port) and on no other, so the token never leaks to another host.
/// - Fetches the first token on the first request and lets only one token request run at a time.
///   Before the token expires, renews it in the background (with the refresh grant, falling back
///   to client credentials) while requests go on with the current token; a failed renewal is
///   retried after a backoff.
/// - When the API answers 401, discards the token, obtains a new one and replays the request
///   once. A second 401 is returned to the caller.
///
/// [`crate::Client`] installs it when credentials are set. It can also be put on your own
/// `ClientWithMiddleware` for hand-written calls:
///
/// ```
/// use datacrunch::auth::{AuthMiddleware, Credentials};
///
/// let auth = AuthMiddleware::new(Credentials::new("id", "secret"), "https://api.verda.com/v1")?;
/// let plain = datacrunch::tls::configure(reqwest::Client::builder())?.build().unwrap();
/// let http = reqwest_middleware::ClientBuilder::new(plain).with(auth).build();
/// # Ok::<(), datacrunch::Error>(())
/// ```
#[derive(Debug)]
pub struct AuthMiddleware {
    cache: TokenCache<OAuthSource>,
    /// The base URL, whose scheme, host and port decide which requests get the token.
    base: reqwest::Url,
    /// Who sends a request again after a 401.
    replay: Replayer,
}

/// Who sends a request again after the API answered it 401.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Replayer {
    /// This layer, from a copy it makes of every request: it works in any stack.
    #[default]
    Itself,
    /// The retry layer right outside this one, from the copy it keeps of every request anyway
    /// (see `retry::resend`), so that a call keeps one copy. [`crate::Client`]'s stack, whose
    /// retry layer is on, is built so.
    RetryLayer,
}

/// What the auth layer does if the API answers a request 401.
enum OnUnauthorized {
    /// Sends the request again with a new token: this copy of it, or (`None`) the request built
    /// again ([`Repeat`]). Boxed: held in every call's future, and [`crate::Client`]'s stack
    /// (whose retry layer resends) never keeps one.
    Replay(Option<Box<Request>>),
    /// Asks the retry layer to send the request again (it puts the new token on it then).
    AskForResend,
    /// Returns the 401: the request was already the resend.
    Return,
    /// Returns the 401: the request's body is a stream, which cannot be sent twice.
    CannotReplay,
}

impl AuthMiddleware {
    /// A middleware for the API at `base_url`, using `{base_url}/oauth2/token` and a default
    /// HTTP client.
    pub fn new(credentials: Credentials, base_url: &str) -> Result<Self, Error> {
        let loopback = reqwest::Url::parse(base_url).is_ok_and(|url| is_loopback(&url));
        let http = http_client(None, None, None, loopback)?;
        AuthOptions::default().build(credentials, base_url, http)
    }

    /// The token endpoint this middleware uses.
    pub fn token_url(&self) -> &str {
        self.cache.source().token_url().as_str()
    }

    /// Puts the current token on `request` and returns it.
    async fn authorize(&self, request: &mut Request) -> reqwest_middleware::Result<Arc<AccessToken>> {
        let token = self
            .cache
            .token()
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        request.headers_mut().insert(AUTHORIZATION, token.header.clone());
        Ok(token)
    }

    fn applies_to(&self, request: &Request) -> bool {
        let url = request.url();
        let same_origin = url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default();
        same_origin && url != self.cache.source().token_url()
    }
}

/// Token settings that [`crate::ClientBuilder`] collects before it builds the middleware.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuthOptions {
    pub(crate) token_url: Option<String>,
    pub(crate) refresh_margin: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) allow_plain_http: bool,
    /// How long a token may take to arrive (the client's request timeout; default
    /// [`DEFAULT_TIMEOUT`]).
    pub(crate) timeout: Option<Duration>,
    /// Who sends a request again after a 401.
    pub(crate) replay: Replayer,
}

impl AuthOptions {
    pub(crate) fn build(
        self,
        credentials: Credentials,
        base_url: &str,
        http: reqwest::Client,
    ) -> Result<AuthMiddleware, Error> {
        let base = parse_api_url("base URL", base_url, self.allow_plain_http)?;
        let token_url = match self.token_url {
            Some(url) => url,
            None => format!("{}/oauth2/token", base_url.trim_end_matches('/')),
        };
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let endpoint = TokenEndpoint {
            url: parse_api_url("token URL", &token_url, self.allow_plain_http)?,
            http,
            credentials,
            retry: self.retry,
            timeout,
        };
        let margin = self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN);
        let cache = TokenCache::new(OAuthSource::new(endpoint), margin, self.retry, timeout);
        Ok(AuthMiddleware {
            cache,
            base,
            replay: self.replay,
        })
    }
}

impl AuthMiddleware {
    /// Sends `request` through `inner` with the current token, and deals with a 401 by
    /// [`Replayer`]; when this layer replays, it gets the request again from `repeat`.
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
        mut request: Request,
        repeat: Repeat<'a>,
        extensions: Option<&'a mut Extensions>,
        inner: impl Inner + 'a,
    ) -> impl Future<Output = reqwest_middleware::Result<Response>> + Send + 'a {
        async move {
            let mut own = Extensions::new();
            let extensions = extensions.unwrap_or(&mut own);
            if !self.applies_to(&request) {
                return inner.send(request, extensions).await;
            }
            let on_unauthorized = match self.replay {
                _ if extensions.get::<Resending>().is_some() => OnUnauthorized::Return,
                _ if !crate::wire::can_copy(&request) => OnUnauthorized::CannotReplay,
                Replayer::RetryLayer => OnUnauthorized::AskForResend,
                Replayer::Itself => {
                    let (sent, kept) = repeat.keep(request);
                    request = sent;
                    OnUnauthorized::Replay(kept.map(Box::new))
                }
            };
            let token = self.authorize(&mut request).await?;
            let mut response = inner.clone().send(request, extensions).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            let renew = || {
                tracing::debug!(url = %response.url(), "API answered 401; renewing the token and replaying once");
                self.cache.discard(&token);
            };
            let replay = match on_unauthorized {
                OnUnauthorized::Return => return Ok(response),
                OnUnauthorized::CannotReplay => {
                    tracing::debug!("API answered 401; the request body cannot be replayed");
                    return Ok(response);
                }
                OnUnauthorized::AskForResend => {
                    renew();
                    response.extensions_mut().insert(ResendOnce);
                    return Ok(response);
                }
                OnUnauthorized::Replay(kept) => {
                    renew();
                    match repeat.next(kept.map(|copy| *copy)) {
                        Some(request) => request,
                        None => return Ok(response),
                    }
                }
            };
            // The replay's state lives in a future of its own, on the path few calls take.
            drop(response);
            Box::pin(self.send_with_new_token(replay, extensions, inner)).await
        }
    }

    /// Sends `request` again with a new token (the old one was discarded after a 401).
    async fn send_with_new_token(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        inner: impl Inner,
    ) -> reqwest_middleware::Result<Response> {
        self.authorize(&mut request).await?;
        inner.send(request, extensions).await
    }
}

crate::layer::middleware_by_send!(AuthMiddleware);

#[cfg(test)]
mod tests {
    use super::*;

    fn middleware(base_url: &str) -> AuthMiddleware {
        AuthMiddleware::new(Credentials::new("id", "secret"), base_url).unwrap()
    }

    fn request(url: &str) -> Request {
        Request::new(reqwest::Method::GET, url.parse().unwrap())
    }

    #[test]
    fn the_token_goes_only_to_the_base_urls_origin_and_never_to_the_token_endpoint() {
        let auth = middleware("https://api.verda.com/v1");
        for ours in [
            "https://api.verda.com/v1/balance",
            "https://api.verda.com:443/v1/instances",
            "https://api.verda.com/other",
        ] {
            assert!(auth.applies_to(&request(ours)), "{ours}");
        }
        for theirs in [
            "http://api.verda.com/v1/balance",
            "https://api.verda.com:8443/v1/balance",
            "https://evil.example.com/v1/balance",
            "https://api.verda.com.evil.example.com/v1",
            "https://api.verda.com/v1/oauth2/token",
        ] {
            assert!(!auth.applies_to(&request(theirs)), "{theirs}");
        }
    }
}
