//! The bottom of a stream's writer stack: the channel to the response body, the gzip layer,
//! close requests, and the record of what went out.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};

use super::frame::Tally;
use crate::http::{Chunk, Gzip};
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
/// what was handed over.
pub(crate) struct Sender {
    shared: Arc<Shared>,
    conn_id: u64,
    tx: mpsc::Sender<Chunk>,
    control: watch::Receiver<Control>,
    shutdown: watch::Receiver<bool>,
    gzip: Option<Gzip>,
}

impl Sender {
    pub(crate) fn new(
        shared: Arc<Shared>,
        conn_id: u64,
        tx: mpsc::Sender<Chunk>,
        control: watch::Receiver<Control>,
        gzip: Option<Gzip>,
    ) -> Sender {
        let shutdown = shared.shutdown.subscribe();
        Sender {
            shared,
            conn_id,
            tx,
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
    pub(crate) async fn send(&mut self, plain: &[u8], tally: Tally) -> Result<(), CloseReason> {
        let wire = match &mut self.gzip {
            Some(gz) => gz.encode(plain),
            None => plain.to_vec(),
        };
        self.send_wire(wire, tally).await
    }

    /// Hand bytes to the connection as they are (already compressed, or deliberately not).
    pub(crate) async fn send_wire(
        &mut self,
        wire: Vec<u8>,
        mut tally: Tally,
    ) -> Result<(), CloseReason> {
        tally.wire += wire.len() as u64;
        let chunk = Chunk::Data(Bytes::from(wire));
        let r = tokio::select! {
            biased;
            r = self.tx.send(chunk) => r.map_err(|_| CloseReason::ClientDisconnected),
            _ = self.control.changed() => {
                Err(self.requested_close().unwrap_or(CloseReason::ClientDisconnected))
            }
            _ = self.shutdown.changed() => Err(CloseReason::Shutdown),
        };
        // Not handed to the connection: not sent, not recorded.
        r?;
        self.record(tally);
        Ok(())
    }

    /// Hand `plain` over at the end of a clean close, whatever close was requested (bounded
    /// wait: a client that stopped reading does not hold the producer).
    pub(crate) async fn send_final(&mut self, plain: &[u8], mut tally: Tally) {
        let wire = match &mut self.gzip {
            Some(gz) => gz.encode(plain),
            None => plain.to_vec(),
        };
        tally.wire += wire.len() as u64;
        let send = self.tx.send(Chunk::Data(Bytes::from(wire)));
        if let Ok(Ok(())) = tokio::time::timeout(std::time::Duration::from_secs(1), send).await {
            self.record(tally);
        }
    }

    /// Ask the body to abort the connection after what it already has (a scripted reset).
    pub(crate) async fn reset(&mut self) {
        let _ = self.tx.send(Chunk::Reset).await;
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
    /// stream (bounded wait: a client that stopped reading does not hold the producer).
    pub(crate) async fn finish(&mut self) {
        if let Some(gz) = self.gzip.take() {
            let tail = gz.finish();
            if !tail.is_empty() {
                let tally = Tally {
                    wire: tail.len() as u64,
                    ..Tally::default()
                };
                let send = self.tx.send(Chunk::Data(Bytes::from(tail)));
                if let Ok(Ok(())) =
                    tokio::time::timeout(std::time::Duration::from_secs(5), send).await
                {
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
