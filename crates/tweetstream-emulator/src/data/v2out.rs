//! v2 payload rendering (§4.3, §6) with per-base-tweet templates.

use std::collections::HashMap;

use super::json::{push_json_str, Template, W};
use super::model::{Corpus, MediaRec, PlaceRec, PollRec, TweetRec, UserRec};
use super::shape::Shape;
use super::source::Tweet;
use super::time;
use super::val::valid_username;

/// One rule that matched, for `matching_rules`.
#[derive(Clone, Copy, Debug)]
pub struct MatchedRule<'a> {
    /// The rule id (a decimal string, 1–19 digits).
    pub id: &'a str,
    /// The rule tag (`""` when the rule has none).
    pub tag: &'a str,
}

/// Renders v2 stream payloads for one shape; caches per-base-tweet templates so that
/// rendering the same base tweet again (another loop) only splices ids.
///
/// Each cached template is the payload without `matching_rules` (about the payload's size per
/// distinct base tweet rendered so far). The cache holds at most [`V2Renderer::CACHE_BUDGET`]
/// bytes (see [`V2Renderer::with_cache_budget`]); tweets beyond it are rendered from scratch
/// each time (tens of microseconds instead of well under one).
pub struct V2Renderer {
    shape: Shape,
    source_uid: u64,
    cache: Vec<Option<Box<Cached>>>,
    cached_bytes: usize,
    budget: usize,
}

struct Cached {
    /// `{"data":{…}` plus `,"includes":{…}` when there are includes.
    head: Template,
    /// `,"errors":[…]` (partial-hydration problems) or empty.
    tail: Vec<u8>,
}

impl V2Renderer {
    /// A renderer for payloads of the given shape.
    pub fn new(shape: Shape) -> V2Renderer {
        V2Renderer::with_cache_budget(shape, Self::CACHE_BUDGET)
    }

    /// A renderer keeping at most `bytes` of templates (0 = no caching).
    pub fn with_cache_budget(shape: Shape, bytes: usize) -> V2Renderer {
        V2Renderer {
            shape,
            source_uid: u64::MAX,
            cache: Vec::new(),
            cached_bytes: 0,
            budget: bytes,
        }
    }

    /// Default for the most bytes of templates one renderer keeps (64 MiB).
    pub const CACHE_BUDGET: usize = 64 << 20;

    /// The shape this renderer produces.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Append one payload `{"data":{…},"includes":{…},"matching_rules":[…]}` (no trailing CRLF).
    /// Fields not asked for are absent, null fields omitted; `includes` only for requested
    /// expansions; `matching_rules` omitted when `rules` is None (sample/firehose streams),
    /// present (possibly empty) otherwise. Expansions that point at objects the source does not
    /// have add X's partial `errors` entries (`resource-not-found`) after `matching_rules`.
    pub fn write(
        &mut self,
        tweet: &Tweet<'_>,
        rules: Option<&[MatchedRule<'_>]>,
        out: &mut Vec<u8>,
    ) {
        let src = tweet.inner();
        if self.source_uid != src.uid {
            self.cache.clear();
            self.cached_bytes = 0;
            self.source_uid = src.uid;
        }
        let n = src.base.len();
        if self.cache.len() < n {
            self.cache.resize_with(n, || None);
        }
        let Some(entry) = self.cache.get_mut(tweet.base_index()) else {
            return;
        };
        let fresh;
        let cached: &Cached = match entry {
            Some(c) => c,
            None => {
                let ti = tweet.base_rec().map(|b| b.tweet).unwrap_or(u32::MAX);
                let (head, tail) = build(&src.corpus, &src.ranks, ti, &self.shape);
                let c = Box::new(Cached { head, tail });
                let size = c.head.len_hint() + c.tail.len();
                if self.cached_bytes + size <= self.budget {
                    self.cached_bytes += size;
                    entry.insert(c)
                } else {
                    fresh = c;
                    &fresh
                }
            }
        };
        out.reserve(cached.head.len_hint() + cached.tail.len() + 64);
        cached.head.write(&src.ren, tweet.loop_index(), out);
        if let Some(rules) = rules {
            out.extend_from_slice(b",\"matching_rules\":[");
            for (i, r) in rules.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"id\":");
                push_json_str(out, r.id);
                out.extend_from_slice(b",\"tag\":");
                push_json_str(out, r.tag);
                out.push(b'}');
            }
            out.push(b']');
        }
        out.extend_from_slice(&cached.tail);
        out.push(b'}');
    }
}

/// A missing object for the `errors` array.
struct NotFound {
    kind: &'static str,
    param: &'static str,
    value: String,
}

#[derive(Default)]
struct Includes {
    users: Vec<u32>,
    tweets: Vec<u32>,
    media: Vec<u32>,
    places: Vec<u32>,
    polls: Vec<u32>,
    errors: Vec<NotFound>,
}

fn push_unique(v: &mut Vec<u32>, i: u32) {
    if !v.contains(&i) {
        v.push(i);
    }
}

impl Includes {
    fn missing(&mut self, kind: &'static str, param: &'static str, value: String) {
        if !self
            .errors
            .iter()
            .any(|e| e.kind == kind && e.param == param && e.value == value)
        {
            self.errors.push(NotFound { kind, param, value });
        }
    }

    fn user(&mut self, c: &Corpus, id: u64, param: &'static str) {
        match c.user_index(id) {
            Some(i) => push_unique(&mut self.users, i),
            None => self.missing("user", param, id.to_string()),
        }
    }

    fn media_of(&mut self, c: &Corpus, t: &TweetRec, param: &'static str) {
        for k in &t.media_keys {
            match c.media_index(k) {
                Some(i) => push_unique(&mut self.media, i),
                None => self.missing("media", param, k.clone()),
            }
        }
    }
}

fn collect(c: &Corpus, t: &TweetRec, shape: &Shape) -> Includes {
    let mut inc = Includes::default();
    if shape.expansion("author_id") && t.author_id != 0 {
        inc.user(c, t.author_id, "author_id");
    }
    if shape.expansion("referenced_tweets.id") {
        for &(_, id) in &t.refs {
            match c.tweet_index(id) {
                Some(i) => push_unique(&mut inc.tweets, i),
                None => inc.missing("tweet", "referenced_tweets.id", id.to_string()),
            }
        }
    }
    if shape.expansion("edit_history_tweet_ids") {
        for id in t.edit_history() {
            match c.tweet_index(id) {
                Some(i) => push_unique(&mut inc.tweets, i),
                None => inc.missing("tweet", "edit_history_tweet_ids", id.to_string()),
            }
        }
    }
    if shape.expansion("referenced_tweets.id.author_id") {
        for &(_, id) in &t.refs {
            if let Some(r) = c.tweet(id) {
                if r.author_id != 0 {
                    inc.user(c, r.author_id, "referenced_tweets.id.author_id");
                }
            }
        }
    }
    if shape.expansion("in_reply_to_user_id") {
        if let Some(u) = t.in_reply_to_user_id {
            inc.user(c, u, "in_reply_to_user_id");
        }
    }
    if shape.expansion("entities.mentions.username") {
        for m in &t.entities.mentions {
            match m
                .id
                .and_then(|id| c.user_index(id))
                .or_else(|| c.user_index_by_name(&m.username))
            {
                Some(i) => push_unique(&mut inc.users, i),
                None => inc.missing("user", "entities.mentions.username", m.username.clone()),
            }
        }
    }
    if shape.expansion("entities.note.mentions.username") {
        let note_mentions = t
            .extra
            .iter()
            .find(|(k, _)| k == "note_tweet")
            .and_then(|(_, v)| v.get("entities")?.get("mentions")?.as_array().cloned())
            .unwrap_or_default();
        for m in note_mentions {
            if let Some(name) = m.get("username").and_then(|u| u.as_str()) {
                match c.user_index_by_name(name) {
                    Some(i) => push_unique(&mut inc.users, i),
                    None => {
                        inc.missing("user", "entities.note.mentions.username", name.to_string())
                    }
                }
            }
        }
    }
    if shape.expansion("attachments.media_keys") {
        inc.media_of(c, t, "attachments.media_keys");
    }
    if shape.expansion("referenced_tweets.id.attachments.media_keys") {
        for &(_, id) in &t.refs {
            if let Some(r) = c.tweet(id) {
                inc.media_of(c, r, "referenced_tweets.id.attachments.media_keys");
            }
        }
    }
    if shape.expansion("attachments.poll_ids") {
        for &p in &t.poll_ids {
            if let Some(i) = c.poll_index(p) {
                if c.polls.get(i as usize).is_some_and(poll_ok) {
                    push_unique(&mut inc.polls, i);
                }
            }
        }
    }
    if shape.expansion("geo.place_id") {
        if let Some(i) = t.place_id.as_deref().and_then(|p| c.place_index(p)) {
            push_unique(&mut inc.places, i);
        }
    }
    inc
}

/// Build the cached parts of the payload of tweet `ti`.
pub(crate) fn build(
    c: &Corpus,
    ranks: &HashMap<u64, u32>,
    ti: u32,
    shape: &Shape,
) -> (Template, Vec<u8>) {
    let mut w = W::new(ranks);
    let Some(t) = c.tweets.get(ti as usize) else {
        w.raw(b"{\"data\":{}");
        return (w.finish(), Vec::new());
    };
    let inc = collect(c, t, shape);
    w.raw(b"{\"data\":");
    write_tweet(&mut w, t, shape);
    let any = !(inc.users.is_empty()
        && inc.tweets.is_empty()
        && inc.media.is_empty()
        && inc.places.is_empty()
        && inc.polls.is_empty());
    if any {
        w.raw(b",\"includes\":");
        w.begin_obj();
        if !inc.users.is_empty() {
            w.key("users");
            w.begin_arr();
            for &i in &inc.users {
                if let Some(u) = c.users.get(i as usize) {
                    w.item();
                    write_user(&mut w, u, shape);
                }
            }
            w.end_arr();
        }
        if !inc.tweets.is_empty() {
            w.key("tweets");
            w.begin_arr();
            for &i in &inc.tweets {
                if let Some(r) = c.tweets.get(i as usize) {
                    w.item();
                    write_tweet(&mut w, r, shape);
                }
            }
            w.end_arr();
        }
        if !inc.media.is_empty() {
            w.key("media");
            w.begin_arr();
            for &i in &inc.media {
                if let Some(m) = c.media.get(i as usize) {
                    w.item();
                    write_media(&mut w, m, shape);
                }
            }
            w.end_arr();
        }
        if !inc.places.is_empty() {
            w.key("places");
            w.begin_arr();
            for &i in &inc.places {
                if let Some(p) = c.places.get(i as usize) {
                    w.item();
                    write_place(&mut w, p, shape);
                }
            }
            w.end_arr();
        }
        if !inc.polls.is_empty() {
            w.key("polls");
            w.begin_arr();
            for &i in &inc.polls {
                if let Some(p) = c.polls.get(i as usize) {
                    w.item();
                    write_poll(&mut w, p, shape);
                }
            }
            w.end_arr();
        }
        w.end_obj();
    }
    let head = w.finish();
    let mut tail = Vec::new();
    if !inc.errors.is_empty() {
        tail.extend_from_slice(b",\"errors\":[");
        for (i, e) in inc.errors.iter().enumerate() {
            if i > 0 {
                tail.push(b',');
            }
            let v = serde_json::json!({
                "value": e.value,
                "detail": format!("Could not find {} with {}: [{}].", e.kind, e.param, e.value),
                "title": "Not Found Error",
                "resource_type": e.kind,
                "parameter": e.param,
                "resource_id": e.value,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            });
            if serde_json::to_writer(&mut tail, &v).is_err() {
                tail.extend_from_slice(b"{}");
            }
        }
        tail.push(b']');
    }
    (head, tail)
}

fn id_str(w: &mut W<'_>, id: u64) {
    w.str(&id.to_string());
}

pub(super) fn write_tweet(w: &mut W<'_>, t: &TweetRec, shape: &Shape) {
    let f = |n: &str| shape.tweet_field(n);
    w.begin_obj();
    w.key("id");
    w.tid_str(t.id);
    w.kv_str("text", &t.text);
    w.key("edit_history_tweet_ids");
    w.begin_arr();
    for id in t.edit_history() {
        w.item();
        w.tid_str(id);
    }
    w.end_arr();
    if f("author_id") && t.author_id != 0 {
        w.key("author_id");
        id_str(w, t.author_id);
    }
    if f("created_at") {
        if let Some(ms) = t.created_ms {
            w.kv_str("created_at", &time::fmt_iso(ms));
        }
    }
    if f("conversation_id") {
        if let Some(cid) = t.conversation_id {
            w.key("conversation_id");
            w.tid_str(cid);
        }
    }
    if f("in_reply_to_user_id") {
        if let Some(u) = t.in_reply_to_user_id {
            w.key("in_reply_to_user_id");
            id_str(w, u);
        }
    }
    if f("referenced_tweets") && !t.refs.is_empty() {
        w.key("referenced_tweets");
        w.begin_arr();
        for &(kind, id) in &t.refs {
            w.item();
            w.begin_obj();
            w.kv_str("type", kind.name());
            w.key("id");
            w.tid_str(id);
            w.end_obj();
        }
        w.end_arr();
    }
    if f("attachments") {
        let polls = &t.poll_ids;
        if !t.media_keys.is_empty() || !polls.is_empty() {
            w.key("attachments");
            w.begin_obj();
            if !t.media_keys.is_empty() {
                w.key("media_keys");
                w.begin_arr();
                for k in &t.media_keys {
                    w.item();
                    w.str(k);
                }
                w.end_arr();
            }
            if !polls.is_empty() {
                w.key("poll_ids");
                w.begin_arr();
                for &p in polls {
                    w.item();
                    id_str(w, p);
                }
                w.end_arr();
            }
            w.end_obj();
        }
    }
    if f("entities") {
        write_entities(w, t);
    }
    if f("geo") && (t.place_id.is_some() || t.coordinates.is_some()) {
        w.key("geo");
        w.begin_obj();
        if let Some([lon, lat]) = t.coordinates {
            w.key("coordinates");
            w.begin_obj();
            w.kv_str("type", "Point");
            w.key("coordinates");
            w.begin_arr();
            w.item();
            w.f64(lon);
            w.item();
            w.f64(lat);
            w.end_arr();
            w.end_obj();
        }
        if let Some(p) = &t.place_id {
            w.kv_str("place_id", p);
        }
        w.end_obj();
    }
    if f("lang") {
        if let Some(l) = &t.lang {
            w.kv_str("lang", l);
        }
    }
    if f("possibly_sensitive") {
        if let Some(p) = t.possibly_sensitive {
            w.kv_bool("possibly_sensitive", p);
        }
    }
    if f("public_metrics") {
        if let Some(m) = t.metrics {
            w.key("public_metrics");
            w.begin_obj();
            w.kv_u64("retweet_count", m.retweet_count);
            w.kv_u64("reply_count", m.reply_count);
            w.kv_u64("like_count", m.like_count);
            w.kv_u64("quote_count", m.quote_count);
            w.kv_u64("bookmark_count", m.bookmark_count);
            w.kv_u64("impression_count", m.impression_count);
            w.end_obj();
        }
    }
    if f("reply_settings") {
        // X's schema: enum everyone|mentionedUsers|following|other|subscribers|verified and
        // pattern ^[A-Za-z]{1,12}$ (which `mentionedUsers` does not fit; kept as X sends it).
        if let Some(r) = t.reply_settings.as_deref().filter(|r| {
            matches!(
                *r,
                "everyone" | "mentionedUsers" | "following" | "other" | "subscribers" | "verified"
            )
        }) {
            w.kv_str("reply_settings", r);
        }
    }
    if f("source") {
        if let Some(s) = &t.source {
            w.kv_str("source", s);
        }
    }
    if f("display_text_range") {
        if let Some([a, b]) = t.display_text_range {
            w.key("display_text_range");
            w.begin_arr();
            w.item();
            w.u64(a.into());
            w.item();
            w.u64(b.into());
            w.end_arr();
        }
    }
    if f("edit_controls") {
        if let Some(e) = t.edit_controls {
            w.key("edit_controls");
            w.begin_obj();
            w.kv_u64("edits_remaining", e.edits_remaining);
            w.kv_bool("is_edit_eligible", e.is_edit_eligible);
            w.kv_str("editable_until", &time::fmt_iso(e.editable_until_ms));
            w.end_obj();
        }
    }
    if f("withheld") {
        if let Some(v) = &t.withheld {
            w.kv_value("withheld", v);
        }
    }
    for (k, v) in &t.extra {
        if f(k) {
            w.kv_value(k, v);
        }
    }
    w.end_obj();
}

fn write_entities(w: &mut W<'_>, t: &TweetRec) {
    let e = &t.entities;
    let mentions: Vec<_> = e
        .mentions
        .iter()
        .filter(|m| valid_username(&m.username))
        .collect();
    if e.hashtags.is_empty()
        && e.cashtags.is_empty()
        && mentions.is_empty()
        && e.urls.is_empty()
        && e.annotations.is_none()
    {
        return;
    }
    w.key("entities");
    w.begin_obj();
    if let Some(a) = &e.annotations {
        w.kv_value("annotations", a);
    }
    for (name, list) in [("cashtags", &e.cashtags), ("hashtags", &e.hashtags)] {
        if list.is_empty() {
            continue;
        }
        w.key(name);
        w.begin_arr();
        for h in list {
            w.item();
            w.begin_obj();
            w.kv_u64("start", h.start.into());
            w.kv_u64("end", h.end.into());
            w.kv_str("tag", &h.tag);
            w.end_obj();
        }
        w.end_arr();
    }
    if !mentions.is_empty() {
        w.key("mentions");
        w.begin_arr();
        for m in mentions {
            w.item();
            w.begin_obj();
            w.kv_u64("start", m.start.into());
            w.kv_u64("end", m.end.into());
            w.kv_str("username", &m.username);
            if let Some(id) = m.id {
                w.key("id");
                id_str(w, id);
            }
            w.end_obj();
        }
        w.end_arr();
    }
    if !e.urls.is_empty() {
        w.key("urls");
        w.begin_arr();
        for u in &e.urls {
            w.item();
            w.begin_obj();
            w.kv_u64("start", u.start.into());
            w.kv_u64("end", u.end.into());
            w.kv_str("url", &u.url);
            if let Some(x) = &u.expanded_url {
                w.kv_str("expanded_url", x);
            }
            if let Some(x) = &u.display_url {
                w.kv_str("display_url", x);
            }
            if let Some(x) = &u.media_key {
                w.kv_str("media_key", x);
            }
            for (k, v) in &u.extra {
                w.kv_value(k, v);
            }
            w.end_obj();
        }
        w.end_arr();
    }
    w.end_obj();
}

pub(super) fn write_user(w: &mut W<'_>, u: &UserRec, shape: &Shape) {
    let f = |n: &str| shape.user_field(n);
    w.begin_obj();
    w.key("id");
    id_str(w, u.id);
    w.kv_str("name", &u.name);
    w.kv_str("username", &u.username);
    if f("created_at") {
        if let Some(ms) = u.created_ms {
            w.kv_str("created_at", &time::fmt_iso(ms));
        }
    }
    if f("description") {
        if let Some(d) = &u.description {
            w.kv_str("description", d);
        }
    }
    if f("entities") {
        if let Some(e) = &u.entities {
            w.kv_value("entities", e);
        }
    }
    if f("location") {
        if let Some(l) = &u.location {
            w.kv_str("location", l);
        }
    }
    if f("pinned_tweet_id") {
        if let Some(p) = u.pinned_tweet_id {
            w.key("pinned_tweet_id");
            w.tid_str(p);
        }
    }
    if f("profile_image_url") {
        if let Some(p) = &u.profile_image_url {
            w.kv_str("profile_image_url", p);
        }
    }
    if f("profile_banner_url") {
        if let Some(p) = &u.profile_banner_url {
            w.kv_str("profile_banner_url", p);
        }
    }
    if f("protected") {
        if let Some(p) = u.protected {
            w.kv_bool("protected", p);
        }
    }
    if f("public_metrics") {
        if let Some(m) = u.metrics {
            w.key("public_metrics");
            w.begin_obj();
            w.kv_u64("followers_count", m.followers_count);
            w.kv_u64("following_count", m.following_count);
            w.kv_u64("tweet_count", m.tweet_count);
            w.kv_u64("listed_count", m.listed_count);
            if let Some(l) = m.like_count {
                w.kv_u64("like_count", l);
            }
            w.end_obj();
        }
    }
    if f("url") {
        if let Some(x) = &u.url {
            w.kv_str("url", x);
        }
    }
    if f("verified") {
        if let Some(v) = u.verified {
            w.kv_bool("verified", v);
        }
    }
    if f("verified_type") {
        if let Some(v) = &u.verified_type {
            w.kv_str("verified_type", v);
        }
    }
    if f("withheld") {
        if let Some(v) = &u.withheld {
            w.kv_value("withheld", v);
        }
    }
    for (k, v) in &u.extra {
        if f(k) {
            w.kv_value(k, v);
        }
    }
    w.end_obj();
}

fn write_media(w: &mut W<'_>, m: &MediaRec, shape: &Shape) {
    let f = |n: &str| shape.media_field(n);
    w.begin_obj();
    w.kv_str("media_key", &m.key);
    w.kv_str("type", &m.kind);
    if f("url") {
        if let Some(x) = &m.url {
            w.kv_str("url", x);
        }
    }
    if f("preview_image_url") {
        if let Some(x) = &m.preview_image_url {
            w.kv_str("preview_image_url", x);
        }
    }
    if f("width") {
        if let Some(x) = m.width {
            w.kv_u64("width", x);
        }
    }
    if f("height") {
        if let Some(x) = m.height {
            w.kv_u64("height", x);
        }
    }
    if f("duration_ms") {
        if let Some(x) = m.duration_ms {
            w.kv_u64("duration_ms", x);
        }
    }
    if f("alt_text") {
        if let Some(x) = &m.alt_text {
            w.kv_str("alt_text", x);
        }
    }
    if f("public_metrics") {
        if let Some(x) = m.view_count {
            w.key("public_metrics");
            w.begin_obj();
            w.kv_u64("view_count", x);
            w.end_obj();
        }
    }
    if f("variants") {
        if let Some(v) = &m.variants {
            w.kv_value("variants", v);
        }
    }
    for (k, v) in &m.extra {
        if f(k) {
            w.kv_value(k, v);
        }
    }
    w.end_obj();
}

fn write_place(w: &mut W<'_>, p: &PlaceRec, shape: &Shape) {
    let f = |n: &str| shape.place_field(n);
    w.begin_obj();
    w.kv_str("id", &p.id);
    w.kv_str("full_name", &p.full_name);
    if f("name") {
        if let Some(x) = &p.name {
            w.kv_str("name", x);
        }
    }
    if f("country") {
        if let Some(x) = &p.country {
            w.kv_str("country", x);
        }
    }
    if f("country_code") {
        if let Some(x) = &p.country_code {
            w.kv_str("country_code", x);
        }
    }
    if f("place_type") {
        if let Some(x) = &p.place_type {
            w.kv_str("place_type", x);
        }
    }
    if f("contained_within") {
        if let Some(list) = &p.contained_within {
            w.key("contained_within");
            w.begin_arr();
            for x in list {
                w.item();
                w.str(x);
            }
            w.end_arr();
        }
    }
    if f("geo") {
        if let Some(bb) = p.bbox {
            w.key("geo");
            w.begin_obj();
            w.kv_str("type", "Feature");
            w.key("bbox");
            w.begin_arr();
            for x in bb {
                w.item();
                w.f64(x);
            }
            w.end_arr();
            w.key("properties");
            w.begin_obj();
            w.end_obj();
            w.end_obj();
        }
    }
    for (k, v) in &p.extra {
        if f(k) {
            w.kv_value(k, v);
        }
    }
    w.end_obj();
}

/// Polls that fit the schema (2–4 options).
fn poll_ok(p: &PollRec) -> bool {
    (2..=4).contains(&p.options.len())
}

fn write_poll(w: &mut W<'_>, p: &PollRec, shape: &Shape) {
    let f = |n: &str| shape.poll_field(n);
    w.begin_obj();
    w.key("id");
    id_str(w, p.id);
    w.key("options");
    w.begin_arr();
    for (pos, label, votes) in &p.options {
        w.item();
        w.begin_obj();
        w.kv_u64("position", *pos);
        let label: String = label.chars().take(25).collect();
        w.kv_str("label", if label.is_empty() { "-" } else { &label });
        w.kv_u64("votes", *votes);
        w.end_obj();
    }
    w.end_arr();
    if f("duration_minutes") {
        if let Some(d) = p.duration_minutes {
            w.kv_u64("duration_minutes", d.clamp(5, 10080));
        }
    }
    if f("end_datetime") {
        if let Some(ms) = p.end_ms {
            w.kv_str("end_datetime", &time::fmt_iso(ms));
        }
    }
    if f("voting_status") {
        if let Some(v) = &p.voting_status {
            w.kv_str("voting_status", v);
        }
    }
    w.end_obj();
}
