//! The supervisor (connect → read → classify → wait → reconnect) and the event stream it feeds.
//!
//! The supervisor is pull-driven: it does work only when the consumer asks for the next event,
//! so a handler that calls `disconnect()` from inside a callback stops the stream before any
//! back-off sleep or further read, and a slow consumer slows the reading (no unbounded queue).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::error::{ConnectionError, ConnectionErrorKind, HttpError, RateLimit};
use crate::framer::{Frame, Framer};
use crate::inflate::GzipDecoder;
use crate::models::v2::Problem;
use crate::policy::{Decision, Failure, ReconnectPolicy, ReconnectReason};
use crate::stats::Counters;
use crate::Error;

/// One event of a stream. Errors are the `Err` side of the stream's items.
#[derive(Debug, Clone)]
pub enum Event<M> {
    /// Connected: the server answered 200.
    Connected {
        /// Rate-limit headers of the connect response.
        rate_limit: Option<RateLimit>,
    },
    /// A keep-alive (blank line) arrived.
    KeepAlive,
    /// A message arrived.
    Message(M),
    /// The server ended the stream cleanly (a reconnect follows unless the policy says otherwise).
    Closed,
    /// A reconnect is scheduled after `delay`.
    Reconnecting {
        /// How long the supervisor waits before connecting again.
        delay: Duration,
        /// Why.
        reason: ReconnectReason,
        /// Failed attempts since the last good connection.
        failed_attempts: u32,
    },
}

/// What a decoded message means for the connection.
pub(crate) enum Control {
    /// Ordinary data: proof of a good connection.
    Data,
    /// The server is closing this connection; reconnect.
    Reconnect(String),
    /// The server is closing this connection for good; stop.
    #[allow(dead_code)] // used by the v1.1 endpoint
    Stop(String),
}

/// What an endpoint knows of the attempt it builds a request for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Attempt {
    /// For a reconnect after data was received: how long ago the last bytes arrived (so how
    /// long the client has been away).
    pub since_last_data: Option<Duration>,
}

/// One streaming endpoint: how to request it and how to read its messages.
pub(crate) trait Endpoint: Send + 'static {
    type Message: Send + 'static;
    /// A fresh request for each attempt (so OAuth 1.0a gets a fresh nonce and timestamp).
    fn request(&self, http: &reqwest::Client, attempt: Attempt) -> reqwest::RequestBuilder;
    /// Whether `message` was already delivered (and must be dropped). Default: never.
    fn is_duplicate(&mut self, message: &Self::Message) -> bool {
        let _ = message;
        false
    }
    fn framer(&self, max_message_size: usize) -> Framer;
    fn decode(&self, raw: Bytes) -> Result<Self::Message, Error>;
    fn control(&self, message: &Self::Message) -> Control;
    fn classify_status(&self, status: u16) -> Failure;
}

/// Settings the supervisor needs.
pub(crate) struct RunSettings {
    pub http: reqwest::Client,
    pub policy: Box<dyn ReconnectPolicy>,
    pub stall_timeout: Option<Duration>,
    pub max_message_size: usize,
    /// Ask for gzip (`Accept-Encoding: gzip`); a gzip body is decompressed by the
    /// [`GzipDecoder`] stage.
    pub gzip: bool,
    pub cancel: CancellationToken,
    pub counters: Arc<Counters>,
    pub running: Arc<AtomicBool>,
}

struct Connection {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    /// Present when the body is gzip-compressed.
    gzip: Option<GzipDecoder>,
    framer: Framer,
    established: bool,
}

enum State {
    /// Wait this long, then connect.
    Waiting(Duration),
    Reading(Box<Connection>),
    Finished,
}

pub(crate) type Item<M> = Result<Event<M>, Error>;

pub(crate) struct Supervisor<E: Endpoint> {
    endpoint: E,
    s: RunSettings,
    state: State,
    pending: VecDeque<Item<E::Message>>,
    exit: Arc<Mutex<Option<Error>>>,
    /// When the last bytes arrived (for a backfilled reconnect).
    last_data_at: Option<tokio::time::Instant>,
}

const ERROR_BODY_LIMIT: usize = 64 * 1024;

impl<E: Endpoint> Supervisor<E> {
    pub(crate) fn new(endpoint: E, s: RunSettings) -> Supervisor<E> {
        Supervisor {
            endpoint,
            s,
            state: State::Waiting(Duration::ZERO),
            pending: VecDeque::new(),
            exit: Arc::new(Mutex::new(None)),
            last_data_at: None,
        }
    }

    pub(crate) async fn next(&mut self) -> Option<Item<E::Message>> {
        loop {
            if self.s.cancel.is_cancelled() && !matches!(self.state, State::Finished) {
                // A reconnect that was scheduled will not happen: do not report it.
                self.pending
                    .retain(|i| !matches!(i, Ok(Event::Reconnecting { .. })));
                self.finish();
            }
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            match std::mem::replace(&mut self.state, State::Finished) {
                State::Finished => {
                    self.finish();
                    return None;
                }
                State::Waiting(delay) => {
                    if !delay.is_zero() {
                        let cancel = self.s.cancel.clone();
                        tokio::select! {
                            biased;
                            _ = cancel.cancelled() => continue,
                            _ = tokio::time::sleep(delay) => {}
                        }
                    }
                    self.connect().await;
                }
                State::Reading(mut conn) => {
                    if let Some(frame) = conn.framer.next_frame() {
                        self.on_frame(frame, conn);
                        continue;
                    }
                    // Decompress one buffer at a time, only when the framer has used the last.
                    if let Some(gz) = &mut conn.gzip {
                        match gz.next_chunk() {
                            Ok(Some(chunk)) => {
                                Counters::add(&self.s.counters.bytes, chunk.len() as u64);
                                conn.framer.push(chunk);
                                self.state = State::Reading(conn);
                                continue;
                            }
                            Ok(None) => {}
                            Err(e) => {
                                let ce = ConnectionError {
                                    kind: ConnectionErrorKind::Body,
                                    message: e.to_string(),
                                };
                                self.fail_network(ce, conn.established);
                                continue;
                            }
                        }
                    }
                    let cancel = self.s.cancel.clone();
                    let read = async {
                        match self.s.stall_timeout {
                            Some(d) => tokio::time::timeout(d, conn.body.next())
                                .await
                                .map_err(|_| d),
                            None => Ok(conn.body.next().await),
                        }
                    };
                    let result = tokio::select! {
                        biased;
                        _ = cancel.cancelled() => continue,
                        r = read => r,
                    };
                    match result {
                        Ok(Some(Ok(chunk))) => {
                            self.last_data_at = Some(tokio::time::Instant::now());
                            match &mut conn.gzip {
                                Some(gz) => gz.push(chunk),
                                None => {
                                    Counters::add(&self.s.counters.bytes, chunk.len() as u64);
                                    conn.framer.push(chunk);
                                }
                            }
                            self.state = State::Reading(conn);
                        }
                        Ok(Some(Err(e))) => {
                            let ce = ConnectionError::from_reqwest(e, true);
                            self.fail_network(ce, conn.established);
                        }
                        Ok(None) => {
                            Counters::add(&self.s.counters.closed_by_server, 1);
                            self.pending.push_back(Ok(Event::Closed));
                            let e = Error::Connection(ConnectionError {
                                kind: ConnectionErrorKind::Body,
                                message: "the server closed the stream".into(),
                            });
                            self.fail(
                                Failure::Closed,
                                e,
                                ReconnectReason::Closed,
                                conn.established,
                            );
                        }
                        Err(d) => {
                            Counters::add(&self.s.counters.stalls, 1);
                            let reason = ReconnectReason::StallTimeout(d);
                            self.fail(Failure::Network, Error::Stall(d), reason, conn.established);
                        }
                    }
                }
            }
        }
    }

    /// Stop for good: release the running flag. Dropping the connection closes the socket.
    fn finish(&mut self) {
        self.state = State::Finished;
        self.s.running.store(false, Ordering::Release);
    }

    fn stop_with(&mut self, e: Error) {
        self.s.counters.set_last_error(&e);
        if let Ok(mut g) = self.exit.lock() {
            *g = Some(e.clone());
        }
        self.pending.push_back(Err(e));
        self.finish();
    }

    async fn connect(&mut self) {
        let attempt = Attempt {
            since_last_data: self.last_data_at.map(|t| t.elapsed()),
        };
        let mut req = self.endpoint.request(&self.s.http, attempt);
        if self.s.gzip {
            req = req.header(http::header::ACCEPT_ENCODING, "gzip");
        }
        let cancel = self.s.cancel.clone();
        let resp = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            r = req.send() => r,
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                self.fail_network(ConnectionError::from_reqwest(e, false), false);
                return;
            }
        };
        let status = resp.status().as_u16();
        let rate_limit = RateLimit::from_headers(resp.headers());
        if status == 200 {
            Counters::add(&self.s.counters.connects, 1);
            self.s.policy.on_connected();
            self.pending.push_back(Ok(Event::Connected { rate_limit }));
            let gzip = match gzip_decoder(resp.headers()) {
                Ok(gzip) => gzip,
                Err(ce) => {
                    // Not an encoding we asked for: the body would be garbage to the framer.
                    self.fail_network(ce, false);
                    return;
                }
            };
            self.state = State::Reading(Box::new(Connection {
                gzip,
                body: Box::pin(resp.bytes_stream()),
                framer: self.endpoint.framer(self.s.max_message_size),
                established: false,
            }));
            return;
        }
        // Read (a bounded part of) the error body, but never wait on it forever.
        let body = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            b = read_limited(resp, ERROR_BODY_LIMIT) => b,
        };
        let err = http_error(status, &body, rate_limit);
        let failure = self.endpoint.classify_status(status);
        let reason = match failure {
            Failure::RateLimited(s) => {
                Counters::add(&self.s.counters.rate_limited, 1);
                ReconnectReason::RateLimited(s)
            }
            _ => {
                Counters::add(&self.s.counters.http_errors, 1);
                ReconnectReason::Http(status)
            }
        };
        self.fail(failure, Error::Http(Box::new(err)), reason, false);
    }

    /// A network-level failure: counted, reported, and reconnected after per the policy.
    fn fail_network(&mut self, ce: ConnectionError, established: bool) {
        Counters::add(&self.s.counters.network_errors, 1);
        let reason = ReconnectReason::Network(ce.to_string());
        self.fail(Failure::Network, Error::Connection(ce), reason, established);
    }

    fn fail(&mut self, failure: Failure, error: Error, reason: ReconnectReason, established: bool) {
        let decision = self.s.policy.on_failure_after(&failure, established);
        match decision {
            Decision::Retry(delay) => {
                self.s.counters.set_last_error(&error);
                if failure != Failure::Closed {
                    self.pending.push_back(Err(error));
                }
                Counters::add(&self.s.counters.reconnects, 1);
                self.pending.push_back(Ok(Event::Reconnecting {
                    delay,
                    reason,
                    failed_attempts: self.s.policy.failed_attempts(),
                }));
                self.state = State::Waiting(delay);
            }
            Decision::GiveUp => {
                let attempts = self.s.policy.failed_attempts();
                self.stop_with(Error::GaveUp {
                    attempts,
                    last: Box::new(error),
                });
            }
            Decision::Stop => self.stop_with(error),
        }
    }

    fn on_frame(
        &mut self,
        frame: Result<Frame, crate::framer::FrameError>,
        mut conn: Box<Connection>,
    ) {
        match frame {
            Ok(Frame::KeepAlive) => {
                Counters::add(&self.s.counters.keep_alives, 1);
                if !conn.established {
                    conn.established = true;
                    self.s.policy.on_data();
                }
                self.pending.push_back(Ok(Event::KeepAlive));
                self.state = State::Reading(conn);
            }
            Ok(Frame::Message(raw)) => {
                Counters::add(&self.s.counters.messages, 1);
                match self.endpoint.decode(raw) {
                    Ok(m) => match self.endpoint.control(&m) {
                        Control::Data => {
                            if !conn.established {
                                conn.established = true;
                                self.s.policy.on_data();
                            }
                            if self.endpoint.is_duplicate(&m) {
                                Counters::add(&self.s.counters.duplicates_dropped, 1);
                            } else {
                                self.pending.push_back(Ok(Event::Message(m)));
                            }
                            self.state = State::Reading(conn);
                        }
                        Control::Reconnect(why) => {
                            Counters::add(&self.s.counters.server_disconnects, 1);
                            self.pending.push_back(Ok(Event::Message(m)));
                            let e = Error::Connection(ConnectionError {
                                kind: ConnectionErrorKind::Other,
                                message: format!("server disconnect: {why}"),
                            });
                            // Dropping `conn` closes the socket before reconnecting.
                            self.fail(
                                Failure::Closed,
                                e,
                                ReconnectReason::ServerDisconnect(why),
                                conn.established,
                            );
                        }
                        Control::Stop(why) => {
                            Counters::add(&self.s.counters.server_disconnects, 1);
                            self.pending.push_back(Ok(Event::Message(m)));
                            self.stop_with(Error::ServerDisconnect(why));
                        }
                    },
                    Err(e) => {
                        Counters::add(&self.s.counters.decode_errors, 1);
                        self.s.counters.set_last_error(&e);
                        self.pending.push_back(Err(e));
                        self.state = State::Reading(conn);
                    }
                }
            }
            Err(fe) => {
                Counters::add(&self.s.counters.decode_errors, 1);
                let e: Error = fe.into();
                self.s.counters.set_last_error(&e);
                self.pending.push_back(Err(e));
                self.state = State::Reading(conn);
            }
        }
    }
}

impl<E: Endpoint> Drop for Supervisor<E> {
    fn drop(&mut self) {
        self.s.running.store(false, Ordering::Release);
    }
}

/// The decoder a response body needs: `None` for an identity body, a [`GzipDecoder`] for gzip,
/// an error for any other `Content-Encoding` (we only ever ask for gzip).
fn gzip_decoder(headers: &http::HeaderMap) -> Result<Option<GzipDecoder>, ConnectionError> {
    match headers.get(http::header::CONTENT_ENCODING) {
        None => Ok(None),
        Some(v) if v.as_bytes().eq_ignore_ascii_case(b"identity") => Ok(None),
        Some(v) if v.as_bytes().eq_ignore_ascii_case(b"gzip") => Ok(Some(GzipDecoder::new())),
        Some(v) => Err(ConnectionError {
            kind: ConnectionErrorKind::Other,
            message: format!(
                "unsupported Content-Encoding {:?}",
                String::from_utf8_lossy(v.as_bytes())
            ),
        }),
    }
}

async fn read_limited(resp: reqwest::Response, limit: usize) -> Vec<u8> {
    // An encoding we cannot decode is read as it is: the body is only for the error report.
    let mut gzip = gzip_decoder(resp.headers()).unwrap_or(None);
    let mut out = Vec::new();
    let mut body = resp.bytes_stream();
    let read = async {
        let mut take = |chunk: &[u8]| {
            let room = limit.saturating_sub(out.len());
            out.extend_from_slice(&chunk[..chunk.len().min(room)]);
            out.len() >= limit
        };
        while let Some(Ok(chunk)) = body.next().await {
            let full = match &mut gzip {
                None => take(&chunk),
                Some(gz) => {
                    gz.push(chunk);
                    let mut full = false;
                    // A corrupt body ends the read; what was decoded is kept.
                    while let Ok(Some(c)) = gz.next_chunk() {
                        full = take(&c);
                        if full {
                            break;
                        }
                    }
                    full
                }
            };
            if full {
                break;
            }
        }
    };
    // An error body that never ends must not hang the supervisor.
    let _ = tokio::time::timeout(Duration::from_secs(10), read).await;
    out
}

/// Build an [`HttpError`] from a status and body: parse X's problem JSON when there is one.
pub(crate) fn http_error(status: u16, body: &[u8], rate_limit: Option<RateLimit>) -> HttpError {
    let mut problems = Vec::new();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            if v.get("title").is_none() {
                problems.extend(
                    errors
                        .iter()
                        .filter_map(|e| serde_json::from_value::<Problem>(e.clone()).ok()),
                );
            }
        }
        if v.get("title").is_some() || v.get("type").is_some() || v.get("detail").is_some() {
            if let Ok(p) = serde_json::from_value::<Problem>(v.clone()) {
                problems.insert(0, p);
            }
        }
    }
    HttpError {
        status,
        body: String::from_utf8_lossy(body).into_owned(),
        problems,
        rate_limit,
    }
}

/// What a client shares with its streams: one stream at a time, the current run's cancellation
/// token (so `disconnect()` works from any clone), and the counters.
#[derive(Default)]
pub(crate) struct RunControl {
    running: Arc<AtomicBool>,
    current: Mutex<CancellationToken>,
    counters: Arc<Counters>,
}

impl RunControl {
    /// Start a run of `endpoint`, or fail with `AlreadyRunning`.
    pub(crate) fn start<E: Endpoint>(
        &self,
        endpoint: E,
        http: &reqwest::Client,
        settings: &crate::connector::Settings,
        v1: bool,
    ) -> Result<EventStream<E::Message>, Error> {
        if self
            .running
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(Error::AlreadyRunning);
        }
        let cancel = CancellationToken::new();
        if let Ok(mut g) = self.current.lock() {
            *g = cancel.clone();
        }
        let run = RunSettings {
            http: http.clone(),
            policy: settings.policy(v1),
            stall_timeout: settings.stall_timeout,
            max_message_size: settings.max_message_size,
            gzip: settings.gzip,
            cancel,
            counters: self.counters.clone(),
            running: self.running.clone(),
        };
        Ok(EventStream::new(Supervisor::new(endpoint, run)))
    }

    pub(crate) fn disconnect(&self) {
        if let Ok(g) = self.current.lock() {
            g.cancel();
        }
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    pub(crate) fn stats(&self) -> crate::stats::Stats {
        self.counters.snapshot()
    }
}

/// A running stream: a [`futures_core::Stream`] of [`Event`]s, ending after
/// [`disconnect`](crate::AsyncStreamingClient::disconnect), a fatal error or giving up.
///
/// Dropping it closes the connection.
pub struct EventStream<M> {
    inner: Pin<Box<dyn Stream<Item = Item<M>> + Send>>,
    exit: Arc<Mutex<Option<Error>>>,
    cancel: CancellationToken,
}

impl<M: Send + 'static> EventStream<M> {
    pub(crate) fn new<E: Endpoint<Message = M>>(sup: Supervisor<E>) -> EventStream<M> {
        let exit = sup.exit.clone();
        let cancel = sup.s.cancel.clone();
        // Boxed, so each step moves a pointer rather than the whole supervisor.
        let inner = futures_util::stream::unfold(Box::new(sup), |mut s| async move {
            s.next().await.map(|item| (item, s))
        })
        .fuse(); // polling after the end keeps answering `None`
        EventStream {
            inner: Box::pin(inner),
            exit,
            cancel,
        }
    }

    /// Stop this stream (same as the client's `disconnect()`).
    pub fn disconnect(&self) {
        self.cancel.cancel();
    }

    pub(crate) fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// After the stream ended: the error that ended it, or `None` when it was disconnected.
    pub fn exit_error(&self) -> Option<Error> {
        self.exit.lock().ok().and_then(|g| g.clone())
    }
}

impl<M> Stream for EventStream<M> {
    type Item = Result<Event<M>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<M> std::fmt::Debug for EventStream<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}
