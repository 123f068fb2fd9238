//! The rule-matching facts ([`RuleTweet`]) of a tweet of the model.

use tweetstream_rules::{MediaKind, RulePlace, RuleTweet, RuleUrl};

use super::model::{Corpus, RefKind, TweetRec};
use super::v2in::kind_of_key;

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
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

    let mut hashtags = Vec::new();
    let mut cashtags = Vec::new();
    let mut mentions = Vec::new();
    let mut urls: Vec<RuleUrl> = Vec::new();
    for src in std::iter::once(t).chain(orig) {
        for h in &src.entities.hashtags {
            push_unique(&mut hashtags, &h.tag);
        }
        for h in &src.entities.cashtags {
            push_unique(&mut cashtags, &h.tag);
        }
        for m in &src.entities.mentions {
            push_unique(&mut mentions, &m.username);
        }
        for u in &src.entities.urls {
            if !urls.iter().any(|x| x.url == u.url) {
                urls.push(RuleUrl {
                    url: u.url.clone(),
                    expanded_url: u.expanded_url.clone(),
                    display_url: u.display_url.clone(),
                });
            }
        }
    }
    if let Some(u) = orig_author {
        push_unique(&mut mentions, &u.username);
    }

    let media_keys = if t.media_keys.is_empty() {
        orig.map(|o| o.media_keys.as_slice()).unwrap_or_default()
    } else {
        t.media_keys.as_slice()
    };
    let media = media_keys
        .iter()
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
        .collect();

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
        quoted_text: quoted_id.and_then(|q| c.tweet(q)).map(|q| q.text.clone()),
        quoted_tweet_id: quoted_id,
        coordinates: t.coordinates,
        place,
        source: t.source.clone(),
        nullcast: false,
        author_followers_count: author.and_then(|u| u.metrics).map(|m| m.followers_count),
        author_following_count: author.and_then(|u| u.metrics).map(|m| m.following_count),
        author_tweet_count: author.and_then(|u| u.metrics).map(|m| m.tweet_count),
        author_listed_count: author.and_then(|u| u.metrics).map(|m| m.listed_count),
    }
}
