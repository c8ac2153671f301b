//! [`InferenceClient`] and its builder: endpoint, inference key, timeouts, headers, retries.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest_middleware::ClientWithMiddleware;
use secrecy::zeroize::Zeroizing;
use serde::Serialize;

use super::call::{Call, add_header, json_body};
use super::endpoint::Endpoint;
use super::{AsyncInference, DEFAULT_INFERENCE_TIMEOUT, EventStream, InferenceResponse};
use crate::Error;
use crate::auth::{ExposeSecret, SecretString};
use crate::retry::{RetryMiddleware, RetryPolicy};
use crate::types::Deployment;

/// A client for one deployment's endpoint, authenticated with an inference key.
///
/// Cloning is cheap and shares the connection pool. `Debug` shows the endpoint, never the key.
///
/// ```
/// use datacrunch::inference::InferenceClient;
///
/// let client = InferenceClient::new("https://containers.datacrunch.io/my-llm", "s3cr3t-key")?;
/// assert_eq!(client.endpoint_base_url(), "https://containers.datacrunch.io/my-llm");
/// assert!(!format!("{client:?}").contains("s3cr3t"));
/// # Ok::<(), datacrunch::Error>(())
/// ```
#[derive(Clone)]
pub struct InferenceClient {
    pub(super) http: ClientWithMiddleware,
    pub(super) endpoint: Endpoint,
    /// `Bearer <key>`, marked sensitive.
    pub(super) authorization: HeaderValue,
    pub(super) default_headers: HeaderMap,
    pub(super) max_body_size: usize,
    pub(super) max_event_size: usize,
}

impl std::fmt::Debug for InferenceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InferenceClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("inference_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl InferenceClient {
    /// A client for `endpoint_base_url` (a deployment's, such as
    /// `https://containers.datacrunch.io/my-llm`) with the default settings.
    ///
    /// ```
    /// let client = datacrunch::inference::InferenceClient::new("https://containers.datacrunch.io/my-llm", "key")?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn new(endpoint_base_url: impl Into<String>, inference_key: impl Into<String>) -> Result<Self, Error> {
        Self::builder(endpoint_base_url, inference_key).build()
    }

    /// Starts building a client for `endpoint_base_url`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use datacrunch::inference::InferenceClient;
    /// use datacrunch::retry::RetryPolicy;
    ///
    /// let client = InferenceClient::builder("https://containers.datacrunch.io/my-llm", "key")
    ///     .timeout(Duration::from_secs(600))
    ///     .default_header("x-team", "vision")
    ///     .retry_policy(RetryPolicy::default().max_retries(1))
    ///     .build()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn builder(endpoint_base_url: impl Into<String>, inference_key: impl Into<String>) -> InferenceClientBuilder {
        InferenceClientBuilder {
            endpoint: endpoint_base_url.into(),
            key: SecretString::from(inference_key.into()),
            timeout: DEFAULT_INFERENCE_TIMEOUT,
            user_agent: None,
            headers: Ok(HeaderMap::new()),
            retry: RetryPolicy::default(),
            allow_plain_http: false,
            max_body_size: crate::DEFAULT_MAX_BODY_SIZE,
            max_event_size: super::DEFAULT_MAX_EVENT_SIZE,
        }
    }

    /// A client for a container deployment the management API returned, with the default
    /// settings. A deployment without an `endpoint_base_url` yet is an [`Error::Config`].
    ///
    /// ```no_run
    /// use datacrunch::inference::InferenceClient;
    ///
    /// # async fn run(api: datacrunch::Client) -> Result<(), datacrunch::Error> {
    /// let deployment = api.get_container_deployment_by_name().name("my-llm").send().await?;
    /// let llm = InferenceClient::from_deployment(&deployment, "my-inference-key")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_deployment(deployment: &Deployment, inference_key: impl Into<String>) -> Result<Self, Error> {
        match deployment.endpoint_base_url.as_deref().map(str::trim) {
            Some(endpoint) if !endpoint.is_empty() => Self::new(endpoint, inference_key),
            _ => Err(Error::Config(format!(
                "container deployment {:?} has no endpoint_base_url yet",
                deployment.name
            ))),
        }
    }

    /// The endpoint this client calls, without a trailing `/`.
    pub fn endpoint_base_url(&self) -> &str {
        self.endpoint.as_str()
    }

    /// A synchronous call: POSTs `body` as JSON to `path` under the endpoint and returns the
    /// container's answer as it is.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient) -> Result<(), datacrunch::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct Prediction { label: String }
    ///
    /// let answer = client.run_sync("predict", &serde_json::json!({"text": "great"})).await?;
    /// println!("{} {}", answer.status(), answer.json::<Prediction>()?.label);
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_sync<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Call<'_, InferenceResponse> {
        Call::new(self, Method::POST, path, Some(json_body(body)), None)
    }

    /// A streamed call: POSTs `body` as JSON to `path` and yields the answer as it arrives,
    /// event by event (see [`EventStream`]).
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn run(client: datacrunch::inference::InferenceClient) -> Result<(), datacrunch::Error> {
    /// let body = serde_json::json!({"model": "m", "prompt": "Hi", "stream": true});
    /// let mut events = client.stream("v1/completions", &body).await?;
    /// while let Some(event) = events.next().await {
    ///     let chunk: serde_json::Value = event?.json()?;
    ///     print!("{}", chunk["choices"][0]["text"].as_str().unwrap_or_default());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Call<'_, EventStream> {
        Call::new(self, Method::POST, path, Some(json_body(body)), None)
    }

    /// An asynchronous call: POSTs `body` as JSON to `path` with `Prefer: respond-async` and
    /// returns the queued inference's id at once. Poll it with [`InferenceClient::status`],
    /// [`InferenceClient::result`] or [`InferenceClient::wait`].
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient) -> Result<(), datacrunch::Error> {
    /// let job = client.run("generate", &serde_json::json!({"prompt": "a cat"})).await?;
    /// println!("queued as {}", job.id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn run<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Call<'_, AsyncInference> {
        Call::new(self, Method::POST, path, Some(json_body(body)), Some("respond-async"))
    }

    /// A call whose answer nobody will collect: POSTs `body` as JSON to `path` with
    /// `Prefer: respond-async-proxy` and returns the acknowledgement. There is no id to poll.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient) -> Result<(), datacrunch::Error> {
    /// client.fire_and_forget("warm-up", &serde_json::json!({})).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn fire_and_forget<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Call<'_, InferenceResponse> {
        Call::new(
            self,
            Method::POST,
            path,
            Some(json_body(body)),
            Some("respond-async-proxy"),
        )
    }

    /// A GET of `path` under the endpoint, without a body, such as a container's own health
    /// check path.
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient) -> Result<(), datacrunch::Error> {
    /// let models = client.get("v1/models").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, path: &str) -> Call<'_, InferenceResponse> {
        Call::new(self, Method::GET, path, None, None)
    }

    /// Checks the deployment's health: `GET {endpoint}/health`. An unhealthy answer is an
    /// [`Error::Api`].
    ///
    /// ```no_run
    /// # async fn run(client: datacrunch::inference::InferenceClient) -> Result<(), datacrunch::Error> {
    /// client.health().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn health(&self) -> Call<'_, InferenceResponse> {
        self.get("health")
    }
}

/// Configures and builds an [`InferenceClient`]. Building does no network I/O. `Debug` never
/// shows the key.
#[must_use]
#[derive(Debug)]
pub struct InferenceClientBuilder {
    endpoint: String,
    key: SecretString,
    timeout: Duration,
    user_agent: Option<String>,
    headers: Result<HeaderMap, Error>,
    retry: RetryPolicy,
    allow_plain_http: bool,
    max_body_size: usize,
    max_event_size: usize,
}

impl InferenceClientBuilder {
    /// Sets how long a call may take, its answer's body included (default
    /// [`DEFAULT_INFERENCE_TIMEOUT`]); [`super::Call::timeout`] overrides it for one call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Prefixes the `User-Agent` header with an identifier of your application.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Adds a header sent with every call. A name or value that is not valid in a header fails
    /// [`build`](Self::build).
    pub fn default_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        add_header(&mut self.headers, name, value);
        self
    }

    /// Sets how transient failures are retried (default [`RetryPolicy::default`]). Calls are
    /// POSTs, which are retried only when the request was never sent or the answer was 429;
    /// status and result polls are retried like any GET. See [`crate::retry`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Allows a plain `http://` endpoint whose host is not loopback. Without it, such an
    /// endpoint is refused, so that the key never crosses a network in clear text.
    pub fn allow_plain_http(mut self) -> Self {
        self.allow_plain_http = true;
        self
    }

    /// Sets the largest answer body read whole (synchronous results, asynchronous status and
    /// results, error bodies; default [`crate::DEFAULT_MAX_BODY_SIZE`]). A larger one is
    /// [`Error::TooLarge`], and no more of it is read.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Sets the longest line or event a streamed answer may hold (default
    /// [`DEFAULT_MAX_EVENT_SIZE`](super::DEFAULT_MAX_EVENT_SIZE), 16 MiB). A longer one is
    /// [`Error::TooLarge`] and ends the stream.
    ///
    /// ```
    /// let llm = datacrunch::inference::InferenceClient::builder("https://containers.datacrunch.io/my-llm", "key")
    ///     .max_event_size(1024 * 1024)
    ///     .build()?;
    /// # Ok::<(), datacrunch::Error>(())
    /// ```
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.max_event_size = bytes;
        self
    }

    /// Builds the client, checking the endpoint and the key.
    pub fn build(self) -> Result<InferenceClient, Error> {
        let endpoint = Endpoint::parse(&self.endpoint, self.allow_plain_http)?;
        let key = self.key.expose_secret().trim();
        if key.is_empty() {
            return Err(Error::Config("the inference key is empty".into()));
        }
        let bearer = Zeroizing::new(format!("Bearer {key}"));
        let mut authorization = HeaderValue::from_str(&bearer)
            .map_err(|_| Error::Config("the inference key has characters a header cannot carry".into()))?;
        authorization.set_sensitive(true);
        let default_headers = self.headers?;

        let loopback = reqwest::Url::parse(self.endpoint.trim()).is_ok_and(|url| crate::net::is_loopback(&url));
        let http = crate::net::http_client(Some(self.timeout), None, self.user_agent.as_deref(), loopback)?;
        let http = reqwest_middleware::ClientBuilder::new(http)
            .with(RetryMiddleware::new(self.retry))
            .build();
        Ok(InferenceClient {
            http,
            endpoint,
            authorization,
            default_headers,
            max_body_size: self.max_body_size,
            max_event_size: self.max_event_size,
        })
    }
}
