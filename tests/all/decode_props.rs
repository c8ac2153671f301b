//! Bad input never panics: arbitrary and mutated bodies, starting from realistic ones, fed to the
//! decoders of the main response types, the error body and the token response. Every decoder
//! must return `Ok` or `Err`; a panic fails the property.
//!
//! The number of cases is bounded (see [`config`]) so `cargo test` stays fast; raise it locally
//! with `PROPTEST_CASES=10000 cargo test --test decode_props`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datacrunch::retry::RetryPolicy;
use datacrunch::types::{
    ApiError, Balance, CreatedId, Decimal, Deployment, DeploymentList, FlexibleBool, Instance, InstanceId,
    InstanceList, InstanceStatus, InstanceType, JobDeployment, SingleItem, TokenResponse, Volume, VolumeList,
    WholeNumber,
};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Cases per property: `PROPTEST_CASES` when set, else 128.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(128);
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases)
    }
}

// ---- realistic bodies, shaped like the provider's recorded responses -----------------------

fn instance() -> Value {
    json!({
        "id": "deadc0de-a5d2-4972-ae4e-d429115d055b", "instance_type": "1V100.6V", "status": "running",
        "hostname": "trainer", "description": "hope you enjoy your GPU", "created_at": "2021-06-02T12:56:49.582Z",
        "ip": "1.2.3.4", "location": "FIN-01", "image": "ubuntu-24.04-cuda-12.8-open-docker",
        "os_name": null, "price_per_hour": 0.6, "is_spot": true, "contract": "PAY_AS_YOU_GO",
        "pricing": "FIXED_PRICE", "ssh_key_ids": ["12345dc1-a5d2-4972-ae4e-d429115d055b"],
        "startup_script_id": null, "os_volume_id": "46fc0247-8f65-4d8a-ad73-852a8b3dc1d3",
        "volume_ids": [], "jupyter_token": null,
        "cpu": {"description": "6 CPU", "number_of_cores": 6},
        "gpu": {"description": "1x V100", "number_of_gpus": 1},
        "memory": {"description": "32GB RAM", "size_in_gigabytes": 32},
        "gpu_memory": {"description": "16GB", "size_in_gigabytes": 16},
        "storage": {"description": "dynamic", "size_in_gigabytes": 320},
        "tags": [{"key": "team", "value": "research"}]
    })
}

fn volume() -> Value {
    json!({
        "id": "cf995e26-ce69-4149-84a3-cdd1e100670f", "status": "attached",
        "instance_id": "4fee633c-b119-4447-af9c-70ba17675fc5", "name": "Volume-nxC2tf9F", "size": 50,
        "type": "NVMe", "location": "FIN-01", "is_os_volume": true, "created_at": "2021-06-02T12:56:49.582Z",
        "target": "vda", "ssh_key_ids": ["12345dc1-a5d2-4972-ae4e-d429115d055b"],
        "pseudo_path": "volume-nxC2tf9F", "mount_command": "mount -t nfs nfs.fin-01:volume-nxC2tf9F /mnt/volume",
        "instances": [{"id": "4fee633c-b119-4447-af9c-70ba17675fc5", "ip": "123.123.123.123",
                       "instance_type": "4A100.88V", "status": "running", "hostname": "hazy-star"}],
        "contract": "PAY_AS_YOU_GO", "base_hourly_cost": 0.0273972602739726, "monthly_price": 20,
        "currency": "eur", "long_term": null
    })
}

fn deployment() -> Value {
    json!({
        "name": "test-deployment", "container_registry_settings": {"is_private": false},
        "containers": [{
            "name": "test-container", "image": "nginx:latest", "exposed_port": 80,
            "healthcheck": {"enabled": true, "port": 80, "path": "/health"},
            "entrypoint_overrides": {"enabled": false},
            "env": [{"name": "ENV_VAR1", "value_or_reference_to_secret": "value1", "type": "plain"}],
            "volume_mounts": [{"type": "scratch", "mount_path": "/data"}]
        }],
        "compute": {"name": "General Compute", "size": 1, "is_available": true},
        "is_spot": false, "endpoint_base_url": "https://test-deployment.datacrunch.io",
        "scaling": {
            "min_replica_count": 1, "max_replica_count": 3,
            "scale_down_policy": {"delay_seconds": 300}, "scale_up_policy": {"delay_seconds": 60},
            "queue_message_ttl_seconds": 3600, "concurrent_requests_per_replica": 10,
            "scaling_triggers": {"queue_load": {"threshold": 0.75},
                                 "cpu_utilization": {"enabled": true, "threshold": 0.8}}
        },
        "created_at": "2023-01-01T00:00:00+00:00"
    })
}

fn job_deployment() -> Value {
    json!({
        "name": "test-job",
        "containers": [{"name": "worker", "image": "busybox:latest", "exposed_port": 8080, "env": [], "volume_mounts": []}],
        "endpoint_base_url": "https://test-job.datacrunch.io", "created_at": "2024-01-01T00:00:00Z",
        "compute": {"name": "H100", "size": 1},
        "container_registry_settings": {"is_private": false, "credentials": null}
    })
}

fn token() -> Value {
    json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "token_type": "Bearer", "expires_in": 3600,
           "refresh_token": "eyJhbGciOiJIUzI1NiJ9.e30.refresh", "scope": "fullAccess"})
}

/// The realistic bodies the mutations start from.
fn seeds() -> Vec<Value> {
    vec![
        instance(),
        json!([instance(), instance()]),
        volume(),
        json!([volume()]),
        json!({"amount": 50.5, "currency": "usd"}),
        deployment(),
        json!([deployment()]),
        job_deployment(),
        json!({"code": "invalid_request", "message": "Your existence is invalid"}),
        token(),
    ]
}

// ---- strategies -------------------------------------------------------------------------------

/// Scalars chosen to hit the edges of the hand-written types: huge and negative numbers,
/// fractions where integers go, numeric strings, unknown enum values, odd Unicode.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "",
            "0",
            "-1",
            "1e400",
            "-0.0",
            "NaN",
            "inf",
            "12345.678901",
            "2.19",
            "99999999999999999999999",
            "running",
            "RUNNING",
            "FIN-01",
            "1H100.80S.22V",
            "\u{0}",
            "é\u{301}",
            "🦀",
            "true",
            "null",
        ])
        .prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
    ]
}

/// Arbitrary JSON, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(vec![
                            "id",
                            "status",
                            "amount",
                            "currency",
                            "code",
                            "message",
                            "access_token",
                            "expires_in",
                            "name",
                            "size",
                            "price_per_hour",
                            "instance_type",
                            "containers",
                            "scaling",
                        ])
                        .prop_map(str::to_owned),
                        "[a-z_]{1,8}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// One change to a JSON tree, applied at the node the path index lands on.
#[derive(Clone, Debug)]
enum Edit {
    Replace(Value),
    Remove,
    Insert(String, Value),
}

fn edit() -> impl Strategy<Value = (usize, Edit)> {
    let edit = prop_oneof![
        3 => any_json().prop_map(Edit::Replace),
        1 => Just(Edit::Remove),
        1 => ("[a-z_]{1,10}", scalar()).prop_map(|(key, value)| Edit::Insert(key, value)),
    ];
    (any::<usize>(), edit)
}

/// Applies `edit` to the `target`-th node (depth first, modulo the node count).
fn apply(value: &mut Value, target: usize, edit: &Edit) {
    fn count(value: &Value) -> usize {
        1 + match value {
            Value::Array(items) => items.iter().map(count).sum(),
            Value::Object(fields) => fields.values().map(count).sum(),
            _ => 0,
        }
    }
    fn visit(value: &mut Value, index: &mut usize, edit: &Edit) -> bool {
        if *index == 0 {
            match edit {
                Edit::Replace(new) => *value = new.clone(),
                Edit::Insert(key, new) => match value {
                    Value::Object(fields) => drop(fields.insert(key.clone(), new.clone())),
                    Value::Array(items) => items.push(new.clone()),
                    other => *other = new.clone(),
                },
                Edit::Remove => match value {
                    Value::Object(fields) => drop(fields.pop_first_or_none()),
                    Value::Array(items) => drop(items.pop()),
                    other => *other = Value::Null,
                },
            }
            return true;
        }
        *index -= 1;
        match value {
            Value::Array(items) => items.iter_mut().any(|item| visit(item, index, edit)),
            Value::Object(fields) => fields.values_mut().any(|item| visit(item, index, edit)),
            _ => false,
        }
    }
    let mut index = target % count(value);
    visit(value, &mut index, edit);
}

/// Removes a field, whichever comes first.
trait PopFirst {
    fn pop_first_or_none(&mut self) -> Option<Value>;
}

impl PopFirst for serde_json::Map<String, Value> {
    fn pop_first_or_none(&mut self) -> Option<Value> {
        let key = self.keys().next().cloned()?;
        self.remove(&key)
    }
}

/// A realistic body with a few structural edits.
fn mutated_json() -> impl Strategy<Value = Value> {
    (prop::sample::select(seeds()), prop::collection::vec(edit(), 1..4)).prop_map(|(mut body, edits)| {
        for (target, edit) in &edits {
            apply(&mut body, *target, edit);
        }
        body
    })
}

/// The bytes of a realistic body, cut short, with bytes overwritten or inserted.
fn mutated_bytes() -> impl Strategy<Value = Vec<u8>> {
    let seed = prop::sample::select(seeds()).prop_map(|body| serde_json::to_vec(&body).unwrap());
    (
        seed,
        prop::collection::vec((any::<usize>(), any::<u8>(), any::<bool>()), 0..6),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(mut bytes, changes, cut, truncate)| {
            for (at, byte, insert) in changes {
                let at = at % bytes.len();
                if insert {
                    bytes.insert(at, byte);
                } else {
                    bytes[at] = byte;
                }
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

/// Any body worth decoding: raw bytes, arbitrary JSON, or a mutated realistic body.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        any_json().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        mutated_json().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        mutated_bytes(),
    ]
}

/// Runs every decoder on `bytes`; the results are dropped, only a panic matters.
fn decode_all(bytes: &[u8]) {
    fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
        let _ = serde_json::from_slice::<T>(bytes);
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            let _ = serde_json::from_value::<T>(value);
        }
    }
    decode::<InstanceList>(bytes);
    decode::<Instance>(bytes);
    decode::<VolumeList>(bytes);
    decode::<Volume>(bytes);
    decode::<Balance>(bytes);
    decode::<DeploymentList>(bytes);
    decode::<Deployment>(bytes);
    decode::<JobDeployment>(bytes);
    decode::<ApiError>(bytes);
    decode::<TokenResponse>(bytes);
    // The hand-written types the generated ones are built from.
    decode::<Decimal>(bytes);
    decode::<WholeNumber>(bytes);
    decode::<FlexibleBool>(bytes);
    decode::<InstanceStatus>(bytes);
    decode::<InstanceType>(bytes);
    decode::<CreatedId<InstanceId>>(bytes);
    decode::<SingleItem<Instance>>(bytes);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_type_decoders_never_panic(bytes in body()) {
        decode_all(&bytes);
    }

    #[test]
    fn a_body_decoded_once_decodes_again_after_serializing(body in mutated_json()) {
        // Whatever an Instance accepts, it writes back in a form it accepts again.
        if let Ok(instance) = serde_json::from_value::<Instance>(body) {
            let written = serde_json::to_value(&instance).unwrap();
            prop_assert!(serde_json::from_value::<Instance>(written).is_ok());
        }
    }
}

// ---- the token response and error bodies through a real client ----------------------------------

/// What the loopback server answers next: status, content type, body.
type Answer = (u16, Option<&'static str>, Vec<u8>);

struct Fixture {
    runtime: tokio::runtime::Runtime,
    base_url: String,
    token_answer: Arc<Mutex<Answer>>,
    api_answer: Arc<Mutex<Answer>>,
}

/// One server for all cases: it answers the token endpoint and `GET /balance` with whatever the
/// current case put in place.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let token_answer = Arc::new(Mutex::new((200, None, Vec::new())));
        let api_answer = Arc::new(Mutex::new((200, None, Vec::new())));
        async fn answer(State(answer): State<Arc<Mutex<Answer>>>) -> Response {
            let (status, content_type, body) = answer.lock().unwrap().clone();
            let mut response = (StatusCode::from_u16(status).unwrap(), Bytes::from(body)).into_response();
            if let Some(content_type) = content_type {
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            }
            response
        }
        let app = axum::Router::new()
            .route("/v1/oauth2/token", post(answer).with_state(token_answer.clone()))
            .route("/v1/balance", get(answer).with_state(api_answer.clone()));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        runtime.spawn(async move { axum::serve(listener, app).await });
        Fixture {
            runtime,
            base_url,
            token_answer,
            api_answer,
        }
    })
}

/// Sends `GET /balance` from a cold client (so the token endpoint is asked first), with
/// retries off so 5xx answers end the call at once.
fn call(token: Answer, api: Answer) -> Result<(), datacrunch::Error> {
    // The properties run on parallel threads and share the server: one case at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let fixture = fixture();
    *fixture.token_answer.lock().unwrap() = token;
    *fixture.api_answer.lock().unwrap() = api;
    let client = datacrunch::Client::builder()
        .base_url(&fixture.base_url)
        .credentials("id", "secret")
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let result = fixture
        .runtime
        .block_on(async move { client.get_balance().send().await.map(drop) });
    assert!(started.elapsed() < Duration::from_secs(15), "the call hung: {result:?}");
    result
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503])
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("application/json"),
        Some("application/problem+json; charset=utf-8"),
        Some("text/plain"),
        Some("text/html"),
    ])
}

const BALANCE: &[u8] = br#"{"amount": 50.5, "currency": "usd"}"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: config().cases.min(64), ..config() })]

    #[test]
    fn any_token_response_is_an_answer_or_an_error(status in status(), content_type in content_type(), body in body()) {
        let api = (200, Some("application/json"), BALANCE.to_vec());
        let result = call((status, content_type, body), api);
        // Only a success status can give a token; anything else ends the call with an error.
        if !(200..300).contains(&status) {
            prop_assert!(result.is_err(), "token status {status} must be an error");
        }
    }

    #[test]
    fn any_api_answer_is_a_value_or_an_error(status in status(), content_type in content_type(), body in body()) {
        let token = (200, Some("application/json"), serde_json::to_vec(&token()).unwrap());
        let result = call(token, (status, content_type, body));
        if (200..300).contains(&status) {
            // A success status with a body that is not a balance is an error, never a panic.
            let _ = result;
        } else {
            prop_assert!(result.is_err(), "status {status} must be an error");
        }
    }
}
