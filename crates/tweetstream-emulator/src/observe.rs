//! What the emulator saw and did, for tests: requests, connections, faults, counters.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

use crate::scenario::{Fate, StreamEndpoint};

/// The authentication scheme a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer …` (OAuth 2.0 app-only).
    Bearer,
    /// `Authorization: OAuth …` (OAuth 1.0a).
    OAuth1,
    /// `Authorization: Basic …`.
    Basic,
    /// Anything else.
    Other,
}

/// How a request authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthRecord {
    /// Scheme used.
    pub scheme: AuthScheme,
    /// Who: the bearer token, or `consumer_key:access_token` for OAuth 1.0a.
    pub identity: Option<String>,
    /// Whether the credentials were checked and found valid (false when refused, and also
    /// when accepted without a check because the emulator has no credentials configured for
    /// that scheme).
    pub verified: bool,
    /// Whether the request was let through.
    pub accepted: bool,
    /// Why authentication failed, when it did.
    pub error: Option<String>,
}

impl AuthRecord {
    pub(crate) fn none() -> AuthRecord {
        AuthRecord {
            scheme: AuthScheme::None,
            identity: None,
            verified: false,
            accepted: false,
            error: None,
        }
    }
}

/// One HTTP request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// Request number (1, 2, …).
    pub id: u64,
    /// When it arrived, since the emulator started (tokio clock).
    pub at: Duration,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// Whether the request accepted gzip.
    pub accept_gzip: bool,
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Decoded `application/x-www-form-urlencoded` body pairs (v1.1 POST).
    pub form: Vec<(String, String)>,
    /// The body as text when it was JSON (rules requests).
    pub body: Option<String>,
    /// Authentication.
    pub auth: AuthRecord,
    /// Response status.
    pub status: u16,
    /// The stream connection it opened, if any.
    pub connection: Option<u64>,
    /// A scripted fault applied to this request (status fates), if any.
    pub fault: Option<String>,
    /// Why the request was refused, for non-2xx answers.
    pub error: Option<String>,
}

/// Why a stream connection ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum CloseReason {
    /// The client went away.
    ClientDisconnected,
    /// A `close_after` fate ended the response cleanly.
    ScenarioClose,
    /// A `reset_after` fate aborted the connection mid-message.
    ScenarioReset,
    /// A `stall` fate with `then: close`.
    StallClose,
    /// After v2 operational-disconnect lines.
    OperationalDisconnect,
    /// After a v1.1 `disconnect` message (scripted, code as given).
    V1Disconnect {
        /// The disconnect code sent.
        code: u32,
    },
    /// Closed because a newer connection of the same credential evicted it.
    Evicted,
    /// Closed by [`crate::EmulatorHandle::close_connection`].
    ClosedByHandle,
    /// A recovery (`start_time`/`end_time`) replay finished.
    RecoveryComplete,
    /// The client read too slowly: its queue filled ([`crate::SlowReaders::Disconnect`]).
    SlowReader,
    /// The emulator shut down.
    Shutdown,
}

/// One stream connection.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionRecord {
    /// Connection number (1, 2, …).
    pub id: u64,
    /// The request that opened it.
    pub request_id: u64,
    /// Endpoint.
    pub endpoint: StreamEndpoint,
    /// `partition` parameter, for partitioned streams.
    pub partition: Option<u32>,
    /// The credential it counts against (`bearer:<token>` or `oauth:<key>:<token>`).
    pub credential: String,
    /// The fate it was given.
    pub fate: Fate,
    /// Whether the response is gzip-compressed.
    pub gzip: bool,
    /// Whether v1.1 `delimited=length` framing is used.
    pub delimited: bool,
    /// When it opened, since the emulator started.
    pub opened_at: Duration,
    /// When it closed.
    pub closed_at: Option<Duration>,
    /// Why it closed.
    pub close_reason: Option<CloseReason>,
    /// Lines sent other than keep-alives (events, v1.1 notices, scripted lines).
    pub messages_sent: u64,
    /// Events sent: tweets on the tweet streams, likes, compliance, label and activity events
    /// on the others (complete ones only; an event cut by a reset is not counted).
    pub tweets_sent: u64,
    /// v1.1 notices sent (delete, limit, scrub_geo, …, warning, disconnect).
    pub notices_sent: u64,
    /// Keep-alives sent.
    pub keep_alives_sent: u64,
    /// Body bytes before compression.
    pub bytes_sent: u64,
    /// Body bytes on the wire (after gzip when enabled).
    pub wire_bytes_sent: u64,
    /// The ids of the events sent, in order (bounded; see `tweet_ids_dropped`): tweet ids on
    /// the tweet streams, and on the others the id [`crate::event_id`] reads from a message.
    pub tweet_ids: Vec<u64>,
    /// Ids not recorded because the bound was reached.
    pub tweet_ids_dropped: u64,
    /// Scripted faults that happened on this connection, in order.
    pub faults: Vec<String>,
}

/// Something that happened, for the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum Event {
    /// A request was answered (for streams: the headers were sent).
    Request {
        /// Request id.
        id: u64,
        /// Method.
        method: String,
        /// Path.
        path: String,
        /// Status.
        status: u16,
    },
    /// A stream connection opened.
    ConnectionOpened {
        /// Connection id.
        id: u64,
        /// Endpoint.
        endpoint: StreamEndpoint,
    },
    /// A stream connection closed.
    ConnectionClosed {
        /// Connection id.
        id: u64,
        /// Why.
        reason: CloseReason,
    },
    /// A scripted fault was applied.
    Fault {
        /// The request it applied to.
        request: u64,
        /// The connection, when the fault happened on an open stream.
        connection: Option<u64>,
        /// What happened.
        description: String,
    },
    /// A connection attempt was refused by the connection limit.
    ConnectionRefused {
        /// Request id.
        request: u64,
        /// Credential.
        credential: String,
    },
    /// A connection was evicted by a newer one.
    ConnectionEvicted {
        /// The evicted connection.
        id: u64,
        /// The request that caused it.
        by_request: u64,
    },
    /// Rules changed.
    RulesChanged {
        /// The app (bearer token, or `default`).
        app: String,
        /// Rules added.
        added: usize,
        /// Rules deleted.
        deleted: usize,
    },
}

/// An [`Event`] with the time it happened, since the emulator started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimedEvent {
    /// When.
    pub at: Duration,
    /// What.
    pub event: Event,
}

/// Running totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Requests answered.
    pub requests: u64,
    /// Stream connections opened.
    pub connections_opened: u64,
    /// Stream connections closed.
    pub connections_closed: u64,
    /// Stream connections open now.
    pub connections_active: u64,
    /// Connection attempts refused by the connection limit.
    pub connections_refused: u64,
    /// Connections evicted by newer ones.
    pub connections_evicted: u64,
    /// Connection attempts refused by the connect rate limit.
    pub rate_limited: u64,
    /// Requests refused for authentication.
    pub auth_failures: u64,
    /// Lines sent other than keep-alives.
    pub messages_sent: u64,
    /// Events sent (tweets, likes, compliance, label and activity events).
    pub tweets_sent: u64,
    /// Keep-alives sent.
    pub keep_alives_sent: u64,
    /// Body bytes sent before compression.
    pub bytes_sent: u64,
    /// Body bytes sent on the wire.
    pub wire_bytes_sent: u64,
    /// Scripted faults applied.
    pub faults_applied: u64,
    /// Rules added.
    pub rules_added: u64,
    /// Rules deleted.
    pub rules_deleted: u64,
}

/// Everything the emulator recorded. Logs are bounded (oldest entries dropped first);
/// counters are totals.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Observed {
    /// Requests, oldest first.
    pub requests: VecDeque<RequestRecord>,
    /// Stream connections, oldest first.
    pub connections: VecDeque<ConnectionRecord>,
    /// Events, oldest first.
    pub events: VecDeque<TimedEvent>,
    /// Totals.
    pub counters: Counters,
}

impl Observed {
    /// The connection with this id.
    pub fn connection(&self, id: u64) -> Option<&ConnectionRecord> {
        let ix = self.connections.binary_search_by_key(&id, |c| c.id).ok()?;
        self.connections.get(ix)
    }

    pub(crate) fn connection_mut(&mut self, id: u64) -> Option<&mut ConnectionRecord> {
        let ix = self.connections.binary_search_by_key(&id, |c| c.id).ok()?;
        self.connections.get_mut(ix)
    }

    /// The request with this id.
    pub fn request(&self, id: u64) -> Option<&RequestRecord> {
        let ix = self.requests.binary_search_by_key(&id, |r| r.id).ok()?;
        self.requests.get(ix)
    }

    /// Faults recorded in the event log, in order.
    pub fn faults(&self) -> Vec<&TimedEvent> {
        self.events
            .iter()
            .filter(|e| matches!(e.event, Event::Fault { .. }))
            .collect()
    }

    pub(crate) fn push_event(&mut self, at: Duration, event: Event, cap: usize) {
        if self.events.len() >= cap.max(1) {
            self.events.pop_front();
        }
        self.events.push_back(TimedEvent { at, event });
    }

    pub(crate) fn push_request(&mut self, r: RequestRecord, cap: usize) {
        if self.requests.len() >= cap.max(1) {
            self.requests.pop_front();
        }
        // Requests finish out of order (a stream's record is written when its headers go
        // out); keep the log sorted by id.
        let pos = self
            .requests
            .iter()
            .rposition(|x| x.id < r.id)
            .map(|p| p + 1)
            .unwrap_or(0);
        self.requests.insert(pos, r);
    }

    pub(crate) fn push_connection(&mut self, c: ConnectionRecord, cap: usize) {
        if self.connections.len() >= cap.max(1) {
            self.connections.pop_front();
        }
        self.connections.push_back(c);
    }
}
