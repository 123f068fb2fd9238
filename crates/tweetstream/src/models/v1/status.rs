//! A v1.1 Tweet and its text parts.

use super::*;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

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
