//! API v1.1 streams (OAuth 1.0a): [`AsyncStream`] and, in [`blocking`](crate::blocking), `Stream`:
//! the same [`Client`] with [`OAuth1`] credentials, reading one [`Endpoint`].
//!
//! `filter(follow, track, locations, filter_level, languages, stall_warnings)` is a form POST to
//! `/1.1/statuses/filter.json`; `sample(languages, stall_warnings)` a GET of
//! `/1.1/statuses/sample.json`. Every message type is dispatched to its callback in tweepy's
//! order, or yielded as a [`Message`].
//!
//! ```no_run
//! use tweetstream::oauth::Credentials;
//! use tweetstream::v1::{AsyncStream, FilterParams, StreamHandler};
//! use tweetstream::models::v1::Status;
//! use tweetstream::ConnectionHandler;
//!
//! struct IdPrinter;
//! impl ConnectionHandler for IdPrinter {}
//! impl StreamHandler for IdPrinter {
//!     fn on_status(&mut self, status: &Status) {
//!         println!("{}", status.id);
//!     }
//! }
//!
//! # async fn demo() -> Result<(), tweetstream::Error> {
//! let creds = Credentials::new("consumer key", "consumer secret", "access token", "access token secret");
//! let stream = AsyncStream::new(creds)?;
//! stream.filter(FilterParams::new().track(["rust", "tokio"]))?.run(IdPrinter).await
//! # }
//! ```

mod params;

use bytes::Bytes;

use crate::auth::OAuth1;
use crate::client::{Async, Builder, Client, Mode};
use crate::endpoint::{Attempt, Control, Endpoint, Framing};
use crate::handler::{ConnectionHandler, Handler};
pub use crate::models::v1::{
    Delete, Disconnect, Limit, Message, ScrubGeo, Status, StatusWithheld, UserWithheld, Warning,
};
use crate::models::DecodeError;
use crate::oauth::Credentials;
use crate::policy::{Backoff, ReconnectPolicy};
use crate::raw::Raw;
use crate::stream::EventStream;
use crate::Error;

pub use params::{
    FilterLevel, FilterParams, SampleParams, DEFAULT_STREAM_BASE, DEFAULT_V1_STALL_TIMEOUT,
    MAX_FOLLOW_IDS, MAX_LOCATION_BOXES, MAX_TRACK_PHRASES, MAX_TRACK_PHRASE_BYTES,
};

/// The async v1.1 stream client (OAuth 1.0a user context). Cheap to clone. See [`Client`].
pub type AsyncStream = Client<OAuth1, Async>;

/// The builder of [`AsyncStream`].
pub type StreamBuilder = Builder<OAuth1, Async>;

/// A v1.1 message with its raw bytes.
pub type RawMessage = Raw<Message>;

/// The v1.1 callbacks, in tweepy's `Stream` vocabulary. Dispatch order (first match wins):
/// status, delete, disconnect, limit, scrub_geo, status_withheld, user_withheld, warning,
/// otherwise `on_unknown`.
pub trait StreamHandler: ConnectionHandler {
    /// The raw bytes of every message, before the typed callback. Default: nothing.
    fn on_data(&mut self, raw: &[u8]) {
        let _ = raw;
    }
    /// A status (tweet). Default: DEBUG with its id.
    fn on_status(&mut self, status: &Status) {
        tracing::debug!("Received status: {}", status.id);
    }
    /// A deletion notice. Default: DEBUG.
    fn on_delete(&mut self, status_id: u64, user_id: u64) {
        tracing::debug!("Received status deletion notice: {status_id}");
        let _ = user_id;
    }
    /// A `disconnect` message. Default: WARNING. (The stream then reconnects or stops as the code means.)
    fn on_disconnect_message(&mut self, message: &Disconnect) {
        tracing::warn!("Received disconnect message: {message:?}");
    }
    /// A limit notice: undelivered tweets since the connection opened. Default: DEBUG.
    fn on_limit(&mut self, track: u64) {
        tracing::debug!("Received limit notice: {track}");
    }
    /// A location deletion notice. Default: DEBUG.
    fn on_scrub_geo(&mut self, notice: &ScrubGeo) {
        tracing::debug!("Received location deletion notice: {notice:?}");
    }
    /// A status withheld notice. Default: DEBUG.
    fn on_status_withheld(&mut self, notice: &StatusWithheld) {
        tracing::debug!("Received status withheld content notice: {notice:?}");
    }
    /// A user withheld notice. Default: DEBUG.
    fn on_user_withheld(&mut self, notice: &UserWithheld) {
        tracing::debug!("Received user withheld content notice: {notice:?}");
    }
    /// A stall warning. Default: WARNING.
    fn on_warning(&mut self, warning: &Warning) {
        tracing::warn!("Received stall warning: {warning:?}");
    }
    /// Any other message, raw. Default: ERROR "Received unknown message type".
    fn on_unknown(&mut self, raw: &[u8]) {
        tracing::error!(
            "Received unknown message type: {}",
            String::from_utf8_lossy(raw)
        );
    }
}

impl<H: StreamHandler + ?Sized> Handler<Raw<Message>> for H {
    fn on_message(&mut self, m: &Raw<Message>) {
        self.on_data(m.raw());
        match m.message() {
            Message::Status(s) => self.on_status(s),
            Message::Delete(d) => self.on_delete(d.status.id, d.status.user_id),
            Message::Disconnect(d) => self.on_disconnect_message(d),
            Message::Limit(l) => self.on_limit(l.track),
            Message::ScrubGeo(s) => self.on_scrub_geo(s),
            Message::StatusWithheld(s) => self.on_status_withheld(s),
            Message::UserWithheld(u) => self.on_user_withheld(u),
            Message::Warning(w) => self.on_warning(w),
            Message::Unknown(_) => self.on_unknown(m.raw()),
        }
    }
}

/// A v1.1 stream: `statuses/filter` (a signed form POST) or `statuses/sample` (a GET).
#[derive(Debug, Clone)]
pub struct V1Stream {
    path: &'static str,
    /// `Some`: a form POST; `None`: a GET with `query`.
    form: Option<Vec<(String, String)>>,
    query: Vec<(String, String)>,
    delimited: bool,
}

impl V1Stream {
    /// `POST /1.1/statuses/filter.json` with these (validated) parameters.
    pub fn filter(params: &FilterParams) -> Result<V1Stream, Error> {
        params.validate()?;
        Ok(V1Stream {
            path: "1.1/statuses/filter.json",
            form: Some(params.form_pairs()),
            query: Vec::new(),
            delimited: params.delimited,
        })
    }

    /// `GET /1.1/statuses/sample.json` with these (validated) parameters.
    pub fn sample(params: &SampleParams) -> Result<V1Stream, Error> {
        params.validate()?;
        Ok(V1Stream {
            path: "1.1/statuses/sample.json",
            form: None,
            query: params.query_pairs(),
            delimited: params.delimited,
        })
    }
}

impl Endpoint for V1Stream {
    type Message = Message;

    fn request(&self, attempt: &Attempt<'_>) -> Result<http::Request<Bytes>, Error> {
        match &self.form {
            Some(form) => attempt.post_form(self.path, form),
            None => attempt.get(self.path, &self.query),
        }
    }

    fn decode(&self, raw: &Bytes) -> Result<Message, DecodeError> {
        Message::decode(raw)
    }

    fn framing(&self) -> Framing {
        if self.delimited {
            Framing::LengthDelimited
        } else {
            Framing::Lines
        }
    }

    fn control(&self, m: &Raw<Message>) -> Control {
        match m.message() {
            Message::Disconnect(d) => disconnect_control(d),
            _ => Control::Data,
        }
    }

    fn inspect(&self, raw: &[u8]) -> Control {
        if crate::sniff::first_key(raw) != Some(b"disconnect") {
            return Control::Data;
        }
        match Message::decode(raw) {
            Ok(Message::Disconnect(d)) => disconnect_control(&d),
            _ => Control::Data,
        }
    }

    fn id_reader(&self) -> fn(&[u8]) -> Option<u64> {
        v1_id
    }

    /// X allows one standing connection per account to the v1.1 public streams, `filter` and
    /// `sample` together (a second one disconnects the first).
    fn connection_key(&self, _request: &http::Request<Bytes>) -> String {
        "v1.1 public streams".to_string()
    }

    fn stall_timeout(&self) -> std::time::Duration {
        DEFAULT_V1_STALL_TIMEOUT
    }

    /// [`Backoff::v1`]: 420 ("Enhance your calm") is a rate limit too.
    fn policy(&self, max_retries: Option<u32>) -> Box<dyn ReconnectPolicy> {
        Box::new(Backoff::v1(max_retries))
    }
}

fn disconnect_control(d: &Disconnect) -> Control {
    let why = format!("disconnect code {}: {}", d.code, d.reason);
    if d.code == 4 {
        Control::SlowReader(why)
    } else if d.should_reconnect() {
        Control::Reconnect(why)
    } else {
        Control::Stop(why)
    }
}

/// The id of a v1.1 message: a status's `id`.
fn v1_id(raw: &[u8]) -> Option<u64> {
    crate::sniff::id_at(raw, &["id"])
}

impl<Md: Mode> Client<OAuth1, Md> {
    /// A v1.1 client with default settings.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Self::builder(credentials).build()
    }

    /// A builder for the other settings.
    pub fn builder(credentials: Credentials) -> Builder<OAuth1, Md> {
        Builder::new(OAuth1::new(credentials))
    }

    /// `POST /1.1/statuses/filter.json` with a form body.
    pub fn filter(&self, params: FilterParams) -> Result<EventStream<Raw<Message>, Md>, Error> {
        self.open(V1Stream::filter(&params)?)
    }

    /// `GET /1.1/statuses/sample.json`.
    pub fn sample(&self, params: SampleParams) -> Result<EventStream<Raw<Message>, Md>, Error> {
        self.open(V1Stream::sample(&params)?)
    }
}
