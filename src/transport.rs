//! How the generated client sends requests: through a middleware stack, with the API's
//! non-JSON bodies made decodable.
//!
//! progenitor builds each request with a plain `reqwest::Client` and hands it to
//! [`ClientHooks::exec`]; this module sends it through a [`ClientWithMiddleware`] instead, so the
//! auth layer and any middleware the caller adds see every call.

use std::error::Error as StdError;
use std::sync::Arc;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest_middleware::ClientWithMiddleware;
use tracing::Instrument;

use crate::Client;
use crate::auth::AuthError;
use crate::error::MiddlewareFailure;

/// The per-client state progenitor keeps beside its `reqwest::Client`: the middleware stack
/// every request goes through.
#[derive(Clone, Debug)]
pub struct Transport {
    pub(crate) http: ClientWithMiddleware,
    /// The largest answer body read.
    pub(crate) max_body_size: usize,
}

impl ClientHooks<Transport> for Client {
    /// Sends one API call through the middleware stack, inside an `api_call` span.
    ///
    /// The span (level DEBUG) carries the `operation` id (also as `otel.name`, which OpenTelemetry
    /// exporters use as the span's name), `method`, `path`, and once the call ends `status`,
    /// or `error`, `attempts` (recorded by the retry layer) and `duration_ms`. It never records headers or
    /// bodies, so no token or secret can reach a log through it.
    ///
    /// Written as a function that returns an `async` block, not as an `async fn` (which keeps
    /// its request argument twice: as the argument and as its binding), and the paths few
    /// answers take (a body to rewrite, a middleware's error) wait in futures of their own:
    /// every call's future holds this one, and is copied whole as calls start.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
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
        // A span that nothing can observe (no subscriber wants it, and tracing's `log` fallback is
        // compiled out) gets no fields recorded, so the call reads no clock for it.
        let started = span.metadata().is_some().then(tokio::time::Instant::now);
        let Transport { http, max_body_size } = self.inner();
        async move {
            let result = http.execute(request).instrument(span.clone()).await;
            if let Some(started) = started {
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                match &result {
                    Ok(response) => span.record("status", response.status().as_u16()),
                    Err(error) => span.record("error", tracing::field::display(error)),
                };
            }
            match result {
                Ok(response) => {
                    let response = crate::wire::limit_body(response, *max_body_size);
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
pub(crate) async fn decode_answer<T: serde::de::DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    let inner =
        serde_json::from_slice(&full).map_err(|error| progenitor_client::Error::InvalidResponsePayload(full, error))?;
    Ok(ResponseValue::new(inner, status, headers))
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
