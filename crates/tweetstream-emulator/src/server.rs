//! The HTTP server: accept loop, routing, authentication, request records.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::Config;
use crate::data::Source;
use crate::http::{self as h, ConnIo, EmuBody, ResetSwitch};
use crate::limits::{RateLimiter, Registry};
use crate::observe::{AuthRecord, AuthScheme, CloseReason, Event, Observed, RequestRecord};
use crate::problems;
use crate::rules_store::RulesStore;
use crate::scenario::{ScenarioState, StreamEndpoint};
use crate::timeline::Timeline;

/// State shared by the server, the streams and the handle.
pub(crate) struct Shared {
    pub config: Config,
    pub source: Source,
    pub timeline: Timeline,
    pub observed: Mutex<Observed>,
    pub version: watch::Sender<u64>,
    pub rules: RulesStore,
    pub registry: Mutex<Registry>,
    pub rate_limiter: Mutex<RateLimiter>,
    pub scenario: Mutex<ScenarioState>,
    pub nonces: Mutex<NonceCache>,
    pub next_request: AtomicU64,
    pub next_conn: AtomicU64,
    pub shutdown: watch::Sender<bool>,
}

/// Lock a mutex, ignoring poisoning (a panicking holder cannot leave these in a state
/// that matters more than stopping the emulator would).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        let source = config
            .source
            .clone()
            .unwrap_or_else(|| Source::synthetic(config.seed));
        let timeline = Timeline::new(config.rate);
        let scenario = ScenarioState::new(config.scenario.clone());
        Shared {
            rules: RulesStore::new(config.seed),
            source,
            timeline,
            observed: Mutex::new(Observed::default()),
            version: watch::Sender::new(0),
            registry: Mutex::new(Registry::default()),
            rate_limiter: Mutex::new(RateLimiter::default()),
            scenario: Mutex::new(scenario),
            nonces: Mutex::new(NonceCache::default()),
            next_request: AtomicU64::new(1),
            next_conn: AtomicU64::new(1),
            shutdown: watch::Sender::new(false),
            config,
        }
    }

    /// Time since the emulator started (tokio clock).
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(self.timeline.start)
    }

    /// Change the observed state and wake waiters.
    pub fn observe<R>(&self, f: impl FnOnce(&mut Observed) -> R) -> R {
        let r = f(&mut lock(&self.observed));
        self.version.send_modify(|v| *v = v.wrapping_add(1));
        r
    }

    pub fn event(&self, e: Event) {
        let at = self.elapsed();
        let cap = self.config.max_log_entries;
        self.observe(|o| o.push_event(at, e, cap));
    }

    /// The rules app of a bearer token.
    pub fn app_for_token(&self, token: &str) -> String {
        if self.config.bearer_tokens.is_empty() {
            "default".to_string()
        } else {
            token.to_string()
        }
    }

    /// The app `EmulatorHandle::rules` works on.
    pub fn default_app(&self) -> String {
        self.config
            .bearer_tokens
            .first()
            .cloned()
            .unwrap_or_else(|| "default".to_string())
    }

    pub fn gzip_level(&self, gzip: bool) -> Option<u32> {
        gzip.then_some(self.config.gzip_level)
    }
}

/// Nonces seen recently, per consumer key, for replay detection.
#[derive(Default)]
pub(crate) struct NonceCache {
    seen: HashMap<(String, String), u64>,
}

impl NonceCache {
    /// Returns false when the nonce was already used. Forgets nonces older than `window`.
    pub fn check_and_insert(
        &mut self,
        key: &str,
        nonce: &str,
        timestamp: u64,
        now: u64,
        window: u64,
    ) -> bool {
        if self.seen.len() > 100_000 {
            self.seen
                .retain(|_, ts| now.saturating_sub(*ts) <= window.saturating_mul(2));
        }
        let k = (key.to_string(), nonce.to_string());
        if self.seen.contains_key(&k) {
            return false;
        }
        self.seen.insert(k, timestamp);
        true
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Everything a handler learns about a request, turned into a [`RequestRecord`] at the end.
pub(crate) struct ReqCtx {
    pub id: u64,
    pub at: Duration,
    pub method: Method,
    pub path: String,
    pub host: String,
    pub raw_query: Option<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub gzip: bool,
    pub auth: AuthRecord,
    pub form: Vec<(String, String)>,
    pub body_text: Option<String>,
    pub fault: Option<String>,
    pub error: Option<String>,
    pub connection: Option<u64>,
    /// The reset switch of the TCP connection the request came on.
    pub reset: ResetSwitch,
}

/// Decode `a=b&c=d` (`+` as space, invalid UTF-8 replaced).
pub(crate) fn decode_pairs(s: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The `Authorization` header, classified.
pub(crate) enum AuthHeader {
    None,
    Bearer(String),
    OAuth(String),
    Basic,
    Other,
}

pub(crate) fn auth_header(headers: &HeaderMap) -> AuthHeader {
    let Some(v) = headers.get(http::header::AUTHORIZATION) else {
        return AuthHeader::None;
    };
    let Ok(v) = v.to_str() else {
        return AuthHeader::Other;
    };
    let v = v.trim();
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        AuthHeader::Bearer(rest.trim().to_string())
    } else if scheme.eq_ignore_ascii_case("oauth") {
        AuthHeader::OAuth(v.to_string())
    } else if scheme.eq_ignore_ascii_case("basic") {
        AuthHeader::Basic
    } else {
        AuthHeader::Other
    }
}

/// Check app-only bearer auth for a v2 endpoint. Ok = (app, credential key).
pub(crate) fn v2_auth(
    shared: &Shared,
    ctx: &mut ReqCtx,
) -> Result<(String, String), Response<EmuBody>> {
    let gz = shared.gzip_level(ctx.gzip);
    let refuse = |ctx: &mut ReqCtx, scheme, err: &str| {
        ctx.auth = AuthRecord {
            scheme,
            identity: None,
            verified: false,
            accepted: false,
            error: Some(err.to_string()),
        };
        ctx.error = Some(err.to_string());
    };
    match auth_header(&ctx.headers) {
        AuthHeader::Bearer(token) if !token.is_empty() => {
            let configured = &shared.config.bearer_tokens;
            if configured.is_empty() || configured.contains(&token) {
                ctx.auth = AuthRecord {
                    scheme: AuthScheme::Bearer,
                    identity: Some(token.clone()),
                    verified: !configured.is_empty(),
                    accepted: true,
                    error: None,
                };
                Ok((shared.app_for_token(&token), format!("bearer:{token}")))
            } else {
                ctx.auth = AuthRecord {
                    scheme: AuthScheme::Bearer,
                    identity: Some(token),
                    verified: false,
                    accepted: false,
                    error: Some("unknown bearer token".into()),
                };
                ctx.error = Some("unknown bearer token".into());
                Err(h::problem(401, problems::unauthorized().to_string(), gz))
            }
        }
        AuthHeader::OAuth(_) => {
            refuse(
                ctx,
                AuthScheme::OAuth1,
                "OAuth 1.0a is not accepted on this endpoint",
            );
            Err(h::problem(
                403,
                problems::unsupported_authentication().to_string(),
                gz,
            ))
        }
        other => {
            let scheme = match other {
                AuthHeader::None => AuthScheme::None,
                AuthHeader::Basic => AuthScheme::Basic,
                AuthHeader::Bearer(_) => AuthScheme::Bearer,
                _ => AuthScheme::Other,
            };
            refuse(ctx, scheme, "missing or unsupported Authorization header");
            Err(h::problem(401, problems::unauthorized().to_string(), gz))
        }
    }
}

enum Route {
    Stream(StreamEndpoint),
    RulesGet,
    RulesPost,
    RulesCounts,
    WrongMethod,
    NotFound,
}

fn route(method: &Method, path: &str) -> Route {
    let get = method == Method::GET;
    let post = method == Method::POST;
    if let Some(ep) = StreamEndpoint::from_path(path) {
        return match ep {
            StreamEndpoint::V1Filter if get || post => Route::Stream(ep),
            _ if get => Route::Stream(ep),
            _ => Route::WrongMethod,
        };
    }
    match path {
        "/2/tweets/search/stream/rules" if get => Route::RulesGet,
        "/2/tweets/search/stream/rules" if post => Route::RulesPost,
        "/2/tweets/search/stream/rules/counts" if get => Route::RulesCounts,
        "/2/tweets/search/stream/rules" | "/2/tweets/search/stream/rules/counts" => {
            Route::WrongMethod
        }
        _ => Route::NotFound,
    }
}

/// Read a request body, at most `max` bytes. Err = too large or broken.
pub(crate) async fn read_body(body: Incoming, max: usize) -> Result<Vec<u8>, String> {
    match http_body_util::Limited::new(body, max).collect().await {
        Ok(c) => Ok(c.to_bytes().to_vec()),
        Err(e) => Err(e.to_string()),
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    reset: ResetSwitch,
) -> Response<EmuBody> {
    let (parts, body) = req.into_parts();
    let raw_query = parts.uri.query().map(str::to_string);
    let query = raw_query
        .as_deref()
        .map(|q| decode_pairs(q.as_bytes()))
        .unwrap_or_default();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let mut ctx = ReqCtx {
        id: shared.next_request.fetch_add(1, Ordering::Relaxed),
        at: shared.elapsed(),
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        host,
        raw_query,
        query,
        gzip: h::accepts_gzip(&parts.headers),
        headers: parts.headers,
        auth: AuthRecord::none(),
        form: Vec::new(),
        body_text: None,
        fault: None,
        error: None,
        connection: None,
        reset,
    };
    let gz = shared.gzip_level(ctx.gzip);
    let fut = AssertUnwindSafe(dispatch(&shared, &mut ctx, body)).catch_unwind();
    let resp = match fut.await {
        Ok(r) => r,
        Err(_) => {
            ctx.error = Some("internal error (panic) while handling the request".into());
            if ctx.path.starts_with("/1.1/") {
                h::text(500, problems::v1_text(500), gz)
            } else {
                h::problem(500, problems::generic(500).to_string(), gz)
            }
        }
    };
    let status = resp.status().as_u16();
    if ctx.auth.error.is_some() && (status == 401 || status == 403) {
        shared.observe(|o| o.counters.auth_failures += 1);
    }
    let user_agent = ctx
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let rec = RequestRecord {
        id: ctx.id,
        at: ctx.at,
        user_agent,
        accept_gzip: ctx.gzip,
        method: ctx.method.to_string(),
        path: ctx.path.clone(),
        query: ctx.query,
        form: ctx.form,
        body: ctx.body_text,
        auth: ctx.auth,
        status,
        connection: ctx.connection,
        fault: ctx.fault,
        error: ctx.error,
    };
    let cap = shared.config.max_log_entries;
    let at = shared.elapsed();
    shared.observe(|o| {
        o.counters.requests += 1;
        o.push_event(
            at,
            Event::Request {
                id: rec.id,
                method: rec.method.clone(),
                path: rec.path.clone(),
                status,
            },
            cap,
        );
        o.push_request(rec, cap);
    });
    resp
}

async fn dispatch(shared: &Arc<Shared>, ctx: &mut ReqCtx, body: Incoming) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    match route(&ctx.method, &ctx.path) {
        Route::Stream(ep) if ep.is_v1() => crate::v1::stream(shared, ctx, ep, body).await,
        Route::Stream(ep) => crate::v2::stream(shared, ctx, ep).await,
        Route::RulesGet => crate::v2::rules_get(shared, ctx),
        Route::RulesPost => crate::v2::rules_post(shared, ctx, body).await,
        Route::RulesCounts => crate::v2::rules_counts(shared, ctx),
        Route::WrongMethod => {
            ctx.error = Some(format!("method {} not allowed", ctx.method));
            if ctx.path.starts_with("/1.1/") {
                h::text(405, "Method Not Allowed", gz)
            } else {
                h::problem(405, problems::generic(405).to_string(), gz)
            }
        }
        Route::NotFound => {
            ctx.error = Some("no such endpoint".into());
            if ctx.path.starts_with("/2/") {
                h::problem(404, problems::not_found_v2(&ctx.path).to_string(), gz)
            } else {
                h::json(404, &problems::not_found(), gz)
            }
        }
    }
}

/// Accept connections until shutdown, then close every stream and connection.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut conns: JoinSet<()> = JoinSet::new();
    loop {
        if *shutdown.borrow_and_update() {
            break;
        }
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let shared2 = Arc::clone(&shared);
                    let mut stop = shared.shutdown.subscribe();
                    let reset = ResetSwitch::default();
                    let max_header = shared.config.max_header_bytes;
                    let io = TokioIo::new(ConnIo::new(stream, reset.clone()));
                    conns.spawn(async move {
                        let svc = service_fn(move |req| {
                            let shared = Arc::clone(&shared2);
                            let reset = reset.clone();
                            async move { Ok::<_, Infallible>(handle(shared, req, reset).await) }
                        });
                        let conn = http1::Builder::new()
                            .keep_alive(true)
                            .max_header_size(max_header)
                            .serve_connection(io, svc);
                        let mut conn = std::pin::pin!(conn);
                        let mut stopping = false;
                        loop {
                            tokio::select! {
                                _ = conn.as_mut() => break,
                                r = stop.changed(), if !stopping => {
                                    if r.is_err() || *stop.borrow() {
                                        stopping = true;
                                        conn.as_mut().graceful_shutdown();
                                    }
                                }
                            }
                        }
                    });
                }
                Err(_) => {
                    // Out of file descriptors and the like: back off briefly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            r = shutdown.changed() => {
                if r.is_err() { break; }
            }
        }
    }
    drop(listener);
    lock(&shared.registry).close_all(CloseReason::Shutdown);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(1), drain)
        .await
        .is_err()
    {
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }
}

/// The listener for `addr`.
pub(crate) async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
