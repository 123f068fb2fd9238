//! Client settings (every builder setter lands here), the HTTP client they build (TLS, proxy,
//! User-Agent, timeouts), and the secret type.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::policy::ReconnectPolicy;
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
    /// `None`: the endpoint's default; `Some(None)`: no stall watchdog.
    pub stall_timeout: Option<Option<Duration>>,
    pub max_retries: Option<u32>,
    pub max_message_size: usize,
    pub gzip: bool,
    pub root_certificates: Vec<RootSource>,
    pub accept_invalid_certs: bool,
    /// How many streams of the same endpoint and partition may run at once.
    pub connections_per_stream: usize,
    /// Rules calls that get a 429 wait for the reset and retry.
    pub wait_on_rate_limit: bool,
    /// The maximum rule length checked offline.
    pub max_rule_length: usize,
    /// Read ahead of the consumer (`None`: read when asked).
    pub read_ahead: Option<crate::readahead::ReadAhead>,
    /// The parent of every stream's cancellation token.
    pub cancel: Option<tokio_util::sync::CancellationToken>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("api_base", &redacted_url(&self.api_base))
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.proxy.as_ref().map(|_| "***"))
            .field("connect_timeout", &self.connect_timeout)
            .field("stall_timeout", &self.stall_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_message_size", &self.max_message_size)
            .field("gzip", &self.gzip)
            .field("root_certificates", &self.root_certificates.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("connections_per_stream", &self.connections_per_stream)
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub(crate) fn new(api_base: &str) -> Settings {
        Settings {
            api_base: Url::parse(api_base)
                .unwrap_or_else(|_| Url::parse("https://api.x.com").expect("static URL")),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            proxy: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            stall_timeout: None,
            max_retries: None,
            max_message_size: crate::framer::DEFAULT_MAX_MESSAGE_SIZE,
            gzip: true,
            root_certificates: Vec::new(),
            accept_invalid_certs: false,
            connections_per_stream: 1,
            wait_on_rate_limit: false,
            max_rule_length: crate::rules::DEFAULT_MAX_RULE_LENGTH,
            cancel: None,
            read_ahead: None,
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

/// A URL for display: any `user:password@` replaced by `***@`.
pub(crate) fn redacted_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.as_str().to_string();
    }
    let mut u = url.clone();
    let _ = u.set_username("***");
    let _ = u.set_password(None);
    u.as_str().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_credentials_in_the_base_url() {
        let mut s = Settings::new("https://api.x.com");
        s.set_api_base("http://alice:hunter2@127.0.0.1:8080/base")
            .unwrap();
        let text = format!("{s:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("alice"),
            "{text}"
        );
        assert!(text.contains("***@127.0.0.1:8080/base/"), "{text}");
    }
}
