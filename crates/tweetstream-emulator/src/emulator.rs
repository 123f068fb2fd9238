//! [`Emulator`], its builder and the [`EmulatorHandle`] of a running emulator.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::config::{
    Config, ConnectionPolicy, NoRulesPolicy, OAuthCredentials, SlowReaders, V1Notices,
};
use crate::data::Source;
use crate::observe::{ConnectionRecord, Counters, Event, Observed, RequestRecord, TimedEvent};
use crate::rules_store::{DeleteSelector, RuleInfo};
use crate::scenario::{Scenario, Step};
use crate::server::{self, lock, Shared};

/// A local emulator of the X streaming API. Start one with [`Emulator::builder`].
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tweetstream_emulator::{Emulator, Fate, Scenario};
///
/// let emu = Emulator::builder()
///     .bearer_token("test-token")
///     .rate(100.0)
///     .scenario(Scenario::new().then(Fate::CloseAfter { messages: 5 }))
///     .start()
///     .await?;
/// let url = format!("{}/2/tweets/sample/stream", emu.base_url());
/// // … connect a client to `url` with `Authorization: Bearer test-token` …
/// emu.wait_for_connections(1).await;
/// emu.shutdown().await;
/// # let _ = url; Ok(()) }
/// ```
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults (see each option).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            config: Config::default(),
        }
    }
}

/// Options of an [`Emulator`]. Every option has a default; `start` binds and serves.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    config: Config,
}

impl EmulatorBuilder {
    /// Address to listen on (default `127.0.0.1:0`, a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.config.addr = addr;
        self
    }

    /// Port on 127.0.0.1 (0 = a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.config.addr.set_port(port);
        self
    }

    /// Accept this bearer token on the v2 endpoints (may be called several times; each token
    /// is its own app with its own rules). With no token configured any non-empty bearer
    /// token is accepted and all share one app.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.config.bearer_tokens.push(token.into());
        self
    }

    /// Accept these OAuth 1.0a credentials on the v1.1 endpoints, verifying signatures,
    /// timestamps and nonces (may be called several times). With none configured any
    /// well-formed OAuth header is accepted without verification.
    pub fn oauth(mut self, creds: OAuthCredentials) -> Self {
        self.config.oauth.push(creds);
        self
    }

    /// Shorthand for [`oauth`](Self::oauth).
    pub fn oauth_credentials(
        self,
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        self.oauth(OAuthCredentials {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            access_token: access_token.into(),
            access_token_secret: access_token_secret.into(),
        })
    }

    /// The tweets to serve (default: `Source::synthetic(seed)`).
    pub fn source(mut self, source: Source) -> Self {
        self.config.source = Some(source);
        self
    }

    /// Seed of the synthetic source and of rule ids (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Positions per second on the emulator's timeline: tweets per second on the tweet streams,
    /// events per second on the others; 0 (the default) = as fast as each connection can read.
    pub fn rate(mut self, per_second: f64) -> Self {
        self.config.rate = per_second;
        self
    }

    /// Keep-alive interval of every stream (sets both v2 and v1.1).
    pub fn keep_alive(mut self, every: Duration) -> Self {
        self.config.keep_alive_v2 = every;
        self.config.keep_alive_v1 = every;
        self
    }

    /// Keep-alive interval of v2 streams (default 20 s).
    pub fn keep_alive_v2(mut self, every: Duration) -> Self {
        self.config.keep_alive_v2 = every;
        self
    }

    /// Keep-alive interval of v1.1 streams (default 30 s).
    pub fn keep_alive_v1(mut self, every: Duration) -> Self {
        self.config.keep_alive_v1 = every;
        self
    }

    /// Maximum rule length in characters (default 1024,
    /// [`tweetstream_rules::DEFAULT_MAX_RULE_LENGTH`]).
    pub fn max_rule_length(mut self, chars: usize) -> Self {
        self.config.max_rule_length = chars;
        self
    }

    /// Maximum number of rules per app (default 1,000).
    pub fn max_rules(mut self, n: usize) -> Self {
        self.config.max_rules = n;
        self
    }

    /// What happens above the connection limit (default [`ConnectionPolicy::RefuseNew`]).
    pub fn connection_policy(mut self, policy: ConnectionPolicy) -> Self {
        self.config.connection_policy = policy;
        self
    }

    /// Stream connections allowed per credential and stream (default 1). The v1.1
    /// endpoints share one allowance; each v2 stream path (and partition) has its own.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.config.max_connections = n.max(1);
        self
    }

    /// How long a connection keeps counting against the limit after it ended (default 0;
    /// X has been seen to refuse an immediate reconnect with 429 for a while).
    pub fn ghost_period(mut self, d: Duration) -> Self {
        self.config.ghost_period = d;
        self
    }

    /// Connect rate limit: `limit` attempts per `window` per credential and stream
    /// (default 50 per 15 minutes, like X; 0 = unlimited). Exceeding it → 429 (v2) / 420 (v1.1).
    pub fn connect_rate_limit(mut self, limit: u32, window: Duration) -> Self {
        self.config.connect_rate_limit = limit;
        self.config.rate_limit_window = window;
        self
    }

    /// Rates of the v1.1 notices (default [`V1Notices::default`]).
    pub fn v1_notices(mut self, notices: V1Notices) -> Self {
        self.config.v1_notices = notices;
        self
    }

    /// Scripted faults (default: none).
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.config.scenario = scenario;
        self
    }

    /// At most this many messages per write (0, the default = as many as fit in
    /// [`write_bytes`](Self::write_bytes)).
    pub fn messages_per_write(mut self, n: usize) -> Self {
        self.config.messages_per_write = n;
        self
    }

    /// Target size of one write (default 64 KiB).
    pub fn write_bytes(mut self, n: usize) -> Self {
        self.config.write_bytes = n.max(1);
        self
    }

    /// What the filtered stream does with no rules (default [`NoRulesPolicy::Refuse`]: 409).
    pub fn no_rules(mut self, policy: NoRulesPolicy) -> Self {
        self.config.no_rules = policy;
        self
    }

    /// Largest accepted difference between `oauth_timestamp` and the clock (default 5 min).
    pub fn oauth_max_skew(mut self, d: Duration) -> Self {
        self.config.oauth_max_skew = d;
        self
    }

    /// Tweet ids recorded per connection (default 1,000,000; later ones are only counted).
    pub fn max_recorded_ids(mut self, n: usize) -> Self {
        self.config.max_recorded_ids = n;
        self
    }

    /// Entries kept in each log (requests, connections, events; default 100,000).
    pub fn max_log_entries(mut self, n: usize) -> Self {
        self.config.max_log_entries = n.max(1);
        self
    }

    /// Largest request body accepted, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES), 1 MiB); larger → 413.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.config.max_body_bytes = n;
        self
    }

    /// Largest request head (request line and headers), in bytes (default
    /// [`DEFAULT_MAX_HEADER_BYTES`](crate::DEFAULT_MAX_HEADER_BYTES), 64 KiB; at least 1 KiB);
    /// larger → 431.
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.config.max_header_bytes = n.max(1024);
        self
    }

    /// Most bytes queued per stream connection (default
    /// [`DEFAULT_MAX_QUEUE_BYTES`](crate::DEFAULT_MAX_QUEUE_BYTES), 128 KiB): bytes handed to
    /// the connection and not yet taken by the HTTP layer (which buffers up to ~400 KB more,
    /// and the kernel its socket buffers). A single write larger than the bound is queued when
    /// the queue is empty.
    pub fn max_queue_bytes(mut self, n: usize) -> Self {
        self.config.max_queue_bytes = n.max(1);
        self
    }

    /// What a stream does when its queue is full (default [`SlowReaders::Wait`]).
    pub fn slow_readers(mut self, policy: SlowReaders) -> Self {
        self.config.slow_readers = policy;
        self
    }

    /// gzip level 0–9 for compressed responses (default 1, fast).
    pub fn gzip_level(mut self, level: u32) -> Self {
        self.config.gzip_level = level.min(9);
        self
    }

    /// Bind and start serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let listener = server::bind(self.config.addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(self.config));
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(EmulatorHandle {
            shared,
            addr,
            task: Some(task),
        })
    }
}

/// A running emulator: its address, what it observed, its rules; `shutdown` stops it
/// (dropping the handle stops it too, without waiting).
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The wall-clock time the emulator started: the origin of its timeline.
    pub fn started_at(&self) -> std::time::SystemTime {
        self.shared.timeline.start_wall
    }

    /// The emulator's wall clock: [`started_at`](Self::started_at) plus the time elapsed
    /// on the tokio clock (so it follows paused and advanced time in tests). `meta.sent`,
    /// `start_time`/`end_time` and `x-rate-limit-reset` use this clock.
    pub fn now(&self) -> std::time::SystemTime {
        self.shared.timeline.wall_of(tokio::time::Instant::now())
    }

    /// Run `f` on the observed state (under its lock: keep it short).
    pub fn with_observed<R>(&self, f: impl FnOnce(&Observed) -> R) -> R {
        f(&lock(&self.shared.observed))
    }

    /// A copy of everything observed.
    pub fn observed(&self) -> Observed {
        self.with_observed(Clone::clone)
    }

    /// Running totals.
    pub fn counters(&self) -> Counters {
        self.with_observed(|o| o.counters.clone())
    }

    /// Requests, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.with_observed(|o| o.requests.iter().cloned().collect())
    }

    /// Stream connections, oldest first.
    pub fn connections(&self) -> Vec<ConnectionRecord> {
        self.with_observed(|o| o.connections.iter().cloned().collect())
    }

    /// One stream connection.
    pub fn connection(&self, id: u64) -> Option<ConnectionRecord> {
        self.with_observed(|o| o.connection(id).cloned())
    }

    /// The event log, oldest first.
    pub fn events(&self) -> Vec<TimedEvent> {
        self.with_observed(|o| o.events.iter().cloned().collect())
    }

    /// The ids of the events sent on a connection, in order (tweet ids on the tweet streams; see
    /// [`crate::event_id`] for the others).
    pub fn tweet_ids_sent(&self, connection: u64) -> Vec<u64> {
        self.with_observed(|o| {
            o.connection(connection)
                .map(|c| c.tweet_ids.clone())
                .unwrap_or_default()
        })
    }

    /// Wait until `pred` holds for the observed state (checked at once and after every
    /// change). No polling, no sleeping: works with paused tokio time.
    pub async fn wait_until(&self, mut pred: impl FnMut(&Observed) -> bool) {
        let mut rx = self.shared.version.subscribe();
        loop {
            if pred(&lock(&self.shared.observed)) {
                return;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// Wait until at least `n` stream connections have been opened in total.
    pub async fn wait_for_connections(&self, n: u64) {
        self.wait_until(|o| o.counters.connections_opened >= n)
            .await
    }

    /// Wait until exactly `n` stream connections are open.
    pub async fn wait_for_active_connections(&self, n: u64) {
        self.wait_until(|o| o.counters.connections_active == n)
            .await
    }

    /// Wait until at least `n` stream connections have closed in total.
    pub async fn wait_for_closed_connections(&self, n: u64) {
        self.wait_until(|o| o.counters.connections_closed >= n)
            .await
    }

    /// Wait until at least `n` requests have been answered.
    pub async fn wait_for_requests(&self, n: u64) {
        self.wait_until(|o| o.counters.requests >= n).await
    }

    /// Wait until connection `id` has sent at least `n` events (tweets on the tweet streams).
    pub async fn wait_for_tweets(&self, id: u64, n: u64) {
        self.wait_until(|o| o.connection(id).is_some_and(|c| c.tweets_sent >= n))
            .await
    }

    /// Wait until connection `id` has closed.
    pub async fn wait_for_close(&self, id: u64) {
        self.wait_until(|o| o.connection(id).is_some_and(|c| c.closed_at.is_some()))
            .await
    }

    /// Wait for an event matching `pred`, already logged or future.
    pub async fn wait_for_event(&self, mut pred: impl FnMut(&Event) -> bool) {
        self.wait_until(|o| o.events.iter().any(|e| pred(&e.event)))
            .await
    }

    /// The rules of the default app (the first configured bearer token, or the shared app
    /// when none is configured).
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.shared.rules.list(&self.shared.default_app())
    }

    /// The rules of the app of `bearer_token`.
    pub fn rules_for(&self, bearer_token: &str) -> Vec<RuleInfo> {
        self.shared
            .rules
            .list(&self.shared.app_for_token(bearer_token))
    }

    /// Add a rule to the default app directly (validated like `POST …/rules`). Err = X's
    /// problem JSON for it (invalid, duplicate, rule cap).
    pub fn add_rule(&self, value: &str, tag: Option<&str>) -> Result<RuleInfo, serde_json::Value> {
        self.add_rule_for(&self.shared.default_app(), value, tag)
    }

    /// Add a rule to the app of `bearer_token` directly.
    pub fn add_rule_for(
        &self,
        bearer_token: &str,
        value: &str,
        tag: Option<&str>,
    ) -> Result<RuleInfo, serde_json::Value> {
        let app = self.shared.app_for_token(bearer_token);
        let cfg = &self.shared.config;
        let out = self.shared.rules.add(
            &app,
            vec![(value.to_string(), tag.map(str::to_string))],
            false,
            cfg.max_rule_length,
            cfg.max_rules,
            &crate::v2::sent_now(&self.shared),
        );
        if let Some(rule) = out.body.get("data").and_then(|d| d.get(0)) {
            self.shared.observe(|o| o.counters.rules_added += 1);
            self.shared.event(Event::RulesChanged {
                app,
                added: 1,
                deleted: 0,
            });
            return Ok(RuleInfo {
                id: rule["id"].as_str().unwrap_or_default().to_string(),
                value: value.to_string(),
                tag: tag.map(str::to_string),
            });
        }
        Err(out
            .body
            .get("errors")
            .and_then(|e| e.get(0))
            .cloned()
            .unwrap_or(serde_json::Value::Null))
    }

    /// Delete every rule of the default app; returns how many there were.
    pub fn delete_all_rules(&self) -> usize {
        let app = self.shared.default_app();
        let out = self.shared.rules.delete(
            &app,
            DeleteSelector::All,
            false,
            &crate::v2::sent_now(&self.shared),
        );
        if out.deleted > 0 {
            self.shared
                .observe(|o| o.counters.rules_deleted += out.deleted as u64);
            self.shared.event(Event::RulesChanged {
                app,
                added: 0,
                deleted: out.deleted,
            });
        }
        out.deleted
    }

    /// Replace the remaining scenario.
    pub fn set_scenario(&self, scenario: Scenario) {
        lock(&self.shared.scenario).replace(scenario);
    }

    /// Append a step to the scenario.
    pub fn push_step(&self, step: Step) {
        lock(&self.shared.scenario).push(step);
    }

    /// Connection attempts the scenario still scripts.
    pub fn scenario_remaining(&self) -> usize {
        lock(&self.shared.scenario).remaining()
    }

    /// Close an open stream connection cleanly from the server side. Returns whether it
    /// was open.
    pub fn close_connection(&self, id: u64) -> bool {
        lock(&self.shared.registry).close(id, crate::observe::CloseReason::ClosedByHandle)
    }

    /// Stop: refuse new connections, end every stream cleanly, close every connection,
    /// and wait for all of it.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.shared.shutdown.send_replace(true);
        }
    }
}
