//! A running stream: [`EventStream`], its [`Event`]s, and the [`StreamHandle`] that stops it
//! from elsewhere. Written once for every endpoint and message type, async and blocking.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::client::{Async, Mode};
use crate::endpoint::Endpoint;
use crate::error::RateLimit;
use crate::policy::ReconnectReason;
use crate::raw::{AsRaw, RawLine};
use crate::stats::{Counters, Stats};
use crate::supervisor::{Decoding, RunSettings, Supervisor, Untyped};
use crate::Error;

/// One event of a stream.
///
/// Everything the stream recovers from is an `Ok` event, including [`Event::Error`]; an `Err`
/// item is the error that **ended** the stream (a fatal status, giving up, a server's final
/// disconnect), and nothing follows it. So the idiomatic loop stops only at the end:
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use tweetstream::{AsyncStreamingClient, Event, StreamParams};
///
/// # async fn demo() -> Result<(), tweetstream::Error> {
/// let client = AsyncStreamingClient::new("bearer token")?;
/// let mut stream = client.sample(StreamParams::new())?;
/// while let Some(event) = stream.try_next().await? {
///     match event {
///         Event::Message(m) => println!("{:?}", m.data.as_ref().map(|t| &t.text)),
///         Event::Error(e) => eprintln!("recovered from: {e}"), // a bad line, a dropped connection…
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event<M> {
    /// Connected: the server answered 200.
    Connected {
        /// Rate-limit headers of the connect response.
        rate_limit: Option<RateLimit>,
    },
    /// A keep-alive (blank line) arrived.
    KeepAlive,
    /// A message arrived.
    Message(M),
    /// The server ended the stream cleanly (a reconnect follows unless the policy says otherwise).
    Closed,
    /// A reconnect is scheduled after `delay`.
    Reconnecting {
        /// How long the supervisor waits before connecting again.
        delay: Duration,
        /// Why.
        reason: ReconnectReason,
        /// Failed attempts since the last good connection.
        failed_attempts: u32,
    },
    /// The consumer fell behind a full read-ahead buffer with the
    /// [`DropOldest`](crate::WhenFull::DropOldest) policy: this many messages were dropped
    /// (also counted in [`Stats::dropped_slow`](crate::Stats::dropped_slow)).
    Dropped {
        /// Messages dropped since the last report.
        messages: u64,
    },
    /// A problem the stream recovered from, and goes on after: a message that could not be
    /// framed or decoded (its bytes are in the error), or the network or HTTP error of a
    /// connection that is being replaced (a [`Reconnecting`](Event::Reconnecting) follows).
    Error(Error),
}

impl<M> Event<M> {
    /// The same event with its message mapped by `f`.
    pub fn map<N>(self, f: impl FnOnce(M) -> N) -> Event<N> {
        match self {
            Event::Connected { rate_limit } => Event::Connected { rate_limit },
            Event::KeepAlive => Event::KeepAlive,
            Event::Message(m) => Event::Message(f(m)),
            Event::Closed => Event::Closed,
            Event::Reconnecting {
                delay,
                reason,
                failed_attempts,
            } => Event::Reconnecting {
                delay,
                reason,
                failed_attempts,
            },
            Event::Dropped { messages } => Event::Dropped { messages },
            Event::Error(e) => Event::Error(e),
        }
    }
}

pub(crate) type Item<M> = Result<Event<M>, Error>;

type Boxed<M> = Pin<Box<dyn Stream<Item = Item<M>> + Send>>;

/// A stream that has not been polled yet: it can still choose the raw path.
pub(crate) trait Opener<M>: Send {
    fn start(self: Box<Self>) -> Boxed<M>;
    fn raw(self: Box<Self>) -> Box<dyn Opener<RawLine>>;
}

/// The one [`Opener`]: an endpoint, a run's settings, and how to decode.
pub(crate) struct Open<E, D> {
    pub endpoint: E,
    pub run: RunSettings,
    pub decoding: PhantomData<fn() -> D>,
}

impl<E: Endpoint, D: Decoding<E>> Opener<D::Item> for Open<E, D> {
    fn start(self: Box<Self>) -> Boxed<D::Item> {
        Supervisor::<E, D>::new(self.endpoint, self.run).into_stream()
    }

    fn raw(self: Box<Self>) -> Box<dyn Opener<RawLine>> {
        Box::new(Open::<E, Untyped> {
            endpoint: self.endpoint,
            run: self.run,
            decoding: PhantomData,
        })
    }
}

enum State<M> {
    Pending(Box<dyn Opener<M>>),
    Running(Boxed<M>),
    Done,
}

/// A running stream: a [`futures_core::Stream`] of [`Event`]s (and, when blocking, an
/// [`Iterator`]), ending after [`disconnect`](Self::disconnect), a fatal error or giving up.
/// It connects on the first poll; dropping it closes the connection.
///
/// `M` is the message: [`Raw<T>`](crate::Raw) of the endpoint's typed message, or
/// [`RawLine`] after [`raw`](Self::raw). `Md` is [`Async`] or
/// [`Blocking`](crate::blocking::Blocking).
pub struct EventStream<M, Md = Async> {
    state: State<M>,
    handle: StreamHandle,
    exit: Arc<Mutex<Option<Error>>>,
    id_of: fn(&[u8]) -> Option<u64>,
    pub(crate) mode: Md,
}

impl<M: Send + 'static, Md: Mode> EventStream<M, Md> {
    pub(crate) fn new(
        opener: Box<dyn Opener<M>>,
        handle: StreamHandle,
        exit: Arc<Mutex<Option<Error>>>,
        id_of: fn(&[u8]) -> Option<u64>,
        mode: Md,
    ) -> Self {
        EventStream {
            state: State::Pending(opener),
            handle,
            exit,
            id_of,
            mode,
        }
    }

    /// Stop this stream (the client's other streams go on). From any task or thread, at any
    /// moment: the stream ends promptly and its socket is closed.
    pub fn disconnect(&self) {
        self.handle.disconnect()
    }

    /// A handle to stop this stream and read its counters from elsewhere.
    pub fn handle(&self) -> StreamHandle {
        self.handle.clone()
    }

    /// This stream's counters.
    pub fn stats(&self) -> Stats {
        self.handle.stats()
    }

    /// After the stream ended: the error that ended it, or `None` when it was disconnected.
    pub fn exit_error(&self) -> Option<Error> {
        self.exit.lock().ok().and_then(|g| g.clone())
    }

    /// The same stream without typed decoding: each message is a [`RawLine`] holding its bytes
    /// exactly as received. The supervisor still recognises in-band disconnects, and still
    /// drops the duplicates of a backfilled reconnect (reading only the id). This is the path
    /// for archiving at the speed of the transport.
    ///
    /// Called before the first poll (as usual: `client.sample(params)?.raw()`), no message is
    /// ever decoded. Called later, messages go on being decoded and are passed on raw.
    pub fn raw(self) -> EventStream<RawLine, Md>
    where
        M: AsRaw,
    {
        let id_of = self.id_of;
        let state = match self.state {
            State::Pending(opener) => State::Pending(opener.raw()),
            State::Running(s) => {
                let s = s.map(move |item| {
                    item.map(|e| e.map(|m| RawLine::new(m.as_raw().clone(), id_of)))
                });
                State::Running(Box::pin(s))
            }
            State::Done => State::Done,
        };
        EventStream {
            state,
            handle: self.handle,
            exit: self.exit,
            id_of,
            mode: self.mode,
        }
    }
}

impl<M, Md: Unpin> Stream for EventStream<M, Md> {
    type Item = Result<Event<M>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Running(s) => {
                    let r = s.as_mut().poll_next(cx);
                    if let Poll::Ready(None) = r {
                        this.state = State::Done;
                    }
                    return r;
                }
                State::Pending(_) => {
                    if let State::Pending(opener) = std::mem::replace(&mut this.state, State::Done)
                    {
                        this.state = State::Running(opener.start());
                    }
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

impl<M, Md> std::fmt::Debug for EventStream<M, Md> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("stats", &self.handle.stats())
            .finish_non_exhaustive()
    }
}

/// Stops one stream and reads its counters, from any task or thread. Cheap to clone.
#[derive(Clone)]
pub struct StreamHandle {
    cancel: CancellationToken,
    counters: Arc<Counters>,
}

impl StreamHandle {
    pub(crate) fn new(cancel: CancellationToken, counters: Arc<Counters>) -> StreamHandle {
        StreamHandle { cancel, counters }
    }

    /// Stop the stream: it ends promptly (also during a back-off wait) and closes its socket.
    pub fn disconnect(&self) {
        self.cancel.cancel();
    }

    /// Whether [`disconnect`](Self::disconnect) was called (or the client's, or the
    /// cancellation token the client was built with, was cancelled).
    pub fn is_disconnected(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The stream's counters.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }
}

impl std::fmt::Debug for StreamHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamHandle")
            .field("disconnected", &self.is_disconnected())
            .finish_non_exhaustive()
    }
}

/// What a client shares with its streams: the cancellation of the current generation (so
/// `disconnect()` works from any clone), the permits that keep two connections of one
/// endpoint and partition apart, and the totals of the counters.
pub(crate) struct Runs {
    /// The user's token, if the client was given one: every generation is its child.
    user_cancel: Option<CancellationToken>,
    current: Mutex<CancellationToken>,
    permits: Mutex<HashMap<String, usize>>,
    per_stream: usize,
    running: AtomicUsize,
    pub(crate) counters: Arc<Counters>,
}

impl Runs {
    pub(crate) fn new(user_cancel: Option<CancellationToken>, per_stream: usize) -> Runs {
        let current = match &user_cancel {
            Some(t) => t.child_token(),
            None => CancellationToken::new(),
        };
        Runs {
            user_cancel,
            current: Mutex::new(current),
            permits: Mutex::new(HashMap::new()),
            per_stream: per_stream.max(1),
            running: AtomicUsize::new(0),
            counters: Arc::new(Counters::default()),
        }
    }

    /// A token for a new stream: cancelled by the stream's own handle, by the client's
    /// `disconnect()`, or by the user's token.
    pub(crate) fn stream_token(&self) -> CancellationToken {
        match self.current.lock() {
            Ok(g) => g.child_token(),
            Err(_) => CancellationToken::new(),
        }
    }

    /// Stop every stream running now; streams opened later start a new generation.
    pub(crate) fn disconnect_all(&self) {
        if let Ok(mut g) = self.current.lock() {
            g.cancel();
            *g = match &self.user_cancel {
                Some(t) => t.child_token(),
                None => CancellationToken::new(),
            };
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire) > 0
    }

    /// A place for one more connection to `key`, or `AlreadyRunning`.
    pub(crate) fn acquire(self: &Arc<Self>, key: String) -> Result<Permit, Error> {
        let mut permits = self.permits.lock().map_err(|_| Error::AlreadyRunning)?;
        let n = permits.entry(key.clone()).or_insert(0);
        if *n >= self.per_stream {
            return Err(Error::AlreadyRunning);
        }
        *n += 1;
        self.running.fetch_add(1, Ordering::AcqRel);
        Ok(Permit {
            runs: Arc::clone(self),
            key,
        })
    }
}

/// One run's place among its client's streams. Only that run releases it, exactly once: when
/// it ends, or when it is dropped.
pub(crate) struct Permit {
    runs: Arc<Runs>,
    key: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut permits) = self.runs.permits.lock() {
            if let Some(n) = permits.get_mut(&self.key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    permits.remove(&self.key);
                }
            }
        }
        self.runs.running.fetch_sub(1, Ordering::AcqRel);
    }
}
