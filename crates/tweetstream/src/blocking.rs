//! Blocking clients: the same [`Client`] in [`Blocking`] mode, which owns a Tokio runtime and
//! drives the async core, as `reqwest::blocking` does. Streams are [`Iterator`]s, or run with a
//! handler on this thread ([`run`](EventStream::run)) or on their own
//! ([`run_threaded`](EventStream::run_threaded), tweepy's `threaded=True`).
//!
//! ```no_run
//! use tweetstream::blocking::StreamingClient;
//! use tweetstream::{ConnectionHandler, StreamParams, StreamingHandler};
//! use tweetstream::models::v2::Tweet;
//!
//! struct IdPrinter;
//! impl ConnectionHandler for IdPrinter {}
//! impl StreamingHandler for IdPrinter {
//!     fn on_tweet(&mut self, tweet: &Tweet) {
//!         println!("{}", tweet.id);
//!     }
//! }
//!
//! let client = StreamingClient::new("bearer token")?;
//! // Blocks until disconnect() or a fatal error:
//! client.sample(StreamParams::new())?.run(IdPrinter)?;
//! // Or in a thread, like tweepy's threaded=True:
//! let thread = client.sample(StreamParams::new())?.run_threaded(IdPrinter)?;
//! thread.disconnect();
//! thread.join()?;
//! # Ok::<(), tweetstream::Error>(())
//! ```
//!
//! Do not call the blocking methods from inside an async runtime (they would block it); a
//! blocking client may be dropped anywhere, async code included.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::thread::JoinHandle;

use futures_util::StreamExt;

use crate::auth::{Bearer, OAuth1};
use crate::client::{Builder, Client, Mode};
use crate::handler::{drive, Handler};
use crate::stream::{EventStream, StreamHandle};
use crate::Error;

/// The blocking mode: owns a small multi-threaded Tokio runtime (one worker) shared by the
/// client, its clones and its streams.
#[derive(Clone)]
pub struct Blocking {
    rt: Arc<OwnedRuntime>,
}

impl fmt::Debug for Blocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Blocking")
    }
}

/// A runtime that can be dropped anywhere: in async code, dropping a runtime panics, so it is
/// shut down in the background instead, as reqwest's blocking client does with its thread.
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Blocking {
    /// Run a future to completion on the client's runtime, blocking this thread.
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        match &self.rt.0 {
            Some(rt) => rt.block_on(f),
            None => unreachable!("the runtime lives as long as its owner"),
        }
    }
}

impl Mode for Blocking {
    fn start() -> Result<Blocking, Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tweetstream-runtime")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))?;
        Ok(Blocking {
            rt: Arc::new(OwnedRuntime(Some(rt))),
        })
    }

    fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>> {
        self.rt.0.as_ref().map(|rt| rt.enter())
    }
}

/// The blocking v2 client: [`AsyncStreamingClient`](crate::AsyncStreamingClient)'s API without
/// `.await`.
pub type StreamingClient = Client<Bearer, Blocking>;

/// The builder of the blocking [`StreamingClient`].
pub type BlockingClientBuilder = Builder<Bearer, Blocking>;

/// The blocking v1.1 client (tweepy's `Stream`).
pub type Stream = Client<OAuth1, Blocking>;

/// A blocking stream: an [`Iterator`] of events, or [`run`](EventStream::run) /
/// [`run_threaded`](EventStream::run_threaded) with a handler.
pub type BlockingStream<M> = EventStream<M, Blocking>;

impl<M: Send + 'static> Iterator for EventStream<M, Blocking> {
    type Item = Result<crate::Event<M>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let mode = self.mode.clone();
        mode.block_on(StreamExt::next(self))
    }
}

impl<M: Send + 'static> EventStream<M, Blocking> {
    /// Run with a handler on this thread until disconnect or a fatal error; see
    /// [`EventStream::run`](EventStream::run) for what it returns.
    pub fn run<H: Handler<M>>(self, mut handler: H) -> Result<(), Error> {
        let mode = self.mode.clone();
        mode.block_on(drive(self, &mut handler))
    }

    /// Like [`run`](Self::run), borrowing the handler so its state can be read afterwards.
    pub fn run_with<H: Handler<M> + ?Sized>(self, handler: &mut H) -> Result<(), Error> {
        let mode = self.mode.clone();
        mode.block_on(drive(self, handler))
    }

    /// Run with a handler on a new thread named `tweetstream` (tweepy's `threaded=True`).
    pub fn run_threaded<H: Handler<M> + 'static>(self, handler: H) -> Result<StreamThread, Error> {
        let handle = self.handle();
        let thread = std::thread::Builder::new()
            .name("tweetstream".into())
            .spawn(move || self.run(handler))
            .map_err(|e| Error::Config(format!("cannot start the stream thread: {e}")))?;
        Ok(StreamThread { thread, handle })
    }
}

/// A stream running on its own thread (tweepy's `threaded=True`).
#[derive(Debug)]
pub struct StreamThread {
    thread: JoinHandle<Result<(), Error>>,
    handle: StreamHandle,
}

impl StreamThread {
    /// Stop the stream; the thread ends promptly.
    pub fn disconnect(&self) {
        self.handle.disconnect();
    }

    /// The stream's handle (counters, disconnect).
    pub fn handle(&self) -> &StreamHandle {
        &self.handle
    }

    /// Wait for the thread: `Ok(())` after a disconnect, or the error that ended the stream.
    pub fn join(self) -> Result<(), Error> {
        self.thread
            .join()
            .unwrap_or_else(|_| Err(Error::HandlerPanic("the stream thread panicked".into())))
    }

    /// Whether the thread has finished.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }
}

impl<A: crate::Auth> Client<A, Blocking> {
    /// A blocking client with the settings of an async client's builder.
    pub fn from_builder(builder: Builder<A, crate::Async>) -> Result<Self, Error> {
        builder.mode::<Blocking>().build()
    }

    /// Run an async call of the client on its runtime.
    pub(crate) fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.mode.block_on(f)
    }
}
