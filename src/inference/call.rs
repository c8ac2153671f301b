//! [`Call`]: one inference request being prepared, and how every request is sent.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use tokio::time::Instant;
use tracing::Instrument;

use super::InferenceClient;
use crate::Error;
use crate::types::ApiError;

/// One inference request, sent when awaited: a synchronous call, a stream or an asynchronous
/// submission, depending on the method that made it. `Out` is what awaiting it returns.
///
/// ```no_run
/// use std::time::Duration;
/// use datacrunch::inference::InferenceClient;
///
/// # async fn run(client: InferenceClient) -> Result<(), datacrunch::Error> {
/// let answer = client
///     .run_sync("predict", &serde_json::json!({"image": "..."}))
///     .method(reqwest::Method::PUT)
///     .header("x-request-id", "42")
///     .timeout(Duration::from_secs(30))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'c, Out> {
    client: &'c InferenceClient,
    method: Method,
    path: String,
    body: Result<Option<Bytes>, Error>,
    headers: Result<HeaderMap, Error>,
    timeout: Option<Duration>,
    prefer: Option<&'static str>,
    output: PhantomData<fn() -> Out>,
}

impl<Out> std::fmt::Debug for Call<'_, Out> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("prefer", &self.prefer)
            .finish_non_exhaustive()
    }
}

impl<'c, Out> Call<'c, Out> {
    /// A call of `path` with an optional JSON body and the `Prefer` value of its mode.
    pub(super) fn new(
        client: &'c InferenceClient,
        method: Method,
        path: &str,
        body: Option<Result<Bytes, Error>>,
        prefer: Option<&'static str>,
    ) -> Self {
        Self {
            client,
            method,
            path: path.to_owned(),
            body: body.transpose(),
            headers: Ok(HeaderMap::new()),
            timeout: None,
            prefer,
            output: PhantomData,
        }
    }

    /// Sets the HTTP method (default POST for calls with a body, GET without).
    pub fn method(mut self, method: reqwest::Method) -> Self {
        self.method = method;
        self
    }

    /// Adds a header to this call, replacing a default header of the same name. The
    /// `Authorization` header always carries the inference key, and the asynchronous modes set
    /// their own `Prefer`. A name or value that is not valid in a header fails the call when
    /// awaited.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        V: TryInto<HeaderValue>,
    {
        add_header(&mut self.headers, name, value);
        self
    }

    /// Adds headers to this call, as [`Call::header`] does for each. The map is copied, never
    /// changed.
    pub fn headers(mut self, headers: &HeaderMap) -> Self {
        if let Ok(own) = &mut self.headers {
            own.extend(headers.clone());
        }
        self
    }

    /// Sets how long this call may take, the answer's body included (default the client's,
    /// [`super::DEFAULT_INFERENCE_TIMEOUT`] unless set). For a stream, the limit covers the
    /// whole stream.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the call and checks its status.
    pub(super) async fn send(self) -> Result<Sent, Error> {
        let url = self.client.endpoint.join(&self.path)?;
        let mut headers = self.headers?;
        if let Some(prefer) = self.prefer {
            headers.insert("prefer", HeaderValue::from_static(prefer));
        }
        let outgoing = Outgoing {
            method: self.method,
            url,
            body: self.body?,
            headers,
            timeout: self.timeout,
        };
        self.client.execute(outgoing).await
    }
}

/// Inserts `name: value` into `headers`, or turns `headers` into the error if either is invalid.
/// The value is never printed: it may be a secret.
pub(super) fn add_header<K, V>(headers: &mut Result<HeaderMap, Error>, name: K, value: V)
where
    K: TryInto<HeaderName>,
    V: TryInto<HeaderValue>,
{
    let Ok(map) = headers else { return };
    let Ok(name) = name.try_into() else {
        *headers = Err(Error::InvalidRequest("a header name is not valid".into()));
        return;
    };
    match value.try_into() {
        Ok(value) => {
            map.insert(name, value);
        }
        Err(_) => {
            *headers = Err(Error::InvalidRequest(format!(
                "the value of header {name} is not valid"
            )))
        }
    }
}

/// The JSON encoding of a request body.
pub(super) fn json_body<B: serde::Serialize + ?Sized>(body: &B) -> Result<Bytes, Error> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::InvalidRequest(format!("the request body cannot be encoded as JSON: {e}")))
}

/// A request ready to send: everything but the client's own headers.
pub(super) struct Outgoing {
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) body: Option<Bytes>,
    pub(super) headers: HeaderMap,
    pub(super) timeout: Option<Duration>,
}

/// A successful answer whose body has not been read yet.
pub(super) struct Sent {
    pub(super) response: reqwest::Response,
    /// When the call started, to report the time waited if reading the body times out.
    pub(super) started: Instant,
    /// The largest body [`Sent::bytes`] reads.
    pub(super) max_body_size: usize,
    /// The longest line or event a stream of this answer accepts.
    pub(super) max_event_size: usize,
}

impl Sent {
    /// The whole body, up to the client's body size limit.
    pub(super) async fn bytes(self) -> Result<Bytes, Error> {
        let started = self.started;
        crate::wire::limit_body(self.response, self.max_body_size)
            .bytes()
            .await
            .map_err(|e| transport_error(e, started))
    }
}

impl InferenceClient {
    /// Sends a request with the client's headers and the inference key, inside an
    /// `inference_call` span (level DEBUG: method, path, status or error, attempts; never headers
    /// or bodies). An error status becomes [`Error::Api`].
    pub(super) async fn execute(&self, outgoing: Outgoing) -> Result<Sent, Error> {
        let started = Instant::now();
        let mut headers = self.default_headers.clone();
        if outgoing.body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.extend(outgoing.headers);
        headers.insert(AUTHORIZATION, self.authorization.clone());

        let span = tracing::debug_span!(
            "inference_call",
            method = %outgoing.method,
            path = outgoing.url.path(),
            status = tracing::field::Empty,
            error = tracing::field::Empty,
            attempts = 1,
        );
        let mut request = self.http.request(outgoing.method, outgoing.url).headers(headers);
        if let Some(timeout) = outgoing.timeout {
            request = request.timeout(timeout);
        }
        if let Some(body) = outgoing.body {
            request = request.body(body);
        }
        let result = request.send().instrument(span.clone()).await;
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                span.record("error", tracing::field::display(&error));
                return Err(failure(error, started));
            }
        };
        let status = response.status();
        span.record("status", status.as_u16());
        if status.is_redirection() {
            return Err(Error::unexpected(&response));
        }
        let sent = Sent {
            response,
            started,
            max_body_size: self.max_body_size,
            max_event_size: self.max_event_size,
        };
        if status.is_success() {
            return Ok(sent);
        }
        let body = sent.bytes().await?;
        let error = ApiError::from_body(&body);
        Err(Error::Api { status, error })
    }
}

/// The error of a request that got no answer.
fn failure(error: reqwest_middleware::Error, started: Instant) -> Error {
    match error {
        reqwest_middleware::Error::Reqwest(error) => transport_error(error, started),
        reqwest_middleware::Error::Middleware(error) => {
            Error::Middleware(Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(error)))
        }
    }
}

/// A transport failure; a timeout becomes [`Error::Timeout`] with the time since `started`, a
/// body over its limit [`Error::TooLarge`].
pub(super) fn transport_error(error: reqwest::Error, started: Instant) -> Error {
    if error.is_timeout() {
        Error::Timeout {
            waited: started.elapsed(),
        }
    } else {
        Error::from(error)
    }
}

/// A body that does not decode as expected.
pub(super) fn decode_error(error: serde_json::Error, body: &[u8]) -> Error {
    Error::decode(error.to_string(), body)
}
