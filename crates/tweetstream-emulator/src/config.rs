//! Emulator options.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::data::Source;
use crate::scenario::Scenario;

/// What happens when a credential already has the maximum number of stream connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionPolicy {
    /// Refuse the new connection: 429 `TooManyConnections` on v2, 420 on v1.1 (X's observed
    /// behaviour; the default).
    #[default]
    RefuseNew,
    /// Close the oldest connection (v1.1: after a `disconnect` message with code 7) and
    /// accept the new one.
    EvictOldest,
}

impl std::str::FromStr for ConnectionPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "refuse-new" => Ok(ConnectionPolicy::RefuseNew),
            "evict-oldest" => Ok(ConnectionPolicy::EvictOldest),
            _ => Err(format!(
                "unknown connection policy {s:?} (expected refuse-new or evict-oldest)"
            )),
        }
    }
}

/// What `GET /2/tweets/search/stream` does when the app has no rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoRulesPolicy {
    /// Refuse with 409 `ConnectionException` / `RuleConfigurationIssue` (the default).
    #[default]
    Refuse,
    /// Accept the connection and send keep-alives until rules are added.
    KeepAlive,
}

impl std::str::FromStr for NoRulesPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "refuse" => Ok(NoRulesPolicy::Refuse),
            "keep-alive" => Ok(NoRulesPolicy::KeepAlive),
            _ => Err(format!(
                "unknown no-rules policy {s:?} (expected refuse or keep-alive)"
            )),
        }
    }
}

/// What a stream does when its client reads too slowly and the connection's queue (bytes handed
/// to the connection and not yet written to the socket) is full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlowReaders {
    /// Wait until the client reads (back-pressure; the default): nothing is dropped.
    #[default]
    Wait,
    /// Do what X does (at a fixed rate; at rate 0 a stream always waits, it goes as fast as
    /// its client reads): a v1.1 stream with `stall_warnings=true` first gets a `warning`
    /// FALLING_BEHIND once a write leaves the queue 60% full or more (once per connection);
    /// when the next write does not fit, the stream gets X's
    /// slow-consumer notice (v1.1 `disconnect` code 4 "stall", v2 an `operational-disconnect`
    /// line with `disconnect_type` SlowReader) after what is queued, and the connection closes
    /// (a client that resumes reading gets the queue, the notice, then the end).
    Disconnect,
}

impl std::str::FromStr for SlowReaders {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "wait" => Ok(SlowReaders::Wait),
            "disconnect" => Ok(SlowReaders::Disconnect),
            _ => Err(format!(
                "unknown slow-readers policy {s:?} (expected wait or disconnect)"
            )),
        }
    }
}

/// How often the v1.1 streams interleave notices, as "one per N statuses" (0 = never).
///
/// Counted per connection in statuses delivered. `limit` notices are sent on
/// `statuses/filter` only, `warning` only with `stall_warnings=true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct V1Notices {
    /// `delete` notices (default: 1 per 10 statuses, as X's sample carries many deletes).
    pub delete_every: u64,
    /// `limit` notices (default 1 per 1,000).
    pub limit_every: u64,
    /// `scrub_geo` notices (default 1 per 5,000).
    pub scrub_geo_every: u64,
    /// `status_withheld` notices (default 1 per 20,000).
    pub status_withheld_every: u64,
    /// `user_withheld` notices (default 1 per 20,000).
    pub user_withheld_every: u64,
    /// `warning` FALLING_BEHIND messages when `stall_warnings=true` (default 1 per 10,000).
    pub warning_every: u64,
}

impl Default for V1Notices {
    fn default() -> Self {
        V1Notices {
            delete_every: 10,
            limit_every: 1_000,
            scrub_geo_every: 5_000,
            status_withheld_every: 20_000,
            user_withheld_every: 20_000,
            warning_every: 10_000,
        }
    }
}

impl V1Notices {
    /// No notices at all: the v1.1 streams carry statuses only.
    pub fn none() -> V1Notices {
        V1Notices {
            delete_every: 0,
            limit_every: 0,
            scrub_geo_every: 0,
            status_withheld_every: 0,
            user_withheld_every: 0,
            warning_every: 0,
        }
    }
}

/// OAuth 1.0a credentials accepted by the v1.1 endpoints.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthCredentials {
    /// Consumer (API) key.
    pub consumer_key: String,
    /// Consumer (API) secret.
    pub consumer_secret: String,
    /// Access token.
    pub access_token: String,
    /// Access token secret.
    pub access_token_secret: String,
}

impl std::fmt::Debug for OAuthCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthCredentials")
            .field("consumer_key", &self.consumer_key)
            .field("access_token", &self.access_token)
            .finish_non_exhaustive()
    }
}

/// Largest request body accepted (rules requests, v1.1 form bodies): 1 MiB; larger → 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest request head (request line and headers): 64 KiB; larger → 431.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// Most bytes queued per stream connection (handed to the connection, not yet taken by the
/// HTTP layer): 128 KiB, about two writes. Beyond it the stream waits for its client, or
/// disconnects it ([`SlowReaders`]).
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 128 * 1024;

/// All emulator options (see [`crate::EmulatorBuilder`] for their meaning and defaults).
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub addr: SocketAddr,
    pub bearer_tokens: Vec<String>,
    pub oauth: Vec<OAuthCredentials>,
    pub source: Option<Source>,
    pub seed: u64,
    pub rate: f64,
    pub keep_alive_v2: Duration,
    pub keep_alive_v1: Duration,
    pub max_rule_length: usize,
    pub max_rules: usize,
    pub connection_policy: ConnectionPolicy,
    pub max_connections: usize,
    pub ghost_period: Duration,
    pub connect_rate_limit: u32,
    pub rate_limit_window: Duration,
    pub v1_notices: V1Notices,
    pub scenario: Scenario,
    pub messages_per_write: usize,
    pub write_bytes: usize,
    pub no_rules: NoRulesPolicy,
    pub oauth_max_skew: Duration,
    pub max_recorded_ids: usize,
    pub max_log_entries: usize,
    pub max_body_bytes: usize,
    pub max_header_bytes: usize,
    pub max_queue_bytes: usize,
    pub slow_readers: SlowReaders,
    pub gzip_level: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            bearer_tokens: Vec::new(),
            oauth: Vec::new(),
            source: None,
            seed: 0,
            rate: 0.0,
            keep_alive_v2: Duration::from_secs(20),
            keep_alive_v1: Duration::from_secs(30),
            max_rule_length: tweetstream_rules::DEFAULT_MAX_RULE_LENGTH,
            max_rules: 1_000,
            connection_policy: ConnectionPolicy::RefuseNew,
            max_connections: 1,
            ghost_period: Duration::ZERO,
            connect_rate_limit: 50,
            rate_limit_window: Duration::from_secs(15 * 60),
            v1_notices: V1Notices::default(),
            scenario: Scenario::default(),
            messages_per_write: 0,
            write_bytes: 64 * 1024,
            no_rules: NoRulesPolicy::Refuse,
            oauth_max_skew: Duration::from_secs(300),
            max_recorded_ids: 1_000_000,
            max_log_entries: 100_000,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_queue_bytes: DEFAULT_MAX_QUEUE_BYTES,
            slow_readers: SlowReaders::Wait,
            gzip_level: 1,
        }
    }
}
