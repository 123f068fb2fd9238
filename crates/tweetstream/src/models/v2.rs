//! API v2 models: the streamed payload ([`StreamResponse`]), [`Tweet`], [`User`], [`Media`],
//! [`Place`], [`Poll`], [`Includes`], [`Problem`] and rules ([`StreamRule`]).
//!
//! ```
//! use tweetstream::models::v2::StreamResponse;
//!
//! let raw = br#"{"data":{"id":"1","text":"hi","edit_history_tweet_ids":["1"]},"matching_rules":[{"id":7,"tag":null}]}"#;
//! let response = StreamResponse::decode(raw).unwrap();
//! assert_eq!(response.data.as_ref().unwrap().text, "hi");
//! assert_eq!(response.matching_rules[0].id, "7"); // numbers are accepted for ids
//! ```

use serde::{Deserialize, Serialize};

use crate::models::DecodeError;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use compact_str::CompactString;

/// A JSON value kept as its raw text (cheap to decode: no tree is built). Use
/// [`RawJson::get`] for the text or [`RawJson::parse`] to turn it into a type.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct RawJson(pub Box<RawValue>);

impl RawJson {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Deserialize into a type (or `serde_json::Value`).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &RawJson) -> bool {
        self.get() == other.get()
    }
}

/// One message of a v2 stream: a tweet with its includes, the rules it matched, and any
/// errors. A line with only `errors` (such as an operational disconnect) has `data: None`.
/// Streams deliver it as a [`Raw<StreamResponse>`](crate::Raw), with the bytes it came from.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct StreamResponse {
    /// The tweet (boxed: it is large, and responses move through the pipeline).
    #[serde(default, deserialize_with = "crate::models::boxed_in_place")]
    pub data: Option<Box<Tweet>>,
    /// Objects referenced by the tweet, for the requested expansions.
    #[serde(default)]
    pub includes: Option<Includes>,
    /// Problems: partial-hydration errors, or in-stream disconnect notices.
    #[serde(default)]
    pub errors: Vec<Problem>,
    /// The rules this tweet matched (filtered stream only).
    #[serde(default)]
    pub matching_rules: Vec<MatchingRule>,
}

impl StreamResponse {
    /// Decode one message (UTF-8 checked once, then parsed).
    pub fn decode(raw: &[u8]) -> Result<StreamResponse, DecodeError> {
        crate::models::decode_json(raw)
    }

    /// The operational-disconnect problem of this message, if it announces one.
    pub fn disconnect_notice(&self) -> Option<&Problem> {
        self.errors.iter().find(|p| p.is_disconnect())
    }
}

/// A problem object (RFC 7807 "problem details"), as X sends in `errors` arrays and error bodies.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Problem {
    /// A URI naming the problem type, e.g. `https://api.twitter.com/2/problems/operational-disconnect`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// HTTP status, when the problem carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Every other field (`disconnect_type`, `connection_issue`, `value`, `id`, `details`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Problem {
    /// The last path segment of `type` (`operational-disconnect`, `duplicate-rules`, …).
    pub fn kind_name(&self) -> Option<&str> {
        self.kind
            .as_deref()
            .map(|t| t.rsplit('/').next().unwrap_or(t))
    }

    /// Whether this problem announces that the server is closing the stream.
    pub fn is_disconnect(&self) -> bool {
        matches!(self.kind_name(), Some("operational-disconnect"))
            || self.title.as_deref() == Some("operational-disconnect")
            || self.extra.contains_key("disconnect_type")
    }

    /// A string field of `extra` (e.g. `"disconnect_type"`, `"connection_issue"`, `"value"`).
    pub fn extra_str(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(Value::as_str)
    }
}

/// A rule that matched a tweet: its `id` and `tag`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MatchingRule {
    /// Rule id (a string; early-2021 traffic sent numbers, which are accepted).
    #[serde(deserialize_with = "crate::models::compact_or_number")]
    pub id: CompactString,
    /// Rule tag (`None` when absent or null).
    #[serde(default)]
    pub tag: Option<CompactString>,
}

/// A filtered-stream rule, as tweepy's `StreamRule(value, tag, id)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct StreamRule {
    /// The rule text.
    #[serde(default)]
    pub value: String,
    /// Optional tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Id assigned by X.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::models::opt_string_or_number"
    )]
    pub id: Option<String>,
}

impl StreamRule {
    /// A rule without a tag.
    pub fn new(value: impl Into<String>) -> StreamRule {
        StreamRule {
            value: value.into(),
            tag: None,
            id: None,
        }
    }

    /// A rule with a tag.
    pub fn tagged(value: impl Into<String>, tag: impl Into<String>) -> StreamRule {
        StreamRule {
            value: value.into(),
            tag: Some(tag.into()),
            id: None,
        }
    }
}

impl From<&str> for StreamRule {
    fn from(v: &str) -> StreamRule {
        StreamRule::new(v)
    }
}

impl From<String> for StreamRule {
    fn from(v: String) -> StreamRule {
        StreamRule::new(v)
    }
}

/// A Tweet (Post). Default fields are `id`, `text`, `edit_history_tweet_ids`; the rest appear
/// when requested with `tweet.fields`.
///
/// Parts that are rarely present (`geo`, `withheld`, `edit_controls`, `note_tweet`) are boxed:
/// a smaller `Tweet` is cheaper to move through decoding (measured +2–4% end to end).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Tweet {
    /// Tweet id.
    #[serde(deserialize_with = "crate::models::compact_or_number")]
    pub id: CompactString,
    /// CompactString.
    #[serde(default)]
    pub text: CompactString,
    /// Ids of every version of the tweet, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub edit_history_tweet_ids: Vec<CompactString>,
    /// Author's user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<CompactString>,
    /// Creation time, ISO 8601 (`2021-01-06T18:40:40.000Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<CompactString>,
    /// Conversation (thread) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<CompactString>,
    /// Id of the user this tweet replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to_user_id: Option<CompactString>,
    /// Tweets this one retweets, quotes or replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_tweets: Option<Vec<ReferencedTweet>>,
    /// Attached media, polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Attachments>,
    /// Entities parsed from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Entities>,
    /// Location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<Box<TweetGeo>>,
    /// Language (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<CompactString>,
    /// Whether the tweet may contain sensitive content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possibly_sensitive: Option<bool>,
    /// Public engagement counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metrics: Option<TweetPublicMetrics>,
    /// Who may reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_settings: Option<CompactString>,
    /// Posting client name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CompactString>,
    /// Withholding information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<Box<Withheld>>,
    /// Context annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_annotations: Option<Vec<ContextAnnotation>>,
    /// Edit eligibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit_controls: Option<Box<EditControls>>,
    /// Full text of long posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_tweet: Option<Box<NoteTweet>>,
    /// `[start, end]` of the displayable text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text_range: Option<Vec<u32>>,
    /// Owner-only metrics (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_public_metrics: Option<RawJson>,
    /// Owner-only metrics (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organic_metrics: Option<RawJson>,
    /// Owner-only metrics (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_metrics: Option<RawJson>,
}

impl Tweet {
    /// The full text: `note_tweet.text` for long posts, else `text`.
    pub fn full_text(&self) -> &str {
        self.note_tweet
            .as_ref()
            .and_then(|n| n.text.as_deref())
            .unwrap_or(&self.text)
    }
}

/// A reference from one tweet to another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ReferencedTweet {
    /// `retweeted`, `quoted` or `replied_to`.
    #[serde(rename = "type", default)]
    pub kind: Option<CompactString>,
    /// The referenced tweet's id.
    #[serde(deserialize_with = "crate::models::compact_or_number")]
    pub id: CompactString,
}

/// Attachments of a tweet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Attachments {
    /// Keys of attached media (see `includes.media`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_keys: Vec<CompactString>,
    /// Ids of attached polls (see `includes.polls`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub poll_ids: Vec<CompactString>,
    /// Tweets the media came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_source_tweet_id: Vec<CompactString>,
}

/// Entities of a tweet's text. Offsets are in characters; `end` is exclusive.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Entities {
    /// Hashtags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hashtags: Vec<TagEntity>,
    /// Cashtags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cashtags: Vec<TagEntity>,
    /// Mentions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<MentionEntity>,
    /// URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<UrlEntity>,
    /// Named-entity annotations (raw).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<RawJson>,
}

/// A hashtag or cashtag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct TagEntity {
    /// Start offset.
    #[serde(default)]
    pub start: u32,
    /// End offset (exclusive).
    #[serde(default)]
    pub end: u32,
    /// The tag without `#`/`$`.
    #[serde(default)]
    pub tag: CompactString,
}

/// A mention.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MentionEntity {
    /// Start offset.
    #[serde(default)]
    pub start: u32,
    /// End offset (exclusive).
    #[serde(default)]
    pub end: u32,
    /// Username without `@`.
    #[serde(default)]
    pub username: CompactString,
    /// User id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CompactString>,
}

/// A URL.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct UrlEntity {
    /// Start offset.
    #[serde(default)]
    pub start: u32,
    /// End offset (exclusive).
    #[serde(default)]
    pub end: u32,
    /// The t.co URL.
    #[serde(default)]
    pub url: CompactString,
    /// The expanded URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded_url: Option<CompactString>,
    /// The display URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_url: Option<CompactString>,
    /// The final URL after redirects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unwound_url: Option<CompactString>,
    /// Key of the media this URL points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_key: Option<CompactString>,
    /// HTTP status of the unwound URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Page title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<CompactString>,
    /// Page description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<CompactString>,
}

/// A tweet's location.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct TweetGeo {
    /// Tagged place id (see `includes.places`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_id: Option<CompactString>,
    /// Exact point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Point>,
}

/// A GeoJSON point, `[longitude, latitude]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Point {
    /// `Point`.
    #[serde(rename = "type", default)]
    pub kind: CompactString,
    /// `[lon, lat]`.
    #[serde(default)]
    pub coordinates: Vec<f64>,
}

/// Public metrics of a tweet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct TweetPublicMetrics {
    /// Retweets.
    #[serde(default)]
    pub retweet_count: u64,
    /// Replies.
    #[serde(default)]
    pub reply_count: u64,
    /// Likes.
    #[serde(default)]
    pub like_count: u64,
    /// Quotes.
    #[serde(default)]
    pub quote_count: u64,
    /// Impressions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impression_count: Option<u64>,
    /// Bookmarks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookmark_count: Option<u64>,
}

/// Withholding information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Withheld {
    /// Withheld for a copyright claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright: Option<bool>,
    /// Countries (ISO alpha-2) where it is withheld.
    #[serde(default)]
    pub country_codes: Vec<CompactString>,
    /// `tweet` or `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<CompactString>,
}

/// A context annotation (domain + entity).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ContextAnnotation {
    /// Domain.
    #[serde(default)]
    pub domain: AnnotationEntity,
    /// Entity.
    #[serde(default)]
    pub entity: AnnotationEntity,
}

/// A domain or entity of a context annotation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct AnnotationEntity {
    /// Id.
    #[serde(default)]
    pub id: CompactString,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<CompactString>,
}

/// Edit eligibility of a tweet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct EditControls {
    /// Whether it can still be edited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_edit_eligible: Option<bool>,
    /// Until when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable_until: Option<CompactString>,
    /// Edits left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edits_remaining: Option<u32>,
}

/// The full text of a long post.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct NoteTweet {
    /// Full text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<CompactString>,
    /// Entities of the full text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<Entities>,
}

/// Objects referenced by the tweet, for the requested expansions. Include kinds this model
/// does not know (e.g. `topics`) are still in the message's raw bytes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Includes {
    /// Users.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::models::vec_in_place"
    )]
    pub users: Vec<User>,
    /// Referenced tweets.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::models::vec_in_place"
    )]
    pub tweets: Vec<Tweet>,
    /// Media.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::models::vec_in_place"
    )]
    pub media: Vec<Media>,
    /// Places.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// Polls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub polls: Vec<Poll>,
}

/// A user. Default fields are `id`, `name`, `username`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct User {
    /// User id.
    #[serde(deserialize_with = "crate::models::compact_or_number")]
    pub id: CompactString,
    /// Display name.
    #[serde(default)]
    pub name: CompactString,
    /// Username (handle) without `@`.
    #[serde(default)]
    pub username: CompactString,
    /// Account creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<CompactString>,
    /// Bio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<CompactString>,
    /// Profile location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<CompactString>,
    /// Profile URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<CompactString>,
    /// Protected account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected: Option<bool>,
    /// Verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// `blue`, `government`, `business` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_type: Option<CompactString>,
    /// Profile image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_image_url: Option<CompactString>,
    /// Profile banner URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_banner_url: Option<CompactString>,
    /// Pinned tweet id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_tweet_id: Option<CompactString>,
    /// Public counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metrics: Option<UserPublicMetrics>,
    /// Entities of the profile (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<RawJson>,
    /// Withholding information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<Withheld>,
}

/// Public counts of a user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserPublicMetrics {
    /// Followers.
    #[serde(default)]
    pub followers_count: i64,
    /// Following.
    #[serde(default)]
    pub following_count: i64,
    /// Tweets.
    #[serde(default)]
    pub tweet_count: i64,
    /// Lists.
    #[serde(default)]
    pub listed_count: i64,
    /// Likes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub like_count: Option<i64>,
}

/// A photo, video or GIF. Default fields are `media_key` and `type`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Media {
    /// Media key (`3_1377650087799754753`).
    #[serde(default)]
    pub media_key: CompactString,
    /// `photo`, `video` or `animated_gif`.
    #[serde(rename = "type", default)]
    pub kind: CompactString,
    /// URL (photos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<CompactString>,
    /// Preview image (videos, GIFs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_image_url: Option<CompactString>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Duration (videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<CompactString>,
    /// Public metrics (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_metrics: Option<RawJson>,
    /// Video variants (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<RawJson>>,
}

/// A place. Default fields are `id` and `full_name`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Place {
    /// Place id.
    #[serde(default)]
    pub id: CompactString,
    /// Full name (`Manhattan, NY`).
    #[serde(default)]
    pub full_name: CompactString,
    /// Short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    /// Country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CompactString>,
    /// Country code (ISO alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<CompactString>,
    /// `poi`, `neighborhood`, `city`, `admin`, `country`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_type: Option<CompactString>,
    /// Ids of containing places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained_within: Option<Vec<CompactString>>,
    /// GeoJSON feature with `bbox` (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<RawJson>,
}

/// A poll. Default fields are `id` and `options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Poll {
    /// Poll id.
    #[serde(default)]
    pub id: CompactString,
    /// Options.
    #[serde(default)]
    pub options: Vec<PollOption>,
    /// Duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<u32>,
    /// End time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_datetime: Option<CompactString>,
    /// `open` or `closed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voting_status: Option<CompactString>,
}

/// One option of a poll.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct PollOption {
    /// Position (1-based).
    #[serde(default)]
    pub position: u32,
    /// Label.
    #[serde(default)]
    pub label: CompactString,
    /// Votes.
    #[serde(default)]
    pub votes: u64,
}

/// Summary counts of a rules call (`meta.summary`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct RulesSummary {
    /// Rules created.
    #[serde(default)]
    pub created: u64,
    /// Rules not created.
    #[serde(default)]
    pub not_created: u64,
    /// Valid rules.
    #[serde(default)]
    pub valid: u64,
    /// Invalid rules.
    #[serde(default)]
    pub invalid: u64,
    /// Rules deleted.
    #[serde(default)]
    pub deleted: u64,
    /// Rules not deleted.
    #[serde(default)]
    pub not_deleted: u64,
}

/// `meta` of a rules response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct RulesMeta {
    /// When X sent the response.
    #[serde(default)]
    pub sent: Option<String>,
    /// Counts of an add or delete.
    #[serde(default)]
    pub summary: Option<RulesSummary>,
    /// Number of rules returned (GET).
    #[serde(default)]
    pub result_count: Option<u64>,
    /// Pagination token for the next page (GET).
    #[serde(default)]
    pub next_token: Option<String>,
}

/// The response of a rules call: the rules, per-rule errors, and meta.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct RulesResponse {
    /// Rules (created ones for an add, listed ones for a get; empty for a delete).
    #[serde(default)]
    pub data: Vec<StreamRule>,
    /// Per-rule problems (duplicate, invalid, …), reported with a 2xx status.
    #[serde(default)]
    pub errors: Vec<Problem>,
    /// Sent time and counts.
    #[serde(default)]
    pub meta: RulesMeta,
}

/// The answer of `GET /2/tweets/search/stream/rules/counts`: rule counts and caps.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RuleCounts {
    /// The counts (only the fields asked for are present).
    #[serde(default)]
    pub data: Option<RulesCount>,
    /// Problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
}

/// Rule counts at the client-app and project levels.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct RulesCount {
    /// Rules allowed per client app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_client_app: Option<u64>,
    /// Rules allowed per project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_project: Option<u64>,
    /// Rules in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_rules_count: Option<u64>,
    /// This app's rules (`client_app_id`, `rule_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_app_rules_count: Option<AppRulesCount>,
    /// Every app of the project (raw).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_project_client_apps: Option<RawJson>,
}

/// The rules of one client app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct AppRulesCount {
    /// The app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_app_id: Option<String>,
    /// Its rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_count: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(name: &str) -> Vec<u8> {
        let path = format!("{}/../../../shared/data/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn real_2021_filtered_stream_lines_decode() {
        let body = data("x-v2-filtered-stream-2021-with-truncated-last-line.twarc.jsonl");
        let lines: Vec<&[u8]> = body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 8);
        for line in &lines[..7] {
            let r = StreamResponse::decode(line).unwrap();
            let t = r.data.as_ref().unwrap();
            assert!(!t.id.is_empty());
            assert!(!r.matching_rules.is_empty());
            assert!(r.matching_rules[0].tag.is_none());
            assert!(r.includes.as_ref().is_some_and(|i| !i.users.is_empty()));
        }
        // The truncated last line is an error with a preview, never a panic.
        match StreamResponse::decode(lines[7]) {
            Err(e) => assert!(!e.preview().is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_only_line_is_a_disconnect_notice() {
        let raw = br#"{"errors":[{"title":"operational-disconnect","disconnect_type":"OperationalDisconnect","detail":"This stream has been disconnected for operational reasons.","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}"#;
        let r = StreamResponse::decode(raw).unwrap();
        assert!(r.data.is_none());
        let p = r.disconnect_notice().unwrap();
        assert_eq!(
            p.extra_str("disconnect_type"),
            Some("OperationalDisconnect")
        );
        assert_eq!(p.kind_name(), Some("operational-disconnect"));
    }

    #[test]
    fn rules_responses_decode() {
        for name in [
            "x-v2-rules-get-response.pytwitter.json",
            "x-v2-rules-add-response.pytwitter.json",
            "x-v2-rules-delete-response.pytwitter.json",
        ] {
            let r: RulesResponse =
                serde_json::from_slice(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(r.meta.sent.is_some() || r.meta.summary.is_some(), "{name}");
        }
        let meta: RulesMeta = serde_json::from_slice(&data(
            "x-v2-rules-add-meta-with-valid-invalid.pytwitter.json",
        ))
        .unwrap();
        assert_eq!(meta.summary.map(|s| (s.created, s.valid)), Some((2, 2)));
        let get: RulesResponse =
            serde_json::from_slice(&data("x-v2-rules-get-response.pytwitter.json")).unwrap();
        assert!(get.data.iter().all(|r| r.id.is_some()));
    }

    #[test]
    fn the_429_body_parses_as_a_problem() {
        let p: Problem = serde_json::from_slice(&data(
            "x-v2-stream-connect-429-too-many-connections.observed.json",
        ))
        .unwrap();
        assert_eq!(p.extra_str("connection_issue"), Some("TooManyConnections"));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for raw in [
            &b"{}"[..],
            b"[]",
            b"null",
            b"{\"data\":null}",
            b"{\"data\":{\"id\":1}}",
            b"{\"matching_rules\":[{\"id\":1.5}]}",
        ] {
            let _ = StreamResponse::decode(raw);
        }
        let r = StreamResponse::decode(b"{}").unwrap();
        assert!(r.data.is_none() && r.errors.is_empty());
    }
}
