//! v1.1 status output: templates from v1.1 input JSON (as-is), and a best-effort v1.1 status
//! built from the normalised model (synthetic tweets, v2 input).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::ids::{snowflake_ms, TWEPOCH};
use super::json::{Template, W};
use super::model::{Corpus, MediaRec, PlaceRec, RefKind, TweetRec, UrlEnt, UserRec};
use super::time;
use super::val::{as_id, source_html};

/// Make a v1.1 input status look like a streamed one: drop the search-API-only `metadata`, add
/// `filter_level` (`low`) and `timestamp_ms` when absent.
pub(crate) fn prepare_input(v: &mut Map<String, Value>) {
    strip_metadata(v, 0);
    if !v.contains_key("filter_level") {
        v.insert("filter_level".into(), "low".into());
    }
    if !v.contains_key("timestamp_ms") {
        if let Some(ms) = v
            .get("created_at")
            .and_then(Value::as_str)
            .and_then(time::parse_v1)
        {
            v.insert("timestamp_ms".into(), ms.to_string().into());
        }
    }
}

fn strip_metadata(v: &mut Map<String, Value>, depth: u32) {
    v.remove("metadata");
    if depth < 4 {
        for k in ["retweeted_status", "quoted_status"] {
            if let Some(Value::Object(inner)) = v.get_mut(k) {
                strip_metadata(inner, depth + 1);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Status,
    ExtTweet,
    Entities,
    MediaList,
    Media,
    Other,
}

/// Compact JSON of a v1.1 status with holes at the tweet ids of the corpus: `id`/`id_str`,
/// `in_reply_to_status_id(_str)`, `quoted_status_id(_str)` of the status and of its nested
/// `retweeted_status`/`quoted_status`, and media `source_status_id(_str)`.
pub(crate) fn template(ranks: &HashMap<u64, u32>, v: &Value) -> Template {
    let mut w = W::new(ranks);
    walk(&mut w, v, Ctx::Status);
    w.finish()
}

fn walk(w: &mut W<'_>, v: &Value, ctx: Ctx) {
    match v {
        Value::Object(m) => {
            w.begin_obj();
            for (k, x) in m {
                w.key(k);
                let k = k.as_str();
                match (ctx, k) {
                    (Ctx::Status, "id" | "in_reply_to_status_id" | "quoted_status_id")
                    | (Ctx::Media, "source_status_id") => match x.as_u64() {
                        Some(n) => w.tid_num(n),
                        None => w.value(x),
                    },
                    (
                        Ctx::Status,
                        "id_str" | "in_reply_to_status_id_str" | "quoted_status_id_str",
                    )
                    | (Ctx::Media, "source_status_id_str") => match (x.is_string(), as_id(Some(x)))
                    {
                        (true, Some(n)) => w.tid_str(n),
                        _ => w.value(x),
                    },
                    (Ctx::Status, "retweeted_status" | "quoted_status") => walk(w, x, Ctx::Status),
                    (Ctx::Status, "extended_tweet") => walk(w, x, Ctx::ExtTweet),
                    (Ctx::Status | Ctx::ExtTweet, "entities" | "extended_entities") => {
                        walk(w, x, Ctx::Entities)
                    }
                    (Ctx::Entities, "media") => walk(w, x, Ctx::MediaList),
                    _ => walk(w, x, Ctx::Other),
                }
            }
            w.end_obj();
        }
        Value::Array(a) => {
            let inner = if ctx == Ctx::MediaList {
                Ctx::Media
            } else {
                Ctx::Other
            };
            w.begin_arr();
            for x in a {
                w.item();
                walk(w, x, inner);
            }
            w.end_arr();
        }
        _ => w.value(v),
    }
}

fn http(url: &str) -> String {
    match url.strip_prefix("https://") {
        Some(rest) => format!("http://{rest}"),
        None => url.to_string(),
    }
}

fn or_null<T: Into<Value>>(x: Option<T>) -> Value {
    x.map(Into::into).unwrap_or(Value::Null)
}

/// A v1.1 user object.
pub(crate) fn user(u: Option<&UserRec>, id: u64) -> Value {
    let Some(u) = u else {
        return json!({"id": id, "id_str": id.to_string(), "name": "", "screen_name": ""});
    };
    let m = u.metrics.unwrap_or_default();
    let mut o = json!({
        "id": u.id,
        "id_str": u.id.to_string(),
        "name": u.name,
        "screen_name": u.username,
        "location": or_null(u.location.clone()),
        "description": or_null(u.description.clone()),
        "url": or_null(u.url.clone().filter(|x| !x.is_empty())),
        "entities": user_entities(u.entities.as_ref()),
        "protected": u.protected.unwrap_or(false),
        "followers_count": m.followers_count,
        "friends_count": m.following_count,
        "listed_count": m.listed_count,
        "created_at": u.created_ms.map(time::fmt_v1).unwrap_or_else(|| time::fmt_v1(TWEPOCH)),
        "favourites_count": m.like_count.unwrap_or(0),
        "utc_offset": null,
        "time_zone": null,
        "geo_enabled": false,
        "verified": u.verified.unwrap_or(false),
        "statuses_count": m.tweet_count,
        "lang": null,
        "contributors_enabled": false,
        "is_translator": false,
        "profile_image_url": or_null(u.profile_image_url.as_deref().map(http)),
        "profile_image_url_https": or_null(u.profile_image_url.clone()),
        "default_profile": true,
        "default_profile_image": u.profile_image_url.is_none(),
        "following": null,
        "follow_request_sent": null,
        "notifications": null,
    });
    if let Some(b) = &u.profile_banner_url {
        o["profile_banner_url"] = b.clone().into();
    }
    if let Some(codes) = u.withheld.as_ref().and_then(|w| w.get("country_codes")) {
        o["withheld_in_countries"] = codes.clone();
    }
    o
}

/// v2 user entities → v1 (`indices`).
fn user_entities(e: Option<&Value>) -> Value {
    let conv = |part: &str| -> Value {
        let urls: Vec<Value> = e
            .and_then(|e| e.get(part)?.get("urls")?.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|u| {
                let st = u.get("start")?.as_u64()?;
                let en = u.get("end")?.as_u64()?;
                let url = u.get("url")?.as_str()?;
                Some(json!({
                    "url": url,
                    "expanded_url": u.get("expanded_url").cloned().unwrap_or_else(|| url.into()),
                    "display_url": u.get("display_url").cloned().unwrap_or_else(|| url.into()),
                    "indices": [st, en],
                }))
            })
            .collect();
        json!({ "urls": urls })
    };
    let mut o = json!({"description": conv("description")});
    if e.and_then(|e| e.get("url")).is_some() {
        o["url"] = conv("url");
    }
    o
}

/// A v1.1 place object.
fn place(p: &PlaceRec) -> Value {
    json!({
        "id": p.id,
        "url": format!("https://api.twitter.com/1.1/geo/id/{}.json", p.id),
        "place_type": p.place_type.clone().unwrap_or_else(|| "unknown".into()),
        "name": p.name.clone().unwrap_or_else(|| p.full_name.clone()),
        "full_name": p.full_name,
        "country_code": p.country_code.clone().unwrap_or_default(),
        "country": p.country.clone().unwrap_or_default(),
        "contained_within": [],
        "bounding_box": p.bbox.map(|[w, s, e, n]| json!({
            "type": "Polygon",
            "coordinates": [[[w, s], [e, s], [e, n], [w, n]]],
        })),
        "attributes": {},
    })
}

fn size(w: u64, h: u64, max: u64) -> Value {
    let big = w.max(h);
    let scale = |x: u64| (u128::from(x) * u128::from(max) / u128::from(big.max(1))) as u64;
    let (w2, h2) = if big > max {
        (scale(w), scale(h))
    } else {
        (w, h)
    };
    json!({"w": w2, "h": h2, "resize": "fit"})
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A v1.1 media entity.
fn media_entity(m: &MediaRec, link: Option<&UrlEnt>, n: u32, author: &str, tweet_id: u64) -> Value {
    let id = m.numeric_id();
    let https = m
        .url
        .clone()
        .or_else(|| m.preview_image_url.clone())
        .unwrap_or_default();
    let (w, h) = (m.width.unwrap_or(1200), m.height.unwrap_or(800));
    let kind_path = if m.kind == "photo" { "photo" } else { "video" };
    let (url, display, expanded, indices) = match link {
        Some(l) => (
            l.url.clone(),
            l.display_url.clone().unwrap_or_else(|| l.url.clone()),
            l.expanded_url.clone().unwrap_or_else(|| l.url.clone()),
            [l.start, l.end],
        ),
        None => (
            String::new(),
            String::new(),
            format!("https://twitter.com/{author}/status/{tweet_id}/{kind_path}/1"),
            [n, n],
        ),
    };
    let mut o = json!({
        "id": id,
        "id_str": id.to_string(),
        "indices": indices,
        "media_url": http(&https),
        "media_url_https": https,
        "url": url,
        "display_url": display,
        "expanded_url": expanded,
        "type": m.kind,
        "sizes": {
            "thumb": {"w": 150, "h": 150, "resize": "crop"},
            "small": size(w, h, 680),
            "medium": size(w, h, 1200),
            "large": size(w, h, 2048),
        },
    });
    if let Some(alt) = &m.alt_text {
        o["ext_alt_text"] = alt.clone().into();
    }
    if m.kind != "photo" {
        let g = gcd(w, h).max(1);
        let variants: Vec<Value> = m
            .variants
            .as_ref()
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| {
                        let mut o = json!({
                            "content_type": v.get("content_type").cloned().unwrap_or(Value::Null),
                            "url": v.get("url").cloned().unwrap_or(Value::Null),
                        });
                        if let Some(br) = v.get("bit_rate") {
                            o["bitrate"] = br.clone();
                        }
                        o
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut vi = json!({"aspect_ratio": [w / g, h / g], "variants": variants});
        if let Some(d) = m.duration_ms {
            vi["duration_millis"] = d.into();
        }
        o["video_info"] = vi;
    }
    o
}

/// Whether a URL entity is the link of attached media.
fn is_media_link(u: &UrlEnt) -> bool {
    u.media_key.is_some()
        || u.display_url
            .as_deref()
            .is_some_and(|d| d.starts_with("pic.twitter.com/") || d.starts_with("pic.x.com/"))
}

/// v1.1 `entities` (+ `extended_entities`) of a text, keeping entities that end at or before
/// `limit` characters.
fn entities(c: &Corpus, t: &TweetRec, limit: u32, n: u32) -> (Value, Option<Value>) {
    let e = &t.entities;
    let tag = |h: &super::model::TagEnt| json!({"text": h.tag, "indices": [h.start, h.end]});
    let hashtags: Vec<Value> = e
        .hashtags
        .iter()
        .filter(|h| h.end <= limit)
        .map(tag)
        .collect();
    let symbols: Vec<Value> = e
        .cashtags
        .iter()
        .filter(|h| h.end <= limit)
        .map(tag)
        .collect();
    let mentions: Vec<Value> = e
        .mentions
        .iter()
        .filter(|m| m.end <= limit)
        .map(|m| {
            let u = m.id.and_then(|id| c.user(id)).or_else(|| {
                c.user_index_by_name(&m.username)
                    .and_then(|i| c.users.get(i as usize))
            });
            let id = m.id.or(u.map(|u| u.id)).unwrap_or(0);
            json!({
                "screen_name": m.username,
                "name": u.map(|u| u.name.clone()).unwrap_or_else(|| m.username.clone()),
                "id": id,
                "id_str": id.to_string(),
                "indices": [m.start, m.end],
            })
        })
        .collect();
    let urls: Vec<Value> = e
        .urls
        .iter()
        .filter(|u| u.end <= limit && !is_media_link(u))
        .map(|u| {
            json!({
                "url": u.url,
                "expanded_url": u.expanded_url.clone().unwrap_or_else(|| u.url.clone()),
                "display_url": u.display_url.clone().unwrap_or_else(|| u.url.clone()),
                "indices": [u.start, u.end],
            })
        })
        .collect();
    let mut out = json!({
        "hashtags": hashtags,
        "urls": urls,
        "user_mentions": mentions,
        "symbols": symbols,
    });
    let link = e.urls.iter().find(|u| is_media_link(u));
    let author = c
        .user(t.author_id)
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let media: Vec<Value> = t
        .media_keys
        .iter()
        .filter_map(|k| c.media(k))
        .map(|m| media_entity(m, link.filter(|l| l.end <= limit), n, &author, t.id))
        .collect();
    let ext = if media.is_empty() {
        None
    } else {
        out["media"] = Value::Array(media.first().cloned().into_iter().collect());
        Some(json!({ "media": media }))
    };
    if !t.poll_ids.is_empty() {
        let polls: Vec<Value> = t
            .poll_ids
            .iter()
            .filter_map(|id| c.poll_index(*id).and_then(|i| c.polls.get(i as usize)))
            .map(|p| {
                json!({
                    "options": p.options.iter().map(|(pos, label, _)| json!({"position": pos, "text": label})).collect::<Vec<_>>(),
                    "end_datetime": p.end_ms.map(time::fmt_v1),
                    "duration_minutes": p.duration_minutes,
                })
            })
            .collect();
        if !polls.is_empty() {
            out["polls"] = Value::Array(polls);
        }
    }
    (out, ext)
}

/// Characters of `text` before char index `n`.
fn prefix(text: &str, n: u32) -> &str {
    match text.char_indices().nth(n as usize) {
        Some((b, _)) => text.get(..b).unwrap_or(text),
        None => text,
    }
}

/// A best-effort v1.1 status for a tweet of the model. `top`: the streamed object (gets
/// `filter_level` and `timestamp_ms`); nested statuses are built up to `depth` 2.
pub(crate) fn status(c: &Corpus, t: &TweetRec, top: bool, depth: u32) -> Value {
    let n = t.text.chars().count() as u32;
    let is_rt = t.ref_of(RefKind::Retweeted).is_some();
    let created = t
        .created_ms
        .or_else(|| snowflake_ms(t.id))
        .unwrap_or(TWEPOCH);
    let reply_to = t.ref_of(RefKind::RepliedTo);
    let quoted = t.ref_of(RefKind::Quoted);
    let source = t
        .source_html
        .clone()
        .or_else(|| t.source.as_deref().map(source_html))
        .unwrap_or_else(|| "web".into());
    let author = c.user(t.author_id);

    // Compatibility mode for texts over 140 characters (not retweets).
    let compat = !is_rt && n > 140;
    let cut = if compat {
        let mut cut = 139;
        for (s, e) in entity_spans(t) {
            if s < cut && e > cut {
                cut = s;
            }
        }
        cut
    } else {
        n
    };
    let (ents, ext_ents) = entities(c, t, cut, n);
    let mut o = Map::new();
    o.insert("created_at".into(), time::fmt_v1(created).into());
    o.insert("id".into(), t.id.into());
    o.insert("id_str".into(), t.id.to_string().into());
    if compat {
        let short = prefix(&t.text, cut).trim_end();
        o.insert("text".into(), format!("{short}…").into());
    } else {
        o.insert("text".into(), t.text.clone().into());
        if let Some([a, b]) = t.display_text_range {
            o.insert("display_text_range".into(), json!([a, b]));
        }
    }
    o.insert("source".into(), source.into());
    o.insert("truncated".into(), compat.into());
    o.insert("in_reply_to_status_id".into(), or_null(reply_to));
    o.insert(
        "in_reply_to_status_id_str".into(),
        or_null(reply_to.map(|r| r.to_string())),
    );
    o.insert("in_reply_to_user_id".into(), or_null(t.in_reply_to_user_id));
    o.insert(
        "in_reply_to_user_id_str".into(),
        or_null(t.in_reply_to_user_id.map(|r| r.to_string())),
    );
    let reply_name = t.in_reply_to_screen_name.clone().or_else(|| {
        t.in_reply_to_user_id
            .and_then(|u| c.user(u))
            .map(|u| u.username.clone())
    });
    o.insert("in_reply_to_screen_name".into(), or_null(reply_name));
    o.insert("user".into(), user(author, t.author_id));
    o.insert(
        "geo".into(),
        or_null(
            t.coordinates
                .map(|[lon, lat]| json!({"type": "Point", "coordinates": [lat, lon]})),
        ),
    );
    o.insert(
        "coordinates".into(),
        or_null(
            t.coordinates
                .map(|[lon, lat]| json!({"type": "Point", "coordinates": [lon, lat]})),
        ),
    );
    o.insert(
        "place".into(),
        or_null(t.place_id.as_deref().and_then(|p| c.place(p)).map(place)),
    );
    o.insert("contributors".into(), Value::Null);
    if is_rt {
        if let Some(rt) = t.ref_of(RefKind::Retweeted).and_then(|id| c.tweet(id)) {
            if depth < 2 {
                o.insert("retweeted_status".into(), status(c, rt, false, depth + 1));
            }
        }
    }
    o.insert("is_quote_status".into(), quoted.is_some().into());
    if let Some(q) = quoted {
        o.insert("quoted_status_id".into(), q.into());
        o.insert("quoted_status_id_str".into(), q.to_string().into());
        if let Some(qt) = c.tweet(q) {
            if depth < 2 {
                o.insert("quoted_status".into(), status(c, qt, false, depth + 1));
            }
        }
    }
    let m = t.metrics.unwrap_or_default();
    o.insert("quote_count".into(), m.quote_count.into());
    o.insert("reply_count".into(), m.reply_count.into());
    o.insert("retweet_count".into(), m.retweet_count.into());
    o.insert("favorite_count".into(), m.like_count.into());
    o.insert("entities".into(), ents);
    if let Some(x) = &ext_ents {
        if !compat {
            o.insert("extended_entities".into(), x.clone());
        }
    }
    if compat {
        let (full, _) = entities(c, t, n, n);
        let mut et = json!({
            "full_text": t.text,
            "display_text_range": t.display_text_range.map(|[a, b]| json!([a, b])).unwrap_or_else(|| json!([0, n])),
            "entities": full,
        });
        if let Some(x) = ext_ents {
            et["extended_entities"] = x;
        }
        o.insert("extended_tweet".into(), et);
    }
    o.insert("favorited".into(), false.into());
    o.insert("retweeted".into(), false.into());
    if let Some(p) = t.possibly_sensitive {
        o.insert("possibly_sensitive".into(), p.into());
    }
    if let Some(w) = &t.withheld {
        if let Some(codes) = w.get("country_codes") {
            o.insert("withheld_in_countries".into(), codes.clone());
        }
        if let Some(cp) = w.get("copyright") {
            o.insert("withheld_copyright".into(), cp.clone());
        }
    }
    if top {
        o.insert(
            "filter_level".into(),
            t.filter_level
                .clone()
                .unwrap_or_else(|| "low".into())
                .into(),
        );
    }
    o.insert(
        "lang".into(),
        t.lang.clone().unwrap_or_else(|| "und".into()).into(),
    );
    if top {
        o.insert("timestamp_ms".into(), created.to_string().into());
    }
    Value::Object(o)
}

fn entity_spans(t: &TweetRec) -> Vec<(u32, u32)> {
    let e = &t.entities;
    e.hashtags
        .iter()
        .chain(e.cashtags.iter())
        .map(|h| (h.start, h.end))
        .chain(e.mentions.iter().map(|m| (m.start, m.end)))
        .chain(e.urls.iter().map(|u| (u.start, u.end)))
        .collect()
}
