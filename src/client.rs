//! Building a [`Client`]: base URL, timeouts, middleware.

use std::sync::Arc;
use std::time::Duration;

use reqwest_middleware::Middleware;

use crate::auth::{AuthOptions, Credentials, Replayer};
use crate::config::{Environment, profile};
use crate::net::{http_client, is_loopback, parse_api_url};
use crate::retry::{RetryMiddleware, RetryPolicy};
use crate::transport::{ClientLayers, Transport};
use crate::{Client, Error};

/// The API's current base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.verda.com/v1";

/// The API's base URL before the provider's rename to Verda; it serves the same API.
pub const LEGACY_BASE_URL: &str = "https://api.datacrunch.io/v1";

/// The largest API answer body the client reads, unless set with
/// [`ClientBuilder::max_body_size`]: 64 MiB, far above any answer the API sends.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024 * 1024;

pub use crate::net::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};

/// # Building a client
///
/// Hand-written: a builder, the environment or a profile of the CLI's credentials file; the
/// base URL and the HTTP stack of a client.
impl Client {
    /// Starts building a client for [`DEFAULT_BASE_URL`].
    ///
    /// ```
    /// let client = datacrunch::Client::builder()
    ///     .base_url("https://api-staging.example.com/v1")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.base_url(), "https://api-staging.example.com/v1");
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL every call goes to, such as [`DEFAULT_BASE_URL`].
    pub fn base_url(&self) -> &str {
        &self.baseurl
    }

    /// The client's HTTP stack (authentication, retries and your middleware), for a hand-written
    /// request the generated methods do not cover.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let url = format!("{}/balance", client.base_url());
    /// let answer = client.http().get(url).send().await?;
    /// println!("{}", answer.status());
    /// # Ok(())
    /// # }
    /// ```
    pub fn http(&self) -> &reqwest_middleware::ClientWithMiddleware {
        &self.inner.http
    }

    /// Builds a client from the environment, as [`ClientBuilder::from_env`] describes.
    ///
    /// ```no_run
    /// let client = datacrunch::Client::from_env()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Self::builder().from_env()?.build()
    }

    /// Builds a client from a profile of the CLI's credentials file, as
    /// [`ClientBuilder::profile`] describes.
    ///
    /// ```no_run
    /// let staging = datacrunch::Client::from_profile("staging")?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn from_profile(name: &str) -> Result<Client, Error> {
        Self::builder().profile(name)?.build()
    }
}

/// The value of the first of `names` that is set and not blank.
fn first_var(env: &Environment, names: [&str; 2]) -> Option<String> {
    names.into_iter().find_map(|name| env.var(name))
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
    http: Option<reqwest::Client>,
    environment: Environment,
    max_body_size: Option<usize>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("own_http_client", &self.http.is_some())
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

    /// Sends every request, token requests included, with your own `reqwest::Client`: custom
    /// root certificates, a proxy, a shared connection pool. Its timeouts, `User-Agent`, TLS,
    /// proxy and redirect settings then apply; [`connect_timeout`](Self::connect_timeout) and
    /// [`user_agent`](Self::user_agent) are ignored, while [`timeout`](Self::timeout) still
    /// bounds each token request and every wait for a token.
    ///
    /// reqwest's default client follows up to 10 redirects (re-sending the body on 307 and
    /// 308, which for a token request holds the secret) and uses `HTTP_PROXY` even for loopback.
    /// The client this builder makes does neither; give yours
    /// `.redirect(reqwest::redirect::Policy::none())`, and `.no_proxy()` for a local server, to
    /// keep those guarantees.
    ///
    /// With the default features, build it through [`crate::tls::configure`], which gives it the
    /// SDK's TLS stack (reqwest alone has no rustls provider then):
    ///
    /// ```
    /// let http = datacrunch::tls::configure(reqwest::Client::builder())?
    ///     .timeout(std::time::Duration::from_secs(30))
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .unwrap();
    /// let client = datacrunch::Client::builder().http_client(http).build()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sets the largest answer body read (default [`DEFAULT_MAX_BODY_SIZE`]). A larger answer
    /// is [`Error::TooLarge`], and no more of it is read than the limit.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
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

    /// Reads environment variables and the credentials file from `environment` instead of the
    /// process (see [`Environment`]); set it before [`from_env`](Self::from_env) or
    /// [`profile`](Self::profile).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Takes credentials and base URL from the environment, in this order of precedence:
    ///
    /// 1. `DATACRUNCH_CLIENT_ID` and `DATACRUNCH_CLIENT_SECRET`, or the provider's newer names
    ///    `VERDA_CLIENT_ID` and `VERDA_CLIENT_SECRET` (the `DATACRUNCH_*` name wins when both are
    ///    set);
    /// 2. when neither credential variable is set, the CLI's credentials file (see
    ///    [`profile`](Self::profile)), profile `VERDA_PROFILE`, else `default`, else its only one.
    ///
    /// The base URL comes from `DATACRUNCH_BASE_URL` (or `VERDA_BASE_URL`), else the profile's
    /// `verda_base_url`, else the default. A missing credential is an [`Error::Config`] naming
    /// the variable. Builder methods called afterwards override what this set.
    pub fn from_env(mut self) -> Result<Self, Error> {
        let missing =
            |name: &str, alias: &str| Error::Config(format!("environment variable {name} (or {alias}) is not set"));
        let id = first_var(&self.environment, ["DATACRUNCH_CLIENT_ID", "VERDA_CLIENT_ID"]);
        let secret = first_var(&self.environment, ["DATACRUNCH_CLIENT_SECRET", "VERDA_CLIENT_SECRET"]);
        self = match (id, secret) {
            (Some(id), Some(secret)) => self.credentials(id, secret),
            (None, None) => match profile::load(&self.environment, None)? {
                Some(profile) => self.with_profile(profile),
                None => {
                    let looked_at = profile::looked_at(&self.environment);
                    return Err(Error::Config(format!(
                        "environment variable DATACRUNCH_CLIENT_ID (or VERDA_CLIENT_ID) is not set, and there \
                         is no credentials file ({looked_at})"
                    )));
                }
            },
            (None, Some(_)) => return Err(missing("DATACRUNCH_CLIENT_ID", "VERDA_CLIENT_ID")),
            (Some(_), None) => return Err(missing("DATACRUNCH_CLIENT_SECRET", "VERDA_CLIENT_SECRET")),
        };
        if let Some(base_url) = first_var(&self.environment, ["DATACRUNCH_BASE_URL", "VERDA_BASE_URL"]) {
            self.base_url = Some(base_url);
        }
        Ok(self)
    }

    /// Takes credentials and base URL from profile `name` of the credentials file the provider's
    /// CLI writes: `VERDA_SHARED_CREDENTIALS_FILE`, else `$VERDA_HOME/credentials`, else
    /// `~/.verda/credentials`. It is an INI file with a section per profile holding
    /// `verda_client_id`, `verda_client_secret` and optionally `verda_base_url`. A file that other
    /// users can read is used, with a warning in the log.
    ///
    /// ```no_run
    /// let client = datacrunch::Client::builder().profile("staging")?.build()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn profile(self, name: &str) -> Result<Self, Error> {
        match profile::load(&self.environment, Some(name))? {
            Some(profile) => Ok(self.with_profile(profile)),
            None => Err(Error::Config(format!(
                "profile [{name}]: no credentials file ({})",
                profile::looked_at(&self.environment)
            ))),
        }
    }

    fn with_profile(mut self, profile: profile::Profile) -> Self {
        self.credentials = Some(profile.credentials);
        if profile.base_url.is_some() {
            self.base_url = profile.base_url;
        }
        self
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
        let parsed = parse_api_url("base URL", &base_url, self.auth.allow_plain_http)?;

        let http = match self.http {
            Some(http) => http,
            None => http_client(
                self.timeout,
                self.connect_timeout,
                self.user_agent.as_deref(),
                is_loopback(&parsed),
            )?,
        };

        let retries = !self.retry.is_off();
        let auth = match self.credentials {
            Some(credentials) => {
                let options = AuthOptions {
                    retry: self.retry,
                    timeout: self.timeout,
                    // The retry layer, when there is one, is right outside: it resends a 401 from
                    // its own copy.
                    replay: if retries {
                        Replayer::RetryLayer
                    } else {
                        Replayer::Itself
                    },
                    ..self.auth
                };
                Some(options.build(credentials, &base_url, http.clone())?)
            }
            None => None,
        };
        let layers = Arc::new(ClientLayers {
            retry: retries.then(|| RetryMiddleware::new(self.retry)),
            auth,
        });
        let direct = self.middleware.is_empty().then(|| layers.clone());
        let mut stack = reqwest_middleware::ClientBuilder::new(http.clone());
        for middleware in self.middleware {
            stack = stack.with_arc(middleware);
        }
        let transport = Transport {
            http: stack.with_arc(layers).build(),
            direct,
            max_body_size: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
        };
        Ok(Client::new_with_client(&base_url, http, transport))
    }
}
