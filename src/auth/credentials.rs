//! Client credentials.
//!
//! Secrets are `secrecy::SecretString`: redacted `Debug`, no `Display`, wiped on drop, and read
//! only through `ExposeSecret::expose_secret`, which makes every use of the secret visible.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The client id and secret of an API client, created in the provider's dashboard.
///
/// ```
/// use datacrunch::auth::Credentials;
///
/// let credentials = Credentials::new("my-client-id", "my-secret");
/// assert_eq!(credentials.client_id(), "my-client-id");
/// assert_eq!(
///     format!("{credentials:?}"),
///     r#"Credentials { client_id: "my-client-id", client_secret: "<redacted>" }"#
/// );
/// ```
#[derive(Clone)]
pub struct Credentials {
    client_id: String,
    client_secret: SecretString,
}

impl Credentials {
    /// Credentials from a client id and secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
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

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Equal when both the id and the secret are.
impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        self.client_id == other.client_id && self.client_secret.expose_secret() == other.client_secret.expose_secret()
    }
}

impl Eq for Credentials {}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {} (secret <redacted>)", self.client_id)
    }
}
