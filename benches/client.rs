//! A bench binary (no harness) for the SDK's own costs: decoding large responses, the hand-written
//! number types, and a full authenticated call through the middleware against a local server.
//!
//! ```text
//! cargo bench --bench client
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use datacrunch::types::{Decimal, InstanceList};
use httpmock::prelude::*;
use serde_json::json;

/// Runs `work` repeatedly for about `budget` and prints the mean time per run.
fn measure(name: &str, budget: Duration, mut work: impl FnMut()) {
    work(); // warm up
    let start = Instant::now();
    let mut runs = 0u32;
    while start.elapsed() < budget {
        work();
        runs += 1;
    }
    println!("{name:<48} {:>12.2?} per run ({runs} runs)", start.elapsed() / runs);
}

fn instance(i: usize) -> serde_json::Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "instance_type": if i.is_multiple_of(7) { "16B300.2000V" } else { "1H100.80S.22V" },
        "status": "running",
        "hostname": format!("worker-{i}"),
        "description": "bench",
        "location": "FIN-03",
        "image": "ubuntu-24.04-cuda-12.8-open-docker",
        "price_per_hour": "2.19",
        "ip": "10.0.0.1",
        "is_spot": false,
        "ssh_key_ids": ["k1", "k2"],
        "created_at": "2026-11-28T12:00:00Z",
        "cpu": {"description": "22 CPU", "number_of_cores": 22},
        "gpu": {"description": "1x H100", "number_of_gpus": 1.0},
        "unknown_future_field": {"nested": [1, 2, 3]}
    })
}

fn main() {
    let budget = Duration::from_secs(2);

    let list = serde_json::to_vec(&(0..1000).map(instance).collect::<Vec<_>>()).unwrap();
    println!("instance list: {} KiB", list.len() / 1024);
    measure("decode 1000 instances", budget, || {
        black_box(serde_json::from_slice::<InstanceList>(black_box(&list)).unwrap());
    });
    measure("parse a decimal price", budget, || {
        black_box(black_box("12345.678901").parse::<Decimal>().unwrap());
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = MockServer::start_async().await;
        server.mock(|when, then| {
            when.method(POST).path("/v1/oauth2/token");
            then.status(200)
                .json_body(json!({"access_token": "t", "refresh_token": "r", "expires_in": 3600}));
        });
        server.mock(|when, then| {
            when.method(GET).path("/v1/balance").header("authorization", "Bearer t");
            then.status(200).json_body(json!({"amount": 10.5, "currency": "usd"}));
        });
        let client = datacrunch::Client::builder()
            .base_url(server.url("/v1"))
            .credentials("id", "secret")
            .build()
            .unwrap();
        let start = Instant::now();
        let calls = 500u32;
        for _ in 0..calls {
            black_box(client.get_balance().send().await.unwrap());
        }
        println!(
            "{:<48} {:>12.2?} per call",
            "authenticated GET /balance (local mock)",
            start.elapsed() / calls
        );
    });
}
