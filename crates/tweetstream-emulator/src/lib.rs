//! A local emulator of the X (Twitter) streaming API, for tests, benchmarks and demos.
//!
//! It serves every v2 stream of X's OpenAPI (`/2/tweets/search/stream` with its rules API,
//! `sample`, `sample10`, `firehose` and the language firehoses, the like streams, the tweet,
//! user and like compliance streams, the label stream and the activity stream, with partitions,
//! backfill and `start_time`/`end_time` replays) and the v1.1 `statuses/filter` and
//! `statuses/sample` streams over HTTP/1.1 on 127.0.0.1, with X's framing, keep-alives, status
//! codes and error bodies, OAuth 1.0a verification, connection limits, gzip, scripted faults
//! ([`Scenario`]) and a record of everything it saw and sent ([`EmulatorHandle`],
//! [`event_id`]).
//!
//! Every stream is derived from one timeline of positions (the source's tweets, posted at the
//! configured rate): the tweet streams serve the tweet of each position, the other streams an
//! event about the tweet served [`EVENT_LAG`] positions earlier (a like, a compliance event,
//! a label, an activity event), so at rate R each stream carries R events per second.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emu = tweetstream_emulator::Emulator::builder()
//!     .bearer_token("t")
//!     .start()
//!     .await?;
//! emu.add_rule("cat", Some("cats")).ok();
//! println!("{}/2/tweets/search/stream", emu.base_url());
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// Handlers return an early `Response` as the error of their checks; it is built once per
// request, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod cli;
mod config;
pub mod data;
mod emulator;
mod http;
mod limits;
pub mod observe;
mod payload;
mod problems;
mod rules_store;
pub mod scenario;
mod server;
mod stream;
mod timeline;
mod v1;
mod v2;

pub use config::{
    ConnectionPolicy, NoRulesPolicy, OAuthCredentials, SlowReaders, V1Notices,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_QUEUE_BYTES,
};
pub use emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use observe::{
    AuthRecord, AuthScheme, CloseReason, ConnectionRecord, Counters, Event, Observed,
    RequestRecord, TimedEvent,
};
pub use payload::{event_id, EVENT_LAG};
pub use rules_store::RuleInfo;
pub use scenario::{AfterStall, Endpoints, Fate, Scenario, StatusVariant, Step, StreamEndpoint};
