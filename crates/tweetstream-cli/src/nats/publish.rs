//! The JetStream sink: every message published with its dedupe id (`Nats-Msg-Id`: the Tweet
//! id, or a hash of the bytes for messages without one), acknowledgements awaited with a
//! bounded number in flight, and unacknowledged messages kept in a bounded buffer and
//! published again after a broker outage (the dedupe id makes that safe).
//!
//! The archive loop hands messages to [`NatsSink::publish`]; a task publishes them in order.
//! While the broker is connected and the buffer is full, `publish` waits (reading slows, as
//! for a slow disk). While it is down, reading goes on into the buffer; when the buffer is
//! full then, `publish` fails with the count of messages not stored.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use tokio::sync::{mpsc, Semaphore};

use super::NatsOutput;
use crate::error::{CliError, Exit};

/// One message on its way.
struct Item {
    id: String,
    payload: Bytes,
}

/// What the publishing task shares with the archive loop.
#[derive(Default)]
struct Counters {
    stored: AtomicU64,
    bytes: AtomicU64,
    duplicates: AtomicU64,
    republished: AtomicU64,
    connected: AtomicBool,
}

/// The sink.
pub struct NatsSink {
    tx: Option<mpsc::UnboundedSender<Item>>,
    /// Bytes of the buffer (one permit per byte, at most `nats_buffer`).
    room: Arc<Semaphore>,
    counters: Arc<Counters>,
    task: Option<tokio::task::JoinHandle<u64>>,
    handed: u64,
    out: NatsOutput,
    client: async_nats::Client,
}

/// What was stored when the sink finished.
#[derive(Debug)]
pub struct NatsReport {
    /// Messages the broker acknowledged (stored, or already there: see `duplicates`).
    pub stored: u64,
    /// Of those, messages JetStream already had (another archiver stored them first).
    pub duplicates: u64,
    /// Messages published again after an outage.
    pub republished: u64,
    /// Bytes of the acknowledged messages (as JSONL lines).
    pub bytes: u64,
    /// Messages handed over but never acknowledged.
    pub not_stored: u64,
    /// Why not, if some were not.
    pub error: Option<CliError>,
}

impl NatsSink {
    /// Connect and make sure the stream exists (before any request to X).
    pub async fn open(out: &NatsOutput) -> Result<NatsSink, CliError> {
        let client = out.connect().await?;
        let js = async_nats::jetstream::context::ContextBuilder::new()
            .max_ack_inflight(out.args.nats_max_in_flight as usize)
            .backpressure_on_inflight(true)
            .timeout(Duration::from_secs(5))
            .build(client.clone());
        let config = async_nats::jetstream::stream::Config {
            name: out.args.nats_stream.clone(),
            subjects: vec![out.subject.clone()],
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        };
        let mut stream = js.get_or_create_stream(config).await.map_err(|e| {
            CliError::failure(format!(
                "cannot create or find the JetStream stream {} on {}: {e}",
                out.args.nats_stream, out.server
            ))
        })?;
        // An existing stream made for other subjects would leave every publish unanswered.
        let subjects = stream
            .info()
            .await
            .map(|i| i.config.subjects.clone())
            .unwrap_or_default();
        if !subjects
            .iter()
            .any(|f| super::subject_matches(f, &out.subject))
        {
            return Err(CliError::usage(format!(
                "the JetStream stream {} on {} takes the subjects {subjects:?}, not {:?}: choose another stream with --nats-stream, or one of its subjects",
                out.args.nats_stream, out.server, out.subject
            )));
        }
        let buffer = usize::try_from(out.args.nats_buffer)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        let room = Arc::new(Semaphore::new(buffer));
        let counters = Arc::new(Counters::default());
        counters.connected.store(true, Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(publisher(
            js,
            client.clone(),
            out.subject.clone(),
            rx,
            room.clone(),
            counters.clone(),
            out.args.nats_max_in_flight as usize,
        ));
        Ok(NatsSink {
            tx: Some(tx),
            room,
            counters,
            task: Some(task),
            handed: 0,
            out: out.clone(),
            client,
        })
    }

    /// Where it publishes (no credentials).
    pub fn describe(&self) -> String {
        self.out.describe()
    }

    /// Hand one message over. Waits while the buffer is full and the broker connected; fails
    /// when it is full and the broker is down.
    pub async fn publish(&mut self, payload: Bytes, id: String) -> Result<(), CliError> {
        let n = payload.len().clamp(1, Semaphore::MAX_PERMITS) as u32;
        let permit = match self.room.clone().try_acquire_many_owned(n) {
            Ok(p) => p,
            Err(_) => loop {
                let down = !matches!(
                    self.client.connection_state(),
                    async_nats::connection::State::Connected
                );
                if down {
                    return Err(self.buffer_full());
                }
                match tokio::time::timeout(
                    Duration::from_millis(200),
                    self.room.clone().acquire_many_owned(n),
                )
                .await
                {
                    Ok(Ok(p)) => break p,
                    Ok(Err(_)) => return Err(CliError::failure("the NATS publisher stopped")),
                    Err(_) => continue,
                }
            },
        };
        // The publisher gives the bytes back when the broker has acknowledged the message.
        permit.forget();
        let Some(tx) = &self.tx else {
            return Err(CliError::failure("the NATS publisher stopped"));
        };
        tx.send(Item { id, payload })
            .map_err(|_| CliError::failure("the NATS publisher stopped"))?;
        self.handed += 1;
        Ok(())
    }

    fn buffer_full(&self) -> CliError {
        let stored = self.counters.stored.load(Relaxed);
        CliError::new(
            Exit::Write,
            format!(
                "NATS at {} is unreachable and the buffer of unacknowledged messages is full (--nats-buffer {} bytes): {} messages were not stored in JetStream ({} stored); raise --nats-buffer to ride out longer outages",
                self.out.server,
                self.out.args.nats_buffer,
                self.handed.saturating_sub(stored),
                stored
            ),
        )
    }

    /// Wait (at most `within`) for every acknowledgement, then report.
    pub async fn finish(mut self, within: Duration) -> NatsReport {
        drop(self.tx.take());
        let mut error = None;
        if let Some(task) = self.task.take() {
            match tokio::time::timeout(within, task).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    error = Some(CliError::failure(format!("the NATS publisher failed: {e}")))
                }
                Err(_) => {
                    error = Some(CliError::new(
                        Exit::Write,
                        format!(
                        "NATS at {}: not every message was acknowledged within --nats-ack-wait {}",
                        self.out.server,
                        crate::units::human_duration(within)
                    ),
                    ))
                }
            }
        }
        // The broker may be gone: never wait on it past the deadline.
        let _ = tokio::time::timeout(Duration::from_secs(1), self.client.flush()).await;
        let stored = self.counters.stored.load(Relaxed);
        let not_stored = self.handed.saturating_sub(stored);
        if not_stored > 0 {
            if let Some(e) = &mut error {
                e.message.push_str(&format!(
                    ": {not_stored} messages were not stored ({stored} stored)"
                ));
            }
        }
        NatsReport {
            stored,
            bytes: self.counters.bytes.load(Relaxed),
            duplicates: self.counters.duplicates.load(Relaxed),
            republished: self.counters.republished.load(Relaxed),
            not_stored,
            error,
        }
    }
}

/// Publish in order; await acks oldest first; on a failed ack, publish everything unacked
/// again (after a pause) until it is acknowledged.
async fn publisher(
    js: async_nats::jetstream::Context,
    client: async_nats::Client,
    subject: String,
    mut rx: mpsc::UnboundedReceiver<Item>,
    room: Arc<Semaphore>,
    counters: Arc<Counters>,
    max_in_flight: usize,
) -> u64 {
    let mut in_flight: VecDeque<(Item, Option<PublishAckFuture>)> = VecDeque::new();
    let mut closed = false;
    let send = |item: &Item| {
        let js = js.clone();
        let subject = subject.clone();
        let m = PublishMessage::build()
            .payload(item.payload.clone())
            .message_id(&item.id);
        async move { js.send_publish(subject, m).await.ok() }
    };
    loop {
        // Fill the window.
        while !closed && in_flight.len() < max_in_flight {
            let next = if in_flight.is_empty() {
                rx.recv().await
            } else {
                match rx.try_recv() {
                    Ok(i) => Some(i),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => None,
                }
            };
            match next {
                Some(item) => {
                    let fut = send(&item).await;
                    in_flight.push_back((item, fut));
                }
                None => closed = true,
            }
        }
        let Some((item, fut)) = in_flight.pop_front() else {
            if closed {
                return counters.stored.load(Relaxed);
            }
            continue;
        };
        let acked = match fut {
            Some(f) => f.await.ok(),
            None => None,
        };
        match acked {
            Some(ack) => {
                counters.stored.fetch_add(1, Relaxed);
                counters
                    .bytes
                    .fetch_add(item.payload.len() as u64 + 1, Relaxed);
                if ack.duplicate {
                    counters.duplicates.fetch_add(1, Relaxed);
                }
                counters.connected.store(true, Relaxed);
                room.add_permits(item.payload.len().clamp(1, Semaphore::MAX_PERMITS));
            }
            None => {
                // The broker is away (or slow beyond the ack timeout): publish this one and
                // everything after it again, in order, once it answers.
                counters.connected.store(false, Relaxed);
                in_flight.push_front((item, None));
                tokio::time::sleep(Duration::from_millis(250)).await;
                if !matches!(
                    client.connection_state(),
                    async_nats::connection::State::Connected
                ) {
                    continue_waiting(&client).await;
                }
                for (item, fut) in in_flight.iter_mut() {
                    *fut = send(item).await;
                    counters.republished.fetch_add(1, Relaxed);
                }
            }
        }
    }
}

/// Until the client is connected again (it reconnects by itself).
async fn continue_waiting(client: &async_nats::Client) {
    while !matches!(
        client.connection_state(),
        async_nats::connection::State::Connected
    ) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
