//! How a layer inside the retry layer has a request sent again by the retry layer, from the
//! copy it keeps or the request it builds again (see `crate::layer::Repeat`), so that a call
//! keeps at most one copy of its request instead of one per layer that may resend it.
//!
//! The auth layer of [`crate::Client`]'s stack uses it for its replay after a 401: it discards
//! the token and marks the 401 with [`ResendOnce`]; the retry layer, right outside it, sends the
//! request again at once with [`Resending`] in the call's extensions, and the auth layer puts the new
//! token on it. Both marks are placed only on that path: the answers of every other call carry
//! neither and cost nothing.

/// In an answer's extensions: the layer that put it there asks the retry layer around it to send
/// the request once more, at once, as it does for a retry. It is not a retry: there
/// is no wait, and it does not count against the policy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResendOnce;

/// In a call's extensions while the retry layer sends a request again for [`ResendOnce`]: the
/// layer that asked sees that the answer is the resend's, and does not ask again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resending;

/// Whether `result` is an answer marked with [`ResendOnce`].
pub(crate) fn is_asked(result: &reqwest_middleware::Result<reqwest::Response>) -> bool {
    matches!(result, Ok(response) if response.extensions().get::<ResendOnce>().is_some())
}
