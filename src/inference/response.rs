//! [`InferenceResponse`]: a container's whole answer, and what its content type says.

use std::borrow::Cow;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;

use super::Call;
use super::call::{Sent, decode_error};
use crate::Error;

/// A container's answer to a call: status, headers and the whole body, to decode as JSON or
/// take as text or bytes.
///
/// ```
/// # fn show(answer: datacrunch::inference::InferenceResponse) -> Result<(), datacrunch::Error> {
/// if answer.is_json() {
///     let value: serde_json::Value = answer.json()?;
/// } else {
///     println!("{}", answer.text());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct InferenceResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl InferenceResponse {
    /// Reads the whole answer.
    pub(super) async fn read(mut sent: Sent) -> Result<Self, Error> {
        let status = sent.response.status();
        let headers = std::mem::take(sent.response.headers_mut());
        let body = sent.bytes().await?;
        Ok(Self { status, headers, body })
    }

    /// The HTTP status, such as 200, or 202 for an acknowledged fire-and-forget call.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as bytes, without copying.
    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// The body as text; bytes that are not UTF-8 become `�`.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Decodes the body as JSON, whatever the content type says. A body that does not match `T`
    /// is an [`Error::Decode`] with the start of the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| decode_error(e, &self.body))
    }

    /// Whether the content type is JSON: `application/json` with any parameters (such as
    /// `; charset=utf-8`) or any `+json` type.
    pub fn is_json(&self) -> bool {
        is_json(&self.headers)
    }

    /// The body as a JSON value when the content type is JSON, else as a JSON string of its
    /// text: what an asynchronous result holds, whichever the container sent.
    ///
    /// ```
    /// # fn show(result: datacrunch::inference::InferenceResponse) -> Result<(), datacrunch::Error> {
    /// match result.value()? {
    ///     serde_json::Value::String(text) => println!("text: {text}"),
    ///     json => println!("json: {json}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn value(&self) -> Result<serde_json::Value, Error> {
        if self.is_json() {
            self.json()
        } else {
            Ok(serde_json::Value::String(self.text().into_owned()))
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    crate::wire::is_json(headers.get(CONTENT_TYPE))
}

/// Awaiting a synchronous or fire-and-forget call returns the whole answer.
impl<'c> IntoFuture for Call<'c, InferenceResponse> {
    type Output = Result<InferenceResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { InferenceResponse::read(self.send().await?).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_type(content_type: &str) -> InferenceResponse {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, content_type.parse().unwrap());
        InferenceResponse {
            status: StatusCode::OK,
            headers,
            body: Bytes::from_static(br#"{"a":1}"#),
        }
    }

    #[test]
    fn json_is_recognised_with_parameters_and_suffixes() {
        for json in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(with_type(json).is_json(), "{json}");
            assert_eq!(with_type(json).value().unwrap(), serde_json::json!({"a": 1}));
        }
        for other in ["text/plain", "application/jsonl", "text/json-ish", "nonsense"] {
            assert!(!with_type(other).is_json(), "{other}");
            assert_eq!(with_type(other).value().unwrap(), serde_json::json!(r#"{"a":1}"#));
        }
    }
}
