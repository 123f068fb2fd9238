//! Framing: bytes in any chunking → messages and keep-alives. Pure, no I/O.
//!
//! X's streams are one JSON message per line, terminated by `\r\n`; an empty line is a
//! keep-alive. The [`Framer`] accepts the body in chunks of any size and yields every complete
//! frame before asking for more bytes:
//!
//! * lines end at `\n`; a `\r` before it is removed, so a `\r\n` split across two chunks is one
//!   terminator, never a false keep-alive (raw line feeds cannot occur inside a JSON message:
//!   JSON escapes them);
//! * a line that is empty or only whitespace is a [`Frame::KeepAlive`];
//! * UTF-8 is checked on each whole message, never per chunk, so a multi-byte character split
//!   across chunks is fine;
//! * a message longer than the maximum size is skipped and reported once as
//!   [`FrameError::TooLarge`]; framing resumes at the next line;
//! * v1.1's `delimited=length` mode reads `<byte count>\r\n<that many bytes>` frames, with
//!   keep-alive lines allowed before each count.
//!
//! ```
//! use bytes::Bytes;
//! use tweetstream::framer::{Frame, Framer};
//!
//! let mut framer = Framer::new(1 << 20);
//! framer.push(Bytes::from_static(b"{\"a\":1}\r\n\r\n{\"b\""));
//! assert_eq!(framer.next_frame(), Some(Ok(Frame::Message(Bytes::from_static(b"{\"a\":1}")))));
//! assert_eq!(framer.next_frame(), Some(Ok(Frame::KeepAlive)));
//! assert_eq!(framer.next_frame(), None); // `{"b"` waits for the rest
//! framer.push(Bytes::from_static(b":2}\r\n"));
//! assert_eq!(framer.next_frame(), Some(Ok(Frame::Message(Bytes::from_static(b"{\"b\":2}")))));
//! ```

use bytes::{Buf, Bytes, BytesMut};

/// Default maximum message size: 16 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// One unit of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame {
    /// A message: the bytes of one line without its terminator, valid UTF-8, not blank.
    Message(Bytes),
    /// A keep-alive (an empty or whitespace-only line).
    KeepAlive,
}

/// A framing problem. Framing goes on after it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// A message exceeded the maximum size and was skipped.
    TooLarge {
        /// Bytes seen when the limit was crossed (at least this many).
        size: usize,
        /// The maximum.
        limit: usize,
    },
    /// A message was not valid UTF-8 and was skipped.
    InvalidUtf8 {
        /// The first bytes of the message as text (see [`Error::Decode`](crate::Error::Decode)).
        preview: String,
        /// Offset of the first invalid byte.
        valid_up_to: usize,
        /// The whole message, as received.
        line: Bytes,
    },
    /// In `delimited=length` mode, a line that should hold a byte count did not.
    BadLength {
        /// The first bytes of the line as text.
        preview: String,
    },
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooLarge { size, limit } => {
                write!(
                    f,
                    "message of at least {size} bytes exceeds the limit of {limit} bytes"
                )
            }
            FrameError::InvalidUtf8 { valid_up_to, .. } => {
                write!(
                    f,
                    "message is not valid UTF-8 (invalid byte at offset {valid_up_to})"
                )
            }
            FrameError::BadLength { preview } => write!(
                f,
                "expected a byte count line in delimited=length mode, got {preview:?}"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<FrameError> for crate::Error {
    fn from(e: FrameError) -> crate::Error {
        match e {
            FrameError::TooLarge { size, limit } => crate::Error::MessageTooLarge { size, limit },
            FrameError::InvalidUtf8 { ref line, .. } => {
                let line = line.clone();
                crate::Error::decode_other(e, line)
            }
            FrameError::BadLength { ref preview } => {
                let bytes = Bytes::copy_from_slice(preview.as_bytes());
                crate::Error::decode_other(e, bytes)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Lines,
    /// `delimited=length`: `None` while waiting for a count line, `Some(n)` while reading n bytes.
    Length(Option<usize>),
}

/// Splits a byte stream into [`Frame`]s. See the [module docs](self).
#[derive(Debug)]
pub struct Framer {
    /// The chunk being scanned (zero-copy: frames are slices of it when they fit).
    cur: Bytes,
    /// A partial frame carried over from earlier chunks.
    partial: BytesMut,
    max: usize,
    mode: Mode,
    /// Skipping the rest of an oversized line / length frame: bytes still to skip
    /// (`usize::MAX` = until the next newline).
    skip: usize,
    check_utf8: bool,
}

impl Framer {
    /// A `\r\n`-line framer with the given maximum message size in bytes.
    pub fn new(max_message_size: usize) -> Framer {
        Framer {
            cur: Bytes::new(),
            partial: BytesMut::new(),
            max: max_message_size.max(1),
            mode: Mode::Lines,
            skip: 0,
            check_utf8: true,
        }
    }

    /// Leave the UTF-8 check to the decoder. For pipelines whose decoder checks each whole
    /// message itself (tweetstream's do), so the check runs once per message, not twice.
    pub fn without_utf8_check(mut self) -> Framer {
        self.check_utf8 = false;
        self
    }

    /// A framer for v1.1's `delimited=length` framing.
    pub fn length_delimited(max_message_size: usize) -> Framer {
        let mut f = Framer::new(max_message_size);
        f.mode = Mode::Length(None);
        f
    }

    /// Add the next chunk of the body. Call [`next_frame`](Self::next_frame) until it returns
    /// `None` before pushing again (pushing earlier is allowed; nothing is lost).
    pub fn push(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if self.cur.is_empty() {
            self.cur = chunk;
        } else {
            // Rare: pushed before draining. Move the unscanned rest into `partial`.
            let rest = std::mem::take(&mut self.cur);
            self.partial.extend_from_slice(&rest);
            self.cur = chunk;
        }
    }

    /// Bytes held that do not yet form a complete frame.
    pub fn buffered(&self) -> usize {
        self.partial.len() + self.cur.len()
    }

    /// The next complete frame, an error about a skipped one, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        loop {
            if self.skip > 0 && !self.skip_bytes() {
                return None;
            }
            let r = match self.mode {
                Mode::Lines => self.next_line().map(|line| {
                    let line = trim_line_end(line?);
                    // (A line ended by a bare LF passes the check with its terminator.)
                    if line.len() > self.max {
                        return Err(self.too_large(line.len()));
                    }
                    classify(line, self.check_utf8)
                }),
                Mode::Length(None) => match self.next_line() {
                    None => None,
                    Some(Err(e)) => Some(Err(e)),
                    Some(Ok(line)) => match self.length_line(line) {
                        Ok(None) => continue, // count read: go on reading the frame
                        Ok(Some(frame)) => Some(Ok(frame)),
                        Err(e) => Some(Err(e)),
                    },
                },
                Mode::Length(Some(n)) => self.take_exact(n).map(|bytes| {
                    self.mode = Mode::Length(None);
                    let bytes = trim_line_end(bytes);
                    // The count may include a CRLF the frame turned out not to end with.
                    if bytes.len() > self.max {
                        return Err(self.too_large(bytes.len()));
                    }
                    classify(bytes, self.check_utf8)
                }),
            };
            return r;
        }
    }

    /// Skip bytes of an oversized frame. Returns true when done skipping.
    fn skip_bytes(&mut self) -> bool {
        if self.skip == usize::MAX {
            match memchr::memchr(b'\n', &self.cur) {
                Some(i) => {
                    self.cur.advance(i + 1);
                    self.skip = 0;
                    true
                }
                None => {
                    self.cur.clear();
                    false
                }
            }
        } else {
            let n = self.skip.min(self.cur.len());
            self.cur.advance(n);
            self.skip -= n;
            self.skip == 0
        }
    }

    /// The next raw line (terminator included), or a too-large error.
    fn next_line(&mut self) -> Option<Result<Bytes, FrameError>> {
        match memchr::memchr(b'\n', &self.cur) {
            Some(i) => {
                if self.partial.is_empty() {
                    let line = self.cur.split_to(i + 1);
                    if line.len() > self.max + 2 {
                        return Some(Err(self.too_large(line.len())));
                    }
                    Some(Ok(line))
                } else {
                    let total = self.partial.len() + i + 1;
                    if total > self.max + 2 {
                        self.partial = BytesMut::new(); // release the memory of the oversized line
                        self.cur.advance(i + 1);
                        return Some(Err(FrameError::TooLarge {
                            size: total,
                            limit: self.max,
                        }));
                    }
                    self.partial.extend_from_slice(&self.cur[..=i]);
                    self.cur.advance(i + 1);
                    Some(Ok(self.partial.split().freeze()))
                }
            }
            None => {
                let total = self.partial.len() + self.cur.len();
                if total > self.max + 2 {
                    self.partial = BytesMut::new(); // release the memory of the oversized line
                    self.cur.clear();
                    self.skip = usize::MAX;
                    return Some(Err(FrameError::TooLarge {
                        size: total,
                        limit: self.max,
                    }));
                }
                if !self.cur.is_empty() {
                    self.partial.extend_from_slice(&self.cur);
                    self.cur.clear();
                }
                None
            }
        }
    }

    fn too_large(&self, size: usize) -> FrameError {
        FrameError::TooLarge {
            size,
            limit: self.max,
        }
    }

    /// Handle a line read while waiting for a byte count. `Ok(None)`: the count was read.
    fn length_line(&mut self, line: Bytes) -> Result<Option<Frame>, FrameError> {
        let line = trim_line_end(line);
        let text = trim_ascii(&line);
        if text.is_empty() {
            return Ok(Some(Frame::KeepAlive));
        }
        let n = std::str::from_utf8(text)
            .ok()
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<usize>().ok());
        match n {
            Some(0) => Ok(Some(Frame::KeepAlive)),
            Some(n) if n > self.max + 2 => {
                self.skip = n;
                Err(self.too_large(n))
            }
            Some(n) => {
                self.mode = Mode::Length(Some(n));
                Ok(None)
            }
            None => Err(FrameError::BadLength {
                preview: crate::error::preview(text),
            }),
        }
    }

    /// Exactly `n` bytes, once available.
    fn take_exact(&mut self, n: usize) -> Option<Bytes> {
        let have = self.partial.len();
        if have == 0 && self.cur.len() >= n {
            return Some(self.cur.split_to(n));
        }
        let need = n - have;
        if self.cur.len() >= need {
            self.partial.extend_from_slice(&self.cur[..need]);
            self.cur.advance(need);
            Some(self.partial.split().freeze())
        } else {
            self.partial.extend_from_slice(&self.cur);
            self.cur.clear();
            None
        }
    }
}

fn trim_line_end(mut line: Bytes) -> Bytes {
    while let Some(&last) = line.last() {
        if last == b'\n' || last == b'\r' {
            line.truncate(line.len() - 1);
        } else {
            break;
        }
    }
    line
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

fn classify(line: Bytes, check_utf8: bool) -> Result<Frame, FrameError> {
    // Fast path: a JSON message starts with `{`; only blank-looking lines need the scan.
    if line.first() != Some(&b'{') && trim_ascii(&line).is_empty() {
        return Ok(Frame::KeepAlive);
    }
    if !check_utf8 {
        return Ok(Frame::Message(line));
    }
    match simdutf8::compat::from_utf8(&line) {
        Ok(_) => Ok(Frame::Message(line)),
        Err(e) => Err(FrameError::InvalidUtf8 {
            preview: crate::error::preview(&line),
            valid_up_to: e.valid_up_to(),
            line,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(chunks: &[&[u8]], max: usize, length: bool) -> Vec<Result<Frame, FrameError>> {
        let mut f = if length {
            Framer::length_delimited(max)
        } else {
            Framer::new(max)
        };
        let mut out = Vec::new();
        for c in chunks {
            f.push(Bytes::copy_from_slice(c));
            while let Some(fr) = f.next_frame() {
                out.push(fr);
            }
        }
        out
    }

    fn msg(s: &str) -> Result<Frame, FrameError> {
        Ok(Frame::Message(Bytes::copy_from_slice(s.as_bytes())))
    }

    const KA: Result<Frame, FrameError> = Ok(Frame::KeepAlive);

    #[test]
    fn table() {
        type Case<'a> = (&'a str, Vec<&'a [u8]>, Vec<Result<Frame, FrameError>>);
        let cases: Vec<Case> = vec![
            (
                "one message",
                vec![b"{\"a\":1}\r\n"],
                vec![msg("{\"a\":1}")],
            ),
            ("keep-alive", vec![b"\r\n"], vec![KA]),
            (
                "two in one chunk",
                vec![b"{1}\r\n{2}\r\n"],
                vec![msg("{1}"), msg("{2}")],
            ),
            (
                "split message",
                vec![b"{\"a\"", b":1}\r\n"],
                vec![msg("{\"a\":1}")],
            ),
            (
                "CRLF split across chunks",
                vec![b"{1}\r", b"\n{2}\r\n"],
                vec![msg("{1}"), msg("{2}")],
            ),
            ("keep-alive CR then LF", vec![b"\r", b"\n"], vec![KA]),
            (
                "whitespace line is keep-alive",
                vec![b"  \t \r\n"],
                vec![KA],
            ),
            (
                "LF-only lines",
                vec![b"{1}\n\n{2}\n"],
                vec![msg("{1}"), KA, msg("{2}")],
            ),
            ("no terminator yet", vec![b"{1}"], vec![]),
            (
                "byte at a time",
                vec![b"{", b"1", b"}", b"\r", b"\n", b"\r", b"\n"],
                vec![msg("{1}"), KA],
            ),
            (
                "keep-alives around",
                vec![b"\r\n\r\n{1}\r\n\r\n"],
                vec![KA, KA, msg("{1}"), KA],
            ),
            ("empty chunk", vec![b"", b"{1}\r\n", b""], vec![msg("{1}")]),
            (
                "leading spaces kept in message",
                vec![b" {1}\r\n"],
                vec![msg(" {1}")],
            ),
        ];
        for (name, chunks, want) in cases {
            assert_eq!(frames_of(&chunks, 1024, false), want, "case {name}");
        }
    }

    #[test]
    fn multibyte_split_across_chunks() {
        let text = "{\"t\":\"café 😀 日本\"}\r\n".as_bytes();
        for cut in 1..text.len() {
            let got = frames_of(&[&text[..cut], &text[cut..]], 1024, false);
            assert_eq!(got, vec![msg("{\"t\":\"café 😀 日本\"}")], "cut at {cut}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_and_framing_goes_on() {
        let got = frames_of(&[b"{\"a\":\"\xff\xfe\"}\r\n{1}\r\n"], 1024, false);
        assert!(matches!(
            got[0],
            Err(FrameError::InvalidUtf8 { valid_up_to: 6, .. })
        ));
        assert_eq!(got[1], msg("{1}"));
    }

    #[test]
    fn the_utf8_check_can_be_left_to_the_decoder() {
        let mut f = Framer::new(1024).without_utf8_check();
        f.push(Bytes::from_static(b"{\"a\":\"\xff\"}\r\n  \r\n"));
        assert_eq!(
            f.next_frame(),
            Some(Ok(Frame::Message(Bytes::from_static(b"{\"a\":\"\xff\"}"))))
        );
        assert_eq!(f.next_frame(), Some(Ok(Frame::KeepAlive)));
    }

    #[test]
    fn oversized_is_skipped_once_then_framing_resumes() {
        let big = vec![b'x'; 50];
        let mut body = b"{1}\r\n".to_vec();
        body.extend_from_slice(&big);
        body.extend_from_slice(b"\r\n{2}\r\n");
        // whole
        let got = frames_of(&[&body], 10, false);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], msg("{1}"));
        assert!(matches!(
            got[1],
            Err(FrameError::TooLarge { limit: 10, .. })
        ));
        assert_eq!(got[2], msg("{2}"));
        // and split every few bytes, across the oversized line
        let chunks: Vec<&[u8]> = body.chunks(7).collect();
        let got = frames_of(&chunks, 10, false);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0], msg("{1}"));
        assert!(matches!(got[1], Err(FrameError::TooLarge { .. })));
        assert_eq!(got[2], msg("{2}"));
    }

    #[test]
    fn exactly_at_limit_passes() {
        let got = frames_of(&[b"0123456789\r\n"], 10, false);
        assert_eq!(got, vec![msg("0123456789")]);
        let got = frames_of(&[b"0123456789A\r\n"], 10, false);
        assert!(matches!(got[0], Err(FrameError::TooLarge { .. })));
    }

    #[test]
    fn length_delimited() {
        let body = b"\r\n9\r\n{\"a\":1}\r\n\r\n6\r\n{12}\r\n";
        let want = vec![KA, msg("{\"a\":1}"), KA, msg("{12}")];
        assert_eq!(frames_of(&[body], 1024, true), want);
        for cut in 1..body.len() {
            assert_eq!(
                frames_of(&[&body[..cut], &body[cut..]], 1024, true),
                want,
                "cut {cut}"
            );
        }
        let bad = frames_of(&[b"abc\r\n9\r\n{\"a\":1}\r\n"], 1024, true);
        assert!(matches!(bad[0], Err(FrameError::BadLength { .. })));
        assert_eq!(bad[1], msg("{\"a\":1}"));
        let big = frames_of(&[b"30\r\n", &[b'x'; 30], b"6\r\n{12}\r\n"], 10, true);
        assert!(matches!(big[0], Err(FrameError::TooLarge { .. })));
        assert_eq!(big[1], msg("{12}"));
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
            let piece = prop_oneof![
                Just(b"\r\n".to_vec()),
                Just(b"  \r\n".to_vec()),
                "[a-z0-9 é😀日]{1,40}".prop_map(|s| format!("{{\"t\":\"{s}\"}}\r\n").into_bytes()),
            ];
            proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
        }

        fn split(body: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
            points.sort_unstable();
            let mut out = Vec::new();
            let mut last = 0;
            for p in points {
                out.push(body[last..p].to_vec());
                last = p;
            }
            out.push(body[last..].to_vec());
            out
        }

        proptest! {
            #[test]
            fn any_chunking_gives_the_same_frames(body in body_strategy(), cuts in proptest::collection::vec(any::<usize>(), 0..20)) {
                let whole = frames_of(&[&body], 1 << 16, false);
                let pieces = split(&body, &cuts);
                let refs: Vec<&[u8]> = pieces.iter().map(|p| p.as_slice()).collect();
                prop_assert_eq!(frames_of(&refs, 1 << 16, false), whole);
            }

            #[test]
            fn length_mode_any_chunking(msgs in proptest::collection::vec("[a-z😀]{0,30}", 0..10), cuts in proptest::collection::vec(any::<usize>(), 0..20)) {
                let mut body = Vec::new();
                for m in &msgs {
                    let json = format!("{{\"t\":\"{m}\"}}\r\n");
                    body.extend_from_slice(format!("\r\n{}\r\n", json.len()).as_bytes());
                    body.extend_from_slice(json.as_bytes());
                }
                let whole = frames_of(&[&body], 1 << 16, true);
                prop_assert_eq!(whole.iter().filter(|f| matches!(f, Ok(Frame::Message(_)))).count(), msgs.len());
                let pieces = split(&body, &cuts);
                let refs: Vec<&[u8]> = pieces.iter().map(|p| p.as_slice()).collect();
                prop_assert_eq!(frames_of(&refs, 1 << 16, true), whole);
            }

            #[test]
            fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400), cuts in proptest::collection::vec(any::<usize>(), 0..10), length in any::<bool>()) {
                let pieces = split(&data, &cuts);
                let refs: Vec<&[u8]> = pieces.iter().map(|p| p.as_slice()).collect();
                let _ = frames_of(&refs, 64, length);
            }
        }
    }
}
