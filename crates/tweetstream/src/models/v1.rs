//! Typed models and a decoder for the messages of the v1.1 streaming API
//! (`statuses/filter`, `statuses/sample`, and the retired user/site streams).
//!
//! [`Message::decode`] turns one message (the bytes between two `\r\n` delimiters, keep-alives
//! already skipped) into a [`Message`]: a [`Status`] (Tweet), one of the notices ([`Delete`],
//! [`Limit`], [`ScrubGeo`], [`StatusWithheld`], [`UserWithheld`], [`Disconnect`], [`Warning`]),
//! or [`Message::Unknown`] with the raw JSON for anything else (friends lists, events, direct
//! messages, site-stream envelopes, control messages, future message types).
//!
//! Decoding conventions, chosen because X omits fields freely and sometimes sends `null`:
//!
//! * Fields X may omit or send as `null` are `Option`s. The exceptions are documented on each
//!   field: lists (absent or `null` → empty `Vec`), a few booleans (absent or `null` → `false`)
//!   and a few strings X always sends (absent or `null` → empty string).
//! * Unknown fields are ignored, never an error.
//! * Numeric ids are `u64` read from JSON numbers; the `_str` twins are kept as strings.
//! * Strings are [`CompactString`]s: up to 24 bytes are stored inline, so the many short
//!   strings of a Tweet (ids, dates, languages, names) cost no allocation. They deref to `str`.
//! * Counts are `i64`: v1.1 sends `-1` for a count it could not fetch in time.
//! * `timestamp_ms` is kept as sent (a string of epoch milliseconds; a JSON number is accepted
//!   too); see [`Status::timestamp_millis`].
//!
//! All models also implement `Serialize`, producing v1.1-shaped JSON (fields X always sends are
//! written even when `null`; fields X omits when empty are left out), and `Message` serialises to
//! the wire shape (e.g. `{"delete":{…}}`).

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use compact_str::CompactString;

// ---------------------------------------------------------------------------------------------
// Deserialisation helpers
// ---------------------------------------------------------------------------------------------

/// `null` (or, with `#[serde(default)]`, absence) becomes `T::default()`.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Records that a key was present (whatever its value, `null` included) and skips the value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// A GeoJSON point object; `null` and arrays (some fixtures send `"coordinates": []`) → `None`.
fn lenient_point<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Coordinates>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Coordinates>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a GeoJSON Point object, null or an array")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            Coordinates::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }
    d.deserialize_any(V)
}

/// How many Tweets may be nested inside one another (`retweeted_status`, `quoted_status`).
///
/// X nests at most two levels (a retweet of a quote Tweet). The limit keeps hostile input from
/// exhausting the stack: each level costs a large stack frame, and serde_json's own recursion
/// limit (128) is far too high for that.
pub const MAX_NESTED_STATUSES: u32 = 4;

thread_local! {
    static STATUS_NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// `Option<Box<Status>>`, refusing more than [`MAX_NESTED_STATUSES`] levels of Tweets.
fn nested_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Status>>, D::Error> {
    struct Level;
    impl Drop for Level {
        fn drop(&mut self) {
            STATUS_NESTING.with(|n| n.set(n.get().saturating_sub(1)));
        }
    }
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Box<Status>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a Tweet object or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            let depth = STATUS_NESTING.with(|n| {
                let depth = n.get().saturating_add(1);
                n.set(depth);
                depth
            });
            let _level = Level;
            if depth > MAX_NESTED_STATUSES {
                return Err(de::Error::custom("Tweets nested too deeply"));
            }
            // Decoded straight into its box: a Status is large.
            crate::models::in_box(d).map(Some)
        }
    }
    d.deserialize_option(V)
}

// ---------------------------------------------------------------------------------------------
// Tweet (status) and its parts
// ---------------------------------------------------------------------------------------------

/// A v1.1 Tweet ("status"), as delivered by the streaming and REST APIs.
///
/// Only `id` and `user` are required; everything else tolerates absence (and `null`).
/// Unmodelled fields (`contributors`, `scopes`, `quoted_status_permalink`, profile colours, …)
/// are skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Creation time, e.g. `"Wed Oct 10 20:19:24 +0000 2018"`. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub created_at: CompactString,
    /// The Tweet id (more than 53 bits: do not route it through `f64`).
    pub id: u64,
    /// The id as a decimal string (absent in 2009-era traffic).
    #[serde(default)]
    pub id_str: Option<CompactString>,
    /// The Tweet text; for Tweets over 140 characters in compatibility mode, a shortened text
    /// (see [`Status::full_text`]). `None` when X sent only `full_text` (REST
    /// `tweet_mode=extended`).
    #[serde(default)]
    pub text: Option<CompactString>,
    /// The full text in REST `tweet_mode=extended` responses (streams use
    /// [`Status::extended_tweet`] instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_text: Option<CompactString>,
    /// Code-point range of the displayable part of `full_text` (REST extended mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_text_range: Option<[u32; 2]>,
    /// The posting client as an HTML anchor (`<a href="…">Twitter for iPhone</a>`) or plain text
    /// (`"web"`). Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub source: CompactString,
    /// Whether `text` was shortened (compatibility mode). Absent or `null` → `false`.
    #[serde(default, deserialize_with = "null_default")]
    pub truncated: bool,
    /// Id of the Tweet this one replies to.
    #[serde(default)]
    pub in_reply_to_status_id: Option<u64>,
    /// [`Status::in_reply_to_status_id`] as a string.
    #[serde(default)]
    pub in_reply_to_status_id_str: Option<CompactString>,
    /// Id of the author of the Tweet this one replies to.
    #[serde(default)]
    pub in_reply_to_user_id: Option<u64>,
    /// [`Status::in_reply_to_user_id`] as a string.
    #[serde(default)]
    pub in_reply_to_user_id_str: Option<CompactString>,
    /// Screen name of the author of the Tweet this one replies to.
    #[serde(default)]
    pub in_reply_to_screen_name: Option<CompactString>,
    /// The author.
    pub user: User,
    /// Deprecated location, **`[latitude, longitude]`** order. `null`/array → `None`.
    #[serde(default, deserialize_with = "lenient_point")]
    pub geo: Option<Coordinates>,
    /// Exact location as a GeoJSON Point, **`[longitude, latitude]`** order. `null`/array →
    /// `None`.
    #[serde(default, deserialize_with = "lenient_point")]
    pub coordinates: Option<Coordinates>,
    /// The place the Tweet is associated with (not necessarily where it was sent from).
    #[serde(default)]
    pub place: Option<Place>,
    /// Id of the quoted Tweet (quote Tweets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_status_id: Option<u64>,
    /// [`Status::quoted_status_id`] as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_status_id_str: Option<CompactString>,
    /// Whether this is a quote Tweet. Absent or `null` → `false`.
    #[serde(default, deserialize_with = "null_default")]
    pub is_quote_status: bool,
    /// The quoted Tweet (may be absent even when `is_quote_status` is true).
    #[serde(
        default,
        deserialize_with = "nested_status",
        skip_serializing_if = "Option::is_none"
    )]
    pub quoted_status: Option<Box<Status>>,
    /// The original Tweet, when this is a retweet.
    #[serde(
        default,
        deserialize_with = "nested_status",
        skip_serializing_if = "Option::is_none"
    )]
    pub retweeted_status: Option<Box<Status>>,
    /// Number of quotes (absent before 2017 and in some products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_count: Option<i64>,
    /// Number of replies (absent before 2017 and in some products).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_count: Option<i64>,
    /// Number of retweets.
    #[serde(default)]
    pub retweet_count: Option<i64>,
    /// Number of likes.
    #[serde(default)]
    pub favorite_count: Option<i64>,
    /// Entities parsed from `text`. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub entities: Entities,
    /// All attached media (up to 4 photos, or a video/GIF), when there is any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_entities: Option<ExtendedEntities>,
    /// The full content of a Tweet over 140 characters (streams' compatibility mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_tweet: Option<ExtendedTweet>,
    /// Whether the authenticating user liked it. Absent or `null` → `false`.
    #[serde(default, deserialize_with = "null_default")]
    pub favorited: bool,
    /// Whether the authenticating user retweeted it. Absent or `null` → `false`.
    #[serde(default, deserialize_with = "null_default")]
    pub retweeted: bool,
    /// Whether a link or media in it may be sensitive (only present when it has links/media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possibly_sensitive: Option<bool>,
    /// Stream filter level: `"none"`, `"low"` or `"medium"` (streams only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_level: Option<CompactString>,
    /// Machine-detected BCP 47 language, or `"und"`.
    #[serde(default)]
    pub lang: Option<CompactString>,
    /// Rules that matched (enterprise streams only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_rules: Option<Vec<MatchingRule>>,
    /// When the stream emitted it, epoch milliseconds as a string (streams only).
    #[serde(
        default,
        deserialize_with = "crate::models::opt_compact_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_ms: Option<CompactString>,
    /// Withheld because of a DMCA complaint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_copyright: Option<bool>,
    /// Upper-case country codes where it is withheld (`"XX"` = everywhere, `"XY"` = DMCA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_in_countries: Option<Vec<CompactString>>,
    /// `"status"` or `"user"`: what is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld_scope: Option<CompactString>,
    /// Search API metadata (REST search results only; never on streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<SearchMetadata>,
}

impl Status {
    /// The complete text: `extended_tweet.full_text` if present, else `full_text`, else `text`
    /// (else `""`). For a retweet this is X's shortened `RT @user: …` form; use
    /// `retweeted_status.full_text()` for the original.
    pub fn full_text(&self) -> &str {
        if let Some(ext) = &self.extended_tweet {
            return &ext.full_text;
        }
        self.full_text
            .as_deref()
            .or(self.text.as_deref())
            .unwrap_or("")
    }

    /// Whether this is a retweet (it carries `retweeted_status`).
    pub fn is_retweet(&self) -> bool {
        self.retweeted_status.is_some()
    }

    /// `timestamp_ms` as a number, if present and numeric.
    pub fn timestamp_millis(&self) -> Option<u64> {
        self.timestamp_ms.as_deref().and_then(|t| t.parse().ok())
    }

    /// The entities that go with [`Status::full_text`]: those of `extended_tweet` if present.
    pub fn full_entities(&self) -> &Entities {
        match &self.extended_tweet {
            Some(ext) => &ext.entities,
            None => &self.entities,
        }
    }

    /// `(longitude, latitude)` from `coordinates`, or from the deprecated `geo` (swapped).
    pub fn lon_lat(&self) -> Option<(f64, f64)> {
        if let Some(c) = &self.coordinates {
            return Some((c.coordinates[0], c.coordinates[1]));
        }
        self.geo
            .as_ref()
            .map(|g| (g.coordinates[1], g.coordinates[0]))
    }
}

/// `metadata` of a Tweet in a REST search response. Other keys are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchMetadata {
    /// `"recent"` or `"popular"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<CompactString>,
    /// The language code the search attributed to the Tweet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iso_language_code: Option<CompactString>,
}

/// The full content of a long Tweet (`extended_tweet`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtendedTweet {
    /// The untruncated text (up to 280 characters plus entities' URLs).
    #[serde(default, deserialize_with = "null_default")]
    pub full_text: CompactString,
    /// Code-point range of the displayable part (leading @mentions and trailing media URLs
    /// excluded).
    #[serde(default)]
    pub display_text_range: Option<[u32; 2]>,
    /// Entities of `full_text`. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub entities: Entities,
    /// All attached media of `full_text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_entities: Option<ExtendedEntities>,
}

/// A rule that matched a Tweet (enterprise streams).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MatchingRule {
    /// The rule's tag.
    #[serde(default)]
    pub tag: Option<CompactString>,
    /// The rule's id.
    #[serde(default)]
    pub id: Option<u64>,
    /// The rule's id as a string.
    #[serde(default)]
    pub id_str: Option<CompactString>,
}

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

/// Entities parsed out of a Tweet's text. Each list is empty when absent or `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entities {
    /// `#hashtags`.
    #[serde(default, deserialize_with = "null_default")]
    pub hashtags: Vec<Hashtag>,
    /// Links (t.co-wrapped).
    #[serde(default, deserialize_with = "null_default")]
    pub urls: Vec<UrlEntity>,
    /// `@mentions`.
    #[serde(default, deserialize_with = "null_default")]
    pub user_mentions: Vec<UserMention>,
    /// `$cashtags`.
    #[serde(default, deserialize_with = "null_default")]
    pub symbols: Vec<Symbol>,
    /// The first attached photo (X sends this key only when there is media; see
    /// [`Status::extended_entities`] for all of them).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub media: Vec<Media>,
}

/// `extended_entities`: every attached media item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtendedEntities {
    /// The media. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub media: Vec<Media>,
}

/// A `#hashtag` in a Tweet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hashtag {
    /// The tag, without `#`.
    #[serde(default, deserialize_with = "null_default")]
    pub text: CompactString,
    /// Code-point range `[start, end)` in the text. Absent → `[0, 0]`.
    #[serde(default)]
    pub indices: [u32; 2],
}

/// A `$cashtag` in a Tweet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Symbol {
    /// The symbol, without `$`.
    #[serde(default, deserialize_with = "null_default")]
    pub text: CompactString,
    /// Code-point range `[start, end)` in the text. Absent → `[0, 0]`.
    #[serde(default)]
    pub indices: [u32; 2],
}

/// A link in a Tweet or profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrlEntity {
    /// The t.co URL as it appears in the text. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub url: CompactString,
    /// The original URL (`null` in some profile entities).
    #[serde(default)]
    pub expanded_url: Option<CompactString>,
    /// The shortened URL to display.
    #[serde(default)]
    pub display_url: Option<CompactString>,
    /// Code-point range `[start, end)` in the text. Absent → `[0, 0]`.
    #[serde(default)]
    pub indices: [u32; 2],
}

/// An `@mention` in a Tweet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserMention {
    /// The mentioned user's id (absent for unresolvable mentions in some payloads).
    #[serde(default)]
    pub id: Option<u64>,
    /// The id as a string.
    #[serde(default)]
    pub id_str: Option<CompactString>,
    /// Display name. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub name: CompactString,
    /// Handle, without `@`. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub screen_name: CompactString,
    /// Code-point range `[start, end)` in the text. Absent → `[0, 0]`.
    #[serde(default)]
    pub indices: [u32; 2],
}

/// An attached photo, video or animated GIF.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// The media id.
    #[serde(default)]
    pub id: Option<u64>,
    /// The id as a string.
    #[serde(default)]
    pub id_str: Option<CompactString>,
    /// `"photo"`, `"video"` or `"animated_gif"` (JSON key `type`). Absent or `null` → `""`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: CompactString,
    /// Code-point range `[start, end)` of the media URL in the text. Absent → `[0, 0]`.
    #[serde(default)]
    pub indices: [u32; 2],
    /// The t.co URL in the text. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub url: CompactString,
    /// Shortened URL to display.
    #[serde(default)]
    pub display_url: Option<CompactString>,
    /// Link to the media page.
    #[serde(default)]
    pub expanded_url: Option<CompactString>,
    /// Image URL (http; for videos, the poster frame).
    #[serde(default)]
    pub media_url: Option<CompactString>,
    /// Image URL (https).
    #[serde(default)]
    pub media_url_https: Option<CompactString>,
    /// Available image sizes.
    #[serde(default)]
    pub sizes: Option<MediaSizes>,
    /// For media reused from another Tweet: that Tweet's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_status_id: Option<u64>,
    /// [`Media::source_status_id`] as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_status_id_str: Option<CompactString>,
    /// For media reused from another Tweet: its author's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_user_id: Option<u64>,
    /// [`Media::source_user_id`] as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_user_id_str: Option<CompactString>,
    /// Video/GIF renditions (in `extended_entities` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_info: Option<VideoInfo>,
    /// Alt text, when the author wrote one (`include_ext_alt_text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_alt_text: Option<CompactString>,
}

/// The sizes in which a photo is available.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaSizes {
    /// 150×150 crop.
    #[serde(default)]
    pub thumb: Option<MediaSize>,
    /// Up to 680 px.
    #[serde(default)]
    pub small: Option<MediaSize>,
    /// Up to 1200 px.
    #[serde(default)]
    pub medium: Option<MediaSize>,
    /// Up to 2048 px.
    #[serde(default)]
    pub large: Option<MediaSize>,
}

/// One photo size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaSize {
    /// Width in pixels.
    #[serde(default)]
    pub w: u32,
    /// Height in pixels.
    #[serde(default)]
    pub h: u32,
    /// `"fit"` or `"crop"`. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub resize: CompactString,
}

/// Renditions of a video or animated GIF.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    /// Aspect ratio, e.g. `[16, 9]`.
    #[serde(default)]
    pub aspect_ratio: Option<[u32; 2]>,
    /// Duration in milliseconds (absent for GIFs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_millis: Option<u64>,
    /// Available encodings. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub variants: Vec<VideoVariant>,
}

/// One encoding of a video.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoVariant {
    /// Bits per second (absent for HLS playlists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u64>,
    /// MIME type, e.g. `"video/mp4"`. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub content_type: CompactString,
    /// Where to fetch it. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub url: CompactString,
}

/// A place (city, neighbourhood, POI, …) attached to a Tweet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Place id (a hex string). Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub id: CompactString,
    /// API URL of the place.
    #[serde(default)]
    pub url: Option<CompactString>,
    /// `"city"`, `"admin"`, `"country"`, `"neighborhood"`, `"poi"`.
    #[serde(default)]
    pub place_type: Option<CompactString>,
    /// Short name. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub name: CompactString,
    /// Full name, e.g. `"South Beach, San Francisco"`. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub full_name: CompactString,
    /// ISO country code.
    #[serde(default)]
    pub country_code: Option<CompactString>,
    /// Country name.
    #[serde(default)]
    pub country: Option<CompactString>,
    /// The enclosing box.
    #[serde(default)]
    pub bounding_box: Option<BoundingBox>,
    /// Free-form attributes (`street_address`, …); usually `{}`.
    #[serde(default)]
    pub attributes: Option<serde_json::Value>,
}

/// A GeoJSON polygon bounding a [`Place`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    /// `"Polygon"` (JSON key `type`). Absent or `null` → `""`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: CompactString,
    /// Rings of `[longitude, latitude]` corners (one ring of four corners in practice).
    /// Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub coordinates: Vec<Vec<[f64; 2]>>,
}

impl BoundingBox {
    /// The first corner of the first ring (south-west for X's boxes), `[lon, lat]`.
    pub fn origin(&self) -> Option<[f64; 2]> {
        self.coordinates.first().and_then(|r| r.first()).copied()
    }

    /// The third corner of the first ring (north-east for X's boxes), `[lon, lat]`.
    pub fn corner(&self) -> Option<[f64; 2]> {
        self.coordinates.first().and_then(|r| r.get(2)).copied()
    }
}

/// A GeoJSON point (`{"type":"Point","coordinates":[a, b]}`).
///
/// In `Status::coordinates` the order is `[longitude, latitude]`; in the deprecated
/// `Status::geo` it is `[latitude, longitude]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    /// `"Point"` (JSON key `type`). Absent or `null` → `""`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: CompactString,
    /// The two numbers (see the type's docs for their order).
    pub coordinates: [f64; 2],
}

// ---------------------------------------------------------------------------------------------
// Notices
// ---------------------------------------------------------------------------------------------

/// `{"delete":{…}}`: a Tweet was deleted; purge it (even if it has not arrived yet).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delete {
    /// Which Tweet.
    pub status: DeletedStatus,
    /// When, epoch milliseconds as a string (absent in older traffic).
    #[serde(
        default,
        deserialize_with = "crate::models::opt_compact_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_ms: Option<CompactString>,
}

/// The Tweet named by a [`Delete`] notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeletedStatus {
    /// Tweet id.
    pub id: u64,
    /// Tweet id as a string (absent in 2009-era traffic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_str: Option<CompactString>,
    /// Author id.
    pub user_id: u64,
    /// Author id as a string (absent in 2009-era traffic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id_str: Option<CompactString>,
}

/// `{"limit":{…}}`: more Tweets matched than the stream may deliver.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// Cumulative number of undelivered Tweets since the connection opened.
    pub track: u64,
    /// When, epoch milliseconds as a string (2015+ traffic).
    #[serde(
        default,
        deserialize_with = "crate::models::opt_compact_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_ms: Option<CompactString>,
}

/// `{"scrub_geo":{…}}`: strip geo data from this user's Tweets up to and including a Tweet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScrubGeo {
    /// The user.
    pub user_id: u64,
    /// The user id as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id_str: Option<CompactString>,
    /// The last Tweet id to scrub.
    pub up_to_status_id: u64,
    /// `up_to_status_id` as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_status_id_str: Option<CompactString>,
    /// When, epoch milliseconds as a string, if sent.
    #[serde(
        default,
        deserialize_with = "crate::models::opt_compact_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_ms: Option<CompactString>,
}

/// `{"status_withheld":{…}}`: a Tweet is withheld in some countries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusWithheld {
    /// Tweet id.
    pub id: u64,
    /// Author id.
    pub user_id: u64,
    /// Upper-case ISO 3166-1 alpha-2 codes. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub withheld_in_countries: Vec<CompactString>,
    /// When, epoch milliseconds as a string, if sent.
    #[serde(
        default,
        deserialize_with = "crate::models::opt_compact_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_ms: Option<CompactString>,
}

/// `{"user_withheld":{…}}`: an account is withheld in some countries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserWithheld {
    /// User id.
    pub id: u64,
    /// Upper-case ISO 3166-1 alpha-2 codes. Absent or `null` → empty.
    #[serde(default, deserialize_with = "null_default")]
    pub withheld_in_countries: Vec<CompactString>,
    /// When, epoch milliseconds as a string, if sent.
    #[serde(
        default,
        deserialize_with = "crate::models::opt_compact_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_ms: Option<CompactString>,
}

/// `{"disconnect":{…}}`: the server is about to close the stream (best effort; not sent when
/// the cause is a network failure or a slow reader).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Disconnect {
    /// The reason code; see [`Disconnect::kind`].
    pub code: u32,
    /// Name of the stream (often empty). Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub stream_name: CompactString,
    /// Human-readable reason (often empty). Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub reason: CompactString,
}

impl Disconnect {
    /// The meaning of [`Disconnect::code`].
    pub fn kind(&self) -> DisconnectKind {
        DisconnectKind::from_code(self.code)
    }

    /// Whether a client should reconnect (with the usual backoff); see
    /// [`DisconnectKind::should_reconnect`].
    pub fn should_reconnect(&self) -> bool {
        self.kind().should_reconnect()
    }
}

/// The documented disconnect codes of the v1.1 streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectKind {
    /// 1: the feed was shut down (e.g. server restart). Reconnect.
    Shutdown,
    /// 2: the same endpoint is connected too many times. Do **not** reconnect: the connection
    /// would displace another one of yours, which would then do the same.
    DuplicateStream,
    /// 3: a site-stream control request closed the stream on purpose. Do not reconnect.
    ControlRequest,
    /// 4: the client read too slowly and the server dropped it. Reconnect (and read faster).
    Stall,
    /// 5: the server believes the client disconnected itself. Reconnect if the client still
    /// wants the stream (receiving this at all means it did not close on purpose).
    Normal,
    /// 6: the user revoked the app's access token. Do not reconnect: the credentials are dead.
    TokenRevoked,
    /// 7: the same credentials opened a newer stream, and this (older) one was closed. Do not
    /// reconnect: two clients sharing credentials would knock each other off forever.
    AdminLogout,
    /// 8: reserved for internal use and never meant to reach clients. Reconnect.
    Reserved,
    /// 9: connected with a negative `count` (backfill only) and the backfill is over. Do not
    /// reconnect: the same request would end the same way.
    MaxMessageLimit,
    /// 10: internal server error. Reconnect.
    StreamException,
    /// 11: internal server error. Reconnect.
    BrokerStall,
    /// 12: the host shed load to rebalance. Reconnect normally.
    ShedLoad,
    /// Any other code ("other codes may be added without notice"; one client mentions 13 =
    /// user deleted and 14 = user suspended on user streams, unverified). Reconnect with
    /// backoff.
    Other(u32),
}

impl DisconnectKind {
    /// Maps a disconnect code to its kind.
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => DisconnectKind::Shutdown,
            2 => DisconnectKind::DuplicateStream,
            3 => DisconnectKind::ControlRequest,
            4 => DisconnectKind::Stall,
            5 => DisconnectKind::Normal,
            6 => DisconnectKind::TokenRevoked,
            7 => DisconnectKind::AdminLogout,
            8 => DisconnectKind::Reserved,
            9 => DisconnectKind::MaxMessageLimit,
            10 => DisconnectKind::StreamException,
            11 => DisconnectKind::BrokerStall,
            12 => DisconnectKind::ShedLoad,
            other => DisconnectKind::Other(other),
        }
    }

    /// The numeric code.
    pub fn code(self) -> u32 {
        match self {
            DisconnectKind::Shutdown => 1,
            DisconnectKind::DuplicateStream => 2,
            DisconnectKind::ControlRequest => 3,
            DisconnectKind::Stall => 4,
            DisconnectKind::Normal => 5,
            DisconnectKind::TokenRevoked => 6,
            DisconnectKind::AdminLogout => 7,
            DisconnectKind::Reserved => 8,
            DisconnectKind::MaxMessageLimit => 9,
            DisconnectKind::StreamException => 10,
            DisconnectKind::BrokerStall => 11,
            DisconnectKind::ShedLoad => 12,
            DisconnectKind::Other(code) => code,
        }
    }

    /// Whether reconnecting (with the usual backoff) makes sense: `true` for transient
    /// server-side causes (1, 4, 5, 8, 10, 11, 12 and unknown codes), `false` when a reconnect
    /// would fail again or fight another connection (2, 3, 6, 7, 9). See each variant.
    pub fn should_reconnect(self) -> bool {
        !matches!(
            self,
            DisconnectKind::DuplicateStream
                | DisconnectKind::ControlRequest
                | DisconnectKind::TokenRevoked
                | DisconnectKind::AdminLogout
                | DisconnectKind::MaxMessageLimit
        )
    }
}

/// `{"warning":{…}}`: a stall warning (`FALLING_BEHIND`, needs `stall_warnings=true`) or, on user
/// streams, `FOLLOWS_OVER_LIMIT`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// `"FALLING_BEHIND"`, `"FOLLOWS_OVER_LIMIT"`, … Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub code: CompactString,
    /// Human-readable text. Absent or `null` → `""`.
    #[serde(default, deserialize_with = "null_default")]
    pub message: CompactString,
    /// How full the server-side queue is, in percent (`FALLING_BEHIND`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent_full: Option<u32>,
    /// The user concerned (`FOLLOWS_OVER_LIMIT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Message and decoding
// ---------------------------------------------------------------------------------------------

/// One v1.1 stream message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A Tweet.
    Status(Box<Status>),
    /// `delete`: a Tweet was deleted.
    Delete(Delete),
    /// `limit`: undelivered Tweets.
    Limit(Limit),
    /// `scrub_geo`: strip geo data.
    ScrubGeo(ScrubGeo),
    /// `status_withheld`.
    StatusWithheld(StatusWithheld),
    /// `user_withheld`.
    UserWithheld(UserWithheld),
    /// `disconnect`: the stream is about to close.
    Disconnect(Disconnect),
    /// `warning`: stall warning.
    Warning(Warning),
    /// Any other JSON value: user/site-stream messages (`friends`, `event`, `direct_message`,
    /// `for_user`, `control`), new message types, or a notice key whose value is `null`.
    Unknown(serde_json::Value),
}

/// The notice keys, in tweepy's dispatch order.
const NOTICE_KEYS: [&str; 7] = [
    "delete",
    "disconnect",
    "limit",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "warning",
];

/// Single-pass reader for objects whose first key is a notice key.
#[derive(Deserialize)]
struct NoticeEnvelope {
    #[serde(default, deserialize_with = "present")]
    in_reply_to_status_id: bool,
    #[serde(default, deserialize_with = "present")]
    id: bool,
    #[serde(default, deserialize_with = "present")]
    user: bool,
    #[serde(default, deserialize_with = "present")]
    text: bool,
    #[serde(default, deserialize_with = "present")]
    full_text: bool,
    #[serde(default)]
    delete: Option<Delete>,
    #[serde(default)]
    disconnect: Option<Disconnect>,
    #[serde(default)]
    limit: Option<Limit>,
    #[serde(default)]
    scrub_geo: Option<ScrubGeo>,
    #[serde(default)]
    status_withheld: Option<StatusWithheld>,
    #[serde(default)]
    user_withheld: Option<UserWithheld>,
    #[serde(default)]
    warning: Option<Warning>,
}

impl NoticeEnvelope {
    fn looks_like_status(&self) -> bool {
        self.in_reply_to_status_id || (self.id && self.user && (self.text || self.full_text))
    }

    fn into_message(self) -> Option<Message> {
        // tweepy order: delete, disconnect, limit, scrub_geo, status_withheld, user_withheld,
        // warning.
        if let Some(m) = self.delete {
            return Some(Message::Delete(m));
        }
        if let Some(m) = self.disconnect {
            return Some(Message::Disconnect(m));
        }
        if let Some(m) = self.limit {
            return Some(Message::Limit(m));
        }
        if let Some(m) = self.scrub_geo {
            return Some(Message::ScrubGeo(m));
        }
        if let Some(m) = self.status_withheld {
            return Some(Message::StatusWithheld(m));
        }
        if let Some(m) = self.user_withheld {
            return Some(Message::UserWithheld(m));
        }
        self.warning.map(Message::Warning)
    }
}

/// The first key of a JSON object, if it can be read without unescaping.
fn first_key(raw: &[u8]) -> Option<&[u8]> {
    let skip_ws = |mut i: usize| {
        while matches!(raw.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            i += 1;
        }
        i
    };
    let i = skip_ws(0);
    if raw.get(i) != Some(&b'{') {
        return None;
    }
    let i = skip_ws(i + 1);
    if raw.get(i) != Some(&b'"') {
        return None;
    }
    let rest = raw.get(i + 1..)?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    if rest.get(end) == Some(&b'"') {
        rest.get(..end)
    } else {
        None
    }
}

/// Whether a parsed object is a Tweet under the classification rule of [`Message::decode`].
fn object_is_status(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    map.contains_key("in_reply_to_status_id")
        || (map.contains_key("id")
            && map.contains_key("user")
            && (map.contains_key("text") || map.contains_key("full_text")))
}

/// A Status decoded straight into its box (no stack copy of the large struct), with
/// `from_str`'s check that only whitespace follows.
fn status_in_box(text: &str) -> Result<Box<Status>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let status = crate::models::in_box(&mut de)?;
    de.end()?;
    Ok(status)
}

impl Message {
    /// Decodes one stream message (a complete JSON text; surrounding whitespace, such as the
    /// `\r\n` delimiter, is allowed). Keep-alives (empty lines) are not messages: skip them
    /// before calling this, or expect an error.
    ///
    /// Classification of a JSON object, first match wins (tweepy's v1.1 order, plus one rule):
    ///
    /// 1. **Status** if it has the key `in_reply_to_status_id` (any value, `null` included), **or**
    ///    the keys `id`, `user` and `text` or `full_text` (this extra rule catches Tweets that
    ///    lack `in_reply_to_status_id`, as in some client-library fixtures);
    /// 2. then the first of `delete`, `disconnect`, `limit`, `scrub_geo`, `status_withheld`,
    ///    `user_withheld`, `warning` present with a non-`null` value;
    /// 3. anything else (and any non-object JSON) is [`Message::Unknown`].
    ///
    /// An object classified as a Status or a notice whose contents do not fit the model (e.g. a
    /// Status without `user`, a `limit` without `track`) is an error, not `Unknown`.
    ///
    /// Cost: the bytes are checked to be UTF-8 once, then a Tweet or a notice is parsed once
    /// (the first key is peeked to choose between them); only `Unknown` messages, errors and
    /// odd shapes take a second pass.
    ///
    /// Invalid UTF-8 anywhere in `raw` is an error (category `Syntax`, or `Eof` when the input
    /// ends inside a multi-byte character).
    pub fn decode(raw: &[u8]) -> Result<Message, DecodeError> {
        // simdutf8 for the common valid case (several times faster than std on non-ASCII
        // text); std only to describe an error.
        if let Ok(text) = simdutf8::basic::from_utf8(raw) {
            return Self::decode_str(text);
        }
        match std::str::from_utf8(raw) {
            Ok(text) => Self::decode_str(text),
            Err(e) => Err(DecodeError::from_utf8_error(&e, raw)),
        }
    }

    /// [`Message::decode`] for input already known to be UTF-8 text.
    pub fn decode_str(text: &str) -> Result<Message, DecodeError> {
        let notice_first = first_key(text.as_bytes())
            .is_some_and(|k| NOTICE_KEYS.iter().any(|n| n.as_bytes() == k));
        if notice_first {
            if let Ok(env) = serde_json::from_str::<NoticeEnvelope>(text) {
                if !env.looks_like_status() {
                    if let Some(msg) = env.into_message() {
                        return Ok(msg);
                    }
                }
            }
        } else if let Ok(status) = status_in_box(text) {
            // `id` and `user` were present (they are required); `text`, `full_text` or a
            // non-null `in_reply_to_status_id` settles it. Otherwise fall through.
            if status.text.is_some()
                || status.full_text.is_some()
                || status.in_reply_to_status_id.is_some()
            {
                return Ok(Message::Status(status));
            }
        }
        Self::decode_slow(text)
    }

    /// The general path: parse to a JSON value, classify by keys, then convert.
    fn decode_slow(text: &str) -> Result<Message, DecodeError> {
        let raw = text.as_bytes();
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DecodeError::new(&e, None, raw))?;
        let serde_json::Value::Object(map) = &value else {
            return Ok(Message::Unknown(value));
        };
        if object_is_status(map) {
            return serde_json::from_str::<Status>(text)
                .map(|s| Message::Status(Box::new(s)))
                .map_err(|e| DecodeError::new(&e, None, raw));
        }
        for key in NOTICE_KEYS {
            let Some(inner) = map.get(key).filter(|v| !v.is_null()) else {
                continue;
            };
            let err = |e: serde_json::Error| DecodeError::new(&e, Some(key), raw);
            return match key {
                "delete" => Delete::deserialize(inner).map(Message::Delete),
                "disconnect" => Disconnect::deserialize(inner).map(Message::Disconnect),
                "limit" => Limit::deserialize(inner).map(Message::Limit),
                "scrub_geo" => ScrubGeo::deserialize(inner).map(Message::ScrubGeo),
                "status_withheld" => {
                    StatusWithheld::deserialize(inner).map(Message::StatusWithheld)
                }
                "user_withheld" => UserWithheld::deserialize(inner).map(Message::UserWithheld),
                _ => Warning::deserialize(inner).map(Message::Warning),
            }
            .map_err(err);
        }
        Ok(Message::Unknown(value))
    }

    /// The Tweet, if this is a [`Message::Status`].
    pub fn as_status(&self) -> Option<&Status> {
        match self {
            Message::Status(s) => Some(s),
            _ => None,
        }
    }
}

impl Serialize for Message {
    /// Writes the wire shape: a Status as the Tweet object, a notice as `{"<key>":{…}}`, and
    /// `Unknown` as its JSON.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn wrap<S: Serializer, T: Serialize>(s: S, key: &str, v: &T) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry(key, v)?;
            map.end()
        }
        match self {
            Message::Status(s) => s.serialize(serializer),
            Message::Delete(m) => wrap(serializer, "delete", m),
            Message::Limit(m) => wrap(serializer, "limit", m),
            Message::ScrubGeo(m) => wrap(serializer, "scrub_geo", m),
            Message::StatusWithheld(m) => wrap(serializer, "status_withheld", m),
            Message::UserWithheld(m) => wrap(serializer, "user_withheld", m),
            Message::Disconnect(m) => wrap(serializer, "disconnect", m),
            Message::Warning(m) => wrap(serializer, "warning", m),
            Message::Unknown(v) => v.serialize(serializer),
        }
    }
}

/// Maximum number of input bytes kept in [`DecodeError::preview`].
pub const PREVIEW_BYTES: usize = 120;

/// The first [`PREVIEW_BYTES`] bytes of `raw` as text: a UTF-8 sequence cut by the limit is
/// dropped, other invalid bytes become U+FFFD.
fn preview(raw: &[u8]) -> String {
    let cut = raw.get(..PREVIEW_BYTES).unwrap_or(raw);
    match std::str::from_utf8(cut) {
        Ok(s) => s.to_owned(),
        // Only an incomplete sequence at the very end: drop it.
        Err(e) if e.error_len().is_none() && cut.len() < raw.len() => {
            String::from_utf8_lossy(cut.get(..e.valid_up_to()).unwrap_or_default()).into_owned()
        }
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    }
}

/// A message that is not valid JSON, or whose contents do not fit the model of its type.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot decode v1.1 stream message: {message} (input starts {preview:?})")]
pub struct DecodeError {
    message: String,
    preview: String,
    category: serde_json::error::Category,
}

impl DecodeError {
    fn new(err: &serde_json::Error, key: Option<&str>, raw: &[u8]) -> Self {
        let message = match key {
            Some(k) => format!("in `{k}`: {err}"),
            None => err.to_string(),
        };
        DecodeError {
            message,
            preview: preview(raw),
            category: err.classify(),
        }
    }

    fn from_utf8_error(err: &std::str::Utf8Error, raw: &[u8]) -> Self {
        let (message, category) = match err.error_len() {
            Some(_) => (
                format!("invalid UTF-8 at byte {}", err.valid_up_to()),
                serde_json::error::Category::Syntax,
            ),
            None => (
                format!(
                    "input ends inside a UTF-8 sequence at byte {}",
                    err.valid_up_to()
                ),
                serde_json::error::Category::Eof,
            ),
        };
        DecodeError {
            message,
            preview: preview(raw),
            category,
        }
    }

    /// serde_json's description of the problem (with line and column when parsing bytes).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The first (at most [`PREVIEW_BYTES`]) bytes of the input, lossily converted to UTF-8.
    pub fn preview(&self) -> &str {
        &self.preview
    }

    /// Whether the input was not JSON (`Syntax`), ended early (`Eof`, e.g. a truncated line),
    /// or was JSON of the wrong shape (`Data`).
    pub fn category(&self) -> serde_json::error::Category {
        self.category
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;
    use serde_json::Value;
    use std::path::PathBuf;

    /// The shared data directory (override with `TWEETSTREAM_DATA_DIR`).
    fn data_dir() -> PathBuf {
        std::env::var_os("TWEETSTREAM_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
            })
    }

    fn read(name: &str) -> Vec<u8> {
        let path = data_dir().join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// Every top-level JSON text in a file (blank lines, CRLF, LF and trailing spaces allowed).
    fn messages(bytes: &[u8]) -> Vec<&[u8]> {
        serde_json::Deserializer::from_slice(bytes)
            .into_iter::<&RawValue>()
            .map(|r| r.expect("file holds JSON texts").get().as_bytes())
            .collect()
    }

    fn twitter_json_statuses(bytes: &[u8]) -> Vec<&RawValue> {
        #[derive(Deserialize)]
        struct Search<'a> {
            #[serde(borrow)]
            statuses: Vec<&'a RawValue>,
        }
        serde_json::from_slice::<Search<'_>>(bytes)
            .expect("twitter.json is a search response")
            .statuses
    }

    fn decode(raw: &[u8]) -> Message {
        Message::decode(raw).unwrap_or_else(|e| panic!("{e}"))
    }

    fn status(raw: &[u8]) -> Box<Status> {
        match decode(raw) {
            Message::Status(s) => s,
            other => panic!("expected a Status, got {other:?}"),
        }
    }

    fn variant(m: &Message) -> &'static str {
        match m {
            Message::Status(_) => "status",
            Message::Delete(_) => "delete",
            Message::Limit(_) => "limit",
            Message::ScrubGeo(_) => "scrub_geo",
            Message::StatusWithheld(_) => "status_withheld",
            Message::UserWithheld(_) => "user_withheld",
            Message::Disconnect(_) => "disconnect",
            Message::Warning(_) => "warning",
            Message::Unknown(_) => "unknown",
        }
    }

    /// Serialising a decoded message and decoding it again gives the same message.
    fn assert_round_trip(m: &Message) {
        let json = serde_json::to_vec(m).expect("serialises");
        assert_eq!(&decode(&json), m, "{}", String::from_utf8_lossy(&json));
    }

    #[test]
    fn every_status_in_twitter_json_decodes() {
        let bytes = read("twitter.json");
        let raws = twitter_json_statuses(&bytes);
        assert_eq!(raws.len(), 100);
        let mut retweets = 0;
        for raw in raws {
            let s = status(raw.get().as_bytes());
            let v: Value = serde_json::from_str(raw.get()).expect("valid JSON");
            // Cross-check against a generic parse.
            assert_eq!(Some(s.id), v["id"].as_u64());
            assert_eq!(s.id_str.as_deref(), v["id_str"].as_str());
            assert_eq!(s.text.as_deref(), v["text"].as_str());
            assert_eq!(s.full_text(), v["text"].as_str().unwrap_or_default());
            assert_eq!(Some(s.user.id), v["user"]["id"].as_u64());
            assert_eq!(
                s.user.screen_name,
                v["user"]["screen_name"].as_str().unwrap_or_default()
            );
            assert_eq!(
                s.user.followers_count,
                v["user"]["followers_count"].as_i64()
            );
            assert_eq!(s.in_reply_to_status_id, v["in_reply_to_status_id"].as_u64());
            assert_eq!(s.in_reply_to_user_id, v["in_reply_to_user_id"].as_u64());
            assert_eq!(s.retweet_count, v["retweet_count"].as_i64());
            assert_eq!(s.place.is_some(), v["place"].is_object());
            assert_eq!(s.coordinates.is_some(), v["coordinates"].is_object());
            for (list, n) in [
                ("hashtags", s.entities.hashtags.len()),
                ("urls", s.entities.urls.len()),
                ("user_mentions", s.entities.user_mentions.len()),
                ("symbols", s.entities.symbols.len()),
                ("media", s.entities.media.len()),
            ] {
                let expected = v["entities"][list].as_array().map_or(0, Vec::len);
                assert_eq!(n, expected, "{list} of {}", s.id);
            }
            assert_eq!(s.is_retweet(), v.get("retweeted_status").is_some());
            if let Some(rt) = &s.retweeted_status {
                retweets += 1;
                assert_eq!(Some(rt.id), v["retweeted_status"]["id"].as_u64());
                assert_eq!(
                    Some(rt.user.id),
                    v["retweeted_status"]["user"]["id"].as_u64()
                );
            }
            // The compact form a stream would send decodes to the same thing.
            let compact = serde_json::to_vec(&v).expect("re-serialises");
            assert_eq!(status(&compact), s);
            assert_round_trip(&Message::Status(s));
        }
        assert!(retweets > 0);
    }

    #[test]
    fn twitter_json_spot_checks() {
        let bytes = read("twitter.json");
        let raws = twitter_json_statuses(&bytes);
        let first = status(raws[0].get().as_bytes());
        assert_eq!(first.id, 505874924095815681);
        assert_eq!(first.created_at, "Sun Aug 31 00:29:15 +0000 2014");
        assert_eq!(first.user.screen_name, "ayuu0123");
        assert_eq!(first.in_reply_to_user_id, Some(866260188));
        assert_eq!(first.in_reply_to_status_id, None);
        assert!(first.full_text().starts_with("@aym0566x"));
        assert_eq!(
            first
                .metadata
                .as_ref()
                .and_then(|m| m.iso_language_code.as_deref()),
            Some("ja")
        );
        let all: Vec<Box<Status>> = raws.iter().map(|r| status(r.get().as_bytes())).collect();
        let media = all
            .iter()
            .flat_map(|s| s.entities.media.iter())
            .next()
            .expect("some media");
        assert_eq!(media.kind, "photo");
        assert!(media
            .sizes
            .as_ref()
            .and_then(|s| s.large.as_ref())
            .is_some());
    }

    /// Expected message variants for every `x-v1.1-*` file.
    const EXPECTED: &[(&str, &[&str])] = &[
        (
            "x-v1.1-common-disconnect_messages.twitter4s.json",
            &["disconnect", "disconnect"],
        ),
        (
            "x-v1.1-common-limit_notices.twitter4s.json",
            &["limit", "limit"],
        ),
        (
            "x-v1.1-common-location_deletion_notices.twitter4s.json",
            &["scrub_geo", "scrub_geo"],
        ),
        (
            "x-v1.1-common-status_deletion_notices.twitter4s.json",
            &["delete", "delete"],
        ),
        (
            "x-v1.1-common-status_withheld_notices.twitter4s.json",
            &["status_withheld", "status_withheld"],
        ),
        (
            "x-v1.1-common-tweets.twitter4s.json",
            &["status", "status", "status", "status", "status"],
        ),
        (
            "x-v1.1-common-user_withheld_notices.twitter4s.json",
            &["user_withheld", "user_withheld"],
        ),
        (
            "x-v1.1-common-warning_messages.twitter4s.json",
            &["warning"],
        ),
        (
            "x-v1.1-filter-two-tweets.sferik.jsonl",
            &["status", "status"],
        ),
        (
            "x-v1.1-sitestream-control_messages.twitter4s.json",
            &["unknown"],
        ),
        (
            "x-v1.1-sitestream-user_envelop_simple_event.twitter4s.json",
            &["unknown"],
        ),
        (
            "x-v1.1-sitestream-user_envelop_warning_message.twitter4s.json",
            &["unknown"],
        ),
        (
            "x-v1.1-sitestream-user_envelops_friends_list.twitter4s.json",
            &["unknown"],
        ),
        (
            "x-v1.1-stream-2009-delete-status-limit.twitter4j.jsonl",
            &["delete", "status", "status", "limit", "status"],
        ),
        (
            "x-v1.1-userstream-direct_messages.twitter4s.json",
            &["unknown"],
        ),
        (
            "x-v1.1-userstream-events.twitter4s.json",
            &["unknown", "unknown"],
        ),
        (
            "x-v1.1-userstream-friends-tweet-dm-event-delete-warning.crlf.sferik.txt",
            &[
                "unknown", "status", "unknown", "unknown", "delete", "warning",
            ],
        ),
        (
            "x-v1.1-userstream-friends_lists.twitter4s.json",
            &["unknown"],
        ),
        (
            "x-v1.1-userstream-friends_lists_stringified.twitter4s.json",
            &["unknown"],
        ),
    ];

    #[test]
    fn every_v11_fixture_decodes_to_the_right_variant() {
        // Every x-v1.1-* file in the directory has an expectation.
        let mut on_disk: Vec<String> = std::fs::read_dir(data_dir())
            .expect("data dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("x-v1.1-"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = EXPECTED.iter().map(|(f, _)| (*f).to_owned()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);

        for (file, expected) in EXPECTED {
            let bytes = read(file);
            let got: Vec<Message> = messages(&bytes).into_iter().map(decode).collect();
            let kinds: Vec<&str> = got.iter().map(variant).collect();
            assert_eq!(&kinds, expected, "{file}");
            for m in &got {
                assert_round_trip(m);
            }
        }
    }

    #[test]
    fn wire_framing_of_the_stream_captures() {
        // The real CRLF stream: split on CRLF exactly like a stream reader.
        let bytes = read("x-v1.1-userstream-friends-tweet-dm-event-delete-warning.crlf.sferik.txt");
        let lines: Vec<&[u8]> = bytes
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.is_empty())
            .collect();
        let got: Vec<Message> = lines.iter().map(|l| decode(l)).collect();
        assert_eq!(got.len(), 6);
        let Message::Status(s) = &got[1] else {
            panic!("status expected")
        };
        assert_eq!(s.id, 55709764298092545);
        assert_eq!(s.lon_lat(), Some((-122.39362884, 37.78349999)));
        let place = s.place.as_ref().expect("place");
        assert_eq!(place.full_name, "South Beach, San Francisco");
        assert_eq!(place.country_code.as_deref(), Some("US"));
        assert_eq!(place.attributes, Some(serde_json::json!({})));
        assert_eq!(
            place.bounding_box.as_ref().and_then(BoundingBox::origin),
            Some([-122.403482, 37.777529])
        );
        let Message::Unknown(dm) = &got[2] else {
            panic!("unknown expected")
        };
        assert!(dm.get("direct_message").is_some());
        let Message::Delete(d) = &got[4] else {
            panic!("delete expected")
        };
        assert_eq!(d.status.id, 272691609211117568);
        assert_eq!(d.status.user_id_str.as_deref(), Some("478569062"));
        let Message::Warning(w) = &got[5] else {
            panic!("warning expected")
        };
        assert_eq!(w.code, "FALLING_BEHIND");
        assert_eq!(w.percent_full, Some(60));
        assert_eq!(w.user_id, None);

        // The 2009 capture: LF-separated, trailing space after the last object.
        let bytes = read("x-v1.1-stream-2009-delete-status-limit.twitter4j.jsonl");
        let got: Vec<Message> = bytes.split(|&b| b == b'\n').map(decode).collect();
        assert_eq!(got.len(), 5);
        let Message::Delete(d) = &got[0] else {
            panic!("delete expected")
        };
        assert_eq!((d.status.id, d.status.user_id), (6832057002, 18378841));
        assert_eq!(d.status.id_str, None);
        assert_eq!(d.timestamp_ms, None);
        let Message::Limit(l) = &got[3] else {
            panic!("limit expected")
        };
        assert_eq!(l.track, 121564);
        let Message::Status(s) = &got[1] else {
            panic!("status expected")
        };
        assert_eq!(s.id_str, None);
        assert_eq!(s.user.id_str, None);
        assert_eq!(s.source, "web");

        // twitter4s tweets: no in_reply_to_status_id, "coordinates": [] and "contributors": [].
        let bytes = read("x-v1.1-common-tweets.twitter4s.json");
        for raw in messages(&bytes) {
            let s = status(raw);
            assert_eq!(s.coordinates, None);
        }
    }

    #[test]
    fn notice_fixture_values() {
        let bytes = read("x-v1.1-common-disconnect_messages.twitter4s.json");
        let got: Vec<Message> = messages(&bytes).into_iter().map(decode).collect();
        assert_eq!(
            got[0],
            Message::Disconnect(Disconnect {
                code: 4,
                stream_name: "my-stream-name".into(),
                reason: "something-went-wrong".into(),
            })
        );
        let Message::Disconnect(d) = &got[1] else {
            panic!()
        };
        assert_eq!(d.kind(), DisconnectKind::DuplicateStream);
        assert!(!d.should_reconnect());

        let bytes = read("x-v1.1-common-location_deletion_notices.twitter4s.json");
        let Message::ScrubGeo(g) = decode(messages(&bytes)[0]) else {
            panic!()
        };
        assert_eq!(g.user_id, 14090452);
        assert_eq!(g.up_to_status_id, 23260136625);
        assert_eq!(g.up_to_status_id_str.as_deref(), Some("23260136625"));

        let bytes = read("x-v1.1-common-status_withheld_notices.twitter4s.json");
        let Message::StatusWithheld(w) = decode(messages(&bytes)[0]) else {
            panic!()
        };
        assert_eq!((w.id, w.user_id), (1234567890, 123456));
        assert_eq!(w.withheld_in_countries, ["DE", "AR"]);

        let bytes = read("x-v1.1-common-user_withheld_notices.twitter4s.json");
        let Message::UserWithheld(w) = decode(messages(&bytes)[1]) else {
            panic!()
        };
        assert_eq!(w.id, 123457);
        assert_eq!(w.withheld_in_countries, ["IT"]);

        let Message::Limit(l) = decode(br#"{"limit":{"track":22,"timestamp_ms":"1477757470194"}}"#)
        else {
            panic!()
        };
        assert_eq!(l.timestamp_ms.as_deref(), Some("1477757470194"));
        let Message::Delete(d) = decode(
            br#"{"delete":{"status":{"id":1234,"id_str":"1234","user_id":3,"user_id_str":"3"},"timestamp_ms":1482242573699}}"#,
        ) else {
            panic!()
        };
        assert_eq!(d.timestamp_ms.as_deref(), Some("1482242573699"));
        let Message::Warning(w) =
            decode(br#"{"warning":{"code":"FOLLOWS_OVER_LIMIT","message":"m","user_id":13}}"#)
        else {
            panic!()
        };
        assert_eq!((w.user_id, w.percent_full), (Some(13), None));
    }

    #[test]
    fn disconnect_kinds() {
        let table = [
            (1, DisconnectKind::Shutdown, true),
            (2, DisconnectKind::DuplicateStream, false),
            (3, DisconnectKind::ControlRequest, false),
            (4, DisconnectKind::Stall, true),
            (5, DisconnectKind::Normal, true),
            (6, DisconnectKind::TokenRevoked, false),
            (7, DisconnectKind::AdminLogout, false),
            (8, DisconnectKind::Reserved, true),
            (9, DisconnectKind::MaxMessageLimit, false),
            (10, DisconnectKind::StreamException, true),
            (11, DisconnectKind::BrokerStall, true),
            (12, DisconnectKind::ShedLoad, true),
            (13, DisconnectKind::Other(13), true),
            (0, DisconnectKind::Other(0), true),
        ];
        for (code, kind, reconnect) in table {
            let d = Disconnect {
                code,
                ..Default::default()
            };
            assert_eq!(d.kind(), kind);
            assert_eq!(kind.code(), code);
            assert_eq!(d.should_reconnect(), reconnect, "code {code}");
        }
    }

    #[test]
    fn extended_tweet_and_video() {
        let raw = br#"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,
            "id_str":"1050118621198921728","text":"To make room for more expression, we will now count all emojis as equal\u2026 https://t.co/x",
            "truncated":true,"in_reply_to_status_id":null,"user":{"id":6253282,"screen_name":"TwitterAPI","followers_count":-1},
            "extended_tweet":{"full_text":"To make room for more expression, we will now count all emojis as equal\u2014including those with gender and skin tone modifiers \ud83d\udc4d\ud83c\udffb #emoji https://t.co/y",
              "display_text_range":[0,140],
              "entities":{"hashtags":[{"text":"emoji","indices":[119,125]}],"urls":[],"user_mentions":[],"symbols":[],
                "media":[{"id":1,"id_str":"1","indices":[126,149],"media_url_https":"https://pbs.twimg.com/x.jpg","url":"https://t.co/y","type":"video"}]},
              "extended_entities":{"media":[{"id":1,"type":"video","url":"https://t.co/y","indices":[126,149],
                "video_info":{"aspect_ratio":[16,9],"duration_millis":10704,"variants":[
                  {"bitrate":320000,"content_type":"video/mp4","url":"https://video.twimg.com/a.mp4"},
                  {"content_type":"application/x-mpegURL","url":"https://video.twimg.com/a.m3u8"}]}}]}},
            "entities":{"hashtags":[],"urls":[{"url":"https://t.co/x","expanded_url":null,"indices":[117,140]}],"user_mentions":[],"symbols":[]},
            "filter_level":"low","lang":"en","timestamp_ms":"1539202764000","quote_count":0,"reply_count":-1}"#;
        let s = status(raw);
        assert!(s.truncated);
        assert!(s.full_text().ends_with("#emoji https://t.co/y"));
        assert!(s.full_text().contains('\u{1F44D}'));
        assert_eq!(s.full_entities().hashtags[0].text, "emoji");
        assert_eq!(s.full_entities().hashtags[0].indices, [119, 125]);
        assert_eq!(s.entities.urls[0].expanded_url, None);
        let ext = s.extended_tweet.as_ref().expect("extended");
        assert_eq!(ext.display_text_range, Some([0, 140]));
        let video = ext
            .extended_entities
            .as_ref()
            .and_then(|e| e.media.first())
            .and_then(|m| m.video_info.as_ref())
            .expect("video");
        assert_eq!(video.aspect_ratio, Some([16, 9]));
        assert_eq!(video.variants.len(), 2);
        assert_eq!(video.variants[1].bitrate, None);
        assert_eq!(s.user.followers_count, Some(-1));
        assert_eq!(s.reply_count, Some(-1));
        assert_eq!(s.timestamp_millis(), Some(1539202764000));
        assert_eq!(s.filter_level.as_deref(), Some("low"));
        assert_round_trip(&Message::Status(s));

        // REST extended mode: full_text instead of text, no in_reply_to_status_id.
        let s = status(br#"{"id":5,"full_text":"long","user":{"id":1}}"#);
        assert_eq!((s.text.as_deref(), s.full_text()), (None, "long"));
    }

    #[test]
    fn classification_rules() {
        let kind = |raw: &str| variant(&decode(raw.as_bytes()));
        // tweepy order among notices, regardless of key order.
        assert_eq!(
            kind(r#"{"limit":{"track":1},"delete":{"status":{"id":1,"user_id":2}}}"#),
            "delete"
        );
        assert_eq!(
            kind(r#"{"warning":{"code":"X"},"disconnect":{"code":1}}"#),
            "disconnect"
        );
        assert_eq!(
            kind(r#"{"scrub_geo":{"user_id":1,"up_to_status_id":2},"limit":{"track":1}}"#),
            "limit"
        );
        // Status first, even when a notice key comes first.
        assert_eq!(
            kind(
                r#"{"delete":{"status":{"id":1,"user_id":2}},"in_reply_to_status_id":null,"id":1,"user":{"id":2}}"#
            ),
            "status"
        );
        assert_eq!(
            kind(r#"{"warning":{},"id":1,"user":{"id":2},"text":"t"}"#),
            "status"
        );
        assert_eq!(
            kind(r#"{"id":1,"user":{"id":2},"in_reply_to_status_id":null}"#),
            "status"
        );
        assert_eq!(kind(r#"{"id":1,"user":{"id":2},"text":null}"#), "status");
        // Not statuses.
        assert_eq!(kind(r#"{"id":1,"user":{"id":2}}"#), "unknown");
        assert_eq!(kind(r#"{"id":1,"text":"no user"}"#), "unknown");
        assert_eq!(
            kind(r#"{"id":1,"user":{"id":2},"delete":{"status":{"id":1,"user_id":2}}}"#),
            "delete"
        );
        assert_eq!(kind(r#"{"delete":null}"#), "unknown");
        assert_eq!(kind(r#"{"delete":null,"limit":{"track":3}}"#), "limit");
        assert_eq!(
            kind(r#"{"\u0064elete":{"status":{"id":1,"user_id":2}}}"#),
            "delete"
        );
        assert_eq!(kind(r#"  {"limit":{"track":1}}  "#), "limit");
        assert_eq!(kind("{\"limit\":{\"track\":1}}\r\n"), "limit");
        for other in [
            "{}",
            "[]",
            "[1,2]",
            "42",
            "\"x\"",
            "null",
            "true",
            r#"{"friends_str":["1"]}"#,
        ] {
            assert_eq!(kind(other), "unknown", "{other}");
        }
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        // Nulls everywhere a Tweet can have them, and -1 counts.
        let s = status(
            br#"{"created_at":null,"id":1,"id_str":null,"text":null,"source":null,"truncated":null,
            "in_reply_to_status_id":null,"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,
            "in_reply_to_user_id_str":null,"in_reply_to_screen_name":null,
            "user":{"id":2,"name":null,"screen_name":null,"location":null,"description":null,"url":null,
              "entities":{"url":{"urls":[{"url":"u","expanded_url":null,"indices":[0,1]}]},"description":null},
              "protected":null,"verified":null,"followers_count":-1,"friends_count":-1,"listed_count":null,
              "favourites_count":-1,"statuses_count":-1,"created_at":null,"following":null,"notifications":null,
              "withheld_in_countries":null},
            "geo":null,"coordinates":[],"place":null,"contributors":null,"is_quote_status":null,
            "quoted_status":null,"retweeted_status":null,"retweet_count":-1,"favorite_count":null,
            "entities":{"hashtags":null,"urls":null,"user_mentions":[{"id":null,"indices":[0,3]}],"symbols":null,"media":null},
            "extended_entities":null,"extended_tweet":null,"favorited":null,"retweeted":null,
            "possibly_sensitive":null,"lang":null,"timestamp_ms":null,"metadata":null}"#,
        );
        assert_eq!(s.full_text(), "");
        assert_eq!(s.user.followers_count, Some(-1));
        assert_eq!(s.user.listed_count, None);
        assert_eq!(s.retweet_count, Some(-1));
        assert_eq!(s.entities.user_mentions[0].id, None);
        assert!(!s.is_retweet());
        assert_eq!(s.lon_lat(), None);
        assert_eq!(s.timestamp_millis(), None);
        // Entities null as a whole.
        let s = status(
            br#"{"id":1,"text":"t","user":{"id":2},"entities":null,"coordinates":[1.0,2.0]}"#,
        );
        assert_eq!(s.entities, Entities::default());
        assert_eq!(s.coordinates, None);

        // A Tweet-shaped object without a usable user is an error, not a panic.
        for raw in [
            r#"{"id":1,"text":"x","in_reply_to_status_id":null}"#,
            r#"{"id":1,"text":"x","user":null}"#,
            r#"{"id":1,"text":"x","user":{"id":"2"}}"#,
            r#"{"id":-1,"text":"x","user":{"id":2}}"#,
            r#"{"id":1e300,"text":"x","user":{"id":2}}"#,
            r#"{"id":18446744073709551616,"text":"x","user":{"id":2}}"#,
            r#"{"id":1,"text":"x","user":{"id":2},"coordinates":{"type":"Point"}}"#,
            r#"{"id":1,"text":5,"user":{"id":2}}"#,
            r#"{"in_reply_to_status_id":null}"#,
        ] {
            let err = Message::decode(raw.as_bytes()).expect_err(raw);
            assert_eq!(err.category(), serde_json::error::Category::Data, "{raw}");
        }
        // Malformed notices are errors naming the notice.
        for raw in [
            r#"{"limit":{}}"#,
            r#"{"limit":{"track":-1}}"#,
            r#"{"delete":{"status":{"id":"x","user_id":1}}}"#,
            r#"{"disconnect":{"code":"4"}}"#,
            r#"{"warning":"FALLING_BEHIND"}"#,
            r#"{"id":1,"status_withheld":{"id":1}}"#,
        ] {
            let err = Message::decode(raw.as_bytes()).expect_err(raw);
            assert_eq!(err.category(), serde_json::error::Category::Data, "{raw}");
        }
        let err = Message::decode(br#"{"limit":[]}"#).expect_err("array limit");
        assert!(err.message().contains("limit"), "{}", err.message());
    }

    #[test]
    fn invalid_json_is_an_error_with_a_preview() {
        let err = Message::decode(b"{\"created_at\":\"Wed Oct 10\", ").expect_err("truncated");
        assert_eq!(err.category(), serde_json::error::Category::Eof);
        assert_eq!(err.preview(), "{\"created_at\":\"Wed Oct 10\", ");
        assert!(err.to_string().contains("created_at"));

        let long = format!("{{\"text\":\"{}\" oops}}", "é".repeat(200));
        let err = Message::decode(long.as_bytes()).expect_err("syntax");
        assert_eq!(err.category(), serde_json::error::Category::Syntax);
        assert!(err.preview().len() <= PREVIEW_BYTES);
        assert!(long.starts_with(err.preview()));
        assert!(!err.message().is_empty());

        let err = Message::decode(b"\xff\xfe{not json").expect_err("binary");
        assert!(err.preview().starts_with('\u{FFFD}'));
        let err = Message::decode(b"{\"limit\":{\"track\":1}} {\"limit\":{\"track\":2}}")
            .expect_err("two messages");
        assert_eq!(err.category(), serde_json::error::Category::Syntax);
        for keep_alive in [&b""[..], b"\r\n", b"   "] {
            let err = Message::decode(keep_alive).expect_err("keep-alive");
            assert_eq!(err.category(), serde_json::error::Category::Eof);
        }
        // Invalid UTF-8 inside a string.
        assert!(Message::decode(b"{\"id\":1,\"text\":\"\xc3\x28\",\"user\":{\"id\":2}}").is_err());
        // Deep nesting hits serde_json's recursion limit instead of the stack.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(Message::decode(deep.as_bytes()).is_err());
        let deep = format!(
            "{{\"id\":1,\"text\":\"t\",\"user\":{{\"id\":2}},\"x\":{}1{}}}",
            "{\"a\":".repeat(50_000),
            "}".repeat(50_000)
        );
        // (An ignored field is skipped without recursion, so this one is a valid Tweet.)
        assert_eq!(variant(&decode(deep.as_bytes())), "status");
        let deep = format!(
            "{{\"friends\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(Message::decode(deep.as_bytes()).is_err());
        // Tweets nested in Tweets: limited well below serde_json's recursion limit.
        let nested = |depth: usize, key: &str| {
            format!(
                "{}null{}",
                format!("{{\"id\":1,\"text\":\"t\",\"user\":{{\"id\":2}},\"{key}\":").repeat(depth),
                "}".repeat(depth)
            )
        };
        for key in ["retweeted_status", "quoted_status"] {
            let ok = nested(MAX_NESTED_STATUSES as usize + 1, key);
            assert_eq!(variant(&decode(ok.as_bytes())), "status");
            for depth in [MAX_NESTED_STATUSES as usize + 2, 100, 130, 20_000] {
                let err = Message::decode(nested(depth, key).as_bytes()).expect_err("too deep");
                assert!(
                    err.message().contains("nested too deeply")
                        || err.message().contains("recursion limit"),
                    "{}",
                    err.message()
                );
            }
        }
        // The nesting counter is reset after errors.
        let ok = nested(MAX_NESTED_STATUSES as usize + 1, "quoted_status");
        assert_eq!(variant(&decode(ok.as_bytes())), "status");
    }

    #[test]
    fn truncated_and_mutated_inputs_never_panic() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        let twitter = read("twitter.json");
        for raw in twitter_json_statuses(&twitter).into_iter().take(10) {
            let v: Value = serde_json::from_str(raw.get()).expect("json");
            inputs.push(serde_json::to_vec(&v).expect("compact"));
        }
        for (file, _) in EXPECTED {
            inputs.extend(messages(&read(file)).into_iter().map(<[u8]>::to_vec));
        }
        let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for input in &inputs {
            // Every prefix (sampled for long inputs) is an error or a valid message.
            let step = (input.len() / 300).max(1);
            for cut in (0..input.len()).step_by(step) {
                let _ = Message::decode(&input[..cut]);
            }
            // Random byte mutations.
            for _ in 0..40 {
                let mut m = input.clone();
                for _ in 0..3 {
                    let len = m.len() as u64;
                    if len == 0 {
                        break;
                    }
                    let i = (next() % len) as usize;
                    m[i] = (next() & 0xff) as u8;
                }
                let _ = Message::decode(&m);
            }
        }
    }
}
