//! Hostile and broken servers: redirects, absurd token lifetimes, token endpoints that never
//! answer, runtimes that come and go, endless or broken streams. Each case counts the requests
//! every server saw, and runs on paused time wherever something waits.

use std::time::Duration;

use axum::Router;
use datacrunch::auth::AuthError;
use datacrunch::inference::InferenceClient;
use datacrunch::retry::RetryPolicy;
use datacrunch::{Client, Environment, Error};
use serde_json::json;
use tokio::time::Instant;

use crate::common::local::{Reply, Script, serve};

const CLIENT_ID: &str = "hostile-client";
const CLIENT_SECRET: &str = "s3cret-that-must-never-travel";
const SECOND: Duration = Duration::from_secs(1);

fn issued(access: &str, refresh: &str, expires_in: serde_json::Value) -> Reply {
    Reply::json(
        200,
        json!({"access_token": access, "refresh_token": refresh, "expires_in": expires_in}),
    )
}

fn balance() -> Reply {
    Reply::json(200, json!({"amount": 1.5, "currency": "usd"}))
}

/// A local API answering tokens from `tokens` and balances from `api`; returns its base URL.
async fn api(tokens: &Script, api: &Script) -> String {
    let app = Router::new()
        .route("/v1/oauth2/token", tokens.handler())
        .route("/v1/balance", api.handler());
    serve(app).await
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A second server that records whatever reaches it: where the hostile one redirects to.
async fn redirect_target() -> (String, Script) {
    let target = Script::new([Reply::json(200, json!({"access_token": "stolen", "expires_in": 60}))]);
    let url = serve(Router::new().fallback_service(target.handler())).await;
    (url, target)
}

// ------------------------------------------------------------------------ Secrets and redirects

#[tokio::test]
async fn no_redirect_is_followed_and_nothing_reaches_the_location() {
    for status in [301, 302, 303, 307, 308] {
        let (elsewhere, target) = redirect_target().await;
        let location = format!("{elsewhere}/steal");

        // The token endpoint redirects: the secret would follow a 307/308.
        let tokens = Script::new([Reply::empty(status).header("location", location.clone())]);
        let base = api(&tokens, &Script::new([balance()])).await;
        let error = client(&base).get_balance().send().await.unwrap_err();
        match &error {
            Error::Auth(AuthError::Redirect {
                status: got,
                location: Some(named),
            }) => {
                assert_eq!((got.as_u16(), named.as_str()), (status, location.as_str()));
            }
            other => panic!("{status}: expected a token redirect error, got {other:?}"),
        }
        assert!(error.to_string().contains(&location), "{error}");
        assert_eq!(tokens.calls(), 1);

        // An API call redirects: the bearer token would follow.
        let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]);
        let redirecting = Script::new([Reply::empty(status).header("location", location.clone())]);
        let base = api(&tokens, &redirecting).await;
        match client(&base).get_balance().send().await.unwrap_err() {
            Error::Redirect {
                status: got,
                location: Some(named),
            } => {
                assert_eq!((got.as_u16(), named.as_str()), (status, location.as_str()));
            }
            other => panic!("{status}: expected a redirect error, got {other:?}"),
        }
        assert_eq!(redirecting.calls(), 1);

        // An inference call redirects: the key and the body would follow.
        let container = Script::new([Reply::empty(status).header("location", location.clone())]);
        let endpoint = serve(Router::new().fallback_service(container.handler())).await;
        let inference = InferenceClient::builder(format!("{endpoint}/llm"), "inference-key")
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        let error = inference
            .run_sync("predict", &json!({"prompt": "hi"}))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Redirect { status: got, .. } if got.as_u16() == status),
            "{error:?}"
        );
        assert_eq!(container.calls(), 1);

        assert_eq!(target.calls(), 0, "{status}: something followed the redirect");
    }
}

#[tokio::test]
async fn a_token_answer_that_is_not_json_is_never_quoted() {
    let tokens = Script::new([Reply::raw(200, "text/plain", "access_token=leaked-access-token-77")]);
    let base = api(&tokens, &Script::new([balance()])).await;
    let error = client(&base).get_balance().send().await.unwrap_err();
    let printed = format!("{error} {error:?}");
    assert!(
        matches!(error, Error::Auth(AuthError::MalformedResponse { .. })),
        "{printed}"
    );
    assert!(!printed.contains("leaked-access-token-77"), "{printed}");
}

#[tokio::test]
async fn the_token_types_and_a_failed_decode_never_print_a_secret() {
    use datacrunch::types::{TokenRequest, TokenResponse};
    let request = TokenRequest::builder()
        .grant_type("refresh_token")
        .client_id(Some("cid".to_owned()))
        .client_secret(Some("secret-1".to_owned()))
        .refresh_token(Some("refresh-1".to_owned()));
    let built = TokenRequest::try_from(request.clone()).unwrap();
    let answer = TokenResponse {
        access_token: "access-1".to_owned(),
        expires_in: None,
        refresh_token: Some("refresh-2".to_owned()),
        scope: None,
        token_type: Some("Bearer".to_owned()),
    };
    let printed = format!("{request:?} {built:?} {answer:?}");
    assert!(printed.contains("cid") && printed.contains("<redacted>"), "{printed}");
    for secret in ["secret-1", "refresh-1", "access-1", "refresh-2"] {
        assert!(!printed.contains(secret), "{printed}");
    }

    // A token answer that does not decode: its excerpt shows the shape, not the token.
    let tokens = Script::new([Reply::json(200, json!({"access_token": "access-9", "expires_in": []}))]);
    let base = api(&tokens, &Script::new([balance()])).await;
    let unauthenticated = Client::builder().base_url(format!("{base}/v1")).build().unwrap();
    let error = unauthenticated
        .get_access_token()
        .body(TokenRequest::builder().grant_type("client_credentials"))
        .send()
        .await
        .unwrap_err();
    let printed = format!("{error} {error:?}");
    assert!(matches!(error, Error::Decode { .. }), "{printed}");
    assert!(
        printed.contains("access_token") && !printed.contains("access-9"),
        "{printed}"
    );
}

#[test]
fn an_environment_prints_names_but_no_values_or_contents() {
    let env = Environment::fixed()
        .with_var("DATACRUNCH_CLIENT_SECRET", "env-secret-value")
        .with_file(
            "/home/me/.verda/credentials",
            "[default]\nverda_client_secret = file-secret-value\n",
        );
    let printed = format!("{env:?}");
    assert!(printed.contains("DATACRUNCH_CLIENT_SECRET"), "{printed}");
    assert!(printed.contains("/home/me/.verda/credentials"), "{printed}");
    assert!(
        !printed.contains("env-secret-value") && !printed.contains("file-secret-value"),
        "{printed}"
    );
}

#[tokio::test]
async fn credentials_file_values_are_taken_raw() {
    let secret = r#"a\b"c'd\n;"#;
    let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]);
    let base = api(&tokens, &Script::new([balance()])).await;
    let file = format!("[default]\nverda_client_id = {CLIENT_ID}\nverda_client_secret = {secret}\n");
    let env = Environment::fixed()
        .with_home("/home/me")
        .with_file("/home/me/.verda/credentials", file);
    let client = Client::builder()
        .environment(env)
        .from_env()
        .unwrap()
        .base_url(format!("{base}/v1"))
        .build()
        .unwrap();
    client.get_balance().send().await.unwrap();
    let sent: serde_json::Value = serde_json::from_str(&tokens.seen()[0].body).unwrap();
    assert_eq!(sent["client_secret"], secret);
}

/// The child half of [`loopback_is_never_proxied`]: runs only when that test starts it, with
/// `HTTP_PROXY` and `ALL_PROXY` pointing at a recording server.
#[tokio::test]
#[ignore = "started by loopback_is_never_proxied with a proxy in its environment"]
async fn loopback_is_never_proxied_child() {
    let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]);
    let api_script = Script::new([balance()]);
    let base = api(&tokens, &api_script).await;
    client(&base).get_balance().send().await.unwrap();
    assert_eq!((tokens.calls(), api_script.calls()), (1, 1));
}

#[tokio::test]
async fn loopback_is_never_proxied() {
    let proxy = Script::new([Reply::json(502, json!({"code": "proxied"}))]);
    let proxy_url = serve(Router::new().fallback_service(proxy.handler())).await;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--ignored", "--exact", "hostile::loopback_is_never_proxied_child"])
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    // The proxy answers on this runtime while the child runs.
    let child = tokio::task::spawn_blocking(move || child.output())
        .await
        .unwrap()
        .unwrap();
    let output = String::from_utf8_lossy(&child.stdout);
    assert!(child.status.success(), "{output}");
    assert!(output.contains("1 passed"), "{output}");
    assert_eq!(
        proxy.calls(),
        0,
        "the bearer token and the secret went through the proxy"
    );
}

// ------------------------------------------------------------------------ Token lifetimes

#[tokio::test(start_paused = true)]
async fn any_expires_in_keeps_calls_working_with_one_token_request() {
    let lifetimes = [
        json!(9_223_372_036_854_775_807_i64),
        json!(u64::MAX),
        json!(1e300),
        json!(0),
        json!(-1),
        json!("soon"),
        json!(null),
        json!({"seconds": 5}),
    ];
    for expires_in in lifetimes {
        let tokens = Script::new([issued("access-1", "refresh-1", expires_in.clone())]);
        let api_script = Script::new([balance()]);
        let base = api(&tokens, &api_script).await;
        let client = client(&base);
        for _ in 0..5 {
            client.get_balance().send().await.unwrap();
            tokio::time::sleep(600 * SECOND).await;
        }
        assert_eq!((tokens.calls(), api_script.calls()), (1, 5), "expires_in {expires_in}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_of_unknown_lifetime_is_replaced_once_when_the_api_rejects_it() {
    let tokens = Script::new([
        issued("access-1", "refresh-1", json!(0)),
        issued("access-2", "refresh-2", json!(0)),
    ]);
    let api_script = Script::new([
        balance(),
        Reply::json(401, json!({"code": "unauthorized_request", "message": "expired"})),
        balance(),
    ]);
    let base = api(&tokens, &api_script).await;
    let client = client(&base);
    client.get_balance().send().await.unwrap();
    client.get_balance().send().await.unwrap(); // 401, then replayed with a new token
    client.get_balance().send().await.unwrap();
    assert_eq!((tokens.calls(), api_script.calls()), (2, 4));
    let bearers: Vec<_> = api_script
        .seen()
        .iter()
        .map(|seen| seen.authorization().unwrap().to_owned())
        .collect();
    assert_eq!(
        bearers,
        [
            "Bearer access-1",
            "Bearer access-1",
            "Bearer access-2",
            "Bearer access-2"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn any_failure_of_the_refresh_grant_but_a_transient_one_falls_back_to_client_credentials() {
    let failures = [
        Reply::json(403, json!({"code": "forbidden", "message": "no"})),
        Reply::json(404, json!({"code": "not_found", "message": "no"})),
        Reply::raw(200, "application/json", "{not json"),
        Reply::json(200, json!({"token_type": "Bearer"})),
    ];
    for failure in failures {
        let tokens = Script::new([
            issued("access-1", "refresh-1", json!(100)),
            failure.clone(),
            issued("access-2", "refresh-2", json!(3600)),
        ]);
        let api_script = Script::new([balance()]);
        let base = api(&tokens, &api_script).await;
        let client = client(&base);
        client.get_balance().send().await.unwrap();
        tokio::time::sleep(101 * SECOND).await;
        client.get_balance().send().await.unwrap();
        let grants: Vec<String> = tokens
            .seen()
            .iter()
            .map(|seen| serde_json::from_str::<serde_json::Value>(&seen.body).unwrap()["grant_type"].to_string())
            .collect();
        assert_eq!(
            grants,
            [
                r#""client_credentials""#,
                r#""refresh_token""#,
                r#""client_credentials""#
            ],
            "{failure:?}"
        );
        assert_eq!(api_script.seen()[1].authorization(), Some("Bearer access-2"));
    }
}

// ------------------------------------------------------------------------ No hang

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_that_never_answers_gives_a_typed_timeout_even_with_a_callers_http_client() {
    let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]).gated();
    let api_script = Script::new([balance()]);
    let base = api(&tokens, &api_script).await;
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .http_client(crate::common::plain_http()) // no timeout of its own
        .timeout(5 * SECOND)
        .build()
        .unwrap();

    let started = Instant::now();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_balance().send().await })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(
            matches!(&error, Error::Auth(AuthError::Timeout { waited }) if *waited == 5 * SECOND),
            "{error:?}"
        );
        assert!(error.is_retryable());
    }
    assert_eq!(started.elapsed(), 5 * SECOND);
    assert_eq!((tokens.calls(), api_script.calls()), (1, 0));

    // The endpoint recovers: the next call succeeds with one more token request.
    tokens.release(usize::MAX >> 4);
    client.get_balance().send().await.unwrap();
    assert_eq!((tokens.calls(), api_script.calls()), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn a_call_right_after_a_failed_fetch_waits_for_the_next_attempt() {
    let tokens = Script::new([
        Reply::json(503, json!({"code": "service_unavailable", "message": "down"})),
        issued("access-1", "refresh-1", json!(3600)),
    ]);
    let api_script = Script::new([balance()]);
    let base = api(&tokens, &api_script).await;
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none().backoff(2 * SECOND, 2 * SECOND).without_jitter())
        .build()
        .unwrap();
    let error = client.get_balance().send().await.unwrap_err();
    assert!(matches!(error, Error::Auth(AuthError::Unavailable { .. })), "{error:?}");

    let asked = Instant::now();
    client.get_balance().send().await.unwrap();
    assert_eq!(
        asked.elapsed(),
        2 * SECOND,
        "waited for the attempt due 2 s after the failure"
    );
    assert_eq!((tokens.calls(), api_script.calls()), (2, 1));
}

// ------------------------------------------------------------------------ Runtimes that come and go

#[test]
fn a_renewal_survives_the_short_lived_runtimes_of_its_callers() {
    // The servers live on a runtime of their own for the whole test.
    let servers = tokio::runtime::Runtime::new().unwrap();
    let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]).gated();
    let api_script = Script::new([balance()]);
    let base = servers.block_on(api(&tokens, &api_script));
    // A failed renewal would be retried only after 120 s, far beyond a call's 20 s: were the
    // cut-off renewal counted as a failure, every later call would fail at once.
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(RetryPolicy::none().backoff(120 * SECOND, 120 * SECOND).without_jitter())
        .timeout(20 * SECOND)
        .build()
        .unwrap();
    let short_lived = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };

    // Each caller runs on a runtime of its own that is gone as soon as the token endpoint has
    // the request: the runtime of a blocking wrapper, or of one `#[tokio::test]`.
    for _ in 0..6 {
        short_lived().block_on(async {
            tokio::select! {
                result = client.get_balance().send() => panic!("a call ended while the endpoint held the token: {result:?}"),
                () = tokens.wait_for_calls(1) => {}
            }
        });
    }
    tokens.release(8);

    // The renewal cut off with the first runtime went on where it outlives its callers; the
    // later callers waited for it instead of starting their own.
    short_lived().block_on(client.get_balance().send()).unwrap();
    assert_eq!(
        tokens.calls(),
        2,
        "one request cut off with its runtime, one that finished"
    );
    for _ in 0..4 {
        short_lived().block_on(client.get_balance().send()).unwrap();
    }
    assert_eq!((tokens.calls(), api_script.calls()), (2, 5));
}

// ------------------------------------------------------------------------ Streams and bodies

/// A container answering every request with `chunks` as a body of `content_type`, then an
/// aborted connection when `then_fail` is set.
async fn streaming_container(content_type: &'static str, chunks: Vec<Vec<u8>>, then_fail: bool) -> InferenceClient {
    let handler = move || {
        let chunks = chunks.clone();
        async move {
            use futures_util::StreamExt;
            let sent = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
            // The cut comes after a pause, so the headers and the chunks go out first.
            let cut = futures_util::stream::once(async {
                tokio::task::yield_now().await;
                Err(std::io::Error::other("connection cut"))
            })
            .take(usize::from(then_fail));
            let body = axum::body::Body::from_stream(sent.chain(cut));
            ([("content-type", content_type)], body)
        }
    };
    let endpoint = serve(Router::new().fallback(handler)).await;
    InferenceClient::builder(format!("{endpoint}/llm"), "inference-key")
        .retry_policy(RetryPolicy::none())
        .max_event_size(1024 * 1024)
        .max_body_size(1024 * 1024)
        .build()
        .unwrap()
}

/// Everything a stream yields, read in a spawned task (a panic would be a `JoinError`), and
/// polled once more after its end.
async fn drain(llm: InferenceClient) -> Result<Vec<Result<String, String>>, Error> {
    let task = tokio::spawn(async move {
        use futures_util::StreamExt;
        let mut events = llm.stream("generate", &json!({"prompt": "hi"})).await?;
        let mut items = Vec::new();
        while let Some(item) = events.next().await {
            items.push(item.map(|event| event.data().to_owned()).map_err(|e| e.to_string()));
        }
        assert!(events.next().await.is_none(), "the stream is not fused");
        Ok(items)
    });
    match task.await {
        Ok(result) => result,
        Err(error) => panic!("the stream panicked: {}", error.is_panic()),
    }
}

#[tokio::test]
async fn broken_endless_and_invalid_streams_end_with_typed_errors_and_never_panic() {
    let cut_mid_line =
        drain(streaming_container("application/x-ndjson", vec![b"{\"a\":1}\n{\"b\"".to_vec()], true).await);
    let items = cut_mid_line.await.unwrap();
    assert_eq!(items[0], Ok(r#"{"a":1}"#.to_owned()));
    assert!(items.last().unwrap().is_err(), "{items:?}");

    let cut_mid_event =
        drain(streaming_container("text/event-stream", vec![b"data: one\n\ndata: tw".to_vec()], true).await);
    let items = cut_mid_event.await.unwrap();
    assert_eq!(items[0], Ok("one".to_owned()));
    assert!(items.last().unwrap().is_err(), "{items:?}");

    // 4 MiB without a line end against a 1 MiB limit: an error, and reading stops.
    for content_type in ["application/x-ndjson", "text/event-stream"] {
        let endless = vec![vec![b'x'; 64 * 1024]; 64];
        let items = drain(streaming_container(content_type, endless, false).await)
            .await
            .unwrap();
        assert_eq!(items.len(), 1, "{content_type}: {items:?}");
        assert!(
            items[0]
                .as_ref()
                .unwrap_err()
                .contains("larger than the limit of 1048576 bytes"),
            "{items:?}"
        );
    }

    // One byte that is not UTF-8: a lossy event, then the stream goes on.
    let invalid = vec![b"data: \xffok\n\n".to_vec(), b"data: next\n\n".to_vec()];
    let items = drain(streaming_container("text/event-stream", invalid, false).await)
        .await
        .unwrap();
    assert_eq!(items, [Ok("\u{fffd}ok".to_owned()), Ok("next".to_owned())]);
}

#[tokio::test]
async fn bodies_over_the_limit_are_typed_errors() {
    // An inference result larger than its client's 1 MiB, sent without a Content-Length.
    let llm = streaming_container("application/json", vec![vec![b' '; 512 * 1024]; 4], false).await;
    let error = llm.run_sync("predict", &json!({})).await.unwrap_err();
    assert!(matches!(error, Error::TooLarge { limit: 1_048_576, .. }), "{error:?}");

    // An API answer over the client's limit, announced by its Content-Length.
    let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]);
    let huge = Script::new([Reply::raw(200, "application/json", vec![b' '; 100_000])]);
    let base = api(&tokens, &huge).await;
    let capped = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .max_body_size(10_000)
        .build()
        .unwrap();
    let error = capped.get_balance().send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::TooLarge {
                what: "response body",
                limit: 10_000
            }
        ),
        "{error:?}"
    );
    assert_eq!(huge.calls(), 1, "not retried");

    // An error body: its message keeps only its start.
    let long = "x".repeat(100_000);
    let failing = Script::new([Reply::json(400, json!({"code": "invalid_request", "message": long}))]);
    let base = api(&tokens, &failing).await;
    let error = client(&base).get_balance().send().await.unwrap_err();
    match error {
        Error::Api { error, .. } => assert_eq!(error.message.len(), 512 + '…'.len_utf8()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_too_long_to_count_is_no_timeout_and_no_panic() {
    let tokens = Script::new([issued("access-1", "refresh-1", json!(3600))]);
    let api_script = Script::new([balance()]);
    let base = api(&tokens, &api_script).await;
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .timeout(Duration::MAX)
        .refresh_margin(Duration::MAX)
        .build()
        .unwrap();
    client.get_balance().send().await.unwrap();
    assert_eq!((tokens.calls(), api_script.calls()), (1, 1));
}

#[test]
fn secrets_and_registry_credentials_never_print_their_values() {
    use datacrunch::types::{
        CreateFileSecretRequest, CreateRegistryCredentialsRequest, CreateSecretRequest, SecretFile,
    };
    let secret = CreateSecretRequest::builder().name("db").value("value-1");
    let file = SecretFile::builder()
        .file_name("key.pem")
        .base64_content("Y29udGVudC0x");
    let files = CreateFileSecretRequest::builder()
        .name("tls")
        .files(vec![SecretFile::try_from(file.clone()).unwrap()]);
    let registry = CreateRegistryCredentialsRequest::builder()
        .name("ghcr")
        .type_(datacrunch::types::RegistryType::Ghcr)
        .username(Some("me".to_owned()))
        .access_token(Some("token-1".to_owned()));
    let printed = format!(
        "{secret:?} {:?} {file:?} {files:?} {:?} {registry:?} {:?}",
        CreateSecretRequest::try_from(secret.clone()).unwrap(),
        CreateFileSecretRequest::try_from(files.clone()).unwrap(),
        CreateRegistryCredentialsRequest::try_from(registry.clone()).unwrap(),
    );
    assert!(
        printed.contains("db") && printed.contains("key.pem") && printed.contains("ghcr"),
        "{printed}"
    );
    for value in ["value-1", "Y29udGVudC0x", "token-1"] {
        assert!(!printed.contains(value), "{printed}");
    }
}
