//! # tweetstream
//!
//! Consume the X (Twitter) streaming APIs from Rust: v2 `sample`/`filter` (and the partitioned
//! firehose/sample10) with rules, and v1.1 `statuses/filter`/`statuses/sample` with OAuth 1.0a.
//! Reconnection follows X's back-off guidelines, a stall watchdog is on by default, every message
//! is typed and its raw bytes kept, and you consume either with tweepy-style handler callbacks
//! or as a `futures::Stream` of events.
//!
//! ## A `futures::Stream` of events
//!
//! Everything the stream recovers from (a dropped connection, a bad line) is an `Ok` event, so
//! `?` ends the loop only when the stream itself ended:
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use tweetstream::{AsyncStreamingClient, Event, StreamParams, StreamRule};
//!
//! # async fn demo() -> Result<(), tweetstream::Error> {
//! let client = AsyncStreamingClient::builder("bearer token").build()?;
//! client.add_rules([StreamRule::tagged("rust lang:en", "rust")], false).await?;
//! let mut stream = client.filter(StreamParams::new().tweet_fields(["created_at"]))?;
//! while let Some(event) = stream.try_next().await? {
//!     match event {
//!         Event::Message(response) => println!("{:?}", response.data.as_ref().map(|t| &t.text)),
//!         Event::Error(e) => eprintln!("recovered: {e}"),
//!         _ => {} // connected, keep-alive, reconnecting…
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! ## A handler, the tweepy way
//!
//! ```no_run
//! use tweetstream::{AsyncStreamingClient, ConnectionHandler, StreamParams, StreamingHandler};
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
//! # async fn demo() -> Result<(), tweetstream::Error> {
//! AsyncStreamingClient::new("bearer token")?
//!     .sample(StreamParams::new())?
//!     .run(IdPrinter)
//!     .await
//! # }
//! ```
//!
//! ## Behind a corporate proxy, without gaps
//!
//! ```no_run
//! use tweetstream::{AsyncStreamingClient, StreamParams};
//!
//! # async fn demo() -> Result<(), tweetstream::Error> {
//! let client = AsyncStreamingClient::builder("bearer token")
//!     .proxy("socks5://proxy.corp.example:1080") // or HTTPS_PROXY / ALL_PROXY / NO_PROXY
//!     .ca_bundle("/etc/corp/ca.pem")             // a TLS-inspecting proxy's authority
//!     .build()?;
//! // Each reconnect replays the minutes missed; tweets already delivered are dropped.
//! let stream = client.filter(StreamParams::new().backfill_on_reconnect())?;
//! # drop(stream); Ok(()) }
//! ```
//!
//! The blocking clients are in [`blocking`]. Point `api_base` at the local emulator
//! (crate `tweetstream-emulator`) to test offline.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
pub mod blocking;
mod client;
pub mod connector;
pub mod dedupe;
pub mod endpoint;
mod error;
pub mod framer;
mod handler;
pub mod inflate;
pub mod merge;
pub mod models;
pub mod oauth;
mod params;
pub mod policy;
mod raw;
mod readahead;
pub mod rules;
mod rules_api;
mod settings;
pub mod sniff;
mod stats;
mod stream;
pub mod streams;
mod supervisor;
pub mod v1;

pub use auth::{Auth, Bearer, OAuth1};
pub use client::{
    Async, AsyncStreamingClient, Builder, Client, ClientBuilder, Mode, DEFAULT_API_BASE,
    DEFAULT_V2_STALL_TIMEOUT,
};
/// The string type of the typed models: a `String` that keeps up to 24 bytes inline (ids, dates,
/// languages, user names), so decoding them allocates nothing. It derefs to `str`.
pub use compact_str::CompactString;
pub use connector::{Connector, ReqwestConnector};
pub use endpoint::Endpoint;
pub use error::{
    Cause, ConnectionError, ConnectionErrorKind, Error, HttpError, RateLimit, RawBytes,
};
pub use handler::{ConnectionHandler, EventHandler, Handler, RawHandler, StreamingHandler};
pub use models::v2::{StreamResponse, StreamRule};
pub use params::{
    StreamParams, EXPANSIONS, MEDIA_FIELDS, PLACE_FIELDS, POLL_FIELDS, TWEET_FIELDS, USER_FIELDS,
};
pub use policy::ReconnectReason;
pub use raw::{AsRaw, Raw, RawLine};
pub use readahead::WhenFull;
pub use rules_api::{RuleSelector, RulesQuery, RULES_COUNT_FIELDS};
pub use settings::{PolicyFactory, Secret, DEFAULT_USER_AGENT};
pub use stats::Stats;
pub use stream::{Event, EventStream, StreamHandle};
pub use streams::{Lang, TweetStream, V2Stream};
/// The cancellation token type [`Builder::cancellation_token`] takes (from `tokio-util`).
pub use tokio_util::sync::CancellationToken;
