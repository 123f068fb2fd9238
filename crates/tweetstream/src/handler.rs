//! The tweepy way: a handler with one method per callback.
//!
//! Every method has a default that logs through `tracing` at the level tweepy uses, so a handler
//! overrides only what it needs. Callbacks run on the task that reads the stream: keep them
//! quick, or hand the work to a channel. To stop from inside a callback, call `disconnect()` on a
//! clone of the client (or on the [`EventStream`](crate::EventStream)); the stream stops right
//! after the callback returns, before any further read or back-off wait.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use futures_util::StreamExt;

use crate::client::{Async, Mode};
use crate::error::HttpError;
use crate::models::v2::{Includes, MatchingRule, Problem, StreamResponse, Tweet};
use crate::models::StreamMessage;
use crate::policy::ReconnectReason;
use crate::raw::{Raw, RawLine};
use crate::stream::{Event, EventStream};
use crate::Error;

/// Callbacks of the connection's life, shared by every handler family.
pub trait ConnectionHandler: Send {
    /// Connected (HTTP 200). Default: INFO "Stream connected".
    fn on_connect(&mut self) {
        tracing::info!("Stream connected");
    }
    /// A keep-alive arrived. Default: DEBUG.
    fn on_keep_alive(&mut self) {
        tracing::debug!("Received keep-alive signal");
    }
    /// The server closed the stream cleanly. Default: ERROR "Stream connection closed by X".
    fn on_closed(&mut self) {
        tracing::error!("Stream connection closed by X");
    }
    /// A network error, including a stall. Default: ERROR "Stream connection has errored or timed out".
    fn on_connection_error(&mut self, error: &Error) {
        tracing::error!("Stream connection has errored or timed out: {error}");
    }
    /// A non-200 status on connect, with X's body. Default: ERROR with the status and the body.
    fn on_request_error(&mut self, status: u16, error: &HttpError) {
        tracing::error!("Stream encountered HTTP error: {status}");
        tracing::error!("HTTP error response text: {}", error.body);
    }
    /// A reconnect is scheduled (tweetstream's addition). Default: INFO.
    fn on_reconnect(&mut self, delay: Duration, reason: &ReconnectReason) {
        tracing::info!("Reconnecting in {delay:?} ({reason})");
    }
    /// Any other error: a message that could not be framed or decoded (the stream goes on), or
    /// the error that ended the stream (giving up, a server disconnect, a handler panic).
    /// Default: ERROR "Stream encountered an exception".
    fn on_exception(&mut self, error: &Error) {
        tracing::error!("Stream encountered an exception: {error}");
    }
    /// The consumer fell behind a full read-ahead buffer and `messages` were dropped (only
    /// with [`WhenFull::DropOldest`](crate::WhenFull::DropOldest)). Default: WARNING.
    fn on_dropped(&mut self, messages: u64) {
        tracing::warn!("Dropped {messages} message(s): the consumer is too slow");
    }
    /// The stream ended; called exactly once per run. Default: INFO "Stream disconnected".
    fn on_disconnect(&mut self) {
        tracing::info!("Stream disconnected");
    }
}

/// The v2 callbacks, in tweepy's `StreamingClient` vocabulary and dispatch order:
/// `on_data`, then `on_tweet`, `on_includes`, `on_errors`, `on_matching_rules` (each only when
/// the message has that part), then `on_response` (always).
///
/// ```no_run
/// use tweetstream::{AsyncStreamingClient, ConnectionHandler, StreamParams, StreamingHandler};
/// use tweetstream::models::v2::Tweet;
///
/// struct IdPrinter;
/// impl ConnectionHandler for IdPrinter {}
/// impl StreamingHandler for IdPrinter {
///     fn on_tweet(&mut self, tweet: &Tweet) {
///         println!("{}", tweet.id);
///     }
/// }
///
/// # async fn demo() -> Result<(), tweetstream::Error> {
/// let client = AsyncStreamingClient::new("bearer token")?;
/// client.sample(StreamParams::new())?.run(IdPrinter).await?;
/// # Ok(()) }
/// ```
pub trait StreamingHandler: ConnectionHandler {
    /// The raw bytes of every message, before the typed callbacks. Default: nothing.
    fn on_data(&mut self, raw: &[u8]) {
        let _ = raw;
    }
    /// The message's tweet. Default: nothing.
    fn on_tweet(&mut self, tweet: &Tweet) {
        let _ = tweet;
    }
    /// The message's includes. Default: nothing.
    fn on_includes(&mut self, includes: &Includes) {
        let _ = includes;
    }
    /// The message's errors. Default: ERROR "Received errors".
    fn on_errors(&mut self, errors: &[Problem]) {
        tracing::error!("Received errors: {errors:?}");
    }
    /// The rules the tweet matched. Default: nothing.
    fn on_matching_rules(&mut self, matching_rules: &[MatchingRule]) {
        let _ = matching_rules;
    }
    /// The whole message. Default: DEBUG "Received response".
    fn on_response(&mut self, response: &StreamResponse) {
        tracing::debug!(
            "Received response: {:?}",
            response.data.as_ref().map(|t| &t.id)
        );
    }
}

/// How a handler receives the messages of a stream whose items are `M`: implemented for every
/// [`StreamingHandler`] (v2 tweets), [`v1::StreamHandler`](crate::v1::StreamHandler) and
/// [`RawHandler`], and by you for an endpoint of your own. With it, [`EventStream::run`],
/// `run_with` and the blocking `run`/`run_threaded` work for every stream.
pub trait Handler<M>: ConnectionHandler {
    /// One message, in the callbacks of this handler family.
    fn on_message(&mut self, message: &M);
}

impl<H: StreamingHandler + ?Sized> Handler<Raw<StreamResponse>> for H {
    fn on_message(&mut self, r: &Raw<StreamResponse>) {
        self.on_data(r.raw());
        if let Some(t) = &r.data {
            self.on_tweet(t);
        }
        if let Some(i) = &r.includes {
            self.on_includes(i);
        }
        if !r.errors.is_empty() {
            self.on_errors(&r.errors);
        }
        if !r.matching_rules.is_empty() {
            self.on_matching_rules(&r.matching_rules);
        }
        self.on_response(r);
    }
}

/// The callbacks of a v2 event stream (likes, compliance, labels, activity) whose events are
/// `D`: match on the event in [`on_event`](Self::on_event).
///
/// ```no_run
/// use tweetstream::models::compliance::TweetCompliance;
/// use tweetstream::{AsyncStreamingClient, ConnectionHandler, EventHandler, StreamParams};
///
/// struct Purger;
/// impl ConnectionHandler for Purger {}
/// impl EventHandler<TweetCompliance> for Purger {
///     fn on_event(&mut self, event: &TweetCompliance) {
///         if let TweetCompliance::Delete(d) = event {
///             println!("delete {} from the archive", d.tweet.id);
///         }
///     }
/// }
///
/// # async fn demo() -> Result<(), tweetstream::Error> {
/// let client = AsyncStreamingClient::new("bearer token")?;
/// client.tweets_compliance(StreamParams::new().partition(1))?.run(Purger).await
/// # }
/// ```
pub trait EventHandler<D>: ConnectionHandler {
    /// The raw bytes of every message, before the typed callbacks. Default: nothing.
    fn on_data(&mut self, raw: &[u8]) {
        let _ = raw;
    }
    /// The message's event. Default: DEBUG.
    fn on_event(&mut self, event: &D) {
        let _ = event;
        tracing::debug!("Received event");
    }
    /// The message's includes (likes). Default: nothing.
    fn on_includes(&mut self, includes: &Includes) {
        let _ = includes;
    }
    /// The message's errors. Default: ERROR "Received errors".
    fn on_errors(&mut self, errors: &[Problem]) {
        tracing::error!("Received errors: {errors:?}");
    }
}

impl<D, H: EventHandler<D> + ?Sized> Handler<Raw<StreamMessage<D>>> for H {
    fn on_message(&mut self, m: &Raw<StreamMessage<D>>) {
        self.on_data(m.raw());
        if let Some(e) = &m.data {
            self.on_event(e);
        }
        if let Some(i) = &m.includes {
            self.on_includes(i);
        }
        if !m.errors.is_empty() {
            self.on_errors(&m.errors);
        }
    }
}

/// The callbacks of a raw stream ([`EventStream::raw`]): the bytes of each message.
pub trait RawHandler: ConnectionHandler {
    /// One message, exactly as received. Default: nothing.
    fn on_data(&mut self, line: &RawLine) {
        let _ = line;
    }
}

impl<H: RawHandler + ?Sized> Handler<RawLine> for H {
    fn on_message(&mut self, line: &RawLine) {
        self.on_data(line);
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// An error to the callback of its kind.
fn on_error<H: ConnectionHandler + ?Sized>(handler: &mut H, e: &Error) {
    match e {
        Error::Connection(_) | Error::Stall(_) => handler.on_connection_error(e),
        Error::Http(h) => handler.on_request_error(h.status, h),
        Error::GaveUp { last, .. } => {
            if let Error::Http(h) = last.as_ref() {
                handler.on_request_error(h.status, h);
            } else if let Error::Connection(_) | Error::Stall(_) = last.as_ref() {
                handler.on_connection_error(last);
            }
            handler.on_exception(e)
        }
        e => handler.on_exception(e),
    }
}

/// Drive `handler` with every item of `stream`. Returns `Ok(())` when the stream was
/// disconnected, or the error that ended it.
pub(crate) async fn drive<M, Md, H>(
    mut stream: EventStream<M, Md>,
    handler: &mut H,
) -> Result<(), Error>
where
    M: Send + 'static,
    Md: Mode,
    H: Handler<M> + ?Sized,
{
    while let Some(item) = stream.next().await {
        let r = catch_unwind(AssertUnwindSafe(|| match &item {
            Ok(Event::Connected { .. }) => handler.on_connect(),
            Ok(Event::KeepAlive) => handler.on_keep_alive(),
            Ok(Event::Message(m)) => handler.on_message(m),
            Ok(Event::Closed) => handler.on_closed(),
            Ok(Event::Reconnecting { delay, reason, .. }) => handler.on_reconnect(*delay, reason),
            Ok(Event::Dropped { messages }) => handler.on_dropped(*messages),
            Ok(Event::Error(e)) | Err(e) => on_error(handler, e),
        }));
        if let Err(p) = r {
            stream.disconnect();
            let e = Error::HandlerPanic(panic_message(p));
            let _ = catch_unwind(AssertUnwindSafe(|| handler.on_exception(&e)));
            let _ = catch_unwind(AssertUnwindSafe(|| handler.on_disconnect()));
            return Err(e);
        }
    }
    let exit = stream.exit_error();
    drop(stream); // closes the socket before on_disconnect
    let _ = catch_unwind(AssertUnwindSafe(|| handler.on_disconnect()));
    match exit {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

impl<M: Send + 'static> EventStream<M, Async> {
    /// Run the stream to its end, calling `handler`'s callbacks. Returns `Ok(())` after
    /// `disconnect()`, or the error that ended the stream (a fatal status, giving up, a panic in
    /// a callback). `on_disconnect` is called exactly once, after the socket is closed.
    pub async fn run<H: Handler<M>>(self, mut handler: H) -> Result<(), Error> {
        drive(self, &mut handler).await
    }

    /// Like [`run`](Self::run), borrowing the handler so its state can be read afterwards.
    pub async fn run_with<H: Handler<M> + ?Sized>(self, handler: &mut H) -> Result<(), Error> {
        drive(self, handler).await
    }
}
