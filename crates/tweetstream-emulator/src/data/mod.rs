//! Tweet sources, v1.1 → v2 conversion and v2 payload shaping.
//!
//! **Stand-in**: a minimal implementation of the data-layer interface, written so that the
//! server can be built and tested. It is replaced by the real data layer, which has the same
//! public signatures.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};
use tweetstream::rules::RuleTweet;

/// A source of tweets: a corpus replayed in a loop, or a seeded synthetic generator.
#[derive(Clone)]
pub struct Source {
    inner: Arc<Inner>,
}

struct Inner {
    tweets: Vec<BaseTweet>,
    /// Added to every id once per loop so that ids stay unique.
    id_span: u64,
}

struct BaseTweet {
    id: u64,
    author_id: u64,
    author_username: String,
    author_name: String,
    text: String,
    rule: RuleTweet,
    /// The compact v1.1 JSON of the status without its top-level `id`/`id_str`, and without
    /// the opening brace (so it starts with `"` or is `}`).
    v1_rest: Vec<u8>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("base_len", &self.base_len())
            .finish()
    }
}

const WORDS: &[&[&str]] = &[
    &[
        "the", "cat", "dog", "coffee", "rust", "stream", "morning", "music", "game", "news",
        "happy", "love", "city", "rain", "weekend", "code", "football", "pizza", "travel", "photo",
    ],
    &[
        "el", "gato", "perro", "café", "ciudad", "lluvia", "música", "noticias", "feliz", "fútbol",
    ],
    &[
        "le",
        "chat",
        "chien",
        "café",
        "ville",
        "pluie",
        "musique",
        "nouvelles",
        "heureux",
        "jeu",
    ],
    &[
        "猫",
        "犬",
        "コーヒー",
        "音楽",
        "ニュース",
        "雨",
        "東京",
        "週末",
    ],
];
const LANGS: &[&str] = &["en", "es", "fr", "ja"];

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Source {
    /// Deterministic synthetic tweets. Same seed → same sequence.
    pub fn synthetic(seed: u64) -> Source {
        let mut rng = seed ^ 0x5EED;
        let mut statuses = Vec::with_capacity(500);
        let base_id: u64 = 1_500_000_000_000_000_000 + (seed % 1000) * 1_000_000_000_000;
        for i in 0..500u64 {
            let lang_ix = (splitmix(&mut rng) % LANGS.len() as u64) as usize;
            let words = WORDS[lang_ix];
            let n = 3 + splitmix(&mut rng) % 8;
            let mut text = String::new();
            for k in 0..n {
                if k > 0 && lang_ix != 3 {
                    text.push(' ');
                }
                text.push_str(words[(splitmix(&mut rng) % words.len() as u64) as usize]);
            }
            if splitmix(&mut rng) % 4 == 0 {
                text.push_str(" #rustlang");
            }
            let user = splitmix(&mut rng) % 50;
            let id = base_id + i * 1000 + splitmix(&mut rng) % 1000;
            statuses.push(serde_json::json!({
                "created_at": "Sun Aug 31 00:29:15 +0000 2014",
                "id": id,
                "id_str": id.to_string(),
                "text": text,
                "user": {
                    "id": 1000 + user,
                    "id_str": (1000 + user).to_string(),
                    "name": format!("User {user}"),
                    "screen_name": format!("user{user}"),
                },
                "entities": {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []},
                "lang": LANGS[lang_ix],
                "filter_level": "low",
            }));
        }
        Self::from_values(statuses).unwrap_or_else(|_| Source {
            inner: Arc::new(Inner {
                tweets: Vec::new(),
                id_span: 1,
            }),
        })
    }

    /// Load a corpus file (`{"statuses":[…]}`, a JSON array of statuses, or JSONL of statuses).
    pub fn from_path(path: &Path) -> Result<Source, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_bytes(&bytes)
    }

    /// Load a corpus from memory (same formats as [`Source::from_path`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Source, String> {
        let values: Vec<Value> = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(mut o)) => match o.remove("statuses") {
                Some(Value::Array(a)) => a,
                _ => vec![Value::Object(o)],
            },
            Ok(Value::Array(a)) => a,
            _ => bytes
                .split(|b| *b == b'\n')
                .filter_map(|l| serde_json::from_slice::<Value>(l).ok())
                .collect(),
        };
        Self::from_values(values)
    }

    fn from_values(values: Vec<Value>) -> Result<Source, String> {
        let mut tweets = Vec::new();
        for v in values {
            if let Value::Object(o) = v {
                if let Some(t) = base_tweet(o) {
                    tweets.push(t);
                }
            }
        }
        if tweets.is_empty() {
            return Err("no tweets found".into());
        }
        let min = tweets.iter().map(|t| t.id).min().unwrap_or(0);
        let max = tweets.iter().map(|t| t.id).max().unwrap_or(0);
        Ok(Source {
            inner: Arc::new(Inner {
                tweets,
                id_span: max - min + 1,
            }),
        })
    }

    /// Number of distinct tweets before the sequence loops.
    pub fn base_len(&self) -> usize {
        self.inner.tweets.len().max(1)
    }

    /// The `seq`-th tweet of the endless sequence.
    pub fn get(&self, seq: u64) -> Tweet<'_> {
        let n = self.base_len() as u64;
        Tweet {
            base: &self.inner.tweets[(seq % n) as usize],
            seq,
            loop_no: seq / n,
            span: self.inner.id_span,
        }
    }
}

fn id_of(o: &Map<String, Value>) -> Option<u64> {
    match o.get("id_str") {
        Some(Value::String(s)) => s.parse().ok(),
        _ => o.get("id").and_then(Value::as_u64),
    }
}

fn base_tweet(mut o: Map<String, Value>) -> Option<BaseTweet> {
    let id = id_of(&o)?;
    let text = o.get("text")?.as_str()?.to_string();
    let user = o.get("user").and_then(Value::as_object);
    let author_id = user.and_then(id_of).unwrap_or(0);
    let author_username = user
        .and_then(|u| u.get("screen_name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let author_name = user
        .and_then(|u| u.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let hashtags = o
        .get("entities")
        .and_then(|e| e.get("hashtags"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|h| h.get("text").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let rule = RuleTweet {
        id,
        text: text.clone(),
        lang: o.get("lang").and_then(Value::as_str).map(str::to_string),
        author_id,
        author_username: author_username.clone(),
        author_name: author_name.clone(),
        hashtags,
        ..RuleTweet::default()
    };
    o.remove("id");
    o.remove("id_str");
    let full = serde_json::to_vec(&Value::Object(o)).ok()?;
    Some(BaseTweet {
        id,
        author_id,
        author_username,
        author_name,
        text,
        rule,
        v1_rest: full[1..].to_vec(),
    })
}

/// One tweet of the sequence.
pub struct Tweet<'a> {
    base: &'a BaseTweet,
    seq: u64,
    loop_no: u64,
    span: u64,
}

impl Tweet<'_> {
    /// Position in the endless sequence.
    pub fn seq(&self) -> u64 {
        self.seq
    }
    /// The (renumbered) tweet id.
    pub fn id(&self) -> u64 {
        self.base
            .id
            .wrapping_add(self.loop_no.wrapping_mul(self.span))
    }
    /// The author's id.
    pub fn author_id(&self) -> u64 {
        self.base.author_id
    }
    /// Facts for rule matching.
    pub fn rule_input(&self) -> &RuleTweet {
        &self.base.rule
    }
    /// Append the compact v1.1 status JSON (no trailing CRLF).
    pub fn write_v1(&self, out: &mut Vec<u8>) {
        let mut b = itoa_buf(self.id());
        out.extend_from_slice(b"{\"id\":");
        out.extend_from_slice(b.as_bytes());
        out.extend_from_slice(b",\"id_str\":\"");
        out.extend_from_slice(b.as_bytes());
        out.push(b'"');
        if self.base.v1_rest != b"}" {
            out.push(b',');
        }
        out.extend_from_slice(&self.base.v1_rest);
        b.clear();
    }
}

fn itoa_buf(n: u64) -> String {
    n.to_string()
}

/// The requested shape of v2 payloads.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    author_id: bool,
    expand_author: bool,
    user_fields: Vec<String>,
}

const TWEET_FIELDS: &str = "article,attachments,author_id,card_uri,community_id,context_annotations,conversation_id,created_at,display_text_range,edit_controls,edit_history_tweet_ids,entities,geo,id,in_reply_to_user_id,lang,matched_media_notes,media_metadata,non_public_metrics,note_request_suggestions,note_tweet,organic_metrics,paid_partnership,possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,reply_settings,scopes,source,suggested_source_links,suggested_source_links_with_counts,text,withheld";
const EXPANSIONS: &str = "article.cover_media,article.media_entities,attachments.media_keys,attachments.media_source_tweet,attachments.poll_ids,author_id,edit_history_tweet_ids,entities.mentions.username,entities.note.mentions.username,geo.place_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.attachments.media_keys,referenced_tweets.id.author_id";
const USER_FIELDS: &str = "affiliation,confirmed_email,connection_status,created_at,description,entities,id,is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,subscription,subscription_type,url,username,verified,verified_followers_count,verified_type,withheld";
const MEDIA_FIELDS: &str = "alt_text,duration_ms,height,media_key,non_public_metrics,organic_metrics,preview_image_url,promoted_metrics,public_metrics,type,url,variants,width";
const PLACE_FIELDS: &str = "contained_within,country,country_code,full_name,geo,id,name,place_type";
const POLL_FIELDS: &str = "duration_minutes,end_datetime,id,options,voting_status";

impl Shape {
    /// Parse the stream request's query pairs (other params are ignored).
    pub fn from_query(pairs: &[(String, String)]) -> Result<Shape, Value> {
        let mut shape = Shape::default();
        for (k, v) in pairs {
            let allowed = match k.as_str() {
                "tweet.fields" => TWEET_FIELDS,
                "expansions" => EXPANSIONS,
                "user.fields" => USER_FIELDS,
                "media.fields" => MEDIA_FIELDS,
                "place.fields" => PLACE_FIELDS,
                "poll.fields" => POLL_FIELDS,
                _ => continue,
            };
            let bad: Vec<&str> = v
                .split(',')
                .filter(|x| !allowed.split(',').any(|a| a == *x))
                .collect();
            if !bad.is_empty() {
                return Err(serde_json::json!({
                    "errors": [{
                        "parameters": {k.as_str(): [v]},
                        "message": format!("The `{k}` query parameter value [{}] is not one of [{allowed}]", bad[0]),
                    }],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                }));
            }
            for x in v.split(',') {
                match (k.as_str(), x) {
                    ("tweet.fields", "author_id") => shape.author_id = true,
                    ("expansions", "author_id") => shape.expand_author = true,
                    ("user.fields", f) => shape.user_fields.push(f.to_string()),
                    _ => {}
                }
            }
        }
        Ok(shape)
    }
}

/// One rule that matched, for `matching_rules`.
pub struct MatchedRule<'a> {
    /// Rule id.
    pub id: &'a str,
    /// Rule tag (`""` when none).
    pub tag: &'a str,
}

/// Renders v2 stream payloads for one shape.
pub struct V2Renderer {
    shape: Shape,
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    // serde_json never fails to serialise a &str into a Vec.
    let _ = serde_json::to_writer(&mut *out, s);
}

impl V2Renderer {
    /// A renderer for `shape`.
    pub fn new(shape: Shape) -> V2Renderer {
        V2Renderer { shape }
    }

    /// Append one payload `{"data":…,"includes":…,"matching_rules":[…]}` (no trailing CRLF).
    pub fn write(
        &mut self,
        tweet: &Tweet<'_>,
        rules: Option<&[MatchedRule<'_>]>,
        out: &mut Vec<u8>,
    ) {
        let id = tweet.id().to_string();
        out.extend_from_slice(b"{\"data\":{\"id\":\"");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\",\"text\":");
        push_json_str(out, &tweet.base.text);
        out.extend_from_slice(b",\"edit_history_tweet_ids\":[\"");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\"]");
        if self.shape.author_id {
            out.extend_from_slice(b",\"author_id\":\"");
            out.extend_from_slice(tweet.author_id().to_string().as_bytes());
            out.push(b'"');
        }
        out.push(b'}');
        if self.shape.expand_author {
            out.extend_from_slice(b",\"includes\":{\"users\":[{\"id\":\"");
            out.extend_from_slice(tweet.author_id().to_string().as_bytes());
            out.extend_from_slice(b"\",\"name\":");
            push_json_str(out, &tweet.base.author_name);
            out.extend_from_slice(b",\"username\":");
            push_json_str(out, &tweet.base.author_username);
            out.extend_from_slice(b"}]}");
        }
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
        out.push(b'}');
    }
}

/// v1.1 statuses/filter predicates.
#[derive(Clone, Debug, Default)]
pub struct V1Filter {
    track: Vec<Vec<String>>,
    follow: Vec<u64>,
    language: Vec<String>,
}

/// A v1.1 parameter error: HTTP status (406, 413, 416) and X's short text body.
pub struct V1ParamError {
    /// HTTP status.
    pub status: u16,
    /// Text body.
    pub message: String,
}

impl V1Filter {
    /// Parse decoded form/query pairs of statuses/filter.
    pub fn from_params(
        pairs: &[(String, String)],
        require_predicate: bool,
    ) -> Result<V1Filter, V1ParamError> {
        let mut f = V1Filter::default();
        let mut has_predicate = false;
        for (k, v) in pairs {
            match k.as_str() {
                "track" => {
                    has_predicate = true;
                    for phrase in v.split(',') {
                        if phrase.len() > 60 {
                            return Err(V1ParamError {
                                status: 406,
                                message: format!("Parameter track item index 0 too long: {phrase}"),
                            });
                        }
                        let terms: Vec<String> =
                            phrase.split_whitespace().map(str::to_lowercase).collect();
                        if !terms.is_empty() {
                            f.track.push(terms);
                        }
                    }
                }
                "follow" => {
                    has_predicate = true;
                    for id in v.split(',') {
                        match id.trim().parse() {
                            Ok(id) => f.follow.push(id),
                            Err(_) => {
                                return Err(V1ParamError {
                                    status: 406,
                                    message: format!(
                                        "Parameter follow contains an invalid user id: {id}"
                                    ),
                                })
                            }
                        }
                    }
                }
                "locations" => has_predicate = true,
                "language" => f.language = v.split(',').map(str::to_string).collect(),
                _ => {}
            }
        }
        if require_predicate && !has_predicate {
            return Err(V1ParamError {
                status: 406,
                message: "No filter parameters found. Expect at least one parameter: follow track locations"
                    .into(),
            });
        }
        Ok(f)
    }

    /// Whether the tweet passes the filter.
    pub fn matches(&self, tweet: &Tweet<'_>) -> bool {
        if !self.language.is_empty() {
            let lang = tweet.base.rule.lang.as_deref().unwrap_or("und");
            if !self.language.iter().any(|l| l == lang) {
                return false;
            }
        }
        if self.track.is_empty() && self.follow.is_empty() {
            return true;
        }
        if self.follow.contains(&tweet.author_id()) {
            return true;
        }
        let text = tweet.base.text.to_lowercase();
        self.track
            .iter()
            .any(|terms| terms.iter().all(|t| text.contains(t.as_str())))
    }
}
