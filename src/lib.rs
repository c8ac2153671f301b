//! Typed async client for the DataCrunch (Verda) GPU cloud REST API.
//!
//! Every endpoint is a method on [`Client`], generated at build time from `openapi.yaml`:
//!
//! ```no_run
//! # async fn run() -> Result<(), datacrunch::Error> {
//! let client = datacrunch::Client::builder().credentials("client-id", "client-secret").build()?;
//! let balance = client.get_balance().send().await?;
//! println!("{} {}", balance.amount, balance.currency);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(not(any(feature = "rustls-no-provider", feature = "native-tls")))]
compile_error!(
    "datacrunch needs a TLS backend: enable the feature `rustls` (the default), `rustls-aws-lc-rs`, \
     `rustls-no-provider` or `native-tls`"
);

mod client;
mod environment;
mod error;
mod path;
mod transport;
mod wire;

pub mod auth;
pub mod inference;
pub mod lifecycle;
pub mod pagination;
pub mod retry;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod tls;
pub mod types;
pub mod wait;

#[allow(
    clippy::all,
    dead_code, // Client::new is unused: build.rs makes it private to the crate
    missing_docs,
    unused_imports,
    irrefutable_let_patterns,
    mismatched_lifetime_syntaxes
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use client::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, LEGACY_BASE_URL};
pub use environment::Environment;
pub use error::Error;
pub use generated::{Client, ClientInfo, builder};
/// A streamed response body, for operations that answer with bytes rather than JSON.
pub use progenitor_client::ByteStream;
/// A successful answer: the decoded body with the status and headers (`.status()`,
/// `.headers()`, `.into_inner()`); it dereferences to the body.
pub use progenitor_client::ResponseValue;
pub use transport::Transport;
