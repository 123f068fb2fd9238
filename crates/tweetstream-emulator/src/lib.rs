//! A local emulator of the X (Twitter) streaming API, for tests, benchmarks and demos.
//!
//! It serves the v2 streams (`/2/tweets/search/stream` with its rules API, `sample`,
//! `firehose` and `sample10` with partitions) and the v1.1 `statuses/filter` and
//! `statuses/sample` streams over HTTP/1.1 on 127.0.0.1, with X's framing, keep-alives,
//! status codes and error bodies, OAuth 1.0a verification, connection limits, gzip,
//! backfill, scripted faults ([`Scenario`]) and a record of everything it saw and sent
//! ([`EmulatorHandle`]).
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

pub use config::{ConnectionPolicy, NoRulesPolicy, OAuthCredentials, V1Notices};
pub use emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use observe::{
    AuthRecord, AuthScheme, CloseReason, ConnectionRecord, Counters, Event, Observed,
    RequestRecord, TimedEvent,
};
pub use rules_store::RuleInfo;
pub use scenario::{AfterStall, Endpoints, Fate, Scenario, StatusVariant, Step, StreamEndpoint};
