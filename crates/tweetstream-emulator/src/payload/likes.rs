//! The like streams (`/2/likes/firehose/stream`, `/2/likes/sample10/stream`): at position `seq`
//! one of the source's users likes the tweet served [`EVENT_LAG`](super::EVENT_LAG) positions earlier.
//!
//! Payload: `{"data":{LikeWithTweetAuthor},"includes":{"users":[…],"tweets":[…]}}`. The `data`
//! fields are `id` and `liked_tweet_id` by default; `like_with_tweet_author.fields` adds
//! `created_at`, `timestamp_ms` and `liked_tweet_author_id` (sent as `tweet_author_id`, the
//! schema's name). `expansions=liked_tweet_id` includes the tweet (`tweet.fields`),
//! `liked_tweet_author_id` its author (`user.fields`).

use serde::Serialize;
use serde_json::Value;

use super::{mix63, write_json, Cx, Id, Open, Payload, StreamKind};
use crate::data::{parse_lists, Shape};

const FIELDS: &[&str] = &[
    "created_at",
    "id",
    "liked_tweet_author_id",
    "liked_tweet_id",
    "timestamp_ms",
];
const EXPANSIONS: &[&str] = &["liked_tweet_author_id", "liked_tweet_id"];

pub(crate) const KIND: StreamKind = StreamKind {
    params: &[
        "like_with_tweet_author.fields",
        "expansions",
        "tweet.fields",
        "user.fields",
    ],
    open,
    id_of,
};

/// Salt of the like ids (so they differ from other ids made from positions).
const SALT: u64 = 0x4C49_4B45;

/// The id of the like at position `seq`.
pub(crate) fn like_id(seq: u64) -> u64 {
    mix63(seq ^ SALT)
}

/// The index of the user who likes at position `seq`.
pub(crate) fn liker(seq: u64) -> u64 {
    mix63(seq ^ SALT.rotate_left(17))
}

fn open(req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    let lists = parse_lists(
        req.query,
        &[
            ("like_with_tweet_author.fields", FIELDS),
            ("expansions", EXPANSIONS),
        ],
    );
    // tweet.fields / user.fields as on the tweet streams (their expansions are not these).
    let objects: Vec<(String, String)> = req
        .query
        .iter()
        .filter(|(k, _)| k == "tweet.fields" || k == "user.fields")
        .cloned()
        .collect();
    let shape = Shape::from_query(&objects);
    let (lists, shape) = match (lists, shape) {
        (Ok(l), Ok(s)) => (l, s),
        (Err(mut a), Err(b)) => {
            if let (Some(Value::Array(x)), Some(Value::Array(y))) =
                (a.get_mut("errors"), b.get("errors"))
            {
                x.extend(y.iter().cloned());
            }
            return Err(a);
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let field = |name: &str| {
        FIELDS
            .iter()
            .position(|f| *f == name)
            .is_some_and(|i| lists[0] & (1 << i) != 0)
    };
    let expand = |name: &str| {
        EXPANSIONS
            .iter()
            .position(|f| *f == name)
            .is_some_and(|i| lists[1] & (1 << i) != 0)
    };
    Ok(Box::new(Likes {
        shape,
        created_at: field("created_at"),
        timestamp_ms: field("timestamp_ms"),
        author_id: field("liked_tweet_author_id"),
        include_tweet: expand("liked_tweet_id"),
        include_author: expand("liked_tweet_author_id"),
    }))
}

fn id_of(message: &Value) -> Option<u64> {
    u64::from_str_radix(message.get("data")?.get("id")?.as_str()?, 16).ok()
}

/// Like payloads.
struct Likes {
    shape: Shape,
    created_at: bool,
    timestamp_ms: bool,
    author_id: bool,
    include_tweet: bool,
    include_author: bool,
}

#[derive(Serialize)]
struct Like {
    id: String,
    liked_tweet_id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    tweet_author_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp_ms: Option<u64>,
}

impl Payload for Likes {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let tweet = cx.subject(seq)?;
        let id = like_id(seq);
        let like = Like {
            id: format!("{id:016x}"),
            liked_tweet_id: Id(tweet.id()),
            tweet_author_id: self.author_id.then_some(Id(tweet.author_id())),
            created_at: self.created_at.then(|| cx.event_at(seq)),
            timestamp_ms: self.timestamp_ms.then(|| cx.event_ms(seq)),
        };
        out.extend_from_slice(b"{\"data\":");
        write_json(&like, out);
        let author = tweet.author().filter(|_| self.include_author);
        if self.include_tweet || author.is_some() {
            out.extend_from_slice(b",\"includes\":{");
            if let Some(u) = author {
                out.extend_from_slice(b"\"users\":[");
                cx.source.write_user(u, &self.shape, out);
                out.push(b']');
            }
            if self.include_tweet {
                if author.is_some() {
                    out.push(b',');
                }
                out.extend_from_slice(b"\"tweets\":[");
                tweet.write_v2_object(&self.shape, out);
                out.push(b']');
            }
            out.push(b'}');
        }
        out.push(b'}');
        Some(id)
    }
}
