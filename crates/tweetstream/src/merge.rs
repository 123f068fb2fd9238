//! Several event streams read as one: the partitions of a stream fanned in, or redundant
//! connections to the same stream with their duplicates dropped.
//!
//! Each source keeps its own supervisor (reconnects, stall watchdog, back-off, counters); the
//! merge only polls them together, so it adds no task, channel or copy per message. Items come
//! tagged with the index of their source, in order of arrival.
//!
//! ```no_run
//! # async fn run() -> Result<(), tweetstream::Error> {
//! use futures_util::StreamExt;
//! use tweetstream::{merge::Merge, AsyncStreamingClient, Event, StreamParams};
//!
//! // Two connections to the sample stream (X allows it on some tiers), each tweet once.
//! let client = AsyncStreamingClient::builder("bearer token")
//!     .connections_per_stream(2)
//!     .build()?;
//! let streams = vec![
//!     client.sample(StreamParams::new())?.raw(),
//!     client.sample(StreamParams::new())?.raw(),
//! ];
//! let mut merged = Merge::redundant(streams, 100_000);
//! while let Some((source, item)) = merged.next().await {
//!     if let Event::Message(line) = item? {
//!         println!("{source}: {} bytes", line.bytes().len());
//!     }
//! }
//! # Ok(()) }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::SelectAll;

use crate::dedupe::Dedupe;
use crate::raw::{Raw, RawLine};
use crate::stream::{Event, EventStream, StreamHandle};
use crate::Error;

/// What identifies a message across connections, for dropping the copies a redundant
/// connection delivers.
pub trait MessageKey {
    /// The message's id where it has one (a Tweet's id), otherwise a hash of its bytes.
    fn message_key(&self) -> u64;
}

impl MessageKey for RawLine {
    fn message_key(&self) -> u64 {
        self.id()
            .unwrap_or_else(|| crate::sniff::hash_of(self.bytes()))
    }
}

impl<M> MessageKey for Raw<M> {
    fn message_key(&self) -> u64 {
        crate::sniff::id_at(self.raw(), &["data", "id"])
            .or_else(|| crate::sniff::id_at(self.raw(), &["id"]))
            .unwrap_or_else(|| crate::sniff::hash_of(self.raw()))
    }
}

/// One source, its items tagged with its index.
struct Tagged<M> {
    index: usize,
    stream: EventStream<M>,
}

impl<M> Stream for Tagged<M> {
    type Item = (usize, Result<Event<M>, Error>);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let index = this.index;
        Pin::new(&mut this.stream)
            .poll_next(cx)
            .map(|o| o.map(|item| (index, item)))
    }
}

/// The window of keys seen, and how a message's key is read.
type Seen<M> = (Dedupe, fn(&M) -> u64);

/// Several event streams as one (see the [module docs](self)). A stream of
/// `(source index, item)`: an `Err` ends that source only (the others go on); the merge ends
/// when every source has.
pub struct Merge<M> {
    sources: SelectAll<Tagged<M>>,
    handles: Vec<StreamHandle>,
    dedupe: Option<Seen<M>>,
    duplicates: u64,
}

impl<M: Send + 'static> Merge<M> {
    /// Fan-in: every message of every source, in order of arrival (the partitions of one
    /// stream, or different streams).
    pub fn new(streams: Vec<EventStream<M>>) -> Merge<M> {
        let handles = streams.iter().map(EventStream::handle).collect();
        let sources = streams
            .into_iter()
            .enumerate()
            .map(|(index, stream)| Tagged { index, stream })
            .collect();
        Merge {
            sources,
            handles,
            dedupe: None,
            duplicates: 0,
        }
    }

    /// Redundant connections to the same stream: each message once (by
    /// [`MessageKey`], within the last `window` distinct messages), in order of first
    /// arrival. While one connection is up, losing another loses nothing.
    pub fn redundant(streams: Vec<EventStream<M>>, window: usize) -> Merge<M>
    where
        M: MessageKey,
    {
        let mut m = Merge::new(streams);
        m.dedupe = Some((Dedupe::new(window), M::message_key));
        m
    }
}

impl<M> Merge<M> {
    /// A handle per source (index order): its counters, and to stop it alone.
    pub fn handles(&self) -> &[StreamHandle] {
        &self.handles
    }

    /// Copies dropped because another connection delivered them first.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Stop every source.
    pub fn disconnect(&self) {
        for h in &self.handles {
            h.disconnect();
        }
    }
}

impl<M> Stream for Merge<M> {
    type Item = (usize, Result<Event<M>, Error>);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let item = match Pin::new(&mut this.sources).poll_next(cx) {
                Poll::Ready(Some(item)) => item,
                other => return other,
            };
            if let (Some((seen, key)), (_, Ok(Event::Message(m)))) = (&mut this.dedupe, &item) {
                if !seen.insert_id(key(m)) {
                    this.duplicates += 1;
                    continue;
                }
            }
            return Poll::Ready(Some(item));
        }
    }
}

impl<M> std::fmt::Debug for Merge<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merge")
            .field("sources", &self.handles.len())
            .field("duplicates", &self.duplicates)
            .finish_non_exhaustive()
    }
}
