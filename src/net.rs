//! Building HTTP clients and checking the URLs they send secrets to. Uses nothing else of the
//! crate: a failure is a [`SetupError`], which becomes `Error::Config` with the same message.

use std::time::Duration;

/// How long a whole request may take before it fails, unless set with
/// [`ClientBuilder::timeout`](crate::ClientBuilder::timeout).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting may take, unless set with
/// [`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why an HTTP client could not be built or a URL is refused: the message of the
/// `Error::Config` it becomes.
#[derive(Debug)]
pub(crate) struct SetupError(pub(crate) String);

/// The `reqwest::Client` behind a `Client` and its token requests: the given timeouts (or the
/// defaults), a `User-Agent` of `[<app> ]datacrunch-rust/<version>`, the TLS stack the features
/// choose (see `crate::tls`), no redirect followed (the API never redirects, and a followed
/// 307/308 would re-send a secret to the `Location`), and no proxy for a `loopback` server (a
/// proxy would see the bearer token and the secret in clear).
pub(crate) fn http_client(
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    app_agent: Option<&str>,
    loopback: bool,
) -> Result<reqwest::Client, SetupError> {
    let sdk_agent = concat!("datacrunch-rust/", env!("CARGO_PKG_VERSION"));
    let user_agent = match app_agent {
        Some(app) => format!("{app} {sdk_agent}"),
        None => sdk_agent.to_owned(),
    };
    let mut builder = reqwest::Client::builder()
        .timeout(timeout.unwrap_or(DEFAULT_TIMEOUT))
        .connect_timeout(connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent);
    if loopback {
        builder = builder.no_proxy();
    }
    configure_tls(builder)?
        .build()
        .map_err(|e| SetupError(format!("HTTP client: {e}")))
}

/// Parses a URL that tokens are sent to: `https`, or `http` only to a loopback host (such as a
/// local test server) unless `allow_plain_http` says otherwise, so a bearer token never crosses a
/// network in clear text.
pub(crate) fn parse_api_url(what: &str, url: &str, allow_plain_http: bool) -> Result<reqwest::Url, SetupError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| SetupError(format!("{what} {url:?}: {e}")))?;
    if parsed.host_str().is_none() {
        return Err(SetupError(format!("{what} {url:?} has no host")));
    }
    let loopback = is_loopback(&parsed);
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback || allow_plain_http => Ok(parsed),
        "http" => Err(SetupError(format!(
            "{what} {url:?} is plain http to a host that is not loopback; use https, or \
             the builder's allow_plain_http() to send tokens unencrypted"
        ))),
        _ => Err(SetupError(format!("{what} {url:?} must be an http or https URL"))),
    }
}

/// The `Location` header of a redirect, as text (lossy where it is not UTF-8), for an error.
pub(crate) fn location(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(http::header::LOCATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// Whether `url`'s host is loopback (`localhost`, `127.0.0.0/8`, `[::1]`): a server on this
/// machine, which gets plain http and is never reached through a proxy.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || ip.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Sets the TLS stack the features choose on a `reqwest` client builder (see `crate::tls`, whose
/// `configure` this is).
///
/// With `rustls-ring`, when no process default is installed, the builder gets a rustls
/// configuration with *ring* and the platform's certificate verifier. With `rustls-no-provider`
/// alone, a missing process default is an error rather than reqwest's panic. Otherwise the
/// builder is returned as it is.
pub(crate) fn configure_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, SetupError> {
    #[cfg(all(
        feature = "rustls-no-provider",
        not(feature = "rustls-aws-lc-rs"),
        not(feature = "native-tls")
    ))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        #[cfg(feature = "rustls-ring")]
        return Ok(builder.tls_backend_preconfigured(ring_config()?));
        #[cfg(not(feature = "rustls-ring"))]
        return Err(SetupError(
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
fn ring_config() -> Result<rustls::ClientConfig, SetupError> {
    use rustls_platform_verifier::BuilderVerifierExt;

    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| SetupError(format!("TLS: {e}")))?
        .with_no_client_auth();
    if cfg!(feature = "http2") {
        config.alpn_protocols.push(b"h2".to_vec());
    }
    config.alpn_protocols.push(b"http/1.1".to_vec());
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::parse_api_url;

    #[test]
    fn plain_http_is_accepted_only_for_loopback_or_when_allowed() {
        for loopback in [
            "http://localhost:8080/v1",
            "http://127.0.0.1/v1",
            "http://127.1.2.3/v1",
            "http://[::1]:9/v1",
        ] {
            parse_api_url("base URL", loopback, false).unwrap();
        }
        for remote in [
            "http://api.example.com/v1",
            "http://10.0.0.1/v1",
            "http://localhost.example.com/v1",
        ] {
            assert!(parse_api_url("base URL", remote, false).is_err(), "{remote}");
            parse_api_url("base URL", remote, true).unwrap();
        }
        for broken in ["ftp://example.com/v1", "not a url", "file:///v1"] {
            assert!(parse_api_url("base URL", broken, true).is_err(), "{broken}");
        }
    }
}
