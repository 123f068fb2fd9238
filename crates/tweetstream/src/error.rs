//! The one error type of tweetstream.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::models::v2::Problem;
use crate::rules::RuleError;

/// Rate-limit information X sends on every connect and REST response
/// (`x-rate-limit-limit`, `x-rate-limit-remaining`, `x-rate-limit-reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// When the window restarts, in seconds since the Unix epoch.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Read the three headers; `None` when none of them is present.
    pub fn from_headers(headers: &http::HeaderMap) -> Option<RateLimit> {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let rl = RateLimit {
            limit: get("x-rate-limit-limit"),
            remaining: get("x-rate-limit-remaining"),
            reset: get("x-rate-limit-reset"),
        };
        (rl != RateLimit::default()).then_some(rl)
    }
}

/// An HTTP response with a status other than 200 (or 2xx for REST calls).
#[derive(Debug, Clone)]
pub struct HttpError {
    /// The HTTP status code.
    pub status: u16,
    /// The response body as text (lossy UTF-8, at most 64 KiB).
    pub body: String,
    /// X's problem objects parsed from the body (RFC 7807 `type`/`title`/`detail`…), when it was JSON.
    pub problems: Vec<Problem>,
    /// Rate-limit headers of the response.
    pub rate_limit: Option<RateLimit>,
}

impl HttpError {
    /// The most useful one-line explanation: the first problem's title and detail (once when
    /// they are the same, as in X's `{"title":"Unauthorized","detail":"Unauthorized"}`), else
    /// the body.
    pub fn summary(&self) -> String {
        self.summary_after("")
    }

    /// [`summary`](Self::summary) without the parts that only repeat `said` (the status's
    /// reason phrase, in `Display`).
    fn summary_after(&self, said: &str) -> String {
        if let Some(p) = self.problems.first() {
            let mut parts: Vec<&str> = Vec::new();
            for part in [p.title.as_deref(), p.detail.as_deref()]
                .into_iter()
                .flatten()
            {
                let part = part.trim();
                let repeated = part.eq_ignore_ascii_case(said)
                    || parts.iter().any(|q| q.eq_ignore_ascii_case(part));
                if !part.is_empty() && !repeated {
                    parts.push(part);
                }
            }
            if !parts.is_empty() || p.title.is_some() || p.detail.is_some() {
                return parts.join(": ");
            }
        }
        let body = self.body.trim();
        let mut end = body.len().min(200);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body[..end].to_string()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        write!(f, "HTTP {} {}", self.status, reason)?;
        let summary = self.summary_after(reason);
        if !summary.is_empty() {
            write!(f, ": {summary}")?;
        }
        Ok(())
    }
}

/// What kind of network failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionErrorKind {
    /// Could not connect (DNS, refused, TLS, proxy).
    Connect,
    /// The connection timed out.
    Timeout,
    /// The connection broke while the body was being read (reset, truncated chunk, bad gzip).
    Body,
    /// Anything else the HTTP stack reported.
    Other,
}

/// The cause of an error, shared so that [`Error`] stays `Clone` and keeps its `source()`.
pub type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// A network-level failure. Carries no URL, so no credential can leak through it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionError {
    /// The class of failure.
    pub kind: ConnectionErrorKind,
    /// A description of the failure (without URLs), with the causes' messages.
    pub message: String,
    /// The underlying error (the HTTP stack's, without URLs), when there is one.
    pub source: Option<Cause>,
}

impl std::error::Error for ConnectionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ConnectionErrorKind::Connect => "connect",
            ConnectionErrorKind::Timeout => "timeout",
            ConnectionErrorKind::Body => "connection lost",
            ConnectionErrorKind::Other => "network",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl ConnectionError {
    /// A failure of `kind` described by `message`, with no underlying error.
    pub fn new(kind: ConnectionErrorKind, message: impl Into<String>) -> ConnectionError {
        ConnectionError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A failure of `kind` caused by `source` (whose message and causes make the description).
    pub fn with_source(
        kind: ConnectionErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> ConnectionError {
        let message = chain_text(&source);
        ConnectionError {
            kind,
            message,
            source: Some(Arc::new(source)),
        }
    }

    pub(crate) fn from_reqwest(err: reqwest::Error, reading_body: bool) -> ConnectionError {
        let err = err.without_url();
        let kind = if reading_body || err.is_body() || err.is_decode() {
            ConnectionErrorKind::Body
        } else if err.is_timeout() {
            ConnectionErrorKind::Timeout
        } else if err.is_connect() {
            ConnectionErrorKind::Connect
        } else {
            ConnectionErrorKind::Other
        };
        ConnectionError::with_source(kind, err)
    }
}

/// An error's message followed by its causes' (each once), so the text says *why* (e.g.
/// "connection refused").
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

/// Every error tweetstream reports.
///
/// Errors met while streaming are yielded as `Err` items of the event stream (and passed to the
/// matching handler callback). The stream goes on after them (reconnecting as the policy says),
/// except after the last one: a fatal status, [`Error::GaveUp`] or [`Error::ServerDisconnect`]
/// is followed by the end of the stream.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter was rejected before any request was made.
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParameter {
        /// The parameter's name (as the API spells it).
        name: String,
        /// What is wrong and what the limit is.
        message: String,
    },
    /// A rule value failed offline validation before any request was made.
    #[error("invalid rule {value:?}: {source}")]
    InvalidRule {
        /// The rule value.
        value: String,
        /// Why it is invalid.
        source: RuleError,
    },
    /// `filter`/`sample` was called while this client is already streaming.
    #[error("already connected: this client is already streaming (call disconnect() first)")]
    AlreadyRunning,
    /// The client could not be built (bad base URL, bad proxy URL, TLS setup).
    #[error("configuration error: {0}")]
    Config(String),
    /// A non-200 response. While streaming, fatal statuses end the stream; others are retried.
    #[error("{0}")]
    Http(Box<HttpError>),
    /// A network failure (connect, timeout, connection lost while reading).
    #[error("connection error ({0})")]
    Connection(#[source] ConnectionError),
    /// No byte, not even a keep-alive, arrived within the stall timeout.
    #[error("stall: no data for {0:?}; dropping the connection")]
    Stall(Duration),
    /// A message could not be decoded (bad JSON, invalid UTF-8, unexpected shape). The stream goes on.
    #[error("cannot decode message: {message} (starts with {preview:?})")]
    Decode {
        /// What the decoder said.
        message: String,
        /// The first bytes of the message (lossy UTF-8, at most 120 bytes).
        preview: String,
        /// The whole message as received, so nothing is lost (e.g. an archiver can keep it).
        raw: RawBytes,
        /// The decoder's error ([`DecodeError`](crate::models::DecodeError) or
        /// [`FrameError`](crate::framer::FrameError)).
        source: Option<Cause>,
    },
    /// A message was larger than the configured maximum; it was skipped. The stream goes on.
    #[error("message too large: {size} bytes or more, the limit is {limit} bytes (skipped)")]
    MessageTooLarge {
        /// Bytes seen so far (at least).
        size: usize,
        /// The configured maximum.
        limit: usize,
    },
    /// The server said in-band that it is disconnecting this stream for good
    /// (a v1.1 `disconnect` message whose code means "do not reconnect").
    #[error("disconnected by the server: {0}")]
    ServerDisconnect(String),
    /// The reconnect policy gave up (`max_retries` exhausted).
    #[error("gave up after {attempts} failed attempt(s); last error: {last}")]
    GaveUp {
        /// Failed attempts since the last good connection.
        attempts: u32,
        /// The last failure.
        last: Box<Error>,
    },
    /// A REST call (rules) was rate limited and could not wait (no `x-rate-limit-reset` header).
    #[error(
        "rate limited (HTTP 429) and the response has no x-rate-limit-reset header to wait for"
    )]
    RateLimitedNoReset,
    /// A callback of the handler panicked; the stream was stopped.
    #[error("handler panicked: {0}")]
    HandlerPanic(String),
}

impl Error {
    /// The HTTP status, for [`Error::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http(h) => Some(h.status),
            Error::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }

    pub(crate) fn invalid(name: impl Into<String>, message: impl Into<String>) -> Error {
        Error::InvalidParameter {
            name: name.into(),
            message: message.into(),
        }
    }

    /// A message that did not decode: the decoder's error with the whole message kept.
    pub fn decode(error: crate::models::DecodeError, raw: bytes::Bytes) -> Error {
        Error::Decode {
            message: error.message().to_string(),
            preview: error.preview().to_string(),
            raw: RawBytes(raw),
            source: Some(Arc::new(error)),
        }
    }

    /// A message that did not decode for another reason (`cause` says why).
    pub(crate) fn decode_other(
        cause: impl std::error::Error + Send + Sync + 'static,
        raw: bytes::Bytes,
    ) -> Error {
        Error::Decode {
            message: cause.to_string(),
            preview: preview(&raw),
            raw: RawBytes(raw),
            source: Some(Arc::new(cause)),
        }
    }
}

/// Bytes of a message, shown in `Debug` by length only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBytes(pub bytes::Bytes);

impl fmt::Debug for RawBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl std::ops::Deref for RawBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// How many bytes of a message error previews show.
pub const PREVIEW_BYTES: usize = 120;

/// The one preview of bad input, for every error that shows one: the first [`PREVIEW_BYTES`]
/// bytes of `raw` as text; a UTF-8 sequence cut by the limit is dropped, other invalid bytes
/// become U+FFFD.
pub(crate) fn preview(raw: &[u8]) -> String {
    let cut = raw.get(..PREVIEW_BYTES).unwrap_or(raw);
    match std::str::from_utf8(cut) {
        Ok(s) => s.to_owned(),
        // Only an incomplete sequence at the very end: drop it.
        Err(e) if e.error_len().is_none() && cut.len() < raw.len() => {
            String::from_utf8_lossy(cut.get(..e.valid_up_to()).unwrap_or_default()).into_owned()
        }
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    }
}

/// Build an [`HttpError`] from a status and body: parse X's problem JSON when there is one.
pub(crate) fn http_error(status: u16, body: &[u8], rate_limit: Option<RateLimit>) -> HttpError {
    let mut problems = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            if v.get("title").is_none() {
                problems.extend(
                    errors
                        .iter()
                        .filter_map(|e| serde_json::from_value::<Problem>(e.clone()).ok()),
                );
            }
        }
        if v.get("title").is_some() || v.get("type").is_some() || v.get("detail").is_some() {
            if let Ok(p) = serde_json::from_value::<Problem>(v.clone()) {
                problems.insert(0, p);
            }
        }
    }
    HttpError {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
        problems,
        rate_limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_error_says_each_thing_once() {
        let unauthorized = br#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;
        let e = http_error(401, unauthorized, None);
        assert_eq!(e.to_string(), "HTTP 401 Unauthorized");
        assert_eq!(e.summary(), "Unauthorized");
        let too_many = br#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#;
        assert_eq!(
            http_error(429, too_many, None).to_string(),
            "HTTP 429 Too Many Requests"
        );
        let conflict = br#"{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","type":"https://api.twitter.com/2/problems/streaming-connection"}"#;
        assert_eq!(
            http_error(429, conflict, None).to_string(),
            "HTTP 429 Too Many Requests: ConnectionException: This stream is currently at the maximum allowed connection limit."
        );
        assert_eq!(
            http_error(500, b"oops", None).to_string(),
            "HTTP 500 Internal Server Error: oops"
        );
    }
}
