//! The endpoint seam: one trait that describes a stream. Everything else (the supervisor, the
//! dispatch to handlers, `run`/`run_threaded`, the `futures::Stream`, the blocking shell, the
//! raw archiving path) is written once, generic over it.
//!
//! An [`Endpoint`] says how to build the HTTP request of each attempt, how the body is framed,
//! how a frame decodes into its typed message, what a message means for the connection (an
//! in-band disconnect), the message's id for dedupe, and the stream's default stall timeout and
//! reconnect policy. It does no I/O: a [`Connector`](crate::Connector) sends the request, and
//! the client's [`Auth`](crate::Auth) signs it.
//!
//! The built-in streams are small implementations of it ([`TweetStream`](crate::TweetStream),
//! the v1.1 endpoint in [`v1`](crate::v1)); a user can write their own and open it with
//! [`Client::open`](crate::Client::open), as hbc's `RawEndpoint` allows:
//!
//! ```no_run
//! use bytes::Bytes;
//! use tweetstream::endpoint::{Attempt, Endpoint};
//! use tweetstream::models::DecodeError;
//! use tweetstream::{AsyncStreamingClient, Error};
//!
//! /// Any line-delimited JSON stream under the API base, as `serde_json::Value`s.
//! struct JsonLines(&'static str);
//!
//! impl Endpoint for JsonLines {
//!     type Message = serde_json::Value;
//!     fn request(&self, attempt: &Attempt<'_>) -> Result<http::Request<Bytes>, Error> {
//!         attempt.get(self.0, &[])
//!     }
//!     fn decode(&self, raw: &Bytes) -> Result<serde_json::Value, DecodeError> {
//!         tweetstream::models::decode_json(raw)
//!     }
//! }
//!
//! # async fn demo() -> Result<(), Error> {
//! let client = AsyncStreamingClient::new("bearer token")?;
//! let stream = client.open(JsonLines("2/tweets/sample/stream"))?;
//! # drop(stream); Ok(()) }
//! ```

use std::time::Duration;

use bytes::Bytes;
use url::Url;

use crate::framer::Framer;
use crate::models::DecodeError;
use crate::policy::{Backoff, ReconnectPolicy};
use crate::raw::Raw;
use crate::Error;

/// What a message means for the connection it arrived on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Control {
    /// Ordinary data: proof of a good connection.
    Data,
    /// The server is closing this connection (an operational disconnect): reconnect.
    Reconnect(String),
    /// The server is closing this connection because the client read too slowly (v2
    /// `SlowReader`, v1.1 disconnect code 4): reconnect, and count it.
    SlowReader(String),
    /// The server is closing this connection for good (a v1.1 `disconnect` whose code means
    /// "do not reconnect"): stop.
    Stop(String),
}

/// How a stream's body is cut into messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Framing {
    /// One message per `\r\n`-terminated line; blank lines are keep-alives (every X stream).
    #[default]
    Lines,
    /// v1.1's `delimited=length`: a byte count line before each message.
    LengthDelimited,
}

impl Framing {
    /// A framer of this kind with the given maximum message size. The decoders check UTF-8 on
    /// each whole message, so the framer does not check it again.
    pub fn framer(self, max_message_size: usize) -> Framer {
        match self {
            Framing::Lines => Framer::new(max_message_size).without_utf8_check(),
            Framing::LengthDelimited => {
                Framer::length_delimited(max_message_size).without_utf8_check()
            }
        }
    }
}

/// What an endpoint knows of the attempt it builds a request for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The client's API base URL (always ends with `/`).
    pub api_base: &'a Url,
    /// For a reconnect after data was received: how long ago the last bytes arrived (so how
    /// long the client has been away). `None` on the first connection.
    pub since_last_data: Option<Duration>,
}

impl<'a> Attempt<'a> {
    /// An attempt against `api_base`.
    pub fn new(api_base: &'a Url, since_last_data: Option<Duration>) -> Attempt<'a> {
        Attempt {
            api_base,
            since_last_data,
        }
    }

    /// `api_base` joined with a path such as `2/tweets/sample/stream`, with `query` appended.
    pub fn url(&self, path: &str, query: &[(String, String)]) -> Url {
        let mut u = self.api_base.clone();
        let base = u.path().trim_end_matches('/').to_string();
        u.set_path(&format!("{base}/{}", path.trim_start_matches('/')));
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    /// A `GET` of [`url`](Self::url)`(path, query)` with an empty body.
    pub fn get(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<http::Request<Bytes>, Error> {
        request(http::Method::GET, &self.url(path, query), None)
    }

    /// A `POST` of a form body (`application/x-www-form-urlencoded`).
    pub fn post_form(
        &self,
        path: &str,
        form: &[(String, String)],
    ) -> Result<http::Request<Bytes>, Error> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        request(http::Method::POST, &self.url(path, &[]), Some(body))
    }
}

/// An HTTP request with an optional form body.
fn request(
    method: http::Method,
    url: &Url,
    form: Option<String>,
) -> Result<http::Request<Bytes>, Error> {
    let mut b = http::Request::builder().method(method).uri(url.as_str());
    if form.is_some() {
        b = b.header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    }
    b.body(form.map(Bytes::from).unwrap_or_default())
        .map_err(|_| Error::invalid("api_base", "the URL is not a valid HTTP request target"))
}

/// One stream: how to request it and how to read it. See the [module docs](self).
///
/// Only [`request`](Self::request) and [`decode`](Self::decode) are required; the rest have
/// the defaults of X's v2 streams (`\r\n` lines, operational-disconnect lines recognised, a
/// 30 s stall timeout and [`Backoff`]).
pub trait Endpoint: Send + Sync + 'static {
    /// The typed message of this stream.
    type Message: Send + 'static;

    /// The request of one attempt (a fresh one each time, so OAuth 1.0a gets a fresh nonce and
    /// a backfilled reconnect its `backfill_minutes`). Without authentication: the client adds
    /// it.
    fn request(&self, attempt: &Attempt<'_>) -> Result<http::Request<Bytes>, Error>;

    /// Decode one message (the bytes between two delimiters, never a keep-alive).
    fn decode(&self, raw: &Bytes) -> Result<Self::Message, DecodeError>;

    /// How the body is framed (default: `\r\n` lines).
    fn framing(&self) -> Framing {
        Framing::Lines
    }

    /// What a decoded message means for the connection (default: [`inspect`](Self::inspect)
    /// of its bytes).
    fn control(&self, message: &Raw<Self::Message>) -> Control {
        self.inspect(message.raw())
    }

    /// What a message means for the connection, from its bytes alone and cheaply: the raw
    /// path's only look at a message. Default: X v2's in-band `errors` line with an
    /// `operational-disconnect` and no `data` means "reconnect".
    fn inspect(&self, raw: &[u8]) -> Control {
        crate::streams::v2_inspect(raw)
    }

    /// The function that reads a message's id from its bytes, for dedupe and for
    /// [`RawLine::id`](crate::RawLine::id). Default: `data.id`.
    fn id_reader(&self) -> fn(&[u8]) -> Option<u64> {
        crate::streams::v2_data_id
    }

    /// The id of a decoded message, for dedupe (default: [`id_reader`](Self::id_reader) on its
    /// bytes).
    fn message_id(&self, message: &Raw<Self::Message>) -> Option<u64> {
        (self.id_reader())(message.raw())
    }

    /// No byte for this long means a dead connection (default 30 s: X's v2 streams send a
    /// keep-alive every 20 s). The client's `stall_timeout` overrides it.
    fn stall_timeout(&self) -> Duration {
        Duration::from_secs(30)
    }

    /// A fresh reconnect policy for a run (default: [`Backoff`] with `max_retries`, 429 a rate
    /// limit). The client's `policy` overrides it.
    fn policy(&self, max_retries: Option<u32>) -> Box<dyn ReconnectPolicy> {
        Box::new(Backoff::with_max_retries(max_retries))
    }

    /// Which connections of a client count as "the same stream", so that by default only one
    /// of them runs at a time (X refuses or evicts a second one). Default: the method, path
    /// and `partition` of `request` (the request of a first attempt).
    fn connection_key(&self, request: &http::Request<Bytes>) -> String {
        let uri = request.uri();
        let partition = uri
            .query()
            .and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "partition")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        format!("{} {} {partition}", request.method(), uri.path())
    }

    /// Whether the stream ends for good when the server closes it cleanly (a recovery window
    /// with an end), instead of reconnecting (default false: X's streams are endless).
    fn finite(&self) -> bool {
        false
    }

    /// Whether the stream replays missed messages on reconnect, so that the supervisor must
    /// drop the ones already delivered (default false; the tweet streams set it with
    /// `backfill_on_reconnect`).
    fn dedupe(&self) -> bool {
        false
    }
}
