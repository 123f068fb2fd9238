//! Entities, media, places and coordinates of v1.1 Tweets.

use super::*;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

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
