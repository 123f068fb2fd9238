//! The likes streams' events (`/2/likes/firehose/stream`, `/2/likes/sample10/stream`): who
//! liked which tweet, with the liked tweet and its author in `includes` when expanded.
//!
//! ```
//! use tweetstream::models::likes::LikeMessage;
//!
//! let raw = br#"{"data":{"id":"8ba4f34e6235d905a46bac021d98e923","liked_tweet_id":"1","tweet_author_id":"2","timestamp_ms":1}}"#;
//! let like = LikeMessage::decode(raw).unwrap().data.unwrap();
//! assert_eq!(like.liked_tweet_id.as_deref(), Some("1"));
//! ```

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::models::event::StreamMessage;

/// A message of the likes streams.
pub type LikeMessage = StreamMessage<LikeWithTweetAuthor>;

/// Accepted `like_with_tweet_author.fields`.
pub const LIKE_FIELDS: &[&str] = &[
    "created_at",
    "id",
    "liked_tweet_author_id",
    "liked_tweet_id",
    "timestamp_ms",
];

/// Accepted `expansions` of the likes streams.
pub const LIKE_EXPANSIONS: &[&str] = &["liked_tweet_author_id", "liked_tweet_id"];

/// A like, with the liked tweet's id and its author's id. Default fields are `id` and
/// `liked_tweet_id`; ask for the others with `like_with_tweet_author.fields`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct LikeWithTweetAuthor {
    /// The like's id (not numeric: up to 40 letters, digits and `_`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CompactString>,
    /// The liked tweet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liked_tweet_id: Option<CompactString>,
    /// The liked tweet's author (X's schema calls it `tweet_author_id`; the field to ask for is
    /// `liked_tweet_author_id`, and both spellings are read).
    #[serde(
        default,
        alias = "liked_tweet_author_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub tweet_author_id: Option<CompactString>,
    /// When the like was made (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<CompactString>,
    /// When the like was made, in milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
}
