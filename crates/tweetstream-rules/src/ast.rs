//! The parsed form of a rule.

use super::tokens::Pattern;

/// A user given by `from:`, `to:`, `retweets_of:`: a username (lower-cased) and, when the value
/// is all digits, the numeric id it may also mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserRef {
    pub(crate) name: String,
    pub(crate) id: Option<u64>,
}

/// `is:` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IsKind {
    Retweet,
    Reply,
    Quote,
    Verified,
    Nullcast,
}

/// `has:` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HasKind {
    Links,
    Media,
    Images,
    Videos,
    Hashtags,
    Cashtags,
    Mentions,
    Geo,
}

/// Author counters for `followers_count:` and friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CountKind {
    Followers,
    Following,
    Tweets,
    Listed,
}

/// Author profile fields for `bio:`, `bio_name:`, `bio_location:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileField {
    Description,
    Name,
    Location,
}

/// One predicate on a tweet. Its values are read by the evaluator only (feature `eval`).
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "eval"), allow(dead_code))]
pub(crate) enum Pred {
    /// keyword / emoji / quoted phrase (tokenised, see `Tokens::phrase`) on text + quoted text
    Text(Pattern),
    /// `"kw1 kw2"~N`
    Near {
        words: Vec<String>,
        slop: usize,
    },
    Hashtag(String),
    Mention(String),
    Cashtag(String),
    From(UserRef),
    To(UserRef),
    RetweetsOf(UserRef),
    Url(Pattern),
    UrlContains(String),
    Lang(String),
    Is(IsKind),
    Has(HasKind),
    /// Evaluates to true in place; the rule applies the sample as a whole-rule gate.
    Sample(u8),
    ConversationId(u64),
    InReplyToTweetId(u64),
    RetweetsOfTweetId(u64),
    Place(String),
    PlaceCountry(String),
    PointRadius {
        lon: f64,
        lat: f64,
        radius_km: f64,
    },
    BoundingBox {
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    },
    Profile(ProfileField, Pattern),
    Source(String),
    Count {
        kind: CountKind,
        min: u64,
        max: u64,
    },
    /// A term that failed to parse (only exists while errors are being collected).
    Invalid,
}

/// A (possibly negated) predicate with its position.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub(crate) pos: usize,
    /// The term as written (with its `-`).
    pub(crate) src: String,
    pub(crate) negated: bool,
    /// Whether the operator may stand alone (X's "standalone" vs "conjunction-required").
    pub(crate) standalone: bool,
    /// Display name used in messages (`is:`, `has:`, `sample:`, `keyword`...).
    pub(crate) family: &'static str,
    pub(crate) pred: Pred,
}

/// A rule tree. AND binds tighter than OR; groups are flattened.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Vec<Node>, usize),
    Or(Vec<Node>, usize),
    Leaf(Leaf),
}

impl Node {
    /// 1-based position where this node starts.
    pub(crate) fn pos(&self) -> usize {
        match self {
            Node::And(_, p) | Node::Or(_, p) => *p,
            Node::Leaf(l) => l.pos,
        }
    }

    /// Rough evaluation cost, to test cheap conjuncts first.
    #[cfg(feature = "eval")]
    pub(crate) fn cost(&self) -> u8 {
        match self {
            Node::And(..) | Node::Or(..) => 3,
            Node::Leaf(l) => match l.pred {
                Pred::Text(_) | Pred::Near { .. } | Pred::Profile(..) | Pred::Url(_) => 2,
                Pred::UrlContains(_) | Pred::PointRadius { .. } | Pred::BoundingBox { .. } => 1,
                _ => 0,
            },
        }
    }
}

/// The rule in a canonical form: terms as written, one space between the terms of an AND,
/// ` OR ` between branches, parentheses only around an OR inside an AND. Parsing it gives the
/// same tree, so parse → display → parse is stable.
impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (items, sep) = match self {
            Node::Leaf(l) => return f.write_str(&l.src),
            Node::And(items, _) => (items, " "),
            Node::Or(items, _) => (items, " OR "),
        };
        for (i, n) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            match n {
                // An OR inside an AND (ORs inside ORs are flattened by the parser).
                Node::Or(..) => write!(f, "({n})")?,
                _ => write!(f, "{n}")?,
            }
        }
        Ok(())
    }
}
