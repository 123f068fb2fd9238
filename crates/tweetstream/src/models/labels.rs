//! The tweet label stream's events (`/2/tweets/label/stream`): a public label (a notice such as
//! "misleading") or an "unviewable" marker was applied to or removed from a tweet.
//!
//! ```
//! use tweetstream::models::labels::{TweetLabel, TweetLabelMessage};
//!
//! let raw = br#"{"data":{"public_tweet_notice":{"tweet":{"id":"1","author_id":"2"},"event_type":"misleading","event_at":"2021-07-06T18:40:40.000Z","application":"apply"}}}"#;
//! match TweetLabelMessage::decode(raw).unwrap().data.unwrap() {
//!     TweetLabel::Notice(n) => assert_eq!(n.event_type, "misleading"),
//!     other => panic!("{other:?}"),
//! }
//! ```

use compact_str::CompactString;
use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

use crate::models::compliance::TweetRef;
use crate::models::event::{erased, tagged_serde, StreamMessage, Tagged, UnknownEvent};

/// A message of the tweet label stream.
pub type TweetLabelMessage = StreamMessage<TweetLabel>;

/// A public notice on a tweet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TweetNotice {
    /// The tweet.
    pub tweet: TweetRef,
    /// The kind of label (`misleading`, …).
    pub event_type: CompactString,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// `apply` or `remove`.
    pub application: CompactString,
    /// The text shown on the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// A link to more about this kind of label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_details_url: Option<String>,
    /// The label's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_title: Option<String>,
}

/// A tweet was made unviewable, or viewable again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TweetUnviewable {
    /// The tweet.
    pub tweet: TweetRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// `apply` or `remove`.
    pub application: CompactString,
}

/// An event of the tweet label stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TweetLabel {
    /// `public_tweet_notice`.
    Notice(TweetNotice),
    /// `public_tweet_unviewable`.
    Unviewable(TweetUnviewable),
    /// A kind this version does not model.
    Unknown(UnknownEvent),
}

impl Tagged for TweetLabel {
    const EXPECTING: &'static str =
        "a tweet label event (public_tweet_notice, public_tweet_unviewable)";
    fn known<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Option<Result<Self, A::Error>> {
        Some(match key {
            "public_tweet_notice" => map.next_value().map(TweetLabel::Notice),
            "public_tweet_unviewable" => map.next_value().map(TweetLabel::Unviewable),
            _ => return None,
        })
    }
    fn unknown(event: UnknownEvent) -> Self {
        TweetLabel::Unknown(event)
    }
    fn parts(&self) -> (&str, &dyn erased::Value) {
        match self {
            TweetLabel::Notice(e) => ("public_tweet_notice", e),
            TweetLabel::Unviewable(e) => ("public_tweet_unviewable", e),
            TweetLabel::Unknown(u) => (&u.kind, &u.value),
        }
    }
}

impl TweetLabel {
    /// The tweet the event is about (`None` for an unknown kind).
    pub fn tweet(&self) -> Option<&TweetRef> {
        match self {
            TweetLabel::Notice(e) => Some(&e.tweet),
            TweetLabel::Unviewable(e) => Some(&e.tweet),
            TweetLabel::Unknown(_) => None,
        }
    }
}

tagged_serde!(TweetLabel);
