//! Every integration test of the crate, in one binary so the suite links once.
//!
//! Each module was a test file of its own; `common` holds what they share.

mod common;

mod auth;
mod capacity;
mod decode_props;
mod fake_api;
mod fake_resources;
mod hostile;
mod inference;
mod pagination;
mod reference_fixtures;
mod retry;
mod shared_behaviours;
mod spec_consistency;
mod spec_fidelity;
mod tls;
mod transport;
mod types;
mod wait;
mod wait_tables;
mod wire_compute;
mod wire_serverless;
mod wire_storage;
