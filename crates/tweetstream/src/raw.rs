//! The message envelopes: [`Raw<M>`], a typed message with the bytes it was decoded from, and
//! [`RawLine`], a message passed through without a typed decode (the archiving path).
//!
//! Every stream yields one of the two, so the bytes X sent are never lost to a model that lags
//! behind the API, and an archiver can write them byte for byte.
//!
//! ```
//! use bytes::Bytes;
//! use tweetstream::models::v2::StreamResponse;
//! use tweetstream::Raw;
//!
//! let bytes = Bytes::from_static(br#"{"data":{"id":"7","text":"hi"}}"#);
//! let message = Raw::new(bytes.clone(), StreamResponse::decode(&bytes).unwrap());
//! assert_eq!(message.data.as_ref().unwrap().text, "hi"); // Deref to the typed message
//! assert_eq!(message.raw(), &bytes);
//! ```

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// A typed message and the bytes it was decoded from (one message, without its `\r\n`).
///
/// It dereferences to the message, so `raw.data`, `raw.as_status()` … read as on the message.
#[derive(Clone, PartialEq)]
pub struct Raw<M> {
    raw: Bytes,
    message: M,
}

impl<M> Raw<M> {
    /// Pair a message with its bytes.
    pub fn new(raw: Bytes, message: M) -> Raw<M> {
        Raw { raw, message }
    }

    /// The bytes exactly as received (a cheap reference-counted slice).
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The typed message.
    pub fn message(&self) -> &M {
        &self.message
    }

    /// The typed message, without the bytes.
    pub fn into_message(self) -> M {
        self.message
    }

    /// The bytes and the message.
    pub fn into_parts(self) -> (Bytes, M) {
        (self.raw, self.message)
    }
}

impl<M> Deref for Raw<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.message
    }
}

impl<M: fmt::Debug> fmt::Debug for Raw<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Raw")
            .field("bytes", &self.raw.len())
            .field("message", &self.message)
            .finish()
    }
}

/// A message passed through without a typed decode: its bytes exactly as received, and a cheap
/// way to its id. Streams opened with [`EventStream::raw`](crate::EventStream::raw) yield these;
/// they skip JSON decoding entirely, which is how an archiver keeps up with the transport.
///
/// Bytes that are not JSON or not UTF-8 pass through unchanged: the raw path never judges a
/// message, it only recognises the server's in-band disconnects.
#[derive(Clone)]
pub struct RawLine {
    bytes: Bytes,
    id_of: fn(&[u8]) -> Option<u64>,
}

impl RawLine {
    /// A raw message whose id is read by `id_of` (see [`RawLine::id`]).
    pub fn new(bytes: Bytes, id_of: fn(&[u8]) -> Option<u64>) -> RawLine {
        RawLine { bytes, id_of }
    }

    /// The bytes exactly as received.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// The message's id, read from the bytes without decoding them (a short scan; computed on
    /// each call): the tweet id of a tweet, the event's own id for other streams, `None` when
    /// the message has none (keep-alive-like notices, errors) or is not JSON.
    pub fn id(&self) -> Option<u64> {
        (self.id_of)(&self.bytes)
    }
}

impl PartialEq for RawLine {
    fn eq(&self, other: &RawLine) -> bool {
        self.bytes == other.bytes
    }
}

impl fmt::Debug for RawLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawLine")
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// Anything that carries a message's bytes as received: [`Raw<M>`] and [`RawLine`]. Generic
/// consumers (an archiver) are written once over it.
pub trait AsRaw {
    /// The bytes exactly as received.
    fn as_raw(&self) -> &Bytes;
}

impl<M> AsRaw for Raw<M> {
    fn as_raw(&self) -> &Bytes {
        &self.raw
    }
}

impl AsRaw for RawLine {
    fn as_raw(&self) -> &Bytes {
        &self.bytes
    }
}
