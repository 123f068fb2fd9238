//! One v1.1 stream message, and its decoder.

use super::*;
use crate::models::DecodeError;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

// ---------------------------------------------------------------------------------------------
// Message and decoding
// ---------------------------------------------------------------------------------------------

/// One v1.1 stream message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A Tweet.
    Status(Box<Status>),
    /// `delete`: a Tweet was deleted.
    Delete(Delete),
    /// `limit`: undelivered Tweets.
    Limit(Limit),
    /// `scrub_geo`: strip geo data.
    ScrubGeo(ScrubGeo),
    /// `status_withheld`.
    StatusWithheld(StatusWithheld),
    /// `user_withheld`.
    UserWithheld(UserWithheld),
    /// `disconnect`: the stream is about to close.
    Disconnect(Disconnect),
    /// `warning`: stall warning.
    Warning(Warning),
    /// Any other JSON value: user/site-stream messages (`friends`, `event`, `direct_message`,
    /// `for_user`, `control`), new message types, or a notice key whose value is `null`.
    Unknown(serde_json::Value),
}

/// The notice keys, in tweepy's dispatch order.
const NOTICE_KEYS: [&str; 7] = [
    "delete",
    "disconnect",
    "limit",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "warning",
];

/// Single-pass reader for objects whose first key is a notice key.
#[derive(Deserialize)]
struct NoticeEnvelope {
    #[serde(default, deserialize_with = "present")]
    in_reply_to_status_id: bool,
    #[serde(default, deserialize_with = "present")]
    id: bool,
    #[serde(default, deserialize_with = "present")]
    user: bool,
    #[serde(default, deserialize_with = "present")]
    text: bool,
    #[serde(default, deserialize_with = "present")]
    full_text: bool,
    #[serde(default)]
    delete: Option<Delete>,
    #[serde(default)]
    disconnect: Option<Disconnect>,
    #[serde(default)]
    limit: Option<Limit>,
    #[serde(default)]
    scrub_geo: Option<ScrubGeo>,
    #[serde(default)]
    status_withheld: Option<StatusWithheld>,
    #[serde(default)]
    user_withheld: Option<UserWithheld>,
    #[serde(default)]
    warning: Option<Warning>,
}

impl NoticeEnvelope {
    fn looks_like_status(&self) -> bool {
        self.in_reply_to_status_id || (self.id && self.user && (self.text || self.full_text))
    }

    fn into_message(self) -> Option<Message> {
        // tweepy order: delete, disconnect, limit, scrub_geo, status_withheld, user_withheld,
        // warning.
        if let Some(m) = self.delete {
            return Some(Message::Delete(m));
        }
        if let Some(m) = self.disconnect {
            return Some(Message::Disconnect(m));
        }
        if let Some(m) = self.limit {
            return Some(Message::Limit(m));
        }
        if let Some(m) = self.scrub_geo {
            return Some(Message::ScrubGeo(m));
        }
        if let Some(m) = self.status_withheld {
            return Some(Message::StatusWithheld(m));
        }
        if let Some(m) = self.user_withheld {
            return Some(Message::UserWithheld(m));
        }
        self.warning.map(Message::Warning)
    }
}

/// The first key of a JSON object, if it can be read without unescaping.
fn first_key(raw: &[u8]) -> Option<&[u8]> {
    let skip_ws = |mut i: usize| {
        while matches!(raw.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            i += 1;
        }
        i
    };
    let i = skip_ws(0);
    if raw.get(i) != Some(&b'{') {
        return None;
    }
    let i = skip_ws(i + 1);
    if raw.get(i) != Some(&b'"') {
        return None;
    }
    let rest = raw.get(i + 1..)?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    if rest.get(end) == Some(&b'"') {
        rest.get(..end)
    } else {
        None
    }
}

/// Whether a parsed object is a Tweet under the classification rule of [`Message::decode`].
fn object_is_status(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    map.contains_key("in_reply_to_status_id")
        || (map.contains_key("id")
            && map.contains_key("user")
            && (map.contains_key("text") || map.contains_key("full_text")))
}

/// A Status decoded straight into its box (no stack copy of the large struct), with
/// `from_str`'s check that only whitespace follows.
fn status_in_box(text: &str) -> Result<Box<Status>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let status = crate::models::in_box(&mut de)?;
    de.end()?;
    Ok(status)
}

impl Message {
    /// Decodes one stream message (a complete JSON text; surrounding whitespace, such as the
    /// `\r\n` delimiter, is allowed). Keep-alives (empty lines) are not messages: skip them
    /// before calling this, or expect an error.
    ///
    /// Classification of a JSON object, first match wins (tweepy's v1.1 order, plus one rule):
    ///
    /// 1. **Status** if it has the key `in_reply_to_status_id` (any value, `null` included), **or**
    ///    the keys `id`, `user` and `text` or `full_text` (this extra rule catches Tweets that
    ///    lack `in_reply_to_status_id`, as in some client-library fixtures);
    /// 2. then the first of `delete`, `disconnect`, `limit`, `scrub_geo`, `status_withheld`,
    ///    `user_withheld`, `warning` present with a non-`null` value;
    /// 3. anything else (and any non-object JSON) is [`Message::Unknown`].
    ///
    /// An object classified as a Status or a notice whose contents do not fit the model (e.g. a
    /// Status without `user`, a `limit` without `track`) is an error, not `Unknown`.
    ///
    /// Cost: the bytes are checked to be UTF-8 once, then a Tweet or a notice is parsed once
    /// (the first key is peeked to choose between them); only `Unknown` messages, errors and
    /// odd shapes take a second pass.
    ///
    /// Invalid UTF-8 anywhere in `raw` is an error (category `Syntax`, or `Eof` when the input
    /// ends inside a multi-byte character).
    pub fn decode(raw: &[u8]) -> Result<Message, DecodeError> {
        Self::decode_str(crate::models::utf8_text(raw)?)
    }

    /// [`Message::decode`] for input already known to be UTF-8 text.
    pub fn decode_str(text: &str) -> Result<Message, DecodeError> {
        let notice_first = first_key(text.as_bytes())
            .is_some_and(|k| NOTICE_KEYS.iter().any(|n| n.as_bytes() == k));
        if notice_first {
            if let Ok(env) = serde_json::from_str::<NoticeEnvelope>(text) {
                if !env.looks_like_status() {
                    if let Some(msg) = env.into_message() {
                        return Ok(msg);
                    }
                }
            }
        } else if let Ok(status) = status_in_box(text) {
            // `id` and `user` were present (they are required); `text`, `full_text` or a
            // non-null `in_reply_to_status_id` settles it. Otherwise fall through.
            if status.text.is_some()
                || status.full_text.is_some()
                || status.in_reply_to_status_id.is_some()
            {
                return Ok(Message::Status(status));
            }
        }
        Self::decode_slow(text)
    }

    /// The general path: parse to a JSON value, classify by keys, then convert.
    fn decode_slow(text: &str) -> Result<Message, DecodeError> {
        let raw = text.as_bytes();
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DecodeError::json(&e, None, raw))?;
        let serde_json::Value::Object(map) = &value else {
            return Ok(Message::Unknown(value));
        };
        if object_is_status(map) {
            return serde_json::from_str::<Status>(text)
                .map(|s| Message::Status(Box::new(s)))
                .map_err(|e| DecodeError::json(&e, None, raw));
        }
        for key in NOTICE_KEYS {
            let Some(inner) = map.get(key).filter(|v| !v.is_null()) else {
                continue;
            };
            let err = |e: serde_json::Error| DecodeError::json(&e, Some(key), raw);
            return match key {
                "delete" => Delete::deserialize(inner).map(Message::Delete),
                "disconnect" => Disconnect::deserialize(inner).map(Message::Disconnect),
                "limit" => Limit::deserialize(inner).map(Message::Limit),
                "scrub_geo" => ScrubGeo::deserialize(inner).map(Message::ScrubGeo),
                "status_withheld" => {
                    StatusWithheld::deserialize(inner).map(Message::StatusWithheld)
                }
                "user_withheld" => UserWithheld::deserialize(inner).map(Message::UserWithheld),
                _ => Warning::deserialize(inner).map(Message::Warning),
            }
            .map_err(err);
        }
        Ok(Message::Unknown(value))
    }

    /// The Tweet, if this is a [`Message::Status`].
    pub fn as_status(&self) -> Option<&Status> {
        match self {
            Message::Status(s) => Some(s),
            _ => None,
        }
    }
}

impl Serialize for Message {
    /// Writes the wire shape: a Status as the Tweet object, a notice as `{"<key>":{…}}`, and
    /// `Unknown` as its JSON.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn wrap<S: Serializer, T: Serialize>(s: S, key: &str, v: &T) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry(key, v)?;
            map.end()
        }
        match self {
            Message::Status(s) => s.serialize(serializer),
            Message::Delete(m) => wrap(serializer, "delete", m),
            Message::Limit(m) => wrap(serializer, "limit", m),
            Message::ScrubGeo(m) => wrap(serializer, "scrub_geo", m),
            Message::StatusWithheld(m) => wrap(serializer, "status_withheld", m),
            Message::UserWithheld(m) => wrap(serializer, "user_withheld", m),
            Message::Disconnect(m) => wrap(serializer, "disconnect", m),
            Message::Warning(m) => wrap(serializer, "warning", m),
            Message::Unknown(v) => v.serialize(serializer),
        }
    }
}
