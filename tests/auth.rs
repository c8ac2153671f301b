//! The OAuth2 middleware against a mock token endpoint and API, with exact request counts.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datacrunch::auth::{AuthError, AuthMiddleware, Credentials};
use datacrunch::types::ErrorCode;
use datacrunch::{Client, Error};
use httpmock::prelude::*;
use serde_json::json;

const CLIENT_ID: &str = "client-id-123";
const CLIENT_SECRET: &str = "very-secret-value-9f8e7d";

fn token(access: &str, refresh: &str, expires_in: u64) -> serde_json::Value {
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": "fullAccess"
    })
}

/// A client with credentials against `server`.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url("/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap()
}

/// The token endpoint answering the client-credentials grant.
fn client_credentials_grant<'a>(server: &'a MockServer, body: &serde_json::Value) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/v1/oauth2/token")
            .header("content-type", "application/json")
            .json_body_includes(
                json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
                    .to_string(),
            );
        then.status(200).json_body(body.clone());
    })
}

/// The token endpoint answering the refresh grant for `refresh_token`.
fn refresh_grant<'a>(
    server: &'a MockServer,
    refresh_token: &str,
    status: u16,
    body: serde_json::Value,
) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(POST)
            .path("/v1/oauth2/token")
            .json_body_includes(json!({"grant_type": "refresh_token", "refresh_token": refresh_token}).to_string());
        then.status(status).json_body(body);
    })
}

/// A hand-written `ClientWithMiddleware` carrying the auth middleware for the API at `base_url`.
fn hand_written_client(base_url: &str) -> reqwest_middleware::ClientWithMiddleware {
    let auth = AuthMiddleware::new(Credentials::new(CLIENT_ID, CLIENT_SECRET), base_url).unwrap();
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(auth)
        .build()
}

/// `GET /balance` answering 200 to `access`.
fn balance_for<'a>(server: &'a MockServer, access: &str) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/balance")
            .header("authorization", format!("Bearer {access}"));
        then.status(200).json_body(json!({"amount": 125.5, "currency": "usd"}));
    })
}

/// Calls `GET /balance` from `tasks` tasks at once, each with its own clone of `client`.
async fn balance_from_many_tasks(client: &Client, tasks: usize) {
    let calls = (0..tasks).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_balance().send().await.map(|_| ()) })
    });
    for call in futures_util::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
}

#[tokio::test]
async fn many_calls_reuse_one_token() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let api = balance_for(&server, "access-1");
    let client = client(&server);

    for _ in 0..5 {
        let balance = client.get_balance().send().await.unwrap();
        assert_eq!(balance.amount.as_str(), "125.5");
    }
    assert_eq!(grant.calls(), 1);
    assert_eq!(api.calls(), 5);
}

#[tokio::test]
async fn building_a_client_does_no_network_io() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let _client = client(&server);
    assert_eq!(grant.calls(), 0);
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_once_before_the_call() {
    let server = MockServer::start_async().await;
    // A 2 s token is renewed after half its life, since the 60 s margin exceeds it.
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 2));
    let refresh = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 3600));
    let old = balance_for(&server, "access-1");
    let new = balance_for(&server, "access-2");
    let client = client(&server);

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.get_balance().send().await.unwrap();
    client.get_balance().send().await.unwrap();

    // Had the old token been used after its renewal point, `old` would count more than one.
    assert_eq!((grant.calls(), refresh.calls()), (1, 1));
    assert_eq!((old.calls(), new.calls()), (1, 2));
}

#[tokio::test]
async fn a_short_refresh_margin_keeps_the_token_longer() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 2));
    let refresh = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 3600));
    balance_for(&server, "access-1");
    let client = Client::builder()
        .base_url(server.url("/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .refresh_margin(Duration::from_millis(100))
        .build()
        .unwrap();

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), refresh.calls()), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_on_a_cold_client_make_one_token_request() {
    let server = MockServer::start_async().await;
    let grant = server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(200)
            .delay(Duration::from_millis(300))
            .json_body(token("access-1", "refresh-1", 3600));
    });
    let api = balance_for(&server, "access-1");
    let client = client(&server);

    balance_from_many_tasks(&client, 64).await;
    assert_eq!(grant.calls(), 1);
    assert_eq!(api.calls(), 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_across_an_expiry_make_one_refresh() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 2));
    let refresh = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/oauth2/token")
            .json_body_includes(r#"{"grant_type":"refresh_token"}"#);
        then.status(200)
            .delay(Duration::from_millis(200))
            .json_body(token("access-2", "refresh-2", 3600));
    });
    balance_for(&server, "access-1");
    let new = balance_for(&server, "access-2");
    let client = client(&server);

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    balance_from_many_tasks(&client, 64).await;
    assert_eq!((grant.calls(), refresh.calls(), new.calls()), (1, 1, 64));
}

#[tokio::test]
async fn a_401_on_get_renews_the_token_and_replays_once() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("revoked", "refresh-1", 3600));
    let refresh = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 3600));
    let rejected = server.mock(|when, then| {
        when.method(GET)
            .path("/v1/balance")
            .header("authorization", "Bearer revoked");
        then.status(401)
            .json_body(json!({"code": "unauthorized_request", "message": "token revoked"}));
    });
    let accepted = balance_for(&server, "access-2");
    let client = client(&server);

    let balance = client.get_balance().send().await.unwrap();
    assert_eq!(balance.amount.as_str(), "125.5");
    assert_eq!(
        (grant.calls(), refresh.calls(), rejected.calls(), accepted.calls()),
        (1, 1, 1, 1)
    );
}

#[tokio::test]
async fn a_401_on_post_replays_the_identical_body() {
    let server = MockServer::start_async().await;
    client_credentials_grant(&server, &token("revoked", "refresh-1", 3600));
    let refresh = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 3600));
    let sent = json!({
        "instance_type": "1H100.80S.22V",
        "image": "ubuntu-24.04-cuda-12.8-open-docker",
        "hostname": "trainer",
        "description": "training box",
        "location_code": "FIN-03"
    });
    let rejected = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/instances")
            .header("authorization", "Bearer revoked")
            .json_body(sent.clone());
        then.status(401);
    });
    let accepted = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/instances")
            .header("authorization", "Bearer access-2")
            .json_body(sent.clone());
        then.status(202)
            .header("content-type", "text/plain")
            .body("7f3e2d1c-0000-4000-8000-00000000abcd");
    });
    let client = client(&server);

    let request = datacrunch::types::DeployInstanceRequest::builder()
        .instance_type(datacrunch::types::InstanceType::H100x1_80S_22V)
        .image("ubuntu-24.04-cuda-12.8-open-docker")
        .hostname("trainer")
        .description("training box")
        .location_code(datacrunch::types::LocationCode::Fin03);
    let id = client
        .deploy_instance()
        .body(request)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(id.to_string(), "7f3e2d1c-0000-4000-8000-00000000abcd");
    assert_eq!((refresh.calls(), rejected.calls(), accepted.calls()), (1, 1, 1));
}

#[tokio::test]
async fn two_401s_in_a_row_reach_the_caller_after_two_api_requests() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let refresh = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 3600));
    let api = server.mock(|when, then| {
        when.method(GET).path("/v1/balance");
        then.status(401)
            .json_body(json!({"code": "unauthorized_request", "message": "no"}));
    });
    let client = client(&server);

    let (status, error) = common::api_error(client.get_balance().send().await.unwrap_err());
    assert_eq!(status, 401);
    assert_eq!(error.code, Some(ErrorCode::UnauthorizedRequest));
    assert_eq!((grant.calls(), refresh.calls(), api.calls()), (1, 1, 2));
}

#[tokio::test]
async fn a_rejected_refresh_falls_back_to_client_credentials() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 2));
    let refresh = refresh_grant(
        &server,
        "refresh-1",
        400,
        json!({"code": "invalid_grant", "message": "refresh token expired"}),
    );
    let api = balance_for(&server, "access-1");
    let client = client(&server);

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), refresh.calls(), api.calls()), (2, 1, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotated_refresh_tokens_under_concurrency_make_one_request_per_expiry() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 2));
    let first = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 2));
    let second = refresh_grant(&server, "refresh-2", 200, token("access-3", "refresh-3", 3600));
    for access in ["access-1", "access-2", "access-3"] {
        balance_for(&server, access);
    }
    let client = client(&server);

    client.get_balance().send().await.unwrap();
    for _expiry in 0..2 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        balance_from_many_tasks(&client, 32).await;
    }
    assert_eq!((grant.calls(), first.calls(), second.calls()), (1, 1, 1));
}

#[tokio::test]
async fn wrong_credentials_give_a_typed_error_after_one_token_request() {
    let server = MockServer::start_async().await;
    let grant = server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(401)
            .json_body(json!({"code": "unauthorized_request", "message": "Invalid client id or client secret"}));
    });
    let api = server.mock(|when, then| {
        when.method(GET).path("/v1/balance");
        then.status(200).json_body(json!({"amount": 1, "currency": "usd"}));
    });
    let client = client(&server);

    let error = Error::from(client.get_balance().send().await.unwrap_err());
    match error {
        Error::Auth(AuthError::InvalidCredentials { message }) => {
            assert_eq!(message, "Invalid client id or client secret")
        }
        other => panic!("expected invalid credentials, got {other:?}"),
    }
    assert_eq!((grant.calls(), api.calls()), (1, 0));
}

#[tokio::test]
async fn a_bad_token_request_keeps_the_servers_code_and_message() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(400)
            .json_body(json!({"code": "invalid_request", "message": "client_id was not specified"}));
    });
    let error = Error::from(client(&server).get_balance().send().await.unwrap_err());
    match error {
        Error::Auth(AuthError::BadRequest { code, message }) => {
            assert_eq!(code, Some(ErrorCode::InvalidRequest));
            assert_eq!(message, "client_id was not specified");
        }
        other => panic!("expected a bad request, got {other:?}"),
    }
}

/// Answers 503 to the first `failures` token requests, then a token.
fn flaky_token_endpoint(server: &MockServer, failures: usize) -> httpmock::Mock<'_> {
    let seen = AtomicUsize::new(0);
    server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.respond_with(move |_| {
            let (status, body) = if seen.fetch_add(1, Ordering::SeqCst) < failures {
                (
                    503,
                    json!({"code": "service_unavailable", "message": "try again later"}),
                )
            } else {
                (200, token("access-1", "refresh-1", 3600))
            };
            httpmock::HttpMockResponse::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.to_string())
                .build()
        });
    })
}

#[tokio::test]
async fn token_endpoint_failing_twice_then_succeeding_takes_three_requests() {
    let server = MockServer::start_async().await;
    let grant = flaky_token_endpoint(&server, 2);
    let api = balance_for(&server, "access-1");

    client(&server).get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), api.calls()), (3, 1));
}

#[tokio::test]
async fn token_endpoint_failing_three_times_gives_up_with_a_typed_error() {
    let server = MockServer::start_async().await;
    let grant = flaky_token_endpoint(&server, 3);

    let error = Error::from(client(&server).get_balance().send().await.unwrap_err());
    match error {
        Error::Auth(AuthError::Unavailable {
            attempts,
            status,
            reason,
        }) => {
            assert_eq!((attempts, status.map(|s| s.as_u16())), (3, Some(503)));
            assert_eq!(reason, "try again later");
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(grant.calls(), 3);
}

#[tokio::test]
async fn a_non_json_token_body_is_a_typed_error() {
    let server = MockServer::start_async().await;
    let grant = server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(200)
            .header("content-type", "text/html")
            .body("<html>login page</html>");
    });
    let error = Error::from(client(&server).get_balance().send().await.unwrap_err());
    match error {
        Error::Auth(AuthError::MalformedResponse { status, reason }) => {
            assert_eq!(status, 200);
            assert!(reason.contains("<html>login page</html>"), "{reason}");
        }
        other => panic!("expected a malformed response, got {other:?}"),
    }
    assert_eq!(grant.calls(), 1);
}

#[tokio::test]
async fn a_token_body_without_access_token_is_a_typed_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(200)
            .json_body(json!({"token_type": "Bearer", "refresh_token": "refresh-secret-1"}));
    });
    let error = Error::from(client(&server).get_balance().send().await.unwrap_err());
    let text = format!("{error} {error:?}");
    assert!(
        matches!(error, Error::Auth(AuthError::MalformedResponse { .. })),
        "{text}"
    );
    assert!(text.contains("access_token"), "{text}");
    assert!(!text.contains("refresh-secret-1"), "{text}");
}

#[tokio::test]
async fn the_bearer_token_is_not_sent_to_another_origin() {
    let api = MockServer::start_async().await;
    let elsewhere = MockServer::start_async().await;
    client_credentials_grant(&api, &token("access-1", "refresh-1", 3600));
    let leaked = elsewhere.mock(|when, then| {
        when.path("/v1/balance").header_exists("authorization");
        then.status(200).json_body(json!({"amount": 1, "currency": "usd"}));
    });
    let clean = elsewhere.mock(|when, then| {
        when.path("/v1/balance").header_missing("authorization");
        then.status(200).json_body(json!({"amount": 1, "currency": "usd"}));
    });

    // A hand-written client carrying middleware for `api`, sending to `elsewhere`.
    let http = hand_written_client(&api.url("/v1"));
    let response = http.get(elsewhere.url("/v1/balance")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!((leaked.calls(), clean.calls()), (0, 1));
}

#[tokio::test]
async fn the_middleware_authenticates_hand_written_calls() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let api = balance_for(&server, "access-1");
    let auth = AuthMiddleware::new(Credentials::new(CLIENT_ID, CLIENT_SECRET), &server.url("/v1")).unwrap();
    assert_eq!(auth.token_url(), server.url("/v1/oauth2/token"));
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(auth)
        .build();

    let response = http.get(server.url("/v1/balance")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!((grant.calls(), api.calls()), (1, 1));
}

#[tokio::test]
async fn a_custom_token_url_is_used() {
    let server = MockServer::start_async().await;
    let custom = server.mock(|when, then| {
        when.method(POST).path("/auth/token");
        then.status(200).json_body(token("access-1", "refresh-1", 3600));
    });
    let api = balance_for(&server, "access-1");
    let client = Client::builder()
        .base_url(server.url("/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url(server.url("/auth/token"))
        .build()
        .unwrap();
    client.get_balance().send().await.unwrap();
    assert_eq!((custom.calls(), api.calls()), (1, 1));
}

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_or_token_is_ever_printed() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    client_credentials_grant(&server, &token("access-tok-1111", "refresh-tok-2222", 2));
    refresh_grant(
        &server,
        "refresh-tok-2222",
        400,
        json!({"code": "invalid_grant", "message": "nope"}),
    );
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/balance")
            .header("authorization", "Bearer access-tok-1111");
        then.status(401);
    });
    let client = client(&server);

    // A whole flow: first token, a 401, a rejected refresh, a fallback, a failed call.
    let error = Error::from(client.get_balance().send().await.unwrap_err());
    let credentials = Credentials::new(CLIENT_ID, CLIENT_SECRET);
    let auth = AuthMiddleware::new(credentials.clone(), &server.url("/v1")).unwrap();
    let builder = Client::builder().credentials(CLIENT_ID, CLIENT_SECRET);

    let printed = [
        format!("{credentials} {credentials:?}"),
        format!("{client:?}"),
        format!("{auth:?}"),
        format!("{builder:?}"),
        format!("{error} {error:?}"),
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap(),
    ];
    let logs = &printed[5];
    assert!(
        logs.contains("requesting access token"),
        "tracing captured nothing: {logs}"
    );
    for text in &printed {
        for secret in [CLIENT_SECRET, "access-tok-1111", "refresh-tok-2222"] {
            assert!(!text.contains(secret), "{secret:?} printed in: {text}");
        }
    }
    assert!(printed[0].contains("<redacted>"));
}

#[tokio::test]
async fn errors_never_contain_the_secret_even_when_the_server_echoes_it() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.status(400)
            .json_body(json!({"code": "invalid_request", "message": format!("bad secret {CLIENT_SECRET}")}));
    });
    let error = Error::from(client(&server).get_balance().send().await.unwrap_err());
    let text = format!("{error} {error:?}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    assert!(text.contains("bad secret <redacted>"), "{text}");
}

/// Serializes the tests that change process environment variables.
static ENV_LOCK: Mutex<()> = Mutex::new(());

fn clear_env() {
    for name in [
        "DATACRUNCH_CLIENT_ID",
        "DATACRUNCH_CLIENT_SECRET",
        "DATACRUNCH_BASE_URL",
        "VERDA_CLIENT_ID",
        "VERDA_CLIENT_SECRET",
        "VERDA_BASE_URL",
    ] {
        // SAFETY: ENV_LOCK serializes every test that touches the environment.
        unsafe { std::env::remove_var(name) };
    }
}

#[tokio::test]
async fn from_env_reads_datacrunch_names_before_verda_names() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let api = balance_for(&server, "access-1");
    let client = {
        let _lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        clear_env();
        // SAFETY: ENV_LOCK serializes every test that touches the environment.
        unsafe {
            std::env::set_var("DATACRUNCH_CLIENT_ID", CLIENT_ID);
            std::env::set_var("VERDA_CLIENT_ID", "the-other-id");
            std::env::set_var("VERDA_CLIENT_SECRET", CLIENT_SECRET);
            std::env::set_var("VERDA_BASE_URL", server.url("/v1"));
        }
        let client = Client::from_env();
        clear_env();
        client.unwrap()
    };
    client.get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), api.calls()), (1, 1));
}

#[test]
fn from_env_names_the_missing_variable() {
    let _lock = ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    clear_env();
    // SAFETY: ENV_LOCK serializes every test that touches the environment.
    unsafe { std::env::set_var("VERDA_CLIENT_ID", CLIENT_ID) };
    let error = Client::from_env().unwrap_err();
    clear_env();
    let text = error.to_string();
    assert!(matches!(error, Error::Config(_)), "{text}");
    assert!(
        text.contains("DATACRUNCH_CLIENT_SECRET") && text.contains("VERDA_CLIENT_SECRET"),
        "{text}"
    );
}

#[tokio::test]
async fn a_request_whose_body_cannot_be_cloned_is_not_replayed() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let refresh = refresh_grant(&server, "refresh-1", 200, token("access-2", "refresh-2", 3600));
    let api = server.mock(|when, then| {
        when.method(POST).path("/v1/scripts");
        then.status(401);
    });
    let http = hand_written_client(&server.url("/v1"));

    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{}"))]);
    let response = http
        .post(server.url("/v1/scripts"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!((grant.calls(), refresh.calls(), api.calls()), (1, 0, 1));
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_retried_then_reported() {
    let server = MockServer::start_async().await;
    let api = balance_for(&server, "access-1");
    let client = Client::builder()
        .base_url(server.url("/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .token_url("http://127.0.0.1:9/oauth2/token")
        .build()
        .unwrap();
    match Error::from(client.get_balance().send().await.unwrap_err()) {
        Error::Auth(AuthError::Unavailable { attempts, status, .. }) => assert_eq!((attempts, status), (3, None)),
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(api.calls(), 0);
}

#[tokio::test]
async fn a_token_endpoint_rate_limit_is_retried() {
    let server = MockServer::start_async().await;
    let seen = AtomicUsize::new(0);
    let grant = server.mock(|when, then| {
        when.method(POST).path("/v1/oauth2/token");
        then.respond_with(move |_| {
            let (status, body) = match seen.fetch_add(1, Ordering::SeqCst) {
                0 => (429, "slow down".to_owned()),
                _ => (200, token("access-1", "refresh-1", 3600).to_string()),
            };
            httpmock::HttpMockResponse::builder().status(status).body(body).build()
        });
    });
    let api = balance_for(&server, "access-1");
    client(&server).get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), api.calls()), (2, 1));
}

#[tokio::test]
async fn the_authorization_header_is_marked_sensitive() {
    let server = MockServer::start_async().await;
    client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    balance_for(&server, "access-1");

    /// Records how the request looked after the auth middleware ran.
    struct Inspect(Arc<Mutex<Option<(bool, String)>>>);

    #[async_trait::async_trait]
    impl reqwest_middleware::Middleware for Inspect {
        async fn handle(
            &self,
            request: reqwest::Request,
            extensions: &mut http::Extensions,
            next: reqwest_middleware::Next<'_>,
        ) -> reqwest_middleware::Result<reqwest::Response> {
            let header = request.headers().get("authorization").unwrap();
            *self.0.lock().unwrap() = Some((header.is_sensitive(), format!("{:?}", request.headers())));
            next.run(request, extensions).await
        }
    }

    let seen = Arc::new(Mutex::new(None));
    let auth = AuthMiddleware::new(Credentials::new(CLIENT_ID, CLIENT_SECRET), &server.url("/v1")).unwrap();
    let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(auth)
        .with(Inspect(seen.clone()))
        .build();
    http.get(server.url("/v1/balance")).send().await.unwrap();

    let (sensitive, printed) = seen.lock().unwrap().take().unwrap();
    assert!(sensitive);
    assert!(!printed.contains("access-1"), "{printed}");
}
