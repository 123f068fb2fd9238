//! The emulator's data layer: tweet sources, v1.1 ↔ v2 conversion, v2 payload shaping, and the
//! v1.1 filter predicates.
//!
//! * [`Source`] — an endless sequence of tweets: a corpus file replayed in a loop
//!   ([`Source::from_path`]: v1.1 search responses, arrays or JSONL of v1.1 statuses, JSONL of v2
//!   stream payloads) or the seeded generator ([`Source::synthetic`]). Every loop renumbers the
//!   tweet ids (scheme on [`Source`]) so that ids never repeat.
//! * [`Tweet`] — one element of the sequence: its id, the facts rules are evaluated on
//!   ([`Tweet::rule_input`]) and its v1.1 status JSON ([`Tweet::write_v1`]).
//! * [`Shape`] + [`V2Renderer`] — the `*.fields` / `expansions` parameters of the v2 stream and the
//!   payloads they produce (`data`, `includes`, `matching_rules`), from per-tweet templates.
//! * [`V1Filter`] — the `track` / `follow` / `locations` / `language` / `filter_level` semantics
//!   of v1.1 `statuses/filter` and `statuses/sample`.
//!
//! Everything here is pure (no I/O except [`Source::from_path`] reading a file) and does not panic
//! on any input.

mod filter;
pub(crate) mod ids;
pub(crate) mod json;
mod model;
mod rules;
mod shape;
mod source;
mod synth;
pub(crate) mod time;
mod v1in;
mod v1out;
mod v2in;
mod v2out;
mod v2parts;
mod val;

pub use filter::{
    V1Filter, V1ParamError, MAX_FOLLOW_IDS, MAX_LOCATION_BOXES, MAX_TRACK_PHRASES,
    MAX_TRACK_PHRASE_BYTES,
};
pub(crate) use shape::parse_lists;
pub use shape::{
    Shape, EXPANSIONS, MEDIA_FIELDS, PLACE_FIELDS, POLL_FIELDS, TWEET_FIELDS, USER_FIELDS,
};
pub use source::{Source, Tweet, SYNTHETIC_BASE_LEN};
pub use v2out::{MatchedRule, V2Renderer};
