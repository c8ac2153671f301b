//! What the bench binaries share: a loopback API server (in a process of its own by default), the
//! two clients under comparison (the SDK, and bare reqwest with a fixed bearer), and realistic
//! bodies.
//!
//! The server answers from static bytes, so its cost per request is small and the same for both
//! clients.

#![allow(dead_code)] // each bench binary uses a part

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use datacrunch::types::{Balance, InstanceList};
// The spec's version, which the SDK sends as `api-version`: progenitor's trait, not the SDK's API.
use progenitor_client::ClientInfo as _;
use serde_json::json;

/// The access token the server issues and expects.
pub const TOKEN: &str = "bench-access-token";
/// The `Authorization` header carrying [`TOKEN`].
pub const BEARER: &str = "Bearer bench-access-token";
/// How many instances `GET /instances` returns.
pub const LISTED_INSTANCES: usize = 20;

/// One realistic instance, shaped like the provider's recorded responses.
pub fn instance(i: usize) -> serde_json::Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "instance_type": if i.is_multiple_of(7) { "16B300.2000V" } else { "1H100.80S.22V" },
        "status": "running",
        "hostname": format!("worker-{i}"),
        "description": "nightly training",
        "created_at": "2026-11-28T12:00:00.582Z",
        "ip": format!("10.0.{}.{}", i / 250, i % 250 + 1),
        "location": "FIN-03",
        "image": "ubuntu-24.04-cuda-12.8-open-docker",
        "os_name": "Ubuntu 24.04",
        "price_per_hour": "2.19",
        "is_spot": false,
        "contract": "PAY_AS_YOU_GO",
        "pricing": "DYNAMIC_PRICE",
        "ssh_key_ids": ["12345dc1-a5d2-4972-ae4e-d429115d055b"],
        "startup_script_id": null,
        "os_volume_id": "46fc0247-8f65-4d8a-ad73-852a8b3dc1d3",
        "volume_ids": ["cf995e26-ce69-4149-84a3-cdd1e100670f"],
        "jupyter_token": null,
        "cpu": {"description": "22 CPU", "number_of_cores": 22},
        "gpu": {"description": "1x H100 SXM5 80GB", "number_of_gpus": 1},
        "memory": {"description": "187GB RAM", "size_in_gigabytes": 187},
        "gpu_memory": {"description": "80GB GPU RAM", "size_in_gigabytes": 80},
        "storage": {"description": "dynamic", "size_in_gigabytes": 500},
        "tags": [{"key": "team", "value": "research"}],
        "unknown_future_field": {"nested": [1, 2, 3]}
    })
}

/// A JSON array of `n` instances.
pub fn instance_list(n: usize) -> Vec<u8> {
    serde_json::to_vec(&(0..n).map(instance).collect::<Vec<_>>()).expect("JSON values serialize")
}

struct Bodies {
    token: Bytes,
    balance: Bytes,
    instances: Bytes,
    token_requests: AtomicUsize,
    /// Microseconds the token endpoint takes to answer, as a real one does.
    token_delay_us: AtomicU64,
}

/// The loopback API the benches call, and how to reach it.
///
/// By default it runs in a process of its own (the bench binary started again with `--serve`),
/// as an API server does in any deployment, so that the client's process has its cores to
/// itself and every microsecond of client CPU is the client's. `BENCH_SERVER=inprocess` runs it
/// on a runtime and threads of its own inside the bench (named `bench-server`, left out of
/// [`client_cpu_ns`]); `BENCH_SERVER=http://127.0.0.1:PORT/v1` uses one already running (started
/// with `--serve`, which prints that URL), for profiling the client process alone.
///
/// The bench reads and sets the server's state (token requests seen, the token endpoint's delay)
/// through `/bench/...` routes, the same in every mode.
pub struct Server {
    pub base_url: String,
    /// Where the server runs, for the bench's output.
    mode: &'static str,
    /// The server's process when this bench started one; it ends when this is dropped.
    child: Option<std::process::Child>,
}

impl Server {
    /// Starts the server (or finds it) as `BENCH_SERVER` says; `threads` server workers.
    pub fn start(threads: usize) -> Self {
        match std::env::var("BENCH_SERVER").as_deref() {
            Ok("inprocess") => Self {
                base_url: serve_in_thread(threads),
                mode: "server in the bench's process",
                child: None,
            },
            Ok(url) if url.starts_with("http://") => Self {
                base_url: url.trim_end_matches('/').to_owned(),
                mode: "server already running",
                child: None,
            },
            Ok(other) if other != "process" => {
                panic!("BENCH_SERVER={other:?}: expected `process` (the default), `inprocess` or a URL")
            }
            _ => Self::spawn(threads),
        }
    }

    /// Runs this bench binary again with `--serve` and reads the URL it prints.
    fn spawn(threads: usize) -> Self {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new(std::env::current_exe().expect("the bench's own path"))
            .args(["--serve", &threads.to_string()])
            .stdin(Stdio::piped()) // closed when this process ends: the server then ends too
            .stdout(Stdio::piped())
            .spawn()
            .expect("the bench starts its server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("a piped stdout"))
            .read_line(&mut line)
            .expect("the server prints its URL");
        assert!(line.starts_with("http://"), "the server printed {line:?}");
        Self {
            base_url: line.trim().to_owned(),
            mode: "server in a process of its own",
            child: Some(child),
        }
    }

    /// Where the server runs: its own process, the bench's, or one already running.
    pub fn mode(&self) -> &'static str {
        self.mode
    }

    /// How many token requests arrived so far.
    pub fn token_requests(&self) -> usize {
        self.control("GET", "/bench/token-requests", "")
            .parse()
            .expect("a count")
    }

    /// Makes the token endpoint take `delay` to answer.
    pub fn token_delay(&self, delay: Duration) {
        self.control("PUT", "/bench/token-delay", &delay.as_micros().to_string());
    }

    /// One request to the server's control routes, on a connection of its own; the answer's body.
    fn control(&self, method: &str, path: &str, body: &str) -> String {
        use std::io::{Read, Write};
        let (authority, prefix) = self
            .base_url
            .trim_start_matches("http://")
            .split_once('/')
            .expect("a base URL with a path");
        let mut stream = std::net::TcpStream::connect(authority).expect("the bench server accepts");
        write!(
            stream,
            "{method} /{prefix}{path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("a control request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("a control answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "control {path}: {answer}");
        answer.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// In a bench binary started with `--serve [THREADS]`: serves the API until stdin closes (the
/// bench that started it ended), printing its base URL first, then ends the process. Otherwise
/// returns at once. Every bench's `main` calls it first.
pub fn serve_if_asked() {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|arg| arg == "--serve") else {
        return;
    };
    let threads = args.get(at + 1).and_then(|n| n.parse().ok()).unwrap_or(2);
    println!("{}", serve_in_thread(threads));
    // Until the parent closes our stdin, by ending or by dropping its `Server`.
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    std::process::exit(0);
}

/// Starts the server on a free loopback port, on a runtime of `threads` workers of its own (its
/// threads are named `bench-server`); its base URL.
fn serve_in_thread(threads: usize) -> String {
    let shared = Arc::new(Bodies {
        token: Bytes::from(
            json!({"access_token": TOKEN, "refresh_token": "bench-refresh-token", "expires_in": 3600,
                   "token_type": "Bearer", "scope": "cloud-api-v1"})
            .to_string(),
        ),
        balance: Bytes::from_static(br#"{"amount":250.75,"currency":"usd"}"#),
        instances: Bytes::from(instance_list(LISTED_INSTANCES)),
        token_requests: AtomicUsize::new(0),
        token_delay_us: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/v1/oauth2/token", post(token))
        .route("/v1/balance", get(balance))
        .route("/v1/instances", get(instances))
        .route("/v1/bench/token-requests", get(token_requests))
        .route("/v1/bench/token-delay", put(token_delay))
        .with_state(shared);
    let (bound, address) = std::sync::mpsc::channel::<SocketAddr>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("bench-server")
            .enable_all()
            .build()
            .expect("a server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a loopback port");
            bound
                .send(listener.local_addr().expect("a bound address"))
                .expect("the bench waits");
            axum::serve(listener, app).await.expect("the server runs");
        });
    });
    let address = address.recv().expect("the server starts");
    format!("http://{address}/v1")
}

/// A typed client with the SDK's defaults (retries, auth, tracing span), pointed at `base_url`.
///
/// `BENCH_SDK_RETRIES=0` takes the retry layer out, to see what it costs.
pub fn sdk(base_url: &str) -> datacrunch::Client {
    let builder = datacrunch::Client::builder()
        .base_url(base_url)
        .credentials("bench-client", "bench-secret");
    let builder = match std::env::var("BENCH_SDK_RETRIES").ok().and_then(|n| n.parse().ok()) {
        Some(retries) => builder.max_retries(retries),
        None => builder,
    };
    builder.build().expect("a loopback base URL is valid")
}

/// A bare `reqwest::Client` with the SDK's timeouts, sending the same request as the SDK (its
/// `User-Agent`, `Accept` and `api-version` headers) with a fixed bearer header.
pub fn bare(base_url: &str) -> Bare {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(
        "api-version",
        HeaderValue::from_static(datacrunch::Client::api_version()),
    );
    headers.insert(AUTHORIZATION, HeaderValue::from_static(BEARER));
    Bare {
        http: datacrunch::tls::configure(reqwest::Client::builder())
            .expect("the SDK's TLS stack")
            .timeout(datacrunch::DEFAULT_TIMEOUT)
            .connect_timeout(datacrunch::DEFAULT_CONNECT_TIMEOUT)
            .user_agent(concat!("datacrunch-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client"),
        balance: format!("{base_url}/balance"),
        instances: format!("{base_url}/instances"),
        headers,
    }
}

/// The baseline: what a hand-written call with reqwest costs, decoding into the same types.
#[derive(Clone)]
pub struct Bare {
    http: reqwest::Client,
    balance: String,
    instances: String,
    headers: HeaderMap,
}

impl Bare {
    async fn get<T: serde::de::DeserializeOwned>(&self, url: &str) -> T {
        let response = self
            .http
            .get(url)
            .headers(self.headers.clone())
            .send()
            .await
            .expect("the bench server answers");
        assert!(
            response.status().is_success(),
            "bare call failed: {}",
            response.status()
        );
        response.json().await.expect("a decodable body")
    }

    pub async fn balance(&self) -> Balance {
        self.get(&self.balance).await
    }

    pub async fn instances(&self) -> InstanceList {
        self.get(&self.instances).await
    }
}

/// The SDK's typed calls, unwrapped the same way.
pub async fn sdk_balance(client: &datacrunch::Client) -> Balance {
    client
        .get_balance()
        .send()
        .await
        .expect("the bench server answers")
        .into_inner()
}

pub async fn sdk_instances(client: &datacrunch::Client) -> InstanceList {
    client
        .get_all_instances()
        .send()
        .await
        .expect("the bench server answers")
        .into_inner()
}

async fn token(State(shared): State<Arc<Bodies>>) -> Response {
    shared.token_requests.fetch_add(1, Ordering::Relaxed);
    let delay = shared.token_delay_us.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_micros(delay)).await;
    }
    json_response(shared.token.clone())
}

async fn token_requests(State(shared): State<Arc<Bodies>>) -> String {
    shared.token_requests.load(Ordering::Relaxed).to_string()
}

async fn token_delay(State(shared): State<Arc<Bodies>>, micros: String) -> StatusCode {
    match micros.parse() {
        Ok(micros) => {
            shared.token_delay_us.store(micros, Ordering::Relaxed);
            StatusCode::OK
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

async fn balance(State(shared): State<Arc<Bodies>>, headers: HeaderMap) -> Response {
    authorized_json(&headers, &shared.balance)
}

async fn instances(State(shared): State<Arc<Bodies>>, headers: HeaderMap) -> Response {
    authorized_json(&headers, &shared.instances)
}

/// `body` to a request with the issued token, 401 to any other.
fn authorized_json(headers: &HeaderMap, body: &Bytes) -> Response {
    match headers.get(AUTHORIZATION) {
        Some(value) if value.as_bytes() == BEARER.as_bytes() => json_response(body.clone()),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn json_response(body: Bytes) -> Response {
    ([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// CPU time, in nanoseconds, that this process's threads other than an in-process server's have
/// used: the client side's cost, whatever else the machine runs (Linux `schedstat`).
pub fn client_cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| !name.starts_with("bench-server"))
        })
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The `p`-th percentile (0..=100) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
