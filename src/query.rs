//! Query parameters of the generated requests: a parameter that is not set leaves the request's
//! URL as it is.
//!
//! progenitor's code calls `RequestBuilder::query` for every query parameter of an operation,
//! set or not. For one that is not set, reqwest still opens the URL's query for writing, which
//! appends a `?` to the URL's text (a reallocation of a string parsed to its exact length), and
//! then takes it off again: on `GET /instances` without a status filter, that was the SDK's one
//! extra trip through the allocator per call (see BENCHMARKS.md, "issue 19, fourth pass").
//! build.rs has the generated code call [`QueryParameter::query_param`] instead, which sends the
//! same parameters and skips the URL when the value is `None`.

use serde::Serialize;
use serde::ser::{Impossible, Serializer};

/// Adds one query parameter to a request being built.
pub(crate) trait QueryParameter: Sized {
    /// The same as `.query(&QueryParam::new(name, value))`, without touching the URL when
    /// `value` is `None` (a parameter that is not set, which adds nothing).
    fn query_param<T: Serialize>(self, name: &str, value: &T) -> Self;
}

impl QueryParameter for reqwest::RequestBuilder {
    fn query_param<T: Serialize>(self, name: &str, value: &T) -> Self {
        if is_none(value) {
            self
        } else {
            self.query(&progenitor_client::QueryParam::new(name, value))
        }
    }
}

/// Whether `value` serializes as `None`. Reads the value's shape only: nothing is written or
/// allocated.
fn is_none<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(IsNone).unwrap_or(false)
}

/// A serializer that answers whether a value is `None`: `Ok(true)` for `None`, `Ok(false)` for any
/// other plain value, and an error for a compound one (a list, a map, a struct), which is not
/// `None` either.
struct IsNone;

/// Methods of [`IsNone`] for values that are not `None`, with their argument types.
macro_rules! not_none {
    ($($method:ident($($argument:ty),*);)*) => {
        $(fn $method(self $(, _: $argument)*) -> Result<bool, std::fmt::Error> {
            Ok(false)
        })*
    };
}

/// Methods of [`IsNone`] for compound values, with their argument types.
macro_rules! compound {
    ($($method:ident($($argument:ty),*) -> $state:ident;)*) => {
        $(fn $method(self $(, _: $argument)*) -> Result<Self::$state, std::fmt::Error> {
            Err(std::fmt::Error)
        })*
    };
}

impl Serializer for IsNone {
    type Ok = bool;
    type Error = std::fmt::Error;
    type SerializeSeq = Impossible<bool, std::fmt::Error>;
    type SerializeTuple = Impossible<bool, std::fmt::Error>;
    type SerializeTupleStruct = Impossible<bool, std::fmt::Error>;
    type SerializeTupleVariant = Impossible<bool, std::fmt::Error>;
    type SerializeMap = Impossible<bool, std::fmt::Error>;
    type SerializeStruct = Impossible<bool, std::fmt::Error>;
    type SerializeStructVariant = Impossible<bool, std::fmt::Error>;

    fn serialize_none(self) -> Result<bool, std::fmt::Error> {
        Ok(true)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<bool, std::fmt::Error> {
        Ok(false)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<bool, std::fmt::Error> {
        Ok(false)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, std::fmt::Error> {
        Ok(false)
    }

    not_none! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    compound! {
        serialize_seq(Option<usize>) -> SerializeSeq;
        serialize_tuple(usize) -> SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> SerializeTupleVariant;
        serialize_map(Option<usize>) -> SerializeMap;
        serialize_struct(&'static str, usize) -> SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> SerializeStructVariant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_none_is_none() {
        assert!(is_none(&None::<String>));
        assert!(is_none(&None::<Vec<u8>>));
        assert!(!is_none(&Some("")));
        assert!(!is_none(&Some(None::<u8>)));
        assert!(!is_none(&0_u8));
        assert!(!is_none(&""));
        assert!(!is_none(&false));
        assert!(!is_none(&Vec::<u8>::new()));
        assert!(!is_none(&std::collections::BTreeMap::<u8, u8>::new()));
    }
}
