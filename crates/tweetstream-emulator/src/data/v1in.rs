//! v1.1 status JSON → the normalised model (§2.3 → §6, mapping of §7).

use serde_json::{json, Value};

use super::model::{
    Corpus, EditControls, Entities, MediaRec, MentionEnt, PlaceRec, RefKind, TagEnt, TweetMetrics,
    TweetRec, UrlEnt, UserMetrics, UserRec,
};
use super::time;
use super::val::{
    arr, as_id, b, clean_uri, count, country_code, fix_username, id_field, nchars, ne, obj, point,
    s, sanitize_user_entities, source_name, span, valid_username, Obj,
};

/// Maximum nesting followed through `retweeted_status` / `quoted_status`.
const MAX_DEPTH: u32 = 3;

/// Place types of the v2 schema.
pub(crate) const PLACE_TYPES: &[&str] =
    &["poi", "neighborhood", "city", "admin", "country", "unknown"];

/// Whether a JSON object looks like a v1.1 status.
pub(crate) fn is_status(o: &Obj) -> bool {
    id_field(o, "id").is_some()
        && (o.get("text").is_some_and(Value::is_string)
            || o.get("full_text").is_some_and(Value::is_string))
        && o.get("user").is_some_and(Value::is_object)
}

/// Convert a v1.1 user object (full profile).
pub(crate) fn user(u: &Obj) -> Option<UserRec> {
    let id = id_field(u, "id")?;
    let screen = s(u, "screen_name").unwrap_or("");
    let username = fix_username(screen, id);
    let name = s(u, "name").unwrap_or(&username).to_string();
    let metrics = UserMetrics {
        followers_count: count(u, "followers_count").unwrap_or(0),
        following_count: count(u, "friends_count").unwrap_or(0),
        tweet_count: count(u, "statuses_count").unwrap_or(0),
        listed_count: count(u, "listed_count").unwrap_or(0),
        like_count: count(u, "favourites_count"),
    };
    let entities = obj(u, "entities").and_then(user_entities);
    let withheld = withheld(u, "user");
    Some(UserRec {
        id,
        name,
        username,
        created_ms: s(u, "created_at").and_then(time::parse_v1),
        description: Some(s(u, "description").unwrap_or("").to_string()),
        location: ne(u, "location").map(str::to_string),
        url: Some(ne(u, "url").and_then(clean_uri).unwrap_or_default()),
        protected: Some(b(u, "protected").unwrap_or(false)),
        verified: Some(b(u, "verified").unwrap_or(false)),
        verified_type: None,
        profile_image_url: ne(u, "profile_image_url_https")
            .or_else(|| ne(u, "profile_image_url"))
            .and_then(clean_uri),
        profile_banner_url: ne(u, "profile_banner_url").and_then(clean_uri),
        metrics: Some(metrics),
        pinned_tweet_id: None,
        entities,
        withheld,
        extra: Vec::new(),
        completeness: 1,
    })
}

/// v1 user `entities` {url:{urls}, description:{urls}} → v2 form (`start`/`end`).
fn user_entities(e: &Obj) -> Option<Value> {
    let mut out = serde_json::Map::new();
    for part in ["url", "description"] {
        let Some(p) = obj(e, part) else { continue };
        let urls: Vec<Value> = arr(p, "urls")
            .iter()
            .filter_map(|u| {
                let u = u.as_object()?;
                let url = ne(u, "url").and_then(clean_uri)?;
                let (st, en) = span(u.get("indices"), usize::MAX)?;
                let mut m = json!({"start": st, "end": en, "url": url});
                if let Some(x) = ne(u, "expanded_url").and_then(clean_uri) {
                    m["expanded_url"] = x.into();
                }
                if let Some(x) = ne(u, "display_url") {
                    m["display_url"] = x.into();
                }
                Some(m)
            })
            .collect();
        if !urls.is_empty() {
            out.insert(part.to_string(), json!({ "urls": urls }));
        }
    }
    (!out.is_empty())
        .then_some(Value::Object(out))
        .and_then(|v| sanitize_user_entities(&v))
}

/// `withheld_in_countries` → v2 `withheld`.
fn withheld(o: &Obj, default_scope: &str) -> Option<Value> {
    let mut codes: Vec<String> = Vec::new();
    for c in arr(o, "withheld_in_countries") {
        if let Some(cc) = c.as_str().and_then(country_code) {
            if !codes.contains(&cc) {
                codes.push(cc);
            }
        }
    }
    if codes.is_empty() {
        return None;
    }
    let scope = match s(o, "withheld_scope") {
        Some("tweet") => "tweet",
        Some("user") => "user",
        _ => default_scope,
    };
    if default_scope == "user" {
        Some(json!({"country_codes": codes, "scope": "user"}))
    } else {
        Some(json!({
            "copyright": b(o, "withheld_copyright").unwrap_or(false),
            "country_codes": codes,
            "scope": scope,
        }))
    }
}

/// A v1.1 place → the place model.
pub(crate) fn place(p: &Obj) -> Option<PlaceRec> {
    let id = ne(p, "id")?.to_string();
    let full_name = s(p, "full_name").or_else(|| s(p, "name"))?.to_string();
    let bbox = obj(p, "bounding_box").and_then(|bb| bbox_of(bb.get("coordinates")));
    let contained: Vec<String> = arr(p, "contained_within")
        .iter()
        .filter_map(|c| c.as_object().and_then(|c| ne(c, "id")).map(str::to_string))
        .collect();
    Some(PlaceRec {
        id,
        full_name,
        name: s(p, "name").map(str::to_string),
        country: s(p, "country").map(str::to_string),
        country_code: s(p, "country_code").and_then(country_code),
        place_type: s(p, "place_type")
            .filter(|t| PLACE_TYPES.contains(t))
            .map(str::to_string),
        bbox,
        contained_within: (!contained.is_empty()).then_some(contained),
        extra: Vec::new(),
    })
}

/// Envelope `[w, s, e, n]` of a GeoJSON Polygon's coordinates.
fn bbox_of(coords: Option<&Value>) -> Option<[f64; 4]> {
    let mut bb = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut any = false;
    for ring in coords?.as_array()? {
        for pt in ring.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            if let Some([lon, lat]) = point(Some(pt)) {
                bb = [
                    bb[0].min(lon),
                    bb[1].min(lat),
                    bb[2].max(lon),
                    bb[3].max(lat),
                ];
                any = true;
            }
        }
    }
    any.then_some(bb)
}

/// The v2 media key prefix of a v1.1 media `type`.
fn media_prefix(kind: &str) -> &'static str {
    match kind {
        "video" => "7",
        "animated_gif" => "16",
        _ => "3",
    }
}

/// A v1.1 media entity → the media model.
fn media(m: &Obj) -> Option<MediaRec> {
    let id = id_field(m, "id")?;
    let kind = match s(m, "type") {
        Some("video") => "video",
        Some("animated_gif") => "animated_gif",
        _ => "photo",
    };
    let media_url = ne(m, "media_url_https")
        .or_else(|| ne(m, "media_url"))
        .and_then(clean_uri);
    let (w, h) = obj(m, "original_info")
        .map(|o| (count(o, "width"), count(o, "height")))
        .filter(|(w, h)| w.is_some() && h.is_some())
        .or_else(|| {
            let l = obj(m, "sizes").and_then(|sz| obj(sz, "large"))?;
            Some((count(l, "w"), count(l, "h")))
        })
        .unwrap_or((None, None));
    let vi = obj(m, "video_info");
    let variants: Option<Value> = vi.map(|vi| {
        Value::Array(
            arr(vi, "variants")
                .iter()
                .filter_map(|v| {
                    let v = v.as_object()?;
                    let url = ne(v, "url").and_then(clean_uri)?;
                    let mut o = json!({"url": url});
                    if let Some(br) = count(v, "bitrate") {
                        o["bit_rate"] = br.into();
                    }
                    if let Some(ct) = s(v, "content_type") {
                        o["content_type"] = ct.into();
                    }
                    Some(o)
                })
                .collect(),
        )
    });
    let photo = kind == "photo";
    Some(MediaRec {
        key: format!("{}_{id}", media_prefix(kind)),
        kind: kind.to_string(),
        url: if photo { media_url.clone() } else { None },
        preview_image_url: if photo { None } else { media_url },
        width: w,
        height: h,
        duration_ms: vi.and_then(|vi| count(vi, "duration_millis")),
        alt_text: ne(m, "ext_alt_text").map(str::to_string),
        view_count: None,
        variants,
        extra: Vec::new(),
    })
}

fn tags(list: &[Value], n: usize) -> Vec<TagEnt> {
    list.iter()
        .filter_map(|h| {
            let h = h.as_object()?;
            let (start, end) = span(h.get("indices"), n)?;
            Some(TagEnt {
                start,
                end,
                tag: s(h, "text")?.to_string(),
            })
        })
        .collect()
}

/// Convert the entities of a text (`ents`: v1 `entities`, `ext`: `extended_entities`) and
/// register mentioned users and media in the corpus.
fn entities(
    c: &mut Corpus,
    ents: Option<&Obj>,
    ext: Option<&Obj>,
    n: usize,
    media_keys: &mut Vec<String>,
) -> Entities {
    let mut out = Entities::default();
    let Some(e) = ents else {
        return out;
    };
    out.hashtags = tags(arr(e, "hashtags"), n);
    out.cashtags = tags(arr(e, "symbols"), n);
    for m in arr(e, "user_mentions") {
        let Some(m) = m.as_object() else { continue };
        let Some((start, end)) = span(m.get("indices"), n) else {
            continue;
        };
        let Some(screen) = s(m, "screen_name").filter(|x| valid_username(x)) else {
            continue;
        };
        let id = id_field(m, "id");
        if let (Some(id), Some(name)) = (id, s(m, "name")) {
            c.add_user(UserRec {
                id,
                name: name.to_string(),
                username: screen.to_string(),
                ..UserRec::default()
            });
        }
        out.mentions.push(MentionEnt {
            start,
            end,
            username: screen.to_string(),
            id,
        });
    }
    for u in arr(e, "urls") {
        if let Some(ent) = url_ent(u, n, None) {
            out.urls.push(ent);
        }
    }
    let media_list = ext
        .map(|x| arr(x, "media"))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| arr(e, "media"));
    for m in media_list {
        let Some(mo) = m.as_object() else { continue };
        let Some(rec) = media(mo) else { continue };
        let key = rec.key.clone();
        c.add_media(rec);
        if !media_keys.contains(&key) {
            media_keys.push(key.clone());
        }
        if let Some(ent) = url_ent(m, n, Some(key)) {
            if !out
                .urls
                .iter()
                .any(|u| u.start == ent.start && u.end == ent.end)
            {
                out.urls.push(ent);
            }
        }
    }
    out.urls.sort_by_key(|u| u.start);
    out
}

fn url_ent(u: &Value, n: usize, media_key: Option<String>) -> Option<UrlEnt> {
    let u = u.as_object()?;
    let (start, end) = span(u.get("indices"), n)?;
    Some(UrlEnt {
        start,
        end,
        url: ne(u, "url").and_then(clean_uri)?,
        expanded_url: ne(u, "expanded_url").and_then(clean_uri),
        display_url: ne(u, "display_url").map(str::to_string),
        media_key,
        extra: Vec::new(),
    })
}

/// Add a v1.1 status (and everything it embeds) to the corpus. `base`: a top-level status of
/// the input, part of the replayed sequence. Returns the tweet's index in the corpus.
pub(crate) fn ingest(c: &mut Corpus, o: &Obj, base: bool, depth: u32) -> Option<u32> {
    if !is_status(o) {
        return None;
    }
    let id = id_field(o, "id")?;
    let author = user(obj(o, "user")?)?;
    let author_id = author.id;
    c.add_user(author);

    let mut refs = Vec::new();
    let rt_obj = obj(o, "retweeted_status");
    if let Some(rt) = rt_obj {
        let rt_id = if depth < MAX_DEPTH {
            ingest(c, rt, false, depth + 1)
                .and_then(|i| c.tweets.get(i as usize))
                .map(|t| t.id)
        } else {
            id_field(rt, "id")
        };
        if let Some(rt_id) = rt_id {
            refs.push((RefKind::Retweeted, rt_id));
        }
    }
    let is_rt = !refs.is_empty();
    if !is_rt {
        let mut quoted = id_field(o, "quoted_status_id");
        if let Some(q) = obj(o, "quoted_status") {
            let qid = if depth < MAX_DEPTH {
                ingest(c, q, false, depth + 1)
                    .and_then(|i| c.tweets.get(i as usize))
                    .map(|t| t.id)
            } else {
                id_field(q, "id")
            };
            quoted = quoted.or(qid);
        }
        if let Some(q) = quoted {
            refs.push((RefKind::Quoted, q));
        }
        if let Some(r) = id_field(o, "in_reply_to_status_id") {
            refs.push((RefKind::RepliedTo, r));
        }
    }

    let ext = if is_rt {
        None
    } else {
        obj(o, "extended_tweet")
    };
    let (text, ents, ext_ents, dtr) = match ext.and_then(|e| s(e, "full_text").map(|t| (e, t))) {
        Some((e, t)) => (
            t,
            obj(e, "entities"),
            obj(e, "extended_entities"),
            e.get("display_text_range"),
        ),
        None => (
            s(o, "full_text").or_else(|| s(o, "text")).unwrap_or(""),
            obj(o, "entities"),
            obj(o, "extended_entities"),
            o.get("display_text_range"),
        ),
    };
    let n = nchars(text);
    let mut media_keys = Vec::new();
    let entities = entities(c, ents, ext_ents, n, &mut media_keys);

    let place_id = obj(o, "place").and_then(place).map(|p| {
        let id = p.id.clone();
        c.add_place(p);
        id
    });
    let coordinates = obj(o, "coordinates").and_then(|co| point(co.get("coordinates")));
    let created_ms = s(o, "created_at").and_then(time::parse_v1);
    let source_html = s(o, "source").map(str::to_string);
    let edit_history: Vec<u64> = obj(o, "edit_history")
        .map(|e| {
            arr(e, "edit_tweet_ids")
                .iter()
                .filter_map(|v| as_id(Some(v)))
                .collect()
        })
        .unwrap_or_default();
    let edit_controls = match obj(o, "edit_controls") {
        Some(ec) => Some(EditControls {
            is_edit_eligible: b(ec, "is_edit_eligible").unwrap_or(false),
            editable_until_ms: count(ec, "editable_until_ms")
                .map(|x| x.min(i64::MAX as u64) as i64)
                .or_else(|| created_ms.map(|c| c.saturating_add(1_800_000)))
                .unwrap_or(0),
            edits_remaining: count(ec, "edits_remaining").unwrap_or(5),
        }),
        None => created_ms.map(|ms| EditControls {
            // Editing exists since 2022-09; older and retweets are not editable.
            is_edit_eligible: !is_rt && ms >= 1_661_990_400_000,
            editable_until_ms: ms.saturating_add(1_800_000),
            edits_remaining: 5,
        }),
    };

    let t = TweetRec {
        id,
        text: text.to_string(),
        author_id,
        created_ms,
        conversation_id: None,
        in_reply_to_user_id: if is_rt {
            None
        } else {
            id_field(o, "in_reply_to_user_id")
        },
        in_reply_to_screen_name: if is_rt {
            None
        } else {
            ne(o, "in_reply_to_screen_name").map(str::to_string)
        },
        refs,
        entities,
        media_keys,
        poll_ids: Vec::new(),
        place_id,
        coordinates,
        lang: ne(o, "lang").map(str::to_string),
        possibly_sensitive: Some(b(o, "possibly_sensitive").unwrap_or(false)),
        metrics: Some(TweetMetrics {
            retweet_count: count(o, "retweet_count").unwrap_or(0),
            reply_count: count(o, "reply_count").unwrap_or(0),
            like_count: count(o, "favorite_count").unwrap_or(0),
            quote_count: count(o, "quote_count").unwrap_or(0),
            impression_count: 0,
            bookmark_count: 0,
        }),
        source: source_html.as_deref().map(source_name),
        source_html,
        reply_settings: Some("everyone".to_string()),
        display_text_range: span(dtr, n).map(|(a, b)| [a, b]),
        edit_history,
        edit_controls,
        withheld: withheld(o, "tweet"),
        filter_level: ne(o, "filter_level").map(str::to_string),
        extra: Vec::new(),
    };
    Some(c.add_tweet(t, base || depth == 0, base))
}
