//! Evaluation of parsed rules against tweets.

use std::cell::OnceCell;

use super::ast::{CountKind, HasKind, IsKind, Node, Pred, ProfileField, UserRef};
use super::operators::{haversine_km, lower};
use super::tokens::{tokenize, Tokens};
use super::tweet::Content;
use super::{MediaKind, Rule, RuleTweet};

/// One content part of a Post (its own, or its quoted Post's) with lazily computed, cached
/// tokenisations of its text and URLs.
#[derive(Debug)]
struct PreparedContent<'a> {
    content: Content<'a>,
    text: OnceCell<Tokens>,
    urls: OnceCell<Vec<Tokens>>,
    urls_lower: OnceCell<Vec<String>>,
}

impl<'a> PreparedContent<'a> {
    fn new(content: Content<'a>) -> PreparedContent<'a> {
        PreparedContent {
            content,
            text: OnceCell::new(),
            urls: OnceCell::new(),
            urls_lower: OnceCell::new(),
        }
    }

    fn text(&self) -> &Tokens {
        self.text.get_or_init(|| tokenize(self.content.text))
    }

    /// Tokenised `url` and `expanded_url` of every URL entity.
    fn urls(&self) -> &[Tokens] {
        self.urls.get_or_init(|| {
            self.content
                .urls
                .iter()
                .flat_map(|u| std::iter::once(u.url.as_str()).chain(u.expanded_url.as_deref()))
                .map(tokenize)
                .collect()
        })
    }

    /// Lower-cased `url`, `expanded_url` and `display_url` of every URL entity.
    fn urls_lower(&self) -> &[String] {
        self.urls_lower.get_or_init(|| {
            self.content
                .urls
                .iter()
                .flat_map(|u| {
                    std::iter::once(u.url.as_str())
                        .chain(u.expanded_url.as_deref())
                        .chain(u.display_url.as_deref())
                })
                .map(lower)
                .collect()
        })
    }
}

/// A tweet plus lazily computed, cached tokenisations of its text, its quoted Post's text,
/// its author's profile and its URLs.
///
/// [`Rule::matches`] builds one per call; when testing many rules against the same tweet,
/// build one `PreparedTweet` and call [`Rule::matches_prepared`] for each rule, so the text is
/// tokenised once.
#[derive(Debug)]
pub struct PreparedTweet<'a> {
    tweet: &'a RuleTweet,
    own: PreparedContent<'a>,
    quoted: Option<PreparedContent<'a>>,
    description: OnceCell<Option<Tokens>>,
    name: OnceCell<Tokens>,
    location: OnceCell<Option<Tokens>>,
}

impl<'a> PreparedTweet<'a> {
    /// Wrap a tweet; nothing is computed until a rule needs it.
    pub fn new(tweet: &'a RuleTweet) -> PreparedTweet<'a> {
        PreparedTweet {
            tweet,
            own: PreparedContent::new(tweet.content()),
            quoted: tweet
                .quoted
                .as_ref()
                .map(|q| PreparedContent::new(q.content())),
            description: OnceCell::new(),
            name: OnceCell::new(),
            location: OnceCell::new(),
        }
    }

    /// The wrapped tweet.
    pub fn tweet(&self) -> &'a RuleTweet {
        self.tweet
    }

    /// Whether `f` holds for the Post's own content or, for a Quote Tweet, the quoted Post's.
    fn any_content(&self, f: impl Fn(&PreparedContent<'a>) -> bool) -> bool {
        f(&self.own) || self.quoted.as_ref().is_some_and(f)
    }

    fn profile(&self, field: ProfileField) -> Option<&Tokens> {
        match field {
            ProfileField::Description => self
                .description
                .get_or_init(|| self.tweet.author_description.as_deref().map(tokenize))
                .as_ref(),
            ProfileField::Name => Some(self.name.get_or_init(|| tokenize(&self.tweet.author_name))),
            ProfileField::Location => self
                .location
                .get_or_init(|| self.tweet.author_location.as_deref().map(tokenize))
                .as_ref(),
        }
    }
}

/// The bucket (0–99) of a tweet id for `sample:`: a tweet matches `sample:N` when its bucket
/// is below N. Deterministic: SplitMix64 of the id, modulo 100.
pub fn sample_bucket(tweet_id: u64) -> u8 {
    let mut z = tweet_id.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    u8::try_from(z % 100).unwrap_or(0)
}

impl UserRef {
    fn is(&self, id: Option<u64>, username: Option<&str>) -> bool {
        (self.id.is_some() && self.id == id) || username.is_some_and(|u| eq_lower(u, &self.name))
    }
}

/// Whether `raw` lower-cased equals `lowered`, without allocating.
pub(crate) fn eq_lower(raw: &str, lowered: &str) -> bool {
    raw.chars().flat_map(char::to_lowercase).eq(lowered.chars())
}

fn point_in_circle(lon: f64, lat: f64, c_lon: f64, c_lat: f64, r_km: f64) -> bool {
    haversine_km(lon, lat, c_lon, c_lat) <= r_km
}

fn any_eq_lower(list: &[String], lowered: &str) -> bool {
    list.iter().any(|x| eq_lower(x, lowered))
}

/// The `has:` operators about a Post's content (entities and media).
fn has_content(kind: HasKind, c: &Content<'_>) -> bool {
    match kind {
        HasKind::Links => !c.urls.is_empty() || !c.media.is_empty(),
        HasKind::Media => !c.media.is_empty(),
        HasKind::Images => c.media.contains(&MediaKind::Photo),
        HasKind::Videos => c.media.contains(&MediaKind::Video),
        HasKind::Hashtags => !c.hashtags.is_empty(),
        HasKind::Cashtags => !c.cashtags.is_empty(),
        HasKind::Mentions => !c.mentions.is_empty(),
        // Not content: the Post's own geo tag (tested by the caller).
        HasKind::Geo => false,
    }
}

fn eval_pred(pred: &Pred, cx: &PreparedTweet<'_>) -> bool {
    let t = cx.tweet;
    match pred {
        // Content operators: the Post's own content or its quoted Post's.
        Pred::Text(p) => cx.any_content(|c| c.text().phrase(p)),
        Pred::Near { words, slop } => cx.any_content(|c| c.text().near(words, *slop)),
        Pred::Hashtag(h) => cx.any_content(|c| any_eq_lower(c.content.hashtags, h)),
        Pred::Mention(m) => cx.any_content(|c| any_eq_lower(c.content.mentions, m)),
        Pred::Cashtag(x) => cx.any_content(|c| any_eq_lower(c.content.cashtags, x)),
        Pred::Url(p) => cx.any_content(|c| c.urls().iter().any(|toks| toks.phrase(p))),
        Pred::UrlContains(s) => {
            cx.any_content(|c| c.urls_lower().iter().any(|u| u.contains(s.as_str())))
        }
        Pred::Has(HasKind::Geo) => t.coordinates.is_some() || t.place.is_some(),
        Pred::Has(kind) => cx.any_content(|c| has_content(*kind, &c.content)),
        // Operators about the Post itself and its author: the Quote Tweet only.
        Pred::From(u) => u.is(Some(t.author_id), Some(&t.author_username)),
        Pred::To(u) => u.is(t.in_reply_to_user_id, t.in_reply_to_username.as_deref()),
        Pred::RetweetsOf(u) => t
            .retweet_of
            .as_ref()
            .is_some_and(|(_, id, name)| u.is(Some(*id), Some(name))),
        Pred::Lang(l) => t.lang.as_deref().unwrap_or("und").eq_ignore_ascii_case(l),
        Pred::Is(kind) => match kind {
            IsKind::Retweet => t.retweet_of.is_some(),
            IsKind::Reply => t.in_reply_to_tweet_id.is_some() || t.in_reply_to_user_id.is_some(),
            IsKind::Quote => t.quoted.is_some(),
            IsKind::Verified => t.author_verified,
            IsKind::Nullcast => t.nullcast,
        },
        Pred::Sample(_) => true,
        Pred::ConversationId(id) => t.conversation_id.unwrap_or(t.id) == *id,
        Pred::InReplyToTweetId(id) => t.in_reply_to_tweet_id == Some(*id),
        Pred::RetweetsOfTweetId(id) => t.retweet_of.as_ref().is_some_and(|(rt, _, _)| rt == id),
        Pred::Place(v) => t.place.as_ref().is_some_and(|p| {
            eq_lower(&p.id, v) || eq_lower(&p.name, v) || eq_lower(&p.full_name, v)
        }),
        Pred::PlaceCountry(cc) => t
            .place
            .as_ref()
            .and_then(|p| p.country_code.as_deref())
            .is_some_and(|c| c.eq_ignore_ascii_case(cc)),
        Pred::PointRadius {
            lon,
            lat,
            radius_km,
        } => {
            if t.retweet_of.is_some() {
                return false;
            }
            let point = t
                .coordinates
                .is_some_and(|[x, y]| point_in_circle(x, y, *lon, *lat, *radius_km));
            point
                || t.place
                    .as_ref()
                    .and_then(|p| p.bbox)
                    .is_some_and(|[w, s, e, n]| {
                        [(w, s), (w, n), (e, s), (e, n)]
                            .iter()
                            .all(|&(x, y)| point_in_circle(x, y, *lon, *lat, *radius_km))
                    })
        }
        Pred::BoundingBox {
            west,
            south,
            east,
            north,
        } => {
            if t.retweet_of.is_some() {
                return false;
            }
            let inside = |x: f64, y: f64| x >= *west && x <= *east && y >= *south && y <= *north;
            t.coordinates.is_some_and(|[x, y]| inside(x, y))
                || t.place
                    .as_ref()
                    .and_then(|p| p.bbox)
                    .is_some_and(|[w, s, e, n]| inside(w, s) && inside(e, n))
        }
        Pred::Profile(field, p) => cx.profile(*field).is_some_and(|toks| toks.phrase(p)),
        Pred::Source(s) => t.source.as_deref().is_some_and(|x| eq_lower(x.trim(), s)),
        Pred::Count { kind, min, max } => {
            let v = match kind {
                CountKind::Followers => t.author_followers_count,
                CountKind::Following => t.author_following_count,
                CountKind::Tweets => t.author_tweet_count,
                CountKind::Listed => t.author_listed_count,
            };
            v.is_some_and(|v| v >= *min && v <= *max)
        }
        Pred::Invalid => false,
    }
}

impl Rule {
    /// Whether the tweet matches the rule.
    ///
    /// To test many rules against one tweet, prefer [`Rule::matches_prepared`] with one
    /// [`PreparedTweet`], which tokenises the tweet once.
    pub fn matches(&self, tweet: &RuleTweet) -> bool {
        self.matches_prepared(&PreparedTweet::new(tweet))
    }

    /// Whether the tweet matches the rule, reusing the tweet's cached tokenisation.
    pub fn matches_prepared(&self, tweet: &PreparedTweet<'_>) -> bool {
        if let Some(n) = self.sample {
            if sample_bucket(tweet.tweet().id) >= n {
                return false;
            }
        }
        eval(&self.root, tweet)
    }
}

/// Sort every AND's conjuncts so that cheap predicates are tested first.
pub(crate) fn optimize(node: &mut Node) {
    match node {
        Node::And(items, _) => {
            items.iter_mut().for_each(optimize);
            items.sort_by_key(Node::cost);
        }
        Node::Or(items, _) => items.iter_mut().for_each(optimize),
        Node::Leaf(_) => {}
    }
}

/// Evaluate a rule tree (the `sample:` gate is applied by the caller).
fn eval(node: &Node, cx: &PreparedTweet<'_>) -> bool {
    match node {
        Node::And(items, _) => items.iter().all(|n| eval(n, cx)),
        Node::Or(items, _) => items.iter().any(|n| eval(n, cx)),
        Node::Leaf(l) => l.negated != eval_pred(&l.pred, cx),
    }
}
