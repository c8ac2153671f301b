//! How requests and responses look on the wire, for every layer that handles them: copying a
//! request to send it again, and reading a response's media type.

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use reqwest::header::HeaderValue;

use crate::error::LimitExceeded;

/// `response` with a body that fails with [`LimitExceeded`] (so reading it fails with an error
/// that [`crate::Error`] recovers as [`crate::Error::TooLarge`]) once it passes `limit` bytes, or
/// at once when its `Content-Length` says it will. Nothing past the limit is kept.
///
/// A response whose `Content-Length` is within the limit is returned as it is: hyper never reads
/// past a declared length, so there is nothing to count (and nothing to rebuild on the path most
/// answers take).
pub(crate) fn limit_body(mut response: reqwest::Response, limit: usize) -> reqwest::Response {
    let declared = response.content_length().map(usize::try_from);
    if let Some(Ok(length)) = declared
        && length <= limit
    {
        return response;
    }
    let status = response.status();
    let version = response.version();
    // The body's length comes from the body, not the headers: they can be taken.
    let headers = std::mem::take(response.headers_mut());
    let too_large = move || {
        Box::new(LimitExceeded {
            what: "response body",
            limit,
        }) as Box<dyn std::error::Error + Send + Sync>
    };
    let body = if declared.is_some() {
        reqwest::Body::wrap_stream(stream::once(async move { Err::<Bytes, _>(too_large()) }))
    } else {
        let mut received = 0_usize;
        reqwest::Body::wrap_stream(response.bytes_stream().map(move |chunk| {
            let chunk = chunk.map_err(|error| Box::new(error) as Box<dyn std::error::Error + Send + Sync>)?;
            received = received.saturating_add(chunk.len());
            if received > limit { Err(too_large()) } else { Ok(chunk) }
        }))
    };
    rebuild(status, version, headers, body)
}

/// A response with the given status line and headers and another body.
pub(crate) fn rebuild(
    status: http::StatusCode,
    version: http::Version,
    headers: http::HeaderMap,
    body: reqwest::Body,
) -> reqwest::Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
}

/// Whether [`copy_request`] can copy `request`: it has no body, or a body held in memory (not a
/// stream, which can be read once).
pub(crate) fn can_copy(request: &reqwest::Request) -> bool {
    request.body().is_none_or(|body| body.as_bytes().is_some())
}

/// A copy of `request` to send again (a retry, a replay after 401), or `None` when its body is a
/// stream.
///
/// The same as [`reqwest::Request::try_clone`] for all that sending reads (method, URL, headers,
/// version, timeout, body), made for every call on the hot path. For a request without a body it
/// skips the extension map that `try_clone` allocates for the timeout and then throws away: three
/// allocations and frees per copy. reqwest reads nothing else from a request's extensions, and
/// they cannot be read from outside reqwest.
pub(crate) fn copy_request(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone(); // shares the body's bytes; only reqwest can
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

/// The media type of a `Content-Type` value without its parameters, such as `application/json`
/// for `application/json; charset=utf-8`. Borrowed from the header: nothing is allocated.
pub(crate) fn media_type(content_type: Option<&HeaderValue>) -> Option<&str> {
    let value = content_type?.to_str().ok()?;
    let media = value.split(';').next()?.trim();
    (!media.is_empty()).then_some(media)
}

/// Whether a `Content-Type` value names JSON (`application/json`, `application/problem+json`,
/// with or without parameters such as `charset`).
pub(crate) fn is_json(content_type: Option<&HeaderValue>) -> bool {
    media_type(content_type).is_some_and(|media| {
        let suffix = media.len().checked_sub(5).and_then(|start| media.get(start..));
        media.eq_ignore_ascii_case("application/json") || suffix.is_some_and(|s| s.eq_ignore_ascii_case("+json"))
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};

    use super::{can_copy, copy_request, is_json};

    #[test]
    fn json_content_types_are_recognised_with_parameters_and_suffixes() {
        let json = |value: &'static str| is_json(Some(&HeaderValue::from_static(value)));
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
            " application/vnd.api+json ;q=1",
        ] {
            assert!(json(yes), "{yes}");
        }
        for no in [
            "text/plain",
            "text/html; charset=utf-8",
            "application/jsonp",
            "json",
            "",
        ] {
            assert!(!json(no), "{no}");
        }
        assert!(!is_json(None));
    }

    fn same(a: &reqwest::Request, b: &reqwest::Request) {
        assert_eq!(a.method(), b.method());
        assert_eq!(a.url(), b.url());
        assert_eq!(a.headers(), b.headers());
        assert_eq!(a.version(), b.version());
        assert_eq!(a.timeout(), b.timeout());
        assert_eq!(a.body().and_then(|b| b.as_bytes()), b.body().and_then(|b| b.as_bytes()));
    }

    #[test]
    fn a_copy_is_what_try_clone_gives() {
        let http = crate::net::http_client(None, None, None, true).unwrap();
        let requests = [
            http.get("https://api.example.com/v1/balance?x=1")
                .header(ACCEPT, "application/json")
                .header(AUTHORIZATION, "Bearer t")
                .build(),
            http.get("https://api.example.com/v1/instances")
                .timeout(Duration::from_secs(3))
                .version(http::Version::HTTP_2)
                .build(),
            http.post("https://api.example.com/v1/instances")
                .body("{\"hostname\":\"a\"}")
                .timeout(Duration::from_secs(5))
                .build(),
            http.delete("https://api.example.com/v1/volumes/x").build(),
        ];
        for request in requests {
            let request = request.unwrap();
            assert!(can_copy(&request));
            let copy = copy_request(&request).unwrap();
            same(&copy, &request.try_clone().unwrap());
            same(&copy, &request);
        }
    }

    #[test]
    fn a_streaming_body_cannot_be_copied() {
        let stream = futures_util::stream::once(async { Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x")) });
        let request = crate::net::http_client(None, None, None, true)
            .unwrap()
            .post("https://api.example.com/v1/volumes")
            .body(reqwest::Body::wrap_stream(stream))
            .build()
            .unwrap();
        assert!(!can_copy(&request));
        assert!(copy_request(&request).is_none());
        assert!(request.try_clone().is_none());
    }
}
