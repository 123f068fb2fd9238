//! The producer task of a stream connection, written once for every [`Payload`]: walks the
//! timeline, asks the payload for each position's event, batches framed messages, sends
//! keep-alives when idle, and hands everything to the [`FaultySender`].

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::faults::FaultySender;
use super::frame::{Batch, Kind};
use super::sender::Woke;
use crate::config::SlowReaders;
use crate::observe::{CloseReason, Event};
use crate::payload::{Cx, Payload};
use crate::server::{lock, Shared};

/// How full a slow client's queue is when it is told it falls behind (v1.1 `warning`).
const FALLING_BEHIND_PERCENT: u32 = 60;

/// Where a batch stopped.
enum Outcome {
    /// More is ready now.
    More,
    /// Nothing more until this instant (None: until what matches changes, or a keep-alive is
    /// due).
    Wait(Option<Instant>),
    /// The replay window (`end_time`) is complete.
    End,
}

/// One stream connection's producer.
pub(crate) struct Producer {
    pub shared: Arc<Shared>,
    pub out: FaultySender,
    pub payload: Box<dyn Payload>,
    /// The next timeline position.
    pub cursor: u64,
    /// Stop (cleanly) at this position (recovery).
    pub end_seq: Option<u64>,
    /// (0-based partition, partition count).
    pub partition: Option<(u64, u64)>,
    pub keep_alive: Duration,
    /// Positions in a row without an event.
    pub misses: u64,
}

/// Wait for a change notification, or forever when there is nothing to watch.
async fn changed(rx: Option<&mut watch::Receiver<u64>>) {
    match rx {
        Some(rx) => {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await
            }
        }
        None => std::future::pending::<()>().await,
    }
}

impl Producer {
    pub(crate) async fn run(mut self) {
        let reason = self.main().await;
        self.finish(reason).await;
    }

    async fn main(&mut self) -> CloseReason {
        let mut last_write = Instant::now();
        loop {
            if let Some(r) = self.out.sender().requested_close() {
                return r;
            }
            match self.out.fire_due().await {
                Err(r) => return r,
                Ok(true) => {
                    // A fault wrote (or stalled): that counts as the last write.
                    last_write = Instant::now();
                    continue;
                }
                Ok(false) => {}
            }
            let (batch, outcome) = if self.out.keep_alives_only() {
                (Batch::new(self.out.framing(), 0), Outcome::Wait(None))
            } else {
                self.build_batch()
            };
            if !batch.is_empty() {
                if let Err(r) = self.out.send(batch).await {
                    return r;
                }
                last_write = Instant::now();
                if self.shared.config.slow_readers == SlowReaders::Disconnect {
                    let full = self.out.sender().queue_percent();
                    if full >= FALLING_BEHIND_PERCENT {
                        self.payload.falling_behind(full);
                    }
                }
            }
            match outcome {
                // Let other tasks (and the connection) run between batches.
                Outcome::More => tokio::task::consume_budget().await,
                Outcome::End => return CloseReason::RecoveryComplete,
                Outcome::Wait(due) => {
                    let ka = last_write + self.keep_alive;
                    let wake = due.map_or(ka, |d| d.min(ka));
                    let rules = changed(self.payload.changes());
                    match self.out.sender().idle(wake, rules).await {
                        Err(r) => return r,
                        Ok(Woke::Other(())) => self.misses = 0,
                        Ok(Woke::Nudged) => {}
                        Ok(Woke::Timer) => {
                            let now = Instant::now();
                            // Data that is due goes first; it proves life as well.
                            let data_due = due.is_some_and(|d| d <= now);
                            if !data_due && now >= last_write + self.keep_alive {
                                if let Err(r) = self.out.keep_alive().await {
                                    return r;
                                }
                                last_write = Instant::now();
                            }
                        }
                    }
                }
            }
        }
    }

    /// The next batch of framed messages.
    fn build_batch(&mut self) -> (Batch, Outcome) {
        let shared = Arc::clone(&self.shared);
        let cfg = &shared.config;
        let timeline = &shared.timeline;
        let now = Instant::now();
        let cx = Cx {
            source: &shared.source,
            timeline,
            now,
        };
        let due_end = timeline.due_end(now);
        let base_len = shared.source.base_len() as u64;
        let per_write = if cfg.messages_per_write > 0 {
            cfg.messages_per_write as u64
        } else {
            u64::MAX
        };
        let limit = self.out.room().map_or(per_write, |r| r.min(per_write));
        let write_bytes = cfg.write_bytes.max(1);
        let mut batch = Batch::new(self.out.framing(), write_bytes + 16 * 1024);
        let mut scanned = 0u64;
        self.payload.begin_batch(&cx);
        let payload = &mut self.payload;
        let outcome = loop {
            if batch.messages() >= limit || batch.bytes.len() >= write_bytes {
                break Outcome::More;
            }
            if batch
                .push_with(|o| payload.write_notice(&cx, o).then_some(Kind::Notice))
                .is_some()
            {
                continue;
            }
            if self.end_seq.is_some_and(|e| self.cursor >= e) {
                break Outcome::End;
            }
            let seq = self.cursor;
            if let Some((ix, n)) = self.partition {
                if payload.partition(seq, n) != ix {
                    // Another partition's event: not ours, whether due or not.
                    self.cursor = self.cursor.saturating_add(1);
                    continue;
                }
            }
            if seq >= due_end {
                break Outcome::Wait(Some(timeline.post_time(seq)));
            }
            if scanned >= 16_384 {
                break Outcome::More;
            }
            if !timeline.paced() && self.misses >= base_len {
                // A whole loop of the source without an event: nothing will come until what
                // matches changes.
                break Outcome::Wait(None);
            }
            self.cursor = self.cursor.saturating_add(1);
            scanned += 1;
            match batch.push_with(|o| payload.write_event(&cx, seq, o).map(Kind::Event)) {
                Some(_) => self.misses = 0,
                None => self.misses += 1,
            }
        };
        timeline.advance(self.cursor, now);
        (batch, outcome)
    }

    async fn finish(mut self, reason: CloseReason) {
        // A client that reconnects must not get the events this connection already sent.
        self.shared.timeline.retire(self.cursor);
        // A clean end: v1.1 says why, gzip gets its trailer, and dropping the sender ends the
        // chunked body.
        let clean = !matches!(
            reason,
            CloseReason::ClientDisconnected | CloseReason::ScenarioReset
        );
        if clean {
            self.out.finish_clean(&reason);
        }
        let conn_id = self.out.sender().conn_id();
        let ghost = match reason {
            CloseReason::Evicted | CloseReason::Shutdown | CloseReason::ClosedByHandle => {
                Duration::ZERO
            }
            _ => self.shared.config.ghost_period,
        };
        lock(&self.shared.registry).release(conn_id, ghost, Instant::now());
        let at = self.shared.elapsed();
        let cap = self.shared.config.max_log_entries;
        self.shared.observe(|o| {
            o.counters.connections_closed += 1;
            o.counters.connections_active = o.counters.connections_active.saturating_sub(1);
            if let Some(rec) = o.connection_mut(conn_id) {
                rec.closed_at = Some(at);
                rec.close_reason = Some(reason.clone());
            }
            o.push_event(
                at,
                Event::ConnectionClosed {
                    id: conn_id,
                    reason,
                },
                cap,
            );
        });
    }
}
