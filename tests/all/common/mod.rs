//! Shared setup for the wire tests: a local mock API and a client pointed at it.
#![allow(dead_code)] // each test crate uses a different subset

pub mod local;
pub mod logs;
pub mod wire;

use httpmock::MockServer;

/// Starts a mock API and returns it with a client (no credentials, no retries, so each mocked
/// answer is seen once) whose base URL is `{server}/v1`.
pub async fn mock_api() -> (MockServer, datacrunch::Client) {
    let server = MockServer::start_async().await;
    let client = datacrunch::Client::builder()
        .base_url(server.url("/v1"))
        .retry_policy(datacrunch::retry::RetryPolicy::none())
        .build()
        .expect("valid base URL");
    (server, client)
}

/// A plain `reqwest::Client` with the SDK's TLS stack (`datacrunch::tls::configure`), as a
/// caller's own client must be built with the default features.
pub fn plain_http() -> reqwest::Client {
    datacrunch::tls::configure(reqwest::Client::builder())
        .unwrap()
        .build()
        .unwrap()
}

/// The JSON content type.
pub const JSON: &str = "application/json";

/// Answers `status` with `body` as JSON, `Content-Type` included (httpmock's `json_body` sets no
/// content type, and the SDK reads bodies by it).
pub fn reply(then: httpmock::Then, status: u16, body: serde_json::Value) -> httpmock::Then {
    then.status(status).header("content-type", JSON).body(body.to_string())
}

/// The status and body of an API error; panics (failing the test) on any other outcome.
pub fn api_error(error: datacrunch::Error) -> (http::StatusCode, datacrunch::types::ApiError) {
    match error {
        datacrunch::Error::Api { status, error } => (status, error),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Calls `$callback!` with the name of every open enum in `datacrunch::types`, from the list the
/// crate defines them with.
#[allow(unused_imports)] // only some test crates use it
pub(crate) use datacrunch::__with_open_enums as with_open_enums;
