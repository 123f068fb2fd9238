//! The one client, [`Client<A, Md>`], and its builder: generic over the credentials (`A`:
//! [`Bearer`] for v2, [`OAuth1`] for v1.1) and the mode (`Md`: [`Async`], or
//! [`Blocking`](crate::blocking::Blocking) which owns a runtime, as `reqwest::blocking` does).
//!
//! [`AsyncStreamingClient`], [`v1::AsyncStream`](crate::v1::AsyncStream) and the blocking
//! [`StreamingClient`](crate::blocking::StreamingClient) and [`Stream`](crate::blocking::Stream)
//! are names for its four combinations, so every setter, every stream method and the generic
//! [`open`](Client::open) are written once.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::auth::{Auth, Bearer};
use crate::connector::{Connector, ReqwestConnector};
use crate::endpoint::{Attempt, Endpoint};
use crate::raw::Raw;
use crate::settings::{RootSource, Secret, Settings};
use crate::stats::{Counters, Stats};
use crate::stream::{EventStream, Open, Runs, StreamHandle};
use crate::supervisor::{RunSettings, Typed};
use crate::{Error, PolicyFactory};

/// The default v2 API base URL.
pub const DEFAULT_API_BASE: &str = "https://api.x.com";
/// The default v2 stall timeout: 30 s (X sends a keep-alive every 20 s).
pub const DEFAULT_V2_STALL_TIMEOUT: Duration = Duration::from_secs(30);

mod sealed {
    pub trait Sealed {}
}

/// Whether a client's calls are `async` ([`Async`]) or block the calling thread
/// ([`Blocking`](crate::blocking::Blocking)). Sealed: these two are the modes.
pub trait Mode: Clone + Send + Sync + Unpin + fmt::Debug + 'static + sealed::Sealed {
    #[doc(hidden)]
    fn start() -> Result<Self, Error>;
    #[doc(hidden)]
    fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>>;
}

/// The async mode: calls return futures, streams are `futures::Stream`s. Runs on the caller's
/// tokio runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct Async;

impl sealed::Sealed for Async {}
impl sealed::Sealed for crate::blocking::Blocking {}

impl Mode for Async {
    fn start() -> Result<Async, Error> {
        Ok(Async)
    }
    fn enter(&self) -> Option<tokio::runtime::EnterGuard<'_>> {
        None
    }
}

/// The v2 streaming client (bearer token): `sample`, `filter`, the partitioned streams, and
/// the rules API. See [`Client`].
///
/// ```no_run
/// use futures_util::StreamExt;
/// use tweetstream::{AsyncStreamingClient, Event, StreamParams, StreamRule};
///
/// # async fn demo() -> Result<(), tweetstream::Error> {
/// let client = AsyncStreamingClient::builder("bearer token").max_retries(10).build()?;
/// client.add_rules([StreamRule::tagged("cat has:images", "cats")], false).await?;
/// let mut stream = client.filter(StreamParams::new().expansions(["author_id"]))?;
/// while let Some(item) = stream.next().await {
///     match item? {
///         Event::Message(response) => {
///             if let Some(tweet) = &response.data {
///                 println!("{}: {}", tweet.id, tweet.text);
///             }
///         }
///         Event::Error(e) => eprintln!("{e}"), // the stream goes on
///         _ => {}                              // connected, keep-alive, reconnecting…
///     }
/// }
/// # Ok(()) }
/// ```
pub type AsyncStreamingClient = Client<Bearer, Async>;

/// The builder of [`AsyncStreamingClient`] (v2, async).
pub type ClientBuilder = Builder<Bearer, Async>;

/// A streaming client: credentials `A`, mode `Md`. Cheap to clone; clones share the connection
/// pool, the counters and the streams, so any clone can `disconnect()` from any task or thread.
///
/// A client may run several streams at once (two partitions, a sample and a filter), each with
/// its own [`disconnect`](EventStream::disconnect). Two streams of the same endpoint and
/// partition are refused with [`Error::AlreadyRunning`] unless
/// [`connections_per_stream`](Builder::connections_per_stream) allows it: X answers a second
/// connection with 429 on most access levels.
pub struct Client<A, Md = Async> {
    inner: Arc<Inner<A>>,
    pub(crate) mode: Md,
}

struct Inner<A> {
    auth: Arc<A>,
    connector: Arc<dyn Connector>,
    settings: Settings,
    runs: Arc<Runs>,
    policy: Option<PolicyFactory>,
}

impl<A, Md: Clone> Clone for Client<A, Md> {
    fn clone(&self) -> Self {
        Client {
            inner: Arc::clone(&self.inner),
            mode: self.mode.clone(),
        }
    }
}

impl<A: fmt::Debug, Md: fmt::Debug> fmt::Debug for Client<A, Md> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth", &self.inner.auth)
            .field("settings", &self.inner.settings)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl<Md: Mode> Client<Bearer, Md> {
    /// A v2 client with default settings.
    pub fn new(bearer_token: impl Into<Secret>) -> Result<Self, Error> {
        Self::builder(bearer_token).build()
    }

    /// A builder for the other settings.
    pub fn builder(bearer_token: impl Into<Secret>) -> Builder<Bearer, Md> {
        Builder::new(Bearer::new(bearer_token))
    }
}

impl<A: Auth, Md: Mode> Client<A, Md> {
    /// Open a stream of any [`Endpoint`]: the built-in ones (what `sample`, `filter`… do) or
    /// your own. It connects on the first poll.
    pub fn open<E: Endpoint>(
        &self,
        endpoint: E,
    ) -> Result<EventStream<Raw<E::Message>, Md>, Error> {
        let s = &self.inner.settings;
        let key = endpoint.connection_key(&endpoint.request(&Attempt::new(&s.api_base, None))?);
        let permit = self.inner.runs.acquire(key)?;
        let cancel = self.inner.runs.stream_token();
        let counters = Arc::new(Counters::child_of(Arc::clone(&self.inner.runs.counters)));
        let exit = Arc::new(Mutex::new(None));
        let policy = match &self.inner.policy {
            Some(f) => f(),
            None => endpoint.policy(s.max_retries),
        };
        let stall_timeout = s.stall_timeout.unwrap_or(Some(endpoint.stall_timeout()));
        let id_of = endpoint.id_reader();
        let run = RunSettings {
            connector: Arc::clone(&self.inner.connector),
            auth: Arc::clone(&self.inner.auth) as Arc<dyn Auth>,
            api_base: s.api_base.clone(),
            policy,
            stall_timeout,
            max_message_size: s.max_message_size,
            gzip: s.gzip,
            cancel: cancel.clone(),
            counters: Arc::clone(&counters),
            permit: Some(permit),
            exit: Arc::clone(&exit),
            read_ahead: s.read_ahead,
        };
        let opener = Box::new(Open::<E, Typed> {
            endpoint,
            run,
            decoding: PhantomData,
        });
        Ok(EventStream::new(
            opener,
            StreamHandle::new(cancel, counters),
            exit,
            id_of,
            self.mode.clone(),
        ))
    }

    /// Stop every stream of this client, from any task or thread, at any moment (also during
    /// a back-off wait or a quiet stream): they end promptly and close their sockets. Streams
    /// opened afterwards run normally (tweepy's `disconnect()`).
    pub fn disconnect(&self) {
        self.inner.runs.disconnect_all()
    }

    /// Whether a stream of this client is running (opened and not yet ended).
    pub fn is_running(&self) -> bool {
        self.inner.runs.is_running()
    }

    /// The counters of every stream this client ran (connects, disconnects by reason, failures
    /// by class, messages, bytes, keep-alives, the last error), readable while streaming.
    pub fn stats(&self) -> Stats {
        self.inner.runs.counters.snapshot()
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn connector(&self) -> &Arc<dyn Connector> {
        &self.inner.connector
    }

    pub(crate) fn auth(&self) -> &A {
        &self.inner.auth
    }

    /// The same client in async mode (sharing everything: streams, counters, pool).
    pub fn as_async(&self) -> Client<A, Async> {
        Client {
            inner: Arc::clone(&self.inner),
            mode: Async,
        }
    }
}

/// The builder of a [`Client`]: every setting, for every kind of client.
pub struct Builder<A, Md = Async> {
    auth: Result<A, Error>,
    settings: Settings,
    api_base: Option<String>,
    connector: Option<Arc<dyn Connector>>,
    policy: Option<PolicyFactory>,
    mode: PhantomData<fn() -> Md>,
}

impl<A: Clone, Md> Clone for Builder<A, Md> {
    fn clone(&self) -> Self {
        Builder {
            auth: self.auth.clone(),
            settings: self.settings.clone(),
            api_base: self.api_base.clone(),
            connector: self.connector.clone(),
            policy: self.policy.clone(),
            mode: PhantomData,
        }
    }
}

impl<A: fmt::Debug, Md> fmt::Debug for Builder<A, Md> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self
            .api_base
            .as_deref()
            .and_then(|b| url::Url::parse(b).ok())
            .map(|u| crate::settings::redacted_url(&u));
        f.debug_struct("Builder")
            .field("auth", &self.auth.as_ref().map(|_| "***"))
            .field("api_base", &base)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<A: Auth, Md: Mode> Builder<A, Md> {
    /// A builder for a client with these credentials (an error in them is reported by
    /// [`build`](Self::build)).
    pub fn new(auth: Result<A, Error>) -> Builder<A, Md> {
        Builder {
            auth,
            settings: Settings::new(DEFAULT_API_BASE),
            api_base: None,
            connector: None,
            policy: None,
            mode: PhantomData,
        }
    }

    /// The same settings for a client of another mode (such as
    /// [`Blocking`](crate::blocking::Blocking)).
    pub fn mode<M2: Mode>(self) -> Builder<A, M2> {
        Builder {
            auth: self.auth,
            settings: self.settings,
            api_base: self.api_base,
            connector: self.connector,
            policy: self.policy,
            mode: PhantomData,
        }
    }

    /// Build the client. Fails on bad credentials, a bad base URL, a bad proxy URL or bad
    /// certificates, before any request.
    pub fn build(self) -> Result<Client<A, Md>, Error> {
        let auth = self.auth?;
        let mut settings = self.settings;
        settings.set_api_base(self.api_base.as_deref().unwrap_or(auth.default_api_base()))?;
        let mode = Md::start()?;
        let connector = match self.connector {
            Some(c) => c,
            None => {
                let _guard = mode.enter();
                Arc::new(ReqwestConnector::from_settings(&settings)?) as Arc<dyn Connector>
            }
        };
        let runs = Arc::new(Runs::new(
            settings.cancel.clone(),
            settings.connections_per_stream,
        ));
        Ok(Client {
            inner: Arc::new(Inner {
                auth: Arc::new(auth),
                connector,
                settings,
                runs,
                policy: self.policy,
            }),
            mode,
        })
    }

    /// API base URL (default `https://api.x.com` for v2, `https://stream.twitter.com` for v1.1);
    /// point it at the emulator in tests.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = Some(url.into());
        self
    }

    /// Give up after this many failed attempts since the last good connection (default:
    /// never). A run gives up at the `n + 1`th failure in a row, so `n` is the number of
    /// retries.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.settings.max_retries = Some(n);
        self
    }

    /// Proxy URL: `http://`, `https://`, `socks5://` (or `socks5h://`, `socks4://`,
    /// `socks4a://`); a bare `host:port` is an HTTP proxy. Credentials in the URL are kept
    /// secret. Another scheme makes `build()` fail. Without it, the standard proxy
    /// environment variables apply.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.settings.proxy = Some(Secret::new(url));
        self
    }

    /// Stall timeout: no byte (keep-alives count) for this long drops the connection and
    /// reconnects. Default: the stream's own (30 s for v2, whose keep-alives come every 20 s;
    /// 90 s for v1.1).
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.settings.stall_timeout = Some(Some(timeout));
        self
    }

    /// Turn the stall watchdog off (not recommended).
    pub fn no_stall_timeout(mut self) -> Self {
        self.settings.stall_timeout = Some(None);
        self
    }

    /// The `User-Agent` (default `tweetstream/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.settings.user_agent = ua.into();
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// Timeout of REST calls such as the rules API (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.settings.request_timeout = timeout;
        self
    }

    /// Maximum message size in bytes (default 16 MiB); larger messages are skipped and
    /// reported ([`Error::MessageTooLarge`]).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.settings.max_message_size = bytes;
        self
    }

    /// Trust the certificate authorities in this PEM text (one or several certificates),
    /// besides the built-in web roots: for a TLS-inspecting corporate proxy, or a test
    /// server with its own CA. Can be called more than once. A text with no certificate
    /// makes `build()` fail. Applies to streams and rules calls alike (tweepy's `verify`
    /// with a bundle, which tweepy applied to the stream only).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.settings
            .root_certificates
            .push(RootSource::Pem(pem.into()));
        self
    }

    /// [`add_root_certificate_pem`](Self::add_root_certificate_pem) with a CA bundle file
    /// (PEM), read when the client is built; an unreadable file makes `build()` fail.
    pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.settings
            .root_certificates
            .push(RootSource::File(path.into()));
        self
    }

    /// Accept any server certificate, without checking who it belongs to (tweepy's
    /// `verify=False`). **Dangerous**: anyone on the path can read the token and the stream.
    /// Only for tests and debugging; default false.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.settings.accept_invalid_certs = accept;
        self
    }

    /// Ask for gzip-compressed streams (default true); they are decompressed by the
    /// [`inflate`](crate::inflate) stage.
    pub fn gzip(mut self, on: bool) -> Self {
        self.settings.gzip = on;
        self
    }

    /// Replace the reconnect policy (default: the stream's own, [`Backoff`](crate::policy::Backoff)
    /// with `max_retries`; for v1.1 with 420 as a rate limit). The policy also classifies
    /// statuses ([`ReconnectPolicy::classify`](crate::policy::ReconnectPolicy::classify)).
    pub fn policy<F, P>(mut self, factory: F) -> Self
    where
        F: Fn() -> P + Send + Sync + 'static,
        P: crate::policy::ReconnectPolicy,
    {
        let f: PolicyFactory =
            Arc::new(move || Box::new(factory()) as Box<dyn crate::policy::ReconnectPolicy>);
        self.policy = Some(f);
        self
    }

    /// Send requests through this [`Connector`] instead of the built-in reqwest one (the proxy,
    /// TLS and timeout settings then are the connector's business).
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.connector = Some(Arc::new(connector));
        self
    }

    /// How many streams of the same endpoint and partition may run at once on this client
    /// (default 1: a second one is [`Error::AlreadyRunning`], since X refuses it on most access
    /// levels). Raise it for redundant connections where your access level allows them.
    pub fn connections_per_stream(mut self, n: usize) -> Self {
        self.settings.connections_per_stream = n.max(1);
        self
    }

    /// Read ahead of the consumer: a task reads, decompresses and frames each connection into
    /// a buffer of at most `bytes` (messages' bytes), and `when_full` says what happens when
    /// the consumer falls that far behind: [`WhenFull::Wait`] (stop reading; TCP pushes back;
    /// nothing is lost) or [`WhenFull::DropOldest`] (drop the oldest messages, counted and
    /// reported). The stall watchdog then measures the socket, not the consumer. Default: no
    /// read-ahead; the stream reads only when the consumer asks for the next event.
    pub fn read_ahead(mut self, bytes: usize, when_full: crate::WhenFull) -> Self {
        self.settings.read_ahead = Some(crate::readahead::ReadAhead {
            bytes: bytes.max(1),
            when_full,
        });
        self
    }

    /// Tie the client's streams to your own cancellation token: cancelling it stops every
    /// stream (as [`Client::disconnect`] does), including ones opened later.
    pub fn cancellation_token(mut self, token: CancellationToken) -> Self {
        self.settings.cancel = Some(token);
        self
    }
}

impl<Md: Mode> Builder<Bearer, Md> {
    /// Rules calls that get a 429 wait until `x-rate-limit-reset` and retry (default false).
    pub fn wait_on_rate_limit(mut self, wait: bool) -> Self {
        self.settings.wait_on_rate_limit = wait;
        self
    }

    /// Maximum rule length checked offline before `add_rules` (default
    /// [`rules::DEFAULT_MAX_RULE_LENGTH`](crate::rules::DEFAULT_MAX_RULE_LENGTH); X's access
    /// levels allow 512 to 2,048).
    pub fn max_rule_length(mut self, chars: usize) -> Self {
        self.settings.max_rule_length = chars;
        self
    }
}
