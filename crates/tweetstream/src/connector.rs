//! The connector: HTTP client construction (TLS, gzip, proxy, User-Agent, timeouts) shared by
//! streams and REST calls, and the secret type.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::policy::{Backoff, ReconnectPolicy};
use crate::Error;

/// The setters every client builder shares, written once. A builder using it has the fields
/// `settings: Settings` and `api_base: Option<String>`.
macro_rules! connection_setters {
    (api_base = $base:literal, stall_timeout = $stall:literal, policy = $policy:literal) => {
        #[doc = concat!("API base URL (default `", $base, "`); point it at the emulator in tests.")]
        pub fn api_base(mut self, url: impl Into<String>) -> Self {
            self.api_base = Some(url.into());
            self
        }

        /// Give up after this many failed attempts since the last good connection (default:
        /// never).
        pub fn max_retries(mut self, n: u32) -> Self {
            self.settings.max_retries = Some(n);
            self
        }

        /// Proxy URL: `http://`, `https://`, `socks5://` (or `socks5h://`, `socks4://`,
        /// `socks4a://`); a bare `host:port` is an HTTP proxy. Credentials in the URL are kept
        /// secret. Another scheme makes `build()` fail. Without it, the standard proxy
        /// environment variables apply.
        pub fn proxy(mut self, url: impl Into<String>) -> Self {
            self.settings.proxy = Some($crate::Secret::new(url));
            self
        }

        #[doc = concat!("Stall timeout: no byte (keep-alives count) for this long drops the ")]
        #[doc = concat!("connection and reconnects. Default ", $stall, ".")]
        pub fn stall_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.stall_timeout = Some(timeout);
            self
        }

        /// Turn the stall watchdog off (not recommended).
        pub fn no_stall_timeout(mut self) -> Self {
            self.settings.stall_timeout = None;
            self
        }

        /// The `User-Agent` (default `tweetstream/<version>`).
        pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
            self.settings.user_agent = ua.into();
            self
        }

        /// Connect timeout (default 10 s).
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.connect_timeout = timeout;
            self
        }

        /// Maximum message size in bytes (default 16 MiB); larger messages are skipped and
        /// reported.
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
                .push($crate::connector::RootSource::Pem(pem.into()));
            self
        }

        /// [`add_root_certificate_pem`](Self::add_root_certificate_pem) with a CA bundle file
        /// (PEM), read when the client is built; an unreadable file makes `build()` fail.
        pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
            self.settings
                .root_certificates
                .push($crate::connector::RootSource::File(path.into()));
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

        #[doc = concat!("Replace the reconnect policy (default ", $policy, ").")]
        pub fn policy<F, P>(mut self, factory: F) -> Self
        where
            F: Fn() -> P + Send + Sync + 'static,
            P: $crate::policy::ReconnectPolicy,
        {
            let f: $crate::PolicyFactory = std::sync::Arc::new(move || {
                Box::new(factory()) as Box<dyn $crate::policy::ReconnectPolicy>
            });
            self.settings.policy = Some(f);
            self
        }
    };
}
pub(crate) use connection_setters;

/// The default `User-Agent`: `tweetstream/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("tweetstream/", env!("CARGO_PKG_VERSION"));

/// A secret string (token, key). Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<S: Into<String>> From<S> for Secret {
    fn from(s: S) -> Secret {
        Secret::new(s)
    }
}

/// Where extra trusted roots come from (see the builders' `add_root_certificate_pem` and
/// `ca_bundle`).
#[derive(Debug, Clone)]
pub(crate) enum RootSource {
    Pem(Vec<u8>),
    File(std::path::PathBuf),
}

/// Builds a fresh reconnect policy for each run.
pub type PolicyFactory = Arc<dyn Fn() -> Box<dyn ReconnectPolicy> + Send + Sync>;

/// Settings shared by every client kind.
#[derive(Clone)]
pub(crate) struct Settings {
    pub api_base: Url,
    pub user_agent: String,
    pub proxy: Option<Secret>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub stall_timeout: Option<Duration>,
    pub max_retries: Option<u32>,
    pub max_message_size: usize,
    pub gzip: bool,
    pub policy: Option<PolicyFactory>,
    pub root_certificates: Vec<RootSource>,
    pub accept_invalid_certs: bool,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("api_base", &self.api_base.as_str())
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.proxy.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("stall_timeout", &self.stall_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_message_size", &self.max_message_size)
            .field("gzip", &self.gzip)
            .field("root_certificates", &self.root_certificates.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub(crate) fn new(api_base: &str, stall_timeout: Duration) -> Settings {
        Settings {
            api_base: Url::parse(api_base)
                .unwrap_or_else(|_| Url::parse("https://api.x.com").expect("static URL")),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            proxy: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            stall_timeout: Some(stall_timeout),
            max_retries: None,
            max_message_size: crate::framer::DEFAULT_MAX_MESSAGE_SIZE,
            gzip: true,
            policy: None,
            root_certificates: Vec::new(),
            accept_invalid_certs: false,
        }
    }

    pub(crate) fn set_api_base(&mut self, base: &str) -> Result<(), Error> {
        let mut url = Url::parse(base)
            .map_err(|e| Error::invalid("api_base", format!("{base:?} is not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::invalid(
                "api_base",
                "the URL scheme must be http or https",
            ));
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        self.api_base = url;
        Ok(())
    }

    /// `api_base` joined with a path such as `2/tweets/sample/stream`.
    pub(crate) fn url(&self, path: &str) -> Url {
        let mut u = self.api_base.clone();
        let base = u.path().trim_end_matches('/').to_string();
        u.set_path(&format!("{base}/{}", path.trim_start_matches('/')));
        u
    }

    pub(crate) fn policy(&self, v1: bool) -> Box<dyn ReconnectPolicy> {
        match &self.policy {
            Some(f) => f(),
            None if v1 => Box::new(Backoff::v1(self.max_retries)),
            None => Box::new(Backoff::with_max_retries(self.max_retries)),
        }
    }

    /// The HTTP client: rustls, proxy (explicit, else the standard environment
    /// variables `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), User-Agent, connect timeout.
    pub(crate) fn http_client(&self) -> Result<reqwest::Client, Error> {
        let mut b = reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true);
        if let Some(p) = &self.proxy {
            // reqwest takes any scheme here and then ignores a proxy it cannot speak to: check
            // first. A bare `host:port` means an HTTP proxy, as for curl. (The messages never
            // repeat the URL: it may hold a password.)
            let text = if p.expose().contains("://") {
                p.expose().to_string()
            } else {
                format!("http://{}", p.expose())
            };
            let invalid = || {
                Error::invalid(
                    "proxy",
                    "not a valid proxy URL: expected [scheme://][user:password@]host:port with \
                     the scheme http, https, socks4, socks4a, socks5 or socks5h",
                )
            };
            let scheme = Url::parse(&text).map(|u| u.scheme().to_string()); // lower-cased
            if !matches!(
                scheme.as_deref(),
                Ok("http" | "https" | "socks4" | "socks4a" | "socks5" | "socks5h")
            ) {
                return Err(invalid());
            }
            let proxy = reqwest::Proxy::all(text).map_err(|_| invalid())?;
            b = b.proxy(proxy);
        }
        for source in &self.root_certificates {
            for cert in root_certificates(source)? {
                b = b.add_root_certificate(cert);
            }
        }
        if self.accept_invalid_certs {
            b = b.danger_accept_invalid_certs(true);
        }
        b.build()
            .map_err(|e| Error::Config(e.without_url().to_string()))
    }
}

/// The certificates of one root source; an error names the option and what is wrong.
fn root_certificates(source: &RootSource) -> Result<Vec<reqwest::Certificate>, Error> {
    let (option, pem) = match source {
        RootSource::Pem(pem) => ("add_root_certificate_pem", pem.clone()),
        RootSource::File(path) => (
            "ca_bundle",
            std::fs::read(path).map_err(|e| {
                Error::invalid("ca_bundle", format!("cannot read {}: {e}", path.display()))
            })?,
        ),
    };
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certs) if !certs.is_empty() => Ok(certs),
        Ok(_) => Err(Error::invalid(option, "no PEM certificate found")),
        Err(e) => Err(Error::invalid(
            option,
            format!("not a PEM certificate bundle: {}", e.without_url()),
        )),
    }
}
