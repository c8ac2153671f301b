//! OAuth2 client-credentials authentication for the API.

mod error;

pub use error::AuthError;
