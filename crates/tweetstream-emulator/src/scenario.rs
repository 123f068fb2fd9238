//! Scripted faults: the fate of each successive stream connection attempt.
//!
//! A [`Scenario`] is an ordered list of [`Step`]s. Every connection attempt to a **stream**
//! endpoint (every v2 stream and v1.1 filter/sample — not the rules endpoints)
//! that passed authentication and parameter validation takes the first remaining step whose
//! [`Endpoints`] selector matches it; a step with `repeat: n` serves `n` attempts before it is
//! used up. Steps that do not match an attempt stay in place for later attempts, so a single
//! list can script one endpoint family, several, or all of them at once ("global" by default).
//! When no step matches, the attempt gets [`Scenario::after`] (default: [`Fate::Normal`]).
//!
//! In JSON (the binary's `--scenario FILE` also accepts the same structure in TOML):
//!
//! ```json
//! {
//!   "steps": [
//!     {"fate": "close_after", "messages": 5},
//!     {"fate": "status", "status": 429, "variant": "too_many_connections"},
//!     {"fate": "reset_after", "messages": 10, "endpoints": "v2", "repeat": 2},
//!     {"fate": "v1_disconnect", "after_messages": 3, "code": 12, "endpoints": "v1"},
//!     {"fate": "stall", "after_messages": 2, "duration_ms": 90000, "then": "close"}
//!   ],
//!   "after": {"fate": "normal"}
//! }
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which stream endpoints a [`Step`] applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoints {
    /// Every stream endpoint (the default).
    #[default]
    Any,
    /// Every v2 stream (`/2/…/stream…`).
    V2,
    /// Every v1.1 stream (`/1.1/statuses/…`).
    V1,
    /// `GET /2/tweets/search/stream`.
    V2Filtered,
    /// `GET /2/tweets/sample/stream`.
    V2Sample,
    /// `GET /2/tweets/firehose/stream`.
    V2Firehose,
    /// `GET /2/tweets/sample10/stream`.
    V2Sample10,
    /// `POST`/`GET /1.1/statuses/filter.json`.
    V1Filter,
    /// `GET /1.1/statuses/sample.json`.
    V1Sample,
    /// The four language firehoses (`/2/tweets/firehose/stream/lang/…`).
    V2FirehoseLang,
    /// `GET /2/tweets/firehose/stream/lang/en`.
    V2FirehoseEn,
    /// `GET /2/tweets/firehose/stream/lang/ja`.
    V2FirehoseJa,
    /// `GET /2/tweets/firehose/stream/lang/ko`.
    V2FirehoseKo,
    /// `GET /2/tweets/firehose/stream/lang/pt`.
    V2FirehosePt,
    /// `GET /2/likes/firehose/stream`.
    V2LikesFirehose,
    /// `GET /2/likes/sample10/stream`.
    V2LikesSample10,
    /// The three compliance streams (tweets, users, likes).
    V2Compliance,
    /// `GET /2/likes/compliance/stream`.
    V2LikesCompliance,
    /// `GET /2/tweets/compliance/stream`.
    V2TweetsCompliance,
    /// `GET /2/users/compliance/stream`.
    V2UsersCompliance,
    /// `GET /2/tweets/label/stream`.
    V2TweetsLabel,
    /// `GET /2/activity/stream`.
    V2Activity,
}

/// A stream endpoint of the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamEndpoint {
    /// `GET /2/tweets/search/stream`.
    V2Filtered,
    /// `GET /2/tweets/sample/stream`.
    V2Sample,
    /// `GET /2/tweets/firehose/stream`.
    V2Firehose,
    /// `GET /2/tweets/sample10/stream`.
    V2Sample10,
    /// `/1.1/statuses/filter.json`.
    V1Filter,
    /// `/1.1/statuses/sample.json`.
    V1Sample,
    /// `GET /2/tweets/firehose/stream/lang/en`.
    V2FirehoseEn,
    /// `GET /2/tweets/firehose/stream/lang/ja`.
    V2FirehoseJa,
    /// `GET /2/tweets/firehose/stream/lang/ko`.
    V2FirehoseKo,
    /// `GET /2/tweets/firehose/stream/lang/pt`.
    V2FirehosePt,
    /// `GET /2/likes/firehose/stream`.
    V2LikesFirehose,
    /// `GET /2/likes/sample10/stream`.
    V2LikesSample10,
    /// `GET /2/likes/compliance/stream`.
    V2LikesCompliance,
    /// `GET /2/tweets/compliance/stream`.
    V2TweetsCompliance,
    /// `GET /2/users/compliance/stream`.
    V2UsersCompliance,
    /// `GET /2/tweets/label/stream`.
    V2TweetsLabel,
    /// `GET /2/activity/stream`.
    V2Activity,
}

impl StreamEndpoint {
    /// Every stream endpoint: the v2 streams in the order of X's API reference, then v1.1.
    pub const ALL: [StreamEndpoint; 17] = [
        StreamEndpoint::V2Filtered,
        StreamEndpoint::V2Sample,
        StreamEndpoint::V2Sample10,
        StreamEndpoint::V2Firehose,
        StreamEndpoint::V2FirehoseEn,
        StreamEndpoint::V2FirehoseJa,
        StreamEndpoint::V2FirehoseKo,
        StreamEndpoint::V2FirehosePt,
        StreamEndpoint::V2LikesFirehose,
        StreamEndpoint::V2LikesSample10,
        StreamEndpoint::V2LikesCompliance,
        StreamEndpoint::V2TweetsCompliance,
        StreamEndpoint::V2UsersCompliance,
        StreamEndpoint::V2TweetsLabel,
        StreamEndpoint::V2Activity,
        StreamEndpoint::V1Filter,
        StreamEndpoint::V1Sample,
    ];

    /// Whether this is a v1.1 endpoint.
    pub fn is_v1(self) -> bool {
        matches!(self, StreamEndpoint::V1Filter | StreamEndpoint::V1Sample)
    }

    /// The request path.
    pub fn path(self) -> &'static str {
        match self {
            StreamEndpoint::V2Filtered => "/2/tweets/search/stream",
            StreamEndpoint::V2Sample => "/2/tweets/sample/stream",
            StreamEndpoint::V2Firehose => "/2/tweets/firehose/stream",
            StreamEndpoint::V2Sample10 => "/2/tweets/sample10/stream",
            StreamEndpoint::V1Filter => "/1.1/statuses/filter.json",
            StreamEndpoint::V1Sample => "/1.1/statuses/sample.json",
            StreamEndpoint::V2FirehoseEn => "/2/tweets/firehose/stream/lang/en",
            StreamEndpoint::V2FirehoseJa => "/2/tweets/firehose/stream/lang/ja",
            StreamEndpoint::V2FirehoseKo => "/2/tweets/firehose/stream/lang/ko",
            StreamEndpoint::V2FirehosePt => "/2/tweets/firehose/stream/lang/pt",
            StreamEndpoint::V2LikesFirehose => "/2/likes/firehose/stream",
            StreamEndpoint::V2LikesSample10 => "/2/likes/sample10/stream",
            StreamEndpoint::V2LikesCompliance => "/2/likes/compliance/stream",
            StreamEndpoint::V2TweetsCompliance => "/2/tweets/compliance/stream",
            StreamEndpoint::V2UsersCompliance => "/2/users/compliance/stream",
            StreamEndpoint::V2TweetsLabel => "/2/tweets/label/stream",
            StreamEndpoint::V2Activity => "/2/activity/stream",
        }
    }

    /// The endpoint serving `path`.
    pub fn from_path(path: &str) -> Option<StreamEndpoint> {
        StreamEndpoint::ALL.into_iter().find(|e| e.path() == path)
    }
}

impl Endpoints {
    /// Whether the selector covers `endpoint`.
    pub fn matches(self, endpoint: StreamEndpoint) -> bool {
        use StreamEndpoint as E;
        match self {
            Endpoints::Any => true,
            Endpoints::V2 => !endpoint.is_v1(),
            Endpoints::V1 => endpoint.is_v1(),
            Endpoints::V2FirehoseLang => matches!(
                endpoint,
                E::V2FirehoseEn | E::V2FirehoseJa | E::V2FirehoseKo | E::V2FirehosePt
            ),
            Endpoints::V2Compliance => matches!(
                endpoint,
                E::V2TweetsCompliance | E::V2UsersCompliance | E::V2LikesCompliance
            ),
            Endpoints::V2Filtered => endpoint == E::V2Filtered,
            Endpoints::V2Sample => endpoint == E::V2Sample,
            Endpoints::V2Firehose => endpoint == E::V2Firehose,
            Endpoints::V2Sample10 => endpoint == E::V2Sample10,
            Endpoints::V1Filter => endpoint == E::V1Filter,
            Endpoints::V1Sample => endpoint == E::V1Sample,
            Endpoints::V2FirehoseEn => endpoint == E::V2FirehoseEn,
            Endpoints::V2FirehoseJa => endpoint == E::V2FirehoseJa,
            Endpoints::V2FirehoseKo => endpoint == E::V2FirehoseKo,
            Endpoints::V2FirehosePt => endpoint == E::V2FirehosePt,
            Endpoints::V2LikesFirehose => endpoint == E::V2LikesFirehose,
            Endpoints::V2LikesSample10 => endpoint == E::V2LikesSample10,
            Endpoints::V2LikesCompliance => endpoint == E::V2LikesCompliance,
            Endpoints::V2TweetsCompliance => endpoint == E::V2TweetsCompliance,
            Endpoints::V2UsersCompliance => endpoint == E::V2UsersCompliance,
            Endpoints::V2TweetsLabel => endpoint == E::V2TweetsLabel,
            Endpoints::V2Activity => endpoint == E::V2Activity,
        }
    }
}

/// What happens after a stall.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterStall {
    /// Resume serving (the default).
    #[default]
    Continue,
    /// Close the connection cleanly.
    Close,
}

/// Which of X's bodies to send with a status fate whose status has several (429) or to pick a
/// specific one; `None` picks the usual body for the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusVariant {
    /// 429 `ConnectionException` / `TooManyConnections` (X's observed body; the default for 429).
    TooManyConnections,
    /// 429 `UsageCapExceeded` (monthly product cap).
    UsageCapped,
    /// 429 `Too Many Requests` (connect rate limit).
    RateLimit,
    /// 409 `ConnectionException` / `RuleConfigurationIssue` (the default for 409).
    RuleConfigurationIssue,
    /// 503 `ConnectionException` / `ProvisioningSubscription` (the default for 503).
    ProvisioningSubscription,
    /// 403 `client-forbidden` (the default for 403).
    ClientForbidden,
}

fn one() -> u32 {
    1
}
fn one_usize() -> usize {
    1
}
fn hundred() -> u64 {
    100
}
fn op_disconnect() -> String {
    "OperationalDisconnect".to_string()
}

/// The fate of one stream connection attempt.
///
/// "Messages" count every non-keep-alive line the connection sends (tweets, likes, compliance
/// and other events, v1.1 notices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "fate", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fate {
    /// Serve normally.
    #[default]
    Normal,
    /// Serve `messages` messages, then end the response cleanly (terminating chunk).
    CloseAfter {
        /// Messages to send first.
        messages: u64,
    },
    /// Serve `messages` messages, then half of the next one, then abort the connection
    /// (the chunked body ends without its terminating chunk).
    ResetAfter {
        /// Messages to send first.
        messages: u64,
    },
    /// After `after_messages` messages send nothing at all (not even keep-alives) for
    /// `duration_ms`, then continue or close.
    Stall {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
        /// Length of the stall.
        duration_ms: u64,
        /// What to do afterwards.
        #[serde(default)]
        then: AfterStall,
    },
    /// Send every write in pieces of `bytes` bytes, `interval_ms` apart.
    Drip {
        /// Piece size in bytes (default 1).
        #[serde(default = "one_usize")]
        bytes: usize,
        /// Pause between pieces (default 100 ms).
        #[serde(default = "hundred")]
        interval_ms: u64,
    },
    /// Answer the connection attempt with `status` and X's body for it (or `body`).
    Status {
        /// HTTP status.
        status: u16,
        /// Which of X's bodies (for statuses that have several).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variant: Option<StatusVariant>,
        /// A body to send instead of X's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// After `after_messages` messages send `lines` v2 operational-disconnect error lines,
    /// then close.
    OperationalDisconnect {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
        /// The `disconnect_type` (default `OperationalDisconnect`).
        #[serde(default = "op_disconnect")]
        disconnect_type: String,
        /// How many error lines (default 1).
        #[serde(default = "one")]
        lines: u32,
    },
    /// After `after_messages` messages send a v1.1 `disconnect` message, then close.
    V1Disconnect {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
        /// Disconnect code (1–12).
        code: u32,
        /// The `reason` text.
        #[serde(default)]
        reason: String,
    },
    /// After `after_messages` messages send one line that is not valid JSON, then continue.
    MalformedJson {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
    },
    /// After `after_messages` messages send one line that is not valid UTF-8, then continue.
    InvalidUtf8 {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
    },
    /// After `after_messages` messages send bytes that are not valid deflate data: on a gzip
    /// connection they break the compressed stream (the client must drop the connection and
    /// reconnect); on a plain connection they are one line of invalid UTF-8. Then continue.
    CorruptGzip {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
    },
    /// After `after_messages` messages send one JSON line of exactly `bytes` bytes (without
    /// its CRLF), then continue.
    OversizedLine {
        /// Messages to send first.
        #[serde(default)]
        after_messages: u64,
        /// Line length in bytes.
        bytes: usize,
    },
    /// Send nothing but keep-alives.
    KeepAlivesOnly,
}

impl Fate {
    /// [`Fate::Stall`] with a [`Duration`].
    pub fn stall(after_messages: u64, duration: Duration, then: AfterStall) -> Fate {
        Fate::Stall {
            after_messages,
            duration_ms: duration.as_millis().min(u64::MAX as u128) as u64,
            then,
        }
    }

    /// [`Fate::Drip`] with a [`Duration`].
    pub fn drip(bytes: usize, interval: Duration) -> Fate {
        Fate::Drip {
            bytes: bytes.max(1),
            interval_ms: interval.as_millis().min(u64::MAX as u128) as u64,
        }
    }

    /// [`Fate::Status`] with X's default body for `status`.
    pub fn status(status: u16) -> Fate {
        Fate::Status {
            status,
            variant: None,
            body: None,
        }
    }

    /// [`Fate::Status`] with a particular X body.
    pub fn status_variant(status: u16, variant: StatusVariant) -> Fate {
        Fate::Status {
            status,
            variant: Some(variant),
            body: None,
        }
    }

    /// [`Fate::OperationalDisconnect`] with one `OperationalDisconnect` line.
    pub fn operational_disconnect(after_messages: u64) -> Fate {
        Fate::OperationalDisconnect {
            after_messages,
            disconnect_type: op_disconnect(),
            lines: 1,
        }
    }

    /// [`Fate::V1Disconnect`] with an empty reason.
    pub fn v1_disconnect(after_messages: u64, code: u32) -> Fate {
        Fate::V1Disconnect {
            after_messages,
            code,
            reason: String::new(),
        }
    }

    /// A short description for logs.
    pub fn describe(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"))
    }
}

/// One step of a [`Scenario`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The fate given to the attempts this step serves.
    #[serde(flatten)]
    pub fate: Fate,
    /// Which endpoints the step applies to (default: any stream endpoint).
    #[serde(default, skip_serializing_if = "is_any")]
    pub endpoints: Endpoints,
    /// How many attempts the step serves (default 1).
    #[serde(default = "one")]
    pub repeat: u32,
}

fn is_any(e: &Endpoints) -> bool {
    *e == Endpoints::Any
}

/// A script of connection fates. See the [module documentation](self).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The steps, consumed in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The fate of attempts once no step matches (default: normal).
    #[serde(default)]
    pub after: Fate,
}

impl Scenario {
    /// An empty scenario: every connection is served normally.
    pub fn new() -> Scenario {
        Scenario::default()
    }

    /// Append a step for any stream endpoint.
    pub fn then(mut self, fate: Fate) -> Scenario {
        self.steps.push(Step {
            fate,
            endpoints: Endpoints::Any,
            repeat: 1,
        });
        self
    }

    /// Append a step that serves `repeat` attempts to `endpoints`.
    pub fn then_on(mut self, endpoints: Endpoints, fate: Fate, repeat: u32) -> Scenario {
        self.steps.push(Step {
            fate,
            endpoints,
            repeat,
        });
        self
    }

    /// Set the fate of attempts after the script.
    pub fn after(mut self, fate: Fate) -> Scenario {
        self.after = fate;
        self
    }

    /// Parse a scenario from JSON.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid scenario JSON: {e}"))
    }

    /// Parse a scenario from TOML.
    pub fn from_toml(text: &str) -> Result<Scenario, String> {
        toml::from_str(text).map_err(|e| format!("invalid scenario TOML: {e}"))
    }

    /// Load a scenario file: TOML when the name ends in `.toml`, JSON otherwise.
    pub fn from_path(path: &std::path::Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            Scenario::from_toml(&text)
        } else {
            Scenario::from_json(&text)
        }
    }
}

/// The live state of a scenario inside a running emulator.
#[derive(Debug, Default)]
pub(crate) struct ScenarioState {
    steps: Vec<(Step, u32)>,
    after: Fate,
}

impl ScenarioState {
    pub(crate) fn new(s: Scenario) -> ScenarioState {
        let mut st = ScenarioState::default();
        st.replace(s);
        st
    }

    pub(crate) fn replace(&mut self, s: Scenario) {
        self.steps = s
            .steps
            .into_iter()
            .filter(|st| st.repeat > 0)
            .map(|st| {
                let n = st.repeat;
                (st, n)
            })
            .collect();
        self.after = s.after;
    }

    pub(crate) fn push(&mut self, step: Step) {
        if step.repeat > 0 {
            let n = step.repeat;
            self.steps.push((step, n));
        }
    }

    /// Take the fate for an attempt at `endpoint`; the bool says whether it came from a step.
    pub(crate) fn take(&mut self, endpoint: StreamEndpoint) -> (Fate, bool) {
        if let Some(ix) = self
            .steps
            .iter()
            .position(|(s, _)| s.endpoints.matches(endpoint))
        {
            let fate = self.steps[ix].0.fate.clone();
            self.steps[ix].1 -= 1;
            if self.steps[ix].1 == 0 {
                self.steps.remove(ix);
            }
            return (fate, true);
        }
        (self.after.clone(), false)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.steps.iter().map(|(_, n)| *n as usize).sum()
    }
}
