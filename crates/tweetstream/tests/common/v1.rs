//! Helpers shared by the v1.1 integration tests: an OAuth-verifying emulator serving the shared
//! corpus, a handler that records every callback with its arguments, the loss/duplicate check
//! and a recording HTTP proxy (to see the `Authorization` headers the client sent).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;
use tweetstream::models::v1::{
    Disconnect, ScrubGeo, Status, StatusWithheld, UserWithheld, Warning,
};
use tweetstream::oauth::Credentials;
use tweetstream::v1::{AsyncStream, StreamBuilder, StreamHandler};
use tweetstream::{ConnectionHandler, Error, HttpError, ReconnectReason};
use tweetstream_emulator::data::Source;
use tweetstream_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, V1Notices};

#[allow(unused_imports)] // not every test binary that includes this module uses it
pub use super::proxies::{self, RecordingProxy};

pub const CONSUMER_KEY: &str = "ck-test";
pub const CONSUMER_SECRET: &str = "cs-5ecret";
pub const ACCESS_TOKEN: &str = "at-test";
pub const ACCESS_TOKEN_SECRET: &str = "ats-5ecret";

pub fn creds() -> Credentials {
    Credentials::new(
        CONSUMER_KEY,
        CONSUMER_SECRET,
        ACCESS_TOKEN,
        ACCESS_TOKEN_SECRET,
    )
}

/// A file of the shared data directory (a sibling of the repository).
pub fn data_path(name: &str) -> String {
    format!("{}/../../../shared/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// shared/data/twitter.json: 100 real v1.1 statuses, replayed in a loop with fresh ids.
pub fn corpus() -> Source {
    static S: OnceLock<Source> = OnceLock::new();
    S.get_or_init(|| {
        Source::from_path(std::path::Path::new(&data_path("twitter.json")))
            .expect("shared/data/twitter.json")
    })
    .clone()
}

/// An emulator that verifies our OAuth credentials, serves the corpus and sends no notices
/// unless a test asks for them.
pub fn emulator() -> EmulatorBuilder {
    Emulator::builder()
        .source(corpus())
        .oauth_credentials(
            CONSUMER_KEY,
            CONSUMER_SECRET,
            ACCESS_TOKEN,
            ACCESS_TOKEN_SECRET,
        )
        .seed(7)
        .connect_rate_limit(10_000, Duration::from_secs(900))
        .v1_notices(V1Notices::none())
}

/// Every notice type, often.
pub fn all_notices() -> V1Notices {
    V1Notices {
        delete_every: 2,
        limit_every: 3,
        scrub_geo_every: 4,
        status_withheld_every: 5,
        user_withheld_every: 6,
        warning_every: 7,
    }
}

pub async fn start(builder: EmulatorBuilder) -> EmulatorHandle {
    builder.start().await.expect("emulator starts")
}

pub fn stream_for(emu: &EmulatorHandle) -> StreamBuilder {
    AsyncStream::builder(creds()).api_base(emu.base_url())
}

pub fn stream(emu: &EmulatorHandle) -> AsyncStream {
    stream_for(emu).build().expect("stream builds")
}

/// Something that stops a stream: `AsyncStream::disconnect`, `blocking::Stream::disconnect`, ….
pub type Stopper = Arc<dyn Fn() + Send + Sync>;

pub fn stopper(s: &AsyncStream) -> Stopper {
    let s = s.clone();
    Arc::new(move || s.disconnect())
}

/// Records every callback, in order, as short strings carrying the callback's arguments:
/// `status:<id>:<user id>`, `delete:<status id>:<user id>`, `limit:<track>`, …
#[derive(Clone, Default)]
pub struct V1Recorder {
    pub log: Arc<Mutex<Vec<String>>>,
    /// The raw bytes passed to `on_data`, in order.
    pub raw: Arc<Mutex<Vec<Vec<u8>>>>,
    pub statuses: Arc<Mutex<Vec<u64>>>,
    pub waits: Arc<Mutex<Vec<Duration>>>,
    pub errors: Arc<Mutex<Vec<Error>>>,
    /// Bumped on every status.
    pub status_signal: super::Signal,
    /// Stop after this many statuses.
    pub stop_after: Option<(usize, Stopper)>,
    /// Stop on the first connection error (tweepy's ConnectionTester).
    pub stop_on_connection_error: Option<Stopper>,
}

impl V1Recorder {
    pub fn stopping_after(n: usize, stop: Stopper) -> V1Recorder {
        V1Recorder {
            stop_after: Some((n, stop)),
            ..V1Recorder::default()
        }
    }
    pub fn push(&self, s: impl Into<String>) {
        self.log.lock().unwrap().push(s.into());
    }
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
    pub fn raw(&self) -> Vec<Vec<u8>> {
        self.raw.lock().unwrap().clone()
    }
    pub fn statuses(&self) -> Vec<u64> {
        self.statuses.lock().unwrap().clone()
    }
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }
    pub fn errors(&self) -> Vec<Error> {
        self.errors.lock().unwrap().clone()
    }
    /// How many log entries start with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.log().iter().filter(|l| l.starts_with(prefix)).count()
    }
}

fn countries(c: &[tweetstream::CompactString]) -> String {
    c.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("+")
}

impl ConnectionHandler for V1Recorder {
    fn on_connect(&mut self) {
        self.push("connect");
    }
    fn on_keep_alive(&mut self) {
        self.push("keep_alive");
    }
    fn on_closed(&mut self) {
        self.push("closed");
    }
    fn on_connection_error(&mut self, error: &Error) {
        self.errors.lock().unwrap().push(error.clone());
        self.push(format!(
            "connection_error:{}",
            if matches!(error, Error::Stall(_)) {
                "stall"
            } else {
                "net"
            }
        ));
        if let Some(stop) = &self.stop_on_connection_error {
            stop();
        }
    }
    fn on_request_error(&mut self, status: u16, error: &HttpError) {
        self.errors
            .lock()
            .unwrap()
            .push(Error::Http(Box::new(error.clone())));
        self.push(format!("request_error:{status}"));
    }
    fn on_reconnect(&mut self, delay: Duration, reason: &ReconnectReason) {
        self.waits.lock().unwrap().push(delay);
        let kind = match reason {
            ReconnectReason::Closed => "closed",
            ReconnectReason::Network(_) => "network",
            ReconnectReason::StallTimeout(_) => "stall",
            ReconnectReason::Http(_) => "http",
            ReconnectReason::RateLimited(_) => "rate_limited",
            ReconnectReason::ServerDisconnect(_) => "server_disconnect",
            ReconnectReason::SlowReader(_) => "slow_reader",
            _ => "other",
        };
        self.push(format!("reconnect:{kind}:{}ms", delay.as_millis()));
    }
    fn on_exception(&mut self, error: &Error) {
        self.errors.lock().unwrap().push(error.clone());
        let kind = match error {
            Error::Decode { .. } => "decode",
            Error::MessageTooLarge { .. } => "too_large",
            Error::GaveUp { .. } => "gave_up",
            Error::ServerDisconnect(_) => "server_disconnect",
            _ => "other",
        };
        self.push(format!("exception:{kind}"));
    }
    fn on_disconnect(&mut self) {
        self.push("disconnect");
    }
}

impl StreamHandler for V1Recorder {
    fn on_data(&mut self, raw: &[u8]) {
        self.raw.lock().unwrap().push(raw.to_vec());
        self.push("data");
    }
    fn on_status(&mut self, status: &Status) {
        self.push(format!("status:{}:{}", status.id, status.user.id));
        let n = {
            let mut s = self.statuses.lock().unwrap();
            s.push(status.id);
            s.len()
        };
        self.status_signal.bump();
        if let Some((limit, stop)) = &self.stop_after {
            if n >= *limit {
                stop();
            }
        }
    }
    fn on_delete(&mut self, status_id: u64, user_id: u64) {
        self.push(format!("delete:{status_id}:{user_id}"));
    }
    fn on_disconnect_message(&mut self, m: &Disconnect) {
        self.push(format!("disconnect_message:{}:{}", m.code, m.stream_name));
    }
    fn on_limit(&mut self, track: u64) {
        self.push(format!("limit:{track}"));
    }
    fn on_scrub_geo(&mut self, n: &ScrubGeo) {
        self.push(format!("scrub_geo:{}:{}", n.user_id, n.up_to_status_id));
    }
    fn on_status_withheld(&mut self, n: &StatusWithheld) {
        self.push(format!(
            "status_withheld:{}:{}:{}",
            n.id,
            n.user_id,
            countries(&n.withheld_in_countries)
        ));
    }
    fn on_user_withheld(&mut self, n: &UserWithheld) {
        self.push(format!(
            "user_withheld:{}:{}",
            n.id,
            countries(&n.withheld_in_countries)
        ));
    }
    fn on_warning(&mut self, w: &Warning) {
        self.push(format!(
            "warning:{}:{}",
            w.code,
            w.percent_full.map_or(-1, i64::from)
        ));
    }
    fn on_unknown(&mut self, raw: &[u8]) {
        self.push(format!("unknown:{}", String::from_utf8_lossy(raw)));
    }
}

fn strs(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("+")
        })
        .unwrap_or_default()
}

/// The log entry a message must produce, worked out from its raw JSON independently of the
/// library's decoder (tweepy's classification and order).
pub fn expected_entry(raw: &[u8]) -> String {
    let v: Value = serde_json::from_slice(raw).expect("the emulator sends JSON");
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    if v.get("in_reply_to_status_id").is_some() {
        return format!("status:{}:{}", v["id"], v["user"]["id"]);
    }
    if has("delete") {
        let s = &v["delete"]["status"];
        return format!("delete:{}:{}", s["id"], s["user_id"]);
    }
    if has("disconnect") {
        let d = &v["disconnect"];
        return format!(
            "disconnect_message:{}:{}",
            d["code"],
            d["stream_name"].as_str().unwrap_or("")
        );
    }
    if has("limit") {
        return format!("limit:{}", v["limit"]["track"]);
    }
    if has("scrub_geo") {
        let s = &v["scrub_geo"];
        return format!("scrub_geo:{}:{}", s["user_id"], s["up_to_status_id"]);
    }
    if has("status_withheld") {
        let s = &v["status_withheld"];
        return format!(
            "status_withheld:{}:{}:{}",
            s["id"],
            s["user_id"],
            strs(&s["withheld_in_countries"])
        );
    }
    if has("user_withheld") {
        let s = &v["user_withheld"];
        return format!(
            "user_withheld:{}:{}",
            s["id"],
            strs(&s["withheld_in_countries"])
        );
    }
    if has("warning") {
        let w = &v["warning"];
        return format!(
            "warning:{}:{}",
            w["code"].as_str().unwrap_or(""),
            w["percent_full"].as_i64().unwrap_or(-1)
        );
    }
    format!("unknown:{}", String::from_utf8_lossy(raw))
}

/// Checks that every `on_data` was followed at once by exactly the typed callback its JSON
/// calls for, with the right arguments. Returns how many messages of each kind were seen.
pub fn check_dispatch(rec: &V1Recorder) -> HashMap<String, usize> {
    let log = rec.log();
    let raw = rec.raw();
    let mut kinds = HashMap::<String, usize>::new();
    let mut i = 0;
    let mut seen = 0;
    while i < log.len() {
        if log[i] == "data" {
            let expected = expected_entry(&raw[seen]);
            assert_eq!(
                log.get(i + 1),
                Some(&expected),
                "message {seen} went to the wrong callback or with the wrong arguments"
            );
            let kind = expected.split(':').next().unwrap().to_string();
            *kinds.entry(kind).or_default() += 1;
            seen += 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    assert_eq!(seen, raw.len(), "every on_data has a typed callback");
    kinds
}

/// The notices refer to statuses of the same connection: a delete/scrub_geo/status_withheld
/// names a status received before it and that status's author.
pub fn check_notice_targets(rec: &V1Recorder) {
    let mut authors = HashMap::<u64, u64>::new();
    let mut users = std::collections::HashSet::<u64>::new();
    let mut last_track = 0u64;
    for entry in rec.log() {
        let parts: Vec<&str> = entry.split(':').collect();
        let num = |i: usize| parts[i].parse::<u64>().unwrap();
        match parts[0] {
            "status" => {
                authors.insert(num(1), num(2));
                users.insert(num(2));
            }
            "delete" | "status_withheld" => {
                assert_eq!(authors.get(&num(1)), Some(&num(2)), "{entry}");
            }
            "scrub_geo" => assert_eq!(authors.get(&num(2)), Some(&num(1)), "{entry}"),
            "user_withheld" => assert!(users.contains(&num(1)), "{entry}"),
            "limit" => {
                // Cumulative within a connection.
                assert!(num(1) > last_track, "{entry}");
                last_track = num(1);
            }
            "connect" => last_track = 0,
            _ => {}
        }
    }
}

/// Received status ids must be exactly what the emulator sent: all of every connection the
/// server ended, then a prefix of the last one (which the client ended).
pub fn assert_no_loss_no_dup(emu: &EmulatorHandle, received: &[u64]) {
    let conns = emu.connections();
    let mut expected: Vec<u64> = Vec::new();
    for (i, c) in conns.iter().enumerate() {
        assert_eq!(c.tweet_ids_dropped, 0);
        if i + 1 == conns.len() {
            let rest = received.len().saturating_sub(expected.len());
            assert!(
                rest <= c.tweet_ids.len(),
                "received more than sent on the last connection"
            );
            expected.extend(c.tweet_ids.iter().take(rest));
        } else {
            expected.extend(&c.tweet_ids);
        }
    }
    assert_eq!(
        received,
        &expected[..],
        "statuses received differ from statuses sent"
    );
    let mut dedup = received.to_vec();
    dedup.sort_unstable();
    dedup.dedup();
    assert_eq!(dedup.len(), received.len(), "duplicates received");
}

/// [`assert_no_loss_no_dup`] once every connection has closed (so that the emulator has
/// recorded everything it wrote).
pub async fn no_loss_no_dup(emu: &EmulatorHandle, received: &[u64]) {
    emu.wait_for_active_connections(0).await;
    assert_no_loss_no_dup(emu, received);
}

/// Only the log entries starting with one of `keep`.
pub fn only(log: &[String], keep: &[&str]) -> Vec<String> {
    log.iter()
        .filter(|l| keep.iter().any(|k| l.starts_with(k)))
        .cloned()
        .collect()
}

/// The ids of the first `n` statuses of `events`, which is then disconnected. Any error fails
/// the test.
pub async fn take_statuses(
    mut events: tweetstream::EventStream<tweetstream::v1::RawMessage>,
    n: usize,
) -> Vec<u64> {
    use futures_util::StreamExt;
    let mut ids = Vec::new();
    while let Some(item) = events.next().await {
        let event = item.expect("no error on this stream");
        if let tweetstream::Event::Error(e) = &event {
            panic!("no error on this stream: {e}");
        }
        if let tweetstream::Event::Message(m) = event {
            if let tweetstream::v1::Message::Status(s) = m.message() {
                ids.push(s.id);
                if ids.len() == n {
                    events.disconnect();
                }
            }
        }
    }
    ids
}
