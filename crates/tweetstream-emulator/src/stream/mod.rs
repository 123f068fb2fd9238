//! Stream connections: admission (rate limit, scenario, connection limit), then a producer
//! task per connection.
//!
//! The writer stack of a connection, top to bottom: the [`producer`] walks the timeline and asks
//! the stream's [`Payload`] for each event; messages are framed once ([`frame`]); the
//! [`faults::FaultySender`] applies the connection's scripted [`Fate`]; the [`sender::Sender`]
//! compresses (gzip layer) and hands the bytes to the response body, recording what went out.

mod faults;
pub(crate) mod frame;
mod producer;
mod sender;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use http::Response;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::http::{self as h, Chunk, EmuBody, Gzip, Queue};
use crate::limits::{Control, OpenOutcome};
use crate::observe::{ConnectionRecord, Event};
use crate::payload::Payload;
use crate::problems;
use crate::scenario::{Fate, StreamEndpoint};
use crate::server::{lock, ReqCtx, Shared};
use faults::FaultySender;
use frame::Framing;
use producer::Producer;
use sender::Sender;

/// `x-rate-limit-*` headers.
pub(crate) type RateHeaders = Vec<(&'static str, String)>;

/// Everything needed to open a stream.
pub(crate) struct StreamSpec {
    pub endpoint: StreamEndpoint,
    pub credential: String,
    pub payload: Box<dyn Payload>,
    /// (1-based partition, partition count).
    pub partition: Option<(u32, u32)>,
    /// First timeline position (live, backfill or recovery start).
    pub start_seq: u64,
    /// Stop (cleanly) at this position (recovery).
    pub end_seq: Option<u64>,
    pub fate: Fate,
    pub framing: Framing,
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
            None => h::problem(
                status,
                problems::v2_status_body(status, *variant, endpoint.path()),
                gz,
            ),
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
        delimited: spec.framing == Framing::Length,
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

    // The queue is bounded in bytes (the sender waits or disconnects), not in chunks.
    let (tx, rx) = mpsc::unbounded_channel::<Chunk>();
    let queue = Arc::new(Queue::default());
    let content_type = if spec.endpoint.is_v1() {
        "application/json"
    } else {
        "application/json; charset=utf-8"
    };
    let mut resp = Response::new(EmuBody::stream(rx, Arc::clone(&queue), ctx.reset.clone()));
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

    let gzip = ctx.gzip.then(|| Gzip::new(shared.config.gzip_level));
    let sender = Sender::new(Arc::clone(shared), conn_id, (tx, queue), control_rx, gzip);
    let out = FaultySender::new(sender, spec.fate, spec.framing, spec.endpoint, ctx.id);
    let producer = Producer {
        shared: Arc::clone(shared),
        out,
        payload: spec.payload,
        cursor: spec.start_seq,
        end_seq: spec.end_seq,
        partition: spec
            .partition
            .map(|(p, n)| (u64::from(p.saturating_sub(1)), u64::from(n.max(1)))),
        keep_alive: spec.keep_alive,
        misses: 0,
    };
    tokio::spawn(producer.run());
    resp
}
