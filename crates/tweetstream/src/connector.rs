//! The connector: HTTP client construction (TLS, gzip, proxy, User-Agent, timeouts) shared by
//! streams and REST calls, and the secret type.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::policy::{Backoff, ReconnectPolicy};
use crate::Error;

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
            let proxy = reqwest::Proxy::all(p.expose()).map_err(|_| {
                Error::invalid(
                    "proxy",
                    "not a valid proxy URL (http://, https:// or socks5://)",
                )
            })?;
            b = b.proxy(proxy);
        }
        b.build()
            .map_err(|e| Error::Config(e.without_url().to_string()))
    }
}
