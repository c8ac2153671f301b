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
    #[cfg(all(
        feature = "rustls-no-provider",
        not(feature = "rustls-aws-lc-rs"),
        not(feature = "native-tls")
    ))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        #[cfg(feature = "rustls-ring")]
        return Ok(builder.tls_backend_preconfigured(ring_config()?));
        #[cfg(not(feature = "rustls-ring"))]
        return Err(Error::Config(
            "TLS: the feature `rustls-no-provider` needs a rustls crypto provider installed as the process \
             default (`rustls::crypto::CryptoProvider::install_default`) before a client is built"
                .to_owned(),
        ));
    }
    Ok(builder)
}

/// What reqwest configures for rustls, with *ring* as the provider: the platform's certificate
/// verifier, the safe default protocol versions (TLS 1.2 and 1.3), and ALPN offering HTTP/1.1,
/// after HTTP/2 with the `http2` feature.
#[cfg(all(
    feature = "rustls-ring",
    not(feature = "rustls-aws-lc-rs"),
    not(feature = "native-tls")
))]
fn ring_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_no_client_auth();
    if cfg!(feature = "http2") {
        config.alpn_protocols.push(b"h2".to_vec());
    }
    config.alpn_protocols.push(b"http/1.1".to_vec());
    Ok(config)
}
