#![doc = include_str!("../README.md")]
//!
//! ## Beyond the generated operations
//!
//! [`Client`] has a method for each operation of the API, generated from `openapi.yaml`, and
//! these, written by hand, each group under its own heading on the page of [`Client`]:
//!
//! - Building a client: [`Client::builder`], [`Client::from_env`], [`Client::from_profile`],
//!   [`Client::base_url`], [`Client::http`].
//! - Pages ([`pagination`]): [`Client::script_pages`], [`Client::all_scripts`].
//! - Waiting ([`wait`]): [`Client::wait_for_instance`], [`Client::wait_for_instance_gone`],
//!   [`Client::wait_for_volume`], [`Client::wait_for_volume_gone`], [`Client::wait_for_cluster`],
//!   [`Client::wait_for_cluster_gone`], [`Client::wait_for_container_deployment`],
//!   [`Client::wait_for_container_deployment_gone`], [`Client::wait_for_job_deployment`],
//!   [`Client::wait_for_job_deployment_gone`].
//! - Acting and waiting: [`Client::instance_action_and_wait`].
//! - Idempotent deletes ([`deletion`]): [`Client::delete_instance_if_exists`],
//!   [`Client::delete_volume_if_exists`], [`Client::delete_container_deployment_if_exists`],
//!   [`Client::delete_job_deployment_if_exists`].
//! - Offers ([`capacity`]): [`Client::offers`], [`Client::cluster_offers`].
//! - Deploying where there is room ([`capacity`]): [`Client::deploy_where_available`],
//!   [`Client::deploy_cluster_where_available`].
//!
//! ## Layers
//!
//! For contributors: which module of the crate may use which. Read top to bottom, the list goes
//! from the lowest layer to the highest. The modules of one item may use each other; a module may
//! use another only when its item names it, and an item names only modules listed above it, so
//! the layers form no cycle. `crate::Client` is `generated::Client`, the client build.rs writes.
//! An xtask test (`xtask/src/layers.rs`, run by `cargo test-all`) checks every `crate::` path in
//! `src/` against this list; unit tests may use anything.
//!
//! - `types`, `generated::types` (uses nothing): what the API sends and receives, generated from
//!   openapi.yaml and written by hand (open enums, ids, numbers, [`types::ApiError`]).
//! - `net` (uses nothing): building HTTP clients, checking the URLs tokens go to, the TLS setup.
//! - `auth::error` (uses `types`): [`auth::AuthError`], auth's own error, which [`Error`] wraps.
//! - `error` (uses `types`, `auth::error`, `net`): [`Error`], the one error a caller matches on.
//! - `path` (uses `types`): path parameters of the generated requests.
//! - `query` (uses nothing): query parameters of the generated requests.
//! - `wire` (uses `error`): copies of requests, body limits, media types.
//! - `tls` (uses `net`, `error`): [`tls::configure`] for a caller's own HTTP client.
//! - `layer` (uses `wire`): how the SDK's own layers hand a request inward, through
//!   `reqwest-middleware` or directly, and get it again to send it once more.
//! - `retry` (uses `wire`, `layer`): the retry policy and middleware.
//! - `auth` (uses `types`, `net`, `auth::error`, `error`, `wire`, `retry`, `layer`): tokens. It names
//!   [`Error`] as the error of its public constructor, [`auth::AuthMiddleware::new`].
//! - `config` (uses `auth`, `error`): where configuration comes from: [`Environment`], the CLI's
//!   credentials file.
//! - `client`, `transport`, `generated` (uses `types`, `generated::types`, `net`, `auth::error`,
//!   `auth`, `error`, `path`, `wire`, `layer`, `retry`, `config`): [`Client`], its builder, the operations
//!   and the transport they share.
//! - `pagination`, `wait` (uses `types`, `error`, `retry`, `generated`): every page or item of a
//!   list; waiting for a status.
//! - `deletion`, `capacity` (uses `types`, `error`, `generated`, `wait`): deleting what may be
//!   gone; offers and deploying where there is room.
//! - `inference` (uses `types`, `error`, `net`, `wire`, `retry`, `auth`, `client`): the inference
//!   client.
//! - `testing` (uses every module above): the test kit.
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
mod layer;
mod net;
mod path;
mod query;
mod transport;
mod wire;

pub mod auth;
pub mod capacity;
pub mod deletion;
pub mod inference;
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
