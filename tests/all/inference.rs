//! The inference client against a local deployment: headers on the wire, the three modes, status
//! progression, pending and unknown results, a wrong key, streams split at awkward places, and
//! timeouts. Everything that waits runs on paused time, with exact request counts.

use crate::common;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::{MethodRouter, get, post, put};
use common::local::{Reply, Script, serve};
use datacrunch::Error;
use datacrunch::inference::{AsyncInference, InferenceClient, InferenceStatus};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

const KEY: &str = "inf-key-0123456789abcdef";
const SECOND: Duration = Duration::from_secs(1);

/// A client for the deployment `my-llm` served at `base`.
fn client(base: &str) -> InferenceClient {
    InferenceClient::new(format!("{base}/my-llm"), KEY).unwrap()
}

/// A token endpoint that must never be asked: the inference client has no business there.
fn oauth(router: Router, never: &Script) -> Router {
    router
        .route("/oauth2/token", never.handler())
        .route("/v1/oauth2/token", never.handler())
}

/// The time an [`Error::Timeout`] waited; panics (failing the test) on any other outcome.
fn waited(error: &Error) -> Duration {
    match error {
        Error::Timeout { waited } => *waited,
        other => panic!("expected a timeout, got {other:?}"),
    }
}

fn header<'s>(seen: &'s common::local::Seen, name: &str) -> Option<&'s str> {
    seen.headers.get(name).map(|value| value.to_str().unwrap())
}

/// A route answering a POST with `content_type` and a body sent as `chunks`, one at a time,
/// then either ending or, with `hang`, never ending.
fn chunked(content_type: &'static str, chunks: Vec<&'static [u8]>, hang: bool) -> MethodRouter {
    post(move || {
        let chunks = chunks.clone();
        async move {
            let parts = stream::iter(chunks).then(|chunk| async move {
                // A pause between chunks makes each reach the client on its own.
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok::<_, Infallible>(Bytes::from_static(chunk))
            });
            let tail = if hang {
                stream::pending().boxed()
            } else {
                stream::empty().boxed()
            };
            ([("content-type", content_type)], Body::from_stream(parts.chain(tail)))
        }
    })
}

#[tokio::test]
async fn a_sync_call_sends_the_key_as_a_bearer_token_and_json_and_returns_the_answer() {
    let predict = Script::new([Reply::json(200, json!({"label": "cat"})).header("x-replica", "r1")]);
    let never = Script::new([Reply::empty(500)]);
    let base = serve(oauth(Router::new().route("/my-llm/predict", predict.handler()), &never)).await;
    let client = InferenceClient::builder(format!("{base}/my-llm/"), KEY)
        .default_header("x-team", "vision")
        .default_header("x-request-id", "default")
        .user_agent("my-app/1.0")
        .build()
        .unwrap();
    let mut mine = http::HeaderMap::new();
    mine.insert("x-request-id", "42".parse().unwrap());

    let answer = client
        .run_sync("/predict", &json!({"image": "b64"}))
        .headers(&mine)
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["x-replica"], "r1");
    assert_eq!(answer.json::<Value>().unwrap(), json!({"label": "cat"}));

    let seen = &predict.seen()[0];
    assert_eq!(seen.authorization(), Some(&*format!("Bearer {KEY}")));
    assert_eq!(header(seen, "content-type"), Some("application/json"));
    assert_eq!(header(seen, "x-team"), Some("vision"));
    assert_eq!(header(seen, "x-request-id"), Some("42"));
    assert_eq!(header(seen, "prefer"), None);
    assert!(
        header(seen, "user-agent")
            .unwrap()
            .starts_with("my-app/1.0 datacrunch-rust/")
    );
    assert_eq!(seen.body, r#"{"image":"b64"}"#);
    assert_eq!(mine.len(), 1, "the caller's headers are left as they were");
    assert_eq!(never.calls(), 0);
}

#[tokio::test]
async fn any_method_and_a_text_answer() {
    let base = serve(Router::new().route(
        "/my-llm/items/7",
        put(|body: String| async move { format!("stored {body}") }),
    ))
    .await;

    let answer = client(&base)
        .run_sync("items/7", &json!(1))
        .method(reqwest::Method::PUT)
        .await
        .unwrap();
    assert!(!answer.is_json());
    assert_eq!(answer.text(), "stored 1");
    assert_eq!(answer.value().unwrap(), json!("stored 1"));
}

#[tokio::test]
async fn a_wrong_key_is_an_api_error_without_any_token_request_and_the_key_never_prints() {
    let predict = Script::new([Reply::json(
        401,
        json!({"code": "unauthorized", "message": "invalid inference key"}),
    )]);
    let never = Script::new([Reply::empty(500)]);
    let base = serve(oauth(Router::new().route("/my-llm/predict", predict.handler()), &never)).await;
    let client = client(&base);
    let logs = common::logs::capture();

    let error = client.run_sync("predict", &json!({})).await.unwrap_err();
    let (status, body) = common::api_error(error);
    assert_eq!(status, 401);
    assert_eq!(body.message, "invalid inference key");
    assert_eq!((predict.calls(), never.calls()), (1, 0));

    let error = client.run_sync("predict", &json!({})).await.unwrap_err();
    let builder = InferenceClient::builder(format!("{base}/my-llm"), KEY);
    let printed = format!("{error} {error:?} {client:?} {builder:?} {}", logs.text());
    assert!(logs.text().contains("inference_call"), "{}", logs.text());
    assert!(!printed.contains(KEY), "{printed}");
}

#[tokio::test]
async fn an_error_body_that_is_not_json_is_kept_as_an_excerpt() {
    let page = format!("<html>{}</html>", "x".repeat(2000));
    let base = serve(Router::new().route(
        "/my-llm/predict",
        post(move || {
            let page = page.clone();
            async move { (axum::http::StatusCode::BAD_GATEWAY, page) }
        }),
    ))
    .await;

    let (status, body) = common::api_error(client(&base).run_sync("predict", &json!({})).await.unwrap_err());
    assert_eq!(status, 502);
    assert!(body.message.starts_with("<html>xxx"), "{}", body.message);
    assert!(body.message.len() < 600, "{}", body.message.len());
}

#[tokio::test(start_paused = true)]
async fn a_post_is_retried_on_429_but_not_on_503() {
    let limited = Script::new([
        Reply::empty(429).header("retry-after", "2"),
        Reply::json(200, json!("ok")),
    ]);
    let unavailable = Script::new([Reply::empty(503)]);
    let base = serve(
        Router::new()
            .route("/my-llm/a", limited.handler())
            .route("/my-llm/b", unavailable.handler()),
    )
    .await;
    let client = client(&base);

    client.run_sync("a", &json!({})).await.unwrap();
    let error = client.run_sync("b", &json!({})).await.unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!((limited.calls(), unavailable.calls()), (2, 1));
    let seen = limited.seen();
    assert_eq!(seen[1].at - seen[0].at, 2 * SECOND);
}

#[tokio::test]
async fn a_path_that_leaves_the_deployment_or_a_bad_header_sends_nothing() {
    let other = Script::new([Reply::empty(200)]);
    let base = serve(Router::new().route("/other/predict", other.handler())).await;
    let client = client(&base);

    let escape = client.run_sync("../other/predict", &json!({})).await.unwrap_err();
    assert!(matches!(escape, Error::InvalidRequest(_)), "{escape:?}");
    let bad = client
        .run_sync("x", &json!({}))
        .header("x-bad", "line\nbreak")
        .await
        .unwrap_err();
    assert!(
        matches!(&bad, Error::InvalidRequest(reason) if !reason.contains("break")),
        "{bad:?}"
    );
    assert_eq!(other.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_call_that_gets_no_answer_times_out_after_300_s_or_its_own_limit() {
    let slow = Script::new([Reply::empty(200)]).gated();
    let base = serve(Router::new().route("/my-llm/predict", slow.handler())).await;
    let client = client(&base);

    let error = client.run_sync("predict", &json!({})).await.unwrap_err();
    assert_eq!(waited(&error), 300 * SECOND);
    assert!(error.is_retryable());
    let error = client
        .run_sync("predict", &json!({}))
        .timeout(5 * SECOND)
        .await
        .unwrap_err();
    assert_eq!(waited(&error), 5 * SECOND);
    assert_eq!(error.to_string(), "timed out after 5s");
    assert_eq!(slow.calls(), 2, "a POST that timed out is not repeated");
}

#[tokio::test(start_paused = true)]
async fn server_sent_events_split_at_awkward_places_arrive_whole_up_to_done() {
    let (e_acute_1, e_acute_2) = "é".as_bytes().split_at(1);
    let chunks: Vec<&'static [u8]> = vec![
        b"data: {\"text\"",
        b": \"Hel\"}\n",
        b"\nda",
        b"ta: {\"text\": \"lo ",
        e_acute_1,
        e_acute_2,
        b"\"}\r",
        b"\n\r\n: a comment, then blank lines\n\n\n",
        b"event: token\nid: 7\ndata: line1\ndata: line2\n\n",
        b"data: [DO",
        b"NE]\n\ndata: after the end\n\n",
    ];
    let base = serve(Router::new().route(
        "/my-llm/v1/completions",
        chunked("text/event-stream; charset=utf-8", chunks, true),
    ))
    .await;

    let events: Vec<_> = client(&base)
        .stream("v1/completions", &json!({"stream": true}))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let texts: Vec<Value> = events[..2]
        .iter()
        .map(|event| event.json::<Value>().unwrap()["text"].clone())
        .collect();
    assert_eq!(texts, [json!("Hel"), json!("lo é")]);
    let named = &events[2];
    assert_eq!(
        (named.event(), named.id(), named.data()),
        ("token", Some("7"), "line1\nline2")
    );
    assert_eq!(events[0].event(), "message");
    assert_eq!(events.len(), 3, "{events:?}");
}

#[tokio::test(start_paused = true)]
async fn ndjson_lines_split_across_chunks_are_events_too() {
    let chunks: Vec<&'static [u8]> = vec![b"{\"n\":", b"1}\n{\"n\"", b":2}\r\n\n", b"{\"n\":3}"];
    let base = serve(Router::new().route("/my-llm/generate", chunked("application/x-ndjson", chunks, false))).await;

    let numbers: Vec<Value> = client(&base)
        .stream("generate", &json!({}))
        .await
        .unwrap()
        .map(|event| event.unwrap().json::<Value>().unwrap()["n"].clone())
        .collect()
        .await;
    assert_eq!(numbers, [json!(1), json!(2), json!(3)]);
}

#[tokio::test]
async fn a_stream_fails_on_an_error_status_before_any_event() {
    let busy = Script::new([Reply::json(503, json!({"message": "no replica"}))]);
    let base = serve(Router::new().route("/my-llm/busy", busy.handler())).await;

    let error = client(&base).stream("busy", &json!({})).await.unwrap_err();
    assert_eq!(common::api_error(error).1.message, "no replica");
    assert_eq!(busy.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_stalls_times_out_within_the_call_limit() {
    let stall = chunked("text/event-stream", vec![b"data: first\n\n"], true);
    let base = serve(Router::new().route("/my-llm/stall", stall)).await;

    let mut events = client(&base)
        .stream("stall", &json!({}))
        .timeout(10 * SECOND)
        .await
        .unwrap();
    assert_eq!(events.next().await.unwrap().unwrap().data(), "first");
    let error = events.next().await.unwrap().unwrap_err();
    assert_eq!(waited(&error), 10 * SECOND);
}

/// A deployment that queues `generate` and answers status and result from scripts.
struct Deployment {
    base: String,
    submit: Script,
    status: Script,
    result: Script,
}

async fn deployment(submit: Reply, status: Vec<Reply>, result: Vec<Reply>) -> Deployment {
    let (submit, status, result) = (Script::new([submit]), Script::new(status), Script::new(result));
    let base = serve(
        Router::new()
            .route("/my-llm/generate", submit.handler())
            .route("/status/my-llm", status.handler())
            .route("/result/my-llm", result.handler()),
    )
    .await;
    Deployment {
        base,
        submit,
        status,
        result,
    }
}

fn queued(id: &str) -> Reply {
    Reply::json(
        202,
        json!({"Id": id, "StatusPath": "/status/my-llm", "ResultPath": "/result/my-llm"}),
    )
    .header("x-inference-id", id)
    .header("location", "/result/my-llm")
}

fn state(status: Value) -> Reply {
    Reply::json(200, json!({"Id": "job-1", "Status": status}))
}

/// The time between consecutive requests the script saw.
fn gaps(script: &Script) -> Vec<Duration> {
    let seen = script.seen();
    seen.windows(2).map(|pair| pair[1].at - pair[0].at).collect()
}

#[tokio::test(start_paused = true)]
async fn an_async_inference_is_queued_then_polled_through_its_states_to_its_result() {
    let statuses = vec![
        state(json!("Initialized")),
        state(json!(1)),
        state(json!("Inference")),
        state(json!(3)),
    ];
    let result =
        Reply::json(200, json!({"images": ["a.png"]})).header("content-type", "application/json; charset=utf-8");
    let deployment = deployment(queued("job-1"), statuses, vec![result]).await;
    let client = client(&deployment.base);

    let job = client.run("generate", &json!({"prompt": "a cat"})).await.unwrap();
    assert_eq!(job.id(), "job-1");
    let submitted = &deployment.submit.seen()[0];
    assert_eq!(header(submitted, "prefer"), Some("respond-async"));
    assert_eq!(submitted.body, r#"{"prompt":"a cat"}"#);

    assert_eq!(client.status(&job).await.unwrap().status, InferenceStatus::Initialized);
    let result = client.wait(&job).await.unwrap();
    assert!(result.is_json());
    assert_eq!(result.value().unwrap(), json!({"images": ["a.png"]}));

    assert_eq!((deployment.status.calls(), deployment.result.calls()), (4, 1));
    assert_eq!(gaps(&deployment.status)[1..], [SECOND, 2 * SECOND]);
    for seen in deployment.status.seen().iter().chain(&deployment.result.seen()) {
        assert_eq!(header(seen, "x-inference-id"), Some("job-1"));
        assert_eq!(seen.authorization(), Some(&*format!("Bearer {KEY}")));
    }
}

#[tokio::test(start_paused = true)]
async fn an_async_answer_without_an_id_is_a_decode_error_that_quotes_no_secret() {
    let answer = Reply::json(202, json!({"status": "queued", "password": "hunter2-secret"}));
    let deployment = deployment(answer, vec![Reply::empty(500)], vec![Reply::empty(500)]).await;

    let error = client(&deployment.base).run("generate", &json!({})).await.unwrap_err();
    let Error::Decode { body, .. } = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(body.contains("queued") && body.contains("<redacted>"), "{body}");
    assert!(!format!("{error} {error:?}").contains("hunter2"), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn a_result_still_pending_is_none_and_waiting_polls_again() {
    let accepted = Reply::json(202, json!({})).header("x-inference-id", "job-2");
    let text = Reply::json(200, json!(null))
        .header("content-type", "text/plain")
        .header("x-kind", "text");
    let deployment = deployment(
        accepted,
        vec![state(json!("Completed"))],
        vec![Reply::empty(202), Reply::empty(202), text],
    )
    .await;
    let client = client(&deployment.base);

    let job = client.run("generate", &json!({})).await.unwrap();
    assert_eq!(job.id(), "job-2", "the id from the header when the body has none");
    assert!(client.result(&job).await.unwrap().is_none());

    let result = client.wait(&job).await.unwrap();
    assert_eq!(result.headers()["x-kind"], "text");
    assert_eq!(result.value().unwrap(), json!("null"));
    assert_eq!((deployment.status.calls(), deployment.result.calls()), (2, 3));
    assert_eq!(gaps(&deployment.result), [Duration::ZERO, SECOND]);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_id_is_not_found_at_once() {
    let missing = || Reply::json(404, json!({"code": "not_found", "message": "unknown inference id"}));
    let deployment = deployment(queued("x"), vec![missing()], vec![missing()]).await;
    let client = client(&deployment.base);
    let unknown = AsyncInference::new("nope");

    assert!(client.status(&unknown).await.unwrap_err().is_not_found());
    assert!(client.result(&unknown).await.unwrap_err().is_not_found());
    assert!(client.wait(&unknown).await.unwrap_err().is_not_found());
    assert_eq!((deployment.status.calls(), deployment.result.calls()), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn waiting_gives_up_after_its_timeout_and_says_how_long_it_waited() {
    let deployment = deployment(queued("job-3"), vec![state(json!("Queue"))], vec![Reply::empty(202)]).await;
    let client = client(&deployment.base);

    let error = client
        .wait(&AsyncInference::new("job-3"))
        .timeout(10 * SECOND)
        .await
        .unwrap_err();
    assert_eq!(waited(&error), 10 * SECOND);
    assert_eq!(gaps(&deployment.status), [SECOND, 2 * SECOND, 4 * SECOND]);
    assert_eq!(deployment.result.calls(), 0);

    let error = client
        .wait(&AsyncInference::new("job-3"))
        .poll_interval(3 * SECOND, 3 * SECOND)
        .timeout(7 * SECOND)
        .await
        .unwrap_err();
    assert_eq!(waited(&error), 7 * SECOND);
    assert_eq!(deployment.status.calls(), 4 + 3);
}

#[tokio::test]
async fn fire_and_forget_asks_for_no_answer_and_health_is_a_get() {
    let proxy = Script::new([Reply::empty(202)]);
    let health = Script::new([Reply::json(200, json!({"status": "ok"}))]);
    let base = serve(
        Router::new()
            .route("/my-llm/warm-up", proxy.handler())
            .route("/my-llm/health", get(health.handler())),
    )
    .await;
    let client = client(&base);

    let acknowledged = client.fire_and_forget("warm-up", &json!({"n": 1})).await.unwrap();
    assert_eq!(acknowledged.status(), 202);
    let seen = &proxy.seen()[0];
    assert_eq!(header(seen, "prefer"), Some("respond-async-proxy"));
    assert_eq!(seen.body, r#"{"n":1}"#);

    let healthy = client.health().await.unwrap();
    assert_eq!(healthy.json::<Value>().unwrap()["status"], "ok");
    assert_eq!(header(&health.seen()[0], "content-type"), None, "a GET has no body");
}

fn container_deployment(endpoint: &str) -> Value {
    json!({
        "name": "my-llm",
        "containers": [],
        "compute": {"name": "General Compute", "size": 1},
        "container_registry_settings": {"is_private": false},
        "is_spot": false,
        "endpoint_base_url": endpoint,
        "created_at": "2026-01-01T00:00:00Z"
    })
}

#[tokio::test]
async fn a_client_from_a_container_deployment_of_the_management_api() {
    let health = Script::new([Reply::empty(200)]);
    let inference = serve(Router::new().route("/my-llm/health", health.handler())).await;
    let endpoint = format!("{inference}/my-llm");
    let (management, api) = common::mock_api().await;
    management
        .mock_async(|when, then| {
            when.path("/v1/container-deployments/my-llm");
            then.status(200).json_body(container_deployment(&endpoint));
        })
        .await;

    let deployment = api
        .get_container_deployment_by_name()
        .name("my-llm")
        .send()
        .await
        .unwrap();
    let client = InferenceClient::from_deployment(&deployment, KEY).unwrap();
    assert_eq!(client.endpoint_base_url(), endpoint);
    client.health().await.unwrap();
    assert_eq!(health.calls(), 1);

    let pending: datacrunch::types::Deployment = serde_json::from_value(container_deployment("")).unwrap();
    let error = InferenceClient::from_deployment(&pending, KEY).unwrap_err();
    assert!(
        matches!(&error, Error::Config(reason) if reason.contains("my-llm")),
        "{error:?}"
    );
}
