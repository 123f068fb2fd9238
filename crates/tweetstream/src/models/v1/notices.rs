//! The v1.1 stream notices.

use super::*;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

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
