//! Framing: every message the emulator streams goes through [`frame`].

use crate::data::json::push_u64;

/// How messages are delimited on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `message\r\n` (every stream).
    Crlf,
    /// v1.1 `delimited=length`: `<bytes>\r\nmessage\r\n`, where `<bytes>` counts the message and
    /// its CRLF.
    Length,
}

/// Append one framed message to `out`; `write` appends the message itself (no CRLF).
pub(crate) fn frame(framing: Framing, out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    write(out);
    if framing == Framing::Length {
        let mut len = Vec::with_capacity(12);
        push_u64(&mut len, (out.len() - start + 2) as u64);
        len.extend_from_slice(b"\r\n");
        // Put the length line before the message.
        out.splice(start..start, len);
    }
    out.extend_from_slice(b"\r\n");
}

/// What one message is, for the connection's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An event of the stream (a tweet, a like, a compliance event …) with its recorded id.
    Event(u64),
    /// A v1.1 notice (delete, limit, …, disconnect).
    Notice,
    /// Anything else (scripted lines: operational disconnects, malformed lines …).
    Other,
}

/// Counts of what a write carries, added to the record once it is handed to the connection.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub messages: u64,
    pub events: u64,
    pub notices: u64,
    pub keep_alives: u64,
    /// Body bytes before compression.
    pub bytes: u64,
    /// Bytes after compression.
    pub wire: u64,
    /// Ids of the events, in order.
    pub ids: Vec<u64>,
}

impl Tally {
    pub(crate) fn is_empty(&self) -> bool {
        self.messages == 0 && self.keep_alives == 0 && self.bytes == 0 && self.wire == 0
    }

    fn count(&mut self, kind: Kind) {
        self.messages += 1;
        match kind {
            Kind::Event(id) => {
                self.events += 1;
                self.ids.push(id);
            }
            Kind::Notice => self.notices += 1,
            Kind::Other => {}
        }
    }

    fn uncount(&mut self, kind: Kind) {
        self.messages = self.messages.saturating_sub(1);
        match kind {
            Kind::Event(_) => {
                self.events = self.events.saturating_sub(1);
                self.ids.pop();
            }
            Kind::Notice => self.notices = self.notices.saturating_sub(1),
            Kind::Other => {}
        }
    }
}

/// Framed messages for one write, with the boundaries of the last message.
#[derive(Debug)]
pub(crate) struct Batch {
    framing: Framing,
    pub bytes: Vec<u8>,
    pub tally: Tally,
    /// Where the last message starts (its length line included) and what it is.
    last: Option<(usize, Kind)>,
}

impl Batch {
    pub(crate) fn new(framing: Framing, capacity: usize) -> Batch {
        Batch {
            framing,
            bytes: Vec::with_capacity(capacity),
            tally: Tally::default(),
            last: None,
        }
    }

    /// A batch of one message.
    pub(crate) fn one(framing: Framing, kind: Kind, msg: &[u8]) -> Batch {
        let mut b = Batch::new(framing, msg.len() + 16);
        b.push(kind, msg);
        b
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Messages in the batch.
    pub(crate) fn messages(&self) -> u64 {
        self.tally.messages
    }

    /// Frame a message written by `write`; `write` returns what it wrote (None: nothing, the
    /// batch is left as it was).
    pub(crate) fn push_with(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Option<Kind>,
    ) -> Option<Kind> {
        let start = self.bytes.len();
        let mut kind = None;
        frame(self.framing, &mut self.bytes, |o| kind = write(o));
        match kind {
            Some(k) => {
                self.tally.count(k);
                self.tally.bytes += (self.bytes.len() - start) as u64;
                self.last = Some((start, k));
            }
            None => self.bytes.truncate(start),
        }
        kind
    }

    /// Frame a message already in memory.
    pub(crate) fn push(&mut self, kind: Kind, msg: &[u8]) {
        self.push_with(|o| {
            o.extend_from_slice(msg);
            Some(kind)
        });
    }

    /// Cut the last message in half: keep everything before it and the first half of it.
    /// Returns the bytes kept of that message and its full length. The cut message is no
    /// longer counted.
    pub(crate) fn cut_last(&mut self) -> (usize, usize) {
        let Some((start, kind)) = self.last.take() else {
            return (0, 0);
        };
        let len = self.bytes.len() - start;
        let keep = len / 2;
        self.bytes.truncate(start + keep);
        self.tally.uncount(kind);
        self.tally.bytes = self.tally.bytes.saturating_sub((len - keep) as u64);
        (keep, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_length_framing() {
        let mut out = Vec::new();
        frame(Framing::Crlf, &mut out, |o| o.extend_from_slice(b"{}"));
        assert_eq!(out, b"{}\r\n");
        let mut out = b"x".to_vec();
        frame(Framing::Length, &mut out, |o| {
            o.extend_from_slice("{\"é\":1}".as_bytes())
        });
        assert_eq!(out, "x10\r\n{\"é\":1}\r\n".as_bytes());
    }

    #[test]
    fn batch_counts_and_cuts() {
        let mut b = Batch::new(Framing::Length, 64);
        b.push(Kind::Event(7), b"{\"a\":1}");
        b.push(Kind::Notice, b"{\"b\":2}");
        assert!(b
            .push_with(|o| {
                o.extend_from_slice(b"ignored");
                None
            })
            .is_none());
        assert_eq!(b.bytes, b"9\r\n{\"a\":1}\r\n9\r\n{\"b\":2}\r\n");
        assert_eq!(
            (b.tally.messages, b.tally.events, b.tally.notices),
            (2, 1, 1)
        );
        assert_eq!(b.tally.ids, vec![7]);
        let (kept, len) = b.cut_last();
        assert_eq!((kept, len), (6, 12));
        assert_eq!(b.bytes, b"9\r\n{\"a\":1}\r\n9\r\n{\"b");
        assert_eq!((b.tally.messages, b.tally.notices), (1, 0));
        assert_eq!(b.tally.bytes, b.bytes.len() as u64);
    }
}
