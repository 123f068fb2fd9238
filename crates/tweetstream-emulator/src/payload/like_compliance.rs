//! `/2/likes/compliance/stream`: at position `seq`, the unlike of the like the like streams
//! sent [`EVENT_LAG`](super::EVENT_LAG) positions earlier (`LikesComplianceStreamResponse`).

use serde::Serialize;
use serde_json::Value;

use super::likes::liker;
use super::{id_num, write_data, Cx, Id, Open, Payload, StreamKind, EVENT_LAG};

pub(crate) const KIND: StreamKind = StreamKind {
    params: &[],
    open,
    id_of,
};

fn open(_req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    Ok(Box::new(LikeCompliance))
}

fn id_of(message: &Value) -> Option<u64> {
    id_num(
        message
            .get("data")?
            .get("delete")?
            .get("favorite")?
            .get("id")?,
    )
}

struct LikeCompliance;

#[derive(Serialize)]
struct Favorite {
    id: Id,
    user_id: Id,
}

#[derive(Serialize)]
struct Unlike {
    favorite: Favorite,
    event_at: String,
}

impl Payload for LikeCompliance {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        // The like at `like` was of the tweet served EVENT_LAG positions before it.
        let like = seq.checked_sub(EVENT_LAG)?;
        let tweet = cx.subject(like)?;
        let user = cx.source.user(liker(like))?;
        let unlike = Unlike {
            favorite: Favorite {
                id: Id(tweet.id()),
                user_id: Id(user.id),
            },
            event_at: cx.event_at(seq),
        };
        write_data("delete", &unlike, out);
        Some(tweet.id())
    }
}
