//! The v1.1 user object.

use super::*;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A v1.1 user object (the author of a Tweet, a mentioned user in events, …).
///
/// Only `id` is required. Deprecated and cosmetic fields (profile colours, `is_translator`, …)
/// are not modelled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The user id.
    pub id: u64,
    /// The id as a decimal string (absent in 2009-era traffic).
    #[serde(default)]
    pub id_str: Option<CompactString>,
    /// Display name. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub name: CompactString,
    /// Handle, without `@`. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub screen_name: CompactString,
    /// Free-text location.
    #[serde(default)]
    pub location: Option<CompactString>,
    /// Profile description.
    #[serde(default)]
    pub description: Option<CompactString>,
    /// Profile URL (usually a t.co link).
    #[serde(default)]
    pub url: Option<CompactString>,
    /// URLs in the profile URL and description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entities: Option<UserEntities>,
    /// Protected ("private") account. Absent or `null` → `false`.
    #[serde(default, deserialize_with = "null_default")]
    pub protected: bool,
    /// Legacy verified badge. Absent or `null` → `false`.
    #[serde(default, deserialize_with = "null_default")]
    pub verified: bool,
    /// Followers; `-1` when X could not fetch it in time.
    #[serde(default)]
    pub followers_count: Option<i64>,
    /// Accounts followed; may be `-1`.
    #[serde(default)]
    pub friends_count: Option<i64>,
    /// Public lists the user is a member of; may be `-1`.
    #[serde(default)]
    pub listed_count: Option<i64>,
    /// Tweets liked; may be `-1`.
    #[serde(default)]
    pub favourites_count: Option<i64>,
    /// Tweets posted (retweets included); may be `-1`.
    #[serde(default)]
    pub statuses_count: Option<i64>,
    /// Account creation time (`"Sat Feb 02 19:49:16 +0000 2013"`). Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub created_at: CompactString,
    /// Deprecated UTC offset in seconds.
    #[serde(default)]
    pub utc_offset: Option<i64>,
    /// Deprecated time-zone name.
    #[serde(default)]
    pub time_zone: Option<CompactString>,
    /// Whether geotagging is enabled.
    #[serde(default)]
    pub geo_enabled: Option<bool>,
    /// Deprecated interface language.
    #[serde(default)]
    pub lang: Option<CompactString>,
    /// Whether "contributor mode" is on (deprecated).
    #[serde(default)]
    pub contributors_enabled: Option<bool>,
    /// Avatar URL (http).
    #[serde(default)]
    pub profile_image_url: Option<CompactString>,
    /// Avatar URL (https).
    #[serde(default)]
    pub profile_image_url_https: Option<CompactString>,
    /// Banner URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_banner_url: Option<CompactString>,
    /// The user kept the default theme.
    #[serde(default)]
    pub default_profile: Option<bool>,
    /// The user kept the default avatar.
    #[serde(default)]
    pub default_profile_image: Option<bool>,
    /// Deprecated; meaningful only for the authenticating user (`null` is common).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
    /// Deprecated; meaningful only for the authenticating user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_request_sent: Option<bool>,
    /// Deprecated; meaningful only for the authenticating user (`null` is common).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<bool>,
    /// Upper-case country codes where the account is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_in_countries: Option<Vec<CompactString>>,
    /// `"user"` when the whole account is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_scope: Option<CompactString>,
}

/// The entities of a user profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserEntities {
    /// The expansion of the profile URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<UrlEntities>,
    /// URLs in the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<UrlEntities>,
}

/// A `{"urls": […]}` wrapper (user entities).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrlEntities {
    /// The URLs. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub urls: Vec<UrlEntity>,
}
