//! What each stream carries: one [`Payload`] implementation per stream kind, and the table of
//! the v2 streams ([`V2_STREAMS`]).
//!
//! The emulator has one timeline of positions (`seq` = 0, 1, 2, …; see `timeline`): at a fixed
//! rate R, position `seq` is posted at `start + seq / R`; at rate 0 positions are produced as
//! fast as the fastest reader takes them. Every stream maps a position to at most one event, so
//! at `--rate R` every stream carries R events per second (a filtered stream the share that
//! matches):
//!
//! * tweet streams (`tweets`): the source's tweet `seq`, when it matches the stream's rules,
//!   filter or language; the v1.1 streams (`statuses`) add the notices it triggers;
//! * likes (`likes`): a like, by one of the source's users, of the tweet served [`EVENT_LAG`]
//!   positions earlier;
//! * compliance and labels (`tweet_compliance`, `user_compliance`, `like_compliance`,
//!   `labels`): an event about the tweet served [`EVENT_LAG`] positions earlier (its author for user
//!   events; the like sent [`EVENT_LAG`] positions earlier for unlikes), cycling through every event
//!   kind X's schemas define;
//! * activity (`activity`): an event about the author of the tweet served [`EVENT_LAG`] positions
//!   earlier, cycling through every event type.
//!
//! The producer loop (`stream::producer`) is written once over this trait; the bytes go through
//! the framing, fault and gzip layers of `stream`. Adding a stream to the emulator is one module
//! here, one line in [`V2_STREAMS`] and its [`StreamEndpoint`] variant.

mod activity;
mod labels;
mod like_compliance;
mod likes;
pub(crate) mod statuses;
mod tweet_compliance;
pub(crate) mod tweets;
mod user_compliance;

use std::time::UNIX_EPOCH;

use serde::{Serialize, Serializer};
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::data::time::fmt_iso;
use crate::data::Source;
use crate::scenario::StreamEndpoint;
use crate::server::Shared;
use crate::timeline::Timeline;

/// How many positions after a tweet the events derived from it come (likes, compliance,
/// labels, activity): position `seq` speaks of the tweet served at `seq - EVENT_LAG` (and has no
/// event for `seq < EVENT_LAG`). Each position speaks of a different tweet, so the ids these streams
/// record are unique.
pub const EVENT_LAG: u64 = 10;

/// A stream kind: the query parameters it takes besides the common ones (`backfill_minutes`,
/// `partition`, `start_time`, `end_time`), how to build its payload, and which id its record
/// keeps for a message.
pub(crate) struct StreamKind {
    pub params: &'static [&'static str],
    /// Build the payload for a request. Err = X's 400 problem body.
    pub open: fn(&Open<'_>) -> Result<Box<dyn Payload>, Value>,
    /// The id recorded for a message of the stream (see [`event_id`]).
    pub id_of: fn(&Value) -> Option<u64>,
}

/// A request for a stream, as the payload sees it.
pub(crate) struct Open<'a> {
    pub shared: &'a Shared,
    /// The app (bearer token) asking.
    pub app: &'a str,
    pub endpoint: StreamEndpoint,
    pub query: &'a [(String, String)],
}

/// A v2 stream: its partitions (the `partition` parameter is then required, 1..=n), whether it
/// replays windows (`start_time`/`end_time`), and its kind.
pub(crate) struct V2Stream {
    pub endpoint: StreamEndpoint,
    pub partitions: Option<u32>,
    pub recovery: bool,
    pub kind: &'static StreamKind,
}

use StreamEndpoint as E;

/// Every v2 stream of X's API (OpenAPI 2.159), one line each.
pub(crate) const V2_STREAMS: &[V2Stream] = &[
    v2(E::V2Filtered, None, true, &tweets::KIND),
    v2(E::V2Sample, None, false, &tweets::KIND),
    v2(E::V2Sample10, Some(2), true, &tweets::KIND),
    v2(E::V2Firehose, Some(20), true, &tweets::KIND),
    v2(E::V2FirehoseEn, Some(8), true, &tweets::KIND),
    v2(E::V2FirehoseJa, Some(2), true, &tweets::KIND),
    v2(E::V2FirehoseKo, Some(2), true, &tweets::KIND),
    v2(E::V2FirehosePt, Some(2), true, &tweets::KIND),
    v2(E::V2LikesFirehose, Some(20), true, &likes::KIND),
    v2(E::V2LikesSample10, Some(2), true, &likes::KIND),
    v2(E::V2LikesCompliance, None, true, &like_compliance::KIND),
    v2(
        E::V2TweetsCompliance,
        Some(4),
        true,
        &tweet_compliance::KIND,
    ),
    v2(E::V2UsersCompliance, Some(4), true, &user_compliance::KIND),
    v2(E::V2TweetsLabel, None, true, &labels::KIND),
    v2(E::V2Activity, None, true, &activity::KIND),
];

const fn v2(
    endpoint: StreamEndpoint,
    partitions: Option<u32>,
    recovery: bool,
    kind: &'static StreamKind,
) -> V2Stream {
    V2Stream {
        endpoint,
        partitions,
        recovery,
        kind,
    }
}

/// The table entry of a v2 stream.
pub(crate) fn v2_stream(endpoint: StreamEndpoint) -> Option<&'static V2Stream> {
    V2_STREAMS.iter().find(|s| s.endpoint == endpoint)
}

/// The id a connection's record ([`crate::ConnectionRecord::tweet_ids`]) keeps for `message`,
/// one message (a parsed line) of a stream of `endpoint`; None for messages without one
/// (keep-alives aside: v1.1 notices, error lines).
///
/// * tweet streams: the tweet id (`data.id`; v1.1: `id_str`);
/// * likes: the like id (`data.id`, 16 hex digits);
/// * tweet compliance and labels: the id of the tweet the event is about (`tweet.id`; for a
///   `tweet_edit`, `initial_tweet_id`);
/// * likes compliance: the id of the unliked tweet (`favorite.id`);
/// * user compliance: a hash of the event kind, the user id and `event_at` (user events carry
///   no id; positions have distinct times up to 1,000 positions per second, so only above that
///   rate could two events of the same kind for the same user share it);
/// * activity: `event_uuid`.
///
/// Every one of them is unique in a stream (each position speaks of another tweet), so a
/// client can check that it received exactly what the emulator recorded.
pub fn event_id(endpoint: StreamEndpoint, message: &Value) -> Option<u64> {
    if endpoint.is_v1() {
        return statuses::id_of(message);
    }
    (v2_stream(endpoint)?.kind.id_of)(message)
}

/// A decimal id string of `v`.
pub(crate) fn id_num(v: &Value) -> Option<u64> {
    v.as_str()?.parse().ok()
}

/// The single member of `data` of a compliance-style message: (event kind, event).
pub(crate) fn single_event(message: &Value) -> Option<(&str, &Value)> {
    let data = message.get("data")?.as_object()?;
    let mut it = data.iter();
    let (k, v) = it.next()?;
    it.next().is_none().then_some((k.as_str(), v))
}

/// A bijection of the 63-bit integers (x is taken modulo 2^63): ids from positions that look
/// random but never repeat.
pub(crate) fn mix63(x: u64) -> u64 {
    const MASK: u64 = u64::MAX >> 1;
    let mut z = x & MASK;
    z ^= z >> 31;
    z = z.wrapping_mul(0x7FB5_D329_728E_A185) & MASK;
    z ^= z >> 27;
    z = z.wrapping_mul(0x41C6_4E6D_A3BC_0075) & MASK;
    z ^ (z >> 33)
}

/// An id serialised as a decimal string (v2's id format).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Id(pub u64);

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// Append `v` as JSON.
pub(crate) fn write_json<T: Serialize>(v: &T, out: &mut Vec<u8>) {
    // Serialising these plain structs into a Vec cannot fail.
    let _ = serde_json::to_writer(out, v);
}

/// Append a compliance-style message: `{"data":{"<kind>":<event>}}`.
pub(crate) fn write_data<T: Serialize>(kind: &str, event: &T, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"data\":{");
    write_json(&kind, out);
    out.push(b':');
    write_json(event, out);
    out.extend_from_slice(b"}}");
}

/// A tweet and its author, as compliance and label events name them.
#[derive(Serialize)]
pub(crate) struct TweetRef {
    pub id: Id,
    pub author_id: Id,
}

impl TweetRef {
    pub(crate) fn of(t: &crate::data::Tweet<'_>) -> TweetRef {
        TweetRef {
            id: Id(t.id()),
            author_id: Id(t.author_id()),
        }
    }
}

/// A user, as compliance events name them.
#[derive(Serialize)]
pub(crate) struct UserRef {
    pub id: Id,
}

/// Withholding countries, cycling with the position.
pub(crate) fn countries(seq: u64) -> Vec<&'static str> {
    const SETS: [&[&str]; 4] = [&["DE"], &["FR", "DE"], &["IN"], &["TR", "RU", "DE"]];
    SETS[(seq % SETS.len() as u64) as usize].to_vec()
}

/// What a payload may look at while it renders a batch.
pub(crate) struct Cx<'a> {
    pub source: &'a Source,
    pub timeline: &'a Timeline,
    /// When the batch is built.
    pub now: Instant,
}

impl Cx<'_> {
    /// The emulator's wall clock at `t`, in milliseconds since the epoch.
    pub(crate) fn wall_ms(&self, t: Instant) -> u64 {
        self.timeline
            .wall_of(t)
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    /// [`wall_ms`](Self::wall_ms) of now.
    pub(crate) fn now_ms(&self) -> u64 {
        self.wall_ms(self.now)
    }

    /// When the event at position `seq` happened: its post time at a fixed rate; at rate 0,
    /// where the timeline has no clock, the emulator's start plus one millisecond per position.
    /// Either way a position has the same time on every connection and in every replay, and
    /// (up to 1,000 positions per second) no two positions share a millisecond.
    pub(crate) fn event_ms(&self, seq: u64) -> u64 {
        if self.timeline.paced() {
            self.wall_ms(self.timeline.post_time(seq))
        } else {
            self.wall_ms(self.timeline.start).saturating_add(seq)
        }
    }

    /// [`event_ms`](Self::event_ms) as v2 `event_at` (`2022-12-23T12:34:56.789Z`).
    pub(crate) fn event_at(&self, seq: u64) -> String {
        fmt_iso(self.event_ms(seq).min(i64::MAX as u64) as i64)
    }

    /// The tweet events at `seq` speak of (served [`EVENT_LAG`] positions earlier).
    pub(crate) fn subject(&self, seq: u64) -> Option<crate::data::Tweet<'_>> {
        seq.checked_sub(EVENT_LAG).map(|s| self.source.get(s))
    }
}

/// One stream kind: what it emits for each timeline position, and how.
pub(crate) trait Payload: Send {
    /// Called before each batch (e.g. to take a fresh snapshot of the rules).
    fn begin_batch(&mut self, _cx: &Cx<'_>) {}

    /// Append the message for position `seq` (JSON, no framing) to `out` and return the id the
    /// connection's record keeps for it; None when the stream has no event at `seq` (it does
    /// not match the stream's rules, filter or language). `out` is left as it was then.
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64>;

    /// Append a pending notice (v1.1 `delete`, `limit`, …) to `out`; false when none is due.
    /// Notices go out before the next position.
    fn write_notice(&mut self, _cx: &Cx<'_>, _out: &mut Vec<u8>) -> bool {
        false
    }

    /// The partition (0-based, of `count`) the event at `seq` belongs to. Every partitioned
    /// stream uses the same rule: position modulo the partition count, so the partitions are
    /// disjoint and together carry the whole stream.
    fn partition(&self, seq: u64, count: u64) -> u64 {
        seq % count.max(1)
    }

    /// The client falls behind: its queue is `percent_full` full (only when the emulator
    /// disconnects slow readers). v1.1 streams with `stall_warnings` queue a `warning`.
    fn falling_behind(&mut self, _percent_full: u32) {}

    /// A notification that what matches may have changed (the filtered stream's rules), if
    /// the stream has one.
    fn changes(&mut self) -> Option<&mut watch::Receiver<u64>> {
        None
    }
}
