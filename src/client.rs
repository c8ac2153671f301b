//! Building a [`Client`]: base URL, timeouts, middleware.

use std::sync::Arc;
use std::time::Duration;

use reqwest_middleware::Middleware;

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
    /// let client = datacrunch::Client::builder()
    ///     .base_url("https://api-staging.example.com/v1")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.baseurl(), "https://api-staging.example.com/v1");
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
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

    /// Adds a middleware. Middleware run in the order added, before authentication, so they
    /// never see the bearer token.
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
        let parsed =
            reqwest::Url::parse(&base_url).map_err(|e| Error::Config(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(Error::Config(format!(
                "base URL {base_url:?} must be an http or https URL with a host"
            )));
        }

        let sdk_agent = concat!("datacrunch-rust/", env!("CARGO_PKG_VERSION"));
        let user_agent = match &self.user_agent {
            Some(app) => format!("{app} {sdk_agent}"),
            None => sdk_agent.to_owned(),
        };
        let http = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .user_agent(user_agent)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;

        let mut stack = reqwest_middleware::ClientBuilder::new(http.clone());
        for middleware in self.middleware {
            stack = stack.with_arc(middleware);
        }
        let transport = Transport { http: stack.build() };
        Ok(Client::new_with_client(&base_url, http, transport))
    }
}
