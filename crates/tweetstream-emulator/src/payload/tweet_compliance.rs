//! `/2/tweets/compliance/stream`: at position `seq`, a compliance event about the tweet served
//! [`EVENT_LAG`](super::EVENT_LAG) positions earlier, cycling through X's kinds: `delete`, `withheld`,
//! `drop`, `undrop`, `tweet_edit` (`TweetComplianceStreamResponse`).

use serde::Serialize;
use serde_json::Value;

use super::{
    countries, id_num, single_event, write_data, Cx, Id, Open, Payload, StreamKind, TweetRef,
};

pub(crate) const KIND: StreamKind = StreamKind {
    params: &[],
    open,
    id_of,
};

/// The event kinds, in the order the positions cycle through them.
pub(crate) const KINDS: [&str; 5] = ["delete", "withheld", "drop", "undrop", "tweet_edit"];

fn open(_req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    Ok(Box::new(TweetCompliance))
}

fn id_of(message: &Value) -> Option<u64> {
    let (kind, event) = single_event(message)?;
    match kind {
        "tweet_edit" => id_num(event.get("initial_tweet_id")?),
        _ => id_num(event.get("tweet")?.get("id")?),
    }
}

/// The id of the new version of an edited tweet: one minute later on the snowflake clock.
fn edit_id(id: u64) -> u64 {
    id.saturating_add(60_000 << 22).min(i64::MAX as u64)
}

struct TweetCompliance;

#[derive(Serialize)]
struct Event {
    tweet: TweetRef,
    event_at: String,
}

#[derive(Serialize)]
struct Withheld {
    tweet: TweetRef,
    withheld_in_countries: Vec<&'static str>,
    event_at: String,
}

#[derive(Serialize)]
struct EditedTweet {
    id: Id,
}

#[derive(Serialize)]
struct Edit {
    tweet: EditedTweet,
    initial_tweet_id: Id,
    edit_tweet_ids: [Id; 2],
    event_at: String,
}

impl Payload for TweetCompliance {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let t = cx.subject(seq)?;
        let event_at = cx.event_at(seq);
        let kind = KINDS[(seq % KINDS.len() as u64) as usize];
        match kind {
            "withheld" => write_data(
                kind,
                &Withheld {
                    tweet: TweetRef::of(&t),
                    withheld_in_countries: countries(seq),
                    event_at,
                },
                out,
            ),
            "tweet_edit" => {
                let new = edit_id(t.id());
                write_data(
                    kind,
                    &Edit {
                        tweet: EditedTweet { id: Id(new) },
                        initial_tweet_id: Id(t.id()),
                        edit_tweet_ids: [Id(t.id()), Id(new)],
                        event_at,
                    },
                    out,
                )
            }
            _ => write_data(
                kind,
                &Event {
                    tweet: TweetRef::of(&t),
                    event_at,
                },
                out,
            ),
        }
        Some(t.id())
    }
}
