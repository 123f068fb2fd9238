//! API v1.1 streams (OAuth 1.0a): [`AsyncStream`] and, in [`blocking`](crate::blocking), `Stream`.
//!
//! `filter(follow, track, locations, filter_level, languages, stall_warnings)` is a form POST to
//! `/1.1/statuses/filter.json`; `sample(languages, stall_warnings)` a GET of
//! `/1.1/statuses/sample.json`. Every message type is dispatched to its callback in tweepy's
//! order, or yielded as a [`Message`].
//!
//! ```no_run
//! use tweetstream::oauth::Credentials;
//! use tweetstream::v1::{AsyncStream, FilterParams, StreamHandler};
//! use tweetstream::models::v1::Status;
//! use tweetstream::ConnectionHandler;
//!
//! struct IdPrinter;
//! impl ConnectionHandler for IdPrinter {}
//! impl StreamHandler for IdPrinter {
//!     fn on_status(&mut self, status: &Status) {
//!         println!("{}", status.id);
//!     }
//! }
//!
//! # async fn demo() -> Result<(), tweetstream::Error> {
//! let creds = Credentials::new("consumer key", "consumer secret", "access token", "access token secret");
//! let stream = AsyncStream::new(creds)?;
//! stream.filter(FilterParams::new().track(["rust", "tokio"]))?.run(IdPrinter).await
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use url::Url;

use crate::connector::Settings;
use crate::framer::Framer;
use crate::handler::{drive, ConnectionHandler, Dispatch};
pub use crate::models::v1::{
    Delete, Disconnect, Limit, Message, ScrubGeo, Status, StatusWithheld, UserWithheld, Warning,
};
use crate::oauth::Credentials;
use crate::policy::Failure;
use crate::stats::Stats;
use crate::stream::{Attempt, Control, Endpoint, EventStream, RunControl};
use crate::Error;

/// The default v1.1 stream base URL.
pub const DEFAULT_STREAM_BASE: &str = "https://stream.twitter.com";
/// The default v1.1 stall timeout: 90 s (three missed 30 s keep-alives).
pub const DEFAULT_V1_STALL_TIMEOUT: Duration = Duration::from_secs(90);
/// Most `track` phrases on default access.
pub const MAX_TRACK_PHRASES: usize = 400;
/// Longest `track` phrase, in bytes.
pub const MAX_TRACK_PHRASE_BYTES: usize = 60;
/// Most `follow` ids on default access.
pub const MAX_FOLLOW_IDS: usize = 5000;
/// Most `locations` boxes on default access.
pub const MAX_LOCATION_BOXES: usize = 25;

/// Parameters of `statuses/filter` (tweepy's keywords).
///
/// ```
/// use tweetstream::v1::FilterParams;
///
/// let p = FilterParams::new().track(["rust"]).locations([-122.75, 36.8, -121.75, 37.8]);
/// assert!(p.validate().is_ok());
/// let err = FilterParams::new().locations([1.0, 2.0, 3.0]).validate().unwrap_err();
/// assert!(err.to_string().contains("multiple of 4"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterParams {
    /// User ids to follow.
    pub follow: Vec<u64>,
    /// Phrases to track (comma = OR, space inside a phrase = AND).
    pub track: Vec<String>,
    /// Bounding boxes as a flat list `sw_lon, sw_lat, ne_lon, ne_lat, …`.
    pub locations: Vec<f64>,
    /// Minimum `filter_level`: `none`, `low` or `medium`.
    pub filter_level: Option<String>,
    /// BCP 47 language codes (sent as `language`).
    pub languages: Vec<String>,
    /// Ask for stall warnings.
    pub stall_warnings: bool,
    /// Use `delimited=length` framing.
    pub delimited: bool,
}

impl FilterParams {
    /// Empty parameters (at least one of follow/track/locations is required).
    pub fn new() -> FilterParams {
        FilterParams::default()
    }
    /// Set `follow`.
    pub fn follow<I: IntoIterator<Item = u64>>(mut self, ids: I) -> Self {
        self.follow = ids.into_iter().collect();
        self
    }
    /// Set `track`.
    pub fn track<I: IntoIterator<Item = S>, S: Into<String>>(mut self, phrases: I) -> Self {
        self.track = phrases.into_iter().map(Into::into).collect();
        self
    }
    /// Set `locations` (a flat list, 4 numbers per box).
    pub fn locations<I: IntoIterator<Item = f64>>(mut self, coords: I) -> Self {
        self.locations = coords.into_iter().collect();
        self
    }
    /// Set `filter_level`.
    pub fn filter_level(mut self, level: impl Into<String>) -> Self {
        self.filter_level = Some(level.into());
        self
    }
    /// Set `languages`.
    pub fn languages<I: IntoIterator<Item = S>, S: Into<String>>(mut self, langs: I) -> Self {
        self.languages = langs.into_iter().map(Into::into).collect();
        self
    }
    /// Set `stall_warnings`.
    pub fn stall_warnings(mut self, on: bool) -> Self {
        self.stall_warnings = on;
        self
    }
    /// Use `delimited=length` framing.
    pub fn delimited(mut self, on: bool) -> Self {
        self.delimited = on;
        self
    }

    /// Check every limit before any request.
    pub fn validate(&self) -> Result<(), Error> {
        if self.follow.is_empty() && self.track.is_empty() && self.locations.is_empty() {
            return Err(Error::invalid(
                "follow/track/locations",
                "statuses/filter needs at least one of follow, track or locations",
            ));
        }
        if self.follow.len() > MAX_FOLLOW_IDS {
            return Err(Error::invalid(
                "follow",
                format!(
                    "{} ids given; the limit is {MAX_FOLLOW_IDS}",
                    self.follow.len()
                ),
            ));
        }
        if self.track.len() > MAX_TRACK_PHRASES {
            return Err(Error::invalid(
                "track",
                format!(
                    "{} phrases given; the limit is {MAX_TRACK_PHRASES}",
                    self.track.len()
                ),
            ));
        }
        for p in &self.track {
            let len = p.trim().len();
            if len == 0 || len > MAX_TRACK_PHRASE_BYTES {
                return Err(Error::invalid(
                    "track",
                    format!("phrase {p:?} is {len} bytes; each phrase must be 1 to {MAX_TRACK_PHRASE_BYTES} bytes"),
                ));
            }
            if p.contains(',') {
                return Err(Error::invalid(
                    "track",
                    format!("phrase {p:?} contains a comma; pass phrases separately"),
                ));
            }
        }
        validate_locations(&self.locations)?;
        validate_common(self.filter_level.as_deref(), &self.languages)
    }

    /// The form body pairs as sent (tweepy's encoding: lists comma-joined, coordinates with
    /// four decimals, `languages` as `language`, `stall_warnings=true`).
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        let mut f = Vec::new();
        if !self.follow.is_empty() {
            f.push(("follow".into(), join(self.follow.iter())));
        }
        if !self.track.is_empty() {
            f.push(("track".into(), self.track.join(",")));
        }
        if !self.locations.is_empty() {
            let coords: Vec<String> = self.locations.iter().map(|c| format!("{c:.4}")).collect();
            f.push(("locations".into(), coords.join(",")));
        }
        common_params(
            &mut f,
            self.filter_level.as_deref(),
            &self.languages,
            self.stall_warnings,
            self.delimited,
        );
        f
    }
}

/// Parameters of `statuses/sample`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleParams {
    /// BCP 47 language codes (sent as `language`).
    pub languages: Vec<String>,
    /// Ask for stall warnings.
    pub stall_warnings: bool,
    /// Use `delimited=length` framing.
    pub delimited: bool,
    /// Minimum `filter_level`.
    pub filter_level: Option<String>,
}

impl SampleParams {
    /// No parameters.
    pub fn new() -> SampleParams {
        SampleParams::default()
    }
    /// Set `languages`.
    pub fn languages<I: IntoIterator<Item = S>, S: Into<String>>(mut self, langs: I) -> Self {
        self.languages = langs.into_iter().map(Into::into).collect();
        self
    }
    /// Set `stall_warnings`.
    pub fn stall_warnings(mut self, on: bool) -> Self {
        self.stall_warnings = on;
        self
    }
    /// Use `delimited=length` framing.
    pub fn delimited(mut self, on: bool) -> Self {
        self.delimited = on;
        self
    }
    /// Check the parameters.
    pub fn validate(&self) -> Result<(), Error> {
        validate_common(self.filter_level.as_deref(), &self.languages)
    }
    fn query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        common_params(
            &mut q,
            self.filter_level.as_deref(),
            &self.languages,
            self.stall_warnings,
            self.delimited,
        );
        q
    }
}

fn join<T: ToString>(it: impl Iterator<Item = T>) -> String {
    it.map(|v| v.to_string()).collect::<Vec<_>>().join(",")
}

fn common_params(
    out: &mut Vec<(String, String)>,
    level: Option<&str>,
    langs: &[String],
    stall: bool,
    delimited: bool,
) {
    if let Some(l) = level {
        out.push(("filter_level".into(), l.to_string()));
    }
    if !langs.is_empty() {
        out.push(("language".into(), langs.join(",")));
    }
    if stall {
        out.push(("stall_warnings".into(), "true".into()));
    }
    if delimited {
        out.push(("delimited".into(), "length".into()));
    }
}

fn validate_common(level: Option<&str>, langs: &[String]) -> Result<(), Error> {
    if let Some(l) = level {
        if !matches!(l, "none" | "low" | "medium") {
            return Err(Error::invalid(
                "filter_level",
                format!("{l:?} is not one of none, low, medium"),
            ));
        }
    }
    if let Some(bad) = langs
        .iter()
        .find(|l| l.is_empty() || l.contains(',') || l.contains(' '))
    {
        return Err(Error::invalid(
            "languages",
            format!("{bad:?} is not a BCP 47 language code"),
        ));
    }
    Ok(())
}

fn validate_locations(c: &[f64]) -> Result<(), Error> {
    if c.len() % 4 != 0 {
        return Err(Error::invalid(
            "locations",
            format!("{} numbers given; the number of location coordinates must be a multiple of 4 (sw_lon, sw_lat, ne_lon, ne_lat per box)", c.len()),
        ));
    }
    let boxes = c.len() / 4;
    if boxes > MAX_LOCATION_BOXES {
        return Err(Error::invalid(
            "locations",
            format!("{boxes} boxes given; the limit is {MAX_LOCATION_BOXES}"),
        ));
    }
    for (i, b) in c.chunks(4).enumerate() {
        let (w, s, e, n) = (b[0], b[1], b[2], b[3]);
        if b.iter().any(|v| !v.is_finite())
            || !(-180.0..=180.0).contains(&w)
            || !(-180.0..=180.0).contains(&e)
        {
            return Err(Error::invalid(
                "locations",
                format!("box {}: longitudes must be between -180 and 180", i + 1),
            ));
        }
        if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) {
            return Err(Error::invalid(
                "locations",
                format!("box {}: latitudes must be between -90 and 90", i + 1),
            ));
        }
        if w >= e || s >= n {
            return Err(Error::invalid(
                "locations",
                format!("box {}: the south-west corner ({w},{s}) must be below and left of the north-east corner ({e},{n})", i + 1),
            ));
        }
    }
    Ok(())
}

/// The v1.1 callbacks, in tweepy's `Stream` vocabulary. Dispatch order (first match wins):
/// status, delete, disconnect, limit, scrub_geo, status_withheld, user_withheld, warning,
/// otherwise `on_unknown`.
pub trait StreamHandler: ConnectionHandler {
    /// The raw bytes of every message, before the typed callback. Default: nothing.
    fn on_data(&mut self, raw: &[u8]) {
        let _ = raw;
    }
    /// A status (tweet). Default: DEBUG with its id.
    fn on_status(&mut self, status: &Status) {
        tracing::debug!("Received status: {}", status.id);
    }
    /// A deletion notice. Default: DEBUG.
    fn on_delete(&mut self, status_id: u64, user_id: u64) {
        tracing::debug!("Received status deletion notice: {status_id}");
        let _ = user_id;
    }
    /// A `disconnect` message. Default: WARNING. (The stream then reconnects or stops as the code means.)
    fn on_disconnect_message(&mut self, message: &Disconnect) {
        tracing::warn!("Received disconnect message: {message:?}");
    }
    /// A limit notice: undelivered tweets since the connection opened. Default: DEBUG.
    fn on_limit(&mut self, track: u64) {
        tracing::debug!("Received limit notice: {track}");
    }
    /// A location deletion notice. Default: DEBUG.
    fn on_scrub_geo(&mut self, notice: &ScrubGeo) {
        tracing::debug!("Received location deletion notice: {notice:?}");
    }
    /// A status withheld notice. Default: DEBUG.
    fn on_status_withheld(&mut self, notice: &StatusWithheld) {
        tracing::debug!("Received status withheld content notice: {notice:?}");
    }
    /// A user withheld notice. Default: DEBUG.
    fn on_user_withheld(&mut self, notice: &UserWithheld) {
        tracing::debug!("Received user withheld content notice: {notice:?}");
    }
    /// A stall warning. Default: WARNING.
    fn on_warning(&mut self, warning: &Warning) {
        tracing::warn!("Received stall warning: {warning:?}");
    }
    /// Any other message, raw. Default: ERROR "Received unknown message type".
    fn on_unknown(&mut self, raw: &[u8]) {
        tracing::error!(
            "Received unknown message type: {}",
            String::from_utf8_lossy(raw)
        );
    }
}

/// A v1.1 message with its raw bytes.
#[derive(Debug, Clone)]
pub struct RawMessage {
    /// The decoded message.
    pub message: Message,
    /// The bytes exactly as received.
    pub raw: Bytes,
}

impl<H: StreamHandler + ?Sized> Dispatch<RawMessage> for H {
    fn dispatch(&mut self, m: &RawMessage) {
        self.on_data(&m.raw);
        match &m.message {
            Message::Status(s) => self.on_status(s),
            Message::Delete(d) => self.on_delete(d.status.id, d.status.user_id),
            Message::Disconnect(d) => self.on_disconnect_message(d),
            Message::Limit(l) => self.on_limit(l.track),
            Message::ScrubGeo(s) => self.on_scrub_geo(s),
            Message::StatusWithheld(s) => self.on_status_withheld(s),
            Message::UserWithheld(u) => self.on_user_withheld(u),
            Message::Warning(w) => self.on_warning(w),
            Message::Unknown(_) => self.on_unknown(&m.raw),
        }
    }
}

impl EventStream<RawMessage> {
    /// Run to the end with a v1.1 handler; see [`EventStream::run`](crate::EventStream::run).
    pub async fn run<H: StreamHandler>(self, mut handler: H) -> Result<(), Error> {
        drive(self, &mut handler).await
    }

    /// Like [`run`](Self::run), borrowing the handler.
    pub async fn run_with<H: StreamHandler + ?Sized>(self, handler: &mut H) -> Result<(), Error> {
        drive(self, handler).await
    }
}

struct V1Endpoint {
    method: http::Method,
    url: Url,
    form: Vec<(String, String)>,
    creds: Arc<Credentials>,
    delimited: bool,
}

impl Endpoint for V1Endpoint {
    type Message = RawMessage;

    fn request(&self, http: &reqwest::Client, _attempt: Attempt) -> reqwest::RequestBuilder {
        // A fresh nonce and timestamp on every attempt.
        let header =
            crate::oauth::sign_request(self.method.as_str(), &self.url, &self.form, &self.creds);
        let mut auth =
            HeaderValue::from_str(&header).unwrap_or_else(|_| HeaderValue::from_static("OAuth"));
        auth.set_sensitive(true);
        let req = http
            .request(self.method.clone(), self.url.clone())
            .header(AUTHORIZATION, auth);
        if self.method == http::Method::POST {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(self.form.iter())
                .finish();
            req.header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body)
        } else {
            req
        }
    }

    fn framer(&self, max: usize) -> Framer {
        if self.delimited {
            Framer::length_delimited(max).without_utf8_check()
        } else {
            Framer::new(max).without_utf8_check()
        }
    }

    fn decode(&self, raw: Bytes) -> Result<RawMessage, Error> {
        match Message::decode(&raw) {
            Ok(message) => Ok(RawMessage { message, raw }),
            Err(e) => Err(Error::decode_bytes(e, raw)),
        }
    }

    fn control(&self, m: &RawMessage) -> Control {
        match &m.message {
            Message::Disconnect(d) if d.should_reconnect() => {
                Control::Reconnect(format!("disconnect code {}: {}", d.code, d.reason))
            }
            Message::Disconnect(d) => {
                Control::Stop(format!("disconnect code {}: {}", d.code, d.reason))
            }
            _ => Control::Data,
        }
    }

    fn classify_status(&self, status: u16) -> Failure {
        if status == 420 || status == 429 {
            Failure::RateLimited(status)
        } else {
            Failure::Http(status)
        }
    }
}

/// Builder of [`AsyncStream`].
#[derive(Clone)]
pub struct StreamBuilder {
    creds: Credentials,
    settings: Settings,
    api_base: Option<String>,
}

impl std::fmt::Debug for StreamBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamBuilder")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl StreamBuilder {
    crate::connector::connection_setters!(
        api_base = "https://stream.twitter.com",
        stall_timeout = "90 s",
        policy = "[`Backoff::v1`](crate::policy::Backoff::v1)"
    );

    /// Build.
    pub fn build(mut self) -> Result<AsyncStream, Error> {
        if let Some(base) = self.api_base.take() {
            self.settings.set_api_base(&base)?;
        }
        let http = self.settings.http_client()?;
        Ok(AsyncStream {
            inner: Arc::new(StreamInner {
                http,
                creds: Arc::new(self.creds),
                settings: self.settings,
                control: RunControl::default(),
            }),
        })
    }
}

struct StreamInner {
    http: reqwest::Client,
    creds: Arc<Credentials>,
    settings: Settings,
    control: RunControl,
}

/// The async v1.1 stream client (OAuth 1.0a user context). Cheap to clone.
#[derive(Clone)]
pub struct AsyncStream {
    inner: Arc<StreamInner>,
}

impl std::fmt::Debug for AsyncStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncStream")
            .field("settings", &self.inner.settings)
            .field("credentials", &self.inner.creds)
            .finish_non_exhaustive()
    }
}

impl AsyncStream {
    /// A client with default settings.
    pub fn new(credentials: Credentials) -> Result<AsyncStream, Error> {
        AsyncStream::builder(credentials).build()
    }

    /// A builder for the other settings.
    pub fn builder(credentials: Credentials) -> StreamBuilder {
        StreamBuilder {
            creds: credentials,
            settings: Settings::new(DEFAULT_STREAM_BASE, DEFAULT_V1_STALL_TIMEOUT),
            api_base: None,
        }
    }

    /// `POST /1.1/statuses/filter.json` with a form body.
    pub fn filter(&self, params: FilterParams) -> Result<EventStream<RawMessage>, Error> {
        params.validate()?;
        let url = self.inner.settings.url("1.1/statuses/filter.json");
        self.open(
            http::Method::POST,
            url,
            params.form_pairs(),
            params.delimited,
        )
    }

    /// `GET /1.1/statuses/sample.json`.
    pub fn sample(&self, params: SampleParams) -> Result<EventStream<RawMessage>, Error> {
        params.validate()?;
        let mut url = self.inner.settings.url("1.1/statuses/sample.json");
        let q = params.query();
        if !q.is_empty() {
            url.query_pairs_mut().extend_pairs(q);
        }
        self.open(http::Method::GET, url, Vec::new(), params.delimited)
    }

    fn open(
        &self,
        method: http::Method,
        url: Url,
        form: Vec<(String, String)>,
        delimited: bool,
    ) -> Result<EventStream<RawMessage>, Error> {
        let endpoint = V1Endpoint {
            method,
            url,
            form,
            creds: self.inner.creds.clone(),
            delimited,
        };
        self.inner
            .control
            .start(endpoint, &self.inner.http, &self.inner.settings, true)
    }

    /// Stop the running stream from any task or thread.
    pub fn disconnect(&self) {
        self.inner.control.disconnect()
    }

    /// Whether a stream is running.
    pub fn is_running(&self) -> bool {
        self.inner.control.is_running()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.inner.control.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: FilterParams) -> String {
        p.validate().unwrap_err().to_string()
    }

    #[test]
    fn empty_filter_is_rejected() {
        assert!(err(FilterParams::new()).contains("at least one"));
    }

    #[test]
    fn follow_limit() {
        assert!(FilterParams::new().follow(1..=5000).validate().is_ok());
        assert!(err(FilterParams::new().follow(1..=5001)).contains("5000"));
    }

    #[test]
    fn track_limits() {
        let ok: Vec<String> = (0..400).map(|i| format!("t{i}")).collect();
        assert!(FilterParams::new().track(ok.clone()).validate().is_ok());
        let mut bad = ok;
        bad.push("x".into());
        assert!(err(FilterParams::new().track(bad)).contains("400"));
        assert!(FilterParams::new()
            .track(["a".repeat(60)])
            .validate()
            .is_ok());
        assert!(err(FilterParams::new().track(["a".repeat(61)])).contains("60"));
        // bytes, not characters: 20 three-byte characters = 60 bytes, 21 = 63
        assert!(FilterParams::new()
            .track(["日".repeat(20)])
            .validate()
            .is_ok());
        assert!(FilterParams::new()
            .track(["日".repeat(21)])
            .validate()
            .is_err());
        assert!(FilterParams::new().track([""]).validate().is_err());
    }

    #[test]
    fn location_rules() {
        let sf = [-122.75, 36.8, -121.75, 37.8];
        assert!(FilterParams::new().locations(sf).validate().is_ok());
        assert!(
            err(FilterParams::new().locations([1.0, 2.0, 3.0, 4.0, 5.0])).contains("multiple of 4")
        );
        let boxes: Vec<f64> = (0..25).flat_map(|_| sf).collect();
        assert!(FilterParams::new()
            .locations(boxes.clone())
            .validate()
            .is_ok());
        let mut more = boxes;
        more.extend(sf);
        assert!(err(FilterParams::new().locations(more)).contains("25"));
        assert!(err(FilterParams::new().locations([-181.0, 0.0, 0.0, 1.0])).contains("longitude"));
        assert!(err(FilterParams::new().locations([0.0, -91.0, 1.0, 1.0])).contains("latitude"));
        assert!(err(FilterParams::new().locations([1.0, 0.0, 0.0, 1.0])).contains("south-west"));
        assert!(err(FilterParams::new().locations([0.0, 1.0, 1.0, 0.0])).contains("south-west"));
        assert!(FilterParams::new()
            .locations([-180.0, -90.0, 180.0, 90.0])
            .validate()
            .is_ok());
    }

    #[test]
    fn filter_level() {
        for l in ["none", "low", "medium"] {
            assert!(FilterParams::new()
                .track(["a"])
                .filter_level(l)
                .validate()
                .is_ok());
        }
        assert!(err(FilterParams::new().track(["a"]).filter_level("high")).contains("filter_level"));
    }

    #[test]
    fn form_encoding_is_tweepys() {
        let f = FilterParams::new()
            .follow([1, 2])
            .track(["a b", "c"])
            .locations([-122.75, 36.8, -121.75, 37.8])
            .filter_level("low")
            .languages(["en", "ja"])
            .stall_warnings(true)
            .form_pairs();
        let want: Vec<(String, String)> = [
            ("follow", "1,2"),
            ("track", "a b,c"),
            ("locations", "-122.7500,36.8000,-121.7500,37.8000"),
            ("filter_level", "low"),
            ("language", "en,ja"),
            ("stall_warnings", "true"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(f, want);
    }
}
