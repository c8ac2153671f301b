//! Response shapes that vary between API versions: ids, id lists, single items and bodies that may be absent.

use std::fmt;
use std::ops::Deref;

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize, Serializer};

/// The id returned by a create endpoint, however the API wrote it.
///
/// `POST /instances`, `/volumes`, `/sshkeys` and `/scripts` answer with the new id as bare text;
/// some deployments quote it as a JSON string or answer with an object that has an `id`. The
/// transport turns bare text into a JSON string, and this type accepts all three shapes.
///
/// ```
/// use datacrunch::types::{CreatedId, InstanceId};
///
/// let quoted: CreatedId<InstanceId> = serde_json::from_str(r#""0b1c""#).unwrap();
/// let object: CreatedId<InstanceId> = serde_json::from_str(r#"{"id":"0b1c","status":"ordered"}"#).unwrap();
/// assert_eq!(quoted, object);
/// assert_eq!(quoted.into_inner().to_string(), "0b1c");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CreatedId<T>(T);

impl<T> CreatedId<T> {
    /// The id.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for CreatedId<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Display> fmt::Display for CreatedId<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for CreatedId<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: From<String>> Deserialize<'de> for CreatedId<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Text(String),
            Object { id: String },
        }
        let id = match Shape::deserialize(deserializer) {
            Ok(Shape::Text(id) | Shape::Object { id }) => id,
            Err(_) => {
                return Err(D::Error::custom(
                    "expected an id as text, a JSON string or an object with \"id\"",
                ));
            }
        };
        let id = id.trim().trim_matches('"').to_owned();
        if id.is_empty() {
            return Err(D::Error::custom("the response carried an empty id"));
        }
        Ok(Self(T::from(id)))
    }
}

/// The ids an action answered with, however the API wrote them.
///
/// Cloning volumes (`PUT /volumes`) answers a JSON array with the new ids; some deployments answer
/// a single id as bare text, and the other actions answer without a body. This type accepts all
/// three: an array, one id (text, JSON string or an object with `id`, as [`CreatedId`]) and
/// `null`, which is an empty list. It dereferences to a slice of ids.
///
/// ```
/// use datacrunch::types::{IdList, VolumeId};
///
/// let many: IdList<VolumeId> = serde_json::from_str(r#"["v-1","v-2"]"#).unwrap();
/// assert_eq!(many.len(), 2);
/// let one: IdList<VolumeId> = serde_json::from_str(r#""v-3""#).unwrap();
/// assert_eq!(one.into_inner(), [VolumeId::from("v-3")]);
/// let none: IdList<VolumeId> = serde_json::from_str("null").unwrap();
/// assert!(none.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct IdList<T>(Vec<T>);

impl<T> IdList<T> {
    /// The ids.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T> Deref for IdList<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Serialize> Serialize for IdList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de> + From<String>> Deserialize<'de> for IdList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, bound = "T: Deserialize<'de> + From<String>")]
        enum Shape<T> {
            Many(Vec<T>),
            One(CreatedId<T>),
        }
        Ok(Self(match Option::<Shape<T>>::deserialize(deserializer)? {
            None => Vec::new(),
            Some(Shape::Many(ids)) => ids,
            Some(Shape::One(id)) => vec![id.into_inner()],
        }))
    }
}

/// What a volume action (`PUT /volumes`) answered, kept as it arrived.
///
/// Only a clone answers with something to read, the ids of the new volumes; attach, detach,
/// rename, resize, delete and restore answer with no body, `{}` or anything else, and none of
/// those answers is an error. [`Self::cloned_ids`] reads the ids of a clone.
///
/// ```
/// use datacrunch::types::{VolumeActionAnswer, VolumeId};
///
/// let clone: VolumeActionAnswer = serde_json::from_str(r#"["v-1","v-2"]"#).unwrap();
/// assert_eq!(clone.cloned_ids().unwrap().len(), 2);
/// let attach: VolumeActionAnswer = serde_json::from_str("{}").unwrap();
/// assert!(attach.cloned_ids().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct VolumeActionAnswer(serde_json::Value);

// `cloned_ids` is in error.rs: it answers with `Error`, a layer above the types.
impl VolumeActionAnswer {
    /// The body as it arrived (`null` when there was none).
    pub fn body(&self) -> &serde_json::Value {
        &self.0
    }
}

impl Serialize for VolumeActionAnswer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for VolumeActionAnswer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Self)
    }
}

/// One item that the API may wrap in a one-element array.
///
/// `GET /sshkeys/{id}` and `GET /scripts/{id}` answer `[ {...} ]`; this type accepts that and a
/// plain object, and dereferences to the item. An empty array is an error.
///
/// ```
/// use datacrunch::types::SingleItem;
///
/// let wrapped: SingleItem<String> = serde_json::from_str(r#"["key"]"#).unwrap();
/// let plain: SingleItem<String> = serde_json::from_str(r#""key""#).unwrap();
/// assert_eq!(wrapped, plain);
/// assert_eq!(wrapped.into_inner(), "key");
/// assert!(serde_json::from_str::<SingleItem<String>>("[]").is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SingleItem<T>(T);

impl<T> SingleItem<T> {
    /// The item.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for SingleItem<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Serialize> Serialize for SingleItem<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for SingleItem<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape<T> {
            Many(Vec<T>),
            One(T),
        }
        match Shape::<T>::deserialize(deserializer)? {
            Shape::One(item) => Ok(Self(item)),
            Shape::Many(items) => {
                let count = items.len();
                let mut items = items.into_iter();
                match (items.next(), count) {
                    (Some(item), 1) => Ok(Self(item)),
                    (_, count) => Err(D::Error::custom(format!("expected one item, got an array of {count}"))),
                }
            }
        }
    }
}

/// The body of a 2xx answer that may be absent.
///
/// Operations that change something (create, update, act) may answer any 2xx status with or
/// without a body; the transport turns a missing body into JSON `null`, which decodes as `None`.
///
/// ```
/// use datacrunch::types::{Maybe, Tag};
///
/// let answered: Maybe<Tag> = serde_json::from_str(r#"{"key":"team","value":"ml"}"#).unwrap();
/// assert_eq!(answered.unwrap().key, "team");
/// let empty: Maybe<Tag> = serde_json::from_str("null").unwrap();
/// assert!(empty.is_none());
/// ```
pub type Maybe<T> = Option<T>;

/// Decodes a list that the API may send as `null` (or, through the transport, as no body at
/// all): `null` is an empty list. build.rs puts it on every generated list type.
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Option::<Vec<T>>::deserialize(deserializer).map(Option::unwrap_or_default)
}
