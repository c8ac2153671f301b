//! [`InferenceStatus`]: where an asynchronous inference stands.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The state of an asynchronous inference, as its status endpoint reports it.
///
/// An open set: a value this SDK does not know is kept in `Unknown`. Older deployments send the
/// state as an integer, 0 to 3 in the order of the variants; both forms decode.
///
/// ```
/// use datacrunch::inference::InferenceStatus;
///
/// let named: InferenceStatus = serde_json::from_str(r#""Queue""#).unwrap();
/// let older: InferenceStatus = serde_json::from_str("1").unwrap();
/// assert_eq!(named, InferenceStatus::Queue);
/// assert_eq!(older, InferenceStatus::Queue);
/// assert!(named.is_pending());
/// assert!(!InferenceStatus::Completed.is_pending());
/// assert_eq!(InferenceStatus::from("Failed"), InferenceStatus::Unknown("Failed".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InferenceStatus {
    /// `Initialized` (0): accepted, not queued yet.
    Initialized,
    /// `Queue` (1): waiting for a replica.
    Queue,
    /// `Inference` (2): running.
    Inference,
    /// `Completed` (3): the result is ready.
    Completed,
    /// A state this version of the SDK does not know, kept as received (an integer as its
    /// digits).
    Unknown(String),
}

impl InferenceStatus {
    /// The known states, in the order of the older integer form.
    const ORDER: [Self; 4] = [Self::Initialized, Self::Queue, Self::Inference, Self::Completed];

    /// The state's name, as the status endpoint sends it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Initialized => "Initialized",
            Self::Queue => "Queue",
            Self::Inference => "Inference",
            Self::Completed => "Completed",
            Self::Unknown(other) => other,
        }
    }

    /// Whether the inference is known to be still on its way (initialized, queued or running).
    /// An unknown state is not: its result may be worth asking for.
    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Initialized | Self::Queue | Self::Inference)
    }
}

impl From<&str> for InferenceStatus {
    fn from(value: &str) -> Self {
        Self::ORDER
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(value))
            .unwrap_or_else(|| Self::Unknown(value.to_owned()))
    }
}

impl fmt::Display for InferenceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for InferenceStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InferenceStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Name(String),
            Index(u64),
        }
        Ok(match Wire::deserialize(deserializer)? {
            Wire::Name(name) => Self::from(name.as_str()),
            Wire::Index(index) => usize::try_from(index)
                .ok()
                .and_then(|index| Self::ORDER.get(index).cloned())
                .unwrap_or_else(|| Self::Unknown(index.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_integers_decode_alike_and_unknown_values_are_kept() {
        for (index, name) in ["Initialized", "Queue", "Inference", "Completed"]
            .into_iter()
            .enumerate()
        {
            let by_name: InferenceStatus = serde_json::from_value(serde_json::json!(name)).unwrap();
            let by_index: InferenceStatus = serde_json::from_value(serde_json::json!(index)).unwrap();
            assert_eq!(by_name, by_index);
            assert_eq!(serde_json::to_value(&by_index).unwrap(), serde_json::json!(name));
        }
        let later: InferenceStatus = serde_json::from_str("7").unwrap();
        assert_eq!(later, InferenceStatus::Unknown("7".into()));
        assert!(!later.is_pending());
        assert_eq!(InferenceStatus::from("completed"), InferenceStatus::Completed);
        assert!(serde_json::from_str::<InferenceStatus>("-1").is_err());
        assert_eq!(format!("{:>6}", InferenceStatus::Queue), " Queue");
    }
}
