//! `/2/users/compliance/stream`: at position `seq`, a compliance event about the author of the
//! tweet served [`EVENT_LAG`](super::EVENT_LAG) positions earlier, cycling through X's kinds
//! (`UserComplianceStreamResponse`): protect, unprotect, delete, undelete, suspend, unsuspend,
//! withheld, scrub_geo (up to that tweet) and profile modifications (every profile field in
//! turn).

use serde::Serialize;
use serde_json::Value;

use super::{
    countries, id_num, single_event, write_data, Cx, Id, Open, Payload, StreamKind, UserRef,
};
use crate::data::Tweet;

pub(crate) const KIND: StreamKind = StreamKind {
    params: &[],
    open,
    id_of,
};

/// The event kinds, in the order the positions cycle through them.
pub(crate) const KINDS: [&str; 9] = [
    "user_protect",
    "user_unprotect",
    "user_delete",
    "user_undelete",
    "user_suspend",
    "user_unsuspend",
    "user_withheld",
    "scrub_geo",
    "user_profile_modification",
];

/// The `profile_field`s of profile modifications, in turn.
pub(crate) const PROFILE_FIELDS: [&str; 8] = [
    "profile.name",
    "profile.location",
    "profile.description",
    "profile.url",
    "profile.profileBanner",
    "profile.profileBanner.url",
    "profile.profileImage",
    "profile.profileImage.url",
];

fn open(_req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    Ok(Box::new(UserCompliance))
}

/// User events carry no id: the record keeps a hash of the kind, the user and the time.
pub(crate) fn user_event_id(kind: &str, user: u64, event_at: &str) -> u64 {
    // FNV-1a, 64 bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let user = user.to_string();
    for part in [
        kind.as_bytes(),
        b"\0",
        user.as_bytes(),
        b"\0",
        event_at.as_bytes(),
    ] {
        for &b in part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    h
}

fn id_of(message: &Value) -> Option<u64> {
    let (kind, event) = single_event(message)?;
    let user = id_num(event.get("user")?.get("id")?)?;
    Some(user_event_id(kind, user, event.get("event_at")?.as_str()?))
}

struct UserCompliance;

#[derive(Serialize)]
struct Event {
    user: UserRef,
    event_at: String,
}

#[derive(Serialize)]
struct Withheld {
    user: UserRef,
    withheld_in_countries: Vec<&'static str>,
    event_at: String,
}

#[derive(Serialize)]
struct ScrubGeo {
    user: UserRef,
    up_to_tweet_id: Id,
    event_at: String,
}

#[derive(Serialize)]
struct Modification {
    user: UserRef,
    profile_field: &'static str,
    new_value: String,
    event_at: String,
}

/// The new value of a profile field of the tweet's author (made up when the profile has none).
fn new_value(t: &Tweet<'_>, field: &str) -> String {
    let Some(u) = t.author() else {
        return String::new();
    };
    let or = |x: &Option<String>, made_up: String| {
        x.clone().filter(|s| !s.is_empty()).unwrap_or(made_up)
    };
    match field {
        "profile.name" => format!("{} ✨", u.name),
        "profile.location" => or(&u.location, "the internet".into()),
        "profile.description" => or(&u.description, format!("Hi, I'm {}", u.name)),
        "profile.url" => or(&u.url, format!("https://example.com/{}", u.username)),
        "profile.profileBanner" | "profile.profileBanner.url" => or(
            &u.profile_banner_url,
            format!("https://pbs.twimg.com/profile_banners/{}/1700000000", u.id),
        ),
        _ => or(
            &u.profile_image_url,
            "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png".into(),
        ),
    }
}

impl Payload for UserCompliance {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let t = cx.subject(seq)?;
        let user = t.author_id();
        let event_at = cx.event_at(seq);
        let kind = KINDS[(seq % KINDS.len() as u64) as usize];
        let id = user_event_id(kind, user, &event_at);
        let who = UserRef { id: Id(user) };
        match kind {
            "user_withheld" => write_data(
                kind,
                &Withheld {
                    user: who,
                    withheld_in_countries: countries(seq),
                    event_at,
                },
                out,
            ),
            "scrub_geo" => write_data(
                kind,
                &ScrubGeo {
                    user: who,
                    up_to_tweet_id: Id(t.id()),
                    event_at,
                },
                out,
            ),
            "user_profile_modification" => {
                // Every 36 positions, the next field: each of the 4 partitions sees them all.
                let field = PROFILE_FIELDS[((seq / 36) % PROFILE_FIELDS.len() as u64) as usize];
                write_data(
                    kind,
                    &Modification {
                        user: who,
                        profile_field: field,
                        new_value: new_value(&t, field),
                        event_at,
                    },
                    out,
                )
            }
            _ => write_data(
                kind,
                &Event {
                    user: who,
                    event_at,
                },
                out,
            ),
        }
        Some(id)
    }
}
