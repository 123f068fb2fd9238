//! Typed models of what X sends. Fields X may omit are `Option`; unknown fields are accepted;
//! the raw bytes of every message stay available, so nothing is lost to a model that lags
//! behind the API.

pub mod activity;
pub mod compliance;
pub mod event;
pub mod labels;
pub mod likes;
pub mod v1;
pub mod v2;

pub use event::{StreamMessage, UnknownEvent};

pub use crate::error::PREVIEW_BYTES;

use compact_str::{CompactString, ToCompactString};
use serde::de::{self, Deserializer, Visitor};

/// A string, or a JSON number kept as its decimal text (X has sent ids both ways); `null`
/// gives `None`.
pub(crate) fn opt_compact_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<CompactString>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<CompactString>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(CompactString::from(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(CompactString::from(v)))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(CompactString::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_compact_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_compact_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_compact_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// [`opt_compact_or_number`] for a field that must be present and not `null`.
pub(crate) fn compact_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<CompactString, D::Error> {
    opt_compact_or_number(d)?.ok_or_else(|| de::Error::custom("expected a string or a number"))
}

/// [`opt_compact_or_number`] into a `String` (for values users build and compare, such as rules).
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    Ok(opt_compact_or_number(d)?.map(String::from))
}

/// A value decoded straight into a fresh box (serde's `deserialize_in_place`), so a large
/// struct is not built on the stack and then copied into the heap.
pub(crate) fn in_box<'de, D, T>(d: D) -> Result<Box<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    let mut place = Box::<T>::default();
    T::deserialize_in_place(d, &mut place)?;
    Ok(place)
}

/// [`in_box`] for an optional value (`null` gives `None`).
pub(crate) fn boxed_in_place<'de, D, T>(d: D) -> Result<Option<Box<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de> + Default> Visitor<'de> for V<T> {
        type Value = Option<Box<T>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            in_box(d).map(Some)
        }
    }
    d.deserialize_option(V(std::marker::PhantomData))
}

/// A JSON array into a `Vec`, each element decoded straight into its slot (see
/// [`in_box`]); `null` gives an empty `Vec`.
pub(crate) fn vec_in_place<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    struct Slot<'a, T>(&'a mut T);
    impl<'de, T: serde::Deserialize<'de>> de::DeserializeSeed<'de> for Slot<'_, T> {
        type Value = ();
        fn deserialize<D2: Deserializer<'de>>(self, d: D2) -> Result<(), D2::Error> {
            T::deserialize_in_place(d, self.0)
        }
    }
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de> + Default> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut v: Vec<T> = Vec::new();
            loop {
                v.push(T::default());
                let slot = v.last_mut().expect("just pushed");
                if seq.next_element_seed(Slot(slot))?.is_none() {
                    v.pop();
                    return Ok(v);
                }
            }
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

/// A message that is not valid UTF-8 or JSON, or whose contents do not fit its model. The one
/// decode error of every message family (v2 tweets, v1.1, compliance, likes, labels, activity);
/// streams report it as [`Error::Decode`](crate::Error::Decode) with the whole message attached.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message} (input starts {preview:?})")]
pub struct DecodeError {
    message: String,
    preview: String,
    category: serde_json::error::Category,
}

impl DecodeError {
    /// A serde_json error, optionally inside the value of `key`.
    pub(crate) fn json(err: &serde_json::Error, key: Option<&str>, raw: &[u8]) -> Self {
        let message = match key {
            Some(k) => format!("in `{k}`: {err}"),
            None => err.to_string(),
        };
        DecodeError {
            message,
            preview: crate::error::preview(raw),
            category: err.classify(),
        }
    }

    /// Invalid UTF-8.
    pub(crate) fn utf8(err: &std::str::Utf8Error, raw: &[u8]) -> Self {
        let (message, category) = match err.error_len() {
            Some(_) => (
                format!("invalid UTF-8 at byte {}", err.valid_up_to()),
                serde_json::error::Category::Syntax,
            ),
            None => (
                format!(
                    "input ends inside a UTF-8 sequence at byte {}",
                    err.valid_up_to()
                ),
                serde_json::error::Category::Eof,
            ),
        };
        DecodeError {
            message,
            preview: crate::error::preview(raw),
            category,
        }
    }

    /// serde_json's description of the problem (with line and column when parsing bytes).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The first (at most [`PREVIEW_BYTES`]) bytes of the input, lossily converted to UTF-8.
    pub fn preview(&self) -> &str {
        &self.preview
    }

    /// Whether the input was not JSON (`Syntax`), ended early (`Eof`, e.g. a truncated line),
    /// or was JSON of the wrong shape (`Data`).
    pub fn category(&self) -> serde_json::error::Category {
        self.category
    }
}

/// The bytes as UTF-8 text, checked once: simdutf8's fast check for the common valid case, and
/// std's (which says where the problem is) only for invalid input.
pub(crate) fn utf8_text(raw: &[u8]) -> Result<&str, DecodeError> {
    match simdutf8::basic::from_utf8(raw) {
        Ok(t) => Ok(t),
        Err(_) => std::str::from_utf8(raw).map_err(|e| DecodeError::utf8(&e, raw)),
    }
}

/// Decode a whole message of type `T` with serde_json (UTF-8 checked once, then parsed without
/// re-checking each string): the decode contract every JSON message family shares, and the
/// one to use in an [`Endpoint`](crate::Endpoint) of your own.
pub fn decode_json<'a, T: serde::Deserialize<'a>>(raw: &'a [u8]) -> Result<T, DecodeError> {
    let text = utf8_text(raw)?;
    serde_json::from_str::<T>(text).map_err(|e| DecodeError::json(&e, None, raw))
}
