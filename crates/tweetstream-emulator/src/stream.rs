//! Stream connections: admission (rate limit, scenario, connection limit) and the producer
//! task that writes tweets, notices, keep-alives and scripted faults into the response.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use http::Response;
use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};

use crate::data::{MatchedRule, V1Filter, V2Renderer};
use crate::http::{self as h, Chunk, EmuBody};
use crate::limits::{Control, OpenOutcome};
use crate::observe::{CloseReason, ConnectionRecord, Event};
use crate::problems;
use crate::rules_store::{AppRules, StoredRule};
use crate::scenario::{AfterStall, Fate, StreamEndpoint};
use crate::server::{lock, ReqCtx, Shared};

/// `x-rate-limit-*` headers.
pub(crate) type RateHeaders = Vec<(&'static str, String)>;

/// What a stream carries.
pub(crate) enum Kind {
    V2 {
        renderer: V2Renderer,
        /// The app's rules, for the filtered stream.
        rules: Option<Arc<AppRules>>,
    },
    V1 {
        filter: V1Filter,
        stall_warnings: bool,
        /// `limit` notices (statuses/filter only).
        limit_notices: bool,
    },
}

/// Everything needed to open a stream.
pub(crate) struct StreamSpec {
    pub endpoint: StreamEndpoint,
    pub credential: String,
    pub kind: Kind,
    /// (1-based partition, partition count).
    pub partition: Option<(u32, u32)>,
    /// First sequence number (live, backfill or recovery start).
    pub start_seq: u64,
    /// Stop (cleanly) at this sequence number (recovery).
    pub end_seq: Option<u64>,
    pub fate: Fate,
    pub delimited: bool,
    pub keep_alive: Duration,
    pub rate_headers: RateHeaders,
}

/// The `x-rate-limit-*` headers and whether the attempt is allowed.
pub(crate) fn rate_limit(shared: &Shared, key: &str) -> (bool, RateHeaders) {
    let now = Instant::now();
    let check = lock(&shared.rate_limiter).check(
        key,
        shared.config.connect_rate_limit,
        shared.config.rate_limit_window,
        now,
    );
    let reset = shared
        .timeline
        .wall_of(check.reset_at)
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let headers = if check.limit == 0 {
        Vec::new()
    } else {
        vec![
            ("x-rate-limit-limit", check.limit.to_string()),
            ("x-rate-limit-remaining", check.remaining.to_string()),
            ("x-rate-limit-reset", reset.to_string()),
        ]
    };
    (check.allowed, headers)
}

pub(crate) fn with_headers(
    mut resp: Response<EmuBody>,
    headers: &[(&'static str, String)],
) -> Response<EmuBody> {
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            resp.headers_mut().insert(*k, v);
        }
    }
    resp
}

/// Rate limit and scenario for a stream connection attempt. Ok = (fate, rate headers).
pub(crate) fn admit(
    shared: &Shared,
    ctx: &mut ReqCtx,
    endpoint: StreamEndpoint,
    rate_key: &str,
) -> Result<(Fate, RateHeaders), Response<EmuBody>> {
    let gz = shared.gzip_level(ctx.gzip);
    let (allowed, headers) = rate_limit(shared, rate_key);
    if !allowed {
        shared.observe(|o| o.counters.rate_limited += 1);
        ctx.error = Some("connect rate limit exceeded".into());
        let resp = if endpoint.is_v1() {
            h::text(420, problems::v1_text(420), gz)
        } else {
            h::problem(429, problems::rate_limited().to_string(), gz)
        };
        return Err(with_headers(resp, &headers));
    }
    let (fate, scripted) = lock(&shared.scenario).take(endpoint);
    if let Fate::Status {
        status,
        variant,
        body,
    } = &fate
    {
        let description = format!("status {status}: {}", fate.describe());
        ctx.fault = Some(description.clone());
        ctx.error = Some(format!("scripted status {status}"));
        shared.observe(|o| o.counters.faults_applied += 1);
        shared.event(Event::Fault {
            request: ctx.id,
            connection: None,
            description,
        });
        let status = if (100..1000).contains(status) {
            *status
        } else {
            500
        };
        let resp = match body {
            Some(b) => h::full(
                status,
                "text/plain; charset=utf-8",
                b.clone().into_bytes(),
                gz,
            ),
            None if endpoint.is_v1() || status == 420 => {
                h::text(status, problems::v1_text(status), gz)
            }
            None => h::problem(status, problems::v2_status_body(status, *variant), gz),
        };
        return Err(with_headers(resp, &headers));
    }
    let _ = scripted;
    Ok((fate, headers))
}

/// Apply the connection limit, record the connection, spawn its producer and answer 200.
pub(crate) fn open(shared: &Arc<Shared>, ctx: &mut ReqCtx, spec: StreamSpec) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    let conn_id = shared
        .next_conn
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (control_tx, control_rx) = watch::channel(Control::Run);
    let outcome = lock(&shared.registry).try_open(
        &spec.credential,
        shared.config.max_connections.max(1),
        shared.config.connection_policy,
        Instant::now(),
        conn_id,
        control_tx,
    );
    match outcome {
        OpenOutcome::Refused => {
            ctx.error = Some("too many connections for this credential".into());
            shared.observe(|o| o.counters.connections_refused += 1);
            shared.event(Event::ConnectionRefused {
                request: ctx.id,
                credential: spec.credential.clone(),
            });
            let resp = if spec.endpoint.is_v1() {
                h::text(420, problems::v1_text(420), gz)
            } else {
                h::problem(429, problems::TOO_MANY_CONNECTIONS.to_string(), gz)
            };
            return with_headers(resp, &spec.rate_headers);
        }
        OpenOutcome::Accepted { evicted } => {
            for id in evicted {
                shared.observe(|o| o.counters.connections_evicted += 1);
                shared.event(Event::ConnectionEvicted {
                    id,
                    by_request: ctx.id,
                });
            }
        }
    }
    ctx.connection = Some(conn_id);
    let record = ConnectionRecord {
        id: conn_id,
        request_id: ctx.id,
        endpoint: spec.endpoint,
        partition: spec.partition.map(|p| p.0),
        credential: spec.credential.clone(),
        fate: spec.fate.clone(),
        gzip: ctx.gzip,
        delimited: spec.delimited,
        opened_at: shared.elapsed(),
        closed_at: None,
        close_reason: None,
        messages_sent: 0,
        tweets_sent: 0,
        notices_sent: 0,
        keep_alives_sent: 0,
        bytes_sent: 0,
        wire_bytes_sent: 0,
        tweet_ids: Vec::new(),
        tweet_ids_dropped: 0,
        faults: Vec::new(),
    };
    let cap = shared.config.max_log_entries;
    let at = shared.elapsed();
    shared.observe(|o| {
        o.counters.connections_opened += 1;
        o.counters.connections_active += 1;
        o.push_connection(record, cap);
        o.push_event(
            at,
            Event::ConnectionOpened {
                id: conn_id,
                endpoint: spec.endpoint,
            },
            cap,
        );
    });

    let (tx, rx) = mpsc::channel::<Chunk>(2);
    let content_type = if spec.endpoint.is_v1() {
        "application/json"
    } else {
        "application/json; charset=utf-8"
    };
    let mut resp = Response::new(EmuBody::stream(rx));
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    if ctx.gzip {
        resp.headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    let resp = with_headers(resp, &spec.rate_headers);

    let rules_rx = match &spec.kind {
        Kind::V2 {
            rules: Some(app), ..
        } => Some(app.subscribe()),
        _ => None,
    };
    let gz = ctx.gzip.then(|| {
        GzEncoder::new(
            Vec::with_capacity(16 * 1024),
            Compression::new(shared.config.gzip_level),
        )
    });
    let partition = spec
        .partition
        .map(|(p, n)| (u64::from(p.saturating_sub(1)), u64::from(n.max(1))));
    let cursor = align(spec.start_seq, partition);
    let producer = Producer {
        shared: Arc::clone(shared),
        conn_id,
        request_id: ctx.id,
        tx,
        control: control_rx,
        shutdown: shared.shutdown.subscribe(),
        rules_rx,
        snapshot: None,
        kind: spec.kind,
        fate: spec.fate,
        fault_done: false,
        gz,
        delimited: spec.delimited,
        keep_alive: spec.keep_alive,
        cursor,
        end_seq: spec.end_seq,
        partition,
        msgs: 0,
        misses: 0,
        v1: V1State::default(),
        scratch: Vec::new(),
        stats: BatchStats::default(),
        endpoint: spec.endpoint,
    };
    tokio::spawn(producer.run());
    resp
}

/// The first sequence number ≥ `seq` in the partition.
fn align(seq: u64, partition: Option<(u64, u64)>) -> u64 {
    match partition {
        Some((ix, n)) => seq.saturating_add((ix + n - seq % n) % n),
        None => seq,
    }
}

#[derive(Default)]
struct V1State {
    statuses: u64,
    recent: VecDeque<(u64, u64)>,
    limit_track: u64,
    pending: VecDeque<Vec<u8>>,
}

#[derive(Default)]
struct BatchStats {
    messages: u64,
    tweets: u64,
    notices: u64,
    keep_alives: u64,
    bytes: u64,
    wire: u64,
    ids: Vec<u64>,
}

enum Outcome {
    /// More is ready now.
    More,
    /// Nothing more until this instant (None: until rules change or a keep-alive is due).
    Wait(Option<Instant>),
    /// The recovery window is complete.
    End,
}

struct Producer {
    shared: Arc<Shared>,
    conn_id: u64,
    request_id: u64,
    endpoint: StreamEndpoint,
    tx: mpsc::Sender<Chunk>,
    control: watch::Receiver<Control>,
    shutdown: watch::Receiver<bool>,
    rules_rx: Option<watch::Receiver<u64>>,
    snapshot: Option<(u64, Arc<Vec<Arc<StoredRule>>>)>,
    kind: Kind,
    fate: Fate,
    fault_done: bool,
    gz: Option<GzEncoder<Vec<u8>>>,
    delimited: bool,
    keep_alive: Duration,
    cursor: u64,
    end_seq: Option<u64>,
    partition: Option<(u64, u64)>,
    msgs: u64,
    misses: u64,
    v1: V1State,
    scratch: Vec<u8>,
    stats: BatchStats,
}

/// Wait for a rules change, or forever when there is nothing to watch.
async fn rules_changed(rx: &mut Option<watch::Receiver<u64>>) {
    match rx {
        Some(rx) => {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await
            }
        }
        None => std::future::pending::<()>().await,
    }
}

impl Producer {
    async fn run(mut self) {
        let reason = self.main().await;
        self.finish(reason).await;
    }

    /// A close requested from outside (eviction, handle, shutdown), if any.
    fn requested_close(&mut self) -> Option<CloseReason> {
        if *self.shutdown.borrow() {
            return Some(CloseReason::Shutdown);
        }
        match &*self.control.borrow() {
            Control::Close(r) => Some(r.clone()),
            Control::Run => None,
        }
    }

    /// The message count at which the scripted fault fires, if one is pending.
    fn trigger(&self) -> Option<u64> {
        if self.fault_done {
            return None;
        }
        match &self.fate {
            Fate::CloseAfter { messages } => Some(*messages),
            Fate::ResetAfter { messages } => Some(messages.saturating_add(1)),
            Fate::Stall { after_messages, .. }
            | Fate::OperationalDisconnect { after_messages, .. }
            | Fate::V1Disconnect { after_messages, .. }
            | Fate::MalformedJson { after_messages }
            | Fate::InvalidUtf8 { after_messages }
            | Fate::CorruptGzip { after_messages }
            | Fate::OversizedLine { after_messages, .. } => Some(*after_messages),
            _ => None,
        }
    }

    async fn main(&mut self) -> CloseReason {
        let mut last_write = Instant::now();
        loop {
            if let Some(r) = self.requested_close() {
                return r;
            }
            if let Some(t) = self.trigger() {
                if self.msgs >= t && !matches!(self.fate, Fate::ResetAfter { .. }) {
                    match self.fire().await {
                        Ok(()) => last_write = Instant::now(),
                        Err(r) => return r,
                    }
                    continue;
                }
            }
            let outcome = if matches!(self.fate, Fate::KeepAlivesOnly) {
                Outcome::Wait(None)
            } else {
                self.build_batch()
            };
            let batch = std::mem::take(&mut self.scratch);
            if !batch.is_empty() {
                let split = matches!(self.fate, Fate::ResetAfter { .. })
                    && !self.fault_done
                    && self.trigger().is_some_and(|t| self.msgs >= t);
                if split {
                    return self.reset_mid_message(batch).await;
                }
                if let Err(r) = self.send(batch).await {
                    return r;
                }
                self.flush_stats();
                last_write = Instant::now();
            }
            match outcome {
                Outcome::More => {
                    // Let other tasks (and the connection) run between batches.
                    tokio::task::consume_budget().await;
                }
                Outcome::End => return CloseReason::RecoveryComplete,
                Outcome::Wait(due) => {
                    let ka = last_write + self.keep_alive;
                    let wake = due.map_or(ka, |d| d.min(ka));
                    tokio::select! {
                        r = self.control.changed() => {
                            if r.is_err() { return CloseReason::ClientDisconnected; }
                        }
                        _ = self.shutdown.changed() => {}
                        _ = self.tx.closed() => return CloseReason::ClientDisconnected,
                        _ = rules_changed(&mut self.rules_rx) => { self.misses = 0; }
                        _ = sleep_until(wake) => {
                            let now = Instant::now();
                            // Data that is due goes first; it proves life as well.
                            let data_due = due.is_some_and(|d| d <= now);
                            if !data_due && now >= last_write + self.keep_alive {
                                if let Err(r) = self.send(b"\r\n".to_vec()).await {
                                    return r;
                                }
                                self.stats.keep_alives += 1;
                                self.stats.bytes += 2;
                                self.flush_stats();
                                last_write = Instant::now();
                            }
                        }
                    }
                }
            }
        }
    }

    /// Frame one message into `out` (CRLF, or v1.1 length-delimited).
    fn frame(delimited: bool, out: &mut Vec<u8>, msg: &[u8]) {
        if delimited {
            let mut len = itoa(msg.len() as u64 + 2);
            len.extend_from_slice(b"\r\n");
            out.extend_from_slice(&len);
        }
        out.extend_from_slice(msg);
        out.extend_from_slice(b"\r\n");
    }

    fn timestamp_ms(&self) -> u64 {
        self.shared
            .timeline
            .wall_of(Instant::now())
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    fn refresh_rules(&mut self) -> Option<Arc<Vec<Arc<StoredRule>>>> {
        let Kind::V2 {
            rules: Some(app), ..
        } = &self.kind
        else {
            return None;
        };
        let v = app.version();
        match &self.snapshot {
            Some((ver, snap)) if *ver == v => Some(Arc::clone(snap)),
            _ => {
                let snap = app.snapshot();
                self.snapshot = Some((v, Arc::clone(&snap)));
                Some(snap)
            }
        }
    }

    /// Fill `self.scratch` with the next batch of messages.
    fn build_batch(&mut self) -> Outcome {
        let shared = Arc::clone(&self.shared);
        let cfg = &shared.config;
        let timeline = &shared.timeline;
        let source = &shared.source;
        let now = Instant::now();
        let due_end = timeline.due_end(now);
        let base_len = source.base_len() as u64;
        let step = self.partition.map_or(1, |(_, n)| n);
        let max_msgs = if cfg.messages_per_write > 0 {
            cfg.messages_per_write as u64
        } else {
            u64::MAX
        };
        let limit = match self.trigger() {
            Some(t) => max_msgs.min(t.saturating_sub(self.msgs)),
            None => max_msgs,
        };
        let write_bytes = cfg.write_bytes.max(1);
        let snapshot = self.refresh_rules();
        let ts_ms = self.timestamp_ms();
        let mut out = Vec::with_capacity(write_bytes + 16 * 1024);
        let mut n = 0u64;
        let mut scanned = 0u64;
        let delimited = self.delimited;
        let notices = cfg.v1_notices;
        let outcome = loop {
            if n >= limit || out.len() >= write_bytes {
                break Outcome::More;
            }
            if let Some(notice) = self.v1.pending.pop_front() {
                Self::frame(delimited, &mut out, &notice);
                n += 1;
                self.stats.messages += 1;
                self.stats.notices += 1;
                continue;
            }
            if self.end_seq.is_some_and(|e| self.cursor >= e) {
                break Outcome::End;
            }
            if self.cursor >= due_end {
                break Outcome::Wait(Some(timeline.post_time(self.cursor)));
            }
            if scanned >= 16_384 {
                break Outcome::More;
            }
            if !timeline.paced() && self.misses >= base_len {
                // A whole loop of the source without a match: nothing will match until the
                // rules change.
                break Outcome::Wait(None);
            }
            let seq = self.cursor;
            self.cursor = self.cursor.saturating_add(step);
            scanned += 1;
            let tweet = source.get(seq);
            match &mut self.kind {
                Kind::V2 { renderer, rules } => {
                    if rules.is_some() {
                        let snap = snapshot.as_deref().map(Vec::as_slice).unwrap_or(&[]);
                        let input = tweet.rule_input();
                        let matched: Vec<MatchedRule<'_>> = snap
                            .iter()
                            .filter(|r| r.rule.matches(input))
                            .map(|r| MatchedRule {
                                id: &r.id,
                                tag: r.tag_str(),
                            })
                            .collect();
                        if matched.is_empty() {
                            self.misses += 1;
                            continue;
                        }
                        renderer.write(&tweet, Some(&matched), &mut out);
                    } else {
                        renderer.write(&tweet, None, &mut out);
                    }
                    out.extend_from_slice(b"\r\n");
                }
                Kind::V1 {
                    filter,
                    stall_warnings,
                    limit_notices,
                } => {
                    if !filter.matches(&tweet) {
                        self.misses += 1;
                        continue;
                    }
                    if delimited {
                        let start = out.len();
                        tweet.write_v1(&mut out);
                        let len = itoa((out.len() - start) as u64 + 2);
                        // Insert the length line before the JSON.
                        out.splice(start..start, len.iter().copied().chain(*b"\r\n"));
                    } else {
                        tweet.write_v1(&mut out);
                    }
                    out.extend_from_slice(b"\r\n");
                    let st = &mut self.v1;
                    st.statuses += 1;
                    if st.recent.len() >= 64 {
                        st.recent.pop_front();
                    }
                    st.recent.push_back((tweet.id(), tweet.author_id()));
                    queue_notices(st, &notices, *stall_warnings, *limit_notices, ts_ms);
                }
            }
            self.misses = 0;
            n += 1;
            self.stats.messages += 1;
            self.stats.tweets += 1;
            self.stats.ids.push(tweet.id());
        };
        timeline.advance(self.cursor, now);
        self.msgs += n;
        self.stats.bytes += out.len() as u64;
        self.scratch = out;
        outcome
    }

    /// Compress (when gzip) and hand bytes to the connection; drip them when scripted.
    async fn send(&mut self, data: Vec<u8>) -> Result<(), CloseReason> {
        if let Fate::Drip { bytes, interval_ms } = self.fate {
            let interval = Duration::from_millis(interval_ms);
            for piece in data.chunks(bytes.max(1)) {
                self.send_now(piece.to_vec()).await?;
                let until = Instant::now() + interval;
                tokio::select! {
                    _ = sleep_until(until) => {}
                    _ = self.tx.closed() => return Err(CloseReason::ClientDisconnected),
                    _ = self.control.changed() => {
                        if let Some(r) = self.requested_close() { return Err(r); }
                    }
                    _ = self.shutdown.changed() => return Err(CloseReason::Shutdown),
                }
            }
            return Ok(());
        }
        self.send_now(data).await
    }

    fn compress(&mut self, data: Vec<u8>) -> Vec<u8> {
        match &mut self.gz {
            Some(gz) => {
                // Writing into a Vec cannot fail; a sync flush makes every batch decodable
                // on arrival.
                let _ = gz.write_all(&data);
                let _ = gz.flush();
                std::mem::take(gz.get_mut())
            }
            None => data,
        }
    }

    async fn send_now(&mut self, data: Vec<u8>) -> Result<(), CloseReason> {
        let wire = self.compress(data);
        self.send_wire(wire).await
    }

    /// Hand bytes to the connection as they are (already compressed, or deliberately not).
    async fn send_wire(&mut self, wire: Vec<u8>) -> Result<(), CloseReason> {
        self.stats.wire += wire.len() as u64;
        let chunk = Bytes::from(wire);
        let r = tokio::select! {
            biased;
            r = self.tx.send(Ok(chunk)) => r.map_err(|_| CloseReason::ClientDisconnected),
            _ = self.control.changed() => {
                Err(self.requested_close().unwrap_or(CloseReason::ClientDisconnected))
            }
            _ = self.shutdown.changed() => Err(CloseReason::Shutdown),
        };
        if r.is_err() {
            // Not handed to the connection: not sent.
            self.stats = BatchStats::default();
        }
        r
    }

    /// Write the batch stats into the connection record and the counters.
    fn flush_stats(&mut self) {
        let s = std::mem::take(&mut self.stats);
        if s.messages == 0 && s.keep_alives == 0 && s.bytes == 0 && s.wire == 0 {
            return;
        }
        let max_ids = self.shared.config.max_recorded_ids;
        let id = self.conn_id;
        self.shared.observe(|o| {
            let c = &mut o.counters;
            c.messages_sent += s.messages;
            c.tweets_sent += s.tweets;
            c.keep_alives_sent += s.keep_alives;
            c.bytes_sent += s.bytes;
            c.wire_bytes_sent += s.wire;
            if let Some(rec) = o.connection_mut(id) {
                rec.messages_sent += s.messages;
                rec.tweets_sent += s.tweets;
                rec.notices_sent += s.notices;
                rec.keep_alives_sent += s.keep_alives;
                rec.bytes_sent += s.bytes;
                rec.wire_bytes_sent += s.wire;
                let room = max_ids.saturating_sub(rec.tweet_ids.len());
                if s.ids.len() <= room {
                    rec.tweet_ids.extend_from_slice(&s.ids);
                } else {
                    rec.tweet_ids.extend_from_slice(&s.ids[..room]);
                    rec.tweet_ids_dropped += (s.ids.len() - room) as u64;
                }
            }
        });
    }

    fn record_fault(&mut self, description: String) {
        let id = self.conn_id;
        let d2 = description.clone();
        self.shared.observe(|o| {
            o.counters.faults_applied += 1;
            if let Some(rec) = o.connection_mut(id) {
                rec.faults.push(d2);
            }
        });
        self.shared.event(Event::Fault {
            request: self.request_id,
            connection: Some(id),
            description,
        });
    }

    /// Send one scripted line (framed) and count it as a message.
    async fn send_line(&mut self, line: &[u8], notice: bool) -> Result<(), CloseReason> {
        let mut out = Vec::with_capacity(line.len() + 16);
        Self::frame(self.delimited, &mut out, line);
        let len = out.len() as u64;
        self.send(out).await?;
        self.msgs += 1;
        self.stats.messages += 1;
        self.stats.bytes += len;
        if notice {
            self.stats.notices += 1;
        }
        self.flush_stats();
        Ok(())
    }

    /// Fire the scripted fault (all but `reset_after`, which happens inside a batch).
    async fn fire(&mut self) -> Result<(), CloseReason> {
        self.fault_done = true;
        let fate = self.fate.clone();
        match fate {
            Fate::CloseAfter { messages } => {
                self.record_fault(format!(
                    "close_after: closed cleanly after {messages} messages"
                ));
                Err(CloseReason::ScenarioClose)
            }
            Fate::Stall {
                duration_ms, then, ..
            } => {
                self.record_fault(format!(
                    "stall: silent for {duration_ms} ms after {} messages, then {}",
                    self.msgs,
                    if then == AfterStall::Close {
                        "close"
                    } else {
                        "continue"
                    }
                ));
                let until = Instant::now() + Duration::from_millis(duration_ms);
                loop {
                    tokio::select! {
                        _ = sleep_until(until) => break,
                        _ = self.tx.closed() => return Err(CloseReason::ClientDisconnected),
                        _ = self.control.changed() => {
                            if let Some(r) = self.requested_close() { return Err(r); }
                        }
                        _ = self.shutdown.changed() => return Err(CloseReason::Shutdown),
                    }
                }
                match then {
                    AfterStall::Close => Err(CloseReason::StallClose),
                    AfterStall::Continue => Ok(()),
                }
            }
            Fate::OperationalDisconnect {
                disconnect_type,
                lines,
                ..
            } => {
                self.record_fault(format!(
                    "operational_disconnect: {lines} {disconnect_type} line(s) after {} messages, then close",
                    self.msgs
                ));
                let line = problems::operational_disconnect_line(&disconnect_type);
                for _ in 0..lines.max(1) {
                    self.send_line(&line, false).await?;
                }
                Err(CloseReason::OperationalDisconnect)
            }
            Fate::V1Disconnect { code, reason, .. } => {
                self.record_fault(format!(
                    "v1_disconnect: code {code} after {} messages, then close",
                    self.msgs
                ));
                let line = self.disconnect_message(code, &reason);
                self.send_line(&line, true).await?;
                Err(CloseReason::V1Disconnect { code })
            }
            Fate::MalformedJson { .. } => {
                self.record_fault(format!(
                    "malformed_json: one line after {} messages",
                    self.msgs
                ));
                self.send_line(
                    br#"{"data":{"id":"1","text":"this line is cut short"#,
                    false,
                )
                .await
            }
            Fate::InvalidUtf8 { .. } => {
                self.record_fault(format!(
                    "invalid_utf8: one line after {} messages",
                    self.msgs
                ));
                self.send_line(
                    b"{\"data\":{\"id\":\"1\",\"text\":\"\xC3\x28\xFF\xFE\"}}",
                    false,
                )
                .await
            }
            Fate::CorruptGzip { .. } => {
                self.record_fault(format!(
                    "corrupt_gzip: bad deflate data after {} messages",
                    self.msgs
                ));
                // 0xFF starts a deflate block of the reserved type 3: an error for any
                // inflater, right at the block boundary the last sync flush left.
                let garbage = vec![0xFF; 16];
                if self.gz.is_some() {
                    self.send_wire(garbage).await
                } else {
                    self.send_line(&garbage, false).await
                }
            }
            Fate::OversizedLine { bytes, .. } => {
                self.record_fault(format!(
                    "oversized_line: {bytes} bytes after {} messages",
                    self.msgs
                ));
                let mut line = b"{\"padding\":\"".to_vec();
                let pad = bytes.saturating_sub(line.len() + 2);
                line.resize(line.len() + pad, b'x');
                line.extend_from_slice(b"\"}");
                self.send_line(&line, false).await
            }
            _ => Ok(()),
        }
    }

    /// `reset_after`: the batch ends with the message to cut; send all before it plus half
    /// of it, then abort the connection.
    async fn reset_mid_message(&mut self, batch: Vec<u8>) -> CloseReason {
        self.fault_done = true;
        // The last message of the batch is the one to cut: it starts after the previous
        // CRLF (the batch ends with CRLF).
        let body = &batch[..batch.len().saturating_sub(2)];
        let start = body
            .windows(2)
            .rposition(|w| w == b"\r\n")
            .map(|p| p + 2)
            .unwrap_or(0);
        // With delimited framing, the length line belongs to the message as well.
        let start = if self.delimited {
            body[..start.saturating_sub(2)]
                .windows(2)
                .rposition(|w| w == b"\r\n")
                .map(|p| p + 2)
                .unwrap_or(0)
                .min(start)
        } else {
            start
        };
        let cut_len = batch.len() - start;
        let keep = start + cut_len / 2;
        // The cut message is not "sent".
        if self.stats.ids.pop().is_some() {
            self.stats.tweets = self.stats.tweets.saturating_sub(1);
        } else {
            self.stats.notices = self.stats.notices.saturating_sub(1);
        }
        self.stats.messages = self.stats.messages.saturating_sub(1);
        self.msgs = self.msgs.saturating_sub(1);
        self.stats.bytes = self.stats.bytes.saturating_sub((batch.len() - keep) as u64);
        let sent_before = self.msgs;
        let mut data = batch;
        data.truncate(keep);
        let r = self.send(data).await;
        self.flush_stats();
        self.record_fault(format!(
            "reset_after: aborted the connection in the middle of message {} ({} of {cut_len} bytes sent)",
            sent_before + 1,
            keep - start
        ));
        if let Err(r) = r {
            return r;
        }
        // hyper drops what it has buffered when the body fails, so let it take and write
        // the partial message first: wait until it has drained the channel, then give it a
        // moment to flush.
        let drained = async {
            while self.tx.capacity() < self.tx.max_capacity() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), drained).await;
        let _ = self
            .tx
            .send(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "scripted reset",
            )))
            .await;
        CloseReason::ScenarioReset
    }

    fn disconnect_message(&self, code: u32, reason: &str) -> Vec<u8> {
        let v = serde_json::json!({"disconnect": {
            "code": code,
            "stream_name": format!("emulator-{}-{}", self.endpoint.path().trim_start_matches('/').replace('/', "-"), self.conn_id),
            "reason": reason,
        }});
        serde_json::to_vec(&v).unwrap_or_default()
    }

    async fn finish(mut self, reason: CloseReason) {
        // A client that reconnects must not get the tweets this connection already sent.
        self.shared.timeline.retire(self.cursor);
        // A clean end: v1.1 says why (eviction → 7 admin logout, shutdown → 1), gzip gets
        // its trailer, and dropping the sender ends the chunked body.
        let clean = !matches!(
            reason,
            CloseReason::ClientDisconnected | CloseReason::ScenarioReset
        );
        if clean {
            if self.endpoint.is_v1() {
                let msg = match reason {
                    CloseReason::Evicted => Some(self.disconnect_message(7, "admin logout")),
                    CloseReason::Shutdown => Some(self.disconnect_message(1, "shutdown")),
                    _ => None,
                };
                if let Some(m) = msg {
                    let mut out = Vec::new();
                    Self::frame(self.delimited, &mut out, &m);
                    self.stats.messages += 1;
                    self.stats.notices += 1;
                    self.stats.bytes += out.len() as u64;
                    let wire = self.compress(out);
                    self.stats.wire += wire.len() as u64;
                    let _ = tokio::time::timeout(
                        Duration::from_secs(1),
                        self.tx.send(Ok(Bytes::from(wire))),
                    )
                    .await;
                }
            }
            if let Some(gz) = self.gz.take() {
                if let Ok(tail) = gz.finish() {
                    if !tail.is_empty() {
                        self.stats.wire += tail.len() as u64;
                        let _ = tokio::time::timeout(
                            Duration::from_secs(5),
                            self.tx.send(Ok(Bytes::from(tail))),
                        )
                        .await;
                    }
                }
            }
        }
        self.flush_stats();
        let ghost = match reason {
            CloseReason::Evicted | CloseReason::Shutdown | CloseReason::ClosedByHandle => {
                Duration::ZERO
            }
            _ => self.shared.config.ghost_period,
        };
        lock(&self.shared.registry).release(self.conn_id, ghost, Instant::now());
        let at = self.shared.elapsed();
        let id = self.conn_id;
        let cap = self.shared.config.max_log_entries;
        let r2 = reason.clone();
        self.shared.observe(|o| {
            o.counters.connections_closed += 1;
            o.counters.connections_active = o.counters.connections_active.saturating_sub(1);
            if let Some(rec) = o.connection_mut(id) {
                rec.closed_at = Some(at);
                rec.close_reason = Some(r2.clone());
            }
            o.push_event(at, Event::ConnectionClosed { id, reason: r2 }, cap);
        });
        drop(self.tx);
    }
}

fn itoa(n: u64) -> Vec<u8> {
    n.to_string().into_bytes()
}

/// Queue the v1.1 notices due after the `statuses`-th status.
fn queue_notices(
    st: &mut V1State,
    cfg: &crate::config::V1Notices,
    stall_warnings: bool,
    limit_notices: bool,
    ts_ms: u64,
) {
    let k = st.statuses;
    let due = |every: u64| every > 0 && k % every == 0;
    let (id, user) = st.recent.front().copied().unwrap_or((0, 0));
    if due(cfg.delete_every) {
        st.pending.push_back(
            format!(
                r#"{{"delete":{{"status":{{"id":{id},"id_str":"{id}","user_id":{user},"user_id_str":"{user}"}},"timestamp_ms":"{ts_ms}"}}}}"#
            )
            .into_bytes(),
        );
    }
    if limit_notices && due(cfg.limit_every) {
        st.limit_track += 1 + (k.wrapping_mul(7919) % 97);
        let track = st.limit_track;
        st.pending.push_back(
            format!(r#"{{"limit":{{"track":{track},"timestamp_ms":"{ts_ms}"}}}}"#).into_bytes(),
        );
    }
    if due(cfg.scrub_geo_every) {
        st.pending.push_back(
            format!(
                r#"{{"scrub_geo":{{"user_id":{user},"user_id_str":"{user}","up_to_status_id":{id},"up_to_status_id_str":"{id}","timestamp_ms":"{ts_ms}"}}}}"#
            )
            .into_bytes(),
        );
    }
    if due(cfg.status_withheld_every) {
        st.pending.push_back(
            format!(
                r#"{{"status_withheld":{{"id":{id},"user_id":{user},"withheld_in_countries":["DE","AR"],"timestamp_ms":"{ts_ms}"}}}}"#
            )
            .into_bytes(),
        );
    }
    if due(cfg.user_withheld_every) {
        st.pending.push_back(
            format!(
                r#"{{"user_withheld":{{"id":{user},"withheld_in_countries":["DE","AR"],"timestamp_ms":"{ts_ms}"}}}}"#
            )
            .into_bytes(),
        );
    }
    if stall_warnings && due(cfg.warning_every) {
        st.pending.push_back(
            br#"{"warning":{"code":"FALLING_BEHIND","message":"Your connection is falling behind and messages are being queued for delivery to you. Your queue is now over 60% full. You will be disconnected when the queue is full.","percent_full":60}}"#
                .to_vec(),
        );
    }
}
