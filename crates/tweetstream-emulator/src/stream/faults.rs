//! Scripted faults as a layer over the [`Sender`]: the producer hands framed batches to a
//! [`FaultySender`], which applies the connection's [`Fate`] (close, reset mid-message, stall,
//! drip, operational disconnect, v1.1 disconnect, bad lines, corrupt gzip, oversized line).

use std::time::Duration;

use tokio::time::Instant;

use super::frame::{Batch, Framing, Kind, Tally};
use super::sender::Sender;
use crate::observe::{CloseReason, Event};
use crate::payload::statuses::disconnect_line;
use crate::problems;
use crate::scenario::{AfterStall, Fate, StreamEndpoint};

/// A [`Sender`] that applies a [`Fate`].
pub(crate) struct FaultySender {
    inner: Sender,
    fate: Fate,
    /// The fault has happened.
    done: bool,
    /// Messages handed over so far (every kind but keep-alives).
    sent: u64,
    framing: Framing,
    endpoint: StreamEndpoint,
    request_id: u64,
}

impl FaultySender {
    pub(crate) fn new(
        inner: Sender,
        fate: Fate,
        framing: Framing,
        endpoint: StreamEndpoint,
        request_id: u64,
    ) -> FaultySender {
        FaultySender {
            inner,
            fate,
            done: false,
            sent: 0,
            framing,
            endpoint,
            request_id,
        }
    }

    pub(crate) fn sender(&mut self) -> &mut Sender {
        &mut self.inner
    }

    pub(crate) fn framing(&self) -> Framing {
        self.framing
    }

    /// Send nothing but keep-alives.
    pub(crate) fn keep_alives_only(&self) -> bool {
        matches!(self.fate, Fate::KeepAlivesOnly)
    }

    /// The message count at which the pending fault fires, if one is pending.
    fn trigger(&self) -> Option<u64> {
        if self.done {
            return None;
        }
        match &self.fate {
            Fate::CloseAfter { messages } => Some(*messages),
            Fate::ResetAfter { messages } => Some(messages.saturating_add(1)),
            Fate::Stall { after_messages, .. }
            | Fate::OperationalDisconnect { after_messages, .. }
            | Fate::V1Disconnect { after_messages, .. }
            | Fate::MalformedJson { after_messages }
            | Fate::InvalidUtf8 { after_messages }
            | Fate::CorruptGzip { after_messages }
            | Fate::OversizedLine { after_messages, .. } => Some(*after_messages),
            _ => None,
        }
    }

    /// How many messages the next batch may hold before the fault is due (None: no limit).
    pub(crate) fn room(&self) -> Option<u64> {
        self.trigger().map(|t| t.saturating_sub(self.sent))
    }

    /// Fire the fault if it is due now (every fault but `reset_after`, which cuts a batch in
    /// [`send`](Self::send)). Ok(fired) = the stream goes on.
    pub(crate) async fn fire_due(&mut self) -> Result<bool, CloseReason> {
        let due = !matches!(self.fate, Fate::ResetAfter { .. })
            && self.trigger().is_some_and(|t| self.sent >= t);
        if !due {
            return Ok(false);
        }
        self.fire().await.map(|()| true)
    }

    async fn fire(&mut self) -> Result<(), CloseReason> {
        self.done = true;
        let n = self.sent;
        match self.fate.clone() {
            Fate::CloseAfter { messages } => {
                self.record(format!(
                    "close_after: closed cleanly after {messages} messages"
                ));
                Err(CloseReason::ScenarioClose)
            }
            Fate::Stall {
                duration_ms, then, ..
            } => {
                let next = if then == AfterStall::Close {
                    "close"
                } else {
                    "continue"
                };
                self.record(format!(
                    "stall: silent for {duration_ms} ms after {n} messages, then {next}"
                ));
                let until = Instant::now() + Duration::from_millis(duration_ms);
                self.inner.pause_until(until).await?;
                match then {
                    AfterStall::Close => Err(CloseReason::StallClose),
                    AfterStall::Continue => Ok(()),
                }
            }
            Fate::OperationalDisconnect {
                disconnect_type,
                lines,
                ..
            } => {
                self.record(format!(
                    "operational_disconnect: {lines} {disconnect_type} line(s) after {n} messages, then close"
                ));
                let line = problems::operational_disconnect_line(&disconnect_type);
                for _ in 0..lines.max(1) {
                    self.send_one(Kind::Other, &line).await?;
                }
                Err(CloseReason::OperationalDisconnect)
            }
            Fate::V1Disconnect { code, reason, .. } => {
                self.record(format!(
                    "v1_disconnect: code {code} after {n} messages, then close"
                ));
                let line = self.disconnect(code, &reason);
                self.send_one(Kind::Notice, &line).await?;
                Err(CloseReason::V1Disconnect { code })
            }
            Fate::MalformedJson { .. } => {
                self.record(format!("malformed_json: one line after {n} messages"));
                self.send_one(
                    Kind::Other,
                    br#"{"data":{"id":"1","text":"this line is cut short"#,
                )
                .await
            }
            Fate::InvalidUtf8 { .. } => {
                self.record(format!("invalid_utf8: one line after {n} messages"));
                self.send_one(
                    Kind::Other,
                    b"{\"data\":{\"id\":\"1\",\"text\":\"\xC3\x28\xFF\xFE\"}}",
                )
                .await
            }
            Fate::CorruptGzip { .. } => {
                self.record(format!("corrupt_gzip: bad deflate data after {n} messages"));
                // 0xFF starts a deflate block of the reserved type 3: an error for any
                // inflater, right at the block boundary the last sync flush left.
                let garbage = vec![0xFF; 16];
                if self.inner.gzip() {
                    self.inner.send_wire(garbage, Tally::default()).await
                } else {
                    self.send_one(Kind::Other, &garbage).await
                }
            }
            Fate::OversizedLine { bytes, .. } => {
                self.record(format!("oversized_line: {bytes} bytes after {n} messages"));
                let mut line = b"{\"padding\":\"".to_vec();
                let pad = bytes.saturating_sub(line.len() + 2);
                line.resize(line.len() + pad, b'x');
                line.extend_from_slice(b"\"}");
                self.send_one(Kind::Other, &line).await
            }
            _ => Ok(()),
        }
    }

    /// Send a batch of framed messages. A due `reset_after` cuts its last message in half and
    /// aborts the connection after the half (Err(ScenarioReset)); `drip` sends it in pieces.
    pub(crate) async fn send(&mut self, mut batch: Batch) -> Result<(), CloseReason> {
        let reset = matches!(self.fate, Fate::ResetAfter { .. })
            && self
                .trigger()
                .is_some_and(|t| self.sent + batch.messages() >= t);
        if !reset {
            self.sent += batch.messages();
            return self.send_bytes(&batch.bytes, batch.tally).await;
        }
        self.done = true;
        let (kept, len) = batch.cut_last();
        self.sent += batch.messages();
        let before = self.sent;
        let r = self.send_bytes(&batch.bytes, batch.tally).await;
        self.record(format!(
            "reset_after: aborted the connection in the middle of message {} ({kept} of {len} bytes sent)",
            before + 1
        ));
        r?;
        self.inner.reset();
        Err(CloseReason::ScenarioReset)
    }

    /// A keep-alive (a bare CRLF).
    pub(crate) async fn keep_alive(&mut self) -> Result<(), CloseReason> {
        let tally = Tally {
            keep_alives: 1,
            bytes: 2,
            ..Tally::default()
        };
        self.send_bytes(b"\r\n", tally).await
    }

    /// A clean end after `reason`: a v1.1 stream says why (eviction → `disconnect` 7 "admin
    /// logout", shutdown → 1 "shutdown", a slow reader → 4 "stall"), a v2 stream whose client
    /// read too slowly gets an `operational-disconnect` SlowReader line, gzip gets its trailer.
    /// These go after whatever is queued.
    pub(crate) fn finish_clean(&mut self, reason: &CloseReason) {
        let notice = if self.endpoint.is_v1() {
            match reason {
                CloseReason::Evicted => Some((Kind::Notice, self.disconnect(7, "admin logout"))),
                CloseReason::Shutdown => Some((Kind::Notice, self.disconnect(1, "shutdown"))),
                CloseReason::SlowReader => Some((Kind::Notice, self.disconnect(4, "stall"))),
                _ => None,
            }
        } else {
            match reason {
                CloseReason::SlowReader => Some((
                    Kind::Other,
                    problems::operational_disconnect_line("SlowReader"),
                )),
                _ => None,
            }
        };
        if let Some((kind, line)) = notice {
            let batch = Batch::one(self.framing, kind, &line);
            self.inner.send_final(&batch.bytes, batch.tally);
        }
        self.inner.finish();
    }

    /// Send `plain`, in pieces when the fate is `drip`.
    async fn send_bytes(&mut self, plain: &[u8], tally: Tally) -> Result<(), CloseReason> {
        let Fate::Drip { bytes, interval_ms } = self.fate else {
            return self.inner.send(plain, tally).await;
        };
        let interval = Duration::from_millis(interval_ms);
        let mut tally = Some(tally);
        for piece in plain.chunks(bytes.max(1)) {
            // The whole write is recorded with its first piece: once that is out, any part of
            // it may reach the client (what a client received is a prefix of the record).
            let t = tally.take().unwrap_or_default();
            self.inner.send(piece, t).await?;
            self.inner.pause_until(Instant::now() + interval).await?;
        }
        Ok(())
    }

    /// Send one scripted message.
    async fn send_one(&mut self, kind: Kind, msg: &[u8]) -> Result<(), CloseReason> {
        self.send(Batch::one(self.framing, kind, msg)).await
    }

    /// The v1.1 `disconnect` notice of this connection.
    fn disconnect(&self, code: u32, reason: &str) -> Vec<u8> {
        disconnect_line(self.endpoint, self.inner.conn_id(), code, reason)
    }

    /// Log a fault on the connection and in the event log.
    fn record(&mut self, description: String) {
        let shared = self.inner.shared();
        let id = self.inner.conn_id();
        let d2 = description.clone();
        shared.observe(|o| {
            o.counters.faults_applied += 1;
            if let Some(rec) = o.connection_mut(id) {
                rec.faults.push(d2);
            }
        });
        shared.event(Event::Fault {
            request: self.request_id,
            connection: Some(id),
            description,
        });
    }
}
