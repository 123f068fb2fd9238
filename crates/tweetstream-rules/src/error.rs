//! Why a rule was rejected: [`RuleError`] (X's messages and positions) and its typed
//! [`RuleErrorKind`].

/// At most this many details are reported for one rule.
const MAX_DETAILS: usize = 10;

/// What is wrong with a rule, as a value a program can match on.
///
/// One kind per problem found (see [`RuleError::kinds`]); [`RuleError::kind`] picks the one
/// that matters. The names in `operator` are as the rule spells the operator family, lower-cased
/// (`is:`, `has:`, `sample:`, `from:`, `point_radius:`, `#`, `@`, `$`, `keyword`,
/// `"phrase"`, `"phrase"~N`), or, for an unknown operator, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// The rule is empty or only white space.
    Empty,
    /// The rule is longer than the limit (both in characters).
    TooLong {
        /// The rule's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A `"` is never closed.
    UnbalancedQuotes,
    /// A `[` is never closed.
    UnbalancedBrackets,
    /// A `(` is never closed, or a `)` has no `(`.
    UnbalancedParens,
    /// Parentheses are nested more than `max` levels deep.
    TooDeep {
        /// The deepest nesting accepted.
        max: usize,
    },
    /// Other syntax errors: a misplaced `OR` or `)`, empty parentheses, a rule ending after
    /// `OR`, the ambiguous `AND`, a `~` not followed by a number.
    Syntax,
    /// A negated parenthesised group, `-(a OR b)` (write `-a -b`).
    NegatedGroup,
    /// The rule, or one of its OR branches, has only negated terms.
    OnlyNegated,
    /// A conjunction-required operator (`is:`, `has:`, `lang:`, `sample:`, …) with no positive
    /// standalone operator beside it.
    NotStandalone {
        /// The operator blamed.
        operator: String,
    },
    /// An operator that must be negated was not (`is:nullcast`: write `-is:nullcast`).
    MustBeNegated {
        /// The operator.
        operator: String,
    },
    /// An operator that cannot be negated was (`-sample:`).
    CannotBeNegated {
        /// The operator.
        operator: String,
    },
    /// An operator X does not know (`foo:bar`, `has:polls`, `is:bot`).
    UnknownOperator {
        /// The operator as written (`foo`, `has:polls`).
        operator: String,
    },
    /// An operator X accepts but this crate's evaluator cannot run (see
    /// [`UNSUPPORTED_OPERATORS`](crate::UNSUPPORTED_OPERATORS)).
    UnsupportedOperator {
        /// The operator (`context:`, `url_title:`, …).
        operator: String,
    },
    /// A known operator, hashtag, mention, cashtag, keyword or phrase with a value X rejects
    /// (no value, a malformed username, a radius of 25 miles or more, `~7`, …).
    InvalidValue {
        /// The operator family.
        operator: String,
    },
}

/// A rule that failed validation.
///
/// `details` and `position` are what X's rules endpoint reports; [`kind`](RuleError::kind)
/// says the same as a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .details.join("; "))]
pub struct RuleError {
    /// One line per problem, in X's style ("... (at position N)").
    pub details: Vec<String>,
    /// 1-based character position of the first problem, when known.
    pub position: Option<usize>,
    /// The kind of each problem, in the order of `details`.
    kinds: Vec<RuleErrorKind>,
}

/// One problem found while parsing: its kind, a message and a 1-based character position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    kind: RuleErrorKind,
    msg: String,
    pos: usize,
}

impl Problem {
    pub(crate) fn new(kind: RuleErrorKind, msg: String, pos: usize) -> Problem {
        Problem { kind, msg, pos }
    }
}

impl RuleError {
    pub(crate) fn from_problems(problems: Vec<Problem>) -> RuleError {
        let position = problems.iter().map(|p| p.pos).min();
        let (details, kinds) = problems
            .into_iter()
            .take(MAX_DETAILS)
            .map(|p| (format!("{} (at position {})", p.msg, p.pos), p.kind))
            .unzip();
        RuleError {
            details,
            position,
            kinds,
        }
    }

    pub(crate) fn too_long(len: usize, max: usize) -> RuleError {
        RuleError {
            details: vec![format!(
                "Rule is too long: {len} characters, the limit is {max}"
            )],
            position: None,
            kinds: vec![RuleErrorKind::TooLong { len, max }],
        }
    }

    /// What is wrong: the kind of the first problem, except that an unsupported operator only
    /// counts when it is the rule's only kind of problem (so a rule with an unsupported
    /// operator *and* a syntax error reports the syntax error).
    pub fn kind(&self) -> &RuleErrorKind {
        static FALLBACK: RuleErrorKind = RuleErrorKind::Syntax;
        self.kinds
            .iter()
            .find(|k| !matches!(k, RuleErrorKind::UnsupportedOperator { .. }))
            .or(self.kinds.first())
            .unwrap_or(&FALLBACK)
    }

    /// The kind of every problem, in the order of [`details`](RuleError::details).
    pub fn kinds(&self) -> &[RuleErrorKind] {
        &self.kinds
    }

    /// Whether the rule is valid for X but uses an operator this crate's evaluator cannot run
    /// (see [`UNSUPPORTED_OPERATORS`](crate::UNSUPPORTED_OPERATORS)), and has no other problem.
    pub fn is_unsupported_operator(&self) -> bool {
        matches!(self.kind(), RuleErrorKind::UnsupportedOperator { .. })
    }
}
