//! Helpers shared by the integration tests: an emulator per test and a recording handler.
#![allow(dead_code)]

pub mod proxies;
pub mod v1;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tweetstream::models::v2::{Includes, MatchingRule, Problem, StreamResponse, Tweet};
use tweetstream::{
    AsyncStreamingClient, ClientBuilder, ConnectionHandler, Error, Event, EventStream, HttpError,
    Raw, ReconnectReason, StreamingHandler,
};
use tweetstream_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};

pub const TOKEN: &str = "test-bearer-token-5ecret";

pub fn emulator() -> EmulatorBuilder {
    Emulator::builder()
        .bearer_token(TOKEN)
        .seed(7)
        .connect_rate_limit(10_000, Duration::from_secs(900))
}

pub async fn start(builder: EmulatorBuilder) -> EmulatorHandle {
    builder.start().await.expect("emulator starts")
}

pub fn client_for(emu: &EmulatorHandle) -> ClientBuilder {
    AsyncStreamingClient::builder(TOKEN).api_base(emu.base_url())
}

pub fn client(emu: &EmulatorHandle) -> AsyncStreamingClient {
    client_for(emu).build().expect("client builds")
}

/// A count that another thread can wait on: a handler bumps it, a test waits for it to reach
/// a number (instead of polling with sleeps).
#[derive(Clone, Default)]
pub struct Signal(Arc<(Mutex<usize>, std::sync::Condvar)>);

impl Signal {
    pub fn bump(&self) {
        let (count, cv) = &*self.0;
        *count.lock().unwrap() += 1;
        cv.notify_all();
    }

    /// Block until the count reaches `n` or `done()` is true. (A one-minute guard turns a
    /// hang into a failure; no test relies on it.)
    pub fn wait_for(&self, n: usize, done: impl Fn() -> bool) {
        let (count, cv) = &*self.0;
        let mut c = count.lock().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while *c < n && !done() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(!left.is_zero(), "waited a minute for {n}, got {}", *c);
            c = cv
                .wait_timeout(c, left.min(Duration::from_millis(100)))
                .unwrap()
                .0;
        }
    }
}

/// Records every callback, in order, as short strings.
#[derive(Clone, Default)]
pub struct Recorder {
    pub log: Arc<Mutex<Vec<String>>>,
    pub tweets: Arc<Mutex<Vec<String>>>,
    pub waits: Arc<Mutex<Vec<Duration>>>,
    /// Bumped on every tweet.
    pub tweet_signal: Signal,
    /// Disconnect this client after this many tweets.
    pub stop_after: Option<(usize, AsyncStreamingClient)>,
    /// Disconnect on the first connection error.
    pub stop_on_connection_error: Option<AsyncStreamingClient>,
}

impl Recorder {
    pub fn push(&self, s: impl Into<String>) {
        self.log.lock().unwrap().push(s.into());
    }
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
    pub fn tweets(&self) -> Vec<String> {
        self.tweets.lock().unwrap().clone()
    }
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }
}

impl ConnectionHandler for Recorder {
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
        self.push(format!(
            "connection_error:{}",
            if matches!(error, Error::Stall(_)) {
                "stall"
            } else {
                "net"
            }
        ));
        if let Some(c) = &self.stop_on_connection_error {
            c.disconnect();
        }
    }
    fn on_request_error(&mut self, status: u16, _error: &HttpError) {
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

impl StreamingHandler for Recorder {
    fn on_data(&mut self, _raw: &[u8]) {
        self.push("data");
    }
    fn on_tweet(&mut self, tweet: &Tweet) {
        self.push("tweet");
        let n = {
            let mut t = self.tweets.lock().unwrap();
            t.push(tweet.id.to_string());
            t.len()
        };
        self.tweet_signal.bump();
        if let Some((limit, c)) = &self.stop_after {
            if n >= *limit {
                c.disconnect();
            }
        }
    }
    fn on_includes(&mut self, _includes: &Includes) {
        self.push("includes");
    }
    fn on_errors(&mut self, _errors: &[Problem]) {
        self.push("errors");
    }
    fn on_matching_rules(&mut self, _rules: &[MatchingRule]) {
        self.push("matching_rules");
    }
    fn on_response(&mut self, _r: &StreamResponse) {
        self.push("response");
    }
}

/// Every tweet id the emulator sent, over all connections, in order.
pub fn ids_sent(emu: &EmulatorHandle) -> Vec<String> {
    emu.connections()
        .iter()
        .flat_map(|c| {
            c.tweet_ids
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Only the callbacks named in `keep`.
pub fn only(log: &[String], keep: &[&str]) -> Vec<String> {
    log.iter()
        .filter(|l| keep.iter().any(|k| l.starts_with(k)))
        .cloned()
        .collect()
}

/// The ids of the first `n` tweets of `stream`, which is then disconnected. Any error fails the
/// test.
pub async fn take_tweets(mut stream: EventStream<Raw<StreamResponse>>, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    while let Some(item) = stream.next().await {
        let event = item.expect("no error on this stream");
        if let Event::Error(e) = &event {
            panic!("no error on this stream: {e}");
        }
        if let Event::Message(r) = event {
            if let Some(t) = &r.data {
                ids.push(t.id.to_string());
            }
            if ids.len() == n {
                stream.disconnect();
            }
        }
    }
    ids
}

/// Everything `tracing` wrote while a [`capture_logs`] guard was held.
#[derive(Clone, Default)]
pub struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuf {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Capture this thread's logs up to `level` (plain text: no colours, no timestamps) until the
/// guard is dropped.
pub fn capture_logs(level: tracing::Level) -> (LogBuf, tracing::subscriber::DefaultGuard) {
    let buf = LogBuf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}
