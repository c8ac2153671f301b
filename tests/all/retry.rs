//! Retries of transient failures, on paused time against a scripted local API: exact request
//! counts and exact virtual waits.

use crate::common;

use std::time::Duration;

use axum::Router;
use common::local::{Reply, Script, serve};
use datacrunch::retry::RetryPolicy;
use datacrunch::{Client, Error};
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);

fn balance() -> Reply {
    Reply::json(200, json!({"amount": 12.5, "currency": "usd"}))
}

fn error(status: u16) -> Reply {
    Reply::json(status, json!({"code": "service_unavailable", "message": "try later"}))
}

/// A client without credentials for the API at `base`, retrying by `policy`.
fn client(base: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .retry_policy(policy)
        .build()
        .unwrap()
}

/// Waits of 1 s, 2 s, 4 s: predictable on paused time.
fn predictable() -> RetryPolicy {
    RetryPolicy::default().backoff(SECOND, 8 * SECOND).without_jitter()
}

/// The time between consecutive requests the script saw.
fn gaps(script: &Script) -> Vec<Duration> {
    let seen = script.seen();
    seen.windows(2).map(|pair| pair[1].at - pair[0].at).collect()
}

async fn serve_balance(script: &Script) -> String {
    serve(Router::new().route("/v1/balance", script.handler())).await
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_on_get_is_retried_once_after_that_wait() {
    let script = Script::new([error(429).header("retry-after", "1"), balance()]);
    let base = serve_balance(&script).await;

    let balance = client(&base, RetryPolicy::default())
        .get_balance()
        .send()
        .await
        .unwrap();
    assert_eq!(balance.amount.as_str(), "12.5");
    assert_eq!(script.calls(), 2);
    assert_eq!(gaps(&script), [SECOND]);
}

#[tokio::test(start_paused = true)]
async fn a_503_on_get_is_retried_three_times_then_reported() {
    let script = Script::new([error(503)]);
    let base = serve_balance(&script).await;

    let error = client(&base, predictable()).get_balance().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Api { status, .. } if *status == 503),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(script.calls(), 4);
    assert_eq!(gaps(&script), [SECOND, 2 * SECOND, 4 * SECOND]);
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_to_its_maximum() {
    let script = Script::new([error(502)]);
    let base = serve_balance(&script).await;
    let policy = predictable().max_retries(5).backoff(SECOND, 3 * SECOND);

    client(&base, policy).get_balance().send().await.unwrap_err();
    assert_eq!(gaps(&script), [SECOND, 2 * SECOND, 3 * SECOND, 3 * SECOND, 3 * SECOND]);
}

#[tokio::test(start_paused = true)]
async fn a_500_is_retried_for_get_but_not_for_delete_while_a_502_is_retried_for_both() {
    let get = Script::new([error(500), balance()]);
    let delete_500 = Script::new([error(500)]);
    let delete_502 = Script::new([error(502), Reply::empty(202)]);
    let base = serve(
        Router::new()
            .route("/v1/balance", get.handler())
            .route("/v1/scripts/a", delete_500.handler())
            .route("/v1/scripts/b", delete_502.handler()),
    )
    .await;
    let client = client(&base, predictable());

    client.get_balance().send().await.unwrap();
    client.delete_script_by_id().id("a").send().await.unwrap_err();
    client.delete_script_by_id().id("b").send().await.unwrap();
    assert_eq!((get.calls(), delete_500.calls(), delete_502.calls()), (2, 1, 2));
}

#[tokio::test(start_paused = true)]
async fn a_503_on_post_is_not_retried_but_a_429_is() {
    let unavailable = Script::new([error(503)]);
    let limited = Script::new([
        error(429),
        Reply::json(201, json!("7f3e2d1c-0000-4000-8000-00000000abcd")),
    ]);
    let base = serve(
        Router::new()
            .route("/v1/sshkeys", unavailable.handler())
            .route("/v1/scripts", limited.handler()),
    )
    .await;
    let client = client(&base, predictable());

    let error = client
        .add_ssh_keys()
        .body_map(|body| body.name("laptop").key("ssh-ed25519 AAAA"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(unavailable.calls(), 1);

    client
        .add_scripts()
        .body_map(|body| body.name("setup").script("#!/bin/sh\necho hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.calls(), 2);
    assert_eq!(limited.seen()[0].body, limited.seen()[1].body);
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_on_post_is_retried() {
    // Nothing listens on the port: every attempt is refused before anything is sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client(&format!("http://127.0.0.1:{port}"), predictable().max_retries(2));

    let started = tokio::time::Instant::now();
    let error = client
        .add_ssh_keys()
        .body_map(|body| body.name("laptop").key("ssh-ed25519 AAAA"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Transport(e) if e.is_connect()), "{error:?}");
    // Two retries, after 1 s and 2 s: three attempts.
    assert_eq!(started.elapsed(), 3 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn with_retries_off_a_503_is_answered_after_one_request() {
    let script = Script::new([error(503)]);
    let base = serve_balance(&script).await;

    let error = client(&base, RetryPolicy::none())
        .get_balance()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(script.calls(), 1);

    let off = Client::builder()
        .base_url(format!("{base}/v1"))
        .max_retries(0)
        .build()
        .unwrap();
    off.get_balance().send().await.unwrap_err();
    assert_eq!(script.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_honoured() {
    // The date is on the wall clock, which paused time does not stop and a loaded machine moves
    // on while the request travels: 20 s ahead, in whole seconds, the wait is at most 20 s and
    // far above the policy's own 1 s backoff, whatever the load.
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + 20 * SECOND);
    let script = Script::new([error(503).header("retry-after", at), balance()]);
    let base = serve_balance(&script).await;

    client(&base, predictable()).get_balance().send().await.unwrap();
    let gap = gaps(&script)[0];
    assert!((10 * SECOND..=20 * SECOND).contains(&gap), "{gap:?}");
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_is_capped() {
    let script = Script::new([error(429).header("retry-after", "3600"), balance()]);
    let base = serve_balance(&script).await;

    client(&base, RetryPolicy::default())
        .get_balance()
        .send()
        .await
        .unwrap();
    assert_eq!(gaps(&script), [Duration::from_secs(30)]);

    let script = Script::new([error(429).header("retry-after", "3600"), balance()]);
    let base = serve_balance(&script).await;
    let policy = RetryPolicy::default().retry_after_cap(5 * SECOND);
    client(&base, policy).get_balance().send().await.unwrap();
    assert_eq!(gaps(&script), [5 * SECOND]);
}

#[tokio::test(start_paused = true)]
async fn no_retry_starts_once_the_total_time_is_spent() {
    let script = Script::new([error(503).header("retry-after", "20")]);
    let base = serve_balance(&script).await;
    let policy = RetryPolicy::default()
        .max_retries(10)
        .max_elapsed(Duration::from_secs(50));

    client(&base, policy).get_balance().send().await.unwrap_err();
    // Retries at 20 s and 40 s; one at 60 s would pass the 50 s limit.
    assert_eq!(script.calls(), 3);
}

const CLIENT_SECRET: &str = "retry-secret-5a4b3c";

/// The scripted API with a token endpoint answering `tokens` and `GET /balance` answering `api`.
async fn authenticated_api(tokens: &Script, api: &Script) -> Client {
    authenticated_builder(tokens, api).await.build().unwrap()
}

async fn authenticated_builder(tokens: &Script, api: &Script) -> datacrunch::ClientBuilder {
    let base = serve(
        Router::new()
            .route("/v1/oauth2/token", tokens.handler())
            .route("/v1/balance", api.handler()),
    )
    .await;
    Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials("client-id", CLIENT_SECRET)
        .retry_policy(predictable())
}

fn token(access: &str, expires_in: u64) -> Reply {
    Reply::json(
        200,
        json!({"access_token": access, "refresh_token": format!("refresh-of-{access}"), "expires_in": expires_in}),
    )
}

#[tokio::test(start_paused = true)]
async fn a_retried_request_carries_the_newest_token() {
    // access-1 lives 20 s; the API asks to come back in 25 s, by which time it has expired.
    let tokens = Script::new([token("access-1", 20), token("access-2", 3600)]);
    let api = Script::new([error(503).header("retry-after", "25"), balance()]);
    let client = authenticated_api(&tokens, &api).await;

    client.get_balance().send().await.unwrap();
    let bearers: Vec<_> = api
        .seen()
        .into_iter()
        .map(|seen| seen.authorization().unwrap().to_owned())
        .collect();
    assert_eq!(bearers, ["Bearer access-1", "Bearer access-2"]);
    assert_eq!(tokens.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_retried_flow_is_traced_by_operation_without_tokens_or_secrets() {
    let captured = common::logs::capture();

    let tokens = Script::new([error(503), token("access-tok-7777", 3600)]);
    let api = Script::new([error(502), balance()]);
    let client = authenticated_api(&tokens, &api).await;
    client.get_balance().send().await.unwrap();

    let logs = captured.text();
    let call_closed = logs
        .lines()
        .find(|line| line.contains("api_call{") && line.contains("close"))
        .unwrap_or_else(|| panic!("no closed api_call span in: {logs}"));
    for field in [
        r#"operation="get_balance""#,
        "method=GET",
        r#"path="/v1/balance""#,
        "status=200",
        "attempts=2",
        "duration_ms=2000", // 1 s waiting for the token endpoint, 1 s before the retry
    ] {
        assert!(call_closed.contains(field), "{field} missing from: {call_closed}");
    }
    let token_closed = logs
        .lines()
        .find(|line| line.contains("token_request{") && line.contains("close"))
        .unwrap_or_else(|| panic!("no closed token_request span in: {logs}"));
    assert!(token_closed.contains(r#"grant="client_credentials""#) && token_closed.contains("attempts=2"));
    for secret in [CLIENT_SECRET, "access-tok-7777", "refresh-of-access-tok-7777"] {
        assert!(!logs.contains(secret), "{secret:?} printed in: {logs}");
    }
}

/// Adds `x-layer: between` to every request: a caller's middleware between two of the SDK's.
struct Tag;

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Tag {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let value = reqwest::header::HeaderValue::from_static("between");
        request.headers_mut().insert("x-layer", value);
        next.run(request, extensions).await
    }
}

/// Puts the retry layer and the given auth layer (and in one case [`Tag`] between them) on a
/// middleware stack, in some order.
type Stack =
    fn(reqwest_middleware::ClientBuilder, datacrunch::auth::AuthMiddleware) -> reqwest_middleware::ClientBuilder;

#[tokio::test(start_paused = true)]
async fn the_retry_and_auth_layers_resend_the_same_request_in_any_stack_order() {
    use datacrunch::auth::{AuthMiddleware, Credentials};
    use datacrunch::retry::RetryMiddleware;

    let stacks: [(&str, Stack); 3] = [
        ("retry, then auth (the client's order)", |stack, auth| {
            stack.with(RetryMiddleware::new(predictable())).with(auth)
        }),
        ("auth, then retry", |stack, auth| {
            stack.with(auth).with(RetryMiddleware::new(predictable()))
        }),
        ("retry, a tagging layer, then auth", |stack, auth| {
            stack.with(RetryMiddleware::new(predictable())).with(Tag).with(auth)
        }),
    ];
    for (order, stack) in stacks {
        // A 401 (replayed with a new token), then a 429 (retried after 1 s), then success.
        let tokens = Script::new([token("access-1", 3600), token("access-2", 3600)]);
        let api = Script::new([
            Reply::empty(401),
            error(429).header("retry-after", "1"),
            Reply::json(201, json!({"id": "v-1"})),
        ]);
        let base = serve(
            Router::new()
                .route("/v1/oauth2/token", tokens.handler())
                .route("/v1/volumes", api.handler()),
        )
        .await;
        let auth = AuthMiddleware::new(Credentials::new("client-id", CLIENT_SECRET), &format!("{base}/v1")).unwrap();
        let http = stack(reqwest_middleware::ClientBuilder::new(common::plain_http()), auth).build();

        let response = http
            .post(format!("{base}/v1/volumes"))
            .header("x-caller", "kept")
            .json(&json!({"name": "data", "size": 100}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{order}");
        let seen = api.seen();
        let bearers: Vec<_> = seen.iter().map(|seen| seen.authorization().unwrap()).collect();
        assert_eq!(
            bearers,
            ["Bearer access-1", "Bearer access-2", "Bearer access-2"],
            "{order}"
        );
        for request in &seen {
            assert_eq!(request.body, r#"{"name":"data","size":100}"#, "{order}");
            assert_eq!(request.headers["x-caller"], "kept", "{order}");
        }
        let tagged = seen.iter().filter(|seen| seen.headers.contains_key("x-layer")).count();
        let expected = if order.contains("tagging") { 3 } else { 0 };
        assert_eq!(tagged, expected, "{order}");
        assert_eq!(gaps(&api)[1], SECOND, "{order}");
        assert_eq!(tokens.calls(), 2, "{order}");
    }
}

/// The authorizations the script saw, in order.
fn bearers(script: &Script) -> Vec<String> {
    script
        .seen()
        .into_iter()
        .map(|seen| seen.authorization().unwrap().to_owned())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn in_the_clients_stack_each_attempt_may_replay_a_401_once_with_a_new_token() {
    each_attempt_replays_a_401_once(false).await;
}

#[tokio::test(start_paused = true)]
async fn with_a_middleware_of_the_callers_the_client_still_retries_and_replays_each_401_once() {
    each_attempt_replays_a_401_once(true).await;
}

/// Attempt 1: a 401, replayed at once with a new token, then a 503. Attempt 2 (after 1 s): a 401
/// again, replayed with a third token, then the balance. With `tagged`, the client has a
/// middleware of the caller's ([`Tag`]); it runs once, outside the SDK's layers, so every
/// attempt and replay carries what it added.
async fn each_attempt_replays_a_401_once(tagged: bool) {
    let tokens = Script::new([
        token("access-1", 3600),
        token("access-2", 3600),
        token("access-3", 3600),
    ]);
    let api = Script::new([Reply::empty(401), error(503), Reply::empty(401), balance()]);
    let builder = authenticated_builder(&tokens, &api).await;
    let client = if tagged { builder.with(Tag) } else { builder }.build().unwrap();

    let balance = client.get_balance().send().await.unwrap();
    assert_eq!(balance.amount.as_str(), "12.5");
    assert_eq!(
        bearers(&api),
        [
            "Bearer access-1",
            "Bearer access-2",
            "Bearer access-2",
            "Bearer access-3"
        ]
    );
    let tagged_requests = api
        .seen()
        .iter()
        .filter(|seen| seen.headers.contains_key("x-layer"))
        .count();
    assert_eq!(tagged_requests, if tagged { 4 } else { 0 });
    assert_eq!(gaps(&api), [Duration::ZERO, SECOND, Duration::ZERO]);
    assert_eq!(tokens.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn in_the_clients_stack_a_401_to_a_streamed_body_is_returned_and_the_token_kept() {
    let tokens = Script::new([token("access-1", 3600), token("access-2", 3600)]);
    let api = Script::new([Reply::empty(401), balance()]);
    let client = authenticated_api(&tokens, &api).await;
    let url = format!("{}/balance", progenitor_client::ClientInfo::baseurl(&client));

    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{}"))]);
    let response = client
        .http()
        .post(&url)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    client.get_balance().send().await.unwrap();
    assert_eq!(bearers(&api), ["Bearer access-1", "Bearer access-1"]);
    assert_eq!(tokens.calls(), 1);
}

/// How a client of [`every_resend_is_the_request_first_sent`] is set up.
#[derive(Clone, Copy, Debug)]
enum Setup {
    /// The default stack: the retry layer resends, and builds the request again.
    Default,
    /// A middleware of the caller's ([`Tag`]) in front: the layers copy the request.
    CallersMiddleware,
    /// Retries off: the auth layer replays a 401 itself, and builds the request again.
    RetriesOff,
}

#[tokio::test(start_paused = true)]
async fn in_the_default_stack_every_resend_is_the_request_first_sent() {
    every_resend_is_the_request_first_sent(Setup::Default).await;
}

#[tokio::test(start_paused = true)]
async fn behind_a_middleware_of_the_callers_every_resend_is_the_request_first_sent() {
    every_resend_is_the_request_first_sent(Setup::CallersMiddleware).await;
}

#[tokio::test(start_paused = true)]
async fn with_retries_off_a_replay_is_the_request_first_sent() {
    every_resend_is_the_request_first_sent(Setup::RetriesOff).await;
}

/// A GET with a query and a POST with a JSON body, each answered 401 (replayed at once with a
/// new token), then (with retries on) a transient error (retried after 1 s), then success: every
/// request the API sees of one call has the same method, target, headers (but the token) and
/// body.
async fn every_resend_is_the_request_first_sent(setup: Setup) {
    let tokens = Script::new([
        token("access-1", 3600),
        token("access-2", 3600),
        token("access-3", 3600),
    ]);
    let retried = |transient: Reply, success: Reply| match setup {
        Setup::RetriesOff => Script::new([Reply::empty(401), success]),
        _ => Script::new([Reply::empty(401), transient, success]),
    };
    let images = retried(error(503), Reply::json(200, json!([])));
    let instances = retried(
        error(429).header("retry-after", "1"),
        Reply::raw(202, "text/plain", "7f3e2d1c-0000-4000-8000-00000000abcd"),
    );
    let base = serve(
        Router::new()
            .route("/v1/oauth2/token", tokens.handler())
            .route("/v1/images", images.handler())
            .route("/v1/instances", instances.handler()),
    )
    .await;
    let builder = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials("client-id", CLIENT_SECRET)
        .retry_policy(predictable());
    let client = match setup {
        Setup::Default => builder,
        Setup::CallersMiddleware => builder.with(Tag),
        Setup::RetriesOff => builder.retry_policy(RetryPolicy::none()),
    }
    .build()
    .unwrap();

    use datacrunch::types::{DeployInstanceRequest, InstanceType, LocationCode};
    let images_found = client
        .get_images()
        .instance_type(InstanceType::H100x1_80S_22V)
        .send()
        .await
        .unwrap();
    assert!(images_found.is_empty());
    let deploy = DeployInstanceRequest::builder()
        .instance_type(InstanceType::H100x1_80S_22V)
        .image("ubuntu-24.04-cuda-12.8-open-docker")
        .hostname("trainer")
        .description("training box")
        .location_code(LocationCode::Fin03);
    let id = client.deploy_instance().body(deploy).send().await.unwrap().into_inner();
    assert_eq!(id.to_string(), "7f3e2d1c-0000-4000-8000-00000000abcd");

    let (first, second, third) = ("Bearer access-1", "Bearer access-2", "Bearer access-3");
    let expected = match setup {
        Setup::RetriesOff => [vec![first, second], vec![second, third]],
        _ => [vec![first, second, second], vec![second, third, third]],
    };
    for ((script, line), bearers_expected) in [
        (&images, "GET /v1/images?instance_type=1H100.80S.22V"),
        (&instances, "POST /v1/instances"),
    ]
    .into_iter()
    .zip(expected)
    {
        assert_eq!(bearers(script), bearers_expected, "{setup:?} {line}");
        let seen = script.seen();
        let without_token = |headers: &axum::http::HeaderMap| {
            let mut headers = headers.clone();
            headers.remove("authorization");
            headers
        };
        for request in &seen {
            assert_eq!(request.line, line, "{setup:?}");
            assert_eq!(
                without_token(&request.headers),
                without_token(&seen[0].headers),
                "{setup:?} {line}"
            );
            assert_eq!(request.body, seen[0].body, "{setup:?} {line}");
        }
        let tagged = seen.iter().all(|request| request.headers.contains_key("x-layer"));
        assert_eq!(tagged, matches!(setup, Setup::CallersMiddleware), "{setup:?} {line}");
    }
    let sent: serde_json::Value = serde_json::from_str(&instances.seen()[0].body).unwrap();
    assert_eq!(sent["hostname"], "trainer");
    assert_eq!(sent["location_code"], "FIN-03");
    if !matches!(setup, Setup::RetriesOff) {
        assert_eq!(gaps(&instances), [Duration::ZERO, SECOND]);
    }
    assert_eq!(tokens.calls(), 3);
}
