//! OAuth2 client-credentials authentication.
//!
//! The API issues bearer tokens from `POST {base_url}/oauth2/token` (a JSON body, grants
//! `client_credentials` and `refresh_token`). [`AuthMiddleware`] obtains them lazily, renews them
//! in the background before they expire (callers never wait while a valid token is held), lets
//! one request at a time fetch a token, and replays a request once when the API answers 401.
//! Secrets live in [`SecretString`] (from the `secrecy` crate), which never prints and is wiped
//! on drop.

mod cache;
mod credentials;
mod error;
mod middleware;
mod source;
mod token_endpoint;

pub use cache::DEFAULT_REFRESH_MARGIN;
pub use credentials::Credentials;
pub use error::AuthError;
pub use middleware::AuthMiddleware;
pub(crate) use middleware::{AuthOptions, Replayer};
pub use secrecy::{ExposeSecret, SecretString};
