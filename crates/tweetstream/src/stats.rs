//! Counters, readable while streams run: per stream, and summed per client.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Live counters of one stream. Each increment also lands in the client's totals (`parent`).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub connects: AtomicU64,
    pub messages: AtomicU64,
    pub bytes: AtomicU64,
    pub keep_alives: AtomicU64,
    pub decode_errors: AtomicU64,
    pub closed_by_server: AtomicU64,
    pub network_errors: AtomicU64,
    pub stalls: AtomicU64,
    pub http_errors: AtomicU64,
    pub rate_limited: AtomicU64,
    pub server_disconnects: AtomicU64,
    pub reconnects: AtomicU64,
    pub duplicates_dropped: AtomicU64,
    pub dropped_slow: AtomicU64,
    pub slow_reader_disconnects: AtomicU64,
    pub last_error: Mutex<Option<String>>,
    parent: Option<Arc<Counters>>,
}

/// Which counter to add to.
pub(crate) type Field = fn(&Counters) -> &AtomicU64;

impl Counters {
    /// Counters of a stream whose increments also go to `parent` (the client's).
    pub(crate) fn child_of(parent: Arc<Counters>) -> Counters {
        Counters {
            parent: Some(parent),
            ..Counters::default()
        }
    }

    pub(crate) fn add(&self, field: Field, n: u64) {
        field(self).fetch_add(n, Relaxed);
        if let Some(p) = &self.parent {
            field(p).fetch_add(n, Relaxed);
        }
    }

    pub(crate) fn set_last_error(&self, e: &crate::Error) {
        let text = e.to_string();
        if let Some(p) = &self.parent {
            if let Ok(mut g) = p.last_error.lock() {
                *g = Some(text.clone());
            }
        }
        if let Ok(mut g) = self.last_error.lock() {
            *g = Some(text);
        }
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            connects: self.connects.load(Relaxed),
            messages: self.messages.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            keep_alives: self.keep_alives.load(Relaxed),
            decode_errors: self.decode_errors.load(Relaxed),
            closed_by_server: self.closed_by_server.load(Relaxed),
            network_errors: self.network_errors.load(Relaxed),
            stalls: self.stalls.load(Relaxed),
            http_errors: self.http_errors.load(Relaxed),
            rate_limited: self.rate_limited.load(Relaxed),
            server_disconnects: self.server_disconnects.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            duplicates_dropped: self.duplicates_dropped.load(Relaxed),
            dropped_slow: self.dropped_slow.load(Relaxed),
            slow_reader_disconnects: self.slow_reader_disconnects.load(Relaxed),
            last_error: self.last_error.lock().ok().and_then(|g| g.clone()),
        }
    }
}

/// A snapshot of counters: of one stream ([`EventStream::stats`](crate::EventStream::stats)),
/// or of every stream a client ran ([`Client::stats`](crate::Client::stats)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Successful connections (200 responses).
    pub connects: u64,
    /// Messages received (not keep-alives), including ones that failed to decode.
    pub messages: u64,
    /// Body bytes received (after decompression).
    pub bytes: u64,
    /// Keep-alives received.
    pub keep_alives: u64,
    /// Messages that could not be framed or decoded.
    pub decode_errors: u64,
    /// Disconnects: the server closed the stream cleanly.
    pub closed_by_server: u64,
    /// Disconnects and failed attempts: network errors.
    pub network_errors: u64,
    /// Disconnects: stall timeouts.
    pub stalls: u64,
    /// Failed attempts: HTTP error statuses (rate limits excluded).
    pub http_errors: u64,
    /// Failed attempts: rate-limit statuses (429, 420).
    pub rate_limited: u64,
    /// Disconnects announced in-band by the server.
    pub server_disconnects: u64,
    /// Reconnects scheduled.
    pub reconnects: u64,
    /// Messages dropped as already delivered (a backfilled reconnect replays some; see
    /// `StreamParams::backfill_on_reconnect`).
    pub duplicates_dropped: u64,
    /// Messages dropped because the consumer fell behind a full read-ahead buffer (only with
    /// the `DropOldest` policy; see `Builder::read_ahead`).
    pub dropped_slow: u64,
    /// Disconnects the server made because the client read too slowly (included in
    /// `server_disconnects`).
    pub slow_reader_disconnects: u64,
    /// The last error, as text.
    pub last_error: Option<String>,
}
