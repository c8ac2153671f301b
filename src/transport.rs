//! How the generated client sends requests: through a middleware stack, with the API's
//! non-JSON bodies made decodable.
//!
//! progenitor builds each request with a plain `reqwest::Client` and hands it to
//! [`ClientHooks::exec`]; this module sends it through the SDK's own layers ([`ClientLayers`]:
//! retries, then authentication) instead, after any middleware the caller added. Without such
//! middleware the layers are called directly, as generic code (see `crate::layer`); with it, the
//! call goes through a [`ClientWithMiddleware`] whose last layer is [`ClientLayers`].

use std::error::Error as StdError;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::Either;
use http::Extensions;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest_middleware::ClientWithMiddleware;
use tracing::Instrument;

use crate::Client;
use crate::auth::{AuthError, AuthMiddleware};
use crate::error::MiddlewareFailure;
use crate::layer::{Inner, Rebuild, Repeat};
use crate::retry::RetryMiddleware;

/// The per-client state progenitor keeps beside its `reqwest::Client`: the layers every request
/// goes through.
#[derive(Clone, Debug)]
pub struct Transport {
    /// The whole stack: the caller's middleware, then [`ClientLayers`] as one middleware.
    pub(crate) http: ClientWithMiddleware,
    /// The SDK's own layers, called directly (without `http`) when the caller added no
    /// middleware: the same layers, in the same order, with no boxed future of their own.
    pub(crate) direct: Option<Arc<ClientLayers>>,
    /// The largest answer body read.
    pub(crate) max_body_size: usize,
}

/// The client's hooks: only `exec` is its own. The `pre` hook stays progenitor's, which does
/// nothing: a request the layers build again (see [`Client::exec_rebuilding`]) does not pass
/// through it a second time.
impl ClientHooks<Transport> for Client {
    /// Sends one API call through the client's layers, inside an `api_call` span.
    ///
    /// The span (level DEBUG) carries the `operation` id (also as `otel.name`, which OpenTelemetry
    /// exporters use as the span's name), `method`, `path`, and once the call ends `status`,
    /// or `error`, `attempts` (recorded by the retry layer) and `duration_ms`. It never records headers or
    /// bodies, so no token or secret can reach a log through it.
    ///
    /// Written as a function that builds the sending future at once and chains the rest, not as
    /// an `async fn` or block (which would keep the request argument beside the future it moved
    /// into), and the paths few answers take (a body to rewrite, a middleware's error) wait in
    /// futures of their own: every call's future holds this one, and is copied whole as calls
    /// start.
    ///
    /// The generated calls use [`Client::exec_rebuilding`], the same with the builder of their
    /// request, which the layers use instead of a copy when they send it again.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        self.exec_rebuilding(request, info, None)
    }
}

/// # Sending a generated call
///
/// Crate-internal: how the generated operations hand their requests to the layers.
impl Client {
    /// [`ClientHooks::exec`], where the layers that send `request` again (a retry, a replay after
    /// a 401) build it again with `rebuild` when it is given, and copy it before each send when it
    /// is not: most calls are sent once, and are spared the copy (see BENCHMARKS.md, "issue 19,
    /// fourth pass"). `rebuild` must build the same request; the generated code passes the
    /// builder that built `request`, and its `pre` hook (which it does not run again) is
    /// progenitor's default, which does nothing.
    pub(crate) fn exec_rebuilding<'a>(
        &'a self,
        request: reqwest::Request,
        info: &OperationInfo,
        rebuild: Option<&'a Rebuild<'a>>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + 'a {
        let repeat = rebuild.map_or(Repeat::Copy, Repeat::Rebuild);
        let span = call_span(&request, info);
        // The span of a call nothing observes is `Span::none()`: the call records no fields on it
        // and reads no clock for it.
        let started = span.metadata().is_some().then(tokio::time::Instant::now);
        let Transport {
            http,
            direct,
            max_body_size,
        } = self.inner();
        let max_body_size = *max_body_size;
        let sending = match direct {
            Some(layers) => Either::Left(layers.send(request, repeat, None, self.client())),
            None => Either::Right(http.execute(request)),
        };
        // A combinator, not an async block that awaits `sending`: the block would keep the
        // request (its argument) and the sending future (moved to be awaited) twice.
        sending.instrument(span.clone()).then(move |result| {
            if let Some(started) = started {
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                match &result {
                    Ok(response) => span.record("status", response.status().as_u16()),
                    Err(error) => span.record("error", tracing::field::display(error)),
                };
            }
            finish(result, max_body_size)
        })
    }
}

/// The answer of a call as the generated code reads it: the body limited, made decodable if it
/// is not (see [`normalize_body`]), or a middleware's error carried in a `reqwest::Error`.
async fn finish(
    result: reqwest_middleware::Result<reqwest::Response>,
    max_body_size: usize,
) -> reqwest::Result<reqwest::Response> {
    match result {
        Ok(response) => {
            let response = crate::wire::limit_body(response, max_body_size);
            if is_decodable(&response) {
                Ok(response)
            } else {
                Box::pin(normalize_body(response)).await
            }
        }
        Err(reqwest_middleware::Error::Reqwest(error)) => Err(error),
        Err(reqwest_middleware::Error::Middleware(error)) => Err(Box::pin(carry_error(error)).await),
    }
}

/// The `api_call` span of one call (see [`Client::exec`](ClientHooks::exec)), or
/// `Span::none()` if nothing can observe it: no subscriber wants it, and tracing's `log` fallback
/// (compiled in when some crate turns on tracing's `log` feature) has no logger at DEBUG. Such a
/// span costs its call nothing; a disabled span that the fallback may log costs field records
/// and log checks at every poll.
fn call_span(request: &reqwest::Request, info: &OperationInfo) -> tracing::Span {
    let logged = log::max_level() >= log::LevelFilter::Debug;
    if !logged && tracing::level_filters::LevelFilter::current() < tracing::Level::DEBUG {
        return tracing::Span::none();
    }
    let span = tracing::debug_span!(
        "api_call",
        operation = info.operation_id,
        otel.name = info.operation_id,
        method = %request.method(),
        path = request.url().path(),
        status = tracing::field::Empty,
        error = tracing::field::Empty,
        attempts = 1,
        duration_ms = tracing::field::Empty,
    );
    if span.is_disabled() && !logged {
        tracing::Span::none()
    } else {
        span
    }
}

/// The SDK's own layers of [`crate::Client`]'s stack, outermost first: retries (when on), then
/// authentication (when credentials are set), each the same code as its middleware
/// ([`RetryMiddleware`], [`AuthMiddleware`]). As one `reqwest-middleware` layer, it ends the stack
/// after the caller's middleware; called directly (see `crate::layer`), it is the whole stack.
#[derive(Debug)]
pub(crate) struct ClientLayers {
    pub(crate) retry: Option<RetryMiddleware>,
    pub(crate) auth: Option<AuthMiddleware>,
}

impl ClientLayers {
    /// Sends `request` through the layers that are on, then through `inner`; a layer that sends
    /// it again gets it from `repeat`. `extensions` are the call's, or `None` when the call has
    /// none (the outermost layer then keeps its own).
    fn send<'a>(
        &'a self,
        request: reqwest::Request,
        repeat: Repeat<'a>,
        extensions: Option<&'a mut Extensions>,
        inner: impl Inner + 'a,
    ) -> impl Future<Output = reqwest_middleware::Result<reqwest::Response>> + Send + 'a {
        // Either futures, not an async block around them: a call's future nests each layer's,
        // and every level of nesting would add its own slot for the request.
        match (&self.retry, &self.auth) {
            (Some(retry), auth) => {
                let inner = AuthThen {
                    auth: auth.as_ref(),
                    repeat,
                    inner,
                };
                Either::Left(retry.send(request, repeat, extensions, inner))
            }
            (None, Some(auth)) => Either::Right(Either::Left(auth.send(request, repeat, extensions, inner))),
            (None, None) => Either::Right(Either::Right(async move {
                match extensions {
                    Some(extensions) => inner.send(request, extensions).await,
                    None => inner.send(request, &mut Extensions::new()).await,
                }
            })),
        }
    }
}

crate::layer::middleware_by_send!(ClientLayers);

/// The auth layer, when there is one, and then `inner`: what the retry layer sends to.
#[derive(Clone)]
struct AuthThen<'a, I> {
    auth: Option<&'a AuthMiddleware>,
    repeat: Repeat<'a>,
    inner: I,
}

impl<I: Inner> Inner for AuthThen<'_, I> {
    fn send<'a>(
        self,
        request: reqwest::Request,
        extensions: &'a mut Extensions,
    ) -> impl Future<Output = reqwest_middleware::Result<reqwest::Response>> + Send + 'a
    where
        Self: 'a,
    {
        match self.auth {
            Some(auth) => Either::Left(auth.send(request, self.repeat, Some(extensions), self.inner)),
            None => Either::Right(self.inner.send(request, extensions)),
        }
    }
}

/// A request URL, as `format!` would write it, in one buffer sized up front: the base URL and
/// room for the path, where `format!` would start empty and grow as it writes. build.rs makes
/// the generated code call it; the first argument is the base URL.
macro_rules! request_url {
    ($format:literal, $base:expr $(, $argument:expr)* $(,)?) => {{
        let base: &str = &$base;
        let mut url = String::with_capacity(base.len() + 64);
        // Writing into a String cannot fail.
        let _ = ::std::fmt::Write::write_fmt(&mut url, format_args!($format, base $(, $argument)*));
        url
    }};
}
pub(crate) use request_url;

/// What progenitor's `ResponseValue::from_response` does (the status, the headers and the body
/// decoded from JSON), with the headers moved out of the answer instead of copied. build.rs makes
/// the generated code call it.
///
/// The body's reading is started here and the decoding chained to it, not written as an `async
/// fn`, which would keep the answer in every call's future twice (as its argument and as its
/// binding), nor as an `async` block, which would keep the reading twice.
#[expect(
    clippy::result_large_err,
    reason = "progenitor's Error, which the generated code returns as it is"
)]
pub(crate) fn decode_answer<T: serde::de::DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> impl Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    response.bytes().map(move |full| {
        let full = full.map_err(progenitor_client::Error::ResponseBodyError)?;
        let inner = serde_json::from_slice(&full)
            .map_err(|error| progenitor_client::Error::InvalidResponsePayload(full, error))?;
        Ok(ResponseValue::new(inner, status, headers))
    })
}

/// Whether the generated code can decode `response`'s body as it is: a JSON body not declared
/// empty. Every other body goes through [`normalize_body`].
fn is_decodable(response: &reqwest::Response) -> bool {
    let declared_empty = response
        .headers()
        .get(CONTENT_LENGTH)
        .is_some_and(|length| length == "0");
    crate::wire::is_json(response.headers().get(CONTENT_TYPE)) && !declared_empty
}

/// Makes a body that [`is_decodable`] refuses decodable by the generated code.
///
/// The API answers some create calls with the new id as bare text, and proxies in front of it
/// answer errors with plain text or HTML. Such a body becomes a JSON string holding the text, so
/// the typed decoders ([`crate::types::CreatedId`], [`crate::types::ApiError`]) see it. An empty
/// body becomes `null` on success (an action that returned nothing) and `""` on error (so the
/// status survives decoding). A non-empty JSON body (declared as something else) is kept as it is.
async fn normalize_body(mut response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    let status = response.status();
    let version = response.version();
    let mut headers = std::mem::take(response.headers_mut());
    let body = response.bytes().await?;

    let body = if body.is_empty() {
        Bytes::from_static(if status.is_success() { b"null" } else { b"\"\"" })
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        body
    } else {
        let text = String::from_utf8_lossy(&body);
        Bytes::from(serde_json::Value::String(text.trim().to_owned()).to_string())
    };
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));

    Ok(crate::wire::rebuild(
        status,
        version,
        headers,
        reqwest::Body::from(body),
    ))
}

/// Turns an error raised inside a middleware into a `reqwest::Error` whose `source()` is that
/// error, so it can travel through progenitor's `Error::CommunicationError` and be recovered
/// by type (see [`crate::Error`]).
///
/// `reqwest::Error` has no public constructor; reading a body whose stream fails with our error
/// is the supported way to obtain one that wraps it.
async fn carry_error(error: anyhow::Error) -> reqwest::Error {
    let error: Arc<dyn StdError + Send + Sync> = match error.downcast::<AuthError>() {
        Ok(auth) => Arc::new(auth),
        Err(other) => Arc::from(Box::<dyn StdError + Send + Sync>::from(other)),
    };
    let failing = futures_util::stream::once(async move { Err::<Bytes, _>(MiddlewareFailure(error)) });
    let response = reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    match response.bytes().await {
        Err(error) => error,
        // A stream whose only item is an error cannot produce a body.
        Ok(_) => unreachable!("a failing body stream produced a body"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use httpmock::prelude::*;

    use crate::Client;

    /// A `log` logger that keeps every record it is given.
    struct Keep(Mutex<Vec<String>>);

    impl log::Log for Keep {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }

        fn log(&self, record: &log::Record<'_>) {
            let line = format!("{} {}", record.target(), record.args());
            self.0.lock().unwrap().push(line);
        }

        fn flush(&self) {}
    }

    static KEPT: Keep = Keep(Mutex::new(Vec::new()));

    /// No test of this binary sets a `tracing` subscriber, so tracing's `log` fallback (which
    /// the dev-dependencies turn on) carries the span; `call_span` must not drop it as
    /// unobserved while a logger wants DEBUG.
    #[tokio::test]
    async fn without_a_subscriber_a_log_logger_at_debug_gets_the_calls_span() {
        log::set_logger(&KEPT).expect("the only logger of the unit tests");
        log::set_max_level(log::LevelFilter::Debug);
        let server = MockServer::start_async().await;
        server.mock(|when, then| {
            when.method(GET).path("/v1/balance");
            then.status(200)
                .json_body(serde_json::json!({"amount": 1, "currency": "usd"}));
        });
        let client = Client::builder().base_url(server.url("/v1")).build().unwrap();
        client.get_balance().send().await.unwrap();

        let kept = KEPT.0.lock().unwrap();
        let ours = |line: &&String| line.starts_with("datacrunch::transport ") && line.contains("api_call");
        assert!(
            kept.iter().filter(ours).any(|line| line.contains("status=200")),
            "{kept:#?}"
        );
    }
}
