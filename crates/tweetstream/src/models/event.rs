//! The envelope of X's v2 event streams (likes, compliance, labels, activity):
//! [`StreamMessage<D>`], and the one-key tagged events compliance and label streams send.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::models::v2::{Includes, Problem, RawJson};
use crate::models::DecodeError;

/// One message of a v2 event stream: an event (`data`), the objects it references
/// (`includes`, likes only), or problems (`errors`: an operational disconnect, a partial error).
/// Streams deliver it as a [`Raw<StreamMessage<D>>`](crate::Raw), with the bytes it came from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(bound(deserialize = "D: Deserialize<'de>", serialize = "D: Serialize"))]
#[non_exhaustive]
pub struct StreamMessage<D> {
    /// The event.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<D>,
    /// Objects the event references, for the requested expansions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<Includes>,
    /// Problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

fn none<D>() -> Option<D> {
    None
}

impl<D> Default for StreamMessage<D> {
    fn default() -> Self {
        StreamMessage {
            data: None,
            includes: None,
            errors: Vec::new(),
        }
    }
}

impl<D: for<'de> Deserialize<'de>> StreamMessage<D> {
    /// Decode one message (UTF-8 checked once, then parsed).
    pub fn decode(raw: &[u8]) -> Result<Self, DecodeError> {
        crate::models::decode_json(raw)
    }
}

impl<D> StreamMessage<D> {
    /// The operational-disconnect problem of this message, if it announces one.
    pub fn disconnect_notice(&self) -> Option<&Problem> {
        self.errors.iter().find(|p| p.is_disconnect())
    }
}

/// An event of a kind this version of tweetstream does not model: the key X used and the
/// value, kept as raw JSON. Never an error: X adds event kinds over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownEvent {
    /// The event's key (`tweet_undelete`, …).
    pub kind: String,
    /// Its value, as sent.
    pub value: RawJson,
}

/// An event sent as an object with one key that names its kind (`{"delete": {…}}`), as the
/// compliance and label streams do. Implemented by their enums; [`tagged`] decodes it.
pub(crate) trait Tagged: Sized {
    /// What a `match` on the kinds this type models would expect, for error messages.
    const EXPECTING: &'static str;
    /// Decode the value of `key`, or `None` if the kind is not modelled.
    fn known<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Option<Result<Self, A::Error>>;
    /// An event of a kind this type does not model.
    fn unknown(event: UnknownEvent) -> Self;
    /// The key and value to write back.
    fn parts(&self) -> (&str, &dyn erased::Value);
}

/// What [`Tagged::parts`] hands to the serializer (object-safe `Serialize`).
pub(crate) mod erased {
    /// A serializable value behind a `dyn`.
    pub trait Value {
        /// The value as JSON text (fields in their order, raw JSON as it was).
        fn to_json(&self) -> Result<Box<serde_json::value::RawValue>, serde_json::Error>;
    }
    impl<T: serde::Serialize> Value for T {
        fn to_json(&self) -> Result<Box<serde_json::value::RawValue>, serde_json::Error> {
            serde_json::value::to_raw_value(self)
        }
    }
}

/// Deserialize a [`Tagged`] event: the first key chooses the kind; any other keys are skipped.
pub(crate) fn tagged<'de, D: Deserializer<'de>, T: Tagged>(d: D) -> Result<T, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Tagged> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(T::EXPECTING)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            let Some(Key(key)) = map.next_key::<Key<'de>>()? else {
                return Err(de::Error::custom(format!(
                    "an empty object, expected {}",
                    T::EXPECTING
                )));
            };
            let event = match T::known(&key, &mut map) {
                Some(r) => r?,
                None => T::unknown(UnknownEvent {
                    kind: key.into_owned(),
                    value: map.next_value()?,
                }),
            };
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(event)
        }
    }
    d.deserialize_map(V(PhantomData))
}

/// An object key, borrowed from the input when it has no escapes (serde's `Cow<str>` always
/// copies).
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event kind")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Serialize a [`Tagged`] event back to its wire shape, `{"<kind>": {…}}`.
pub(crate) fn serialize_tagged<S: Serializer, T: Tagged>(t: &T, s: S) -> Result<S::Ok, S::Error> {
    let (key, value) = t.parts();
    let value = value.to_json().map_err(serde::ser::Error::custom)?;
    let mut map = s.serialize_map(Some(1))?;
    map.serialize_entry(key, &value)?;
    map.end()
}

/// `Deserialize` and `Serialize` for [`Tagged`] enums, through [`tagged`] and
/// [`serialize_tagged`] (a blanket impl is not allowed for serde's traits).
macro_rules! tagged_serde {
    ($($t:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::models::event::tagged(d)
            }
        }
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                crate::models::event::serialize_tagged(self, s)
            }
        }
    )*};
}
pub(crate) use tagged_serde;
