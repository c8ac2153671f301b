//! The `open_enum!` and `open_enums!` macros: enums for value sets the provider extends over time.
//!
//! A closed enum breaks decoding of a whole response the day the API adds a GPU type, a location
//! or a status. An open enum has one variant per value this SDK knows plus `Unknown(String)`,
//! which keeps any other value exactly as it arrived, so it re-encodes unchanged.

/// Defines an open enum that (de)serializes as its wire string.
///
/// Each generated enum is `#[non_exhaustive]`, implements `FromStr` (infallible), `From<&str>`,
/// `From<String>`, `Display`, `AsRef<str>`, `Serialize` and `Deserialize`, and lists its known
/// wire values in `KNOWN` (a test keeps that list equal to the spec's `enum`).
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $(#[$variant_meta])*
                $variant,
            )+
            /// A value this version of the SDK does not know yet, kept exactly as received.
            Unknown(String),
        }

        impl $name {
            /// Every wire value this version of the SDK knows, in declaration order.
            pub const KNOWN: &'static [&'static str] = &[$($value),+];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Unknown(other) => other,
                }
            }

            /// Whether this is one of the values in [`Self::KNOWN`].
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl From<&$name> for $name {
            fn from(value: &$name) -> Self {
                value.clone()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

pub(crate) use open_enum;

/// Defines every open enum of the crate with [`open_enum!`], in one list, and exports
/// `__with_open_enums!(callback)`, which calls `callback!(Name, Name, ...)` with all their names:
/// tests iterate over the enums from this one source instead of a copy of the list.
macro_rules! open_enums {
    ($( $(#[$meta:meta])* $name:ident { $($body:tt)* } )+) => {
        $( $crate::types::open_enum::open_enum! { $(#[$meta])* $name { $($body)* } } )+

        /// Calls `$callback!` with the name of every open enum in `datacrunch::types`.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __with_open_enums {
            ($callback:ident) => {
                $callback!($($name),+)
            };
        }
    };
}

pub(crate) use open_enums;
