//! The read-ahead stage: a task that reads the socket, decompresses and frames ahead of the
//! consumer, into a queue bounded in bytes, with an explicit policy when the queue is full
//! ([`WhenFull`]). Without it (the default) the supervisor reads only when the consumer asks,
//! and TCP pushes back on the server.
//!
//! The stall watchdog moves into the reading task: it measures the socket, not the consumer.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;

use crate::connector::Body;
use crate::error::{ConnectionError, ConnectionErrorKind};
use crate::framer::{Frame, FrameError, Framer};
use crate::inflate::GzipDecoder;
use crate::stats::Counters;

/// What to do when the read-ahead buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WhenFull {
    /// Stop reading until the consumer catches up: nothing is lost, TCP pushes back on the
    /// server (which may, after a while, disconnect a reader that is too slow).
    #[default]
    Wait,
    /// Drop the oldest messages to make room: the connection keeps up with the server, and
    /// every drop is counted ([`Stats::dropped_slow`](crate::Stats::dropped_slow)) and
    /// reported ([`Event::Dropped`](crate::Event::Dropped), `on_dropped`). For consumers
    /// that prefer fresh data to complete data.
    DropOldest,
}

/// The read-ahead setting of a client: a buffer of at most `bytes`, and what to do when full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadAhead {
    pub bytes: usize,
    pub when_full: WhenFull,
}

/// How a connection read by the task ended.
#[derive(Debug)]
pub(crate) enum End {
    /// The server ended the body.
    Closed,
    /// The network failed (or the gzip data did).
    Network(ConnectionError),
    /// No byte for this long.
    Stall(Duration),
}

/// One item the task hands over.
#[derive(Debug)]
pub(crate) enum Ahead {
    Frame(Result<Frame, FrameError>),
    End(End),
}

struct Queue {
    items: VecDeque<(Ahead, usize)>,
    bytes: usize,
    /// Messages dropped and not yet reported to the consumer.
    drops: u64,
    /// The consumer is gone: drop nothing more, queue nothing more.
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    readable: Notify,
    writable: Notify,
    limit: usize,
    when_full: WhenFull,
}

/// The consumer's side of a connection read ahead. Dropping it stops the reading task.
pub(crate) struct Reader {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Reader {
    /// Start reading `body` ahead into a buffer of `setting.bytes`.
    pub(crate) fn start(
        body: Body,
        gzip: Option<GzipDecoder>,
        framer: Framer,
        stall: Option<Duration>,
        setting: ReadAhead,
        counters: Arc<Counters>,
    ) -> Reader {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                bytes: 0,
                drops: 0,
                closed: false,
            }),
            readable: Notify::new(),
            writable: Notify::new(),
            limit: setting.bytes.max(1),
            when_full: setting.when_full,
        });
        let task = tokio::spawn(read(
            Arc::clone(&shared),
            body,
            gzip,
            framer,
            stall,
            counters,
        ));
        Reader { shared, task }
    }

    /// The next item, waiting for the task if there is none yet.
    pub(crate) async fn next(&self) -> (Ahead, u64) {
        loop {
            let readable = self.shared.readable.notified();
            if let Some(item) = self.pop() {
                return item;
            }
            readable.await;
        }
    }

    /// An item if one is queued, with the number of messages dropped before it (all older
    /// than it, since the oldest are dropped first) and not reported yet.
    pub(crate) fn pop(&self) -> Option<(Ahead, u64)> {
        let mut q = self.shared.queue.lock().ok()?;
        let (item, size) = q.items.pop_front()?;
        q.bytes -= size;
        let drops = std::mem::take(&mut q.drops);
        drop(q);
        self.shared.writable.notify_one();
        Some((item, drops))
    }

    /// Stop the task's queueing (and dropping) and return the drops not reported yet: after
    /// this, the count is final.
    pub(crate) fn close(&self) -> u64 {
        match self.shared.queue.lock() {
            Ok(mut q) => {
                q.closed = true;
                std::mem::take(&mut q.drops)
            }
            Err(_) => 0,
        }
    }
}

/// The reading task: socket → inflate → framer → queue, until the body ends or fails.
async fn read(
    shared: Arc<Shared>,
    mut body: Body,
    mut gzip: Option<GzipDecoder>,
    mut framer: Framer,
    stall: Option<Duration>,
    counters: Arc<Counters>,
) {
    loop {
        while let Some(frame) = framer.next_frame() {
            let size = match &frame {
                Ok(Frame::Message(m)) => m.len(),
                _ => 0,
            };
            push(&shared, Ahead::Frame(frame), size, &counters).await;
        }
        if let Some(gz) = &mut gzip {
            match gz.next_chunk() {
                Ok(Some(chunk)) => {
                    counters.add(|c| &c.bytes, chunk.len() as u64);
                    framer.push(chunk);
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    let ce = ConnectionError::with_source(ConnectionErrorKind::Body, e);
                    return push(&shared, Ahead::End(End::Network(ce)), 0, &counters).await;
                }
            }
        }
        let next = match stall {
            Some(d) => match tokio::time::timeout(d, body.next()).await {
                Ok(n) => n,
                Err(_) => return push(&shared, Ahead::End(End::Stall(d)), 0, &counters).await,
            },
            None => body.next().await,
        };
        match next {
            Some(Ok(chunk)) => match &mut gzip {
                Some(gz) => gz.push(chunk),
                None => {
                    counters.add(|c| &c.bytes, chunk.len() as u64);
                    framer.push(chunk);
                }
            },
            Some(Err(ce)) => {
                return push(&shared, Ahead::End(End::Network(ce)), 0, &counters).await
            }
            None => return push(&shared, Ahead::End(End::Closed), 0, &counters).await,
        }
    }
}

/// Queue one item, applying the policy when the buffer is full.
async fn push(shared: &Shared, item: Ahead, size: usize, counters: &Counters) {
    let mut item = Some(item);
    loop {
        let writable = shared.writable.notified();
        {
            let Ok(mut q) = shared.queue.lock() else {
                return;
            };
            if q.closed {
                return;
            }
            let fits = q.bytes + size <= shared.limit || q.items.is_empty();
            if !fits && shared.when_full == WhenFull::DropOldest {
                while q.bytes + size > shared.limit {
                    let Some(i) = q
                        .items
                        .iter()
                        .position(|(a, _)| matches!(a, Ahead::Frame(Ok(Frame::Message(_)))))
                    else {
                        break;
                    };
                    if let Some((_, s)) = q.items.remove(i) {
                        q.bytes -= s;
                        q.drops += 1;
                        counters.add(|c| &c.dropped_slow, 1);
                    }
                }
            }
            if fits || shared.when_full == WhenFull::DropOldest {
                if let Some(it) = item.take() {
                    q.items.push_back((it, size));
                    q.bytes += size;
                }
                drop(q);
                shared.readable.notify_one();
                return;
            }
        }
        writable.await;
    }
}
