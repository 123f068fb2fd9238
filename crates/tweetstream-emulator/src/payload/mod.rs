//! What each stream carries: one [`Payload`] implementation per stream kind.
//!
//! The emulator has one timeline of positions (`seq` = 0, 1, 2, …; see `timeline`): at a fixed
//! rate R, position `seq` is posted at `start + seq / R`. Every stream maps a position to at
//! most one event: the tweet streams render the source's tweet `seq` (when it matches the
//! stream's rules, filter or language), the v1.1 streams the status `seq` plus the notices it
//! triggers. The producer loop (`stream::producer`) is written once over this trait; the bytes
//! go through the framing, fault and gzip layers of `stream`.
//!
//! Adding a stream kind to the emulator is one module here plus one line in the route table
//! (`server::route`) and its [`crate::StreamEndpoint`].

pub(crate) mod statuses;
pub(crate) mod tweets;

use std::time::UNIX_EPOCH;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::data::Source;
use crate::timeline::Timeline;

/// What a payload may look at while it renders a batch.
pub(crate) struct Cx<'a> {
    pub source: &'a Source,
    pub timeline: &'a Timeline,
    /// When the batch is built.
    pub now: Instant,
}

impl Cx<'_> {
    /// The emulator's wall clock at `t`, in milliseconds since the epoch.
    pub(crate) fn wall_ms(&self, t: Instant) -> u64 {
        self.timeline
            .wall_of(t)
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    /// [`wall_ms`](Self::wall_ms) of now.
    pub(crate) fn now_ms(&self) -> u64 {
        self.wall_ms(self.now)
    }
}

/// One stream kind: what it emits for each timeline position, and how.
pub(crate) trait Payload: Send {
    /// Called before each batch (e.g. to take a fresh snapshot of the rules).
    fn begin_batch(&mut self, _cx: &Cx<'_>) {}

    /// Append the message for position `seq` (JSON, no framing) to `out` and return the id the
    /// connection's record keeps for it; None when the stream has no event at `seq` (it does
    /// not match the stream's rules, filter or language). `out` is left as it was then.
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64>;

    /// Append a pending notice (v1.1 `delete`, `limit`, …) to `out`; false when none is due.
    /// Notices go out before the next position.
    fn write_notice(&mut self, _cx: &Cx<'_>, _out: &mut Vec<u8>) -> bool {
        false
    }

    /// The partition (0-based, of `count`) the event at `seq` belongs to. Every partitioned
    /// stream uses the same rule: position modulo the partition count, so the partitions are
    /// disjoint and together carry the whole stream.
    fn partition(&self, seq: u64, count: u64) -> u64 {
        seq % count.max(1)
    }

    /// A notification that what matches may have changed (the filtered stream's rules), if
    /// the stream has one.
    fn changes(&mut self) -> Option<&mut watch::Receiver<u64>> {
        None
    }
}
