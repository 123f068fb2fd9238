//! The seeded synthetic tweet generator.
//!
//! Builds a pool of users and `n` base tweets once (originals in nine languages with
//! hashtags, cashtags, mentions, links, photos, videos, GIFs, polls, places and coordinates;
//! replies, retweets and quotes of earlier tweets). Everything is derived from one
//! [`Prng`] seeded with `seed` (ChaCha8 and sampling of our own, see `prng`), so the same seed
//! gives the same corpus, whatever the versions of the dependencies. The static tables (languages,
//! topics, places, well-known accounts) are in `tables`.

mod prng;
mod tables;

use serde_json::json;

use super::ids::snowflake;
use prng::Prng;
use tables::{topic_tags, topic_urls, Topic, CASHTAGS, FAMOUS, LANGS, PLACES, POLLS, SOURCES};
use Topic::*;

use super::model::{
    Corpus, EditControls, Entities, MediaRec, MentionEnt, PlaceRec, PollRec, RefKind, TagEnt,
    TweetMetrics, TweetRec, UrlEnt, UserMetrics, UserRec,
};

/// 2024-03-01T00:00:00Z: the first synthetic tweet.
const START_MS: i64 = 1_709_251_200_000;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn idx(rng: &mut Prng, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        rng.gen_range(0..len)
    }
}

fn pick<T: Copy + Default>(rng: &mut Prng, list: &[T]) -> T {
    list.get(idx(rng, list.len())).copied().unwrap_or_default()
}

fn weighted<T: Copy + Default>(rng: &mut Prng, list: &[(T, u32)]) -> T {
    let total: u32 = list.iter().map(|x| x.1).sum();
    if total == 0 {
        return T::default();
    }
    let mut r = rng.gen_range(0..total);
    for &(x, w) in list {
        if r < w {
            return x;
        }
        r -= w;
    }
    T::default()
}

fn alnum(rng: &mut Prng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(ALNUM.get(idx(rng, ALNUM.len())).copied().unwrap_or(b'x')))
        .collect()
}

fn chance(rng: &mut Prng, p: f64) -> bool {
    rng.gen_bool(p.clamp(0.0, 1.0))
}

/// Heavy-tailed count: mostly small, sometimes large.
fn heavy(rng: &mut Prng, scale: f64) -> u64 {
    let x: f64 = rng.gen_range(0.0..1.0);
    ((x * x * x * x) * scale).floor() as u64
}

/// Whether the original Post `id` is a nullcast (promoted-only) Post: about 1 in 100, chosen
/// from the id so that the random sequence, and so every other Post, stays the same.
fn is_promoted_only(id: u64) -> bool {
    (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 100 == 0
}

/// `display_url` of a link: no scheme, no `www.`, at most 26 characters.
fn display(url: &str) -> String {
    let d = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    if d.chars().count() > 26 {
        let mut s: String = d.chars().take(25).collect();
        s.push('…');
        s
    } else {
        d.to_string()
    }
}

/// Text builder tracking character offsets for entities.
#[derive(Default)]
struct Tb {
    text: String,
    n: u32,
    ents: Entities,
}

impl Tb {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.n += s.chars().count() as u32;
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.push(" ");
        }
    }

    fn hashtag(&mut self, tag: &str) {
        self.space();
        let start = self.n;
        self.push("#");
        self.push(tag);
        self.ents.hashtags.push(TagEnt {
            start,
            end: self.n,
            tag: tag.to_string(),
        });
    }

    fn cashtag(&mut self, tag: &str) {
        let start = self.n;
        self.push("$");
        self.push(tag);
        self.ents.cashtags.push(TagEnt {
            start,
            end: self.n,
            tag: tag.to_string(),
        });
    }

    fn mention(&mut self, u: &UserRec) {
        let start = self.n;
        self.push("@");
        self.push(&u.username);
        self.ents.mentions.push(MentionEnt {
            start,
            end: self.n,
            username: u.username.clone(),
            id: Some(u.id),
        });
    }

    fn link(&mut self, tco: String, expanded: String, display: String, media_key: Option<String>) {
        self.space();
        let start = self.n;
        self.push(&tco);
        self.ents.urls.push(UrlEnt {
            start,
            end: self.n,
            url: tco,
            expanded_url: Some(expanded),
            display_url: Some(display),
            media_key,
            extra: Vec::new(),
        });
    }
}

struct Gen {
    rng: Prng,
    c: Corpus,
    /// (lang index) per user, parallel to `c.users`.
    user_lang: Vec<usize>,
    /// Tweets that can be replied to / retweeted / quoted: (corpus index, lang index).
    originals: Vec<(u32, usize)>,
}

impl Gen {
    fn lang_index(&mut self) -> usize {
        let weights: Vec<(usize, u32)> = LANGS
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.weight))
            .collect();
        weighted(&mut self.rng, &weights)
    }

    fn users(&mut self, count: usize) {
        let mut seen = std::collections::HashSet::new();
        for &(id, name, username, bio) in FAMOUS {
            seen.insert(username.to_ascii_lowercase());
            let created = START_MS - 86_400_000 * (3000 + self.rng.gen_range(0..1500));
            let u = UserRec {
                id,
                name: name.to_string(),
                username: username.to_string(),
                created_ms: Some(created),
                description: Some(bio.to_string()),
                location: Some("the internet".to_string()),
                url: Some(format!("https://t.co/{}", alnum(&mut self.rng, 10))),
                protected: Some(false),
                verified: Some(true),
                verified_type: Some(
                    if username == "XDevelopers" {
                        "business"
                    } else {
                        "blue"
                    }
                    .to_string(),
                ),
                profile_image_url: Some(format!(
                    "https://pbs.twimg.com/profile_images/{}/{}_normal.jpg",
                    self.rng
                        .gen_range(1_000_000_000_000_000_000u64..1_800_000_000_000_000_000),
                    alnum(&mut self.rng, 8)
                )),
                profile_banner_url: Some(format!(
                    "https://pbs.twimg.com/profile_banners/{id}/{}",
                    created / 1000
                )),
                metrics: Some(UserMetrics {
                    followers_count: 100_000 + heavy(&mut self.rng, 5_000_000.0),
                    following_count: self.rng.gen_range(10..2000),
                    tweet_count: self.rng.gen_range(5_000..80_000),
                    listed_count: self.rng.gen_range(500..20_000),
                    like_count: Some(self.rng.gen_range(100..10_000)),
                }),
                pinned_tweet_id: None,
                entities: None,
                withheld: None,
                extra: Vec::new(),
                completeness: 1,
            };
            self.add_user_entities(u, 0);
        }
        let mut i = 0u64;
        while self.c.users.len() < count {
            i += 1;
            let li = self.lang_index();
            let lang = &LANGS[li.min(LANGS.len() - 1)];
            let (first, stem) = pick(&mut self.rng, lang.names);
            let (last, last_stem) = pick(&mut self.rng, lang.surnames);
            let name = if last.is_empty() {
                first.to_string()
            } else if last.chars().all(|c| c.is_alphabetic()) {
                format!("{first} {last}")
            } else {
                format!("{first}{last}")
            };
            let mut username = match self.rng.gen_range(0..3) {
                0 => format!("{stem}_{last_stem}"),
                1 => format!("{stem}{}", self.rng.gen_range(1..9999)),
                _ => format!("{stem}{last_stem}"),
            };
            username.truncate(15);
            if !seen.insert(username.to_ascii_lowercase()) {
                username = format!("{stem}{i}");
                username.truncate(15);
                if !seen.insert(username.to_ascii_lowercase()) {
                    username = format!("u{i}");
                    seen.insert(username.clone());
                }
            }
            let years = self.rng.gen_range(0.5..17.0);
            let created = START_MS - (years * 365.25 * 86_400_000.0) as i64
                + self.rng.gen_range(0..86_400_000);
            let id = if created < 1_420_070_400_000 {
                // Before 2015: classic sequential ids.
                self.rng.gen_range(10_000_000u64..3_000_000_000)
            } else {
                snowflake(
                    created,
                    self.rng.gen_range(0..1024),
                    self.rng.gen_range(0..4096),
                )
            };
            let verified = chance(&mut self.rng, 0.04);
            let followers = heavy(&mut self.rng, 200_000.0) + self.rng.gen_range(0..300);
            let has_url = chance(&mut self.rng, 0.3);
            let u = UserRec {
                id,
                name,
                username,
                created_ms: Some(created),
                description: Some(pick(&mut self.rng, lang.bios).to_string()),
                location: if chance(&mut self.rng, 0.7) {
                    Some(pick(&mut self.rng, lang.locations).to_string())
                } else {
                    None
                },
                url: Some(if has_url {
                    format!("https://t.co/{}", alnum(&mut self.rng, 10))
                } else {
                    String::new()
                }),
                protected: Some(chance(&mut self.rng, 0.02)),
                verified: Some(verified),
                verified_type: Some(if verified { "blue" } else { "none" }.to_string()),
                profile_image_url: Some(format!(
                    "https://pbs.twimg.com/profile_images/{}/{}_normal.jpg",
                    self.rng
                        .gen_range(1_000_000_000_000_000_000u64..1_800_000_000_000_000_000),
                    alnum(&mut self.rng, 8)
                )),
                profile_banner_url: if chance(&mut self.rng, 0.5) {
                    Some(format!(
                        "https://pbs.twimg.com/profile_banners/{id}/{}",
                        created / 1000
                    ))
                } else {
                    None
                },
                metrics: Some(UserMetrics {
                    followers_count: followers,
                    following_count: self.rng.gen_range(0..3000),
                    tweet_count: heavy(&mut self.rng, 60_000.0) + 1,
                    listed_count: followers / 200,
                    like_count: Some(heavy(&mut self.rng, 100_000.0)),
                }),
                pinned_tweet_id: None,
                entities: None,
                withheld: None,
                extra: Vec::new(),
                completeness: 1,
            };
            self.add_user_entities(u, li);
        }
    }

    /// Add the user with `entities.url` for its t.co profile link.
    fn add_user_entities(&mut self, mut u: UserRec, li: usize) {
        if self.c.user_index(u.id).is_some() {
            return;
        }
        if let Some(url) = u.url.clone().filter(|x| !x.is_empty()) {
            let expanded = format!(
                "https://www.example.com/{}",
                u.username.to_ascii_lowercase()
            );
            let end = url.chars().count();
            u.entities = Some(json!({
                "url": {"urls": [{"start": 0, "end": end, "url": url, "expanded_url": expanded, "display_url": display(&expanded)}]},
            }));
        }
        self.user_lang.push(li);
        self.c.add_user(u);
    }

    /// An author: heavy users (low indices) post more.
    fn author(&mut self) -> usize {
        let n = self.c.users.len().max(1);
        let x: f64 = self.rng.gen_range(0.0..1.0);
        (((x * x) * n as f64) as usize).min(n - 1)
    }

    fn metrics(&mut self, scale: f64) -> TweetMetrics {
        let likes = heavy(&mut self.rng, scale);
        TweetMetrics {
            retweet_count: likes / 5 + heavy(&mut self.rng, 3.0),
            reply_count: likes / 10 + heavy(&mut self.rng, 3.0),
            like_count: likes,
            quote_count: likes / 30,
            impression_count: likes * 40 + self.rng.gen_range(0..500),
            bookmark_count: likes / 20,
        }
    }

    fn base_tweet(&mut self, id: u64, ms: i64, author: &UserRec) -> TweetRec {
        let filter_level = weighted(&mut self.rng, &[("none", 25), ("low", 60), ("medium", 15)]);
        let reply_settings = weighted(
            &mut self.rng,
            // `mentionedUsers` exists too, but X's own OpenAPI pattern (^[A-Za-z]{1,12}$)
            // rejects it, so the generator avoids it.
            &[("everyone", 95), ("following", 3), ("verified", 2)],
        );
        TweetRec {
            id,
            author_id: author.id,
            created_ms: Some(ms),
            source: Some(weighted(&mut self.rng, SOURCES).to_string()),
            reply_settings: Some(reply_settings.to_string()),
            filter_level: Some(filter_level.to_string()),
            possibly_sensitive: Some(chance(&mut self.rng, 0.02)),
            edit_controls: Some(EditControls {
                is_edit_eligible: true,
                editable_until_ms: ms + 1_800_000,
                edits_remaining: 5,
            }),
            ..TweetRec::default()
        }
    }

    /// Fill text and entities of an original tweet or a quote.
    fn compose(&mut self, li: usize, t: &mut TweetRec, quote_text: bool) -> Topic {
        let lang = &LANGS[li.min(LANGS.len() - 1)];
        let mut tb = Tb::default();
        let (sentence, topic) = if quote_text {
            (pick(&mut self.rng, lang.quotes), Misc)
        } else {
            lang.sentences
                .get(idx(&mut self.rng, lang.sentences.len()))
                .copied()
                .unwrap_or(("…", Misc))
        };
        for (k, part) in sentence.split("{C}").enumerate() {
            if k > 0 {
                let c = pick(&mut self.rng, CASHTAGS);
                tb.cashtag(c);
            }
            tb.push(part);
        }
        if topic == Finance && tb.ents.cashtags.is_empty() {
            tb.push(" ");
            tb.cashtag(pick(&mut self.rng, CASHTAGS));
        }
        // Mentions.
        if chance(&mut self.rng, 0.12) {
            let ui = self.author();
            if let Some(u) = self.c.users.get(ui).cloned() {
                tb.push(if lang.code == "en" { " cc " } else { " " });
                tb.mention(&u);
            }
        }
        // Hashtags.
        if chance(&mut self.rng, 0.4) {
            let tag = if !lang.tags.is_empty() && chance(&mut self.rng, 0.3) {
                pick(&mut self.rng, lang.tags)
            } else {
                pick(&mut self.rng, topic_tags(topic))
            };
            tb.hashtag(tag);
            if chance(&mut self.rng, 0.3) {
                let tag2 = pick(&mut self.rng, topic_tags(topic));
                if tag2 != tag {
                    tb.hashtag(tag2);
                }
            }
        }
        // A link.
        if chance(&mut self.rng, 0.12) {
            let expanded = pick(&mut self.rng, topic_urls(topic)).to_string();
            let tco = format!("https://t.co/{}", alnum(&mut self.rng, 10));
            let disp = display(&expanded);
            tb.link(tco, expanded, disp, None);
        }
        t.text = tb.text;
        t.entities = tb.ents;
        t.lang = Some(lang.code.to_string());
        topic
    }

    fn attach_media(&mut self, t: &mut TweetRec, username: &str, li: usize) {
        let r: f64 = self.rng.gen_range(0.0..1.0);
        let (kind, count) = if r < 0.14 {
            (
                "photo",
                if chance(&mut self.rng, 0.8) {
                    1
                } else {
                    self.rng.gen_range(2..=4)
                },
            )
        } else if r < 0.17 {
            ("video", 1)
        } else if r < 0.185 {
            ("animated_gif", 1)
        } else {
            return;
        };
        let ms = t.created_ms.unwrap_or(START_MS) - self.rng.gen_range(1_000..60_000);
        let mut keys = Vec::new();
        for k in 0..count {
            let mid = snowflake(ms, self.rng.gen_range(0..1024), k);
            let m = match kind {
                "photo" => {
                    let (w, h) = pick(
                        &mut self.rng,
                        &[(1200u64, 800u64), (1080, 1350), (2048, 1536), (1080, 1080)],
                    );
                    let lang = &LANGS[li.min(LANGS.len() - 1)];
                    MediaRec {
                        key: format!("3_{mid}"),
                        kind: "photo".into(),
                        url: Some(format!(
                            "https://pbs.twimg.com/media/{}.jpg",
                            alnum(&mut self.rng, 15)
                        )),
                        width: Some(w),
                        height: Some(h),
                        alt_text: (chance(&mut self.rng, 0.3) && !lang.alt.is_empty())
                            .then(|| lang.alt.to_string()),
                        ..MediaRec::default()
                    }
                }
                "video" => {
                    let dur = self.rng.gen_range(5_000..120_000);
                    let r1 = alnum(&mut self.rng, 16);
                    MediaRec {
                        key: format!("7_{mid}"),
                        kind: "video".into(),
                        preview_image_url: Some(format!(
                            "https://pbs.twimg.com/ext_tw_video_thumb/{mid}/pu/img/{}.jpg",
                            alnum(&mut self.rng, 16)
                        )),
                        width: Some(1280),
                        height: Some(720),
                        duration_ms: Some(dur),
                        view_count: Some(heavy(&mut self.rng, 500_000.0)),
                        variants: Some(json!([
                            {"bit_rate": 2_176_000, "content_type": "video/mp4",
                             "url": format!("https://video.twimg.com/ext_tw_video/{mid}/pu/vid/1280x720/{r1}.mp4?tag=12")},
                            {"content_type": "application/x-mpegURL",
                             "url": format!("https://video.twimg.com/ext_tw_video/{mid}/pu/pl/{r1}.m3u8?tag=12")},
                            {"bit_rate": 832_000, "content_type": "video/mp4",
                             "url": format!("https://video.twimg.com/ext_tw_video/{mid}/pu/vid/640x360/{r1}.mp4?tag=12")},
                        ])),
                        ..MediaRec::default()
                    }
                }
                _ => {
                    let r1 = alnum(&mut self.rng, 15);
                    MediaRec {
                        key: format!("16_{mid}"),
                        kind: "animated_gif".into(),
                        preview_image_url: Some(format!(
                            "https://pbs.twimg.com/tweet_video_thumb/{r1}.jpg"
                        )),
                        width: Some(480),
                        height: Some(270),
                        variants: Some(json!([
                            {"bit_rate": 0, "content_type": "video/mp4",
                             "url": format!("https://video.twimg.com/tweet_video/{r1}.mp4")},
                        ])),
                        ..MediaRec::default()
                    }
                }
            };
            keys.push(m.key.clone());
            self.c.add_media(m);
        }
        let Some(first) = keys.first().cloned() else {
            return;
        };
        // The media link at the end of the text (outside display_text_range).
        let shown = t.text.chars().count() as u32;
        let code = alnum(&mut self.rng, 10);
        let path = if kind == "photo" { "photo" } else { "video" };
        let mut tb = Tb {
            text: std::mem::take(&mut t.text),
            n: shown,
            ents: std::mem::take(&mut t.entities),
        };
        tb.link(
            format!("https://t.co/{code}"),
            format!("https://x.com/{username}/status/{}/{path}/1", t.id),
            format!("pic.x.com/{code}"),
            Some(first),
        );
        t.text = tb.text;
        t.entities = tb.ents;
        let start = t.display_text_range.map(|r| r[0]).unwrap_or(0);
        t.display_text_range = Some([start, shown]);
        t.media_keys = keys;
    }

    fn attach_place(&mut self, t: &mut TweetRec, li: usize) {
        if !chance(&mut self.rng, 0.09) {
            return;
        }
        let lang = &LANGS[li.min(LANGS.len() - 1)];
        let pi = pick(&mut self.rng, lang.places);
        let Some(p) = PLACES.get(pi) else { return };
        self.c.add_place(PlaceRec {
            id: p.id.into(),
            full_name: p.full_name.into(),
            name: Some(p.name.into()),
            country: Some(p.country.into()),
            country_code: Some(p.cc.into()),
            place_type: Some(p.kind.into()),
            bbox: Some(p.bbox),
            contained_within: None,
            extra: Vec::new(),
        });
        t.place_id = Some(p.id.into());
        if chance(&mut self.rng, 0.45) {
            let [w, s, e, n] = p.bbox;
            let lon = w + (e - w) * self.rng.gen_range(0.05..0.95);
            let lat = s + (n - s) * self.rng.gen_range(0.05..0.95);
            // Six decimals, like real traffic.
            t.coordinates = Some([(lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6]);
        }
    }

    fn attach_poll(&mut self, t: &mut TweetRec) {
        if !t.media_keys.is_empty() || !chance(&mut self.rng, 0.03) {
            return;
        }
        let opts = pick(&mut self.rng, POLLS);
        let duration = pick(&mut self.rng, &[60u64, 1440, 4320, 10080]);
        let created = t.created_ms.unwrap_or(START_MS);
        let end = created + duration as i64 * 60_000;
        let poll = PollRec {
            id: t.id.wrapping_sub(7_000_000),
            options: opts
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    (
                        i as u64 + 1,
                        (*l).to_string(),
                        heavy(&mut self.rng, 5_000.0),
                    )
                })
                .collect(),
            duration_minutes: Some(duration),
            end_ms: Some(end),
            voting_status: Some(if duration <= 60 { "closed" } else { "open" }.to_string()),
        };
        t.poll_ids = vec![poll.id];
        self.c.add_poll(poll);
    }

    fn original(&mut self, mut t: TweetRec, ui: usize, quote_of: Option<u64>) -> TweetRec {
        let li = self.speaking(ui);
        let username = self
            .c
            .users
            .get(ui)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        let scale = if ui < FAMOUS.len() { 20_000.0 } else { 300.0 };
        self.compose(li, &mut t, quote_of.is_some());
        t.display_text_range = Some([0, t.text.chars().count() as u32]);
        if let Some(q) = quote_of {
            t.refs.push((RefKind::Quoted, q));
        } else {
            self.attach_poll(&mut t);
            if is_promoted_only(t.id) {
                // A nullcast Post: X marks it `"scopes": {"followers": false}`.
                t.extra
                    .push(("scopes".to_string(), json!({ "followers": false })));
            }
        }
        if t.poll_ids.is_empty() {
            self.attach_media(&mut t, &username, li);
        }
        self.attach_place(&mut t, li);
        t.metrics = Some(self.metrics(scale));
        t
    }

    /// Language of a new tweet by user `ui`: mostly the user's own.
    fn speaking(&mut self, ui: usize) -> usize {
        if chance(&mut self.rng, 0.85) {
            self.user_lang.get(ui).copied().unwrap_or(0)
        } else {
            self.lang_index()
        }
    }

    fn reply(
        &mut self,
        mut t: TweetRec,
        ui: usize,
        parent: &TweetRec,
        parent_lang: usize,
    ) -> TweetRec {
        let li = if chance(&mut self.rng, 0.7) {
            parent_lang
        } else {
            self.speaking(ui)
        };
        let lang = &LANGS[li.min(LANGS.len() - 1)];
        let parent_user = self.c.user(parent.author_id).cloned().unwrap_or_default();
        let mut tb = Tb::default();
        tb.mention(&parent_user);
        tb.push(" ");
        let shown_from = tb.n;
        tb.push(pick(&mut self.rng, lang.replies));
        if chance(&mut self.rng, 0.15) {
            tb.hashtag(pick(&mut self.rng, topic_tags(Misc)));
        }
        t.display_text_range = Some([shown_from, tb.n]);
        t.text = tb.text;
        t.entities = tb.ents;
        t.lang = Some(lang.code.to_string());
        t.in_reply_to_user_id = Some(parent.author_id);
        t.in_reply_to_screen_name = Some(parent_user.username.clone());
        t.refs.push((RefKind::RepliedTo, parent.id));
        t.conversation_id = Some(parent.conversation_id.unwrap_or(parent.id));
        t.metrics = Some(self.metrics(30.0));
        let username = self
            .c
            .users
            .get(ui)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        if chance(&mut self.rng, 0.5) {
            self.attach_media(&mut t, &username, li);
        }
        t
    }

    fn retweet(&mut self, mut t: TweetRec, orig: &TweetRec) -> TweetRec {
        let orig_user = self.c.user(orig.author_id).cloned().unwrap_or_default();
        let mut tb = Tb::default();
        tb.push("RT ");
        tb.mention(&orig_user);
        tb.push(": ");
        let shift = tb.n;
        let full = format!("{}{}", tb.text, orig.text);
        let total = full.chars().count() as u32;
        let limit = if total > 140 { 139 } else { total };
        if total > 140 {
            let cut: String = full.chars().take(139).collect();
            tb.text = format!("{cut}…");
            tb.n = 140;
        } else {
            tb.text = full;
            tb.n = total;
        }
        let e = &orig.entities;
        let fits = |s: u32, en: u32| s + shift <= limit && en + shift <= limit;
        for h in &e.hashtags {
            if fits(h.start, h.end) {
                tb.ents.hashtags.push(TagEnt {
                    start: h.start + shift,
                    end: h.end + shift,
                    tag: h.tag.clone(),
                });
            }
        }
        for h in &e.cashtags {
            if fits(h.start, h.end) {
                tb.ents.cashtags.push(TagEnt {
                    start: h.start + shift,
                    end: h.end + shift,
                    tag: h.tag.clone(),
                });
            }
        }
        for m in &e.mentions {
            if fits(m.start, m.end) {
                tb.ents.mentions.push(MentionEnt {
                    start: m.start + shift,
                    end: m.end + shift,
                    ..m.clone()
                });
            }
        }
        for u in &e.urls {
            if fits(u.start, u.end) {
                tb.ents.urls.push(UrlEnt {
                    start: u.start + shift,
                    end: u.end + shift,
                    ..u.clone()
                });
            }
        }
        t.text = tb.text;
        t.entities = tb.ents;
        t.lang = orig.lang.clone();
        t.possibly_sensitive = orig.possibly_sensitive;
        t.media_keys = orig.media_keys.clone();
        t.refs.push((RefKind::Retweeted, orig.id));
        t.conversation_id = Some(t.id);
        t.metrics = Some(TweetMetrics {
            retweet_count: orig.metrics.map(|m| m.retweet_count).unwrap_or(0),
            ..TweetMetrics::default()
        });
        if let Some(ec) = &mut t.edit_controls {
            ec.is_edit_eligible = false;
        }
        t
    }
}

/// Generate a corpus of `n` base tweets.
pub(crate) fn generate(seed: u64, n: usize) -> Corpus {
    let mut g = Gen {
        rng: Prng::new(seed),
        c: Corpus::default(),
        user_lang: Vec::new(),
        originals: Vec::new(),
    };
    let user_count = (n / 8).clamp(40, 800);
    g.users(user_count);
    let mut ms = START_MS;
    for i in 0..n {
        ms += g.rng.gen_range(50..4_000);
        let id = snowflake(ms, g.rng.gen_range(0..1024), i as u64);
        // Protected accounts never appear in public streams.
        let mut ui = g.author();
        for _ in 0..8 {
            if g.c.users.get(ui).and_then(|u| u.protected) != Some(true) {
                break;
            }
            ui = g.author();
        }
        if g.c.users.get(ui).and_then(|u| u.protected) == Some(true) {
            ui = 0;
        }
        let Some(author) = g.c.users.get(ui).cloned() else {
            continue;
        };
        let t = g.base_tweet(id, ms, &author);
        let recent = g.originals.len().saturating_sub(300);
        let kind: f64 = g.rng.gen_range(0.0..1.0);
        let target = if g.originals.len() > 10 {
            let k = g.rng.gen_range(recent..g.originals.len());
            g.originals.get(k).copied()
        } else {
            None
        };
        let target_rec =
            target.and_then(|(ti, li)| g.c.tweets.get(ti as usize).cloned().map(|r| (r, li)));
        let (t, reusable) = match (kind, target_rec) {
            (k, Some((orig, _))) if k < 0.14 && orig.author_id != author.id => {
                (g.retweet(t, &orig), false)
            }
            (k, Some((parent, pl))) if k < 0.27 => (g.reply(t, ui, &parent, pl), true),
            (k, Some((quoted, _))) if k < 0.33 => (g.original(t, ui, Some(quoted.id)), true),
            _ => (g.original(t, ui, None), true),
        };
        let li = LANGS
            .iter()
            .position(|l| Some(l.code) == t.lang.as_deref())
            .unwrap_or(0);
        let idx = g.c.add_tweet(t, true, true);
        if reusable {
            g.originals.push((idx, li));
        }
    }
    g.c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_offsets_point_at_the_entities() {
        let c = generate(7, 600);
        assert_eq!(c.base.len(), 600);
        let chars = |s: &str, a: u32, b: u32| -> String {
            s.chars().skip(a as usize).take((b - a) as usize).collect()
        };
        for t in &c.tweets {
            for h in &t.entities.hashtags {
                assert_eq!(
                    chars(&t.text, h.start, h.end),
                    format!("#{}", h.tag),
                    "{}",
                    t.text
                );
            }
            for h in &t.entities.cashtags {
                assert_eq!(
                    chars(&t.text, h.start, h.end),
                    format!("${}", h.tag),
                    "{}",
                    t.text
                );
            }
            for m in &t.entities.mentions {
                assert_eq!(
                    chars(&t.text, m.start, m.end),
                    format!("@{}", m.username),
                    "{}",
                    t.text
                );
            }
            for u in &t.entities.urls {
                assert_eq!(chars(&t.text, u.start, u.end), u.url, "{}", t.text);
            }
        }
    }
}
