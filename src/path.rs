//! Path parameters: every value becomes exactly one path segment.
//!
//! The generated builders call [`encode_segment`] for each path parameter (build.rs puts it in
//! place of progenitor's `encode_path`). Without it, `key("..")` on
//! `DELETE /volumes/{id}/tags/{key}` would be resolved by the URL parser into
//! `DELETE /volumes/{id}/`, a different request from the one the caller wrote.
//!
//! The rule, for every id, key and name in a path:
//!
//! - refused before anything is sent ([`crate::Error::InvalidRequest`]): an empty value, `.`,
//!   `..`, and any value holding `/`, `\` or a control character. No id, tag key or name of this
//!   API contains them, and a percent-encoded `/` or `\` is decoded back into a separator by some
//!   proxies, which would turn the value into a different path;
//! - kept, percent-encoded: everything else outside RFC 3986's unreserved characters
//!   (`A-Z a-z 0-9 - . _ ~`), such as a space or `:` in a tag key. The Python SDK refuses those
//!   too (`http_client/_http_client.py:31`); this SDK lets the API judge them.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::types::ApiError;

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is percent-encoded.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes `value` as one path segment, refusing values that are not a segment of their
/// own: empty, `.`, `..`, or holding `/`, `\` or a control character.
///
/// It returns the generated `send`'s own error type, so the `?` build.rs puts after the call
/// needs no conversion; the error is built only for refused values.
#[allow(clippy::result_large_err)]
pub(crate) fn encode_segment(value: &str) -> Result<String, progenitor_client::Error<ApiError>> {
    let refuse = |why: &str| {
        Err(progenitor_client::Error::InvalidRequest(format!(
            "path parameter {value:?} is not allowed: {why}"
        )))
    };
    if matches!(value, "" | "." | "..") {
        return refuse("it would change which resource the request names");
    }
    if value.chars().any(|c| matches!(c, '/' | '\\') || c.is_control()) {
        return refuse("no id, key or name contains `/`, `\\` or a control character");
    }
    Ok(utf8_percent_encode(value, RESERVED).to_string())
}

#[cfg(test)]
mod tests {
    use super::encode_segment;

    #[test]
    fn unreserved_characters_pass_and_everything_else_is_encoded() {
        assert_eq!(encode_segment("a-Z_0.9~").unwrap(), "a-Z_0.9~");
        assert_eq!(encode_segment("b c?d#e%f").unwrap(), "b%20c%3Fd%23e%25f");
        assert_eq!(encode_segment("é:@").unwrap(), "%C3%A9%3A%40");
        assert_eq!(encode_segment("%2e%2e").unwrap(), "%252e%252e");
        assert_eq!(encode_segment("%2F").unwrap(), "%252F");
    }

    #[test]
    fn dot_segments_and_empty_values_are_refused() {
        for value in ["", ".", ".."] {
            let error = encode_segment(value).unwrap_err();
            assert!(error.to_string().contains("not allowed"), "{value:?}: {error}");
        }
        assert_eq!(encode_segment("...").unwrap(), "...");
    }

    #[test]
    fn separators_and_control_characters_are_refused() {
        for value in [
            "../x", "a/b", "/", "a\\b", "..\\x", "a\nb", "a\tb", "a\u{0}b", "a\u{7f}b", "a\u{85}b",
        ] {
            let error = encode_segment(value).unwrap_err();
            assert!(
                error.to_string().contains("`/`, `\\` or a control character"),
                "{value:?}: {error}"
            );
        }
    }
}
