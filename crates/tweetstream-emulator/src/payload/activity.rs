//! `/2/activity/stream`: at position `seq`, an activity event about the author of the tweet
//! served [`EVENT_LAG`](super::EVENT_LAG) positions earlier (`ActivityStreamingResponse`), cycling through
//! every event type of the spec: follows and unfollows (`source`/`target` users), news, and
//! the profile updates (`before`/`after`). The subscription filter names the user (a keyword,
//! the tweet's first hashtag, for news).

use serde::Serialize;
use serde_json::Value;

use super::{id_num, mix63, write_json, Cx, Id, Open, Payload, StreamKind};
use crate::data::{Shape, Tweet};

pub(crate) const KIND: StreamKind = StreamKind {
    params: &[],
    open,
    id_of,
};

/// The event types, in the order the positions cycle through them.
pub(crate) const EVENT_TYPES: [&str; 12] = [
    "follow.follow",
    "profile.update.bio",
    "news.new",
    "profile.update.profile_picture",
    "follow.unfollow",
    "profile.update.banner_picture",
    "profile.update.geo",
    "profile.update.handle",
    "profile.update.screenname",
    "profile.update.url",
    "profile.update.verified_badge",
    "profile.update.affiliate_badge",
];

/// Salt of the event ids.
const SALT: u64 = 0x4143_5449_5649_5459;

fn open(_req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    Ok(Box::new(Activity {
        shape: Shape::default(),
    }))
}

fn id_of(message: &Value) -> Option<u64> {
    id_num(message.get("data")?.get("event_uuid")?)
}

struct Activity {
    /// Users in follow events: the default user fields.
    shape: Shape,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Filter {
    User { user_id: Id },
    Keyword { keyword: String },
}

#[derive(Serialize)]
struct Head<'a> {
    event_type: &'a str,
    event_uuid: Id,
    filter: Filter,
}

#[derive(Serialize)]
struct Change {
    before: String,
    after: String,
}

#[derive(Serialize)]
struct News {
    category: &'static str,
    headline: String,
    hook: String,
    summary: String,
}

/// A profile field before and after an update.
fn change(t: &Tweet<'_>, event_type: &str) -> Change {
    let (before, after) = match t.author() {
        None => (String::new(), String::new()),
        Some(u) => {
            let s = |x: &Option<String>| x.clone().unwrap_or_default();
            match event_type {
                "profile.update.bio" => {
                    let old = s(&u.description);
                    let new = if old.is_empty() {
                        format!("Hi, I'm {}", u.name)
                    } else {
                        format!("{old} ✨")
                    };
                    (old, new)
                }
                "profile.update.profile_picture" => {
                    let old = s(&u.profile_image_url);
                    (old.clone(), old.replace("_normal", "_400x400"))
                }
                "profile.update.banner_picture" => {
                    let old = s(&u.profile_banner_url);
                    (old.clone(), format!("{old}/1500x500"))
                }
                "profile.update.geo" => (s(&u.location), "the internet".to_string()),
                "profile.update.handle" => {
                    let mut new: String = u.username.chars().take(13).collect();
                    new.push_str("_x");
                    (u.username.clone(), new)
                }
                "profile.update.screenname" => (u.name.clone(), format!("{} 🦀", u.name)),
                "profile.update.url" => (s(&u.url), "https://example.com/".to_string()),
                "profile.update.verified_badge" => (
                    u.verified_type.clone().unwrap_or_else(|| "none".into()),
                    "blue".to_string(),
                ),
                _ => (
                    String::new(),
                    "https://pbs.twimg.com/badges/affiliate.png".into(),
                ),
            }
        }
    };
    Change { before, after }
}

impl Payload for Activity {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let t = cx.subject(seq)?;
        let event_type = EVENT_TYPES[(seq % EVENT_TYPES.len() as u64) as usize];
        let id = mix63(seq ^ SALT);
        let author = t.author_id();
        let filter = if event_type == "news.new" {
            let keyword = t.first_hashtag().unwrap_or("news").to_string();
            Filter::Keyword { keyword }
        } else {
            Filter::User {
                user_id: Id(author),
            }
        };
        // Someone follows (or unfollows) the author.
        let follow = match event_type {
            "follow.follow" | "follow.unfollow" => Some((
                cx.source.user(mix63(seq ^ SALT.rotate_left(29)))?,
                t.author()?,
            )),
            _ => None,
        };
        let head = Head {
            event_type,
            event_uuid: Id(id),
            filter,
        };
        // {"data":{"event_type":…,"event_uuid":…,"filter":…,"payload":…}}
        out.extend_from_slice(b"{\"data\":");
        write_json(&head, out);
        out.pop();
        out.extend_from_slice(b",\"payload\":");
        if let Some((source, target)) = follow {
            out.extend_from_slice(b"{\"source\":");
            cx.source.write_user(source, &self.shape, out);
            out.extend_from_slice(b",\"target\":");
            cx.source.write_user(target, &self.shape, out);
            out.push(b'}');
        } else if event_type == "news.new" {
            let text: String = t.text().chars().take(80).collect();
            write_json(
                &News {
                    category: "Technology",
                    headline: format!("People are talking about: {text}"),
                    hook: "What people on X are saying".to_string(),
                    summary: text,
                },
                out,
            );
        } else {
            write_json(&change(&t, event_type), out);
        }
        out.extend_from_slice(b"}}");
        Some(id)
    }
}
