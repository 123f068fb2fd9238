//! Blocking clients: thin shells over the async core that own a Tokio runtime, as
//! `reqwest::blocking` does. Do not use them from inside an async runtime.
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

use std::sync::Arc;
use std::thread::JoinHandle;

use futures_util::StreamExt;

use crate::client::{AsyncStreamingClient, ClientBuilder, RuleSelector};
use crate::connector::Secret;
use crate::models::v2::{RulesResponse, StreamResponse, StreamRule};
use crate::stats::Stats;
use crate::stream::{Event, EventStream};
use crate::{Error, StreamParams, StreamingHandler};

pub(crate) fn runtime() -> Result<Arc<tokio::runtime::Runtime>, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("tweetstream-runtime")
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))
}

/// The blocking v2 client: the same API as [`AsyncStreamingClient`], without `.await`.
#[derive(Clone, Debug)]
pub struct StreamingClient {
    inner: AsyncStreamingClient,
    rt: Arc<tokio::runtime::Runtime>,
}

/// Builder of the blocking [`StreamingClient`].
#[derive(Debug, Clone)]
pub struct BlockingClientBuilder(ClientBuilder);

impl BlockingClientBuilder {
    /// Change the async builder's settings (`api_base`, `max_retries`, `proxy`, …).
    pub fn configure(self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        BlockingClientBuilder(f(self.0))
    }

    /// Build the client and its runtime.
    pub fn build(self) -> Result<StreamingClient, Error> {
        let rt = runtime()?;
        let inner = {
            let _guard = rt.enter();
            self.0.build()?
        };
        Ok(StreamingClient { inner, rt })
    }
}

impl StreamingClient {
    /// A client with default settings.
    pub fn new(bearer_token: impl Into<Secret>) -> Result<StreamingClient, Error> {
        StreamingClient::builder(bearer_token).build()
    }

    /// A builder; use [`BlockingClientBuilder::configure`] for the settings.
    pub fn builder(bearer_token: impl Into<Secret>) -> BlockingClientBuilder {
        BlockingClientBuilder(AsyncStreamingClient::builder(bearer_token))
    }

    /// Wrap an async client's settings into a blocking client with its own runtime.
    pub fn from_builder(builder: ClientBuilder) -> Result<StreamingClient, Error> {
        BlockingClientBuilder(builder).build()
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &AsyncStreamingClient {
        &self.inner
    }

    /// The sample stream.
    pub fn sample(&self, params: StreamParams) -> Result<BlockingStream<StreamResponse>, Error> {
        let _g = self.rt.enter();
        Ok(BlockingStream::new(
            self.inner.sample(params)?,
            self.rt.clone(),
        ))
    }

    /// The filtered stream.
    pub fn filter(&self, params: StreamParams) -> Result<BlockingStream<StreamResponse>, Error> {
        let _g = self.rt.enter();
        Ok(BlockingStream::new(
            self.inner.filter(params)?,
            self.rt.clone(),
        ))
    }

    /// The firehose (partition 1–20).
    pub fn firehose(&self, params: StreamParams) -> Result<BlockingStream<StreamResponse>, Error> {
        let _g = self.rt.enter();
        Ok(BlockingStream::new(
            self.inner.firehose(params)?,
            self.rt.clone(),
        ))
    }

    /// The 10% sample (partition 1–2).
    pub fn sample10(&self, params: StreamParams) -> Result<BlockingStream<StreamResponse>, Error> {
        let _g = self.rt.enter();
        Ok(BlockingStream::new(
            self.inner.sample10(params)?,
            self.rt.clone(),
        ))
    }

    /// Stop the running stream (from any thread).
    pub fn disconnect(&self) {
        self.inner.disconnect()
    }

    /// Whether a stream is running.
    pub fn is_running(&self) -> bool {
        self.inner.is_running()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.inner.stats()
    }

    /// Add rules.
    pub fn add_rules<I, R>(&self, rules: I, dry_run: bool) -> Result<RulesResponse, Error>
    where
        I: IntoIterator<Item = R>,
        R: Into<StreamRule>,
    {
        self.rt.block_on(self.inner.add_rules(rules, dry_run))
    }

    /// Delete rules by id or value.
    pub fn delete_rules(
        &self,
        which: impl Into<RuleSelector>,
        dry_run: bool,
    ) -> Result<RulesResponse, Error> {
        self.rt.block_on(self.inner.delete_rules(which, dry_run))
    }

    /// Delete every rule.
    pub fn delete_all_rules(&self, dry_run: bool) -> Result<RulesResponse, Error> {
        self.rt.block_on(self.inner.delete_all_rules(dry_run))
    }

    /// List rules.
    pub fn get_rules<S: AsRef<str>>(&self, ids: &[S]) -> Result<RulesResponse, Error> {
        self.rt.block_on(self.inner.get_rules(ids))
    }
}

/// A blocking stream: an [`Iterator`] of events, or [`run`](Self::run) /
/// [`run_threaded`](Self::run_threaded) with a handler.
pub struct BlockingStream<M> {
    stream: EventStream<M>,
    rt: Arc<tokio::runtime::Runtime>,
}

impl<M> std::fmt::Debug for BlockingStream<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingStream").finish_non_exhaustive()
    }
}

impl<M: Send + 'static> BlockingStream<M> {
    pub(crate) fn new(stream: EventStream<M>, rt: Arc<tokio::runtime::Runtime>) -> Self {
        BlockingStream { stream, rt }
    }

    /// Run `run` on a new thread named `tweetstream` (tweepy's `threaded=True`).
    fn spawn<F>(self, run: F) -> Result<StreamThread, Error>
    where
        F: FnOnce(Self) -> Result<(), Error> + Send + 'static,
    {
        let cancel = self.stream.cancel_token();
        let handle = std::thread::Builder::new()
            .name("tweetstream".into())
            .spawn(move || run(self))
            .map_err(|e| Error::Config(format!("cannot start the stream thread: {e}")))?;
        Ok(StreamThread { handle, cancel })
    }

    /// Stop this stream.
    pub fn disconnect(&self) {
        self.stream.disconnect()
    }
}

impl<M: Send + 'static> Iterator for BlockingStream<M> {
    type Item = Result<Event<M>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rt.block_on(self.stream.next())
    }
}

/// A stream running on its own thread (tweepy's `threaded=True`).
#[derive(Debug)]
pub struct StreamThread {
    handle: JoinHandle<Result<(), Error>>,
    cancel: tokio_util::sync::CancellationToken,
}

impl StreamThread {
    /// Stop the stream; the thread ends promptly.
    pub fn disconnect(&self) {
        self.cancel.cancel();
    }

    /// Wait for the thread: `Ok(())` after a disconnect, or the error that ended the stream.
    pub fn join(self) -> Result<(), Error> {
        self.handle
            .join()
            .unwrap_or_else(|_| Err(Error::HandlerPanic("the stream thread panicked".into())))
    }

    /// Whether the thread has finished.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

impl BlockingStream<StreamResponse> {
    /// Run with a handler on this thread until disconnect or a fatal error.
    pub fn run<H: StreamingHandler>(self, handler: H) -> Result<(), Error> {
        let rt = self.rt.clone();
        rt.block_on(self.stream.run(handler))
    }

    /// Run with a handler on a new thread named `tweetstream`.
    pub fn run_threaded<H: StreamingHandler + 'static>(
        self,
        handler: H,
    ) -> Result<StreamThread, Error> {
        self.spawn(move |stream| stream.run(handler))
    }
}

/// The blocking v1.1 stream client (tweepy's `Stream`).
#[derive(Clone, Debug)]
pub struct Stream {
    inner: crate::v1::AsyncStream,
    rt: Arc<tokio::runtime::Runtime>,
}

impl Stream {
    /// A client with default settings.
    pub fn new(credentials: crate::oauth::Credentials) -> Result<Stream, Error> {
        Stream::from_builder(crate::v1::AsyncStream::builder(credentials))
    }

    /// Build from the async builder's settings, with its own runtime.
    pub fn from_builder(builder: crate::v1::StreamBuilder) -> Result<Stream, Error> {
        let rt = runtime()?;
        let inner = {
            let _guard = rt.enter();
            builder.build()?
        };
        Ok(Stream { inner, rt })
    }

    /// `statuses/filter`.
    pub fn filter(
        &self,
        params: crate::v1::FilterParams,
    ) -> Result<BlockingStream<crate::v1::RawMessage>, Error> {
        let _g = self.rt.enter();
        Ok(BlockingStream::new(
            self.inner.filter(params)?,
            self.rt.clone(),
        ))
    }

    /// `statuses/sample`.
    pub fn sample(
        &self,
        params: crate::v1::SampleParams,
    ) -> Result<BlockingStream<crate::v1::RawMessage>, Error> {
        let _g = self.rt.enter();
        Ok(BlockingStream::new(
            self.inner.sample(params)?,
            self.rt.clone(),
        ))
    }

    /// Stop the running stream (from any thread).
    pub fn disconnect(&self) {
        self.inner.disconnect()
    }

    /// Whether a stream is running.
    pub fn is_running(&self) -> bool {
        self.inner.is_running()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.inner.stats()
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::v1::AsyncStream {
        &self.inner
    }
}

impl BlockingStream<crate::v1::RawMessage> {
    /// Run with a v1.1 handler on this thread until disconnect or a fatal error.
    pub fn run<H: crate::v1::StreamHandler>(self, handler: H) -> Result<(), Error> {
        let rt = self.rt.clone();
        rt.block_on(self.stream.run(handler))
    }

    /// Run with a v1.1 handler on a new thread named `tweetstream`.
    pub fn run_threaded<H: crate::v1::StreamHandler + 'static>(
        self,
        handler: H,
    ) -> Result<StreamThread, Error> {
        self.spawn(move |stream| stream.run(handler))
    }
}
