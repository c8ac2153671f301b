//! The OAuth2 middleware against a mock token endpoint and API, with exact request counts.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use common::local::{Reply, Script, serve};
use datacrunch::auth::{AuthError, AuthMiddleware, Credentials};
use datacrunch::retry::RetryPolicy;
use datacrunch::types::ErrorCode;
use datacrunch::{Client, Environment, Error};
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

/// Retries 1 ms apart: the counts of the default policy without its waits (httpmock answers on
/// real time).
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(1))
}

/// A client with credentials against `server`.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url("/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(quick_retries())
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
    reqwest_middleware::ClientBuilder::new(common::plain_http())
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

#[tokio::test(start_paused = true)]
async fn concurrent_calls_on_a_cold_client_make_one_token_request() {
    // The token endpoint holds its answer until the 64 calls are all waiting for it.
    let grant = Script::new([issued("access-1", "refresh-1", 3600)]).gated();
    let (base, api) = local_api(&grant).await;
    let client = local_client(&base);

    let calls = tokio::spawn(async move { balance_from_many_tasks_at_once(&client, 64).await });
    tokio::time::sleep(SECOND).await;
    grant.release(1);
    calls.await.unwrap();
    assert_eq!(grant.calls(), 1);
    assert_eq!(api.calls(), 64);
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
        "location_code": "FIN-03",
        "ssh_key_ids": []
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

    let error = client.get_balance().send().await.unwrap_err();
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
    let error = client(&server).get_balance().send().await.unwrap_err();
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
async fn token_endpoint_failing_on_every_attempt_gives_up_with_a_typed_error() {
    let server = MockServer::start_async().await;
    let grant = flaky_token_endpoint(&server, 4);

    let error = client(&server).get_balance().send().await.unwrap_err();
    match error {
        Error::Auth(AuthError::Unavailable {
            attempts,
            status,
            reason,
            ..
        }) => {
            assert_eq!((attempts, status.map(|s| s.as_u16())), (4, Some(503)));
            assert_eq!(reason, "try again later");
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(grant.calls(), 4);
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
    let error = client(&server).get_balance().send().await.unwrap_err();
    match error {
        Error::Auth(AuthError::MalformedResponse { status, reason }) => {
            assert_eq!(status, 200);
            // A success body may hold a token: it is described, never quoted (issue 16).
            assert!(reason.contains("not JSON (23 bytes"), "{reason}");
            assert!(!reason.contains("login page"), "{reason}");
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
    let error = client(&server).get_balance().send().await.unwrap_err();
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
    let http = reqwest_middleware::ClientBuilder::new(common::plain_http())
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

#[tokio::test]
async fn no_secret_or_token_is_ever_printed() {
    let captured = common::logs::capture();

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
    let error = client.get_balance().send().await.unwrap_err();
    let credentials = Credentials::new(CLIENT_ID, CLIENT_SECRET);
    let auth = AuthMiddleware::new(credentials.clone(), &server.url("/v1")).unwrap();
    let builder = Client::builder().credentials(CLIENT_ID, CLIENT_SECRET);

    let printed = [
        format!("{credentials} {credentials:?}"),
        format!("{client:?}"),
        format!("{auth:?}"),
        format!("{builder:?}"),
        format!("{error} {error:?}"),
        captured.text(),
    ];
    let logs = &printed[5];
    assert!(
        logs.contains("token_request") && logs.contains("operation=\"get_balance\""),
        "tracing captured no span: {logs}"
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
    let error = client(&server).get_balance().send().await.unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    assert!(text.contains("bad secret <redacted>"), "{text}");
}

// ---------------------------------------------------------------- Environment and profiles

/// A client built by `from_env` from a fixed environment, against `server`.
fn from_env(env: Environment) -> Result<Client, Error> {
    Client::builder().environment(env).from_env()?.build()
}

#[tokio::test]
async fn from_env_reads_datacrunch_names_before_verda_names() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let api = balance_for(&server, "access-1");
    let env = Environment::fixed()
        .with_var("DATACRUNCH_CLIENT_ID", CLIENT_ID)
        .with_var("VERDA_CLIENT_ID", "the-other-id")
        .with_var("VERDA_CLIENT_SECRET", CLIENT_SECRET)
        .with_var("VERDA_BASE_URL", server.url("/v1"));
    from_env(env).unwrap().get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), api.calls()), (1, 1));
}

#[test]
fn from_env_names_the_missing_variable() {
    let error = from_env(Environment::fixed().with_var("VERDA_CLIENT_ID", CLIENT_ID)).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Config(_)), "{text}");
    assert!(
        text.contains("DATACRUNCH_CLIENT_SECRET") && text.contains("VERDA_CLIENT_SECRET"),
        "{text}"
    );
    let nothing = from_env(Environment::fixed().with_home("/home/me")).unwrap_err();
    assert!(nothing.to_string().contains("/home/me/.verda/credentials"), "{nothing}");
}

/// A credentials file with two profiles, the first pointing at `base_url`.
fn credentials_file(base_url: &str) -> String {
    format!(
        "[default]\nverda_client_id = {CLIENT_ID}\nverda_client_secret = {CLIENT_SECRET}\nverda_base_url = {base_url}\n\n\
         [staging]\nverda_client_id = staging-id\nverda_client_secret = staging-secret\n"
    )
}

#[tokio::test]
async fn without_variables_from_env_falls_back_to_the_default_profile() {
    let server = MockServer::start_async().await;
    let grant = client_credentials_grant(&server, &token("access-1", "refresh-1", 3600));
    let api = balance_for(&server, "access-1");
    let env = Environment::fixed()
        .with_home("/home/me")
        .with_file("/home/me/.verda/credentials", credentials_file(&server.url("/v1")));
    from_env(env).unwrap().get_balance().send().await.unwrap();
    assert_eq!((grant.calls(), api.calls()), (1, 1));
}

#[test]
fn the_credentials_file_is_found_where_the_cli_keeps_it_and_profiles_are_chosen() {
    let file = credentials_file("https://api.example.com/v1");
    let id = |builder: Result<datacrunch::ClientBuilder, Error>| format!("{:?}", builder.unwrap());
    // VERDA_SHARED_CREDENTIALS_FILE wins over VERDA_HOME, which wins over the home directory.
    let shared = Environment::fixed()
        .with_var("VERDA_SHARED_CREDENTIALS_FILE", "/etc/verda/creds")
        .with_var("VERDA_HOME", "/opt/verda")
        .with_file("/etc/verda/creds", file.clone())
        .with_var("VERDA_PROFILE", "staging");
    let chosen = id(Client::builder().environment(shared).from_env());
    assert!(chosen.contains("staging-id"), "{chosen}");
    let verda_home = Environment::fixed()
        .with_var("VERDA_HOME", "/opt/verda")
        .with_file("/opt/verda/credentials", file.clone());
    let by_name = id(Client::builder().environment(verda_home.clone()).profile("staging"));
    assert!(
        by_name.contains("staging-id") && !by_name.contains("staging-secret"),
        "{by_name}"
    );
    let default = id(Client::builder().environment(verda_home.clone()).from_env());
    assert!(
        default.contains(CLIENT_ID) && default.contains("https://api.example.com/v1"),
        "{default}"
    );

    // Variables win over the file; the base URL variable over the profile's.
    let mixed = verda_home
        .clone()
        .with_var("DATACRUNCH_CLIENT_ID", "env-id")
        .with_var("DATACRUNCH_CLIENT_SECRET", "env-secret")
        .with_var("DATACRUNCH_BASE_URL", "https://env.example.com/v1");
    let mixed = id(Client::builder().environment(mixed).from_env());
    assert!(mixed.contains("env-id") && mixed.contains("env.example.com"), "{mixed}");

    let unknown = Client::builder().environment(verda_home).profile("prod").unwrap_err();
    assert!(unknown.to_string().contains("no profile [prod]"), "{unknown}");
    let only = Environment::fixed().with_home("/h").with_file(
        "/h/.verda/credentials",
        "[work]\nverda_client_id = w\nverda_client_secret = s\n",
    );
    assert!(id(Client::builder().environment(only).from_env()).contains("\"w\""));
}

#[test]
fn a_broken_credentials_file_is_a_config_error() {
    let env = |contents: &str| {
        Environment::fixed()
            .with_home("/h")
            .with_file("/h/.verda/credentials", contents.to_owned())
    };
    let missing_secret = from_env(env("[default]\nverda_client_id = x\n")).unwrap_err();
    assert!(
        missing_secret.to_string().contains("verda_client_secret"),
        "{missing_secret}"
    );
    let two_without_default = from_env(env("[a]\nverda_client_id = x\n[b]\nverda_client_id = y\n")).unwrap_err();
    assert!(
        two_without_default.to_string().contains("VERDA_PROFILE"),
        "{two_without_default}"
    );
    let not_ini = from_env(env("[default\n=")).unwrap_err();
    assert!(matches!(not_ini, Error::Config(_)), "{not_ini}");
}

#[test]
fn a_credentials_file_readable_by_others_is_used_with_a_warning() {
    let captured = common::logs::capture();
    let env = Environment::fixed().with_home("/h").with_file_mode(
        "/h/.verda/credentials",
        "[default]\nverda_client_id = x\nverda_client_secret = y\n",
        0o644,
    );
    from_env(env).unwrap();
    let logs = captured.text();
    assert!(logs.contains("grants its group or other users some access"), "{logs}");
    assert!(logs.contains("mode=644"), "{logs}");
    assert!(!logs.contains("verda_client_secret = y"), "{logs}");

    let private = Environment::fixed().with_home("/h").with_file(
        "/h/.verda/credentials",
        "[default]\nverda_client_id = x\nverda_client_secret = y\n",
    );
    let captured = common::logs::capture();
    from_env(private).unwrap();
    assert!(!captured.text().contains("other users"));
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

#[tokio::test(start_paused = true)]
async fn an_unreachable_token_endpoint_is_retried_then_reported_with_its_cause() {
    let client = Client::builder()
        .base_url("http://127.0.0.1:9/v1")
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    let error = client.get_balance().send().await.unwrap_err();
    match &error {
        Error::Auth(AuthError::Unavailable { attempts, status, .. }) => assert_eq!((*attempts, *status), (4, None)),
        other => panic!("expected unavailable, got {other:?}"),
    }
    // The connect error stays reachable as the cause.
    let auth = std::error::Error::source(&error).unwrap();
    let cause = auth.source().expect("the transport error");
    assert!(
        cause
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_connect)
    );
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
    let http = reqwest_middleware::ClientBuilder::new(common::plain_http())
        .with(auth)
        .with(Inspect(seen.clone()))
        .build();
    http.get(server.url("/v1/balance")).send().await.unwrap();

    let (sensitive, printed) = seen.lock().unwrap().take().unwrap();
    assert!(sensitive);
    assert!(!printed.contains("access-1"), "{printed}");
}

// ---------------------------------------------------------------- Renewal, on paused time

/// A token answer for the scripted local API.
fn issued(access: &str, refresh: &str, expires_in: u64) -> Reply {
    Reply::json(200, token(access, refresh, expires_in))
}

/// A local API whose token endpoint answers from `tokens`, with `GET /balance` always 200.
/// Returns its base URL and the balance route's script.
async fn local_api(tokens: &Script) -> (String, Script) {
    let balance = Script::new([Reply::json(200, json!({"amount": 125.5, "currency": "usd"}))]);
    let app = Router::new()
        .route("/v1/oauth2/token", tokens.handler())
        .route("/v1/balance", balance.handler());
    (serve(app).await, balance)
}

/// A client with credentials for the local API at `base`.
fn local_client(base: &str) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap()
}

/// The `grant_type` of every token request, in order.
fn grants(tokens: &Script) -> Vec<String> {
    let grant = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap()["grant_type"].to_string();
    tokens
        .seen()
        .iter()
        .map(|seen| grant(&seen.body).trim_matches('"').to_owned())
        .collect()
}

/// The bearer token of every API request, in order.
fn bearers(api: &Script) -> Vec<String> {
    let bearer = |auth: Option<&str>| auth.unwrap_or("").trim_start_matches("Bearer ").to_owned();
    api.seen().iter().map(|seen| bearer(seen.authorization())).collect()
}

async fn balance_from_many_tasks_at_once(client: &Client, tasks: usize) {
    let calls: Vec<_> = (0..tasks)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_balance().send().await.map(|_| ()) })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn a_token_is_renewed_in_the_background_once_its_renewal_point_passes() {
    // A 100 s token is renewed half-way through its life, since the 60 s margin exceeds that.
    let tokens = Script::new([
        issued("access-1", "refresh-1", 100),
        issued("access-2", "refresh-2", 3600),
    ]);
    let (base, api) = local_api(&tokens).await;
    let client = local_client(&base);

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(50 * SECOND).await;
    client.get_balance().send().await.unwrap(); // still access-1; starts the renewal
    tokio::time::sleep(SECOND).await;
    client.get_balance().send().await.unwrap();

    assert_eq!(grants(&tokens), ["client_credentials", "refresh_token"]);
    assert_eq!(bearers(&api), ["access-1", "access-1", "access-2"]);
}

#[tokio::test(start_paused = true)]
async fn a_short_refresh_margin_keeps_the_token_longer() {
    let tokens = Script::new([issued("access-1", "refresh-1", 100)]);
    let (base, api) = local_api(&tokens).await;
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .refresh_margin(SECOND)
        .build()
        .unwrap();

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(98 * SECOND).await;
    client.get_balance().send().await.unwrap();
    assert_eq!((tokens.calls(), api.calls()), (1, 2));
}

#[tokio::test(start_paused = true)]
async fn while_the_token_endpoint_holds_a_renewal_open_calls_go_on_with_the_current_token() {
    let tokens = Script::new([
        issued("access-1", "refresh-1", 100),
        issued("access-2", "refresh-2", 3600),
    ])
    .gated();
    let (base, api) = local_api(&tokens).await;
    let client = local_client(&base);

    tokens.release(1);
    client.get_balance().send().await.unwrap();
    tokio::time::sleep(50 * SECOND).await;
    for _ in 0..10 {
        client.get_balance().send().await.unwrap();
        tokio::time::sleep(SECOND).await;
    }
    assert_eq!(tokens.calls(), 2, "one renewal, still held open");
    assert_eq!(bearers(&api), ["access-1"; 11]);

    tokens.release(1);
    tokio::time::sleep(SECOND).await;
    client.get_balance().send().await.unwrap();
    assert_eq!(bearers(&api)[11], "access-2");
    assert_eq!(tokens.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failing_renewal_keeps_calls_succeeding_with_a_bounded_number_of_token_requests() {
    let down = Reply::json(503, json!({"code": "service_unavailable", "message": "down"}));
    let tokens = Script::new([issued("access-1", "refresh-1", 100), down]);
    let (base, api) = local_api(&tokens).await;
    // One token request per renewal, renewals 1 s, 2 s, 4 s, then 8 s apart.
    let policy = RetryPolicy::default()
        .max_retries(0)
        .backoff(SECOND, 8 * SECOND)
        .without_jitter();
    let client = Client::builder()
        .base_url(format!("{base}/v1"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(policy)
        .build()
        .unwrap();

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(50 * SECOND).await;
    for _ in 50..100 {
        client.get_balance().send().await.unwrap();
        tokio::time::sleep(SECOND).await;
    }
    // Renewals at 50, 51, 53, 57, 65, 73, 81, 89 and 97 s, besides the first token.
    assert_eq!(tokens.calls(), 10);
    assert_eq!(api.calls(), 51);

    // Expired at 100 s, the next renewal due at 105 s, within the call's 60 s: the call waits
    // for that attempt and reports its failure (issue 16: no failing at once while an attempt
    // is due within the caller's timeout).
    let started = tokio::time::Instant::now();
    let error = client.get_balance().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::Unavailable { .. })),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), 5 * SECOND);
    assert_eq!((tokens.calls(), api.calls()), (11, 51));
}

#[tokio::test(start_paused = true)]
async fn concurrent_calls_across_an_expiry_make_one_refresh() {
    let tokens = Script::new([
        issued("access-1", "refresh-1", 100),
        issued("access-2", "refresh-2", 3600),
    ]);
    let (base, api) = local_api(&tokens).await;
    let client = local_client(&base);

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(101 * SECOND).await;
    balance_from_many_tasks_at_once(&client, 64).await;
    assert_eq!(grants(&tokens), ["client_credentials", "refresh_token"]);
    assert_eq!(bearers(&api)[1..], ["access-2"; 64]);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_refresh_falls_back_to_client_credentials() {
    let rejected = Reply::json(
        400,
        json!({"code": "invalid_grant", "message": "refresh token expired"}),
    );
    let tokens = Script::new([
        issued("access-1", "refresh-1", 100),
        rejected,
        issued("access-2", "refresh-2", 3600),
    ]);
    let (base, api) = local_api(&tokens).await;
    let client = local_client(&base);

    client.get_balance().send().await.unwrap();
    tokio::time::sleep(101 * SECOND).await;
    client.get_balance().send().await.unwrap();
    assert_eq!(
        grants(&tokens),
        ["client_credentials", "refresh_token", "client_credentials"]
    );
    assert_eq!(bearers(&api), ["access-1", "access-2"]);
}

#[tokio::test(start_paused = true)]
async fn rotated_refresh_tokens_under_concurrency_make_one_request_per_expiry() {
    let tokens = Script::new([
        issued("access-1", "refresh-1", 100),
        issued("access-2", "refresh-2", 100),
        issued("access-3", "refresh-3", 3600),
    ]);
    let (base, _api) = local_api(&tokens).await;
    let client = local_client(&base);

    client.get_balance().send().await.unwrap();
    for _expiry in 0..2 {
        tokio::time::sleep(101 * SECOND).await;
        balance_from_many_tasks_at_once(&client, 32).await;
    }
    let refresh_tokens: Vec<String> = tokens
        .seen()
        .iter()
        .skip(1)
        .map(|seen| serde_json::from_str::<serde_json::Value>(&seen.body).unwrap()["refresh_token"].to_string())
        .collect();
    assert_eq!(refresh_tokens, [r#""refresh-1""#, r#""refresh-2""#]);
}
