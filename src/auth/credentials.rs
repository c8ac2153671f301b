//! Client credentials and the secret wrapper that never prints.

use std::fmt;

use zeroize::Zeroizing;

/// A secret string (client secret, access or refresh token): never printed, wiped on drop.
///
/// ```
/// use datacrunch::auth::SecretString;
///
/// let secret = SecretString::new("s3cr3t");
/// assert_eq!(format!("{secret:?} {secret}"), "<redacted> <redacted>");
/// assert_eq!(secret.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself. Call this only to send it where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The client id and secret of an API client, created in the provider's dashboard.
///
/// ```
/// use datacrunch::auth::Credentials;
///
/// let credentials = Credentials::new("my-client-id", "my-secret");
/// assert_eq!(credentials.client_id(), "my-client-id");
/// assert_eq!(
///     format!("{credentials:?}"),
///     r#"Credentials { client_id: "my-client-id", client_secret: <redacted> }"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    client_id: String,
    client_secret: SecretString,
}

impl Credentials {
    /// Credentials from a client id and secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::new(client_secret),
        }
    }

    /// The client id (not secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret.
    pub fn client_secret(&self) -> &SecretString {
        &self.client_secret
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {} (secret <redacted>)", self.client_id)
    }
}
