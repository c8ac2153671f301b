//! [`ApiError`], the body of an API error answer, and [`excerpt`], the start of a body that an
//! error quotes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::ErrorCode;

/// The body of an API error response: `{"code": "...", "message": "..."}`.
///
/// Bodies of any other shape (plain text from a proxy, `{"error": "..."}`, HTML) still decode:
/// `code` is then `None` and `message` holds the body as text. A message keeps its first 512
/// bytes, with `…` when there was more.
///
/// ```
/// use datacrunch::types::{ApiError, ErrorCode};
///
/// let typed: ApiError = serde_json::from_str(r#"{"code":"not_found","message":"no such volume"}"#).unwrap();
/// assert_eq!(typed.code, Some(ErrorCode::NotFound));
/// let proxy: ApiError = serde_json::from_str(r#""502 Bad Gateway""#).unwrap();
/// assert_eq!((proxy.code, proxy.message.as_str()), (None, "502 Bad Gateway"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The machine-readable error code, when the body had one.
    pub code: Option<ErrorCode>,
    /// The human-readable message, or the body when it was not `{code, message}`; at most its
    /// first 512 bytes.
    pub message: String,
    /// More about the error when the body had `details`, such as the rejected field: any JSON
    /// value (an object, or a string as the Go SDK declares it); `null` is `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<serde_json::Value>>,
}

impl ApiError {
    /// Reads an error answer's body: the API's `{code, message}` shape, any other JSON as text, or
    /// the start of a body that is not JSON at all (an HTML page from a proxy).
    pub(crate) fn from_body(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_else(|_| Self {
            code: None,
            message: excerpt(body),
            details: None,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl<'de> Deserialize<'de> for ApiError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let body = serde_json::Value::deserialize(deserializer)?;
        let field = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let code = field("code").map(ErrorCode::from);
        let message = match (&body, field("message").or_else(|| field("error"))) {
            (_, Some(message)) => message,
            (serde_json::Value::String(text), None) => text.clone(),
            (other, None) => other.to_string(),
        };
        let message = shorten(message);
        let details = body
            .get("details")
            .filter(|details| !details.is_null())
            .cloned()
            .map(Box::new);
        Ok(Self { code, message, details })
    }
}

/// How much of a body an error keeps.
const BODY_EXCERPT: usize = 512;

/// The first [`BODY_EXCERPT`] bytes of `text` (cut at a character boundary), with `…` when
/// there was more.
fn shorten(mut text: String) -> String {
    if text.len() <= BODY_EXCERPT {
        return text;
    }
    let end = (0..=BODY_EXCERPT)
        .rev()
        .find(|&at| text.is_char_boundary(at))
        .unwrap_or(0);
    text.truncate(end);
    text.push('…');
    text
}

/// The first [`BODY_EXCERPT`] bytes of a body, as text.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body.get(..BODY_EXCERPT).unwrap_or(body)).into_owned();
    if body.len() > BODY_EXCERPT {
        format!("{text}…")
    } else {
        text
    }
}
