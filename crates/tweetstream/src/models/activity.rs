//! The activity stream's events (`/2/activity/stream`): profile updates, follows and news for
//! the app's subscriptions. `event_type` says which; [`ActivityEvent::payload`] reads the
//! payload in the shape that type has.
//!
//! ```
//! use tweetstream::models::activity::{ActivityMessage, ActivityPayload};
//!
//! let raw = br#"{"data":{"event_type":"profile.update.bio","event_uuid":"1","payload":{"before":"a","after":"b"}}}"#;
//! let event = ActivityMessage::decode(raw).unwrap().data.unwrap();
//! match event.payload().unwrap().unwrap() {
//!     ActivityPayload::ProfileUpdate { after, .. } => assert_eq!(after.as_deref(), Some("b")),
//!     other => panic!("{other:?}"),
//! }
//! ```

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::models::event::StreamMessage;
use crate::models::v2::{RawJson, User};

/// A message of the activity stream.
pub type ActivityMessage = StreamMessage<ActivityEvent>;

/// What an activity subscription matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ActivityFilter {
    /// A keyword (news subscriptions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// A user (profile and follow subscriptions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<CompactString>,
}

/// One activity event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct ActivityEvent {
    /// `profile.update.bio`, `follow.follow`, `news.new`, …
    #[serde(default)]
    pub event_type: CompactString,
    /// The event's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_uuid: Option<CompactString>,
    /// The subscription it matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<ActivityFilter>,
    /// The payload, raw (see [`payload`](Self::payload)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<RawJson>,
    /// The subscription's tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// An activity payload, in the shape its `event_type` gives it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ActivityPayload {
    /// `profile.update.*`: a profile field before and after.
    ProfileUpdate {
        /// The old value.
        before: Option<String>,
        /// The new value.
        after: Option<String>,
    },
    /// `follow.follow`, `follow.unfollow`: who (un)followed whom.
    Follow {
        /// The follower.
        source: Option<Box<User>>,
        /// The followed.
        target: Option<Box<User>>,
    },
    /// `news.new`: a news item.
    News {
        /// Its category.
        category: Option<String>,
        /// Its headline.
        headline: Option<String>,
        /// Its hook.
        hook: Option<String>,
        /// Its summary.
        summary: Option<String>,
    },
    /// An event type this version does not model: the payload as sent.
    Unknown(RawJson),
}

#[derive(Deserialize)]
struct ProfileUpdate {
    before: Option<String>,
    after: Option<String>,
}

#[derive(Deserialize)]
struct Follow {
    source: Option<Box<User>>,
    target: Option<Box<User>>,
}

#[derive(Deserialize)]
struct News {
    category: Option<String>,
    headline: Option<String>,
    hook: Option<String>,
    summary: Option<String>,
}

impl ActivityEvent {
    /// The payload in the shape of its `event_type` (`None` when there is none; an error when it
    /// does not have that shape).
    pub fn payload(&self) -> Option<Result<ActivityPayload, serde_json::Error>> {
        let raw = self.payload.as_ref()?;
        let t = self.event_type.as_str();
        Some(if t.starts_with("profile.update.") {
            raw.parse::<ProfileUpdate>()
                .map(|p| ActivityPayload::ProfileUpdate {
                    before: p.before,
                    after: p.after,
                })
        } else if t.starts_with("follow.") {
            raw.parse::<Follow>().map(|p| ActivityPayload::Follow {
                source: p.source,
                target: p.target,
            })
        } else if t.starts_with("news.") {
            raw.parse::<News>().map(|p| ActivityPayload::News {
                category: p.category,
                headline: p.headline,
                hook: p.hook,
                summary: p.summary,
            })
        } else {
            Ok(ActivityPayload::Unknown(raw.clone()))
        })
    }
}
