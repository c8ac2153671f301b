//! Calling a serverless deployment three ways: a synchronous completion, a streamed one, and an
//! asynchronous job polled to its end.
//!
//! Against a real OpenAI-compatible deployment (vLLM, SGLang):
//!
//! ```sh
//! DATACRUNCH_INFERENCE_URL=https://containers.datacrunch.io/my-llm \
//! DATACRUNCH_INFERENCE_KEY=... DATACRUNCH_INFERENCE_MODEL=my-model \
//! cargo run --example inference
//! ```
//!
//! Without `DATACRUNCH_INFERENCE_KEY` and `DATACRUNCH_INFERENCE_URL`, it runs against a small fake
//! deployment on loopback.

use std::io::Write;
use std::time::Duration;

use datacrunch::inference::InferenceClient;
use futures_util::StreamExt;
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("DATACRUNCH_INFERENCE_KEY").ok();
    let url = std::env::var("DATACRUNCH_INFERENCE_URL").ok();
    let (endpoint, key) = match (url, key) {
        (Some(url), Some(key)) => (url, key),
        _ => {
            let base = fake::serve().await?;
            println!("no DATACRUNCH_INFERENCE_URL and DATACRUNCH_INFERENCE_KEY: using a fake deployment at {base}");
            (format!("{base}/my-llm"), "fake-key".to_owned())
        }
    };
    let model = std::env::var("DATACRUNCH_INFERENCE_MODEL").unwrap_or_else(|_| "my-model".into());
    let llm = InferenceClient::builder(endpoint, key)
        .user_agent("inference-example")
        .build()?;

    // 1. Synchronous: the whole answer at once.
    let prompt = |text: &str| json!({"model": model, "prompt": text, "max_tokens": 32});
    let answer = llm
        .run_sync("v1/completions", &prompt("The capital of Finland is"))
        .await?;
    let completion: Value = answer.json()?;
    println!("sync ({}): {}", answer.status(), completion["choices"][0]["text"]);

    // 2. Streamed: tokens as they are generated, up to the server's [DONE].
    let mut body = prompt("Count to five:");
    body["stream"] = json!(true);
    let mut tokens = llm.stream("v1/completions", &body).await?;
    // Each event is a JSON chunk: print its text, and flush so that it shows as it arrives.
    let mut out = std::io::stdout();
    print!("stream:");
    while let Some(event) = tokens.next().await {
        let chunk: Value = event?.json()?;
        print!("{}", chunk["choices"][0]["text"].as_str().unwrap_or_default());
        out.flush()?;
    }
    println!();

    // 3. Asynchronous: queued at once, polled until the result is ready.
    let job = llm.run("v1/completions", &prompt("Write a haiku about GPUs")).await?;
    println!("async: queued as {}, now {}", job.id(), llm.status(&job).await?.status);
    let result = llm.wait(&job).timeout(Duration::from_secs(600)).await?;
    println!("async result: {}", result.value()?);
    Ok(())
}

/// A fake deployment `my-llm` on loopback that answers like an OpenAI-compatible server behind
/// the inference proxy.
mod fake {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::body::Body;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use serde_json::{Value, json};

    const STATES: [&str; 4] = ["Initialized", "Queue", "Inference", "Completed"];

    fn completion(text: &str) -> Value {
        json!({"choices": [{"text": text}]})
    }

    fn reply(status: StatusCode, body: Value) -> Response {
        (
            status,
            [("content-type", "application/json"), ("x-inference-id", "job-1")],
            body.to_string(),
        )
            .into_response()
    }

    /// Serves the fake deployment and returns its base URL.
    pub async fn serve() -> std::io::Result<String> {
        let polls = Arc::new(AtomicUsize::new(0));
        let status_polls = polls.clone();
        let app = Router::new()
            .route("/my-llm/v1/completions", post(complete))
            .route(
                "/status/my-llm",
                get(move || async move {
                    let seen = status_polls.fetch_add(1, Ordering::SeqCst);
                    reply(StatusCode::OK, json!({"Id": "job-1", "Status": STATES[seen.min(3)]}))
                }),
            )
            .route(
                "/result/my-llm",
                get(move || async move {
                    if polls.load(Ordering::SeqCst) < 4 {
                        StatusCode::ACCEPTED.into_response()
                    } else {
                        reply(StatusCode::OK, completion(" Silicon rivers hum"))
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(format!("http://{address}"))
    }

    async fn complete(headers: HeaderMap, body: axum::body::Bytes) -> Response {
        let body: Value = serde_json::from_slice(&body).unwrap_or_default();
        if headers.get("prefer").is_some_and(|prefer| prefer == "respond-async") {
            let queued = json!({"Id": "job-1", "StatusPath": "/status/my-llm", "ResultPath": "/result/my-llm"});
            return reply(StatusCode::ACCEPTED, queued);
        }
        if body["stream"] == json!(true) {
            let events: String = [" one", " two", " three", " four", " five"]
                .iter()
                .map(|token| format!("data: {}\n\n", completion(token)))
                .chain(["data: [DONE]\n\n".to_owned()])
                .collect();
            return ([("content-type", "text/event-stream")], Body::from(events)).into_response();
        }
        reply(StatusCode::OK, completion(" Helsinki."))
    }
}
