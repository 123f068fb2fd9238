//! `/2/tweets/label/stream`: at position `seq`, a label applied to or removed from the tweet
//! served [`EVENT_LAG`](super::EVENT_LAG) positions earlier (`TweetLabelStreamResponse`): a public notice
//! (misleading, sensitive, …) or the tweet made unviewable, each applied then removed in turn.

use serde::Serialize;
use serde_json::Value;

use super::{id_num, single_event, write_data, Cx, Open, Payload, StreamKind, TweetRef};

pub(crate) const KIND: StreamKind = StreamKind {
    params: &[],
    open,
    id_of,
};

/// (event kind, application), in the order the positions cycle through them.
pub(crate) const EVENTS: [(&str, &str); 4] = [
    ("public_tweet_notice", "apply"),
    ("public_tweet_unviewable", "apply"),
    ("public_tweet_notice", "remove"),
    ("public_tweet_unviewable", "remove"),
];

/// Notices: (event_type, label_title, details, extended_details_url).
const NOTICES: [(&str, &str, &str, &str); 3] = [
    (
        "misleading",
        "Stay informed",
        "This Post may be misleading. Find out more before you share.",
        "https://help.x.com/en/rules-and-policies/medical-misinformation-policy",
    ),
    (
        "sensitive_media",
        "Sensitive content",
        "This Post may include sensitive content.",
        "https://help.x.com/en/rules-and-policies/media-policy",
    ),
    (
        "violent_speech",
        "Visibility limited",
        "This Post may violate X's rules against violent speech.",
        "https://help.x.com/en/rules-and-policies/violent-speech",
    ),
];

fn open(_req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    Ok(Box::new(Labels))
}

fn id_of(message: &Value) -> Option<u64> {
    id_num(single_event(message)?.1.get("tweet")?.get("id")?)
}

struct Labels;

#[derive(Serialize)]
struct Notice {
    tweet: TweetRef,
    event_type: &'static str,
    event_at: String,
    application: &'static str,
    label_title: &'static str,
    details: &'static str,
    extended_details_url: &'static str,
}

#[derive(Serialize)]
struct Unviewable {
    tweet: TweetRef,
    event_at: String,
    application: &'static str,
}

impl Payload for Labels {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let t = cx.subject(seq)?;
        let (kind, application) = EVENTS[(seq % EVENTS.len() as u64) as usize];
        let tweet = TweetRef::of(&t);
        let event_at = cx.event_at(seq);
        if kind == "public_tweet_notice" {
            let (event_type, label_title, details, extended_details_url) =
                NOTICES[((seq / 4) % NOTICES.len() as u64) as usize];
            let notice = Notice {
                tweet,
                event_type,
                event_at,
                application,
                label_title,
                details,
                extended_details_url,
            };
            write_data(kind, &notice, out);
        } else {
            let unviewable = Unviewable {
                tweet,
                event_at,
                application,
            };
            write_data(kind, &unviewable, out);
        }
        Some(t.id())
    }
}
