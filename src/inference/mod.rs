//! Calling serverless container deployments with an inference key: synchronous calls, streamed
//! answers, and asynchronous inference polled to its result.
//!
//! A container deployment answers at its `endpoint_base_url`, such as
//! `https://containers.datacrunch.io/my-llm`. An [`InferenceClient`] calls it with an inference
//! key (a separate key created in the dashboard, not the API client's credentials), sent as a
//! bearer token; it never asks the OAuth token endpoint for anything. The key never prints: not in
//! `Debug`, errors or logs.
//!
//! | mode | call | answer |
//! |---|---|---|
//! | synchronous | [`InferenceClient::run_sync`] | [`InferenceResponse`]: status, headers, body |
//! | streamed | [`InferenceClient::stream`] | [`EventStream`] of [`Event`]s: server-sent `data:` payloads up to `[DONE]`, or NDJSON lines |
//! | asynchronous | [`InferenceClient::run`] | [`AsyncInference`], polled with [`status`](InferenceClient::status), [`result`](InferenceClient::result) or [`wait`](InferenceClient::wait) |
//! | fire and forget | [`InferenceClient::fire_and_forget`] | the acknowledgement only |
//!
//! Every call takes a path under the endpoint and a body sent as JSON, and can be adjusted before
//! it is awaited ([`Call::method`], [`Call::header`], [`Call::timeout`]). Failures are
//! [`crate::Error`]s: an error status is [`Error::Api`](crate::Error::Api) with the start of the
//! body, a call that ran out of time is [`Error::Timeout`](crate::Error::Timeout) with the time
//! waited.
//!
//! ```no_run
//! use datacrunch::inference::InferenceClient;
//! use futures_util::StreamExt;
//! use serde_json::json;
//!
//! # async fn run() -> Result<(), datacrunch::Error> {
//! let llm = InferenceClient::new("https://containers.datacrunch.io/my-llm", "my-inference-key")?;
//!
//! let answer = llm.run_sync("v1/completions", &json!({"prompt": "Hello", "max_tokens": 8})).await?;
//! println!("{}", answer.json::<serde_json::Value>()?["choices"][0]["text"]);
//!
//! let mut tokens = llm.stream("v1/completions", &json!({"prompt": "Hello", "stream": true})).await?;
//! while let Some(event) = tokens.next().await {
//!     println!("{}", event?.data());
//! }
//!
//! let job = llm.run("v1/completions", &json!({"prompt": "A long story"})).await?;
//! let result = llm.wait(&job).await?;
//! println!("{}", result.text());
//! # Ok(())
//! # }
//! ```

mod call;
mod client;
mod endpoint;
mod job;
mod response;
mod status;
mod stream;

use std::time::Duration;

pub use call::Call;
pub use client::{InferenceClient, InferenceClientBuilder};
pub use job::{AsyncInference, ResultWait, StatusReport};
pub use response::InferenceResponse;
pub use status::InferenceStatus;
pub use stream::{DEFAULT_MAX_EVENT_SIZE, Event, EventStream};

/// How long one inference call may take, unless set with [`InferenceClientBuilder::timeout`] or
/// [`Call::timeout`]: 300 s.
pub const DEFAULT_INFERENCE_TIMEOUT: Duration = Duration::from_secs(300);

/// How long [`InferenceClient::wait`] waits for a result, unless set with [`ResultWait::timeout`]:
/// one hour.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(3600);

/// The header that names an asynchronous inference on the status and result endpoints.
pub const INFERENCE_ID_HEADER: &str = "x-inference-id";
