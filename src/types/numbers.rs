//! Numbers and booleans as the API really sends them.
//!
//! Prices arrive as JSON strings (`"5.00"`) or numbers (`5.0`) depending on the endpoint; counts
//! sometimes arrive as floats (`3.0`); availability flags sometimes arrive as `"true"`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An exact decimal number, such as a price, decoded from a JSON string or a JSON number.
///
/// The value keeps the digits it arrived with (`"5.00"` stays `5.00`). A JSON number is read
/// through `f64` and printed in its shortest exact form, so numbers with up to 15 significant
/// digits keep every digit. It serializes as a JSON string.
///
/// ```
/// use datacrunch::types::Decimal;
///
/// let from_string: Decimal = serde_json::from_str(r#""5.00""#).unwrap();
/// let from_number: Decimal = serde_json::from_str("45.5").unwrap();
/// assert_eq!(from_string.to_string(), "5.00");
/// assert_eq!(from_number.as_str(), "45.5");
/// assert_eq!(from_string, "5".parse().unwrap()); // equal values compare equal
/// assert_eq!(from_number.to_f64(), 45.5);
/// ```
#[derive(Clone, Debug, Eq)]
pub struct Decimal {
    text: String,
    /// The value as `mantissa * 10^-scale`, for exact comparison.
    mantissa: i128,
    scale: u32,
}

/// The error for text that is not a plain decimal number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidDecimal(String);

impl fmt::Display for InvalidDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a decimal number", self.0)
    }
}

impl std::error::Error for InvalidDecimal {}

impl Decimal {
    /// The number as it was written, for example `"5.00"`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The nearest `f64`, for display or rough arithmetic.
    pub fn to_f64(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }

    /// The exact value as `(mantissa, scale)`, meaning `mantissa * 10^-scale`.
    pub fn to_parts(&self) -> (i128, u32) {
        (self.mantissa, self.scale)
    }

    fn from_f64(value: f64) -> Result<Self, InvalidDecimal> {
        if !value.is_finite() {
            return Err(InvalidDecimal(value.to_string()));
        }
        // `Display` for f64 prints the shortest text that reads back as the same f64.
        format!("{value}").parse()
    }
}

impl FromStr for Decimal {
    type Err = InvalidDecimal;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDecimal(text.to_owned());
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(invalid());
        }
        let scale = u32::try_from(fraction.len()).map_err(|_| invalid())?;
        let mut mantissa: i128 = 0;
        for byte in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(byte - b'0')))
                .ok_or_else(invalid)?;
        }
        if negative {
            mantissa = -mantissa;
        }
        Ok(Self {
            text: trimmed.to_owned(),
            mantissa,
            scale,
        })
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        // Compare at a common scale; fall back to the text when scaling would overflow.
        let scale = self.scale.max(other.scale);
        let widen = |m: i128, s: u32| 10i128.checked_pow(scale - s).and_then(|f| m.checked_mul(f));
        match (widen(self.mantissa, self.scale), widen(other.mantissa, other.scale)) {
            (Some(a), Some(b)) => a == b,
            _ => self.text == other.text,
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.text)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DecimalVisitor;

        impl Visitor<'_> for DecimalVisitor {
            type Value = Decimal;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number as a JSON number or string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse().map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                v.to_string().parse().map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                v.to_string().parse().map_err(E::custom)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                Decimal::from_f64(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// A whole number that may arrive as a JSON integer, a float with no fraction (`3.0`) or a
/// string of digits. It serializes as a JSON integer.
///
/// ```
/// use datacrunch::types::WholeNumber;
///
/// let n: WholeNumber = serde_json::from_str("3.0").unwrap();
/// assert_eq!(n.get(), 3);
/// assert_eq!(serde_json::to_string(&n).unwrap(), "3");
/// assert!(serde_json::from_str::<WholeNumber>("3.5").is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WholeNumber(pub i64);

impl WholeNumber {
    /// The value.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for WholeNumber {
    fn from(value: i64) -> Self {
        Self(value)
    }
}

impl From<WholeNumber> for i64 {
    fn from(value: WholeNumber) -> Self {
        value.0
    }
}

impl PartialEq<i64> for WholeNumber {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for WholeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for WholeNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WholeVisitor;

        impl Visitor<'_> for WholeVisitor {
            type Value = WholeNumber;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WholeNumber, E> {
                Ok(WholeNumber(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WholeNumber, E> {
                i64::try_from(v).map(WholeNumber).map_err(E::custom)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WholeNumber, E> {
                // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
                if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
                    Ok(WholeNumber(v as i64))
                } else {
                    Err(E::custom(format!("{v} is not a whole number")))
                }
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<WholeNumber, E> {
                v.trim().parse().map(WholeNumber).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(WholeVisitor)
    }
}

/// A boolean that may arrive as JSON `true`/`false` or as the strings `"true"`/`"false"`.
/// It serializes as a JSON boolean.
///
/// ```
/// use datacrunch::types::FlexibleBool;
///
/// let yes: FlexibleBool = serde_json::from_str(r#""true""#).unwrap();
/// let no: FlexibleBool = serde_json::from_str("false").unwrap();
/// assert!(yes.get() && !no.get());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlexibleBool(pub bool);

impl FlexibleBool {
    /// The value.
    pub fn get(self) -> bool {
        self.0
    }
}

impl From<FlexibleBool> for bool {
    fn from(value: FlexibleBool) -> Self {
        value.0
    }
}

impl fmt::Display for FlexibleBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for FlexibleBool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(self.0)
    }
}

impl<'de> Deserialize<'de> for FlexibleBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoolVisitor;

        impl Visitor<'_> for BoolVisitor {
            type Value = FlexibleBool;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or the string \"true\" or \"false\"")
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FlexibleBool, E> {
                Ok(FlexibleBool(v))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlexibleBool, E> {
                match v.trim() {
                    t if t.eq_ignore_ascii_case("true") => Ok(FlexibleBool(true)),
                    f if f.eq_ignore_ascii_case("false") => Ok(FlexibleBool(false)),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
        }

        deserializer.deserialize_any(BoolVisitor)
    }
}

/// The spot flag of an availability query, sent under both names the API has used.
///
/// The 2023 document and the Python SDK send `isSpot`, the Go SDK sends `is_spot`; a server that
/// reads only the other name would silently answer with on-demand availability. This flag is
/// written as both, with the same value: `?is_spot=true&isSpot=true`.
///
/// ```
/// # async fn run(client: datacrunch::Client) -> Result<(), datacrunch::Error> {
/// let spot = client.get_all_availability().is_spot(true).send().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpotFlag(pub bool);

impl From<bool> for SpotFlag {
    fn from(value: bool) -> Self {
        Self(value)
    }
}

impl Serialize for SpotFlag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut both = serializer.serialize_struct("SpotFlag", 2)?;
        both.serialize_field("is_spot", &self.0)?;
        both.serialize_field("isSpot", &self.0)?;
        both.end()
    }
}
