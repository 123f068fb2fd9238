//! The compliance streams' events: tweets (`/2/tweets/compliance/stream`), users
//! (`/2/users/compliance/stream`) and likes (`/2/likes/compliance/stream`). X's terms require an
//! archive to honour them: delete what was deleted, hide what is withheld, and so on.
//!
//! Each is an enum a `match` can use; a kind this version does not model is kept as
//! [`Unknown`](TweetCompliance::Unknown) with its raw JSON, never an error.
//!
//! ```
//! use tweetstream::models::compliance::{TweetCompliance, TweetComplianceMessage};
//!
//! let raw = br#"{"data":{"delete":{"tweet":{"id":"1","author_id":"2"},"event_at":"2021-07-06T18:40:40.000Z"}}}"#;
//! let m = TweetComplianceMessage::decode(raw).unwrap();
//! match m.data.unwrap() {
//!     TweetCompliance::Delete(e) => assert_eq!(e.tweet.id, "1"),
//!     other => panic!("{other:?}"),
//! }
//! ```

use compact_str::CompactString;
use serde::de::MapAccess;
use serde::{Deserialize, Serialize};

use crate::models::event::{erased, tagged_serde, StreamMessage, Tagged, UnknownEvent};

/// A message of the tweet compliance stream.
pub type TweetComplianceMessage = StreamMessage<TweetCompliance>;
/// A message of the user compliance stream.
pub type UserComplianceMessage = StreamMessage<UserCompliance>;
/// A message of the likes compliance stream.
pub type LikeComplianceMessage = StreamMessage<LikeCompliance>;

/// A tweet an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct TweetRef {
    /// The tweet id.
    pub id: CompactString,
    /// Its author (absent on edit events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<CompactString>,
}

/// A user an event is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserRef {
    /// The user id.
    pub id: CompactString,
}

/// A tweet was deleted, dropped or undropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TweetEvent {
    /// The tweet.
    pub tweet: TweetRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// The Quote Tweet of it, when the event is about a quoted tweet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_tweet_id: Option<CompactString>,
}

/// A tweet was withheld in some countries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TweetWithheld {
    /// The tweet.
    pub tweet: TweetRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// ISO 3166-1 alpha-2 codes.
    pub withheld_in_countries: Vec<CompactString>,
    /// The Quote Tweet of it, when the event is about a quoted tweet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_tweet_id: Option<CompactString>,
}

/// A tweet was edited: the new version and the chain it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct TweetEdit {
    /// The new version.
    pub tweet: TweetRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// The first version's id.
    pub initial_tweet_id: CompactString,
    /// Every version's id, oldest first.
    pub edit_tweet_ids: Vec<CompactString>,
}

/// An event of the tweet compliance stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TweetCompliance {
    /// `delete`: the tweet was deleted; remove it.
    Delete(TweetEvent),
    /// `withheld`: the tweet is withheld in these countries.
    Withheld(TweetWithheld),
    /// `drop`: the tweet must no longer be shown (e.g. its author was suspended).
    Drop(TweetEvent),
    /// `undrop`: a dropped tweet may be shown again.
    Undrop(TweetEvent),
    /// `tweet_edit`: the tweet was edited.
    Edit(TweetEdit),
    /// A kind this version does not model.
    Unknown(UnknownEvent),
}

impl Tagged for TweetCompliance {
    const EXPECTING: &'static str =
        "a tweet compliance event (delete, withheld, drop, undrop, tweet_edit)";
    fn known<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Option<Result<Self, A::Error>> {
        Some(match key {
            "delete" => map.next_value().map(TweetCompliance::Delete),
            "withheld" => map.next_value().map(TweetCompliance::Withheld),
            "drop" => map.next_value().map(TweetCompliance::Drop),
            "undrop" => map.next_value().map(TweetCompliance::Undrop),
            "tweet_edit" => map.next_value().map(TweetCompliance::Edit),
            _ => return None,
        })
    }
    fn unknown(event: UnknownEvent) -> Self {
        TweetCompliance::Unknown(event)
    }
    fn parts(&self) -> (&str, &dyn erased::Value) {
        match self {
            TweetCompliance::Delete(e) => ("delete", e),
            TweetCompliance::Withheld(e) => ("withheld", e),
            TweetCompliance::Drop(e) => ("drop", e),
            TweetCompliance::Undrop(e) => ("undrop", e),
            TweetCompliance::Edit(e) => ("tweet_edit", e),
            TweetCompliance::Unknown(u) => (&u.kind, &u.value),
        }
    }
}

impl TweetCompliance {
    /// The tweet the event is about (`None` for an unknown kind).
    pub fn tweet(&self) -> Option<&TweetRef> {
        match self {
            TweetCompliance::Delete(e) | TweetCompliance::Drop(e) | TweetCompliance::Undrop(e) => {
                Some(&e.tweet)
            }
            TweetCompliance::Withheld(e) => Some(&e.tweet),
            TweetCompliance::Edit(e) => Some(&e.tweet),
            TweetCompliance::Unknown(_) => None,
        }
    }
}

/// Something happened to a user's account (protect, unprotect, delete, undelete, suspend,
/// unsuspend).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserEvent {
    /// The user.
    pub user: UserRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
}

/// A user was withheld in some countries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserWithheld {
    /// The user.
    pub user: UserRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// ISO 3166-1 alpha-2 codes.
    pub withheld_in_countries: Vec<CompactString>,
}

/// Remove geo data from a user's tweets up to this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserScrubGeo {
    /// The user.
    pub user: UserRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// Scrub every tweet up to this id.
    pub up_to_tweet_id: CompactString,
}

/// A field of a user's profile changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct UserProfileModification {
    /// The user.
    pub user: UserRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
    /// Which field (`name`, `description`, `url`, …).
    pub profile_field: CompactString,
    /// Its new value.
    pub new_value: String,
}

/// An event of the user compliance stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UserCompliance {
    /// `user_protect`: the account became protected.
    Protect(UserEvent),
    /// `user_unprotect`.
    Unprotect(UserEvent),
    /// `user_delete`: the account was deleted; remove its data.
    Delete(UserEvent),
    /// `user_undelete`.
    Undelete(UserEvent),
    /// `user_suspend`.
    Suspend(UserEvent),
    /// `user_unsuspend`.
    Unsuspend(UserEvent),
    /// `user_withheld`.
    Withheld(UserWithheld),
    /// `scrub_geo`.
    ScrubGeo(UserScrubGeo),
    /// `user_profile_modification`.
    ProfileModification(UserProfileModification),
    /// A kind this version does not model.
    Unknown(UnknownEvent),
}

impl Tagged for UserCompliance {
    const EXPECTING: &'static str = "a user compliance event (user_protect, user_delete, …)";
    fn known<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Option<Result<Self, A::Error>> {
        Some(match key {
            "user_protect" => map.next_value().map(UserCompliance::Protect),
            "user_unprotect" => map.next_value().map(UserCompliance::Unprotect),
            "user_delete" => map.next_value().map(UserCompliance::Delete),
            "user_undelete" => map.next_value().map(UserCompliance::Undelete),
            "user_suspend" => map.next_value().map(UserCompliance::Suspend),
            "user_unsuspend" => map.next_value().map(UserCompliance::Unsuspend),
            "user_withheld" => map.next_value().map(UserCompliance::Withheld),
            "scrub_geo" => map.next_value().map(UserCompliance::ScrubGeo),
            "user_profile_modification" => {
                map.next_value().map(UserCompliance::ProfileModification)
            }
            _ => return None,
        })
    }
    fn unknown(event: UnknownEvent) -> Self {
        UserCompliance::Unknown(event)
    }
    fn parts(&self) -> (&str, &dyn erased::Value) {
        match self {
            UserCompliance::Protect(e) => ("user_protect", e),
            UserCompliance::Unprotect(e) => ("user_unprotect", e),
            UserCompliance::Delete(e) => ("user_delete", e),
            UserCompliance::Undelete(e) => ("user_undelete", e),
            UserCompliance::Suspend(e) => ("user_suspend", e),
            UserCompliance::Unsuspend(e) => ("user_unsuspend", e),
            UserCompliance::Withheld(e) => ("user_withheld", e),
            UserCompliance::ScrubGeo(e) => ("scrub_geo", e),
            UserCompliance::ProfileModification(e) => ("user_profile_modification", e),
            UserCompliance::Unknown(u) => (&u.kind, &u.value),
        }
    }
}

impl UserCompliance {
    /// The user the event is about (`None` for an unknown kind).
    pub fn user(&self) -> Option<&UserRef> {
        match self {
            UserCompliance::Protect(e)
            | UserCompliance::Unprotect(e)
            | UserCompliance::Delete(e)
            | UserCompliance::Undelete(e)
            | UserCompliance::Suspend(e)
            | UserCompliance::Unsuspend(e) => Some(&e.user),
            UserCompliance::Withheld(e) => Some(&e.user),
            UserCompliance::ScrubGeo(e) => Some(&e.user),
            UserCompliance::ProfileModification(e) => Some(&e.user),
            UserCompliance::Unknown(_) => None,
        }
    }
}

/// The like an unlike is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct FavoriteRef {
    /// The liked tweet's id.
    pub id: CompactString,
    /// Who liked it.
    pub user_id: CompactString,
}

/// A like was removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Unlike {
    /// The like.
    pub favorite: FavoriteRef,
    /// When (RFC 3339).
    pub event_at: CompactString,
}

/// An event of the likes compliance stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LikeCompliance {
    /// `delete`: the like was removed; remove it.
    Delete(Unlike),
    /// A kind this version does not model.
    Unknown(UnknownEvent),
}

impl Tagged for LikeCompliance {
    const EXPECTING: &'static str = "a likes compliance event (delete)";
    fn known<'de, A: MapAccess<'de>>(key: &str, map: &mut A) -> Option<Result<Self, A::Error>> {
        Some(match key {
            "delete" => map.next_value().map(LikeCompliance::Delete),
            _ => return None,
        })
    }
    fn unknown(event: UnknownEvent) -> Self {
        LikeCompliance::Unknown(event)
    }
    fn parts(&self) -> (&str, &dyn erased::Value) {
        match self {
            LikeCompliance::Delete(e) => ("delete", e),
            LikeCompliance::Unknown(u) => (&u.kind, &u.value),
        }
    }
}

tagged_serde!(TweetCompliance, UserCompliance, LikeCompliance);
