//! Every v2 stream of X's API, as data ([`STREAMS`]), and the one endpoint that reads any of
//! them ([`V2Stream`]). A stream's row says its path, its partitions, which parameters it takes
//! and which message family it carries; `V2Stream<M>` decodes that family into `M`.
//!
//! ```
//! use tweetstream::streams::{stream_info, STREAMS};
//!
//! assert_eq!(STREAMS.len(), 15);
//! let en = stream_info("tweets/firehose/lang/en").unwrap();
//! assert_eq!((en.path, en.partitions), ("2/tweets/firehose/stream/lang/en", 8));
//! ```

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::endpoint::{Attempt, Control, Endpoint};
use crate::models::v2::{Problem, StreamResponse};
use crate::models::{DecodeError, StreamMessage};
use crate::params::StreamParams;
use crate::raw::Raw;
use crate::Error;

/// What a stream carries, and so which parameters it takes and how its messages decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// Tweets: [`StreamResponse`]. Tweet fields and expansions.
    Tweets,
    /// Likes: [`LikeMessage`](crate::models::likes::LikeMessage). Like fields, likes
    /// expansions, user and tweet fields.
    Likes,
    /// Tweet compliance events: [`TweetComplianceMessage`](crate::models::compliance::TweetComplianceMessage).
    TweetCompliance,
    /// User compliance events: [`UserComplianceMessage`](crate::models::compliance::UserComplianceMessage).
    UserCompliance,
    /// Likes compliance events: [`LikeComplianceMessage`](crate::models::compliance::LikeComplianceMessage).
    LikeCompliance,
    /// Tweet label events: [`TweetLabelMessage`](crate::models::labels::TweetLabelMessage).
    TweetLabels,
    /// Activity events: [`ActivityMessage`](crate::models::activity::ActivityMessage).
    Activity,
}

impl Family {
    /// The list parameters this family takes, with their accepted values.
    pub fn accepts(self) -> &'static [(&'static str, &'static [&'static str])] {
        use crate::params::*;
        match self {
            Family::Tweets => &[
                ("expansions", EXPANSIONS),
                ("media.fields", MEDIA_FIELDS),
                ("place.fields", PLACE_FIELDS),
                ("poll.fields", POLL_FIELDS),
                ("tweet.fields", TWEET_FIELDS),
                ("user.fields", USER_FIELDS),
            ],
            Family::Likes => &[
                (
                    "like_with_tweet_author.fields",
                    crate::models::likes::LIKE_FIELDS,
                ),
                ("expansions", crate::models::likes::LIKE_EXPANSIONS),
                ("user.fields", USER_FIELDS),
                ("tweet.fields", TWEET_FIELDS),
            ],
            _ => &[],
        }
    }

    /// How a message's id is read from its bytes (for dedupe and as an archive's message id):
    /// the tweet's or the like's `data.id`, the activity's `data.event_uuid`, and for events
    /// that carry no id of their own, a hash of the whole message.
    pub fn id_reader(self) -> fn(&[u8]) -> Option<u64> {
        match self {
            Family::Tweets | Family::Likes => v2_data_id,
            Family::Activity => |raw| crate::sniff::id_at(raw, &["data", "event_uuid"]),
            _ => |raw| Some(crate::sniff::hash_of(raw)),
        }
    }
}

/// One v2 stream: where it is and what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamInfo {
    /// The name: the path between `/2/` and `/stream`, plus any suffix (`tweets/sample`,
    /// `tweets/firehose/lang/en`, `activity`).
    pub name: &'static str,
    /// The path under the API base.
    pub path: &'static str,
    /// What it is, in a few words.
    pub description: &'static str,
    /// Partitions: 0 if not partitioned, else a partition 1 to this is required.
    pub partitions: u32,
    /// Whether it takes `start_time`/`end_time` (every stream but the 1% sample).
    pub time_window: bool,
    /// What it carries.
    pub family: Family,
}

const fn s(
    name: &'static str,
    path: &'static str,
    description: &'static str,
    partitions: u32,
    time_window: bool,
    family: Family,
) -> StreamInfo {
    StreamInfo {
        name,
        path,
        description,
        partitions,
        time_window,
        family,
    }
}

/// Every v2 stream of X's API: the 15 stream operations of X's OpenAPI 2.159.
pub const STREAMS: &[StreamInfo] = &[
    s(
        "tweets/sample",
        "2/tweets/sample/stream",
        "a 1% sample of all Posts",
        0,
        false,
        Family::Tweets,
    ),
    s(
        "tweets/sample10",
        "2/tweets/sample10/stream",
        "a 10% sample of all Posts",
        2,
        true,
        Family::Tweets,
    ),
    s(
        "tweets/firehose",
        "2/tweets/firehose/stream",
        "every Post",
        20,
        true,
        Family::Tweets,
    ),
    s(
        "tweets/firehose/lang/en",
        "2/tweets/firehose/stream/lang/en",
        "every English Post",
        8,
        true,
        Family::Tweets,
    ),
    s(
        "tweets/firehose/lang/ja",
        "2/tweets/firehose/stream/lang/ja",
        "every Japanese Post",
        2,
        true,
        Family::Tweets,
    ),
    s(
        "tweets/firehose/lang/ko",
        "2/tweets/firehose/stream/lang/ko",
        "every Korean Post",
        2,
        true,
        Family::Tweets,
    ),
    s(
        "tweets/firehose/lang/pt",
        "2/tweets/firehose/stream/lang/pt",
        "every Portuguese Post",
        2,
        true,
        Family::Tweets,
    ),
    s(
        "tweets/search",
        "2/tweets/search/stream",
        "Posts matching the app's rules (filter)",
        0,
        true,
        Family::Tweets,
    ),
    s(
        "likes/firehose",
        "2/likes/firehose/stream",
        "every like",
        20,
        true,
        Family::Likes,
    ),
    s(
        "likes/sample10",
        "2/likes/sample10/stream",
        "a 10% sample of likes",
        2,
        true,
        Family::Likes,
    ),
    s(
        "likes/compliance",
        "2/likes/compliance/stream",
        "unlikes to honour",
        0,
        true,
        Family::LikeCompliance,
    ),
    s(
        "tweets/compliance",
        "2/tweets/compliance/stream",
        "Post deletions, withholdings, drops, edits",
        4,
        true,
        Family::TweetCompliance,
    ),
    s(
        "users/compliance",
        "2/users/compliance/stream",
        "account deletions, suspensions, protections, profile changes",
        4,
        true,
        Family::UserCompliance,
    ),
    s(
        "tweets/label",
        "2/tweets/label/stream",
        "labels applied to and removed from Posts",
        0,
        true,
        Family::TweetLabels,
    ),
    s(
        "activity",
        "2/activity/stream",
        "profile, follow and news events of the app's subscriptions",
        0,
        true,
        Family::Activity,
    ),
];

/// The stream called `name` (see [`StreamInfo::name`]).
pub fn stream_info(name: &str) -> Option<&'static StreamInfo> {
    STREAMS.iter().find(|s| s.name == name)
}

/// The language firehoses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lang {
    /// English (partitions 1–8).
    En,
    /// Japanese (1–2).
    Ja,
    /// Korean (1–2).
    Ko,
    /// Portuguese (1–2).
    Pt,
}

impl Lang {
    fn stream(self) -> &'static str {
        match self {
            Lang::En => "tweets/firehose/lang/en",
            Lang::Ja => "tweets/firehose/lang/ja",
            Lang::Ko => "tweets/firehose/lang/ko",
            Lang::Pt => "tweets/firehose/lang/pt",
        }
    }
}

/// A message type of the v2 streams: how it decodes, and whether it announces an in-band
/// disconnect. Implemented by [`StreamResponse`], [`StreamMessage<D>`] and
/// `serde_json::Value` (any stream, generically).
pub trait V2Message: Send + Sized + 'static {
    /// Decode one message.
    fn decode(raw: &[u8]) -> Result<Self, DecodeError>;
    /// Why the server is closing the connection, if this is an operational-disconnect message
    /// (problems and no data).
    fn disconnect_reason(&self) -> Option<String>;
}

impl V2Message for StreamResponse {
    fn decode(raw: &[u8]) -> Result<Self, DecodeError> {
        StreamResponse::decode(raw)
    }
    fn disconnect_reason(&self) -> Option<String> {
        self.disconnect_notice()
            .filter(|_| self.data.is_none())
            .map(disconnect_reason)
    }
}

impl<D: DeserializeOwned + Send + 'static> V2Message for StreamMessage<D> {
    fn decode(raw: &[u8]) -> Result<Self, DecodeError> {
        crate::models::decode_json(raw)
    }
    fn disconnect_reason(&self) -> Option<String> {
        self.disconnect_notice()
            .filter(|_| self.data.is_none())
            .map(disconnect_reason)
    }
}

impl V2Message for serde_json::Value {
    fn decode(raw: &[u8]) -> Result<Self, DecodeError> {
        crate::models::decode_json(raw)
    }
    fn disconnect_reason(&self) -> Option<String> {
        if self.get("data").is_some() {
            return None;
        }
        let errors = self.get("errors")?.as_array()?;
        errors
            .iter()
            .filter_map(|e| serde_json::from_value::<Problem>(e.clone()).ok())
            .find(|p| p.is_disconnect())
            .map(|p| disconnect_reason(&p))
    }
}

/// One v2 stream with validated parameters, decoding its messages into `M`. What every v2
/// stream method of the client opens; usable with [`Client::open`](crate::Client::open) too.
pub struct V2Stream<M = StreamResponse> {
    info: &'static StreamInfo,
    query: Vec<(String, String)>,
    backfill_on_reconnect: bool,
    message: PhantomData<fn() -> M>,
}

/// The tweet streams' endpoint.
pub type TweetStream = V2Stream<StreamResponse>;

impl<M> Clone for V2Stream<M> {
    fn clone(&self) -> Self {
        V2Stream {
            info: self.info,
            query: self.query.clone(),
            backfill_on_reconnect: self.backfill_on_reconnect,
            message: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for V2Stream<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Stream")
            .field("stream", &self.info.name)
            .field("query", &self.query)
            .finish()
    }
}

impl<M: V2Message> V2Stream<M> {
    /// The stream called `name` (see [`STREAMS`]) with `params`, validated before any request.
    /// `M` should be the stream family's message type, or `serde_json::Value`.
    pub fn named(name: &str, params: &StreamParams) -> Result<Self, Error> {
        let info = stream_info(name).ok_or_else(|| {
            Error::invalid(
                "stream",
                format!(
                    "{name:?} is not a stream; the streams are: {}",
                    STREAMS
                        .iter()
                        .map(|s| s.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        Self::new(info, params)
    }

    /// The stream `info` with `params`, validated before any request.
    pub fn new(info: &'static StreamInfo, params: &StreamParams) -> Result<Self, Error> {
        params.validate_for(info)?;
        Ok(V2Stream {
            info,
            query: params.query_pairs(),
            backfill_on_reconnect: params.backfill_on_reconnect,
            message: PhantomData,
        })
    }

    /// Which stream this is.
    pub fn info(&self) -> &'static StreamInfo {
        self.info
    }

    /// The query of an attempt: with `backfill_on_reconnect`, a reconnect after data asks for
    /// the minutes since the last bytes arrived (rounded up; X allows 1 to 5).
    fn query_for(&self, since_last_data: Option<Duration>) -> Vec<(String, String)> {
        match since_last_data.filter(|_| self.backfill_on_reconnect) {
            None => self.query.clone(),
            Some(gap) => {
                let minutes = gap.as_secs().div_ceil(60).clamp(1, 5);
                std::iter::once(("backfill_minutes".to_string(), minutes.to_string()))
                    .chain(
                        self.query
                            .iter()
                            .filter(|(k, _)| k != "backfill_minutes")
                            .cloned(),
                    )
                    .collect()
            }
        }
    }

    fn has(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }
}

impl TweetStream {
    /// `GET /2/tweets/sample/stream`, the 1% sample.
    pub fn sample(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::named("tweets/sample", params)
    }

    /// `GET /2/tweets/search/stream`, the filtered stream.
    pub fn filter(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::named("tweets/search", params)
    }

    /// `GET /2/tweets/firehose/stream` (partition 1–20 required).
    pub fn firehose(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::named("tweets/firehose", params)
    }

    /// `GET /2/tweets/sample10/stream` (partition 1–2 required).
    pub fn sample10(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::named("tweets/sample10", params)
    }
}

impl<M: V2Message> Endpoint for V2Stream<M> {
    type Message = M;

    fn request(&self, attempt: &Attempt<'_>) -> Result<http::Request<Bytes>, Error> {
        attempt.get(self.info.path, &self.query_for(attempt.since_last_data))
    }

    fn decode(&self, raw: &Bytes) -> Result<M, DecodeError> {
        M::decode(raw)
    }

    fn control(&self, m: &Raw<M>) -> Control {
        match m.disconnect_reason() {
            Some(why) => reconnect(why),
            None => Control::Data,
        }
    }

    fn id_reader(&self) -> fn(&[u8]) -> Option<u64> {
        self.info.family.id_reader()
    }

    /// A recovery window (`start_time` and `end_time`) replays from its start on a reconnect,
    /// so what was delivered is dropped then, as after a backfill.
    fn dedupe(&self) -> bool {
        self.backfill_on_reconnect || self.has("start_time")
    }

    /// With `end_time`, the server ends the stream once the window is delivered: that is the
    /// end, not a reason to reconnect.
    fn finite(&self) -> bool {
        self.has("end_time")
    }
}

fn disconnect_reason(p: &Problem) -> String {
    p.extra_str("disconnect_type")
        .or(p.detail.as_deref())
        .unwrap_or("operational-disconnect")
        .to_string()
}

/// X v2's in-band disconnect, from the bytes: a message whose first key is `data` is data
/// (the common case, decided at once); anything else is parsed for an `errors` array with an
/// operational-disconnect problem and no `data`.
pub(crate) fn v2_inspect(raw: &[u8]) -> Control {
    if crate::sniff::first_key(raw) == Some(b"data") {
        return Control::Data;
    }
    #[derive(serde::Deserialize)]
    struct ErrorsOnly {
        #[serde(default)]
        data: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        errors: Vec<Problem>,
    }
    match serde_json::from_slice::<ErrorsOnly>(raw) {
        Ok(ErrorsOnly { data: None, errors }) => match errors.iter().find(|p| p.is_disconnect()) {
            Some(p) => reconnect(disconnect_reason(p)),
            None => Control::Data,
        },
        _ => Control::Data,
    }
}

/// A disconnect of this type: a slow reader's is told apart.
fn reconnect(why: String) -> Control {
    if why == "SlowReader" {
        Control::SlowReader(why)
    } else {
        Control::Reconnect(why)
    }
}

/// `data.id`, the id of a v2 message.
pub(crate) fn v2_data_id(raw: &[u8]) -> Option<u64> {
    crate::sniff::id_at(raw, &["data", "id"])
}

use crate::auth::Bearer;
use crate::client::{Client, Mode};
use crate::models::activity::ActivityMessage;
use crate::models::compliance::{
    LikeComplianceMessage, TweetComplianceMessage, UserComplianceMessage,
};
use crate::models::labels::TweetLabelMessage;
use crate::models::likes::LikeMessage;
use crate::stream::EventStream;

/// The stream of a v2 client method: messages `M` with their bytes.
pub type V2Events<M, Md> = Result<EventStream<Raw<M>, Md>, Error>;

/// One method per stream of X's API. Each validates its parameters against the stream's row
/// of [`STREAMS`] before any request, and runs through the same supervisor (reconnects, stall
/// watchdog, `max_retries`, backfill and dedupe, `disconnect()`).
impl<Md: Mode> Client<Bearer, Md> {
    fn v2<M: V2Message>(&self, name: &str, params: StreamParams) -> V2Events<M, Md> {
        self.open(V2Stream::<M>::named(name, &params)?)
    }

    /// The 1% sample stream, `GET /2/tweets/sample/stream`.
    pub fn sample(&self, params: StreamParams) -> V2Events<StreamResponse, Md> {
        self.v2("tweets/sample", params)
    }

    /// The filtered stream, `GET /2/tweets/search/stream`: tweets matching the app's rules.
    pub fn filter(&self, params: StreamParams) -> V2Events<StreamResponse, Md> {
        self.v2("tweets/search", params)
    }

    /// The firehose, `GET /2/tweets/firehose/stream` (partition 1–20 required).
    pub fn firehose(&self, params: StreamParams) -> V2Events<StreamResponse, Md> {
        self.v2("tweets/firehose", params)
    }

    /// The 10% sample, `GET /2/tweets/sample10/stream` (partition 1–2 required).
    pub fn sample10(&self, params: StreamParams) -> V2Events<StreamResponse, Md> {
        self.v2("tweets/sample10", params)
    }

    /// A language firehose, `GET /2/tweets/firehose/stream/lang/{en,ja,ko,pt}` (partition
    /// 1–8 for English, 1–2 for the others, required).
    pub fn firehose_lang(&self, lang: Lang, params: StreamParams) -> V2Events<StreamResponse, Md> {
        self.v2(lang.stream(), params)
    }

    /// Every like, `GET /2/likes/firehose/stream` (partition 1–20 required).
    pub fn likes_firehose(&self, params: StreamParams) -> V2Events<LikeMessage, Md> {
        self.v2("likes/firehose", params)
    }

    /// A 10% sample of likes, `GET /2/likes/sample10/stream` (partition 1–2 required).
    pub fn likes_sample10(&self, params: StreamParams) -> V2Events<LikeMessage, Md> {
        self.v2("likes/sample10", params)
    }

    /// Unlikes to honour, `GET /2/likes/compliance/stream`.
    pub fn likes_compliance(&self, params: StreamParams) -> V2Events<LikeComplianceMessage, Md> {
        self.v2("likes/compliance", params)
    }

    /// Tweet compliance events, `GET /2/tweets/compliance/stream` (partition 1–4 required).
    pub fn tweets_compliance(&self, params: StreamParams) -> V2Events<TweetComplianceMessage, Md> {
        self.v2("tweets/compliance", params)
    }

    /// User compliance events, `GET /2/users/compliance/stream` (partition 1–4 required).
    pub fn users_compliance(&self, params: StreamParams) -> V2Events<UserComplianceMessage, Md> {
        self.v2("users/compliance", params)
    }

    /// Tweet label events, `GET /2/tweets/label/stream`.
    pub fn tweet_labels(&self, params: StreamParams) -> V2Events<TweetLabelMessage, Md> {
        self.v2("tweets/label", params)
    }

    /// Activity events of the app's subscriptions, `GET /2/activity/stream`.
    pub fn activity(&self, params: StreamParams) -> V2Events<ActivityMessage, Md> {
        self.v2("activity", params)
    }

    /// Any stream by its name (see [`STREAMS`]), as generic JSON: for tools that treat every
    /// stream alike, usually with [`EventStream::raw`].
    pub fn stream(&self, name: &str, params: StreamParams) -> V2Events<serde_json::Value, Md> {
        self.v2(name, params)
    }
}
