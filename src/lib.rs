#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Nothing in the library may panic on what a caller or a server sends. Unit tests, the generated
// code and the test kit are exempt, each where it is declared, saying why.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "rustls-no-provider", feature = "native-tls")))]
compile_error!(
    "datacrunch needs a TLS backend: enable the feature `rustls` (the default), `rustls-aws-lc-rs`, \
     `rustls-no-provider` or `native-tls`"
);

mod client;
mod config;
mod error;
mod net;
mod path;
mod transport;
mod wire;

pub mod auth;
pub mod capacity;
pub mod inference;
pub mod lifecycle;
pub mod pagination;
pub mod retry;
// The test kit runs in tests, where a panic is a failed test.
#[cfg(feature = "test-util")]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;
pub mod tls;
pub mod types;
pub mod wait;

#[allow(
    clippy::all,
    // Generated code: progenitor's builders and decoders, not ours to change.
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code, // Client::new is unused: build.rs makes it private to the crate
    missing_docs,
    unused_imports,
    irrefutable_let_patterns,
    mismatched_lifetime_syntaxes
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use client::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT, LEGACY_BASE_URL,
};
pub use config::Environment;
pub use error::Error;
pub use generated::Client;
/// The request builders the operation methods of [`Client`] return; each method's documentation
/// lists the calls its builder needs.
#[doc(hidden)]
pub use generated::builder;
/// A streamed response body, for operations that answer with bytes rather than JSON.
pub use progenitor_client::ByteStream;
/// A successful answer: the decoded body with the status and headers (`.status()`,
/// `.headers()`, `.into_inner()`); it dereferences to the body.
pub use progenitor_client::ResponseValue;
