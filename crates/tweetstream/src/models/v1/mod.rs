//! Typed models and a decoder for the messages of the v1.1 streaming API
//! (`statuses/filter`, `statuses/sample`, and the retired user/site streams).
//!
//! [`Message::decode`] turns one message (the bytes between two `\r\n` delimiters, keep-alives
//! already skipped) into a [`Message`]: a [`Status`] (Tweet), one of the notices ([`Delete`],
//! [`Limit`], [`ScrubGeo`], [`StatusWithheld`], [`UserWithheld`], [`Disconnect`], [`Warning`]),
//! or [`Message::Unknown`] with the raw JSON for anything else (friends lists, events, direct
//! messages, site-stream envelopes, control messages, future message types).
//!
//! Decoding conventions, chosen because X omits fields freely and sometimes sends `null`:
//!
//! * Fields X may omit or send as `null` are `Option`s. The exceptions are documented on each
//!   field: lists (absent or `null` → empty `Vec`), a few booleans (absent or `null` → `false`)
//!   and a few strings X always sends (absent or `null` → empty string).
//! * Unknown fields are ignored, never an error.
//! * Numeric ids are `u64` read from JSON numbers; the `_str` twins are kept as strings.
//! * Strings are [`CompactString`]s: up to 24 bytes are stored inline, so the many short
//!   strings of a Tweet (ids, dates, languages, names) cost no allocation. They deref to `str`.
//! * Counts are `i64`: v1.1 sends `-1` for a count it could not fetch in time.
//! * `timestamp_ms` is kept as sent (a string of epoch milliseconds; a JSON number is accepted
//!   too); see [`Status::timestamp_millis`].
//!
//! All models also implement `Serialize`, producing v1.1-shaped JSON (fields X always sends are
//! written even when `null`; fields X omits when empty are left out), and `Message` serialises to
//! the wire shape (e.g. `{"delete":{…}}`).

mod entities;
mod message;
mod notices;
mod status;
#[cfg(test)]
mod tests;
mod user;

pub use entities::*;
pub use message::*;
pub use notices::*;
pub use status::*;
pub use user::*;

pub use crate::models::{DecodeError, PREVIEW_BYTES};

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Deserialisation helpers
// ---------------------------------------------------------------------------------------------

/// `null` (or, with `#[serde(default)]`, absence) becomes `T::default()`.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Records that a key was present (whatever its value, `null` included) and skips the value.
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// A GeoJSON point object; `null` and arrays (some fixtures send `"coordinates": []`) → `None`.
pub(crate) fn lenient_point<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Coordinates>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Coordinates>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a GeoJSON Point object, null or an array")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Coordinates::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V)
}

/// How many Tweets may be nested inside one another (`retweeted_status`, `quoted_status`).
///
/// X nests at most two levels (a retweet of a quote Tweet). The limit keeps hostile input from
/// exhausting the stack: each level costs a large stack frame, and serde_json's own recursion
/// limit (128) is far too high for that.
pub const MAX_NESTED_STATUSES: u32 = 4;

thread_local! {
    static STATUS_NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// `Option<Box<Status>>`, refusing more than [`MAX_NESTED_STATUSES`] levels of Tweets.
pub(crate) fn nested_status<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<Status>>, D::Error> {
    struct Level;
    impl Drop for Level {
        fn drop(&mut self) {
            STATUS_NESTING.with(|n| n.set(n.get().saturating_sub(1)));
        }
    }
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Box<Status>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Tweet object or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let depth = STATUS_NESTING.with(|n| {
                let depth = n.get().saturating_add(1);
                n.set(depth);
                depth
            });
            let _level = Level;
            if depth > MAX_NESTED_STATUSES {
                return Err(de::Error::custom("Tweets nested too deeply"));
            }
            // Decoded straight into its box: a Status is large.
            crate::models::in_box(d).map(Some)
        }
    }
    d.deserialize_option(V)
}
