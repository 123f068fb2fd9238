//! The bottom of a stream's writer stack: the channel to the response body, the gzip layer,
//! close requests, and the record of what went out.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};

use super::frame::Tally;
use crate::config::SlowReaders;
use crate::http::{Chunk, Gzip, Queue};
use crate::limits::Control;
use crate::observe::CloseReason;
use crate::server::Shared;

/// Why an idle wait ended (when it did not end the connection).
pub(crate) enum Woke<T> {
    /// The deadline passed.
    Timer,
    /// The other future completed.
    Other(T),
    /// A control message arrived that does not close the connection.
    Nudged,
}

/// Hands bytes to the connection, compressing them when the client asked for gzip, and records
/// what was handed over. The connection's queue is bounded in bytes
/// (`Config::max_queue_bytes`): when it is full the sender waits for the client, or ends the
/// stream with [`CloseReason::SlowReader`] ([`SlowReaders`]).
pub(crate) struct Sender {
    shared: Arc<Shared>,
    conn_id: u64,
    tx: mpsc::UnboundedSender<Chunk>,
    queue: Arc<Queue>,
    control: watch::Receiver<Control>,
    shutdown: watch::Receiver<bool>,
    gzip: Option<Gzip>,
}

impl Sender {
    pub(crate) fn new(
        shared: Arc<Shared>,
        conn_id: u64,
        (tx, queue): (mpsc::UnboundedSender<Chunk>, Arc<Queue>),
        control: watch::Receiver<Control>,
        gzip: Option<Gzip>,
    ) -> Sender {
        let shutdown = shared.shutdown.subscribe();
        Sender {
            shared,
            conn_id,
            tx,
            queue,
            control,
            shutdown,
            gzip,
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn conn_id(&self) -> u64 {
        self.conn_id
    }

    pub(crate) fn gzip(&self) -> bool {
        self.gzip.is_some()
    }

    /// A close requested from outside (eviction, the handle, shutdown), if any.
    pub(crate) fn requested_close(&self) -> Option<CloseReason> {
        if *self.shutdown.borrow() {
            return Some(CloseReason::Shutdown);
        }
        match &*self.control.borrow() {
            Control::Close(r) => Some(r.clone()),
            Control::Run => None,
        }
    }

    /// Compress (when gzip) and hand `plain` to the connection; record `tally` once it is.
    pub(crate) async fn send(&mut self, plain: &[u8], mut tally: Tally) -> Result<(), CloseReason> {
        if self.gzip.is_none() {
            return self.send_wire(plain.to_vec(), tally).await;
        }
        // Room is decided before compressing: bytes that went into the gzip stream must reach
        // the client, or everything after them is garbage to its inflater. (The compressed
        // bytes are fewer than `plain`, so room for `plain` is room for them.)
        self.room_for(plain.len()).await?;
        let wire = match &mut self.gzip {
            Some(gz) => gz.encode(plain),
            None => plain.to_vec(),
        };
        tally.wire += wire.len() as u64;
        self.enqueue(wire)?;
        self.record(tally);
        Ok(())
    }

    /// How full the connection's queue is, in percent of its bound.
    pub(crate) fn queue_percent(&self) -> u32 {
        let max = self.shared.config.max_queue_bytes.max(1);
        (self.queue.len().saturating_mul(100) / max).min(100) as u32
    }

    /// Hand bytes to the connection as they are (already compressed, or deliberately not),
    /// once the queue has room for them.
    pub(crate) async fn send_wire(
        &mut self,
        wire: Vec<u8>,
        mut tally: Tally,
    ) -> Result<(), CloseReason> {
        self.room_for(wire.len()).await?;
        tally.wire += wire.len() as u64;
        self.enqueue(wire)?;
        self.record(tally);
        Ok(())
    }

    /// Wait until the queue has room for `n` more bytes (a write larger than the bound goes
    /// when the queue is empty), or end the stream as the slow-reader policy says.
    async fn room_for(&mut self, n: usize) -> Result<(), CloseReason> {
        let max = self.shared.config.max_queue_bytes;
        loop {
            let queued = self.queue.len();
            if queued == 0 || queued.saturating_add(n) <= max {
                return Ok(());
            }
            // At rate 0 the stream goes as fast as the client reads: it always waits.
            if self.shared.config.slow_readers == SlowReaders::Disconnect
                && self.shared.timeline.paced()
            {
                return Err(CloseReason::SlowReader);
            }
            tokio::select! {
                biased;
                _ = self.queue.taken() => {}
                _ = self.control.changed() => {
                    return Err(self.requested_close().unwrap_or(CloseReason::ClientDisconnected));
                }
                _ = self.shutdown.changed() => return Err(CloseReason::Shutdown),
                _ = self.tx.closed() => return Err(CloseReason::ClientDisconnected),
            }
        }
    }

    /// Put bytes in the queue, whatever its length.
    fn enqueue(&mut self, wire: Vec<u8>) -> Result<(), CloseReason> {
        let n = wire.len();
        self.queue.add(n);
        if self.tx.send(Chunk::Data(Bytes::from(wire))).is_err() {
            // Not handed to the connection: not sent, not recorded.
            self.queue.take(n);
            return Err(CloseReason::ClientDisconnected);
        }
        Ok(())
    }

    /// Hand `plain` over at the end of a clean close, whatever close was requested and however
    /// full the queue is (a closing notice goes after what is queued).
    pub(crate) fn send_final(&mut self, plain: &[u8], mut tally: Tally) {
        let wire = match &mut self.gzip {
            Some(gz) => gz.encode(plain),
            None => plain.to_vec(),
        };
        tally.wire += wire.len() as u64;
        if self.enqueue(wire).is_ok() {
            self.record(tally);
        }
    }

    /// Ask the body to abort the connection after what it already has (a scripted reset).
    pub(crate) fn reset(&mut self) {
        let _ = self.tx.send(Chunk::Reset);
    }

    /// Wait until `until` or `other`, whichever comes first, unless the connection is closed
    /// or asked to close first (Err).
    pub(crate) async fn idle<F: Future>(
        &mut self,
        until: Instant,
        other: F,
    ) -> Result<Woke<F::Output>, CloseReason> {
        tokio::select! {
            r = self.control.changed() => match r {
                Err(_) => Err(CloseReason::ClientDisconnected),
                Ok(()) => match self.requested_close() {
                    Some(reason) => Err(reason),
                    None => Ok(Woke::Nudged),
                },
            },
            _ = self.shutdown.changed() => Err(CloseReason::Shutdown),
            _ = self.tx.closed() => Err(CloseReason::ClientDisconnected),
            x = other => Ok(Woke::Other(x)),
            _ = sleep_until(until) => Ok(Woke::Timer),
        }
    }

    /// Wait until `until`, silent.
    pub(crate) async fn pause_until(&mut self, until: Instant) -> Result<(), CloseReason> {
        loop {
            match self.idle(until, std::future::pending::<()>()).await? {
                Woke::Timer => return Ok(()),
                Woke::Other(()) | Woke::Nudged => {}
            }
        }
    }

    /// The end of a clean close: the gzip trailer, if any, so the body ends as a complete gzip
    /// stream.
    pub(crate) fn finish(&mut self) {
        if let Some(gz) = self.gzip.take() {
            let tail = gz.finish();
            if !tail.is_empty() {
                let tally = Tally {
                    wire: tail.len() as u64,
                    ..Tally::default()
                };
                if self.enqueue(tail).is_ok() {
                    self.record(tally);
                }
            }
        }
    }

    /// Add `t` to the connection's record and the counters.
    fn record(&mut self, t: Tally) {
        if t.is_empty() {
            return;
        }
        let max_ids = self.shared.config.max_recorded_ids;
        let id = self.conn_id;
        self.shared.observe(|o| {
            let c = &mut o.counters;
            c.messages_sent += t.messages;
            c.tweets_sent += t.events;
            c.keep_alives_sent += t.keep_alives;
            c.bytes_sent += t.bytes;
            c.wire_bytes_sent += t.wire;
            if let Some(rec) = o.connection_mut(id) {
                rec.messages_sent += t.messages;
                rec.tweets_sent += t.events;
                rec.notices_sent += t.notices;
                rec.keep_alives_sent += t.keep_alives;
                rec.bytes_sent += t.bytes;
                rec.wire_bytes_sent += t.wire;
                let room = max_ids.saturating_sub(rec.tweet_ids.len());
                if t.ids.len() <= room {
                    rec.tweet_ids.extend_from_slice(&t.ids);
                } else {
                    rec.tweet_ids.extend_from_slice(&t.ids[..room]);
                    rec.tweet_ids_dropped += (t.ids.len() - room) as u64;
                }
            }
        });
    }
}
