//! A scripted API on loopback, served from a task of the test's own runtime.
//!
//! httpmock answers from a thread of its own, which paused tokio time cannot wait for: the clock
//! would jump ahead to the client's timeout while the answer is on its way. This server runs on
//! the test's runtime, so tests on paused time see its answers at the virtual instant they were
//! asked for, and can assert exact request counts and virtual waits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

/// Serves `app` on a free loopback port and returns its base URL, `http://127.0.0.1:PORT`.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: Bytes::from(body.to_string()),
        }
    }

    /// An answer with any body and content type.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
        }
    }

    /// An answer with no body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::from_u16(self.status).unwrap(), self.body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        response
    }
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Seen {
    /// When it arrived, on the runtime's (possibly paused) clock.
    pub at: Instant,
    /// Its method and target (path and query), as `GET /v1/images?instance_type=x`.
    pub line: String,
    /// All its headers.
    pub headers: HeaderMap,
    /// Its body as text.
    pub body: String,
}

impl Seen {
    /// Its `Authorization` header.
    pub fn authorization(&self) -> Option<&str> {
        self.headers.get("authorization").map(|value| value.to_str().unwrap())
    }
}

/// The answers of one route: the replies in order, the last one repeated. Clones share state.
#[derive(Clone)]
pub struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    gate: Option<Arc<Semaphore>>,
    arrived: Arc<Notify>,
}

impl Script {
    /// A script that answers `replies` in turn, repeating the last.
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        let replies: VecDeque<Reply> = replies.into_iter().collect();
        assert!(!replies.is_empty(), "a script needs at least one reply");
        Self {
            replies: Arc::new(Mutex::new(replies)),
            seen: Arc::default(),
            gate: None,
            arrived: Arc::default(),
        }
    }

    /// Holds every answer until the test lets it through with [`Script::release`].
    pub fn gated(mut self) -> Self {
        self.gate = Some(Arc::new(Semaphore::new(0)));
        self
    }

    /// Lets `answers` held answers through.
    pub fn release(&self, answers: usize) {
        self.gate.as_ref().expect("a gated script").add_permits(answers);
    }

    /// How many requests arrived.
    pub fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// Waits until `count` requests have arrived, from any runtime or thread.
    pub async fn wait_for_calls(&self, count: usize) {
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if self.calls() >= count {
                return;
            }
            arrived.await;
        }
    }

    /// Every request that arrived, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// An axum handler answering from this script.
    pub fn handler(&self) -> axum::routing::MethodRouter {
        let script = self.clone();
        axum::routing::any(
            move |method: axum::http::Method, uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
                let script = script.clone();
                let line = format!("{method} {uri}");
                async move { script.answer(line, &headers, &body).await }
            },
        )
    }

    async fn answer(&self, line: String, headers: &HeaderMap, body: &[u8]) -> Reply {
        self.seen.lock().unwrap().push(Seen {
            at: Instant::now(),
            line,
            headers: headers.clone(),
            body: String::from_utf8_lossy(body).into_owned(),
        });
        self.arrived.notify_waiters();
        if let Some(gate) = &self.gate {
            gate.acquire().await.unwrap().forget();
        }
        let mut replies = self.replies.lock().unwrap();
        if replies.len() > 1 {
            replies.pop_front().unwrap()
        } else {
            replies[0].clone()
        }
    }
}
