//! The normalised tweet model every source is converted into, and the corpus holding it.
//!
//! Records follow the v2 object model (§6 of the reference): one [`TweetRec`] per tweet (base
//! tweets and the tweets they refer to), users, media, places and polls in pools keyed by id.
//! Both output formats (v2 payloads, v1.1 statuses) and the rule facts are derived from here.

use std::collections::HashMap;

use serde_json::Value;

/// Unmodelled members kept verbatim (name, value), rendered when the field is requested.
pub(crate) type Extra = Vec<(String, Value)>;

/// How a tweet refers to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefKind {
    Retweeted,
    Quoted,
    RepliedTo,
}

impl RefKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            RefKind::Retweeted => "retweeted",
            RefKind::Quoted => "quoted",
            RefKind::RepliedTo => "replied_to",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<RefKind> {
        match s {
            "retweeted" => Some(RefKind::Retweeted),
            "quoted" => Some(RefKind::Quoted),
            "replied_to" => Some(RefKind::RepliedTo),
            _ => None,
        }
    }
}

/// A hashtag or cashtag (`tag` without the sigil); offsets in characters, end exclusive.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TagEnt {
    pub start: u32,
    pub end: u32,
    pub tag: String,
}

/// A user mention.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MentionEnt {
    pub start: u32,
    pub end: u32,
    pub username: String,
    pub id: Option<u64>,
}

/// A URL entity (also the media link, with `media_key`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UrlEnt {
    pub start: u32,
    pub end: u32,
    pub url: String,
    pub expanded_url: Option<String>,
    pub display_url: Option<String>,
    pub media_key: Option<String>,
    /// Other v2 members (`status`, `title`, `description`, `unwound_url`, `images`).
    pub extra: Extra,
}

/// Entities of a tweet text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Entities {
    pub hashtags: Vec<TagEnt>,
    pub cashtags: Vec<TagEnt>,
    pub mentions: Vec<MentionEnt>,
    pub urls: Vec<UrlEnt>,
    /// v2 `annotations`, verbatim (only from v2 input).
    pub annotations: Option<Value>,
}

/// Tweet engagement counts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TweetMetrics {
    pub retweet_count: u64,
    pub reply_count: u64,
    pub like_count: u64,
    pub quote_count: u64,
    pub impression_count: u64,
    pub bookmark_count: u64,
}

/// `edit_controls`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EditControls {
    pub is_edit_eligible: bool,
    pub editable_until_ms: i64,
    pub edits_remaining: u64,
}

/// One tweet in v2 terms.
#[derive(Clone, Debug, Default)]
pub(crate) struct TweetRec {
    pub id: u64,
    /// Full text (v2 `text`; for retweets the `RT @user: …` text).
    pub text: String,
    pub author_id: u64,
    pub created_ms: Option<i64>,
    pub conversation_id: Option<u64>,
    pub in_reply_to_user_id: Option<u64>,
    pub in_reply_to_screen_name: Option<String>,
    pub refs: Vec<(RefKind, u64)>,
    pub entities: Entities,
    pub media_keys: Vec<String>,
    pub poll_ids: Vec<u64>,
    pub place_id: Option<String>,
    /// `[lon, lat]`.
    pub coordinates: Option<[f64; 2]>,
    pub lang: Option<String>,
    pub possibly_sensitive: Option<bool>,
    pub metrics: Option<TweetMetrics>,
    /// Plain client name.
    pub source: Option<String>,
    /// v1.1 HTML anchor, when known.
    pub source_html: Option<String>,
    pub reply_settings: Option<String>,
    pub display_text_range: Option<[u32; 2]>,
    /// Empty means `[id]`.
    pub edit_history: Vec<u64>,
    pub edit_controls: Option<EditControls>,
    pub withheld: Option<Value>,
    /// v1.1 `filter_level` (`none`, `low`, `medium`).
    pub filter_level: Option<String>,
    /// Other v2 tweet fields, verbatim (names from the `tweet.fields` list only).
    pub extra: Extra,
}

impl TweetRec {
    pub(crate) fn ref_of(&self, kind: RefKind) -> Option<u64> {
        self.refs.iter().find(|r| r.0 == kind).map(|r| r.1)
    }

    pub(crate) fn edit_history(&self) -> Vec<u64> {
        if self.edit_history.is_empty() {
            vec![self.id]
        } else {
            self.edit_history.clone()
        }
    }
}

/// User counts.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct UserMetrics {
    pub followers_count: u64,
    pub following_count: u64,
    pub tweet_count: u64,
    pub listed_count: u64,
    pub like_count: Option<u64>,
}

/// One user in v2 terms.
#[derive(Clone, Debug, Default)]
pub(crate) struct UserRec {
    pub id: u64,
    pub name: String,
    pub username: String,
    pub created_ms: Option<i64>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub protected: Option<bool>,
    pub verified: Option<bool>,
    pub verified_type: Option<String>,
    pub profile_image_url: Option<String>,
    pub profile_banner_url: Option<String>,
    pub metrics: Option<UserMetrics>,
    pub pinned_tweet_id: Option<u64>,
    /// v2 user `entities`, verbatim.
    pub entities: Option<Value>,
    pub withheld: Option<Value>,
    /// Other v2 user fields, verbatim.
    pub extra: Extra,
    /// 0 = known only from a mention, 1 = a real user object.
    pub completeness: u8,
}

/// One attached medium.
#[derive(Clone, Debug, Default)]
pub(crate) struct MediaRec {
    pub key: String,
    /// `photo`, `video` or `animated_gif`.
    pub kind: String,
    pub url: Option<String>,
    pub preview_image_url: Option<String>,
    pub width: Option<u64>,
    pub height: Option<u64>,
    pub duration_ms: Option<u64>,
    pub alt_text: Option<String>,
    pub view_count: Option<u64>,
    /// v2 `variants` array, verbatim (`bit_rate`, `content_type`, `url`).
    pub variants: Option<Value>,
    pub extra: Extra,
}

impl MediaRec {
    /// Numeric media id: the part of the key after `_`.
    pub(crate) fn numeric_id(&self) -> u64 {
        self.key
            .split_once('_')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0)
    }
}

/// A place.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlaceRec {
    pub id: String,
    pub full_name: String,
    pub name: Option<String>,
    pub country: Option<String>,
    pub country_code: Option<String>,
    pub place_type: Option<String>,
    /// `[west, south, east, north]`.
    pub bbox: Option<[f64; 4]>,
    pub contained_within: Option<Vec<String>>,
    pub extra: Extra,
}

/// A poll.
#[derive(Clone, Debug, Default)]
pub(crate) struct PollRec {
    pub id: u64,
    /// (position, label, votes)
    pub options: Vec<(u64, String, u64)>,
    pub duration_minutes: Option<u64>,
    pub end_ms: Option<i64>,
    pub voting_status: Option<String>,
}

/// Every object of a source, de-duplicated by id.
#[derive(Debug, Default)]
pub(crate) struct Corpus {
    pub tweets: Vec<TweetRec>,
    /// Whether `tweets[i]` came from a top-level (base) object rather than an embedded one.
    tweet_top: Vec<bool>,
    tweet_idx: HashMap<u64, u32>,
    pub users: Vec<UserRec>,
    user_idx: HashMap<u64, u32>,
    username_idx: HashMap<String, u32>,
    pub media: Vec<MediaRec>,
    media_idx: HashMap<String, u32>,
    pub places: Vec<PlaceRec>,
    place_idx: HashMap<String, u32>,
    pub polls: Vec<PollRec>,
    poll_idx: HashMap<u64, u32>,
    /// Indices into `tweets` of the base tweets, in sequence order.
    pub base: Vec<u32>,
}

impl Corpus {
    /// Add a tweet. A top-level tweet replaces an embedded copy; a base tweet is appended to the
    /// sequence unless its id is already there. Returns the tweet's index.
    pub(crate) fn add_tweet(&mut self, t: TweetRec, top: bool, base: bool) -> u32 {
        let idx = match self.tweet_idx.get(&t.id) {
            Some(&i) => {
                let i_us = i as usize;
                let was_top = self.tweet_top.get(i_us).copied().unwrap_or(true);
                if top && !was_top {
                    if let Some(slot) = self.tweets.get_mut(i_us) {
                        *slot = t;
                    }
                    if let Some(flag) = self.tweet_top.get_mut(i_us) {
                        *flag = true;
                    }
                }
                if base && was_top {
                    // Already a base tweet (or a top-level tweet seen before): duplicate.
                    return i;
                }
                i
            }
            None => {
                let i = self.tweets.len() as u32;
                self.tweet_idx.insert(t.id, i);
                self.tweets.push(t);
                self.tweet_top.push(top);
                i
            }
        };
        if base {
            self.base.push(idx);
        }
        idx
    }

    pub(crate) fn add_user(&mut self, u: UserRec) {
        match self.user_idx.get(&u.id) {
            Some(&i) => {
                if let Some(old) = self.users.get_mut(i as usize) {
                    if u.completeness > old.completeness {
                        let old_name = old.username.to_ascii_lowercase();
                        if old_name != u.username.to_ascii_lowercase() {
                            self.username_idx.remove(&old_name);
                        }
                        self.username_idx.insert(u.username.to_ascii_lowercase(), i);
                        *old = u;
                    }
                }
            }
            None => {
                let i = self.users.len() as u32;
                self.user_idx.insert(u.id, i);
                self.username_idx
                    .entry(u.username.to_ascii_lowercase())
                    .or_insert(i);
                self.users.push(u);
            }
        }
    }

    pub(crate) fn add_media(&mut self, m: MediaRec) {
        if !self.media_idx.contains_key(&m.key) {
            self.media_idx
                .insert(m.key.clone(), self.media.len() as u32);
            self.media.push(m);
        }
    }

    pub(crate) fn add_place(&mut self, p: PlaceRec) {
        if !self.place_idx.contains_key(&p.id) {
            self.place_idx
                .insert(p.id.clone(), self.places.len() as u32);
            self.places.push(p);
        }
    }

    pub(crate) fn add_poll(&mut self, p: PollRec) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.poll_idx.entry(p.id) {
            e.insert(self.polls.len() as u32);
            self.polls.push(p);
        }
    }

    pub(crate) fn tweet_index(&self, id: u64) -> Option<u32> {
        self.tweet_idx.get(&id).copied()
    }

    pub(crate) fn tweet(&self, id: u64) -> Option<&TweetRec> {
        self.tweets.get(*self.tweet_idx.get(&id)? as usize)
    }

    pub(crate) fn user_index(&self, id: u64) -> Option<u32> {
        self.user_idx.get(&id).copied()
    }

    pub(crate) fn user(&self, id: u64) -> Option<&UserRec> {
        self.users.get(*self.user_idx.get(&id)? as usize)
    }

    /// Case-insensitive username lookup.
    pub(crate) fn user_index_by_name(&self, username: &str) -> Option<u32> {
        self.username_idx
            .get(&username.to_ascii_lowercase())
            .copied()
    }

    pub(crate) fn media_index(&self, key: &str) -> Option<u32> {
        self.media_idx.get(key).copied()
    }

    pub(crate) fn media(&self, key: &str) -> Option<&MediaRec> {
        self.media.get(*self.media_idx.get(key)? as usize)
    }

    pub(crate) fn place_index(&self, id: &str) -> Option<u32> {
        self.place_idx.get(id).copied()
    }

    pub(crate) fn place(&self, id: &str) -> Option<&PlaceRec> {
        self.places.get(*self.place_idx.get(id)? as usize)
    }

    pub(crate) fn poll_index(&self, id: u64) -> Option<u32> {
        self.poll_idx.get(&id).copied()
    }

    /// Fill in missing `conversation_id`s: the root of the reply chain as far as the corpus
    /// knows it (the last replied-to id when the parent is not in the corpus), the tweet's own
    /// id otherwise.
    pub(crate) fn resolve_conversations(&mut self) {
        for i in 0..self.tweets.len() {
            match self.tweets.get(i) {
                Some(t) if t.conversation_id.is_none() => {}
                _ => continue,
            }
            let conv = self.conversation_root(i);
            if let Some(t) = self.tweets.get_mut(i) {
                t.conversation_id = Some(conv);
            }
        }
    }

    fn conversation_root(&self, i: usize) -> u64 {
        let Some(mut t) = self.tweets.get(i) else {
            return 0;
        };
        // Bounded walk up the reply chain (cycles in bad input cannot loop forever).
        for _ in 0..64 {
            if let Some(c) = t.conversation_id {
                return c;
            }
            if t.ref_of(RefKind::Retweeted).is_some() {
                return t.id;
            }
            let Some(parent) = t.ref_of(RefKind::RepliedTo) else {
                return t.id;
            };
            match self.tweet(parent) {
                Some(p) => t = p,
                None => return parent,
            }
        }
        t.id
    }

    /// Sorted, de-duplicated ids of every tweet in the corpus.
    pub(crate) fn sorted_ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self.tweets.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
