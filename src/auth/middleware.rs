//! [`AuthMiddleware`]: bearer tokens on every API request, and one replay after a 401.

use std::sync::Arc;
use std::time::Duration;

use http::Extensions;
use reqwest::header::AUTHORIZATION;
use reqwest::{Request, Response, StatusCode};
use reqwest_middleware::{Middleware, Next};

use super::Credentials;
use super::cache::{AccessToken, DEFAULT_REFRESH_MARGIN, TokenCache};
use super::source::OAuthSource;
use super::token_endpoint::TokenEndpoint;
use crate::Error;
use crate::retry::RetryPolicy;

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
}

impl AuthMiddleware {
    /// A middleware for the API at `base_url`, using `{base_url}/oauth2/token` and a default
    /// HTTP client.
    pub fn new(credentials: Credentials, base_url: &str) -> Result<Self, Error> {
        let loopback = reqwest::Url::parse(base_url).is_ok_and(|url| crate::wire::is_loopback(&url));
        let http = crate::client::http_client(None, None, None, loopback)?;
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
    /// [`crate::DEFAULT_TIMEOUT`]).
    pub(crate) timeout: Option<Duration>,
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
        let timeout = self.timeout.unwrap_or(crate::DEFAULT_TIMEOUT);
        let endpoint = TokenEndpoint {
            url: parse_api_url("token URL", &token_url, self.allow_plain_http)?,
            http,
            credentials,
            retry: self.retry,
            timeout,
        };
        let margin = self.refresh_margin.unwrap_or(DEFAULT_REFRESH_MARGIN);
        let cache = TokenCache::new(OAuthSource::new(endpoint), margin, self.retry, timeout);
        Ok(AuthMiddleware { cache, base })
    }
}

/// Parses a URL that tokens are sent to: `https`, or `http` only to a loopback host (such as a
/// local test server) unless `allow_plain_http` says otherwise, so a bearer token never crosses a
/// network in clear text.
pub(crate) fn parse_api_url(what: &str, url: &str, allow_plain_http: bool) -> Result<reqwest::Url, Error> {
    let parsed = reqwest::Url::parse(url).map_err(|e| Error::Config(format!("{what} {url:?}: {e}")))?;
    if parsed.host_str().is_none() {
        return Err(Error::Config(format!("{what} {url:?} has no host")));
    }
    let loopback = crate::wire::is_loopback(&parsed);
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback || allow_plain_http => Ok(parsed),
        "http" => Err(Error::Config(format!(
            "{what} {url:?} is plain http to a host that is not loopback; use https, or \
             the builder's allow_plain_http() to send tokens unencrypted"
        ))),
        _ => Err(Error::Config(format!("{what} {url:?} must be an http or https URL"))),
    }
}

#[async_trait::async_trait]
impl Middleware for AuthMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if !self.applies_to(&request) {
            return next.run(request, extensions).await;
        }
        let replay = crate::wire::copy_request(&request);
        let token = self.authorize(&mut request).await?;
        let response = next.clone().run(request, extensions).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(mut replay) = replay else {
            tracing::debug!("API answered 401; the request body cannot be replayed");
            return Ok(response);
        };
        tracing::debug!(url = %replay.url(), "API answered 401; renewing the token and replaying once");
        self.cache.discard(&token);
        self.authorize(&mut replay).await?;
        next.run(replay, extensions).await
    }
}

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

    #[test]
    fn plain_http_is_accepted_only_for_loopback_or_when_allowed() {
        for loopback in [
            "http://localhost:8080/v1",
            "http://127.0.0.1/v1",
            "http://127.1.2.3/v1",
            "http://[::1]:9/v1",
        ] {
            parse_api_url("base URL", loopback, false).unwrap();
        }
        for remote in [
            "http://api.example.com/v1",
            "http://10.0.0.1/v1",
            "http://localhost.example.com/v1",
        ] {
            assert!(parse_api_url("base URL", remote, false).is_err(), "{remote}");
            parse_api_url("base URL", remote, true).unwrap();
        }
        for broken in ["ftp://example.com/v1", "not a url", "file:///v1"] {
            assert!(parse_api_url("base URL", broken, true).is_err(), "{broken}");
        }
    }
}
