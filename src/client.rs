//! Building a [`Client`]: base URL, timeouts, middleware.

use std::sync::Arc;
use std::time::Duration;

use reqwest_middleware::Middleware;

use crate::auth::{AuthOptions, Credentials};
use crate::retry::{RetryMiddleware, RetryPolicy};
use crate::transport::Transport;
use crate::{Client, Error};

/// The API's current base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.verda.com/v1";

/// The API's base URL before the provider's rename to Verda; it serves the same API.
pub const LEGACY_BASE_URL: &str = "https://api.datacrunch.io/v1";

/// How long a whole request may take before it fails, unless set with [`ClientBuilder::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting may take, unless set with [`ClientBuilder::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Client {
    /// Starts building a client for [`DEFAULT_BASE_URL`].
    ///
    /// ```
    /// use datacrunch::ClientInfo as _;
    ///
    /// let client = datacrunch::Client::builder()
    ///     .base_url("https://api-staging.example.com/v1")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.baseurl(), "https://api-staging.example.com/v1");
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from the environment: `DATACRUNCH_CLIENT_ID` and
    /// `DATACRUNCH_CLIENT_SECRET` (or the provider's newer names `VERDA_CLIENT_ID` and
    /// `VERDA_CLIENT_SECRET`), and optionally `DATACRUNCH_BASE_URL` (or `VERDA_BASE_URL`). The
    /// `DATACRUNCH_*` name wins when both are set.
    ///
    /// ```no_run
    /// let client = datacrunch::Client::from_env()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Self::builder().from_env()?.build()
    }
}

/// Reads the first set, non-empty variable of `names`.
fn env_var(names: [&str; 2]) -> Option<String> {
    names
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
}

/// Configures and builds a [`Client`]. Building does no network I/O.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    middleware: Vec<Arc<dyn Middleware>>,
    credentials: Option<Credentials>,
    auth: AuthOptions,
    retry: RetryPolicy,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("middleware", &self.middleware.len())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sets the API base URL, including the `/v1` path (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets how long a whole request may take (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how long connecting may take (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Prefixes the `User-Agent` header with an identifier of your application.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Authenticates with an API client's id and secret (see [`crate::auth`]). Without
    /// credentials, requests are sent unauthenticated.
    pub fn credentials(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::new(client_id, client_secret));
        self
    }

    /// Sets the token endpoint (default `{base_url}/oauth2/token`).
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        self.auth.token_url = Some(token_url.into());
        self
    }

    /// Sets how long before expiry a token is renewed (default
    /// [`crate::auth::DEFAULT_REFRESH_MARGIN`], at most half the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.auth.refresh_margin = Some(margin);
        self
    }

    /// Sets how transient failures are retried, for API calls and token requests alike (default
    /// [`RetryPolicy::default`]; [`RetryPolicy::none`] turns retries off). See [`crate::retry`]
    /// for which failures are retried.
    ///
    /// ```
    /// use datacrunch::retry::RetryPolicy;
    ///
    /// let client = datacrunch::Client::builder().retry_policy(RetryPolicy::none()).build()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets how many times a request may be retried, keeping the rest of the retry policy
    /// (default 3; 0 turns retries off).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// Allows a plain `http://` base URL or token URL whose host is not loopback. Without it,
    /// such a URL is refused when building, so that no token crosses a network in clear text.
    pub fn allow_plain_http(mut self) -> Self {
        self.auth.allow_plain_http = true;
        self
    }

    /// Takes credentials and base URL from the environment, as [`Client::from_env`] describes.
    /// A missing credential variable is an [`Error::Config`] that names it.
    pub fn from_env(mut self) -> Result<Self, Error> {
        let missing =
            |name: &str, alias: &str| Error::Config(format!("environment variable {name} (or {alias}) is not set"));
        let id = env_var(["DATACRUNCH_CLIENT_ID", "VERDA_CLIENT_ID"])
            .ok_or_else(|| missing("DATACRUNCH_CLIENT_ID", "VERDA_CLIENT_ID"))?;
        let secret = env_var(["DATACRUNCH_CLIENT_SECRET", "VERDA_CLIENT_SECRET"])
            .ok_or_else(|| missing("DATACRUNCH_CLIENT_SECRET", "VERDA_CLIENT_SECRET"))?;
        if let Some(base_url) = env_var(["DATACRUNCH_BASE_URL", "VERDA_BASE_URL"]) {
            self.base_url = Some(base_url);
        }
        Ok(self.credentials(id, secret))
    }

    /// Adds a middleware. Middleware run in the order added, before retries and authentication,
    /// so each sees a call once and never sees the bearer token.
    ///
    /// ```
    /// use reqwest_middleware::{Middleware, Next, Result};
    ///
    /// struct Log;
    ///
    /// #[async_trait::async_trait]
    /// impl Middleware for Log {
    ///     async fn handle(&self, req: reqwest::Request, ext: &mut http::Extensions, next: Next<'_>) -> Result<reqwest::Response> {
    ///         println!("{} {}", req.method(), req.url());
    ///         next.run(req, ext).await
    ///     }
    /// }
    ///
    /// let client = datacrunch::Client::builder().with(Log).build().unwrap();
    /// ```
    pub fn with(mut self, middleware: impl Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// Builds the client, checking the configuration.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self
            .base_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
            .to_owned();
        crate::auth::parse_api_url("base URL", &base_url, self.auth.allow_plain_http)?;

        let http = http_client(self.timeout, self.connect_timeout, self.user_agent.as_deref())?;

        let mut stack = reqwest_middleware::ClientBuilder::new(http.clone());
        for middleware in self.middleware {
            stack = stack.with_arc(middleware);
        }
        if !self.retry.is_off() {
            stack = stack.with(RetryMiddleware::new(self.retry));
        }
        if let Some(credentials) = self.credentials {
            let auth = AuthOptions {
                retry: self.retry,
                ..self.auth
            };
            stack = stack.with(auth.build(credentials, &base_url, http.clone())?);
        }
        let transport = Transport { http: stack.build() };
        Ok(Client::new_with_client(&base_url, http, transport))
    }
}

/// The `reqwest::Client` behind a [`Client`] and its token requests: the given timeouts (or the
/// defaults) and a `User-Agent` of `[<app> ]datacrunch-rust/<version>`.
pub(crate) fn http_client(
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    app_agent: Option<&str>,
) -> Result<reqwest::Client, Error> {
    let sdk_agent = concat!("datacrunch-rust/", env!("CARGO_PKG_VERSION"));
    let user_agent = match app_agent {
        Some(app) => format!("{app} {sdk_agent}"),
        None => sdk_agent.to_owned(),
    };
    reqwest::Client::builder()
        .timeout(timeout.unwrap_or(DEFAULT_TIMEOUT))
        .connect_timeout(connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
        .user_agent(user_agent)
        .build()
        .map_err(|e| Error::Config(format!("HTTP client: {e}")))
}
