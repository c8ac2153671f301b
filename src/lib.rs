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

#![warn(missing_docs)]

mod client;
mod error;
mod path;
mod transport;

pub mod auth;
pub mod inference;
pub mod retry;
pub mod types;

#[allow(
    clippy::all,
    missing_docs,
    unused_imports,
    irrefutable_let_patterns,
    mismatched_lifetime_syntaxes
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use client::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, LEGACY_BASE_URL};
pub use error::Error;
pub use generated::{Client, ClientInfo, builder};
pub use transport::Transport;
