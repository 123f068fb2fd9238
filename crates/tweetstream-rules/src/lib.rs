//! # tweetstream-rules
//!
//! The X (Twitter) v2 filtered-stream rule language: parse, validate and (with the `eval`
//! feature) evaluate rules offline.
//!
//! [`Rule::parse`] checks a rule the way X's rules endpoint does (syntax and semantic checks,
//! with errors in X's `"... (at position N)"` style); [`validate`] also applies a length limit;
//! [`check_before_sending`] is the check a client runs before it sends a rule. With the `eval`
//! feature, `Rule::matches` evaluates a parsed rule against a `RuleTweet`.
//!
//! ```
//! use tweetstream_rules::{validate, Rule, DEFAULT_MAX_RULE_LENGTH};
//!
//! assert!(validate("(cat OR dog) has:images -is:retweet", DEFAULT_MAX_RULE_LENGTH).is_ok());
//! let err = Rule::parse("has:images").unwrap_err();
//! assert_eq!(err.details, ["is/has/lang cannot be used as a standalone operator (at position 1)"]);
//! ```
//!
//! # Syntax
//!
//! * A space is AND, `OR` (upper case) is OR, a leading `-` negates a term, parentheses group.
//!   **AND binds tighter than OR**: `apple OR iphone ipad` is `apple OR (iphone ipad)`.
//!   `AND` is rejected as ambiguous, as X does; lower-case `or` / `and` are keywords.
//! * A rule cannot consist only of negations (nor may any OR branch); a negated group
//!   `-(a OR b)` is rejected (write `-a -b`).
//! * Conjunction-required operators (`is:`, `has:`, `lang:`, `sample:`, `-is:nullcast`,
//!   `source:`, `url_contains:`, `in_reply_to_tweet_id:`, `retweets_of_tweet_id:`, the
//!   `*_count:` operators) need a positive standalone operator in the same AND (in every OR
//!   branch). `is:nullcast` must be negated; `sample:` cannot be.
//! * Quoted strings take `\"` and `\\` escapes. Operator values may be quoted
//!   (`place:"new york city"`); geo operators take brackets (`point_radius:[lon lat 10km]`).
//!
//! # Matching (feature `eval`)
//!
//! * Keywords, emoji, `"phrases"` and `"proximity"~N` are matched against the tokens of the
//!   tweet text. Tokenisation splits on whitespace, punctuation and symbols (`coca-cola` → `coca`, `cola`), keeps accented letters inside
//!   tokens (accents are significant), is case-insensitive, and makes each emoji, and each
//!   Han/kana character, a token. A keyword matches whole tokens (`cat` ≠ "cats"); a keyword
//!   that tokenises into several tokens (`coca-cola`, `東京`) matches them consecutively.
//! * A quoted phrase matches its tokens consecutively, punctuation included: `"coca-cola"`
//!   needs the hyphen, while punctuation in the tweet that the phrase does not mention is
//!   skipped (`"hello world"` matches "hello, world").
//! * `"kw1 kw2"~N` (N ≤ 6): the keywords within N words of each other in order, or N−2 in
//!   reverse order (Lucene slop).
//! * `#tag`, `@user`, `$cash`: case-insensitive exact match on the tweet's entities.
//! * `from:`/`to:`/`retweets_of:`: username (case-insensitive, optional `@`) or numeric id.
//!   `to:` uses the reply fields.
//! * `url:` tokenised (phrase, punctuation kept) match on each URL entity's `url` or
//!   `expanded_url`; `url_contains:` case-insensitive substring of `url`, `expanded_url` or
//!   `display_url`.
//! * `place:` place id, name or full name (case-insensitive, whole value);
//!   `place_country:` ISO code. `point_radius:` / `bounding_box:` match the tweet's point, or
//!   its place's bounding box when **fully contained**; they never match retweets. Radii and
//!   box sides must be under 25 miles.
//! * `sample:N` keeps a deterministic N% of tweets (see `sample_bucket`) and applies to the
//!   whole rule wherever it is written.
//! * `conversation_id:` also matches the conversation's root (a tweet whose
//!   `conversation_id` is unset and whose own id is the value).
//! * **Quote Tweets** match on their own content and on the quoted Post's, as X documents for
//!   the filtered stream: the content operators (keywords, emoji, phrases, proximity, `#`,
//!   `@`, `$`, `url:`, `url_contains:`, and `has:` hashtags/cashtags/mentions/links/media/
//!   images/videos) match when the Quote Tweet or the quoted Post satisfies them (so a
//!   negated one excludes a Quote Tweet whose quoted Post has it). Each term is tested on its
//!   own: `true rust` matches "So true" quoting "Rust is out", a phrase never spans the two
//!   texts. The other operators (author, reply, retweet, `is:`, `lang:`, place and geo,
//!   profile, counts, `source:`, ids) test the Quote Tweet itself. See `RuleQuoted`.
//! * `-is:nullcast` leaves out nullcast Posts (created for promotion only, not shown in
//!   timelines); `is:nullcast` must be negated, as X requires.
//!
//! Operators in [`UNSUPPORTED_OPERATORS`] are rejected with an error naming them.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod ast;
mod error;
#[cfg(feature = "eval")]
mod eval;
mod lexer;
mod operators;
mod parser;
mod tokens;
#[cfg(feature = "eval")]
mod tweet;

pub use error::{RuleError, RuleErrorKind};
#[cfg(feature = "eval")]
pub use eval::{sample_bucket, PreparedTweet};
pub use operators::{SUPPORTED_OPERATORS, UNSUPPORTED_OPERATORS};
#[cfg(feature = "eval")]
pub use tokens::keyword_tokens;
#[cfg(feature = "eval")]
pub use tweet::{MediaKind, RulePlace, RuleQuoted, RuleTweet, RuleUrl};

use error::Problem;

/// Default maximum rule length, in characters: 1,024, what X's pay-per-use and Pro tiers allow
/// (Enterprise allows 2,048; the old Essential and Elevated tiers allowed 512).
pub const DEFAULT_MAX_RULE_LENGTH: usize = 1024;

/// A parsed rule.
#[derive(Debug, Clone)]
pub struct Rule {
    value: String,
    /// The canonical form (`Display`), taken before the evaluator reorders the tree.
    canonical: String,
    /// The rule tree and its `sample:` percentage: what the evaluator runs.
    #[cfg_attr(not(feature = "eval"), allow(dead_code))]
    root: ast::Node,
    #[cfg_attr(not(feature = "eval"), allow(dead_code))]
    sample: Option<u8>,
}

impl Rule {
    /// Parse a rule value: syntax and semantic checks (no length check, see [`validate`]).
    pub fn parse(value: &str) -> Result<Rule, RuleError> {
        let chars: Vec<char> = value.chars().collect();
        if chars.iter().all(|c| c.is_whitespace()) {
            return Err(RuleError::from_problems(vec![Problem::new(
                RuleErrorKind::Empty,
                "Rule must not be empty".to_string(),
                1,
            )]));
        }
        let items = lexer::lex(&chars).map_err(|p| RuleError::from_problems(vec![p]))?;
        #[cfg_attr(not(feature = "eval"), allow(unused_mut))]
        let (mut root, term_problems) =
            parser::parse(items, chars.len() + 1).map_err(|p| RuleError::from_problems(vec![p]))?;
        let mut problems = parser::check(&root);
        problems.extend(term_problems);
        if !problems.is_empty() {
            return Err(RuleError::from_problems(problems));
        }
        let sample = parser::sample_of(&root);
        let canonical = root.to_string();
        #[cfg(feature = "eval")]
        eval::optimize(&mut root);
        Ok(Rule {
            value: value.to_string(),
            canonical,
            root,
            sample,
        })
    }

    /// The rule text as given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// The rule in a canonical form (see [`Rule::value`] for the text as given): its terms as
/// written, single spaces, ` OR ` between alternatives and parentheses only where an OR sits
/// inside an AND. `Rule::parse(&rule.to_string())` gives a rule that displays the same and
/// matches the same tweets.
impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.canonical)
    }
}

impl std::str::FromStr for Rule {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<Rule, RuleError> {
        Rule::parse(s)
    }
}

/// Check a rule value offline: the length limit (in characters, whole string), then
/// [`Rule::parse`].
pub fn validate(value: &str, max_len: usize) -> Result<(), RuleError> {
    let len = value.chars().count();
    if len > max_len {
        return Err(RuleError::too_long(len, max_len));
    }
    Rule::parse(value).map(|_| ())
}

/// The check the client runs before sending a rule: the length limit and the syntax. Operators
/// that X accepts but tweetstream's evaluator cannot run are not an error here.
pub fn check_before_sending(value: &str, max_len: usize) -> Result<(), RuleError> {
    match validate(value, max_len) {
        Err(e) if e.is_unsupported_operator() => Ok(()),
        other => other,
    }
}
