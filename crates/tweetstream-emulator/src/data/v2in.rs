//! v2 stream payloads (`{"data":…,"includes":…}`) → the normalised model, kept as close to the
//! input as the model allows: unmodelled fields are kept verbatim; `matching_rules`, `errors`
//! and foreign keys such as twarc's `__twarc` are dropped.

use serde_json::Value;

use super::model::{
    Corpus, EditControls, Entities, MediaRec, MentionEnt, PlaceRec, PollRec, RefKind, TagEnt,
    TweetMetrics, TweetRec, UrlEnt, UserMetrics, UserRec,
};
use super::shape::{MEDIA_FIELDS, PLACE_FIELDS, TWEET_FIELDS, USER_FIELDS};
use super::time;
use super::v1in::PLACE_TYPES;
use super::val::{
    arr, as_id, b, clean_uri, count, country_code, f, fix_username, ne, obj, point, s,
    sanitize_entities, sanitize_url_entity, sanitize_user_entities, Obj,
};

/// Whether a JSON object looks like a v2 payload with a tweet.
pub(crate) fn is_payload(o: &Obj) -> bool {
    match o.get("data") {
        Some(Value::Object(d)) => as_id(d.get("id")).is_some(),
        Some(Value::Array(a)) => a
            .iter()
            .any(|d| d.as_object().is_some_and(|d| as_id(d.get("id")).is_some())),
        _ => false,
    }
}

/// Add a v2 payload's includes and its `data` tweet(s) (as base tweets) to the corpus.
/// Returns the number of tweets found in `data`.
pub(crate) fn ingest(c: &mut Corpus, o: &Obj) -> usize {
    if let Some(inc) = obj(o, "includes") {
        for u in arr(inc, "users") {
            if let Some(u) = u.as_object().and_then(user) {
                c.add_user(u);
            }
        }
        for m in arr(inc, "media") {
            if let Some(m) = m.as_object().and_then(media) {
                c.add_media(m);
            }
        }
        for p in arr(inc, "places") {
            if let Some(p) = p.as_object().and_then(place) {
                c.add_place(p);
            }
        }
        for p in arr(inc, "polls") {
            if let Some(p) = p.as_object().and_then(poll) {
                c.add_poll(p);
            }
        }
        for t in arr(inc, "tweets") {
            if let Some(t) = t.as_object().and_then(tweet) {
                c.add_tweet(t, false, false);
            }
        }
    }
    let datas: Vec<&Value> = match o.get("data") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(d) => vec![d],
        None => Vec::new(),
    };
    let mut n = 0;
    for d in datas {
        if let Some(t) = d.as_object().and_then(tweet) {
            c.add_tweet(t, true, true);
            n += 1;
        }
    }
    n
}

/// Members of `o` whose names are in `allowed` but not in `modelled`, verbatim.
fn extras(o: &Obj, allowed: &[&str], modelled: &[&str]) -> Vec<(String, Value)> {
    o.iter()
        .filter(|(k, v)| {
            allowed.contains(&k.as_str()) && !modelled.contains(&k.as_str()) && !v.is_null()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn offsets(o: &Obj) -> Option<(u32, u32)> {
    let st = count(o, "start")?;
    let en = count(o, "end")?;
    (st <= en && en <= u64::from(u32::MAX)).then_some((st as u32, en as u32))
}

fn tag_list(e: &Obj, k: &str) -> Vec<TagEnt> {
    arr(e, k)
        .iter()
        .filter_map(|h| {
            let h = h.as_object()?;
            let (start, end) = offsets(h)?;
            Some(TagEnt {
                start,
                end,
                tag: s(h, "tag")?.to_string(),
            })
        })
        .collect()
}

pub(crate) fn entities(e: &Obj) -> Entities {
    Entities {
        hashtags: tag_list(e, "hashtags"),
        cashtags: tag_list(e, "cashtags"),
        mentions: arr(e, "mentions")
            .iter()
            .filter_map(|m| {
                let m = m.as_object()?;
                let (start, end) = offsets(m)?;
                Some(MentionEnt {
                    start,
                    end,
                    username: s(m, "username")?.to_string(),
                    id: as_id(m.get("id")),
                })
            })
            .collect(),
        urls: arr(e, "urls")
            .iter()
            .filter_map(|u| {
                let u = u.as_object()?;
                let (start, end) = offsets(u)?;
                let mut u = u.clone();
                sanitize_url_entity(&mut u)?;
                let u = &u;
                Some(UrlEnt {
                    start,
                    end,
                    url: ne(u, "url")?.to_string(),
                    expanded_url: ne(u, "expanded_url").map(str::to_string),
                    display_url: s(u, "display_url").map(str::to_string),
                    media_key: ne(u, "media_key").map(str::to_string),
                    extra: u
                        .iter()
                        .filter(|(k, v)| {
                            matches!(
                                k.as_str(),
                                "status" | "title" | "description" | "unwound_url" | "images"
                            ) && !v.is_null()
                        })
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                })
            })
            .collect(),
        annotations: e
            .get("annotations")
            .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
            .cloned(),
    }
}

const TWEET_MODELLED: &[&str] = &[
    "id",
    "text",
    "author_id",
    "created_at",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "attachments",
    "geo",
    "lang",
    "possibly_sensitive",
    "public_metrics",
    "source",
    "reply_settings",
    "display_text_range",
    "edit_history_tweet_ids",
    "edit_controls",
    "withheld",
];

/// A v2 Tweet object.
pub(crate) fn tweet(o: &Obj) -> Option<TweetRec> {
    let id = as_id(o.get("id"))?;
    let refs = arr(o, "referenced_tweets")
        .iter()
        .filter_map(|r| {
            let r = r.as_object()?;
            Some((RefKind::parse(s(r, "type")?)?, as_id(r.get("id"))?))
        })
        .collect();
    let att = obj(o, "attachments");
    let geo = obj(o, "geo");
    let metrics = obj(o, "public_metrics").map(|m| TweetMetrics {
        retweet_count: count(m, "retweet_count").unwrap_or(0),
        reply_count: count(m, "reply_count").unwrap_or(0),
        like_count: count(m, "like_count").unwrap_or(0),
        quote_count: count(m, "quote_count").unwrap_or(0),
        impression_count: count(m, "impression_count").unwrap_or(0),
        bookmark_count: count(m, "bookmark_count").unwrap_or(0),
    });
    let dtr = o
        .get("display_text_range")
        .and_then(Value::as_array)
        .and_then(|a| {
            let x = a.first()?.as_u64()?;
            let y = a.get(1)?.as_u64()?;
            (x <= y && y <= u64::from(u32::MAX)).then_some([x as u32, y as u32])
        });
    let edit_controls = obj(o, "edit_controls").and_then(|e| {
        Some(EditControls {
            is_edit_eligible: b(e, "is_edit_eligible")?,
            editable_until_ms: s(e, "editable_until").and_then(time::parse_iso)?,
            edits_remaining: count(e, "edits_remaining")?,
        })
    });
    let withheld = obj(o, "withheld")
        .filter(|w| {
            w.get("copyright").is_some_and(Value::is_boolean) && !arr(w, "country_codes").is_empty()
        })
        .map(|w| Value::Object(w.clone()));
    Some(TweetRec {
        id,
        text: s(o, "text").unwrap_or("").to_string(),
        author_id: as_id(o.get("author_id")).unwrap_or(0),
        created_ms: s(o, "created_at").and_then(time::parse_iso),
        conversation_id: as_id(o.get("conversation_id")),
        in_reply_to_user_id: as_id(o.get("in_reply_to_user_id")),
        in_reply_to_screen_name: None,
        refs,
        entities: obj(o, "entities").map(entities).unwrap_or_default(),
        media_keys: att
            .map(|a| {
                arr(a, "media_keys")
                    .iter()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        poll_ids: att
            .map(|a| {
                arr(a, "poll_ids")
                    .iter()
                    .filter_map(|k| as_id(Some(k)))
                    .collect()
            })
            .unwrap_or_default(),
        place_id: geo.and_then(|g| ne(g, "place_id")).map(str::to_string),
        coordinates: geo
            .and_then(|g| obj(g, "coordinates"))
            .and_then(|p| point(p.get("coordinates"))),
        lang: ne(o, "lang").map(str::to_string),
        possibly_sensitive: b(o, "possibly_sensitive"),
        metrics,
        source: ne(o, "source").map(str::to_string),
        source_html: None,
        reply_settings: ne(o, "reply_settings").map(str::to_string),
        display_text_range: dtr,
        edit_history: arr(o, "edit_history_tweet_ids")
            .iter()
            .filter_map(|v| as_id(Some(v)))
            .collect(),
        edit_controls,
        withheld,
        filter_level: None,
        extra: extras(o, TWEET_FIELDS, TWEET_MODELLED)
            .into_iter()
            .filter_map(|(k, v)| {
                if k == "note_tweet" {
                    let mut n = v.as_object()?.clone();
                    n.get("text")?.as_str()?;
                    match n.get("entities").and_then(sanitize_entities) {
                        Some(e) => n.insert("entities".into(), e),
                        None => n.remove("entities"),
                    };
                    return Some((k, Value::Object(n)));
                }
                Some((k, v))
            })
            .collect(),
    })
}

const USER_MODELLED: &[&str] = &[
    "id",
    "name",
    "username",
    "created_at",
    "description",
    "location",
    "url",
    "protected",
    "verified",
    "verified_type",
    "profile_image_url",
    "profile_banner_url",
    "public_metrics",
    "pinned_tweet_id",
    "entities",
    "withheld",
];

/// A v2 User object.
pub(crate) fn user(o: &Obj) -> Option<UserRec> {
    let id = as_id(o.get("id"))?;
    let username = fix_username(s(o, "username").unwrap_or(""), id);
    let metrics = obj(o, "public_metrics").map(|m| UserMetrics {
        followers_count: count(m, "followers_count").unwrap_or(0),
        following_count: count(m, "following_count").unwrap_or(0),
        tweet_count: count(m, "tweet_count").unwrap_or(0),
        listed_count: count(m, "listed_count").unwrap_or(0),
        like_count: count(m, "like_count"),
    });
    Some(UserRec {
        id,
        name: s(o, "name").unwrap_or(&username).to_string(),
        username,
        created_ms: s(o, "created_at").and_then(time::parse_iso),
        description: s(o, "description").map(str::to_string),
        location: s(o, "location").map(str::to_string),
        url: s(o, "url").map(str::to_string),
        protected: b(o, "protected"),
        verified: b(o, "verified"),
        verified_type: ne(o, "verified_type")
            .filter(|t| matches!(*t, "blue" | "government" | "business" | "none"))
            .map(str::to_string),
        profile_image_url: ne(o, "profile_image_url").and_then(clean_uri),
        profile_banner_url: ne(o, "profile_banner_url").and_then(clean_uri),
        metrics,
        pinned_tweet_id: as_id(o.get("pinned_tweet_id")),
        entities: o.get("entities").and_then(sanitize_user_entities),
        withheld: obj(o, "withheld")
            .filter(|w| !arr(w, "country_codes").is_empty())
            .map(|w| Value::Object(w.clone())),
        extra: extras(o, USER_FIELDS, USER_MODELLED),
        completeness: 1,
    })
}

const MEDIA_MODELLED: &[&str] = &[
    "media_key",
    "type",
    "url",
    "preview_image_url",
    "width",
    "height",
    "duration_ms",
    "alt_text",
    "public_metrics",
    "variants",
];

/// A v2 Media object.
pub(crate) fn media(o: &Obj) -> Option<MediaRec> {
    let key = ne(o, "media_key")?.to_string();
    Some(MediaRec {
        kind: ne(o, "type")
            .map(str::to_string)
            .unwrap_or_else(|| kind_of_key(&key).to_string()),
        key,
        url: ne(o, "url").and_then(clean_uri),
        preview_image_url: ne(o, "preview_image_url").and_then(clean_uri),
        width: count(o, "width"),
        height: count(o, "height"),
        duration_ms: count(o, "duration_ms"),
        alt_text: s(o, "alt_text").map(str::to_string),
        view_count: obj(o, "public_metrics").and_then(|m| count(m, "view_count")),
        variants: o.get("variants").filter(|v| v.is_array()).cloned(),
        extra: extras(o, MEDIA_FIELDS, MEDIA_MODELLED),
    })
}

/// `photo`/`video`/`animated_gif` from a media key prefix.
pub(crate) fn kind_of_key(key: &str) -> &'static str {
    match key.split_once('_').map(|(p, _)| p) {
        Some("7") | Some("13") => "video",
        Some("16") => "animated_gif",
        _ => "photo",
    }
}

/// A v2 Place object.
pub(crate) fn place(o: &Obj) -> Option<PlaceRec> {
    let id = ne(o, "id")?.to_string();
    let bbox = obj(o, "geo").and_then(|g| {
        let a = g.get("bbox")?.as_array()?;
        let v: Vec<f64> = a.iter().filter_map(|x| f(Some(x))).collect();
        match v.as_slice() {
            [w, s, e, n]
                if [*w, *s, *e, *n]
                    .iter()
                    .all(|x| (-180.0..=180.0).contains(x)) =>
            {
                Some([*w, *s, *e, *n])
            }
            _ => None,
        }
    });
    let contained: Vec<String> = arr(o, "contained_within")
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    Some(PlaceRec {
        full_name: s(o, "full_name")
            .or_else(|| s(o, "name"))
            .unwrap_or(&id)
            .to_string(),
        id,
        name: s(o, "name").map(str::to_string),
        country: s(o, "country").map(str::to_string),
        country_code: s(o, "country_code").and_then(country_code),
        place_type: s(o, "place_type")
            .filter(|t| PLACE_TYPES.contains(t))
            .map(str::to_string),
        bbox,
        contained_within: (!contained.is_empty()).then_some(contained),
        extra: extras(
            o,
            PLACE_FIELDS,
            &[
                "id",
                "full_name",
                "name",
                "country",
                "country_code",
                "place_type",
                "geo",
                "contained_within",
            ],
        ),
    })
}

/// A v2 Poll object.
pub(crate) fn poll(o: &Obj) -> Option<PollRec> {
    let id = as_id(o.get("id"))?;
    let options: Vec<(u64, String, u64)> = arr(o, "options")
        .iter()
        .filter_map(|x| {
            let x = x.as_object()?;
            Some((
                count(x, "position")?,
                s(x, "label")?.to_string(),
                count(x, "votes").unwrap_or(0),
            ))
        })
        .collect();
    Some(PollRec {
        id,
        options,
        duration_minutes: count(o, "duration_minutes"),
        end_ms: s(o, "end_datetime").and_then(time::parse_iso),
        voting_status: ne(o, "voting_status")
            .filter(|v| matches!(*v, "open" | "closed"))
            .map(str::to_string),
    })
}
