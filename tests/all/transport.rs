//! How responses the generated code cannot read on its own reach the caller, and what the
//! client sends on every request.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use datacrunch::{Client, Error};
use httpmock::prelude::*;
use serde_json::json;

#[tokio::test]
async fn an_empty_error_body_keeps_its_status() {
    let (server, client) = common::mock_api().await;
    server.mock(|when, then| {
        when.method(GET).path("/v1/balance");
        then.status(404);
    });
    let (status, error) = common::api_error(client.get_balance().send().await.unwrap_err());
    assert_eq!((status.as_u16(), error.code, error.message.as_str()), (404, None, ""))
}

#[tokio::test]
async fn a_non_json_error_body_is_kept_as_the_message() {
    let (server, client) = common::mock_api().await;
    server.mock(|when, then| {
        when.method(GET).path("/v1/balance");
        then.status(502)
            .header("content-type", "text/html")
            .body("<html><h1>502 Bad Gateway</h1></html>");
    });
    let error = client.get_balance().send().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "API error 502 Bad Gateway: <html><h1>502 Bad Gateway</h1></html>"
    );
}

#[tokio::test]
async fn a_success_body_of_the_wrong_shape_is_a_decode_error() {
    let (server, client) = common::mock_api().await;
    server.mock(|when, then| {
        when.method(GET).path("/v1/balance");
        then.status(200).json_body(json!({"amount": "lots"}));
    });
    match client.get_balance().send().await.unwrap_err() {
        Error::Decode { reason, body } => {
            assert!(reason.contains("decimal"), "{reason}");
            assert_eq!(body, r#"{"amount":"lots"}"#);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .max_retries(0)
        .build()
        .unwrap();
    let error = client.get_balance().send().await.unwrap_err();
    assert!(matches!(&error, Error::Transport(e) if e.is_connect()), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_times_out() {
    // A server that never answers: the 200 ms timeout passes on tokio's paused clock.
    let silent = common::local::Script::new([common::local::Reply::empty(200)]).gated();
    let base = common::local::serve(axum::Router::new().route("/v1/balance", silent.handler())).await;
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    let error = client.get_balance().send().await.unwrap_err();
    assert!(matches!(&error, Error::Transport(e) if e.is_timeout()), "{error:?}");
}

/// A middleware that counts requests, and fails them when asked to.
struct Counting {
    seen: Arc<AtomicUsize>,
    fail: bool,
}

#[derive(Debug)]
struct QuotaExceeded;

impl std::fmt::Display for QuotaExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("local quota exceeded")
    }
}

impl std::error::Error for QuotaExceeded {}

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Counting {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.seen.fetch_add(1, Ordering::SeqCst);
        if self.fail {
            return Err(reqwest_middleware::Error::middleware(QuotaExceeded));
        }
        next.run(request, extensions).await
    }
}

#[tokio::test]
async fn added_middleware_sees_every_call() {
    let server = MockServer::start_async().await;
    let api = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/balance")
            .header("user-agent", "my-app/2 datacrunch-rust/0.1.0");
        then.status(200).json_body(json!({"amount": 1, "currency": "usd"}));
    });
    let seen = Arc::new(AtomicUsize::new(0));
    let client = Client::builder()
        .base_url(server.url("/v1/"))
        .user_agent("my-app/2")
        .with(Counting {
            seen: seen.clone(),
            fail: false,
        })
        .build()
        .unwrap();
    client.get_balance().send().await.unwrap();
    client.get_balance().send().await.unwrap();
    assert_eq!((seen.load(Ordering::SeqCst), api.calls()), (2, 2));
}

#[tokio::test]
async fn a_middleware_error_reaches_the_caller_by_type() {
    let server = MockServer::start_async().await;
    let api = server.mock(|when, then| {
        when.any_request();
        then.status(200);
    });
    let seen = Arc::new(AtomicUsize::new(0));
    let client = Client::builder()
        .base_url(server.url("/v1"))
        .with(Counting { seen, fail: true })
        .build()
        .unwrap();
    match client.get_balance().send().await.unwrap_err() {
        Error::Middleware(inner) => assert_eq!(inner.to_string(), "local quota exceeded"),
        other => panic!("expected a middleware error, got {other:?}"),
    }
    assert_eq!(api.calls(), 0);
}

#[test]
fn plain_http_is_refused_unless_the_host_is_loopback_or_the_caller_opts_in() {
    let build = |url: &str| Client::builder().base_url(url).credentials("id", "secret").build();
    for remote in ["http://api.example.com/v1", "http://10.0.0.5:8080/v1"] {
        let error = build(remote).unwrap_err();
        assert!(
            matches!(&error, Error::Config(reason) if reason.contains("plain http")),
            "{remote}: {error:?}"
        );
        let unauthenticated = Client::builder().base_url(remote).build();
        assert!(unauthenticated.is_err(), "{remote} without credentials");
    }
    for local in [
        "http://localhost:8080/v1",
        "http://127.0.0.1:9/v1",
        "http://[::1]:9/v1",
        "https://api.example.com/v1",
    ] {
        build(local).unwrap();
    }
    Client::builder()
        .base_url("http://api.example.com/v1")
        .allow_plain_http()
        .credentials("id", "secret")
        .build()
        .unwrap();
    let token_url = Client::builder()
        .credentials("id", "secret")
        .token_url("http://auth.example.com/oauth2/token")
        .build()
        .unwrap_err();
    assert!(
        matches!(&token_url, Error::Config(reason) if reason.contains("token URL")),
        "{token_url:?}"
    );
    let middleware = datacrunch::auth::AuthMiddleware::new(
        datacrunch::auth::Credentials::new("id", "secret"),
        "http://api.example.com/v1",
    );
    assert!(middleware.is_err());
}

#[tokio::test]
async fn errors_say_what_kind_of_failure_they_are() {
    let (server, client) = common::mock_api().await;
    let answer = |path: &str, status: u16, code: &str| {
        server.mock(|when, then| {
            when.method(GET).path(format!("/v1/instances/{path}"));
            then.status(status).json_body(json!({"code": code, "message": "m"}));
        });
    };
    answer("gone", 404, "not_found");
    answer("busy", 429, "too_many_requests");
    answer("full", 503, "service_unavailable");
    answer("broke", 400, "insufficient_funds");
    let error = |id: &'static str| {
        let client = client.clone();
        async move { client.get_instance_by_id().id(id).send().await.unwrap_err() }
    };

    let gone = error("gone").await;
    assert!(gone.is_not_found() && !gone.is_retryable() && !gone.is_rate_limited());
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(gone.code(), Some(&datacrunch::types::ErrorCode::NotFound));
    let busy = error("busy").await;
    assert!(busy.is_rate_limited() && busy.is_retryable() && !busy.is_not_found());
    let full = error("full").await;
    assert!(full.is_no_capacity() && full.is_retryable() && !full.is_insufficient_funds());
    let broke = error("broke").await;
    assert!(broke.is_insufficient_funds() && !broke.is_no_capacity() && !broke.is_retryable());
    assert_eq!(Error::InvalidRequest("x".into()).status(), None);
}

#[test]
fn invalid_base_urls_are_rejected_when_building() {
    for bad in ["not a url", "ftp://example.com/v1", "file:///v1"] {
        let error = Client::builder().base_url(bad).build().unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{bad}: {error:?}");
    }
    assert_eq!(
        Client::builder().build().unwrap().base_url(),
        datacrunch::DEFAULT_BASE_URL
    );
    assert_eq!(datacrunch::LEGACY_BASE_URL, "https://api.datacrunch.io/v1");
}

#[tokio::test]
async fn path_values_are_one_encoded_segment_each() {
    let (server, client) = common::mock_api().await;
    let mock = server.mock(|when, then| {
        when.method(DELETE).path("/v1/volumes/v%207/tags/team%20ml%3Fx%23y%25");
        then.status(204);
    });
    let response = client
        .delete_volume_tag()
        .id("v 7")
        .key("team ml?x#y%")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(mock.calls(), 1);
}

#[tokio::test]
async fn dot_segments_and_empty_path_values_are_refused_before_sending() {
    let (server, client) = common::mock_api().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(204);
    });
    for key in ["..", ".", ""] {
        let error = client.delete_volume_tag().id("v-7").key(key).send().await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidRequest(reason) if reason.contains("not allowed")),
            "{key:?}: {error:?}"
        );
    }
    let error = client.get_instance_by_id().id("..").send().await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert_eq!(any.calls(), 0);
}

/// A `/` or `\` stays a separator for some proxies even when percent-encoded, and no id, key or
/// name contains one or a control character: such values are refused, not encoded.
#[tokio::test]
async fn separators_and_control_characters_in_path_values_are_refused_before_sending() {
    let (server, client) = common::mock_api().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(204);
    });
    for key in ["../x", "team/ml", "..\\x", "a\\b", "line\nbreak", "nul\u{0}"] {
        let error = client.delete_volume_tag().id("v-7").key(key).send().await.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidRequest(reason) if reason.contains("control character")),
            "{key:?}: {error:?}"
        );
    }
    for id in ["v/7", "v\\7"] {
        let error = client.get_volume_by_id().id(id).send().await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{id:?}: {error:?}");
    }
    assert_eq!(any.calls(), 0);
}

#[tokio::test]
async fn send_returns_the_sdk_error_so_question_mark_into_box_dyn_error_reads_right() {
    async fn balance(client: &Client) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        client.get_balance().send().await?;
        Ok(())
    }
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(401)
            .json_body(json!({"code": "unauthorized_request", "message": "Invalid client id or client secret"}));
    });
    let client = Client::builder()
        .base_url(server.url("/v1"))
        .credentials("id", "wrong")
        .build()
        .unwrap();
    let error = balance(&client).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "authentication failed: invalid client credentials: Invalid client id or client secret"
    );
    assert!(
        error
            .downcast_ref::<Error>()
            .is_some_and(|e| matches!(e, Error::Auth(_)))
    );
}

#[tokio::test]
async fn a_callers_own_http_client_sends_every_request() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token").header("x-tenant", "blue");
        then.status(200)
            .json_body(json!({"access_token": "a", "expires_in": 3600}));
    });
    let api = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/balance")
            .header("x-tenant", "blue")
            .header("authorization", "Bearer a");
        then.status(200).json_body(json!({"amount": 1, "currency": "usd"}));
    });
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-tenant", "blue".parse().unwrap());
    let own = datacrunch::tls::configure(reqwest::Client::builder())
        .unwrap()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(server.url("/v1"))
        .credentials("id", "secret")
        .http_client(own)
        .build()
        .unwrap();
    client.get_balance().send().await.unwrap();
    assert_eq!((token.calls(), api.calls()), (1, 1));
}

#[tokio::test]
async fn a_query_parameter_is_sent_when_set_and_leaves_no_trace_when_not() {
    use common::local::{Reply, Script, serve};
    use datacrunch::types::{Currency, InstanceType};

    let images = Script::new([Reply::json(200, json!([])), Reply::json(200, json!([]))]);
    let prices = Script::new([Reply::json(200, json!([])), Reply::json(200, json!([]))]);
    let base = serve(
        axum::Router::new()
            .route("/v1/images", images.handler())
            .route("/v1/instance-types", prices.handler()),
    )
    .await;
    let client = Client::builder().base_url(format!("{base}/v1")).build().unwrap();

    client.get_images().send().await.unwrap();
    client
        .get_images()
        .instance_type(InstanceType::H100x1_80S_22V)
        .send()
        .await
        .unwrap();
    client.get_instances_types().send().await.unwrap();
    client
        .get_instances_types()
        .currency(Currency::Eur)
        .send()
        .await
        .unwrap();
    let lines = |script: &Script| script.seen().into_iter().map(|seen| seen.line).collect::<Vec<_>>();
    assert_eq!(
        lines(&images),
        ["GET /v1/images", "GET /v1/images?instance_type=1H100.80S.22V"]
    );
    assert_eq!(
        lines(&prices),
        ["GET /v1/instance-types", "GET /v1/instance-types?currency=eur"]
    );
}
