//! The SDK's costs, measured against bare reqwest on a loopback server (no harness):
//!
//! - decoding a 500-instance body through the generated types;
//! - throughput and latency (p50, p99) of typed calls against bare reqwest with the same
//!   timeouts and a fixed bearer header, alternating in one run, at 1 and 64 callers, with the
//!   ratio SDK/bare and the client-side CPU per call;
//! - a token stampede: 1,000 concurrent calls on a cold client.
//!
//! ```text
//! cargo bench --bench client                      # about a minute
//! BENCH_ROUND_MS=200 cargo bench --bench client   # shorter rounds, noisier
//! BENCH_FILTER="balance, 64" cargo bench --bench client
//! ```
//!
//! Memory is the `memory` bench. BENCHMARKS.md says what each figure means and lists the knobs.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{Bare, Server, percentile};
use datacrunch::types::{Decimal, InstanceList};

/// Runs `work` repeatedly for about `budget` and returns the mean time per run.
fn measure(name: &str, budget: Duration, mut work: impl FnMut()) -> Duration {
    work(); // warm up
    let start = Instant::now();
    let mut runs = 0u32;
    while start.elapsed() < budget {
        work();
        runs += 1;
    }
    let mean = start.elapsed() / runs;
    println!("{name:<44} {mean:>10.2?} per run ({runs} runs)");
    mean
}

/// Which client makes a call.
#[derive(Clone)]
enum Side {
    Sdk(datacrunch::Client),
    Bare(Bare),
}

/// Which call.
#[derive(Clone, Copy)]
enum Call {
    Balance,
    Instances,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Balance => "GET /balance",
            Call::Instances => "GET /instances (20)",
        }
    }
}

async fn call(side: &Side, call: Call) {
    match (side, call) {
        (Side::Sdk(client), Call::Balance) => drop(black_box(common::sdk_balance(client).await)),
        (Side::Sdk(client), Call::Instances) => drop(black_box(common::sdk_instances(client).await)),
        (Side::Bare(bare), Call::Balance) => drop(black_box(bare.balance().await)),
        (Side::Bare(bare), Call::Instances) => drop(black_box(bare.instances().await)),
    }
}

/// One round: `callers` tasks calling in a loop for `length`.
async fn round(side: &Side, which: Call, callers: usize, length: Duration) -> Round {
    let cpu = common::client_cpu_ns();
    let started = Instant::now();
    let deadline = started + length;
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let side = side.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(4096);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    call(&side, which).await;
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a caller task"));
    }
    let elapsed = started.elapsed();
    Round {
        calls_per_s: latencies.len() as f64 / elapsed.as_secs_f64(),
        cpu_ns: common::client_cpu_ns().saturating_sub(cpu),
        latencies,
    }
}

/// What one round measured.
struct Round {
    calls_per_s: f64,
    latencies: Vec<Duration>,
    /// CPU time of the client side (all threads but the server's).
    cpu_ns: u64,
}

/// What one client did over all rounds.
#[derive(Default)]
struct Tally {
    calls_per_s: Vec<f64>,
    latencies: Vec<Duration>,
    cpu_ns: u64,
}

impl Tally {
    fn add(&mut self, round: Round) {
        self.calls_per_s.push(round.calls_per_s);
        self.latencies.extend(round.latencies);
        self.cpu_ns += round.cpu_ns;
    }

    /// Client CPU time per call.
    fn cpu_per_call(&self) -> Duration {
        Duration::from_nanos(self.cpu_ns / self.latencies.len().max(1) as u64)
    }

    fn summary(&mut self) -> String {
        self.latencies.sort_unstable();
        let mean = self.calls_per_s.iter().sum::<f64>() / self.calls_per_s.len() as f64;
        format!(
            "{mean:>8.0}/s p50 {:>8.1?} p99 {:>8.1?}  client CPU {:>7.2?}/call",
            percentile(&self.latencies, 50.0),
            percentile(&self.latencies, 99.0),
            self.cpu_per_call()
        )
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// SDK against bare reqwest, alternating rounds (and which goes first), then the ratio.
async fn compare(sdk: &Side, bare: &Side, which: Call, callers: usize, rounds: usize, length: Duration) {
    let label = format!(
        "{}, {callers} caller{}",
        which.name(),
        if callers == 1 { "" } else { "s" }
    );
    if !selected(&label) {
        return;
    }
    // Warm both: connections, the SDK's token, allocator.
    round(sdk, which, callers, length / 4).await;
    round(bare, which, callers, length / 4).await;
    let (mut sdk_tally, mut bare_tally) = (Tally::default(), Tally::default());
    if let Ok(only) = std::env::var("BENCH_SIDE") {
        // One client alone, for profiling it (`perf record`, `perf stat`).
        let (side, tally) = if only == "sdk" {
            (sdk, &mut sdk_tally)
        } else {
            (bare, &mut bare_tally)
        };
        for _ in 0..rounds {
            tally.add(round(side, which, callers, length).await);
        }
        println!("{label:<34} {only:<4} {}", tally.summary());
        return;
    }
    for r in 0..rounds {
        if r % 2 == 0 {
            sdk_tally.add(round(sdk, which, callers, length).await);
            bare_tally.add(round(bare, which, callers, length).await);
        } else {
            bare_tally.add(round(bare, which, callers, length).await);
            sdk_tally.add(round(sdk, which, callers, length).await);
        }
    }
    let ratios = sdk_tally
        .calls_per_s
        .iter()
        .zip(&bare_tally.calls_per_s)
        .map(|(sdk, bare)| sdk / bare)
        .collect();
    println!("{label:<34} sdk  {}", sdk_tally.summary());
    println!("{:<34} bare {}", "", bare_tally.summary());
    let (sdk_cpu, bare_cpu) = (sdk_tally.cpu_per_call(), bare_tally.cpu_per_call());
    println!(
        "{:<34} ratio sdk/bare {:.3} (median of {rounds} rounds); SDK client CPU {:+.2}µs/call ({:+.0}%)",
        "",
        median(ratios),
        (sdk_cpu.as_secs_f64() - bare_cpu.as_secs_f64()) * 1e6,
        100.0 * (sdk_cpu.as_secs_f64() / bare_cpu.as_secs_f64() - 1.0)
    );
}

/// `calls` concurrent calls of `GET /balance` from `side`; their latencies, sorted.
async fn burst(side: &Side, calls: usize) -> Vec<Duration> {
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let side = side.clone();
            tokio::spawn(async move {
                let sent = Instant::now();
                call(&side, Call::Balance).await;
                sent.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(calls);
    for task in tasks {
        latencies.push(task.await.expect("a caller task"));
    }
    latencies.sort_unstable();
    latencies
}

/// 1,000 concurrent calls on a cold client: how many token requests reach the server, and the
/// calls' latency; beside it, the same burst from a new bare client (which opens as many
/// connections but needs no token).
async fn stampede(server: &Server, calls: usize) {
    server.token_delay(Duration::from_millis(5));
    let line = |label: String, latencies: &[Duration]| {
        println!(
            "{label:<46} min {:>7.1?}, p50 {:>7.1?}, p99 {:>7.1?}, max {:>7.1?}",
            latencies[0],
            percentile(latencies, 50.0),
            percentile(latencies, 99.0),
            latencies[latencies.len() - 1]
        );
    };
    for attempt in 1..=3 {
        let before = server.token_requests();
        let latencies = burst(&Side::Sdk(common::sdk(&server.base_url)), calls).await;
        let tokens = server.token_requests() - before;
        line(
            format!("sdk {attempt}: {calls} calls, cold, {tokens} token request(s)"),
            &latencies,
        );
        assert_eq!(tokens, 1, "a cold client must fetch one token for concurrent calls");
        let latencies = burst(&Side::Bare(common::bare(&server.base_url)), calls).await;
        line(format!("bare {attempt}: {calls} calls, new client"), &latencies);
    }
    server.token_delay(Duration::ZERO);
}

/// Decoding a 500-instance body through the generated types, and the hand-written decimal.
fn decoding(budget: Duration) {
    println!("== decoding");
    let list = common::instance_list(500);
    let mean = measure("decode 500 instances (InstanceList)", budget, || {
        black_box(serde_json::from_slice::<InstanceList>(black_box(&list)).unwrap());
    });
    println!(
        "{:<44} {:>10.1} MiB/s ({} KiB body)",
        "",
        list.len() as f64 / mean.as_secs_f64() / (1024.0 * 1024.0),
        list.len() / 1024
    );
    measure("parse a decimal price", budget, || {
        black_box(black_box("12345.678901").parse::<Decimal>().unwrap());
    });
}

/// Whether a figure is wanted: all of them, or those whose label holds `BENCH_FILTER`.
fn selected(label: &str) -> bool {
    std::env::var("BENCH_FILTER").map_or(true, |filter| label.contains(&filter))
}

/// `BENCH_CALLS=N`: `N` calls of each selected call (`BENCH_FILTER`) by the client `BENCH_SIDE`
/// names (`sdk` by default), one after another on a current-thread runtime, after 100 calls of
/// warm-up. Nothing is timed: run under `valgrind --tool=callgrind` with two values of `N`, the
/// difference of the instruction counts divided by the difference of `N` is the client's
/// instructions per call (the server, in its own process, is not counted).
fn count_calls(server: &Server, calls: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let side = match std::env::var("BENCH_SIDE").as_deref() {
        Ok("bare") => Side::Bare(common::bare(&server.base_url)),
        _ => Side::Sdk(common::sdk(&server.base_url)),
    };
    runtime.block_on(async {
        for which in [Call::Balance, Call::Instances] {
            if selected(which.name()) {
                for _ in 0..100 + calls {
                    call(&side, which).await;
                }
            }
        }
    });
}

fn main() {
    common::serve_if_asked();
    let budget = Duration::from_secs(2);
    let round_ms = std::env::var("BENCH_ROUND_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(500);
    let length = Duration::from_millis(round_ms);
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);

    if let Some(calls) = std::env::var("BENCH_CALLS").ok().and_then(|n| n.parse().ok()) {
        return count_calls(&Server::start(2), calls);
    }
    if selected("decode") {
        decoding(budget);
    }
    let server = Server::start(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "\n== calls against a loopback server ({}), SDK (retries, auth, span) vs bare reqwest",
            server.mode()
        );
        let sdk = Side::Sdk(common::sdk(&server.base_url));
        // `BENCH_CONTROL=sdk` or `=bare`: both sides are clients of that kind (a second one in
        // place of bare), so the ratio shows the harness's own bias between its two sides.
        let control = std::env::var("BENCH_CONTROL").ok();
        let bare = match control.as_deref() {
            Some("sdk") => Side::Sdk(common::sdk(&server.base_url)),
            _ => Side::Bare(common::bare(&server.base_url)),
        };
        let sdk = match control.as_deref() {
            Some("bare") => Side::Bare(common::bare(&server.base_url)),
            _ => sdk,
        };
        for callers in [1, 64] {
            for which in [Call::Balance, Call::Instances] {
                compare(&sdk, &bare, which, callers, rounds, length).await;
            }
        }

        if selected("stampede") {
            println!("\n== token stampede (the token endpoint answers in 5 ms)");
            stampede(&server, 1000).await;
        }
    });
    println!("\npeak memory: cargo bench --bench memory");
}
