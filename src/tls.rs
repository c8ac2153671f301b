//! The TLS stack of the HTTP client the SDK builds for itself, chosen by Cargo features.
//!
//! | feature | TLS | crypto provider |
//! |---|---|---|
//! | `rustls` (default) = `rustls-ring` | rustls | *ring* |
//! | `rustls-aws-lc-rs` | rustls | aws-lc-rs (post-quantum key exchange, FIPS builds; a C build of its own) |
//! | `rustls-no-provider` | rustls | the process default the application installs |
//! | `native-tls` | the platform's library | none needed |
//!
//! A provider the application installed as rustls' process default
//! (`rustls::crypto::CryptoProvider::install_default`) is always preferred, so a service that
//! already uses one provider never runs, or needs to compile, a second one.
//!
//! reqwest itself only knows aws-lc-rs as a provider: with `rustls-ring` or `rustls-no-provider`
//! (and no reqwest `rustls` feature switched on elsewhere in the build), a `reqwest::Client` built
//! without a provider panics. Build your own clients (for
//! [`ClientBuilder::http_client`](crate::ClientBuilder::http_client)) through [`configure`].

use crate::Error;

/// Sets the TLS stack the features choose on a `reqwest` client builder: what the SDK does for the
/// clients it builds, and what a `reqwest::Client` of your own needs with the default features.
///
/// With `rustls-ring`, when no process default is installed, the builder gets a rustls
/// configuration with *ring* and the platform's certificate verifier. With `rustls-no-provider`
/// alone, a missing process default is `Error::Config` rather than reqwest's panic. Otherwise the
/// builder is returned as it is.
///
/// ```
/// let http = datacrunch::tls::configure(reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)))?
///     .build()
///     .map_err(|e| datacrunch::Error::Config(e.to_string()))?;
/// let client = datacrunch::Client::builder().http_client(http).build()?;
/// # Ok::<(), datacrunch::Error>(())
/// ```
pub fn configure(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(crate::net::configure_tls(builder)?)
}
