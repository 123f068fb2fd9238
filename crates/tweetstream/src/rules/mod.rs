//! The v2 filtered-stream rule language: parse, validate and evaluate rules offline.
//!
//! STUB: replaced by the real parser/evaluator.

mod tweet;
pub use tweet::{MediaKind, RulePlace, RuleTweet, RuleUrl};

use std::fmt;

/// Default maximum rule length (characters), as for X's Essential/Elevated and pay-per-use core tiers.
pub const DEFAULT_MAX_RULE_LENGTH: usize = 512;

/// A rule that failed to parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// One line per problem, in X's style ("... (at position N)").
    pub details: Vec<String>,
    /// 1-based character position of the first problem, when known.
    pub position: Option<usize>,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.details.join("; "))
    }
}

impl std::error::Error for RuleError {}

/// A parsed rule.
#[derive(Debug, Clone)]
pub struct Rule {
    value: String,
    terms: Vec<String>,
}

impl Rule {
    /// Parse a rule value.
    pub fn parse(value: &str) -> Result<Rule, RuleError> {
        let terms: Vec<String> = value.split_whitespace().map(|t| t.to_lowercase()).collect();
        if terms.is_empty() {
            return Err(RuleError {
                details: vec!["empty rule".into()],
                position: Some(1),
            });
        }
        Ok(Rule {
            value: value.to_string(),
            terms,
        })
    }

    /// The rule text as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the tweet matches the rule.
    pub fn matches(&self, tweet: &RuleTweet) -> bool {
        let text = tweet.text.to_lowercase();
        self.terms.iter().all(|t| text.contains(t.as_str()))
    }
}

/// Check a rule value offline: syntax and the length limit.
pub fn validate(value: &str, max_len: usize) -> Result<(), RuleError> {
    if value.chars().count() > max_len {
        return Err(RuleError {
            details: vec![format!(
                "Rule is too long: {} characters, the limit is {max_len}",
                value.chars().count()
            )],
            position: None,
        });
    }
    Rule::parse(value).map(|_| ())
}

/// The check the client runs before sending a rule: the length limit and the syntax. Operators
/// that tweetstream's evaluator cannot run (but X accepts) are not an error here.
pub fn check_before_sending(value: &str, max_len: usize) -> Result<(), RuleError> {
    validate(value, max_len)
}
