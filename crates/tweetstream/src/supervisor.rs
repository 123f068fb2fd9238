//! The supervisor: connect → read → classify → wait → reconnect, written once for every
//! [`Endpoint`] and for both the typed and the raw decoding.
//!
//! It is pull-driven: it does work only when the consumer asks for the next event, so a handler
//! that calls `disconnect()` from inside a callback stops the stream before any back-off sleep
//! or further read, and a slow consumer slows the reading (no unbounded queue).

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::auth::Auth;
use crate::connector::{Body, Connector};
use crate::dedupe::Dedupe;
use crate::endpoint::{Attempt, Control, Endpoint};
use crate::error::{http_error, ConnectionError, ConnectionErrorKind, RateLimit};
use crate::framer::{Frame, FrameError, Framer};
use crate::inflate::GzipDecoder;
use crate::policy::{Decision, Failure, ReconnectPolicy, ReconnectReason};
use crate::raw::{Raw, RawLine};
use crate::readahead::{Ahead, End, ReadAhead, Reader};
use crate::stats::Counters;
use crate::stream::{Event, Item, Permit};
use crate::Error;

/// How many message ids a deduplicating stream remembers (a few minutes of a busy stream).
pub(crate) const DEDUPE_WINDOW: usize = 100_000;

/// The largest part of an error body that is kept.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// How the supervisor turns a frame into an item: a typed decode ([`Typed`]) or none
/// ([`Untyped`], the raw path). Monomorphised, so neither pays for the other.
pub(crate) trait Decoding<E: Endpoint>: Send + 'static {
    type Item: Send + 'static;
    fn decode(endpoint: &E, raw: Bytes) -> Result<Self::Item, Error>;
    fn control(endpoint: &E, item: &Self::Item) -> Control;
    fn id(endpoint: &E, item: &Self::Item) -> Option<u64>;
}

/// Decode every message into the endpoint's typed message.
pub(crate) struct Typed;

impl<E: Endpoint> Decoding<E> for Typed {
    type Item = Raw<E::Message>;
    fn decode(endpoint: &E, raw: Bytes) -> Result<Self::Item, Error> {
        match endpoint.decode(&raw) {
            Ok(m) => Ok(Raw::new(raw, m)),
            Err(e) => Err(Error::decode(e, raw)),
        }
    }
    fn control(endpoint: &E, item: &Self::Item) -> Control {
        endpoint.control(item)
    }
    fn id(endpoint: &E, item: &Self::Item) -> Option<u64> {
        endpoint.message_id(item)
    }
}

/// Pass every message through as bytes; only in-band disconnects are recognised.
pub(crate) struct Untyped;

impl<E: Endpoint> Decoding<E> for Untyped {
    type Item = RawLine;
    fn decode(endpoint: &E, raw: Bytes) -> Result<RawLine, Error> {
        Ok(RawLine::new(raw, endpoint.id_reader()))
    }
    fn control(endpoint: &E, item: &RawLine) -> Control {
        endpoint.inspect(item.bytes())
    }
    fn id(_endpoint: &E, item: &RawLine) -> Option<u64> {
        item.id()
    }
}

/// Everything a run needs besides its endpoint.
pub(crate) struct RunSettings {
    pub connector: Arc<dyn Connector>,
    pub auth: Arc<dyn Auth>,
    pub api_base: Url,
    pub policy: Box<dyn ReconnectPolicy>,
    pub stall_timeout: Option<Duration>,
    pub max_message_size: usize,
    /// Ask for gzip (`Accept-Encoding: gzip`); a gzip body is decompressed by the
    /// [`GzipDecoder`] stage.
    pub gzip: bool,
    pub cancel: CancellationToken,
    pub counters: Arc<Counters>,
    /// This run's place among the client's streams; released when the run ends.
    pub permit: Option<Permit>,
    /// Where the error that ended the run is kept for `exit_error()`.
    pub exit: Arc<Mutex<Option<Error>>>,
    /// Read ahead of the consumer into a bounded buffer (`None`: read when asked).
    pub read_ahead: Option<ReadAhead>,
}

struct Connection {
    source: Source,
    established: bool,
}

/// Where a connection's frames come from.
#[allow(clippy::large_enum_variant)] // inside a boxed Connection: its size does not move
enum Source {
    /// Read here, when the consumer asks (the default).
    Direct {
        body: Body,
        /// Present when the body is gzip-compressed.
        gzip: Option<GzipDecoder>,
        framer: Framer,
    },
    /// Read ahead by a task into a bounded buffer.
    Ahead(Reader),
}

enum State {
    /// Wait this long, then connect.
    Waiting(Duration),
    Reading(Box<Connection>),
    Finished,
}

pub(crate) struct Supervisor<E: Endpoint, D: Decoding<E>> {
    endpoint: E,
    s: RunSettings,
    state: State,
    pending: VecDeque<Item<D::Item>>,
    /// When the last bytes arrived (for a backfilled reconnect).
    last_data_at: Option<tokio::time::Instant>,
    dedupe: Option<Dedupe>,
    _decoding: PhantomData<D>,
}

impl<E: Endpoint, D: Decoding<E>> Supervisor<E, D> {
    pub(crate) fn new(endpoint: E, s: RunSettings) -> Supervisor<E, D> {
        let dedupe = endpoint.dedupe().then(|| Dedupe::new(DEDUPE_WINDOW));
        Supervisor {
            endpoint,
            s,
            state: State::Waiting(Duration::ZERO),
            pending: VecDeque::new(),
            last_data_at: None,
            dedupe,
            _decoding: PhantomData,
        }
    }

    /// The supervisor as a stream of items (boxed, so each step moves a pointer rather than
    /// the whole supervisor).
    pub(crate) fn into_stream(
        self,
    ) -> std::pin::Pin<Box<dyn futures_core::Stream<Item = Item<D::Item>> + Send>> {
        let s = futures_util::stream::unfold(Box::new(self), |mut s| async move {
            s.next().await.map(|item| (item, s))
        })
        .fuse(); // polling after the end keeps answering `None`
        Box::pin(s)
    }

    pub(crate) async fn next(&mut self) -> Option<Item<D::Item>> {
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
                State::Reading(conn) => self.read(conn).await,
            }
        }
    }

    /// One step of reading: a frame if one is ready, else decompress or read a chunk.
    async fn read(&mut self, mut conn: Box<Connection>) {
        let cancel = self.s.cancel.clone();
        let stall = self.s.stall_timeout;
        let (body, gzip, framer) = match &mut conn.source {
            Source::Direct { body, gzip, framer } => (body, gzip, framer),
            Source::Ahead(reader) => {
                let (item, drops) = match reader.pop() {
                    Some(item) => item,
                    None => tokio::select! {
                        biased;
                        _ = cancel.cancelled() => return self.finish_reading(conn),
                        item = reader.next() => item,
                    },
                };
                if drops > 0 {
                    self.pending
                        .push_back(Ok(Event::Dropped { messages: drops }));
                }
                return match item {
                    Ahead::Frame(frame) => {
                        self.last_data_at = Some(tokio::time::Instant::now());
                        self.on_frame(frame, conn)
                    }
                    Ahead::End(end) => self.on_end(end, conn.established),
                };
            }
        };
        if let Some(frame) = framer.next_frame() {
            self.on_frame(frame, conn);
            return;
        }
        // Decompress one buffer at a time, only when the framer has used the last.
        if let Some(gz) = gzip {
            match gz.next_chunk() {
                Ok(Some(chunk)) => {
                    self.s.counters.add(|c| &c.bytes, chunk.len() as u64);
                    framer.push(chunk);
                    self.state = State::Reading(conn);
                    return;
                }
                Ok(None) => {}
                Err(e) => {
                    let ce = ConnectionError::with_source(ConnectionErrorKind::Body, e);
                    return self.on_end(End::Network(ce), conn.established);
                }
            }
        }
        let read = async {
            match stall {
                Some(d) => tokio::time::timeout(d, body.next()).await.map_err(|_| d),
                None => Ok(body.next().await),
            }
        };
        let result = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            r = read => r,
        };
        match result {
            Ok(Some(Ok(chunk))) => {
                self.last_data_at = Some(tokio::time::Instant::now());
                match gzip {
                    Some(gz) => gz.push(chunk),
                    None => {
                        self.s.counters.add(|c| &c.bytes, chunk.len() as u64);
                        framer.push(chunk);
                    }
                }
                self.state = State::Reading(conn);
            }
            Ok(Some(Err(ce))) => self.on_end(End::Network(ce), conn.established),
            Ok(None) => self.on_end(End::Closed, conn.established),
            Err(d) => self.on_end(End::Stall(d), conn.established),
        }
    }

    /// The connection ended: the body closed, the network failed or it stalled.
    fn on_end(&mut self, end: End, established: bool) {
        match end {
            End::Network(ce) => self.fail_network(ce, established),
            End::Closed if self.endpoint.finite() => {
                // A recovery window delivered in full: the end of the stream, not a failure.
                self.s.counters.add(|c| &c.closed_by_server, 1);
                self.pending.push_back(Ok(Event::Closed));
                self.finish();
            }
            End::Closed => {
                self.s.counters.add(|c| &c.closed_by_server, 1);
                self.pending.push_back(Ok(Event::Closed));
                let e = Error::Connection(ConnectionError::new(
                    ConnectionErrorKind::Body,
                    "the server closed the stream",
                ));
                self.fail(Failure::Closed, e, ReconnectReason::Closed, established);
            }
            End::Stall(d) => {
                self.s.counters.add(|c| &c.stalls, 1);
                let reason = ReconnectReason::StallTimeout(d);
                self.fail(Failure::Network, Error::Stall(d), reason, established);
            }
        }
    }

    /// Stop for good: release this run's permit. Dropping the connection closes the socket.
    fn finish(&mut self) {
        if let State::Reading(conn) = std::mem::replace(&mut self.state, State::Finished) {
            self.finish_reading(conn);
        }
        self.state = State::Finished;
        self.s.permit.take();
    }

    /// Close a connection for good; messages a read-ahead buffer dropped and did not report
    /// yet are reported now, so no drop goes unreported.
    fn finish_reading(&mut self, conn: Box<Connection>) {
        if let Source::Ahead(reader) = &conn.source {
            let drops = reader.close();
            if drops > 0 {
                self.pending
                    .push_back(Ok(Event::Dropped { messages: drops }));
            }
        }
    }

    fn stop_with(&mut self, e: Error) {
        self.s.counters.set_last_error(&e);
        if let Ok(mut g) = self.s.exit.lock() {
            *g = Some(e.clone());
        }
        self.pending.push_back(Err(e));
        self.finish();
    }

    async fn connect(&mut self) {
        let attempt = Attempt::new(&self.s.api_base, self.last_data_at.map(|t| t.elapsed()));
        let mut request = match self.endpoint.request(&attempt) {
            Ok(r) => r,
            Err(e) => return self.stop_with(e),
        };
        if self.s.gzip {
            request.headers_mut().insert(
                http::header::ACCEPT_ENCODING,
                http::HeaderValue::from_static("gzip"),
            );
        }
        if let Err(e) = self.s.auth.authorize(&mut request) {
            return self.stop_with(e);
        }
        let cancel = self.s.cancel.clone();
        let resp = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            r = self.s.connector.send(request) => r,
        };
        let resp = match resp {
            Ok(r) => r,
            Err(ce) => return self.fail_network(ce, false),
        };
        let status = resp.status().as_u16();
        let rate_limit = RateLimit::from_headers(resp.headers());
        if status == 200 {
            self.s.counters.add(|c| &c.connects, 1);
            self.s.policy.on_connected();
            self.pending.push_back(Ok(Event::Connected { rate_limit }));
            let gzip = match gzip_decoder(resp.headers()) {
                Ok(gzip) => gzip,
                // Not an encoding we asked for: the body would be garbage to the framer.
                Err(ce) => return self.fail_network(ce, false),
            };
            let framer = self.endpoint.framing().framer(self.s.max_message_size);
            let body = resp.into_body();
            let source = match self.s.read_ahead {
                Some(setting) => Source::Ahead(Reader::start(
                    body,
                    gzip,
                    framer,
                    self.s.stall_timeout,
                    setting,
                    Arc::clone(&self.s.counters),
                )),
                None => Source::Direct { body, gzip, framer },
            };
            self.state = State::Reading(Box::new(Connection {
                source,
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
        let failure = self.s.policy.classify(status);
        let reason = match failure {
            Failure::RateLimited(s) => {
                self.s.counters.add(|c| &c.rate_limited, 1);
                ReconnectReason::RateLimited(s)
            }
            _ => {
                self.s.counters.add(|c| &c.http_errors, 1);
                ReconnectReason::Http(status)
            }
        };
        self.fail(failure, Error::Http(Box::new(err)), reason, false);
    }

    /// A network-level failure: counted, reported, and reconnected after per the policy.
    fn fail_network(&mut self, ce: ConnectionError, established: bool) {
        self.s.counters.add(|c| &c.network_errors, 1);
        let reason = ReconnectReason::Network(ce.to_string());
        self.fail(Failure::Network, Error::Connection(ce), reason, established);
    }

    fn fail(&mut self, failure: Failure, error: Error, reason: ReconnectReason, established: bool) {
        match self.s.policy.on_failure_after(&failure, established) {
            Decision::Retry(delay) => {
                self.s.counters.set_last_error(&error);
                if failure != Failure::Closed {
                    self.pending.push_back(Ok(Event::Error(error)));
                }
                self.s.counters.add(|c| &c.reconnects, 1);
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

    /// A recoverable problem with one message: counted and reported; the stream goes on.
    fn skip(&mut self, e: Error, conn: Box<Connection>) {
        self.s.counters.add(|c| &c.decode_errors, 1);
        self.s.counters.set_last_error(&e);
        self.pending.push_back(Ok(Event::Error(e)));
        self.state = State::Reading(conn);
    }

    fn on_frame(&mut self, frame: Result<Frame, FrameError>, mut conn: Box<Connection>) {
        let raw = match frame {
            Ok(Frame::Message(raw)) => raw,
            Ok(_) => {
                // A keep-alive.
                self.s.counters.add(|c| &c.keep_alives, 1);
                if !conn.established {
                    conn.established = true;
                    self.s.policy.on_data();
                }
                self.pending.push_back(Ok(Event::KeepAlive));
                self.state = State::Reading(conn);
                return;
            }
            Err(fe) => return self.skip(fe.into(), conn),
        };
        self.s.counters.add(|c| &c.messages, 1);
        let item = match D::decode(&self.endpoint, raw) {
            Ok(item) => item,
            Err(e) => return self.skip(e, conn),
        };
        match D::control(&self.endpoint, &item) {
            control @ (Control::Reconnect(_) | Control::SlowReader(_)) => {
                self.s.counters.add(|c| &c.server_disconnects, 1);
                self.pending.push_back(Ok(Event::Message(item)));
                let reason = match control {
                    Control::SlowReader(why) => {
                        self.s.counters.add(|c| &c.slow_reader_disconnects, 1);
                        ReconnectReason::SlowReader(why)
                    }
                    Control::Reconnect(why) => ReconnectReason::ServerDisconnect(why),
                    _ => ReconnectReason::Closed,
                };
                let e = Error::Connection(ConnectionError::new(
                    ConnectionErrorKind::Other,
                    format!("{reason}"),
                ));
                // Dropping `conn` closes the socket before reconnecting.
                self.fail(Failure::Closed, e, reason, conn.established);
            }
            Control::Stop(why) => {
                self.s.counters.add(|c| &c.server_disconnects, 1);
                self.pending.push_back(Ok(Event::Message(item)));
                self.stop_with(Error::ServerDisconnect(why));
            }
            _ => {
                if !conn.established {
                    conn.established = true;
                    self.s.policy.on_data();
                }
                let duplicate = match &mut self.dedupe {
                    Some(seen) => {
                        D::id(&self.endpoint, &item).is_some_and(|id| !seen.insert_id(id))
                    }
                    None => false,
                };
                if duplicate {
                    self.s.counters.add(|c| &c.duplicates_dropped, 1);
                } else {
                    self.pending.push_back(Ok(Event::Message(item)));
                }
                self.state = State::Reading(conn);
            }
        }
    }
}

impl<E: Endpoint, D: Decoding<E>> Drop for Supervisor<E, D> {
    fn drop(&mut self) {
        self.s.permit.take();
    }
}

/// The decoder a response body needs: `None` for an identity body, a [`GzipDecoder`] for gzip,
/// an error for any other `Content-Encoding` (we only ever ask for gzip).
pub(crate) fn gzip_decoder(
    headers: &http::HeaderMap,
) -> Result<Option<GzipDecoder>, ConnectionError> {
    match headers.get(http::header::CONTENT_ENCODING) {
        None => Ok(None),
        Some(v) if v.as_bytes().eq_ignore_ascii_case(b"identity") => Ok(None),
        Some(v) if v.as_bytes().eq_ignore_ascii_case(b"gzip") => Ok(Some(GzipDecoder::new())),
        Some(v) => Err(ConnectionError::new(
            ConnectionErrorKind::Other,
            format!(
                "unsupported Content-Encoding {:?}",
                String::from_utf8_lossy(v.as_bytes())
            ),
        )),
    }
}

/// At most `limit` bytes of a response body (decompressed when gzip), within 10 s.
pub(crate) async fn read_limited(resp: http::Response<Body>, limit: usize) -> Vec<u8> {
    // An encoding we cannot decode is read as it is: the body is only for the error report.
    let mut gzip = gzip_decoder(resp.headers()).unwrap_or(None);
    let mut out = Vec::new();
    let mut body = resp.into_body();
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
