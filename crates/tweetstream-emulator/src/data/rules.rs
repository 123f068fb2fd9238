//! The rule-matching facts ([`RuleTweet`]) of a tweet of the model.

use tweetstream_rules::{MediaKind, RulePlace, RuleQuoted, RuleTweet, RuleUrl};

use super::model::{Corpus, RefKind, TweetRec};
use super::v2in::kind_of_key;

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// The entities of a Post (and, for a retweet, of the original), each listed once.
struct Entities {
    hashtags: Vec<String>,
    cashtags: Vec<String>,
    mentions: Vec<String>,
    urls: Vec<RuleUrl>,
}

fn entities<'a>(sources: impl Iterator<Item = &'a TweetRec>) -> Entities {
    let mut out = Entities {
        hashtags: Vec::new(),
        cashtags: Vec::new(),
        mentions: Vec::new(),
        urls: Vec::new(),
    };
    for src in sources {
        for h in &src.entities.hashtags {
            push_unique(&mut out.hashtags, &h.tag);
        }
        for h in &src.entities.cashtags {
            push_unique(&mut out.cashtags, &h.tag);
        }
        for m in &src.entities.mentions {
            push_unique(&mut out.mentions, &m.username);
        }
        for u in &src.entities.urls {
            if !out.urls.iter().any(|x| x.url == u.url) {
                out.urls.push(RuleUrl {
                    url: u.url.clone(),
                    expanded_url: u.expanded_url.clone(),
                    display_url: u.display_url.clone(),
                });
            }
        }
    }
    out
}

fn media_kinds(c: &Corpus, keys: &[String]) -> Vec<MediaKind> {
    keys.iter()
        .map(|k| {
            let kind = c
                .media(k)
                .map(|m| m.kind.as_str())
                .unwrap_or_else(|| kind_of_key(k));
            match kind {
                "video" => MediaKind::Video,
                "animated_gif" => MediaKind::AnimatedGif,
                _ => MediaKind::Photo,
            }
        })
        .collect()
}

/// The content of the quoted Post `id`, which the content operators match too (only its id
/// when the corpus does not hold it).
fn quoted_part(c: &Corpus, id: u64) -> RuleQuoted {
    let Some(q) = c.tweet(id) else {
        return RuleQuoted {
            id,
            ..RuleQuoted::default()
        };
    };
    let Entities {
        hashtags,
        cashtags,
        mentions,
        urls,
    } = entities(std::iter::once(q));
    RuleQuoted {
        id,
        text: q.text.clone(),
        hashtags,
        cashtags,
        mentions,
        urls,
        media: media_kinds(c, &q.media_keys),
    }
}

/// Whether the Post is a nullcast (promoted-only) Post: X marks those with
/// `"scopes": {"followers": false}`.
fn is_nullcast(t: &TweetRec) -> bool {
    t.extra.iter().any(|(k, v)| {
        k == "scopes" && v.get("followers").and_then(serde_json::Value::as_bool) == Some(false)
    })
}

/// Build the facts of tweet `t` (ids of loop 0).
pub(crate) fn rule_tweet(c: &Corpus, t: &TweetRec) -> RuleTweet {
    let author = c.user(t.author_id);
    let rt_id = t.ref_of(RefKind::Retweeted);
    let orig = rt_id.and_then(|id| c.tweet(id));
    let orig_author = orig.and_then(|o| c.user(o.author_id));

    // A retweet matches on "RT @user: " + the full original text.
    let text = match (orig, orig_author) {
        (Some(o), Some(u)) => format!("RT @{}: {}", u.username, o.text),
        _ => t.text.clone(),
    };

    let Entities {
        hashtags,
        cashtags,
        mut mentions,
        urls,
    } = entities(std::iter::once(t).chain(orig));
    if let Some(u) = orig_author {
        push_unique(&mut mentions, &u.username);
    }

    let media_keys = if t.media_keys.is_empty() {
        orig.map(|o| o.media_keys.as_slice()).unwrap_or_default()
    } else {
        t.media_keys.as_slice()
    };
    let media = media_kinds(c, media_keys);

    let reply_user = t.in_reply_to_user_id.and_then(|u| c.user(u));
    let quoted_id = t.ref_of(RefKind::Quoted);
    let place = t.place_id.as_deref().map(|pid| match c.place(pid) {
        Some(p) => RulePlace {
            id: p.id.clone(),
            name: p.name.clone().unwrap_or_else(|| p.full_name.clone()),
            full_name: p.full_name.clone(),
            country_code: p.country_code.clone(),
            bbox: p.bbox,
        },
        None => RulePlace {
            id: pid.to_string(),
            ..RulePlace::default()
        },
    });

    RuleTweet {
        id: t.id,
        text,
        lang: t.lang.clone(),
        author_id: t.author_id,
        author_username: author.map(|u| u.username.clone()).unwrap_or_default(),
        author_name: author.map(|u| u.name.clone()).unwrap_or_default(),
        author_description: author.and_then(|u| u.description.clone()),
        author_location: author.and_then(|u| u.location.clone()),
        author_verified: author.and_then(|u| u.verified).unwrap_or(false),
        in_reply_to_user_id: t.in_reply_to_user_id,
        in_reply_to_username: t
            .in_reply_to_screen_name
            .clone()
            .or_else(|| reply_user.map(|u| u.username.clone())),
        in_reply_to_tweet_id: t.ref_of(RefKind::RepliedTo),
        conversation_id: t.conversation_id,
        hashtags,
        cashtags,
        mentions,
        urls,
        media,
        retweet_of: rt_id.map(|id| {
            (
                id,
                orig.map(|o| o.author_id).unwrap_or(0),
                orig_author.map(|u| u.username.clone()).unwrap_or_default(),
            )
        }),
        quoted: quoted_id.map(|id| quoted_part(c, id)),
        coordinates: t.coordinates,
        place,
        source: t.source.clone(),
        nullcast: is_nullcast(t),
        author_followers_count: author.and_then(|u| u.metrics).map(|m| m.followers_count),
        author_following_count: author.and_then(|u| u.metrics).map(|m| m.following_count),
        author_tweet_count: author.and_then(|u| u.metrics).map(|m| m.tweet_count),
        author_listed_count: author.and_then(|u| u.metrics).map(|m| m.listed_count),
    }
}
