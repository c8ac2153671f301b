//! Typed ids, so an instance id cannot be passed where a volume id is expected.

/// Defines a string id newtype that converts from `&str` and `String` and prints as the id.
macro_rules! id_type {
    ($( $(#[$meta:meta])* $name:ident; )+) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(id))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(&self.0)
            }
        }
    )+};
}

id_type! {
    /// The id of an instance.
    ///
    /// ```
    /// use datacrunch::types::InstanceId;
    ///
    /// let id = InstanceId::from("26d43424-5f6a-4c1d-9b7e-0c2f1a3e4d5b");
    /// assert_eq!(id.to_string(), "26d43424-5f6a-4c1d-9b7e-0c2f1a3e4d5b");
    /// ```
    InstanceId;
    /// The id of a volume.
    VolumeId;
    /// The id of an SSH key.
    SshKeyId;
    /// The id of a startup script.
    StartupScriptId;
    /// The id of an instant cluster.
    ClusterId;
}
