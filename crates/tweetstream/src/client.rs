//! The v2 client: [`AsyncStreamingClient`] (the async core) and its builder.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION};

use crate::connector::{Secret, Settings};
use crate::dedupe::Dedupe;
use crate::error::RateLimit;
use crate::framer::Framer;
use crate::models::v2::{RulesResponse, StreamResponse, StreamRule};
use crate::params::StreamParams;
use crate::policy::Failure;
use crate::stats::Stats;
use crate::stream::{Attempt, Control, Endpoint, EventStream, RunControl};
use crate::Error;

/// The default v2 API base URL.
pub const DEFAULT_API_BASE: &str = "https://api.x.com";
/// The default v2 stall timeout: 30 s (X sends a keep-alive every 20 s).
pub const DEFAULT_V2_STALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The default maximum rule length checked offline (X's pay-per-use and Pro tiers allow 1,024).
pub const CLIENT_MAX_RULE_LENGTH: usize = 1024;

/// Which rules to delete: by id or by value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSelector {
    /// Rule ids.
    Ids(Vec<String>),
    /// Rule values (the rule text).
    Values(Vec<String>),
}

impl RuleSelector {
    /// Select by ids.
    pub fn ids<I: IntoIterator<Item = S>, S: ToString>(ids: I) -> RuleSelector {
        RuleSelector::Ids(ids.into_iter().map(|s| s.to_string()).collect())
    }
    /// Select by values.
    pub fn values<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> RuleSelector {
        RuleSelector::Values(values.into_iter().map(Into::into).collect())
    }
}

impl From<&[StreamRule]> for RuleSelector {
    /// Rules with an id are selected by id; all of them must have one (else by value).
    fn from(rules: &[StreamRule]) -> RuleSelector {
        if rules.iter().all(|r| r.id.is_some()) {
            RuleSelector::Ids(rules.iter().filter_map(|r| r.id.clone()).collect())
        } else {
            RuleSelector::Values(rules.iter().map(|r| r.value.clone()).collect())
        }
    }
}

impl From<Vec<StreamRule>> for RuleSelector {
    fn from(rules: Vec<StreamRule>) -> RuleSelector {
        RuleSelector::from(rules.as_slice())
    }
}

/// Builder of [`AsyncStreamingClient`] (and, through
/// [`StreamingClient::builder`](crate::blocking::StreamingClient::builder), of the blocking one).
#[derive(Clone)]
pub struct ClientBuilder {
    bearer_token: Secret,
    settings: Settings,
    api_base: Option<String>,
    wait_on_rate_limit: bool,
    max_rule_length: usize,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("bearer_token", &self.bearer_token)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(crate) fn new(bearer_token: Secret) -> ClientBuilder {
        ClientBuilder {
            bearer_token,
            settings: Settings::new(DEFAULT_API_BASE, DEFAULT_V2_STALL_TIMEOUT),
            api_base: None,
            wait_on_rate_limit: false,
            max_rule_length: CLIENT_MAX_RULE_LENGTH,
        }
    }

    crate::connector::connection_setters!(
        api_base = "https://api.x.com",
        stall_timeout = "30 s (X sends a keep-alive every 20 s)",
        policy = "[`Backoff`](crate::policy::Backoff) with `max_retries`"
    );

    /// Rules calls that get a 429 wait until `x-rate-limit-reset` and retry (default false).
    pub fn wait_on_rate_limit(mut self, wait: bool) -> Self {
        self.wait_on_rate_limit = wait;
        self
    }

    /// Timeout of rules calls (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.settings.request_timeout = timeout;
        self
    }

    /// Maximum rule length checked offline before `add_rules` (default 1,024; X's tiers allow
    /// 512 to 2,048).
    pub fn max_rule_length(mut self, chars: usize) -> Self {
        self.max_rule_length = chars;
        self
    }

    /// Build the client. Fails on a bad base URL or proxy URL.
    pub fn build(mut self) -> Result<AsyncStreamingClient, Error> {
        if let Some(base) = self.api_base.take() {
            self.settings.set_api_base(&base)?;
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.bearer_token.expose()))
            .map_err(|_| {
                Error::invalid(
                    "bearer_token",
                    "contains characters not allowed in an HTTP header",
                )
            })?;
        auth.set_sensitive(true);
        let http = self.settings.http_client()?;
        Ok(AsyncStreamingClient {
            inner: Arc::new(Inner {
                http,
                auth,
                settings: self.settings,
                wait_on_rate_limit: self.wait_on_rate_limit,
                max_rule_length: self.max_rule_length,
                control: RunControl::default(),
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    auth: HeaderValue,
    settings: Settings,
    wait_on_rate_limit: bool,
    max_rule_length: usize,
    control: RunControl,
}

/// The v2 streaming client (bearer token): `sample`, `filter`, partitioned streams, and rules.
///
/// Cheap to clone; clones share the connection pool, the counters and the running stream,
/// so a clone can `disconnect()` from any task or thread.
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
///     match item {
///         Ok(Event::Message(response)) => {
///             if let Some(tweet) = &response.data {
///                 println!("{}: {}", tweet.id, tweet.text);
///             }
///         }
///         Ok(_) => {}                          // connected, keep-alive, reconnecting…
///         Err(e) => eprintln!("{e}"),          // the stream goes on unless it was fatal
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncStreamingClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AsyncStreamingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncStreamingClient")
            .field("settings", &self.inner.settings)
            .field("bearer_token", &"***")
            .finish_non_exhaustive()
    }
}

/// A v2 stream endpoint.
struct V2Endpoint {
    http_url: url::Url,
    auth: HeaderValue,
    /// With `backfill_on_reconnect`: the ids already delivered, so the replay adds only what
    /// was missed.
    dedupe: Option<Dedupe>,
}

/// How many tweet ids a backfilled stream remembers to drop replays (a few minutes of a busy
/// filtered stream).
const DEDUPE_WINDOW: usize = 100_000;

impl V2Endpoint {
    /// The stream URL for an attempt: with `backfill_on_reconnect`, a reconnect after data
    /// asks for the minutes since the last bytes arrived (rounded up; X allows 1 to 5).
    fn url_for(&self, attempt: Attempt) -> url::Url {
        let Some(gap) = attempt.since_last_data.filter(|_| self.dedupe.is_some()) else {
            return self.http_url.clone();
        };
        let minutes = gap.as_secs().div_ceil(60).clamp(1, 5);
        let mut url = self.http_url.clone();
        let pairs: Vec<(String, String)> = self
            .http_url
            .query_pairs()
            .filter(|(k, _)| k != "backfill_minutes")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .append_pair("backfill_minutes", &minutes.to_string())
            .extend_pairs(pairs);
        url
    }
}

impl Endpoint for V2Endpoint {
    type Message = StreamResponse;

    fn request(&self, http: &reqwest::Client, attempt: Attempt) -> reqwest::RequestBuilder {
        http.get(self.url_for(attempt))
            .header(AUTHORIZATION, self.auth.clone())
    }

    fn is_duplicate(&mut self, m: &StreamResponse) -> bool {
        match (&mut self.dedupe, &m.data) {
            (Some(seen), Some(tweet)) => !seen.insert(&tweet.id),
            _ => false,
        }
    }

    fn framer(&self, max: usize) -> Framer {
        Framer::new(max).without_utf8_check()
    }

    fn decode(&self, raw: Bytes) -> Result<StreamResponse, Error> {
        StreamResponse::decode(raw)
    }

    fn control(&self, m: &StreamResponse) -> Control {
        match m.disconnect_notice() {
            Some(p) if m.data.is_none() => {
                let why = p
                    .extra_str("disconnect_type")
                    .or(p.detail.as_deref())
                    .unwrap_or("operational-disconnect")
                    .to_string();
                Control::Reconnect(why)
            }
            _ => Control::Data,
        }
    }

    fn classify_status(&self, status: u16) -> Failure {
        if status == 429 {
            Failure::RateLimited(status)
        } else {
            Failure::Http(status)
        }
    }
}

impl AsyncStreamingClient {
    /// A client with default settings.
    pub fn new(bearer_token: impl Into<Secret>) -> Result<AsyncStreamingClient, Error> {
        ClientBuilder::new(bearer_token.into()).build()
    }

    /// A builder for the other settings.
    pub fn builder(bearer_token: impl Into<Secret>) -> ClientBuilder {
        ClientBuilder::new(bearer_token.into())
    }

    /// The 1% sample stream, `GET /2/tweets/sample/stream`.
    pub fn sample(&self, params: StreamParams) -> Result<EventStream<StreamResponse>, Error> {
        params.validate_partition(0, false)?;
        self.open("2/tweets/sample/stream", params)
    }

    /// The filtered stream, `GET /2/tweets/search/stream`: tweets matching the app's rules.
    pub fn filter(&self, params: StreamParams) -> Result<EventStream<StreamResponse>, Error> {
        params.validate_partition(0, false)?;
        self.open("2/tweets/search/stream", params)
    }

    /// The firehose, `GET /2/tweets/firehose/stream` (partition 1–20 required).
    pub fn firehose(&self, params: StreamParams) -> Result<EventStream<StreamResponse>, Error> {
        params.validate_partition(20, true)?;
        self.open("2/tweets/firehose/stream", params)
    }

    /// The 10% sample, `GET /2/tweets/sample10/stream` (partition 1–2 required).
    pub fn sample10(&self, params: StreamParams) -> Result<EventStream<StreamResponse>, Error> {
        params.validate_partition(2, true)?;
        self.open("2/tweets/sample10/stream", params)
    }

    fn open(&self, path: &str, params: StreamParams) -> Result<EventStream<StreamResponse>, Error> {
        params.validate()?;
        let mut url = self.inner.settings.url(path);
        {
            let pairs = params.query_pairs();
            if !pairs.is_empty() {
                url.query_pairs_mut().extend_pairs(pairs);
            }
        }
        let endpoint = V2Endpoint {
            http_url: url,
            auth: self.inner.auth.clone(),
            dedupe: params
                .backfill_on_reconnect
                .then(|| Dedupe::new(DEDUPE_WINDOW)),
        };
        self.inner
            .control
            .start(endpoint, &self.inner.http, &self.inner.settings, false)
    }

    /// Stop the running stream, from any task or thread, at any moment (also during a back-off
    /// wait or a quiet stream). The stream ends promptly and its socket is closed.
    pub fn disconnect(&self) {
        self.inner.control.disconnect()
    }

    /// Whether a stream of this client is running.
    pub fn is_running(&self) -> bool {
        self.inner.control.is_running()
    }

    /// The counters (connects, disconnects by reason, failures by class, messages, bytes,
    /// keep-alives, last error), readable while streaming.
    pub fn stats(&self) -> Stats {
        self.inner.control.stats()
    }

    /// Add rules (`POST /2/tweets/search/stream/rules` with `{"add": […]}`). Each value is
    /// validated offline first ([`rules::validate`](crate::rules::validate)); per-rule rejections
    /// by X (duplicate, invalid) come back in `errors` of the response, not as an `Err`.
    pub async fn add_rules<I, R>(&self, rules: I, dry_run: bool) -> Result<RulesResponse, Error>
    where
        I: IntoIterator<Item = R>,
        R: Into<StreamRule>,
    {
        let rules: Vec<StreamRule> = rules.into_iter().map(Into::into).collect();
        if rules.is_empty() {
            return Err(Error::invalid("add", "at least one rule is required"));
        }
        for r in &rules {
            crate::rules::check_before_sending(&r.value, self.inner.max_rule_length).map_err(
                |source| Error::InvalidRule {
                    value: r.value.clone(),
                    source,
                },
            )?;
        }
        let add: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| match &r.tag {
                Some(t) => serde_json::json!({"value": r.value, "tag": t}),
                None => serde_json::json!({"value": r.value}),
            })
            .collect();
        self.post_rules(serde_json::json!({ "add": add }), dry_run)
            .await
    }

    /// Delete rules by id or by value (`POST … {"delete": {"ids"|"values": […]}}`).
    pub async fn delete_rules(
        &self,
        which: impl Into<RuleSelector>,
        dry_run: bool,
    ) -> Result<RulesResponse, Error> {
        let body = match which.into() {
            RuleSelector::Ids(ids) if ids.is_empty() => {
                return Err(Error::invalid("ids", "at least one rule id is required"))
            }
            RuleSelector::Values(v) if v.is_empty() => {
                return Err(Error::invalid(
                    "values",
                    "at least one rule value is required",
                ))
            }
            RuleSelector::Ids(ids) => {
                if let Some(bad) = ids.iter().find(|i| {
                    i.is_empty() || i.len() > 19 || !i.bytes().all(|b| b.is_ascii_digit())
                }) {
                    return Err(Error::invalid(
                        "ids",
                        format!("{bad:?} is not a rule id (1 to 19 digits)"),
                    ));
                }
                serde_json::json!({"delete": {"ids": ids}})
            }
            RuleSelector::Values(values) => serde_json::json!({"delete": {"values": values}}),
        };
        self.post_rules(body, dry_run).await
    }

    /// Delete every rule: lists them, then deletes them by id.
    pub async fn delete_all_rules(&self, dry_run: bool) -> Result<RulesResponse, Error> {
        let rules = self.get_rules(&[] as &[&str]).await?;
        if rules.data.is_empty() {
            return Ok(rules);
        }
        let ids: Vec<String> = rules.data.iter().filter_map(|r| r.id.clone()).collect();
        self.delete_rules(RuleSelector::Ids(ids), dry_run).await
    }

    /// List rules (`GET /2/tweets/search/stream/rules`), optionally only the given ids.
    pub async fn get_rules<S: AsRef<str>>(&self, ids: &[S]) -> Result<RulesResponse, Error> {
        let mut url = self.inner.settings.url("2/tweets/search/stream/rules");
        if !ids.is_empty() {
            let joined = ids.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(",");
            url.query_pairs_mut().append_pair("ids", &joined);
        }
        self.rest(|| self.inner.http.get(url.clone())).await
    }

    async fn post_rules(
        &self,
        body: serde_json::Value,
        dry_run: bool,
    ) -> Result<RulesResponse, Error> {
        let mut url = self.inner.settings.url("2/tweets/search/stream/rules");
        if dry_run {
            url.query_pairs_mut().append_pair("dry_run", "true");
        }
        self.rest(|| self.inner.http.post(url.clone()).json(&body))
            .await
    }

    /// One REST call with the bearer token, the request timeout and the 429 policy.
    async fn rest<F>(&self, make: F) -> Result<RulesResponse, Error>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        const MAX_RATE_LIMIT_WAITS: u32 = 16;
        let mut waits = 0;
        loop {
            let resp = make()
                .header(AUTHORIZATION, self.inner.auth.clone())
                .timeout(self.inner.settings.request_timeout)
                .send()
                .await
                .map_err(|e| {
                    Error::Connection(crate::error::ConnectionError::from_reqwest(e, false))
                })?;
            let status = resp.status().as_u16();
            let rate_limit = RateLimit::from_headers(resp.headers());
            let body = resp.bytes().await.map_err(|e| {
                Error::Connection(crate::error::ConnectionError::from_reqwest(e, true))
            })?;
            if (200..300).contains(&status) {
                return serde_json::from_slice::<RulesResponse>(&body)
                    .map_err(|e| Error::decode(e, &body));
            }
            if status == 429 && self.inner.wait_on_rate_limit && waits < MAX_RATE_LIMIT_WAITS {
                let Some(reset) = rate_limit.and_then(|r| r.reset) else {
                    return Err(Error::RateLimitedNoReset);
                };
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                // At least one second, so a reset in the past never causes a hot loop.
                let wait = Duration::from_secs(reset.saturating_sub(now) + 1);
                tracing::warn!(
                    "Rate limit exceeded. Sleeping for {} seconds.",
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
                waits += 1;
                continue;
            }
            return Err(Error::Http(Box::new(crate::stream::http_error(
                status, &body, rate_limit,
            ))));
        }
    }
}
