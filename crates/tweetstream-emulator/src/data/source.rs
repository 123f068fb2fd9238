//! Tweet sources: corpora replayed in a loop and the synthetic generator.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};
use tweetstream_rules::RuleTweet;

use super::ids::Renumber;
use super::json::Template;
use super::model::{Corpus, TweetRec};
use super::{rules, synth, v1in, v1out, v2in};

static NEXT_UID: AtomicU64 = AtomicU64::new(1);

/// Per-base-tweet data shared by every connection.
pub(crate) struct BaseRec {
    /// Index into `Corpus::tweets`.
    pub tweet: u32,
    pub rule: RuleTweet,
    /// The v1.1 status template (built at load for v1.1 input, on first use otherwise).
    pub v1: OnceLock<Template>,
    /// Sorted track tokens (built on first use by `V1Filter`).
    pub tokens: OnceLock<Box<[Box<str>]>>,
}

pub(crate) struct Inner {
    /// Identifies the source for renderer caches.
    pub uid: u64,
    pub corpus: Corpus,
    pub base: Vec<BaseRec>,
    pub ranks: HashMap<u64, u32>,
    pub ren: Renumber,
}

/// A source of tweets: a corpus replayed in a loop, or a seeded synthetic generator.
/// Cheap to clone (`Arc` inside), `Send + Sync`.
///
/// Ids: loop 0 keeps the original ids; loop `k ≥ 1` maps the corpus tweet of rank `r` (rank in
/// the sorted list of the `N` distinct tweet ids of the corpus, embedded/referenced ones
/// included) to `START + (k − 1)·N + r`, with `START` = largest corpus id + 1. References to
/// corpus tweets (retweeted/quoted/replied-to, `conversation_id`, `edit_history_tweet_ids`,
/// media `source_status_id`, `pinned_tweet_id`) get the same mapping; other ids (users, media,
/// tweets outside the corpus) are unchanged. Ids stay within `i64`.
#[derive(Clone)]
pub struct Source {
    inner: Arc<Inner>,
    /// The loop position 0 is in (see [`Source::from_loop`]).
    first_loop: u64,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("base_len", &self.base_len())
            .field("tweets", &self.inner.corpus.tweets.len())
            .field("users", &self.inner.corpus.users.len())
            .field("first_loop", &self.first_loop)
            .finish()
    }
}

/// Number of base tweets of [`Source::synthetic`].
pub const SYNTHETIC_BASE_LEN: usize = 5_000;

impl Source {
    /// Deterministic synthetic tweets (several languages, users, entities, replies, retweets,
    /// quotes, media, places, polls). Same seed → same sequence. [`SYNTHETIC_BASE_LEN`] base
    /// tweets.
    pub fn synthetic(seed: u64) -> Source {
        Source::synthetic_with_len(seed, SYNTHETIC_BASE_LEN)
    }

    /// Like [`Source::synthetic`] with `base_len` base tweets (at least 1).
    pub fn synthetic_with_len(seed: u64, base_len: usize) -> Source {
        let corpus = synth::generate(seed, base_len.max(1));
        Source::finish(corpus, Vec::new())
    }

    /// Load a corpus: a v1.1 search response `{"statuses":[…]}` (like shared/data/twitter.json),
    /// a JSON array of v1.1 statuses, JSONL of v1.1 statuses, or JSONL of v2 stream payloads
    /// (`{"data":…,"includes":…}`). Lines that are not tweets are skipped; an empty result is an error.
    pub fn from_path(path: &Path) -> Result<Source, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Source::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// [`Source::from_path`] on bytes already in memory. Also accepts concatenated or
    /// pretty-printed JSON objects, and v2 payloads whose `data` is an array.
    pub fn from_bytes(bytes: &[u8]) -> Result<Source, String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut loader = Loader::default();
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => loader.add(v),
            Err(_) => loader.add_stream(bytes),
        }
        if loader.corpus.base.is_empty() {
            return Err("no tweets found (expected v1.1 statuses or v2 stream payloads)".into());
        }
        Ok(Source::finish(loader.corpus, loader.pending))
    }

    fn finish(mut corpus: Corpus, pending: Vec<(u32, Map<String, Value>)>) -> Source {
        corpus.resolve_conversations();
        let ids = corpus.sorted_ids();
        let ranks: HashMap<u64, u32> = ids
            .iter()
            .enumerate()
            .map(|(r, &id)| (id, r as u32))
            .collect();
        let ren = Renumber::new(&ids);
        let base: Vec<BaseRec> = corpus
            .base
            .iter()
            .map(|&ti| BaseRec {
                tweet: ti,
                rule: corpus
                    .tweets
                    .get(ti as usize)
                    .map(|t| rules::rule_tweet(&corpus, t))
                    .unwrap_or_default(),
                v1: OnceLock::new(),
                tokens: OnceLock::new(),
            })
            .collect();
        let pos: HashMap<u32, usize> = base.iter().enumerate().map(|(i, b)| (b.tweet, i)).collect();
        for (ti, mut map) in pending {
            if let Some(b) = pos.get(&ti).and_then(|&i| base.get(i)) {
                if b.v1.get().is_none() {
                    v1out::prepare_input(&mut map);
                    let _ = b.v1.set(v1out::template(&ranks, &Value::Object(map)));
                }
            }
        }
        Source {
            inner: Arc::new(Inner {
                uid: NEXT_UID.fetch_add(1, Ordering::Relaxed),
                corpus,
                base,
                ranks,
                ren,
            }),
            first_loop: 0,
        }
    }

    /// The same tweets with the sequence starting at loop `first_loop`: position 0 is base
    /// tweet 0 of that loop, so every id is taken from that loop's fresh block (loop 0 is the
    /// original ids). The emulator's command line uses it to serve a corpus with new ids on each
    /// run (a restarted emulator then never re-sends ids a client already stored).
    pub fn from_loop(mut self, first_loop: u64) -> Source {
        self.first_loop = first_loop;
        self
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Number of distinct tweets before the sequence loops.
    pub fn base_len(&self) -> usize {
        self.inner.base.len()
    }

    /// The `seq`-th tweet of the endless sequence (seq = 0, 1, 2, …). Loop k = seq / base_len
    /// (plus [`from_loop`](Self::from_loop)'s start) renumbers every tweet id (and ids that
    /// refer to tweets of the corpus) so that ids stay unique across loops; loop 0 keeps the
    /// original ids.
    pub fn get(&self, seq: u64) -> Tweet<'_> {
        let n = self.inner.base.len().max(1) as u64;
        Tweet {
            inner: &self.inner,
            base: (seq % n) as usize,
            lp: (seq / n).saturating_add(self.first_loop),
            seq,
        }
    }
}

#[derive(Default)]
struct Loader {
    corpus: Corpus,
    /// v1.1 input statuses kept until ranks are known: (tweet index, JSON).
    pending: Vec<(u32, Map<String, Value>)>,
}

impl Loader {
    fn add(&mut self, v: Value) {
        match v {
            Value::Array(items) => {
                for item in items {
                    self.add(item);
                }
            }
            Value::Object(mut o) => {
                if matches!(o.get("statuses"), Some(Value::Array(_))) {
                    if let Some(Value::Array(items)) = o.remove("statuses") {
                        for item in items {
                            if let Value::Object(s) = item {
                                self.add_status(s);
                            }
                        }
                    }
                } else if v2in::is_payload(&o) {
                    v2in::ingest(&mut self.corpus, &o);
                } else {
                    self.add_status(o);
                }
            }
            _ => {}
        }
    }

    fn add_status(&mut self, o: Map<String, Value>) {
        let before = self.corpus.base.len();
        if let Some(i) = v1in::ingest(&mut self.corpus, &o, true, 0) {
            if self.corpus.base.len() > before {
                self.pending.push((i, o));
            }
        }
    }

    /// JSONL / concatenated JSON: parse value after value; skip to the next line on garbage.
    fn add_stream(&mut self, bytes: &[u8]) {
        let mut pos = 0usize;
        while pos < bytes.len() {
            let rest = bytes.get(pos..).unwrap_or_default();
            let mut it = serde_json::Deserializer::from_slice(rest).into_iter::<Value>();
            match it.next() {
                Some(Ok(v)) => {
                    let used = it.byte_offset().max(1);
                    self.add(v);
                    pos += used;
                }
                Some(Err(_)) => match memchr::memchr(b'\n', rest) {
                    Some(nl) => pos += nl + 1,
                    None => break,
                },
                None => break,
            }
        }
    }
}

/// One tweet of the sequence. Cheap (a reference to the base tweet plus the loop number).
#[derive(Clone, Copy)]
pub struct Tweet<'a> {
    inner: &'a Inner,
    base: usize,
    lp: u64,
    seq: u64,
}

impl std::fmt::Debug for Tweet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tweet")
            .field("seq", &self.seq)
            .field("id", &self.id())
            .field("loop", &self.lp)
            .finish()
    }
}

static EMPTY_RULE: OnceLock<RuleTweet> = OnceLock::new();

impl<'a> Tweet<'a> {
    pub(crate) fn inner(&self) -> &'a Inner {
        self.inner
    }

    pub(crate) fn base_index(&self) -> usize {
        self.base
    }

    pub(crate) fn base_rec(&self) -> Option<&'a BaseRec> {
        self.inner.base.get(self.base)
    }

    pub(crate) fn rec(&self) -> Option<&'a TweetRec> {
        let b = self.base_rec()?;
        self.inner.corpus.tweets.get(b.tweet as usize)
    }

    /// Position in the endless sequence.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Loop number (`seq / base_len`); 0 = original ids.
    pub fn loop_index(&self) -> u64 {
        self.lp
    }

    /// The (renumbered) tweet id.
    pub fn id(&self) -> u64 {
        let Some(t) = self.rec() else { return 0 };
        match self.inner.ranks.get(&t.id) {
            Some(&r) => self.inner.ren.map(t.id, r, self.lp),
            None => t.id,
        }
    }

    /// The author's user id.
    pub fn author_id(&self) -> u64 {
        self.rec().map(|t| t.author_id).unwrap_or(0)
    }

    /// Facts for rule matching (`tweetstream_rules::Rule::matches`). Ids inside are those of
    /// loop 0.
    pub fn rule_input(&self) -> &'a RuleTweet {
        match self.base_rec() {
            Some(b) => &b.rule,
            None => EMPTY_RULE.get_or_init(RuleTweet::default),
        }
    }

    /// Append the compact v1.1 status JSON (no trailing CRLF), ids renumbered.
    ///
    /// v1.1 input is written as read (minus the search-only `metadata`, plus `filter_level`
    /// `low` and `timestamp_ms` when missing); other tweets get a best-effort v1.1 status.
    pub fn write_v1(&self, out: &mut Vec<u8>) {
        let Some(b) = self.base_rec() else { return };
        let inner = self.inner;
        let tpl =
            b.v1.get_or_init(|| match inner.corpus.tweets.get(b.tweet as usize) {
                Some(t) => v1out::template(&inner.ranks, &v1out::status(&inner.corpus, t, true, 0)),
                None => Template::default(),
            });
        out.reserve(tpl.len_hint());
        tpl.write(&inner.ren, self.lp, out);
    }
}
